// The dashboard in a real Chromium: signing in with a login link, the account notifications
// matrix, and a toggled cell changing what the next event delivers (to a real SMTP server).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { collectPageErrors, launchBrowser, screenshot, signIn, type TestBrowser } from '../helpers/browser.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

describe('dashboard: signing in and account notifications', () => {
  let t: TestClarion;
  let smtp: SmtpReceiver;
  let browser: TestBrowser;
  let context: BrowserContext;

  before(async () => {
    smtp = await startSmtpReceiver();
    t = await startTestClarion('sqlite', { config: { smtpUrl: smtp.url } });
    browser = await launchBrowser();
    for (const [id, name] of [
      ['acme', 'Acme'],
      ['globex', 'Globex'],
    ]) {
      assert.equal((await t.json('POST', '/v1/organizations', { id, name })).status, 201);
    }
    await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web frontend' });
    for (const org of ['acme', 'globex']) {
      const member = { user_id: 'dev', email: 'dev@acme.test', role: 'developer' };
      assert.equal((await t.json('POST', `/v1/organizations/${org}/members`, member)).status, 201);
    }
    context = await browser.newContext(t);
  });
  after(async () => {
    await browser.close();
    await t.close();
    await smtp.close();
  });

  /** Posts a job.fail event; resolves with whether routing addressed an e-mail to dev (decided at ingest). */
  async function jobFailMailsDev(id: string): Promise<boolean> {
    assert.equal(
      (await t.json('POST', '/v1/events', { id, type: 'job.fail', organization: 'acme', data: {} })).status,
      202,
    );
    const recipients = await t.json('GET', `/v1/organizations/acme/events/${id}/recipients`);
    return recipients.body.data.some(
      (entry: { decision: string; channel: string; user: string }) =>
        entry.decision === 'deliver' && entry.channel === 'email' && entry.user === 'dev',
    );
  }

  const cell = (page: Page, type: string, channel: string) =>
    page.locator(`tr[data-type="${type}"] button[data-channel="${channel}"]`);

  it('signs a member in with a login link, lands on the page it names, and lists their organizations', async () => {
    const page = await signIn(context, t, { user: 'dev' }, '/organizations/globex/notifications');
    const errors = collectPageErrors(page);
    assert.equal(new URL(page.url()).pathname, '/organizations/globex/notifications');
    assert.deepEqual(await page.locator('.org-switcher option').allTextContents(), ['Acme', 'Globex']);
    await page.selectOption('.org-switcher select', 'acme');
    await page.waitForURL('**/organizations/acme/notifications');
    await cell(page, 'job.fail', 'email').waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('toggles a cell with a click and with the keyboard, and the next event follows it', async () => {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto('/organizations/acme/notifications');
    const email = cell(page, 'job.fail', 'email');
    await email.waitFor();
    // Nobody chose yet: on by default, and shown as a default.
    assert.equal(await email.getAttribute('aria-checked'), 'true');
    assert.match((await email.textContent()) ?? '', /default/);
    await screenshot(page, 'account-notifications');

    await email.click();
    await page.locator('.status-ok', { hasText: 'E-mail for job.fail is off' }).waitFor();
    assert.equal(await email.getAttribute('aria-checked'), 'false');
    assert.doesNotMatch((await email.textContent()) ?? '', /default/);
    assert.equal(await jobFailMailsDev('off-1'), false);

    // Keyboard: the cell is a focusable switch; Space turns it back on.
    await email.focus();
    await page.keyboard.press('Space');
    await page.locator('.status-ok', { hasText: 'E-mail for job.fail is on' }).waitFor();
    assert.equal(await email.getAttribute('aria-checked'), 'true');
    const from = smtp.messages.length;
    assert.equal(await jobFailMailsDev('on-1'), true);
    const [mail] = (await smtp.waitFor(from + 1)).slice(from);
    assert.deepEqual(mail!.to, ['dev@acme.test']);
    assert.match(mail!.subject, /Job failed/);

    // The API agrees with what the page shows.
    const matrix = await t.json('GET', '/v1/organizations/acme/members/dev/preferences');
    const row = matrix.body.data.find((r: { event_type: string }) => r.event_type === 'job.fail');
    assert.deepEqual(row.channels.email, { enabled: true, source: 'account' });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('sends a visitor without a session to the sign-in page, and signs out', async () => {
    const stranger = await browser.newContext(t);
    const page = await stranger.newPage();
    await page.goto('/organizations/acme/notifications');
    await page.locator('main.login', { hasText: 'You are not signed in' }).waitFor();
    await screenshot(page, 'sign-in');
    await stranger.close();

    const signedIn = await context.newPage();
    await signedIn.goto('/organizations/acme/notifications');
    await signedIn.getByRole('button', { name: 'Sign out' }).click();
    await signedIn.waitForURL('**/login');
    await signedIn.goto('/organizations/acme/notifications');
    await signedIn.locator('main.login').waitFor();
    await signedIn.close();
  });

  it('opens an operator on any organization, with a member picker', async () => {
    const operator = await browser.newContext(t);
    const page = await signIn(operator, t, { operator: true }, '/organizations/acme/notifications');
    await page.locator('.who', { hasText: 'Platform operator' }).waitFor();
    await page.locator('.member-picker select').waitFor();
    await cell(page, 'job.fail', 'email').waitFor();
    assert.deepEqual(await page.locator('.org-switcher option').allTextContents(), ['Acme', 'Globex']);
    await operator.close();
  });
});
