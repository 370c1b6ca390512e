import { test as base, BrowserContext, expect, Page } from '@playwright/test';

export { expect };

/** Console messages an individual test expects, told with {@link expectConsoleError}. */
const expected = new WeakMap<Page, RegExp[]>();

/** Lets the current test's page log one kind of console error it provokes on purpose (say a
 * refused request's "Failed to load resource: … 403"). Anything else still fails the test. */
export function expectConsoleError(page: Page, pattern: RegExp) {
  expected.set(page, [...(expected.get(page) ?? []), pattern]);
}

/**
 * Every browser test imports `test` from here: it fails the test on any console error, uncaught
 * page error or panic (a wasm panic is a console error through console_error_panic_hook, and a
 * CSP violation is a console error too) in any page of the test's browser context.
 */
export const test = base.extend<{ failOnConsoleErrors: void }>({
  failOnConsoleErrors: [
    async ({ context, browser }, use) => {
      const problems: string[] = [];
      const watch = (watched: BrowserContext) => {
        watched.on('console', (message) => {
          if (message.type() !== 'error') return;
          const page = message.page();
          const text = message.text();
          if (page && (expected.get(page) ?? []).some((pattern) => pattern.test(text))) return;
          // A refusal (field errors 422, forbidden 403, …) is a server function's normal answer,
          // which the page shows; Chromium still logs it. A 5xx, or anything else, fails the test.
          if (/^Failed to load resource: the server responded with a status of 4\d\d /.test(text)) return;
          problems.push(`console error on ${page?.url() ?? '?'}: ${text}`);
        });
        watched.on('weberror', (error) => {
          problems.push(`page error on ${error.page()?.url() ?? '?'}: ${error.error().message}`);
        });
      };
      watch(context);
      // Contexts a test opens itself (a second user side by side) are watched too.
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (...args) => {
        const opened = await newContext(...args);
        watch(opened);
        return opened;
      };
      try {
        await use();
      } finally {
        browser.newContext = newContext;
      }
      expect(problems, 'console errors, page errors or panics').toEqual([]);
    },
    { auto: true },
  ],
});
