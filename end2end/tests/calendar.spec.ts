import { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { bookingSystem, hydrated, signIn } from './helpers';

// The browser says it is in New York: with no zone chosen, the calendar shows New York times.
const ZONE = 'America/New_York';
test.use({ timezoneId: ZONE });

/** `HH:MM` in New York of a UTC date and time. */
function newYorkClock(date: string, utc: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(`${date}T${utc}:00Z`));
}

/** Presses a shortcut key and waits for the calendar it leads to: the address, then the page drawn
 * for that date (the view links carry the date shown), so the next key acts on the new page. */
async function press(page: Page, key: string, view: 'day' | 'week' | 'month', date: string, query = '') {
  await page.keyboard.press(key);
  await expect(page).toHaveURL(new RegExp(`view=${view}&date=${date}${query}`));
  const grid = view[0].toUpperCase() + view.slice(1);
  await expect(page.getByRole('grid', { name: grid })).toBeVisible();
  await expect(page.locator('[data-shortcut="d"]')).toHaveAttribute('href', new RegExp(`date=${date}`));
}

test('the calendar switches day, week and month from the keyboard, in the browser’s zone', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const system = await bookingSystem(page, baseURL!);
  await signIn(page, 'sam');

  // Four meetings on the 10th of the month after next, from 15:00 UTC, an hour apart.
  const now = new Date();
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 10));
  const day = month.toISOString().slice(0, 10);
  const nextMonth = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 10))
    .toISOString()
    .slice(0, 10);
  const title = `Review ${Date.now()}`;
  const titles = [0, 1, 2, 3].map((n) => `${title} #${n + 1}`);
  for (const [n, name] of titles.entries()) {
    const booked = await page.request.post('/api/bookings/create', {
      headers: { Origin: baseURL! },
      form: {
        title: name, date: day, start_time: `${15 + n}:00`, end_time: '', duration_minutes: '30',
        time_zone: 'UTC', conference_type: 'no_connect', system: String(system),
        participants: '', passcode: '', notes: '', repeat: 'none', ends: 'count', count: '1',
        until: '',
      },
    });
    expect(booked.status(), await booked.text()).toBe(200);
  }
  const start = newYorkClock(day, '15:00');
  const end = newYorkClock(day, '15:30');
  expect(start).not.toBe('15:00');

  // No zone chosen: the week is in New York time (the shell's script told the server).
  await page.goto(`/booking?date=${day}`);
  await hydrated(page);
  await expect(page.getByRole('grid', { name: 'Week' })).toBeVisible();
  await expect(page.getByText(`Times in ${ZONE}.`)).toBeVisible();
  await expect(page.getByLabel('Time zone')).toHaveValue(ZONE);
  const first = page.locator('.booking-block', { hasText: titles[0] });
  await expect(first).toContainText(`${start}–${end}`);
  await expect(first).toContainText('Pending');
  await expect(page.getByText('Keys: p previous')).toBeVisible();

  // d: the day, with the same meeting and the empty hours to book.
  await press(page, 'd', 'day', day);
  await expect(page.locator('.booking-block', { hasText: titles[0] })).toContainText(`${start}–${end}`);
  await expect(page.getByRole('link', { name: `Book ${day} 08:00`, exact: true })).toBeVisible();

  // m: the month, each day listing its first meetings, the rest behind "+1 more".
  await press(page, 'm', 'month', day);
  const cell = page.locator(`.month-day[data-day="${day}"]`);
  await expect(cell.locator('.month-meeting')).toHaveCount(3);
  await expect(cell.locator('.month-meeting').first()).toContainText(`${start} ${titles[0]}`);
  await expect(cell.locator('.month-meeting').first()).toContainText('Pending');
  await expect(cell.getByRole('link', { name: `1 more on ${day}` })).toHaveText('+1 more');
  await expect(cell.getByRole('link', { name: `Book on ${day}` })).toBeVisible();

  // n and p move by a month; a key typed into a field stays there.
  await press(page, 'n', 'month', nextMonth);
  await expect(page.locator('.month-meeting', { hasText: title })).toHaveCount(0);
  await press(page, 'p', 'month', day);
  await expect(cell.locator('.month-meeting')).toHaveCount(3);
  await page.getByLabel('Time zone').focus();
  await page.keyboard.press('w');
  await expect(page).toHaveURL(/view=month/);
  await page.getByLabel('Time zone').blur();

  // Tab reaches a day's number; Enter opens that day, where the fourth meeting is too.
  await page.getByRole('link', { name: 'Month', exact: true }).focus();
  let reached = false;
  for (let n = 0; n < 300 && !reached; n++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(
      (label) => document.activeElement?.getAttribute('aria-label') === label,
      `${day}, day view`,
    );
  }
  expect(reached).toBe(true);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`view=day&date=${day}`));
  await expect(page.locator('.booking-block', { hasText: titles[3] })).toContainText(
    newYorkClock(day, '18:00'),
  );

  // t: today (New York's date), w: back to its week.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date());
  await press(page, 't', 'day', today);
  await press(page, 'w', 'week', today);
  await expect(page.locator('[aria-current="date"]')).toHaveCount(1);

  // A zone chosen wins, and the links keep it (and the filters).
  await page.goto(`/booking?view=week&date=${day}&tz=UTC&system=${system}`);
  await hydrated(page);
  await expect(page.locator('.booking-block', { hasText: titles[0] })).toContainText('15:00–15:30');
  await expect(page.getByLabel('System')).toHaveValue(String(system));
  await press(page, 'm', 'month', day, `&tz=UTC&system=${system}`);
  await expect(cell.locator('.month-meeting').first()).toContainText(`15:00 ${titles[0]}`);
});

/** `YYYY-MM-DD` of `date` plus `days`. */
function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

test('arrow keys move between the days and hours of the calendar; Enter opens or books', async ({ page }) => {
  await signIn(page, 'sam');
  // A Monday in the month after next: its week and the next are in its month view.
  const now = new Date();
  const tenth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 10));
  const monday = addDays(tenth.toISOString().slice(0, 10), (8 - tenth.getUTCDay()) % 7);
  const focused = page.locator(':focus');

  // The month: across is the next day, down the next week; Enter opens the day.
  await page.goto(`/booking?view=month&date=${monday}&tz=UTC`);
  await hydrated(page);
  await expect(page.locator('.calendar-keys')).toContainText('move between days, Enter opens');
  await page.getByRole('link', { name: `${monday}, day view` }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(focused).toHaveAttribute('aria-label', `${addDays(monday, 1)}, day view`);
  await page.keyboard.press('ArrowDown');
  await expect(focused).toHaveAttribute('aria-label', `${addDays(monday, 8)}, day view`);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(focused).toHaveAttribute('aria-label', `${addDays(monday, 6)}, day view`);
  await page.keyboard.press('ArrowUp');
  await expect(focused).toHaveAttribute('aria-label', `${addDays(monday, -1)}, day view`);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`view=day&date=${addDays(monday, -1)}`));

  // The week: down is the next hour, across the same hour the next day; Enter books it.
  await page.goto(`/booking?view=week&date=${monday}&tz=UTC`);
  await hydrated(page);
  await page.getByRole('link', { name: `Book ${monday} 08:00`, exact: true }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(focused).toHaveAttribute('aria-label', `Book ${monday} 09:00`);
  await page.keyboard.press('ArrowRight');
  await expect(focused).toHaveAttribute('aria-label', `Book ${addDays(monday, 1)} 09:00`);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  // Nothing before Monday in this week: the focus stays.
  await expect(focused).toHaveAttribute('aria-label', `Book ${monday} 08:00`);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/booking/new\\?date=${addDays(monday, 1)}&time=08:00`));
  await expect(page.getByRole('heading', { name: 'New conference' })).toBeVisible();
});
