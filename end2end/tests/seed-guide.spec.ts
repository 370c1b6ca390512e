import { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { signIn } from './helpers';

// The seed guide's steps 1–5, against demo mode's simulated two-node CMS cluster.

async function demoCluster(page: Page) {
  const notice = page.getByRole('complementary', { name: 'Demo meeting server' });
  await expect(notice).toBeVisible();
  const codes = await notice.locator('code').allTextContents();
  const [address, username, password] = codes;
  const members = (await notice.locator('.muted').textContent())!
    .replace('Call bridges in the cluster: ', '')
    .split(', ');
  return { address, username, password, members };
}

test('add the demo CMS, name it, set Extended Settings until no tickets remain', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/systems');
  await page.getByRole('link', { name: 'Add Systems' }).click();
  await expect(page).toHaveTitle('Add Systems — Bridgekeeper');
  const demo = await demoCluster(page);

  // Step 1: add the system; it is detected, added with warnings, and has two tickets.
  const form = page.getByRole('form', { name: 'Meeting server' });
  await form.getByLabel('Network address').fill(demo.address);
  await form.getByLabel('User name').fill(demo.username);
  await form.getByLabel('Password').fill(demo.password);
  await form.getByLabel('TLS').selectOption('insecure');
  await form.getByRole('button', { name: 'Add system' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`No Name (${demo.address})`);
  await expect(page.locator('.system-status')).toHaveText('Idle');
  await expect(page.locator('[data-ticket="Dial Number Configuration Error"]')).toContainText(
    'Domain, Numeric ID Base and Numeric ID Quantity details are not set.',
  );
  await expect(page.locator('[data-ticket="Blank System Name"]')).toContainText(
    'The name of the system is blank.',
  );
  const systemUrl = page.url().split('?')[0];

  // Step 2: a name clears Blank System Name.
  await page.getByRole('navigation', { name: 'System' }).getByRole('link', { name: 'Settings', exact: true }).click();
  const settings = page.getByRole('form', { name: 'Edit Settings — General' });
  await settings.getByLabel('Name').fill('CMS Core Primary');
  await settings.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('CMS Core Primary');

  // Step 3: Extended Settings provision the placeholders, with the plan said first and progress shown.
  await page.goto(`${systemUrl}?tab=extended`);
  const extended = page.getByRole('form', { name: 'Extended Settings' });
  await extended.getByLabel('Domain').fill('example.com');
  await extended.getByLabel('Numeric ID Base').fill('1');
  await extended.getByLabel('Numeric ID Quantity').fill('5');
  await expect(page.locator('.plan')).toContainText('Create 5 placeholder space(s) (1–5).');
  await extended.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.provisioning')).toContainText('Provisioning complete');
  await expect(page.locator('.provisioning-message')).toContainText('5 placeholder space(s) created');

  // Step 4: no open or acknowledged tickets remain.
  await page.goto(systemUrl);
  await expect(page.getByText('System has no open or acknowledged tickets')).toBeVisible();

  // Clustering: both call bridges, the primary marked.
  await page.goto(`${systemUrl}?tab=clustering`);
  const rows = page.locator('table.data tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: 'CMS Core Primary' })).toContainText('✓');
  await expect(rows.filter({ hasText: demo.members[1] })).toHaveCount(1);

  // Adding the other cluster member is refused with TMS's message.
  await page.goto('/systems/add');
  const again = page.getByRole('form', { name: 'Meeting server' });
  await again.getByLabel('Network address').fill(demo.members[1]);
  await again.getByLabel('User name').fill(demo.username);
  await again.getByLabel('Password').fill(demo.password);
  await again.getByLabel('TLS').selectOption('insecure');
  await again.getByRole('button', { name: 'Add system' }).click();
  await expect(page.getByText(`The ${demo.members[1]} is part of a clustered call bridge and has already been added through ${demo.address}. Retry after entering a new IP.`)).toBeVisible();
});
