import { Page, request } from '@playwright/test';
import { test, expect } from './fixtures';
import { hydrated, signIn } from './helpers';

// Issue 5's system management in the browser, against demo mode's simulated two-node CMS
// cluster: System Status, Test connection, Edit Settings with the Alternate IP, Clustering,
// Ticket Filters, the Logs tab, monitoring tickets as a node goes down and up, and what the help
// desk may not do.

type Demo = { address: string; username: string; password: string; members: string[] };

async function demoCluster(page: Page): Promise<Demo> {
  await page.goto('/systems/add');
  const notice = page.getByRole('complementary', { name: 'Demo meeting server' });
  await expect(notice).toBeVisible();
  const [address, username, password] = await notice.locator('code').allTextContents();
  const members = (await notice.locator('.muted').textContent())!
    .replace('Call bridges in the cluster: ', '')
    .split(', ');
  return { address, username, password, members };
}

/** The demo system's page URL, adding the system first unless another test already did. */
async function demoSystem(page: Page, demo: Demo): Promise<string> {
  await page.goto('/systems');
  const row = page.locator(`tr[data-system="${demo.address}"]`);
  if ((await row.count()) === 0) {
    await page.goto('/systems/add');
    await hydrated(page);
    const form = page.getByRole('form', { name: 'Meeting server' });
    await form.getByLabel('Network address').fill(demo.address);
    await form.getByLabel('User name').fill(demo.username);
    await form.getByLabel('Password').fill(demo.password);
    await form.getByLabel('TLS').selectOption('insecure');
    await form.getByRole('button', { name: 'Add system' }).click();
    await expect(page.locator('.system-status')).toHaveText('Idle');
    return page.url().split('?')[0];
  }
  await row.getByRole('link').click();
  await expect(page.locator('.system-status')).toBeVisible();
  return page.url().split('?')[0];
}

/** Fails the test on any uncaught error in the page (a hydration panic among them). */
test.afterEach(async ({}, testInfo) => {
  const errors = (testInfo as unknown as { pageErrors?: string[] }).pageErrors ?? [];
  expect(errors).toEqual([]);
});

test.beforeEach(async ({ page }, testInfo) => {
  const errors: string[] = [];
  (testInfo as unknown as { pageErrors: string[] }).pageErrors = errors;
  page.on('pageerror', (e) => errors.push(e.message));
});

/** Waits until the tab's forms are interactive (they hydrate after the page itself). */
async function ready(page: Page) {
  await hydrated(page);
  await expect(page.locator('section[data-ready="true"]')).toBeVisible();
}

/** Takes a simulated call bridge down or brings it back, through the simulator's control API. */
async function setNodeUp(demo: Demo, node: number, up: boolean) {
  const other = demo.members[node === 0 ? 1 : 0];
  const api = await request.newContext({ ignoreHTTPSErrors: true });
  const answer = await api.put(`https://${other}/_sim/nodes/${node}`, { data: { up } });
  expect(answer.ok()).toBeTruthy();
  await api.dispose();
}

async function testConnection(page: Page, systemUrl: string) {
  await page.goto(`${systemUrl}?tab=connection`);
  await ready(page);
  await page.getByRole('button', { name: 'Test connection' }).click();
  const result = page.locator('[data-test-result]');
  await expect(result).toBeVisible();
  return result;
}

test('system status, test connection, settings with an alternate, clustering and logs', async ({ page }) => {
  await signIn(page, 'admin');
  const demo = await demoCluster(page);
  const systemUrl = await demoSystem(page, demo);

  // Test connection reads the status now; the Summary then shows it as TMS does.
  const result = await testConnection(page, systemUrl);
  await expect(result).toContainText('Connected: Reachable on LAN answered (software version 2.0(RC))');
  await page.goto(systemUrl);
  const status = page.locator('.system-status-card');
  await expect(status.locator('[data-fact="uptime"]')).toHaveText(/^\d+d, \d\d:\d\d:\d\d$/);
  await expect(status).toContainText('CallLegs Max Active');
  await expect(status).toContainText('Kbit/s');
  await expect(page.getByText('There are no bookings for this system in the next 7 days.')).toBeVisible();
  await expect(page.getByRole('link', { name: '▸ Book conference with this system' })).toHaveAttribute(
    'href',
    /\/booking\/new\?system=\d+$/,
  );

  // Edit Settings: the Alternate IP is chosen from the discovered call bridges.
  await page.goto(`${systemUrl}?tab=settings&view=edit`);
  await ready(page);
  const form = page.getByRole('form', { name: 'Edit Settings — General' });
  await form.getByLabel('Name', { exact: true }).fill('CMS Core Primary');
  await form.getByLabel('IP Zone').fill('Test Zone');
  await form.getByLabel('Alternate IP', { exact: true }).selectOption(`https://${demo.members[1]}`);
  await form.getByLabel('Alternate IP User').fill(demo.username);
  await form.getByLabel('Alternate IP Password').fill(demo.password);
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('CMS Core Primary');

  // View Settings shows the password only as *****.
  await page.goto(`${systemUrl}?tab=settings&view=view`);
  const view = page.locator('.view-settings');
  await expect(view.locator('.alternate-ip')).toHaveText(`https://${demo.members[1]}`);
  await expect(view).toContainText('*****');
  await expect(view).toContainText('Test Zone');
  expect(await page.content()).not.toContain(demo.password);

  // Clustering marks the primary and the alternate.
  await page.goto(`${systemUrl}?tab=clustering`);
  await expect(page.locator('tr[data-role="Primary"]')).toContainText('CMS Core Primary');
  await expect(page.locator('tr[data-role="Alternate"]')).toContainText(demo.members[1]);

  // Logs: the API trace, filterable, nothing secret in it.
  await page.goto(`${systemUrl}?tab=logs`);
  await expect(page.locator('tr.trace').first()).toBeVisible();
  expect(await page.content()).not.toContain(demo.password);
  await page.goto(`${systemUrl}?tab=logs&method=POST&status=any`);
  const posts = page.locator('tr.trace');
  await expect(posts.first()).toBeVisible();
  for (const method of await posts.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-method')))) {
    expect(method).toBe('POST');
  }
});

test('monitoring raises Connection Error while the primary is down; ticket filters hide a type', async ({ page }) => {
  await signIn(page, 'admin');
  const demo = await demoCluster(page);
  const systemUrl = await demoSystem(page, demo);

  await setNodeUp(demo, 0, false);
  try {
    const result = await testConnection(page, systemUrl);
    await expect(result).toContainText('No Response');
    await page.goto(systemUrl);
    await expect(page.locator('.system-status')).toHaveText('No Response');
    await expect(page.locator('[data-ticket="Connection Error"]')).toBeVisible();

    // Hiding the type closes the ticket and keeps it from being raised again.
    await page.goto(`${systemUrl}?tab=settings&view=filters`);
    await ready(page);
    const filters = page.getByRole('form', { name: 'Ticket Filters' });
    await filters.getByLabel('Connection Error').check();
    await filters.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Ticket filters saved.' })).toBeVisible();
    await testConnection(page, systemUrl);
    await page.goto(systemUrl);
    await expect(page.locator('.system-status')).toHaveText('No Response');
    await expect(page.locator('[data-ticket="Connection Error"]')).toHaveCount(0);

    // Shown again once the filter is lifted.
    await page.goto(`${systemUrl}?tab=settings&view=filters`);
    await ready(page);
    await filters.getByLabel('Connection Error').uncheck();
    await filters.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Ticket filters saved.' })).toBeVisible();
    await testConnection(page, systemUrl);
    await page.goto(systemUrl);
    await expect(page.locator('[data-ticket="Connection Error"]')).toBeVisible();
  } finally {
    await setNodeUp(demo, 0, true);
  }
  const result = await testConnection(page, systemUrl);
  await expect(result).toContainText('Connected');
  await page.goto(systemUrl);
  await expect(page.locator('.system-status')).toHaveText('Idle');
  await expect(page.locator('[data-ticket="Connection Error"]')).toHaveCount(0);
});

test('the help desk sees settings but cannot change them or the connection', async ({ page }) => {
  await signIn(page, 'admin');
  const demo = await demoCluster(page);
  const systemUrl = await demoSystem(page, demo);
  await page.context().clearCookies();

  await signIn(page, 'hana');
  await page.goto(`${systemUrl}?tab=settings&view=edit`);
  await ready(page);
  await expect(page.getByText('changing them needs the Manage systems permission')).toBeVisible();
  const form = page.getByRole('form', { name: 'Edit Settings — General' });
  await form.getByLabel('Description').fill('changed by the help desk');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'You do not have permission to do that.' })).toBeVisible();

  await page.goto(`${systemUrl}?tab=connection`);
  await ready(page);
  await expect(page.getByPlaceholder('***** (leave blank to keep)')).toHaveValue('');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'You do not have permission to do that.' })).toBeVisible();

  await page.goto(`${systemUrl}?tab=settings&view=view`);
  await expect(page.locator('.view-settings')).not.toContainText('changed by the help desk');
});
