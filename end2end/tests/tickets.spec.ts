import { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { hydrated, PASSWORD, signIn } from './helpers';

// A zone without daylight saving time, so the expected local time is plain arithmetic.
test.use({ timezoneId: 'Asia/Kolkata' });

/** `2026-11-24T08:41:33.5Z` as the page shows it in Kolkata (UTC+05:30). */
function inKolkata(rfc3339: string): string {
  const local = new Date(new Date(rfc3339).getTime() + 330 * 60_000);
  return local.toISOString().slice(0, 19).replace('T', ' ');
}

function ticketRow(page: Page, message: string) {
  return page.locator('tr[data-ticket]').filter({ hasText: message });
}

test('the help desk adds a custom ticket, acknowledges it and closes it', async ({ page }) => {
  await signIn(page, 'hana');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitoring' }).click();
  await expect(page).toHaveTitle('Ticketing Service — Bridgekeeper');
  await expect(page.getByRole('heading', { name: 'Ticketing Service' })).toBeVisible();
  await hydrated(page);

  const form = page.getByRole('form', { name: 'Add custom ticket' });
  // Blanks pass the browser's `required`; the server refuses them beside the field.
  await form.getByLabel('Message').fill('   ');
  await form.getByRole('button', { name: 'Add ticket' }).click();
  await expect(form.getByText('is required')).toBeVisible();

  const message = `Room 4 codec keeps rebooting (${test.info().testId}-${Date.now()})`;
  await form.getByLabel('Message').fill(message);
  await form.getByRole('button', { name: 'Add ticket' }).click();
  await expect(form.getByRole('status')).toHaveText(/^Ticket #\d+ added\.$/);
  const number = (await form.getByRole('status').textContent())!.match(/#(\d+)/)![1];

  const row = ticketRow(page, message);
  await expect(row).toHaveAttribute('data-ticket', number);
  await expect(row.getByRole('cell').first()).toHaveText(`#${number}`);
  await expect(row).toContainText('Custom');
  await expect(row).toContainText('Warning');
  await expect(row).toContainText('Added by hana');
  await expect(row).toHaveAttribute('data-state', 'open');

  // The time is shown in the browser's time zone once the page has hydrated.
  const time = row.locator('time');
  const datetime = (await time.getAttribute('datetime'))!;
  await expect(time).toHaveText(inKolkata(datetime));
  await expect(time).toHaveAttribute('title', 'Your time zone (UTC+05:30)');

  await row.getByRole('button', { name: `Acknowledge ticket #${number}` }).click();
  await expect(row).toHaveAttribute('data-state', 'acknowledged');
  await expect(row.getByRole('cell', { name: 'hana', exact: true })).toBeVisible();
  await expect(row.getByRole('button', { name: `Acknowledge ticket #${number}` })).toHaveCount(0);

  // The filters: acknowledged tickets are not open ones.
  const filters = page.getByRole('form', { name: 'Filter tickets' });
  await filters.getByLabel('State').selectOption('open');
  await filters.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/[?&]state=open(&|$)/);
  await expect(ticketRow(page, message)).toHaveCount(0);
  await filters.getByLabel('State').selectOption('acknowledged');
  await filters.getByLabel('Type').selectOption('custom');
  await filters.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/[?&]kind=custom(&|$)/);
  await expect(ticketRow(page, message)).toHaveAttribute('data-state', 'acknowledged');

  await ticketRow(page, message).getByRole('button', { name: `Close ticket #${number}` }).click();
  await expect(ticketRow(page, message)).toHaveCount(0);
  await filters.getByLabel('State').selectOption('closed');
  await filters.getByRole('button', { name: 'Filter' }).click();
  await expect(ticketRow(page, message)).toHaveAttribute('data-state', 'closed');
});

test('from a system page, the help desk adds a custom ticket and opens the Ticketing Service', async ({
  page,
}) => {
  // Nothing answers on the discard port: the system is added despite warnings, with tickets.
  const address = '127.0.0.1:9';
  await signIn(page, 'admin');
  const origin = new URL(page.url()).origin;
  const added = await page.request.post('/api/systems/add', {
    headers: { Origin: origin },
    form: { address, username: 'admin', password: 'admin', tls: 'insecure' },
    maxRedirects: 0,
  });
  expect(added.status(), await added.text()).toBeLessThan(400);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  await signIn(page, 'hana');
  await page.goto('/systems');
  await page.locator(`tr[data-system="${address}"]`).getByRole('link').click();
  const name = `No Name (${address})`;
  await expect(page.getByRole('heading', { name })).toBeVisible();
  const id = page.url().match(/\/systems\/(\d+)/)![1];
  await hydrated(page);

  await page.getByText('▸ Add custom ticket').click();
  const form = page.getByRole('form', { name: 'Add custom ticket' });
  const message = `Caller reports no audio (${Date.now()})`;
  await form.getByLabel('Message').fill(message);
  await form.getByRole('button', { name: 'Add ticket' }).click();
  await expect(page.locator('[data-ticket="Custom"]').filter({ hasText: message })).toBeVisible();

  await page.getByRole('link', { name: '▸ Open in Ticketing Service' }).click();
  await expect(page).toHaveURL(new RegExp(`/monitoring\\?system=${id}$`));
  const filters = page.getByRole('form', { name: 'Filter tickets' });
  await expect(filters.getByLabel('System')).toHaveValue(id);
  await expect(ticketRow(page, message)).toHaveAttribute('data-state', 'open');
  const rows = page.locator('tr[data-ticket]');
  expect(await rows.count()).toBeGreaterThanOrEqual(4);
  for (const system of await rows.locator('td:nth-child(4)').allTextContents()) {
    expect(system).toBe(name);
  }

  // An automatic ticket is acknowledged, never closed by hand.
  const connection = rows.filter({ hasText: 'Connection Error' });
  await expect(connection.getByRole('button', { name: /^Close ticket/ })).toHaveCount(0);
  await connection.getByRole('button', { name: /^Acknowledge ticket/ }).click();
  await expect(connection).toHaveAttribute('data-state', 'acknowledged');
  await connection.getByRole('link', { name }).click();
  await expect(page).toHaveURL(new RegExp(`/systems/${id}$`));
  await expect(page.locator('[data-ticket="Connection Error"]')).toContainText('Acknowledged by hana');
});

test('a scheduler is refused the Ticketing Service and its server functions', async ({ page }) => {
  await signIn(page, 'sam');
  const response = await page.goto('/monitoring');
  expect(response?.status()).toBe(403);
  const origin = new URL(page.url()).origin;
  for (const [path, form] of [
    ['/api/tickets/list', {}],
    ['/api/tickets/add', { message: 'from a scheduler' }],
    ['/api/tickets/acknowledge', { number: '1' }],
    ['/api/tickets/close', { number: '1' }],
  ] as const) {
    const refused = await page.request.post(path, { headers: { Origin: origin }, form });
    expect(refused.status(), path).toBe(403);
  }
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('custom tickets are added and the filters work', async ({ page }) => {
    await page.goto('/monitoring');
    await page.getByLabel('User name').fill('hana');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/monitoring$/);

    const message = `Plain form note ${Date.now()}`;
    const form = page.getByRole('form', { name: 'Add custom ticket' });
    await form.getByLabel('Message').fill(message);
    await form.getByRole('button', { name: 'Add ticket' }).click();
    await expect(page).toHaveURL(/\/monitoring/);
    await expect(ticketRow(page, message)).toHaveAttribute('data-state', 'open');
    // Before (and without) hydration, times are in UTC and say so.
    await expect(ticketRow(page, message).locator('time')).toHaveText(/ UTC$/);

    const filters = page.getByRole('form', { name: 'Filter tickets' });
    await filters.getByLabel('Type').selectOption('blank_system_name');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/[?&]kind=blank_system_name(&|$)/);
    await expect(ticketRow(page, message)).toHaveCount(0);
    await expect(filters.getByLabel('Type')).toHaveValue('blank_system_name');

    await filters.getByLabel('Type').selectOption('custom');
    await filters.getByLabel('Severity').selectOption('warning');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await expect(ticketRow(page, message)).toHaveCount(1);
    await ticketRow(page, message).getByRole('button', { name: /^Acknowledge ticket/ }).click();
    await expect(ticketRow(page, message)).toHaveAttribute('data-state', 'acknowledged');
    await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  });
});
