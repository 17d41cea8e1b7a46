// The integrations page on a phone: the Airtable form refuses empty fields in place; an owner
// adds a webhook endpoint, copies the signing secret shown once, sends a test event that a
// receiver on loopback verifies, and resends it from the delivery log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

import {
  BASE_URL, PASSWORD, launch, openPage, uniqueEmail, waitForHydration, horizontalOverflow,
  screenshot,
} from './browser.mjs';

let browser;
let receiver;
const deliveries = [];

before(async () => {
  browser = await launch();
  receiver = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await browser?.close();
  receiver?.close();
});

/** The receiver's side of integrations.md §3.3. */
function verify(secret, delivery) {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(delivery.headers['x-webhook-signature'] ?? '');
  if (!match) return false;
  const [, t, v1] = match;
  if (Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(delivery.body).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

async function waitForDeliveries(count) {
  for (let i = 0; i < 300 && deliveries.length < count; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(deliveries.length, count, 'the worker delivered');
}

test('owner adds a signed webhook endpoint, tests it and resends from the log', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/sign-up`);
  await waitForHydration(page);
  await page.fill('#field-email', uniqueEmail('hooks'));
  await page.fill('#field-password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/onboarding`);
  await page.fill('#field-name', 'Hook Plumbing');
  await page.fill('#field-notify_phone', '(512) 555-0131');
  await page.fill('#field-forwarding_phone', '(512) 555-0132');
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/leads`);

  await page.goto(`${BASE_URL}/app/integrations`);
  await waitForHydration(page);
  await page.click('button:has-text("Connect Airtable")');
  await page.waitForSelector('text=Enter your Airtable personal access token.');
  assert.equal(page.url(), `${BASE_URL}/app/integrations`, 'refused in place');

  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  await page.fill('#field-url', url);
  await page.check('input[name=event_lead_status_changed]');
  await page.click('button:has-text("Add endpoint")');
  await page.waitForSelector('input[aria-label="Signing secret"]');
  const secret = await page.inputValue('input[aria-label="Signing secret"]');
  assert.match(secret, /^whk_[A-Za-z0-9_-]{43}$/);
  assert.ok(await page.isVisible(`text=${url}`));
  assert.ok((await horizontalOverflow(page)) <= 0, 'the integrations page fits 360 px');
  await screenshot(page, 'integrations');

  await page.click('button:has-text("Send test event")');
  await page.waitForURL(`${BASE_URL}/app/integrations?done=test-event`);
  assert.equal(await page.isVisible('input[aria-label="Signing secret"]'), false, 'shown once');
  await waitForDeliveries(1);
  const ping = JSON.parse(deliveries[0].body);
  assert.equal(ping.type, 'ping');
  assert.equal(deliveries[0].headers['x-webhook-id'], ping.id);
  assert.ok(verify(secret, deliveries[0]), 'the receiver accepts the signature');
  assert.equal(verify('whk_wrong', deliveries[0]), false);

  await page.reload();
  await page.click('summary:has-text("Recent deliveries (1)")');
  await page.click('button:has-text("Resend")');
  await page.waitForURL(`${BASE_URL}/app/integrations?done=resent`);
  await waitForDeliveries(2);
  assert.deepEqual(deliveries[1].body, deliveries[0].body, 'the same bytes');
  assert.ok(verify(secret, deliveries[1]));
  await page.reload();
  assert.ok(await page.isVisible('summary:has-text("Recent deliveries (2)")'));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
