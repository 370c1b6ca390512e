import { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { PASSWORD, bookingSystem } from './helpers';

// Plain forms: with JavaScript off every form posts to its server function and the browser is
// sent back to a page that shows the answer, or the errors beside the fields with what was typed
// (never a password or passcode), and the URL carries neither the input nor the error.
test.use({ javaScriptEnabled: false });

async function signIn(page: Page, username: string) {
  await page.goto('/login');
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${username}` })).toBeVisible();
}

function cleanUrl(page: Page) {
  expect(page.url()).not.toContain('__err');
  expect(page.url()).not.toContain('__path');
}

/** The booking CMS as a provisioned system, set up where JavaScript runs (its helper signs in
 * on the hydrated page); its id. */
async function ensureSystem(browser: Browser, baseURL: string): Promise<number> {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  const id = await bookingSystem(page, baseURL);
  await context.close();
  return id;
}

/** A date `days` from today, as the date input takes it. */
function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

test('sign in: a refusal says why and keeps the user name, not the password', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('User name').fill('sam');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.form-error')).toBeVisible();
  await expect(page.getByLabel('User name')).toHaveValue('sam');
  await expect(page.getByLabel('Password')).toHaveValue('');
  cleanUrl(page);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, sam' })).toBeVisible();
});

test('book, edit, extend and cancel: each refusal keeps what was typed, each success is said', async ({
  page,
  browser,
  baseURL,
}) => {
  const system = await ensureSystem(browser, baseURL!);
  await signIn(page, 'sam');
  await page.goto('/booking/new');
  const form = page.getByRole('form', { name: 'New conference' });
  const title = `No-JS review ${Date.now()}`;
  const caller = `nojs${Date.now()}@example.com`;
  await form.getByLabel('Title', { exact: true }).fill(title);
  await form.getByLabel('Date', { exact: true }).fill('2020-01-01');
  await form.getByLabel('System', { exact: true }).selectOption(String(system));
  await form.getByLabel('Participants to dial (SIP URIs, one per line)').fill(caller);
  await form.getByLabel('Passcode (digits, optional)').fill('4711');
  await form.getByLabel('Notes').fill('bring the </textarea> figures');
  await form.getByRole('button', { name: 'Book', exact: true }).click();
  cleanUrl(page);
  const again = page.getByRole('form', { name: 'New conference' });
  await expect(again.locator('.field-error').first()).toBeVisible();
  await expect(again.getByLabel('Title', { exact: true })).toHaveValue(title);
  await expect(again.getByLabel('System', { exact: true })).toHaveValue(String(system));
  await expect(again.getByLabel('Participants to dial (SIP URIs, one per line)')).toHaveValue(caller);
  await expect(again.getByLabel('Notes')).toHaveValue('bring the </textarea> figures');
  await expect(again.getByLabel('Passcode (digits, optional)')).toHaveValue('');

  await again.getByLabel('Date', { exact: true }).fill(inDays(40));
  await again.getByRole('button', { name: 'Book', exact: true }).click();
  cleanUrl(page);
  const confirmation = page.getByRole('status').filter({ hasText: 'Booked' });
  await expect(confirmation).toContainText(title);
  await confirmation.getByRole('link', { name: 'Open the conference page' }).click();
  await expect(page.getByRole('heading', { name: title, exact: true })).toBeVisible();
  const meeting = page.url();

  // Edit this occurrence: refused (ends before it starts), then saved.
  await page.locator('summary', { hasText: 'Edit this occurrence' }).click();
  const occurrence = page.getByRole('form', { name: 'Edit this occurrence' });
  await occurrence.getByLabel('Title').fill(`${title} edited`);
  await occurrence.getByLabel('End', { exact: true }).fill('00:01');
  await occurrence.getByRole('button', { name: 'Save', exact: true }).click();
  cleanUrl(page);
  await expect(page.locator('#end_time-error')).toBeVisible();
  await expect(page.getByRole('form', { name: 'Edit this occurrence' }).getByLabel('Title')).toHaveValue(
    `${title} edited`,
  );
  const edit = page.getByRole('form', { name: 'Edit this occurrence' });
  await edit.getByLabel('End', { exact: true }).fill('10:00');
  await edit.getByRole('button', { name: 'Save', exact: true }).click();
  cleanUrl(page);
  await expect(page.getByRole('heading', { name: `${title} edited`, exact: true })).toBeVisible();

  // Extend: refused (a day more would pass the 24-hour limit), then extended.
  await page.getByLabel('Minutes to extend by').fill('1440');
  await page.getByRole('button', { name: 'Extend', exact: true }).click();
  cleanUrl(page);
  await expect(page.getByRole('alert').filter({ hasText: 'a meeting lasts at most 24 hours' })).toBeVisible();
  await expect(page.getByLabel('Minutes to extend by')).toHaveValue('1440');
  await page.getByRole('button', { name: /^Extend \+\d+$/ }).first().click();
  cleanUrl(page);
  await expect(page.locator('table.events')).toContainText(/Extended by \d+ min/);

  // Cancel: the button posts without asking (no script to ask), and the page says it is done.
  expect(page.url()).toBe(meeting);
  await page.getByRole('button', { name: 'Cancel meeting' }).click();
  cleanUrl(page);
  await expect(page.locator('[data-state]')).toHaveAttribute('data-state', 'cancelled');
});

test('add system: a refusal names the field and keeps the address, never the password', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/systems/add');
  const form = page.getByRole('form', { name: 'Meeting server' });
  await form.getByLabel('Network address').fill('not a host name!');
  await form.getByLabel('User name').fill('admin');
  await form.getByLabel('Password').fill('secret-password');
  await form.getByRole('button', { name: 'Add system' }).click();
  cleanUrl(page);
  const again = page.getByRole('form', { name: 'Meeting server' });
  await expect(page.locator('#address-error')).toBeVisible();
  await expect(again.getByLabel('Network address')).toHaveValue('not a host name!');
  await expect(again.getByLabel('Password')).toHaveValue('');
});

test('users: a refused user keeps its name; a created one is said', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/admin/users');
  const name = `nojs${Date.now()}`;
  await page.locator('#new-username').fill(name);
  await page.locator('#new-password').fill('short');
  await page.getByRole('button', { name: 'Create user' }).click();
  cleanUrl(page);
  await expect(page.locator('#password-error, .form-error').first()).toBeVisible();
  await expect(page.locator('#new-username')).toHaveValue(name);
  await expect(page.locator('#new-password')).toHaveValue('');
  await page.locator('#new-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'User created.' })).toBeVisible();
});

test('tickets: an added ticket is said', async ({ page }) => {
  await signIn(page, 'hana');
  await page.goto('/monitoring');
  const message = `No-JS ticket ${Date.now()}`;
  await page.getByLabel('Message').fill(message);
  await page.getByRole('button', { name: 'Add ticket' }).click();
  cleanUrl(page);
  await expect(page.getByRole('status').filter({ hasText: /Ticket #\d+ added\./ })).toBeVisible();
});

test('edit settings: a refused address keeps what was typed, a saved one is said', async ({ page, browser, baseURL }) => {
  const system = await ensureSystem(browser, baseURL!);
  await signIn(page, 'admin');
  await page.goto(`/systems/${system}?tab=settings&view=edit`);
  const form = page.getByRole('form', { name: 'Edit Settings — General' });
  const contact = `No-JS contact ${Date.now()}`;
  await form.getByLabel('System Contact', { exact: true }).fill(contact);
  await form.getByLabel('Web Bridge URI').fill('join.example.com');
  await form.getByRole('button', { name: 'Save' }).click();
  cleanUrl(page);
  const again = page.getByRole('form', { name: 'Edit Settings — General' });
  await expect(page.locator('#web_bridge_uri-error')).toContainText('must start with https://');
  await expect(again.getByLabel('System Contact', { exact: true })).toHaveValue(contact);
  await expect(again.getByLabel('Web Bridge URI')).toHaveValue('join.example.com');
  await again.getByLabel('Web Bridge URI').fill('https://join.example.com');
  await again.getByRole('button', { name: 'Save' }).click();
  cleanUrl(page);
  await expect(page.getByRole('status').filter({ hasText: 'Settings saved.' })).toBeVisible();
  await page.goto(`/systems/${system}?tab=settings&view=view`);
  await expect(page.locator('main')).toContainText(contact);
});

test('extended settings: a refused range names its field and keeps the input; the same range saves', async ({
  page,
  browser,
  baseURL,
}) => {
  const system = await ensureSystem(browser, baseURL!);
  await signIn(page, 'admin');
  await page.goto(`/systems/${system}?tab=extended`);
  const form = page.getByRole('form', { name: 'Extended Settings' });
  await expect(form.getByLabel('Numeric ID Base')).toHaveValue('1001');
  await form.getByLabel('Numeric ID Quantity').fill('0');
  await form.getByRole('button', { name: 'Save' }).click();
  cleanUrl(page);
  await expect(page.locator('#quantity-error')).toContainText('must be between 1 and');
  const again = page.getByRole('form', { name: 'Extended Settings' });
  await expect(again.getByLabel('Numeric ID Quantity')).toHaveValue('0');
  // The range the booking tests rely on, saved again: nothing to create or delete.
  await again.getByLabel('Numeric ID Quantity').fill('3');
  await again.getByRole('button', { name: 'Save' }).click();
  cleanUrl(page);
  await expect(page.locator('#quantity-error')).toHaveCount(0);
  await expect(page.getByRole('form', { name: 'Extended Settings' }).getByLabel('Numeric ID Quantity')).toHaveValue('3');
  await expect(page.locator('main')).toContainText('Placeholder spaces 1001–1003 exist on the server');
});

test('edit the series: a refusal keeps what was typed, a saved series is said', async ({ page, browser, baseURL }) => {
  const system = await ensureSystem(browser, baseURL!);
  await signIn(page, 'sam');
  await page.goto('/booking/new');
  const form = page.getByRole('form', { name: 'New conference' });
  const title = `No-JS series ${Date.now()}`;
  await form.getByLabel('Title', { exact: true }).fill(title);
  await form.getByLabel('Date', { exact: true }).fill(inDays(50));
  await form.getByLabel('Start', { exact: true }).fill('07:00');
  await form.getByLabel('System', { exact: true }).selectOption(String(system));
  await form.getByLabel('Repeats').selectOption('daily');
  await form.getByLabel('Occurrences').fill('3');
  await form.getByRole('button', { name: 'Book', exact: true }).click();
  cleanUrl(page);
  const confirmation = page.getByRole('status').filter({ hasText: 'Booked' });
  await expect(confirmation).toContainText(title);
  await confirmation.getByRole('link', { name: 'Open the conference page' }).click();
  await expect(page.locator('ul.series li')).toHaveCount(3);

  await page.locator('summary', { hasText: 'Edit the series' }).click();
  const series = page.getByRole('form', { name: 'Edit the series' });
  await series.getByLabel('Title').fill(`${title} moved`);
  await series.getByLabel('Participants').fill('not-an-address');
  await series.getByRole('button', { name: 'Save the series' }).click();
  cleanUrl(page);
  await expect(page.locator('#participants-error')).toContainText('not-an-address');
  const again = page.getByRole('form', { name: 'Edit the series' });
  await expect(again.getByLabel('Title')).toHaveValue(`${title} moved`);
  await expect(again.getByLabel('Participants')).toHaveValue('not-an-address');
  await again.getByLabel('Participants').fill('desk.ex90@example.com');
  await again.getByLabel('New start time').fill('08:30');
  await again.getByRole('button', { name: 'Save the series' }).click();
  cleanUrl(page);
  await expect(page.getByRole('status').filter({ hasText: 'The series is saved.' })).toBeVisible();
  await expect(page.getByRole('heading', { name: `${title} moved`, exact: true })).toBeVisible();
  for (const item of await page.locator('ul.series li').all()) {
    await expect(item).toContainText('08:30');
  }
});

test('end now: the button posts without asking and the page says the meeting ended', async ({
  page,
  browser,
  baseURL,
}) => {
  const system = await ensureSystem(browser, baseURL!);
  await signIn(page, 'sam');
  // Starting this minute: the engine starts it at once.
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  await page.goto('/booking/new');
  const form = page.getByRole('form', { name: 'New conference' });
  const title = `No-JS live ${Date.now()}`;
  await form.getByLabel('Title', { exact: true }).fill(title);
  await form.getByLabel('Date', { exact: true }).fill(now.toISOString().slice(0, 10));
  await form.getByLabel('Start', { exact: true }).fill(`${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}`);
  await form.getByLabel('Time zone').selectOption('UTC');
  await form.getByLabel('Duration (minutes)').fill('15');
  await form.getByLabel('System', { exact: true }).selectOption(String(system));
  await form.getByRole('button', { name: 'Book', exact: true }).click();
  cleanUrl(page);
  const confirmation = page.getByRole('status').filter({ hasText: 'Booked' });
  await expect(confirmation).toContainText(title);
  await confirmation.getByRole('link', { name: 'Open the conference page' }).click();
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.locator('[data-state]').getAttribute('data-state');
      },
      { timeout: 60_000 },
    )
    .toBe('ongoing');
  await page.getByRole('button', { name: 'End now' }).click();
  cleanUrl(page);
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.locator('[data-state]').getAttribute('data-state');
      },
      { timeout: 60_000 },
    )
    .toBe('finished');
  await expect(page.locator('table.events')).toContainText('placeholder put back');
  await expect(page.getByRole('button', { name: 'End now' })).toHaveCount(0);
});
