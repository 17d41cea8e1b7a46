// Public pages in a real browser: hydration, JavaScript off, small screens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { BASE_URL, launch, openPage, waitForHydration, horizontalOverflow } from './browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('the landing page becomes interactive only once the wasm bundle has hydrated it', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/`);
  await waitForHydration(page);

  assert.equal(await page.textContent('#missed-calls-value'), '5');
  await page.click('#missed-calls-more');
  assert.equal(await page.textContent('#missed-calls-value'), '6');
  // 6 missed calls a week at $300, half of them booked: 6 × 300 × 52 / 24.
  assert.equal(await page.textContent('#value-at-risk'), '$3,900');
  await page.click('#job-value-more');
  assert.equal(await page.textContent('#job-value-value'), '$350');

  assert.deepEqual(page.problems, [], 'no script errors and no CSP violations');
  await page.context().close();
});

test('the landing page works with JavaScript off', async () => {
  const page = await openPage(browser, { javaScript: false });
  await page.goto(`${BASE_URL}/`);
  assert.equal(await page.getAttribute('body', 'data-hydrated'), null);
  assert.match(await page.textContent('h1'), /Missed a call\?/);
  assert.equal(await page.getAttribute('a:has-text("Choose Pro")', 'href'), '/buy?plan=pro');

  // Without the bundle the calculator stays as rendered...
  await page.click('#missed-calls-more');
  assert.equal(await page.textContent('#missed-calls-value'), '5');
  // ...while plain HTML keeps working: the FAQ opens and links navigate.
  await page.click('summary:has-text("What counts as a conversation?")');
  assert.ok(await page.isVisible('text=A missed caller we start texting.'));
  await page.click('footer a[href="/terms"]');
  await page.waitForURL(`${BASE_URL}/terms`);
  assert.equal(await page.textContent('h1'), 'Terms of Service');
  await page.context().close();
});

test('public pages fit a 320 px screen without horizontal scrolling', async () => {
  const page = await openPage(browser, { viewport: { width: 320, height: 640 } });
  for (const path of ['/', '/terms', '/privacy', '/refund', '/contact', '/no-such-page']) {
    await page.goto(`${BASE_URL}${path}`);
    await waitForHydration(page);
    assert.ok((await horizontalOverflow(page)) <= 0, `${path} scrolls sideways`);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
