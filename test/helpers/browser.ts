// A real Chromium for the dashboard's end-to-end tests, driven by playwright-core: Debian's
// /usr/bin/chromium where installed (a full browser), else the headless build of the
// @sparticuz/chromium npm package, which `npm ci` brings everywhere.
import fs from 'node:fs';
import path from 'node:path';
import chromiumPackage from '@sparticuz/chromium';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestClarion } from './test-clarion.ts';
import { baseUrl } from './stream-client.ts';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Where the tests leave a screenshot of each page (git-ignored). */
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../test-artifacts/screenshots');

export interface TestBrowser {
  readonly browser: Browser;
  /**
   * False for a headless shell, which has no notification platform: `Notification.permission`
   * stays "denied" whatever is granted. Tests of notifications need a full browser.
   */
  readonly showsNotifications: boolean;
  /** A fresh profile (cookies, permissions, service workers) on the test Clarion's origin. */
  newContext(t: TestClarion, options?: { notifications?: boolean }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  // CLARION_TEST_BROWSER=packaged runs the npm package's build even where Debian's is installed.
  const full = process.env['CLARION_TEST_BROWSER'] !== 'packaged' && fs.existsSync(SYSTEM_CHROMIUM);
  const browser = await chromium.launch({
    executablePath: full ? SYSTEM_CHROMIUM : await chromiumPackage.executablePath(),
    headless: true,
    // The machine's network is closed: without these, Chromium keeps trying to reach Google.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    browser,
    showsNotifications: full,
    async newContext(t, options = {}) {
      const context = await browser.newContext({
        baseURL: baseUrl(t),
        viewport: { width: 1280, height: 860 },
        // The headless shell takes its locale from the environment; under LANG=C that is
        // "en-US@posix", which Intl refuses ("Invalid language tag"). Members' browsers have a real one.
        locale: 'en-US',
      });
      if (options.notifications === true) await context.grantPermissions(['notifications'], { origin: baseUrl(t) });
      return context;
    },
    close: () => browser.close(),
  };
}

/** Opens the dashboard as a member or as the platform operator, through a real login link. */
export async function signIn(
  context: BrowserContext,
  t: TestClarion,
  who: { user: string } | { operator: true },
  next?: string,
): Promise<Page> {
  const minted = await t.json(
    'POST',
    'user' in who ? `/v1/users/${encodeURIComponent(who.user)}/login-links` : '/v1/operator-login-links',
    next === undefined ? {} : { next },
  );
  if (minted.status !== 201) throw new Error(`login link: ${minted.status} ${JSON.stringify(minted.body)}`);
  const page = await context.newPage();
  // The link carries the configured public URL; the test server listens elsewhere.
  const link = new URL(minted.body.url as string);
  await page.goto(`${link.pathname}${link.search}`);
  await page.waitForSelector('header.topbar');
  return page;
}

/** Saves a full-page screenshot under test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * Everything that went wrong on the page: exceptions, console errors (a CSP refusal, say) and
 * answers of 400 or more, by method and path. A test expecting a refusal filters it out.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs each failed request too; the response below names it better.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) {
      const url = new URL(response.url());
      errors.push(`${response.status()} ${response.request().method()} ${url.pathname}${url.search}`);
    }
  });
  return errors;
}
