// The demo phone simulator (operations.md §3.3): an owner with no Twilio account plays the caller.
// A missed call texts the caller, five answers fill the lead in (QUALIFIED, conversation
// COMPLETED), the owner's alert shows beside the phone. Everything goes through the app's real,
// signed webhooks and the simulated Twilio's delivery reports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { BASE_URL, PHONE, launch, openPage, horizontalOverflow, screenshot, waitForHydration } from './browser.mjs';
import { businessWithNumber } from './business.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const businessTexts = (page) => page.locator('[data-sim-text=business]');

/** Waits until the phone shows more than `count` texts from the business (the page refreshes itself). */
async function waitForBusinessText(page, count) {
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-sim-text=business]').length > n,
    count,
    { timeout: 20_000 },
  );
}

test('a missed call in the simulator becomes a completed lead and alerts the owner', async () => {
  const page = await openPage(browser, { viewport: PHONE });
  await businessWithNumber(page, 'Simulated Plumbing');
  await page.goto(`${BASE_URL}/app/simulator`);
  assert.ok(await page.isVisible('a:has-text("Open the phone simulator")'), 'the demo banner links here');
  await page.fill('#sim-caller', '(512) 555-0123');
  await page.click('button:has-text("No answer")');
  await page.waitForURL(/\/app\/simulator\?number=.+&caller=%2B15125550123/);
  await waitForHydration(page);
  await waitForBusinessText(page, 0);
  assert.match(await businessTexts(page).first().textContent(), /Simulated Plumbing/);
  assert.match(await page.textContent('[data-sim-call]'), /Missed \(no answer\)/);

  for (const answer of ['1', 'today', '78704', 'morning', 'Pat Morgan']) {
    const before = await businessTexts(page).count();
    await page.fill('#sim-body', answer);
    await page.click('button:has-text("Send text")');
    await page.waitForSelector(`[data-sim-text=caller]:has-text("${answer}")`);
    await waitForBusinessText(page, before);
  }
  await page.waitForSelector('[data-sim-conversation]:has-text("Completed")', { timeout: 20_000 });
  assert.equal((await page.textContent('[data-sim-lead-status]')).trim(), 'Qualified');
  await page.waitForSelector('[data-sim-alert]', { timeout: 20_000 });
  assert.match(await page.locator('[data-sim-alert]').first().textContent(), /Pat Morgan|555-0123/);
  // The simulated Twilio reports delivery, so the marks move on to Delivered.
  await page.waitForSelector('[data-sim-mark]:has-text("Delivered")', { timeout: 20_000 });
  assert.ok((await horizontalOverflow(page)) <= 0, 'the simulator fits 360 px');
  await screenshot(page, 'simulator');
  assert.deepEqual(page.problems, []);

  // The lead page agrees.
  await page.click('[data-sim-lead] a');
  await page.waitForURL(/\/app\/leads\/[0-9a-f-]{36}$/);
  assert.ok(await page.isVisible('text=Pat Morgan'));
  await page.context().close();
});
