// A prospect from the marketing site buys a plan (billing.md §3–§5): /buy?plan=pro, sign-up,
// onboarding, the billing page with Pro preselected, checkout on the demo-mode Stripe fake, and
// the plan active once the simulated webhook has been applied.
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

test('from /buy?plan=pro to an active Pro plan on a phone', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/buy?plan=pro`);
  await page.waitForURL(`${BASE_URL}/sign-up?next=%2Fbuy%3Fplan%3Dpro`);
  await waitForHydration(page);
  await page.fill('#field-email', uniqueEmail('buyer'));
  await page.fill('#field-password', PASSWORD);
  await page.click('button[type=submit]');

  await page.waitForURL(`${BASE_URL}/app/onboarding?next=%2Fapp%2Fbilling%3Fplan%3Dpro`);
  await waitForHydration(page);
  await page.fill('#field-name', 'Buyer Plumbing');
  await page.fill('#field-notify_phone', '(512) 555-0111');
  await page.fill('#field-forwarding_phone', '512-555-0142');
  await page.click('button[type=submit]');

  await page.waitForURL(`${BASE_URL}/app/billing?plan=pro`);
  const pro = page.locator('[data-plan=pro]');
  assert.ok(await pro.locator('text=Selected plan').isVisible(), 'Pro is highlighted');
  assert.equal(await page.locator('[data-plan=starter] >> text=Selected plan').count(), 0);
  const button = pro.locator('button[type=submit]');
  assert.equal(await button.textContent(), 'Activate plan (demo)');
  assert.ok(await button.evaluate((el) => el === document.activeElement), 'its button has focus');
  assert.match(await page.textContent('[data-testid=billing-status]'), /Inactive/);
  assert.ok((await horizontalOverflow(page)) <= 0, 'billing fits 360 px');

  await button.click();
  await page.waitForURL(/\/app\/billing\?checkout=success&session_id=cs_test_/);
  await page.waitForSelector('text=Your plan is active.');
  assert.match(await page.textContent('[data-testid=billing-status]'), /Active/);
  assert.match(await page.textContent('[data-testid=plan-label]'), /Pro/);
  assert.match(await page.textContent('[data-testid=usage-line]'), /0\/1000 used \(1000 remaining\)/);
  assert.ok(await page.isVisible('[data-plan=pro] >> text=Current plan'));
  assert.ok(await page.isVisible('text=Manage billing'));

  // The leads page agrees: no "paused" banner.
  await page.goto(`${BASE_URL}/app/leads`);
  assert.equal(await page.locator('[data-testid=automation-status]').count(), 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
