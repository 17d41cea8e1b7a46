// A business ready to take calls, set up through the UI as an owner would.
import { BASE_URL, PASSWORD, uniqueEmail } from './browser.mjs';
import { e164 } from './twilio.mjs';

/** Sign-up, onboarding, a demo plan and a tracking number; returns the number (E.164). */
export async function businessWithNumber(page, name) {
  await page.goto(`${BASE_URL}/sign-up`);
  await page.fill('#field-email', uniqueEmail('desk'));
  await page.fill('#field-password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/onboarding`);
  await page.fill('#field-name', name);
  await page.fill('#field-notify_phone', '(512) 555-0111');
  await page.fill('#field-forwarding_phone', '(512) 555-0142');
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/leads`);
  await page.goto(`${BASE_URL}/app/billing`);
  await page.click('[data-plan=starter] button[type=submit]');
  await page.waitForSelector('text=Your plan is active.');
  await page.goto(`${BASE_URL}/app/numbers`);
  await page.fill('#field-area_code', '512');
  await page.fill('#field-label', 'Van');
  await page.click('button:has-text("Buy number")');
  await page.waitForURL(`${BASE_URL}/app/numbers?done=bought`);
  return e164(await page.locator('p.text-lg.font-semibold').first().textContent());
}
