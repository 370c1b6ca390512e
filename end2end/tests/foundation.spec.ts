import { test, expect } from './fixtures';
import { hydrated, navLabels, PASSWORD, signIn } from './helpers';

test.describe('signing in, per role', () => {
  const expected: Record<string, string[]> = {
    admin: ['Booking', 'Monitoring', 'Systems', 'Administrative Tools'],
    sam: ['Booking', 'Systems'],
    hana: ['Booking', 'Monitoring', 'Systems'],
  };
  for (const [user, labels] of Object.entries(expected)) {
    test(`${user} sees only their role's navigation`, async ({ page }) => {
      await signIn(page, user);
      expect(await navLabels(page)).toEqual(labels);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
      await page.goto('/');
      await expect(page).toHaveURL(/\/login\?next=\/$/);
    });
  }

  test('a wrong password is refused with a message', async ({ page }) => {
    await page.goto('/login');
    await hydrated(page);
    await page.getByLabel('User name').fill('sam');
    await page.getByLabel('Password').fill('not the right one');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Invalid user name or password.');
    await expect(page).toHaveURL(/\/login/);
  });
});

test('an administrator creates a user, with field errors first', async ({ page }) => {
  await signIn(page, 'admin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administrative Tools' }).click();
  await page.locator('#main').getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveTitle('Users — Bridgekeeper');
  await hydrated(page);

  const form = page.getByRole('form', { name: 'Add a user' });
  await form.getByLabel('User name').fill('nina');
  await form.getByLabel('Role').selectOption('helpdesk');
  await form.getByLabel('Password').fill('too short');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(form.getByText('must be at least 12 characters long')).toBeVisible();
  await expect(page.locator('tr[data-user="nina"]')).toHaveCount(0);

  await form.getByLabel('Password').fill('a long enough password');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'User created.' })).toBeVisible();
  const row = page.locator('tr[data-user="nina"]');
  await expect(row).toContainText('Help desk');
  await expect(row).toContainText('Active');
});

test('a scheduler is refused the Users page and its server functions', async ({ page }) => {
  await signIn(page, 'sam');
  const response = await page.goto('/admin/users');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Not permitted' })).toBeVisible();

  const origin = new URL(page.url()).origin;
  const create = await page.request.post('/api/users/create', {
    headers: { Origin: origin },
    form: { username: 'mallory', role: 'admin', password: PASSWORD },
  });
  expect(create.status()).toBe(403);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the plain sign-in form works', async ({ page }) => {
    await page.goto('/admin/users');
    await expect(page).toHaveURL(/\/login\?next=%2F|\/login\?next=\//);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/admin\/users$/);
    await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
    // The whole page is rendered on the server: the list is there without JavaScript.
    await expect(page.locator('tr[data-user="admin"]')).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  });
});
