import { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { hydrated, signIn } from './helpers';

// The system page's Permissions tab: an administrator restricts booking and editing; the server
// refuses what the list does not allow. Its own system (nothing answers on the discard-like port
// 7), so other specs' systems are untouched.
const ADDRESS = '127.0.0.1:7';

async function addSystem(page: Page, origin: string): Promise<number> {
  const added = await page.request.post('/api/systems/add', {
    headers: { Origin: origin },
    form: { address: ADDRESS, username: 'admin', password: 'admin', tls: 'insecure', pinned_pem: '' },
    maxRedirects: 0,
  });
  expect(added.status(), await added.text()).toBeLessThan(400);
  const list = await page.request.post('/api/systems/list', { headers: { Origin: origin } });
  const systems: { id: number; address: string }[] = await list.json();
  return systems.find((s) => s.address.endsWith(`//${ADDRESS}`))!.id;
}

async function openTab(page: Page, id: number) {
  await page.goto(`/systems/${id}?tab=permissions`);
  await hydrated(page);
  await expect(page.getByRole('link', { name: 'Permissions' })).toHaveAttribute('aria-current', 'page');
  await expect(page.locator('section[data-ready="true"]')).toBeVisible();
  return page.getByRole('form', { name: 'Permissions' });
}

function tomorrow() {
  return new Date(Date.now() + 24 * 3600 * 1000).toISOString().slice(0, 10);
}

test('an administrator restricts booking and editing on a system', async ({ page, browser, baseURL }) => {
  const origin = baseURL!;
  await signIn(page, 'admin');
  const id = await addSystem(page, origin);

  // Booking: only listed users, nobody ticked yet.
  let form = await openTab(page, id);
  await expect(form.getByLabel('Everyone with the Scheduler role')).toBeChecked();
  await expect(form.getByLabel('sam may book')).not.toBeChecked();
  await form.getByLabel('Only the users ticked “May book”').check();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('status')).toHaveText('Permissions saved.');

  // Sam does not see the tab (its user list is for administrators), and the server refuses his
  // booking on the system.
  const samContext = await browser.newContext();
  const sam = await samContext.newPage();
  await signIn(sam, 'sam');
  await sam.goto(`/systems/${id}`);
  await hydrated(sam);
  await expect(sam.locator('.system-status')).toBeVisible();
  await expect(sam.getByRole('link', { name: 'Permissions' })).toHaveCount(0);
  const refused = await sam.request.post('/api/bookings/create', {
    headers: { Origin: origin },
    form: {
      title: 'Restricted',
      date: tomorrow(),
      start_time: '10:00',
      end_time: '',
      duration_minutes: '30',
      time_zone: 'UTC',
      conference_type: 'no_connect',
      system: String(id),
      participants: '',
      passcode: '',
      notes: '',
      repeat: 'none',
      ends: 'count',
      count: '1',
      until: '',
    },
  });
  expect(refused.status()).toBe(422);
  expect(await refused.text()).toContain('may not book');
  await samContext.close();

  // Sam is ticked; the page shows it after a reload.
  form = await openTab(page, id);
  await form.getByLabel('sam may book').check();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('status')).toHaveText('Permissions saved.');
  form = await openTab(page, id);
  await expect(form.getByLabel('sam may book')).toBeChecked();
  await expect(form.getByLabel('Only the users ticked “May book”')).toBeChecked();

  // Editing: only ticked administrators (none): the admin's own changes are refused on the
  // server, yet the admin can still open editing again.
  await form.getByLabel('Only the administrators ticked “May edit”').check();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('status')).toHaveText('Permissions saved.');
  const rename = () =>
    page.request.post('/api/systems/settings/save', {
      headers: { Origin: origin },
      form: {
        id: String(id),
        name: 'Restricted bridge',
        description: '',
        ip_zone: '',
        time_zone: '',
        web_bridge_uri: '',
        system_contact: '',
        alternate_address: '',
        alternate_username: '',
        alternate_password: '',
        allow_booking: 'on',
      },
    });
  expect((await rename()).status()).toBe(403);
  form = await openTab(page, id);
  await form.getByLabel('All administrators').check();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('status')).toHaveText('Permissions saved.');
  expect((await rename()).status()).toBe(200);
});
