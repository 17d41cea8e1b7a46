// Accounts and onboarding in a real browser: with JavaScript at phone size, and without it.
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


async function fillOnboarding(page, { name = 'Acme Plumbing', notify = '(512) 555-0111' } = {}) {
  await page.fill('#field-name', name);
  await page.fill('#field-notify_phone', notify);
  await page.fill('#field-forwarding_phone', '512-555-0142');
}

test('sign up and set up the business on a phone, with messages shown in place', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/sign-up`);
  await waitForHydration(page);
  await page.fill('#field-email', uniqueEmail('owner'));
  await page.fill('#field-password', 'short');
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-error-for=password]:has-text("Use at least 10 characters.")');
  assert.equal(new URL(page.url()).pathname, '/sign-up', 'the form stayed put');

  await page.fill('#field-password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/onboarding`);
  await waitForHydration(page);
  assert.ok((await horizontalOverflow(page)) <= 0, 'onboarding fits 360 px');

  await fillOnboarding(page, { notify: '555-0100' });
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-error-for=notify_phone]:has-text("Enter a valid phone number")');
  await page.fill('#field-notify_phone', '(512) 555-0111');
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/leads`);
  assert.match(await page.textContent('header'), /Acme Plumbing/);
  assert.ok(await page.isVisible('text=Getting started'));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('sign up, onboarding and sign-in work with JavaScript off', async () => {
  const page = await openPage(browser, { javaScript: false });
  const email = uniqueEmail('nojs');
  await page.goto(`${BASE_URL}/sign-up`);
  await page.fill('#field-email', email);
  await page.fill('#field-password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/onboarding`);

  await fillOnboarding(page, { name: '' });
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/onboarding`);
  assert.ok(await page.isVisible('text=Enter your business name (at least 2 characters).'));
  assert.equal(await page.inputValue('#field-notify_phone'), '(512) 555-0111', 'typed values are kept');
  await page.fill('#field-name', 'Quiet Electric');
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/leads`);

  await page.goto(`${BASE_URL}/sign-out`);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/`);

  await page.goto(`${BASE_URL}/app/leads`);
  await page.waitForURL(/\/sign-in\?next=%2Fapp%2Fleads$/);
  await page.fill('#field-email', email);
  await page.fill('#field-password', 'not my password');
  await page.click('button[type=submit]');
  assert.ok(await page.isVisible('text=Invalid email or password.'));
  await page.fill('#field-password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${BASE_URL}/app/leads`);
  assert.match(await page.textContent('header'), /Quiet Electric/);
  await page.context().close();
});
