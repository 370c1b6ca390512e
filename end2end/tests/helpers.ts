import { expect, Page } from '@playwright/test';

export const PASSWORD = process.env.E2E_PASSWORD ?? 'e2e password for everyone';

/** Waits until the wasm bundle has hydrated the page (the app marks <body> when it has). */
export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

export async function signIn(page: Page, username: string, password = PASSWORD) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${username}` })).toBeVisible();
}

export async function navLabels(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeVisible();
  return nav.getByRole('link').allTextContents();
}

/** The booking browser tests' own simulated CMS (serve.sh starts it on E2E_BOOKING_SIM_PORT), so
 * the seed guide's test keeps the demo cluster to itself. */
export const BOOKING_SIM = `127.0.0.1:${process.env.E2E_BOOKING_SIM_PORT ?? 4545}`;

/** The booking CMS with three placeholders (1001–1003) as a system, added through the systems'
 * server functions (the Systems pages have their own browser tests) unless an earlier test of this
 * server run did; its id once provisioned. */
export async function bookingSystem(page: Page, baseURL: string): Promise<number> {
  await signIn(page, 'admin');
  const headers = { Origin: baseURL };
  const find = async () => {
    const calendar = await page.request.post('/api/bookings/week', {
      headers,
      form: { week: '', tz: 'UTC', system: '', mine: '' },
    });
    const systems: [number, string][] = (await calendar.json()).systems;
    return systems.find(([, name]) => name.includes(BOOKING_SIM))?.[0];
  };
  let id = await find();
  if (id === undefined) {
    const added = await page.request.post('/api/systems/add', {
      headers,
      form: { address: BOOKING_SIM, username: 'admin', password: 'admin', tls: 'insecure', pinned_pem: '' },
    });
    expect(added.status()).toBeLessThan(400);
    id = (await find())!;
    const saved = await page.request.post('/api/systems/extended', {
      headers,
      form: { id: String(id), domain: 'example.com', base: '1001', quantity: '3' },
    });
    expect(saved.status()).toBe(200);
  }
  await expect
    .poll(
      async () => {
        const status = await page.request.post('/api/systems/provisioning', {
          headers,
          form: { id: String(id) },
        });
        return (await status.json())?.state;
      },
      { timeout: 60_000 },
    )
    .toBe('Complete');
  await page.getByRole('button', { name: 'Sign out' }).click();
  // Signed out only once the sign-in page shows: /login still signed in shows no form.
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  return id;
}
