// Shared browser setup: Debian's Chromium driven by playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3000';

// The flags this machine's closed network needs (no background connections, no QUIC).
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ARGS,
  });
}

export const PHONE = { width: 360, height: 640 };

/** A page that records script errors and CSP violations so tests can assert there are none. */
export async function openPage(browser, { javaScript = true, viewport = PHONE } = {}) {
  const context = await browser.newContext({ javaScriptEnabled: javaScript, viewport });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A 4xx answer to a form is expected and shown on the page; the browser logs it anyway.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      page.problems.push(`console: ${message.text()}`);
    }
  });
  return page;
}

export async function waitForHydration(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30_000 });
}

/** W19: nothing wider than the viewport. */
export async function horizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

export const PASSWORD = 'correct horse battery staple';

/** An email no other test run has used. */
export const uniqueEmail = (name) => `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

/**
 * With E2E_SCREENSHOTS set to a directory (docs/screenshots for the README), saves the whole
 * page there as `<name>.png`; otherwise does nothing.
 */
export async function screenshot(page, name) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (dir) {
    await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
  }
}
