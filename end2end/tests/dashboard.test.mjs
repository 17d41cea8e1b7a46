// The owner's dashboard (web.md §6.2–§6.6): a missed call and a full qualification show up on
// the list and the lead page; the owner replies (automation pauses), books the job, downloads
// the CSV; the player plays through the proxy; another business gets 404; insights count the day.
// Then the same core actions with JavaScript off, and a desktop-width smoke test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE_URL, PHONE, launch, openPage, horizontalOverflow, screenshot, waitForHydration,
} from './browser.mjs';
import { businessWithNumber } from './business.mjs';
import { missedCall, text } from './twilio.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Reloads the list until a lead for `caller` is there, optionally in a given state. */
async function openLead(page, callerDisplay, stateLabel = '') {
  for (let tries = 0; tries < 40; tries += 1) {
    await page.goto(`${BASE_URL}/app/leads`);
    const card = page.locator('[data-lead-id]', { hasText: callerDisplay }).filter({ hasText: stateLabel });
    const link = card.locator('a[href^="/app/leads/"]');
    if (await link.count()) {
      await link.first().click();
      await page.waitForURL(/\/app\/leads\/[0-9a-f-]{36}$/);
      return page.url();
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no lead for ${callerDisplay}`);
}

test('a missed call becomes a qualified lead the owner works on a phone', async () => {
  const page = await openPage(browser, { viewport: PHONE });
  const tracking = await businessWithNumber(page, 'Story Plumbing');
  const caller = '+15125550177';
  await missedCall(caller, tracking);
  // The intro went out (the conversation waits for the service) before the caller answers.
  const leadUrl = await openLead(page, '(512) 555-0177', 'Waiting: service');
  for (const answer of ['2', 'today', 'my zip is 78704', 'afternoon', 'Pat Morgan']) {
    await text(caller, tracking, answer);
  }
  await page.reload();
  await screenshot(page, 'lead-detail');
  for (const shown of ['Pat Morgan', 'Install', 'Today', '78704', 'Afternoon', 'Completed', 'Missed - no answer']) {
    assert.ok(await page.isVisible(`text=${shown}`), shown);
  }
  assert.equal(await page.inputValue('#lead-status'), 'QUALIFIED');
  const transcript = page.locator('[data-testid=transcript]');
  assert.ok((await transcript.locator('li[data-direction=inbound]').count()) >= 5, 'every answer is a bubble');
  const marks = await transcript.locator('li[data-direction=outbound] [data-delivery]').evaluateAll(
    (nodes) => nodes.map((n) => n.getAttribute('data-delivery')),
  );
  assert.ok(marks.length >= 5 && marks.every((m) => /^(Pending|Sending|Sent|Delivered|Read)$/.test(m)), marks.join());
  const src = await page.getAttribute('audio', 'src');
  assert.match(src, /^\/api\/leads\/[0-9a-f-]{36}\/recording\?call=[0-9a-f-]{36}$/);
  assert.ok((await horizontalOverflow(page)) <= 0, 'the lead page fits 360 px');

  // The owner replies (the box counts characters and texts): automation pauses.
  await waitForHydration(page);
  await page.fill('#reply-body', 'On my way at 2pm');
  await page.waitForSelector('[data-testid=segment-count]:has-text("16 of 1600 characters · 1 text")');
  await page.click('button:has-text("Send reply")');
  await page.waitForSelector('text=On my way at 2pm');
  assert.ok(await page.isVisible('text=Automation is paused'));
  assert.ok(await page.isVisible('button:has-text("Resume automation")'));

  // Booked.
  await page.selectOption('#lead-status', 'BOOKED');
  await page.click('button:has-text("Save status")');
  await page.waitForSelector('text=Status set to Booked');
  assert.equal(await page.inputValue('#lead-status'), 'BOOKED');

  // The list shows it, and the CSV carries it.
  await page.goto(`${BASE_URL}/app/leads?status=booked`);
  assert.ok(await page.isVisible('text=Pat Morgan'));
  await screenshot(page, 'leads-list');
  const exportHref = await page.getAttribute('a:has-text("Export CSV")', 'href');
  assert.equal(exportHref, '/app/leads/export.csv?status=booked', 'the export carries the filters');
  const exported = await page.request.get(`${BASE_URL}${exportHref}`);
  assert.equal(exported.headers()['content-type'], 'text/csv; charset=utf-8');
  const csv = await exported.text();
  assert.match(csv, /Pat Morgan/);
  assert.match(csv, /,BOOKED,COMPLETED,Install,Today,78704,Afternoon,/);

  // Insights count today's call and text-back.
  await page.goto(`${BASE_URL}/app/insights?range=7`);
  assert.equal((await page.textContent('[data-total=Calls]')).trim(), '1');
  await screenshot(page, 'insights');
  assert.ok((await horizontalOverflow(page)) <= 0, 'insights fit 360 px');
  assert.deepEqual(page.problems, []);

  // Another business sees nothing of it.
  const other = await openPage(browser, { viewport: PHONE });
  await businessWithNumber(other, 'Other Co');
  const response = await other.goto(leadUrl);
  assert.equal(response.status(), 404);
  assert.equal(await other.locator('text=Pat Morgan').count(), 0);
  await other.context().close();
  await page.context().close();
});

test('reply and status change work with JavaScript off', async () => {
  const page = await openPage(browser, { javaScript: false, viewport: PHONE });
  const tracking = await businessWithNumber(page, 'Quiet Heating');
  const caller = '+15125550178';
  await missedCall(caller, tracking);
  await openLead(page, '(512) 555-0178');
  await page.fill('#reply-body', 'Calling you back now');
  await page.click('button:has-text("Send reply")');
  await page.waitForSelector('text=Calling you back now');
  assert.ok(await page.isVisible('text=Automation is paused'));
  assert.equal(await page.inputValue('#lead-status'), 'CONTACTED', 'a reply marks the lead contacted');
  await page.selectOption('#lead-status', 'LOST');
  await page.click('button:has-text("Save status")');
  await page.waitForSelector('text=Status set to Lost');
  assert.equal(await page.inputValue('#lead-status'), 'LOST');
  await page.context().close();
});

test('the list and a lead at desktop width', async () => {
  const page = await openPage(browser, { viewport: { width: 1280, height: 800 } });
  const tracking = await businessWithNumber(page, 'Wide Windows');
  await missedCall('+15125550179', tracking);
  await openLead(page, '(512) 555-0179');
  assert.ok(await page.isVisible('text=Missed - no answer'));
  await page.goto(`${BASE_URL}/app/leads`);
  assert.ok(await page.isVisible('form[role=search]'));
  assert.ok((await horizontalOverflow(page)) <= 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
