import { test, expect } from './fixtures';
import { hydrated, signIn } from './helpers';

test('an administrator builds the Navigator folder tree; the help desk only reads it', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/systems');
  await hydrated(page);
  const create = page.getByRole('form', { name: 'New folder' });
  await create.getByLabel('New folder in the top').fill('Europe');
  await create.getByRole('button', { name: 'Create folder' }).click();
  const tree = page.getByRole('complementary', { name: 'Folders' });
  await tree.getByRole('link', { name: 'Europe' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Europe');
  await expect(page.getByText('No systems here.')).toBeVisible();

  // A sub-folder, then a duplicate name refused beside its field.
  await hydrated(page);
  const inEurope = page.getByRole('form', { name: 'New folder' });
  await inEurope.getByLabel('New folder in Europe').fill('Paris');
  await inEurope.getByRole('button', { name: 'Create folder' }).click();
  await expect(tree.getByRole('link', { name: 'Paris' })).toBeVisible();
  await inEurope.getByLabel('New folder in Europe').fill('paris');
  await inEurope.getByRole('button', { name: 'Create folder' }).click();
  await expect(page.getByText('a folder named `paris` is already there')).toBeVisible();

  // Renaming it.
  await page.getByRole('form', { name: 'Rename folder' }).getByLabel('Rename to').fill('Europe West');
  await page.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Europe West');

  await page.getByRole('button', { name: 'Sign out' }).click();
  // Signed out only once the sign-in page shows: /login still signed in shows no form.
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await signIn(page, 'hana');
  await page.goto('/systems');
  await expect(page.getByRole('complementary', { name: 'Folders' }).getByRole('link', { name: 'Europe West' })).toBeVisible();
  await expect(page.getByRole('form', { name: 'New folder' })).toHaveCount(0);
});
