import { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { bookingSystem, hydrated, signIn } from './helpers';

// The build `make run` serves (release, see serve.sh) hydrates on every route, for every role:
// no console error or panic (the shared fixture), and a control handled only by the wasm bundle
// (the router's client-side link) responds.
const routes: Record<string, string[]> = {
  admin: [
    '/', '/booking', '/booking/new', '/booking/conferences', '/monitoring', '/systems',
    '/systems/add', '/admin', '/admin/users', '/admin/conference-settings', '/admin/audit',
    '/admin/engine',
  ],
  sam: ['/', '/booking', '/booking/new', '/booking/conferences', '/systems'],
  hana: ['/', '/booking', '/booking/conferences', '/monitoring', '/systems'],
};

/** Follows the top navigation's Booking link and checks it was the wasm router that did it: the
 * page's JavaScript realm (a marker set before the click) survives, as no document load happens. */
async function clientSideNavigation(page: Page) {
  await page.evaluate(() => ((window as any).__stillHere = true));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Booking' }).click();
  await expect(page).toHaveURL(/\/booking$/);
  expect(await page.evaluate(() => (window as any).__stillHere === true)).toBe(true);
}

for (const [user, paths] of Object.entries(routes)) {
  test(`every route hydrates for ${user}`, async ({ page }) => {
    test.setTimeout(180_000);
    await signIn(page, user);
    for (const path of paths) {
      await page.goto(path);
      await hydrated(page);
      await clientSideNavigation(page);
    }
  });
}

test('the sign-in page hydrates signed out', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  // Hydrated, signing in is a server-function call: the page's realm survives it.
  await page.evaluate(() => ((window as any).__stillHere = true));
  await page.getByLabel('User name').fill('sam');
  await page.getByLabel('Password').fill(process.env.E2E_PASSWORD ?? 'e2e password for everyone');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, sam' })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__stillHere === true)).toBe(true);
});

// Stored XSS through the edit form's textarea: the note reaches the administrator inert (no
// script runs, and the CSP would log a violation, which the fixture fails on) and shows exactly.
test('a hostile note shows as text in the hydrated edit form', async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  const system = await bookingSystem(page, baseURL!);
  await signIn(page, 'sam');
  const note = 'R&D </textarea><img src=x onerror="window.__xss=1"> <b>bold</b>';
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const booked = await page.request.post('/api/bookings/create', {
    headers: { Origin: baseURL! },
    form: {
      title: 'Hostile note', date: tomorrow, start_time: '06:00', end_time: '', duration_minutes: '15',
      time_zone: 'UTC', conference_type: 'no_connect', system: String(system), participants: '',
      passcode: '', notes: note, repeat: 'none', ends: 'count', count: '1', until: '',
    },
  });
  expect(booked.status(), await booked.text()).toBe(200);
  const meeting = (await booked.json()).meeting;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await signIn(page, 'admin');
  await page.goto(`/booking/meetings/${meeting}?tz=UTC`);
  await hydrated(page);
  await expect(page.locator('#series-notes')).toHaveValue(note);
  await expect(page.locator('img[src=x]')).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
});

// Administrative Tools → Engine: the one node `make run` starts holds the engine's lease, and the
// page says so; the lease is for administrators only, refused to a scheduler by the server.
test('an administrator sees which node runs the engine', async ({ page, browser, baseURL }) => {
  await signIn(page, 'admin');
  await page.goto('/admin');
  await hydrated(page);
  await page.getByRole('link', { name: 'Engine' }).click();
  await expect(page).toHaveURL(/\/admin\/engine$/);
  await expect(page.getByRole('heading', { name: 'Engine', exact: true })).toBeVisible();
  const here = (await page.locator('[data-node]').getAttribute('data-node'))!;
  expect(here).toMatch(/ pid \d+ at /);
  await expect(page.locator('[data-node]')).toHaveText(here);
  await expect(page.locator('[data-role]')).toHaveAttribute('data-role', 'holder');
  await expect(page.locator('[data-role]')).toContainText('Holder: this node runs the scheduler engine');
  await expect(page.locator('dl[aria-label="Engine lease"] [data-holder]')).toHaveText(`${here} (this node)`);
  expect(Number(await page.locator('[data-epoch]').getAttribute('data-epoch'))).toBeGreaterThanOrEqual(1);

  const samContext = await browser.newContext();
  const sam = await samContext.newPage();
  await signIn(sam, 'sam');
  const refused = await sam.request.post('/api/admin/engine', { headers: { Origin: baseURL! } });
  expect(refused.status()).toBe(403);
  await samContext.close();
});
