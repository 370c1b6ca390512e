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
