// The owner's main story on a phone: sign up, set up, buy a tracking number, see its webhook
// URLs, invite an agent who may not open billing; unknown ids answer with the 404 page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASE_URL, PASSWORD, launch, openPage, uniqueEmail, waitForHydration, horizontalOverflow,
} from './browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});


test('owner buys a number, sees its webhooks, and invites an agent who cannot open billing', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/sign-up`);
  await waitForHydration(page);
  await page.fill('#field-email', uniqueEmail('owner'));
  await page.fill('#field-password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/onboarding`);
  await page.fill('#field-name', 'Bright Electric');
  await page.fill('#field-notify_phone', '(512) 555-0123');
  await page.fill('#field-forwarding_phone', '(512) 555-0124');
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/leads`);

  // Numbers are bought on an active plan (the demo checkout activates it at once).
  await page.goto(`${BASE_URL}/app/billing`);
  await page.click('[data-plan=starter] button[type=submit]');
  await page.waitForSelector('text=Your plan is active.');
  await page.goto(`${BASE_URL}/app/leads`);
  await page.click('nav[aria-label=Main] a:visible:has-text("Numbers")');
  await page.waitForURL(`${BASE_URL}/app/numbers`);
  await waitForHydration(page);
  await page.fill('#field-area_code', '512');
  await page.fill('#field-label', 'Truck wrap');
  await page.click('button:has-text("Buy number")');
  await page.waitForURL(`${BASE_URL}/app/numbers?done=bought`);
  assert.ok(await page.isVisible('text=Your new number is ready.'));
  assert.ok(await page.isVisible('text=Truck wrap'));
  const voice = await page.inputValue('input[aria-label="Voice (a call comes in)"]');
  assert.equal(voice, `${BASE_URL}/api/twilio/voice#rc=3&rp=all`);
  assert.ok((await horizontalOverflow(page)) <= 0, 'the numbers page fits 360 px');

  await page.goto(`${BASE_URL}/app/team`);
  await page.click('button:has-text("Create invitation link")');
  await page.waitForSelector('input[aria-label=Link]');
  const link = await page.inputValue('input[aria-label=Link]');
  assert.match(link, /\/sign-up\?invite=/);
  assert.deepEqual(page.problems, []);
  await page.context().close();

  const agent = await openPage(browser);
  await agent.goto(link);
  assert.ok(await agent.isVisible('text=You are joining Bright Electric as agent.'));
  await agent.fill('#field-email', uniqueEmail('agent'));
  await agent.fill('#field-password', PASSWORD);
  await agent.click('button[type=submit]');
  await agent.waitForURL(`${BASE_URL}/app/leads`);
  const billing = await agent.goto(`${BASE_URL}/app/billing`);
  assert.equal(billing.status(), 403);
  assert.ok(await agent.isVisible("text=You don't have access to this page"));
  const numbers = await agent.goto(`${BASE_URL}/app/numbers`);
  assert.equal(numbers.status(), 200);
  assert.equal(await agent.isVisible('text=Buy a number'), false, 'agents see numbers read-only');
  const missing = await agent.goto(`${BASE_URL}/app/leads/00000000-0000-4000-8000-000000000000`);
  assert.equal(missing.status(), 404);
  assert.ok(await agent.isVisible('text=Page not found'));
  await agent.context().close();
});
