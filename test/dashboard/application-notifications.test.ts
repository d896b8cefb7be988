// Application notifications in a real Chromium: a cell set on an application's page overrides the
// account for that application's events only (routing and a real SMTP server say so), the way
// back to the account (one cell, or all after a confirmation), copying an application's settings
// to others, and an operator moving between members and applications.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { collectPageErrors, launchBrowser, screenshot, signIn, type TestBrowser } from '../helpers/browser.ts';
import { startSmtpReceiver, type ReceivedMail, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const APPLICATIONS = [
  ['web', 'Web frontend'],
  ['api', 'API service'],
  ['worker', 'Worker'],
  ['db', 'Database'],
] as const;

describe('dashboard: application notifications', () => {
  let t: TestClarion;
  let smtp: SmtpReceiver;
  let browser: TestBrowser;
  let context: BrowserContext;

  before(async () => {
    smtp = await startSmtpReceiver();
    t = await startTestClarion('sqlite', { config: { smtpUrl: smtp.url } });
    browser = await launchBrowser();
    assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
    for (const [id, name] of APPLICATIONS) {
      assert.equal((await t.json('POST', '/v1/organizations/acme/applications', { id, name })).status, 201);
    }
    for (const member of [
      { user_id: 'dev', email: 'dev@acme.test', role: 'developer' },
      { user_id: 'olga', email: 'olga@acme.test', role: 'owner' },
    ]) {
      assert.equal((await t.json('POST', '/v1/organizations/acme/members', member)).status, 201);
    }
    context = await browser.newContext(t);
    await signIn(context, t, { user: 'dev' }).then((page) => page.close());
  });
  after(async () => {
    await browser.close();
    await t.close();
    await smtp.close();
  });

  const applicationMatrix = (user: string, app: string) =>
    `/v1/organizations/acme/members/${user}/applications/${app}/preferences`;

  /** The cells set for an application, as `type/channel=on|off`, sorted. */
  async function explicitCells(user: string, app: string): Promise<string[]> {
    const matrix = await t.json('GET', applicationMatrix(user, app));
    assert.equal(matrix.status, 200);
    const cells: string[] = [];
    for (const row of matrix.body.data) {
      for (const [channel, cell] of Object.entries(
        row.channels as Record<string, { enabled: boolean; source: string }>,
      )) {
        if (cell.source === 'application') cells.push(`${row.event_type}/${channel}=${cell.enabled ? 'on' : 'off'}`);
      }
    }
    return cells.sort();
  }

  /** Posts a job.fail event of an application; resolves with routing's entries about dev's e-mail. */
  async function devEmailEntries(id: string, application: string) {
    const posted = await t.json('POST', '/v1/events', {
      id,
      type: 'job.fail',
      organization: 'acme',
      application,
      data: {},
    });
    assert.equal(posted.status, 202);
    const recipients = await t.json('GET', `/v1/organizations/acme/events/${id}/recipients?include=skipped`);
    assert.equal(recipients.status, 200);
    return (recipients.body.data as { decision: string; channel: string; user: string | null; rule: string }[]).filter(
      (entry) => entry.channel === 'email' && entry.user === 'dev',
    );
  }

  /** The first message matching `match` that the SMTP server receives (or already has). */
  async function mailWhere(match: (mail: ReceivedMail) => boolean): Promise<ReceivedMail> {
    for (;;) {
      const found = smtp.messages.find(match);
      if (found !== undefined) return found;
      await smtp.waitFor(smtp.messages.length + 1);
    }
  }

  const cell = (page: Page, type: string, channel: string) =>
    page.locator(`tr[data-type="${type}"] button[role="switch"][data-channel="${channel}"]`);

  async function openApplication(app: string, page?: Page): Promise<{ page: Page; errors: string[] }> {
    const opened = page ?? (await context.newPage());
    const errors = collectPageErrors(opened);
    await opened.goto(`/organizations/acme/applications/${app}/notifications`);
    await cell(opened, 'job.fail', 'email').waitFor();
    return { page: opened, errors };
  }

  it("overrides the account with a cell set on an application's page, for that application's events only", async () => {
    const { page, errors } = await openApplication('web');
    await page.getByRole('heading', { name: 'Application notifications: Web frontend' }).waitFor();
    const email = cell(page, 'job.fail', 'email');
    // Nothing chosen anywhere: inherited, and the legend says so.
    assert.equal(await email.getAttribute('aria-checked'), 'true');
    assert.match((await email.textContent()) ?? '', /default/);
    await page.locator('.override-count', { hasText: 'No setting overrides the account here' }).waitFor();
    assert.equal(await page.locator('.legend li').count(), 3);

    await email.click();
    await page.locator('.status-ok', { hasText: 'E-mail for job.fail is off' }).waitFor();
    assert.equal(await email.getAttribute('aria-checked'), 'false');
    assert.match((await email.textContent()) ?? '', /override/);
    assert.match((await email.getAttribute('aria-label')) ?? '', /set for this application/);
    await page.locator('.override-count', { hasText: '1 setting overrides the account here.' }).waitFor();
    await screenshot(page, 'application-notifications');

    // The API holds the override at the application level only.
    assert.deepEqual(await explicitCells('dev', 'web'), ['job.fail/email=off']);
    const account = await t.json('GET', '/v1/organizations/acme/members/dev/preferences');
    const accountRow = account.body.data.find((row: { event_type: string }) => row.event_type === 'job.fail');
    assert.deepEqual(accountRow.channels.email, { enabled: true, source: 'default' });

    // Routing: web's event skips dev's e-mail because of the override; api's event still mails dev.
    const webEntries = await devEmailEntries('web-fail-1', 'web');
    assert.ok(!webEntries.some((entry) => entry.decision === 'deliver'), JSON.stringify(webEntries));
    assert.ok(
      webEntries.some((entry) => entry.decision === 'skip' && /application override: off \(web\)/.test(entry.rule)),
      JSON.stringify(webEntries),
    );
    const apiEntries = await devEmailEntries('api-fail-1', 'api');
    assert.ok(
      apiEntries.some((entry) => entry.decision === 'deliver'),
      JSON.stringify(apiEntries),
    );
    const mail = await mailWhere((m) => m.to.includes('dev@acme.test') && /Job failed/.test(m.subject));
    assert.match(mail.text, /API service/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("puts one cell back to the account setting with 'use account' under it", async () => {
    // The account says browser on for process.down; web overrides it off.
    await t.json('PUT', '/v1/organizations/acme/members/dev/preferences/process.down/browser', { enabled: true });
    await t.json('PUT', `${applicationMatrix('dev', 'web')}/process.down/browser`, { enabled: false });
    const { page, errors } = await openApplication('web');
    const browserCell = cell(page, 'process.down', 'browser');
    assert.equal(await browserCell.getAttribute('aria-checked'), 'false');
    assert.match((await browserCell.textContent()) ?? '', /override/);

    await page.getByRole('button', { name: 'Browser for process.down: back to the account setting' }).click();
    await page.locator('.status-ok', { hasText: 'Browser for process.down follows the account again' }).waitFor();
    assert.equal(await browserCell.getAttribute('aria-checked'), 'true');
    assert.match((await browserCell.textContent()) ?? '', /account/);
    assert.equal(await page.locator('tr[data-type="process.down"] button.revert').count(), 0);
    // The other override (job.fail e-mail, from the test before) stays.
    assert.deepEqual(await explicitCells('dev', 'web'), ['job.fail/email=off']);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("resets every override of the application to the account settings after a confirmation, and only this application's", async () => {
    await t.json('PUT', applicationMatrix('dev', 'web'), {
      'job.fail': { email: false },
      'process.down': { browser: true },
      'stack.redeploy.fail': { ios: true },
    });
    await t.json('PUT', applicationMatrix('dev', 'api'), { 'job.backon': { email: false } });
    const { page, errors } = await openApplication('web');
    await page.locator('.override-count', { hasText: '3 settings override the account here.' }).waitFor();

    // Cancel changes nothing.
    await page.getByRole('button', { name: 'Reset to account settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset Web frontend to the account settings?' });
    await dialog.waitFor();
    assert.deepEqual((await dialog.locator('.cell-list li').allTextContents()).sort(), [
      'Browser on for process.down',
      'E-mail off for job.fail',
      'iOS on for stack.redeploy.fail',
    ]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // Escape is a cancel too, and the question can be asked again afterwards.
    await page.getByRole('button', { name: 'Reset to account settings' }).click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await explicitCells('dev', 'web')).length, 3);

    // Confirmed, every override of web goes; api's stays.
    await page.getByRole('button', { name: 'Reset to account settings' }).click();
    await dialog.getByRole('button', { name: 'Reset to account settings' }).click();
    await page
      .locator('.status-ok', { hasText: 'Reset: 3 settings of Web frontend follow the account again.' })
      .waitFor();
    await page.locator('.override-count', { hasText: 'No setting overrides the account here' }).waitFor();
    assert.equal(await page.locator('button.cell.overrides').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Reset to account settings' }).isDisabled(), true);
    assert.deepEqual(await explicitCells('dev', 'web'), []);
    assert.deepEqual(await explicitCells('dev', 'api'), ['job.backon/email=off']);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("copies the application's own settings to the chosen applications, replacing theirs, and says what it copied", async () => {
    await t.json('PUT', applicationMatrix('dev', 'web'), {
      'job.fail': { email: false },
      'process.down': { browser: true, ios: true },
    });
    await t.json('PUT', applicationMatrix('dev', 'worker'), { 'container.down': { ios: true } });
    await t.json('PUT', applicationMatrix('dev', 'db'), { 'job.backon': { email: false } });
    const { page, errors } = await openApplication('web');
    const copy = page.locator('section.copy-settings');
    const button = copy.getByRole('button', { name: /^(Copy to|Choose applications)/ });
    assert.equal(await button.isDisabled(), true);
    // The source itself is not offered.
    const offered = (await copy.locator('label.check').allTextContents()).map((text) => text.trim());
    assert.deepEqual(offered, ['API service', 'Database', 'Worker']);

    await copy.getByLabel('API service').check();
    await copy.getByLabel('Worker').check();
    await copy.getByRole('button', { name: 'Copy to 2 applications' }).click();
    await copy.locator('.status-ok', { hasText: 'Copied 3 settings to API service, Worker.' }).waitFor();
    assert.deepEqual(await copy.locator('.copied li').allTextContents(), [
      'E-mail off for job.fail',
      'Browser on for process.down',
      'iOS on for process.down',
    ]);

    // Each target now holds exactly web's cells (worker's own container.down is gone); db was not chosen.
    const source = await explicitCells('dev', 'web');
    assert.deepEqual(source, ['job.fail/email=off', 'process.down/browser=on', 'process.down/ios=on']);
    assert.deepEqual(await explicitCells('dev', 'api'), source);
    assert.deepEqual(await explicitCells('dev', 'worker'), source);
    assert.deepEqual(await explicitCells('dev', 'db'), ['job.backon/email=off']);

    // The switcher opens a target, which shows the copied overrides.
    await page.selectOption('.application-switcher select', 'worker');
    await page.waitForURL('**/organizations/acme/applications/worker/notifications');
    await page.getByRole('heading', { name: 'Application notifications: Worker' }).waitFor();
    await page.locator('.override-count', { hasText: '3 settings override the account here.' }).waitFor();
    assert.equal(await cell(page, 'job.fail', 'email').getAttribute('aria-checked'), 'false');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("lets an operator pick a member and an application, and change that member's cell", async () => {
    const operator = await browser.newContext(t);
    const page = await signIn(operator, t, { operator: true }, '/organizations/acme/applications?member=dev');
    const errors = collectPageErrors(page);
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
    assert.deepEqual(await page.locator('.application-list a').allTextContents(), [
      'API service',
      'Database',
      'Web frontend',
      'Worker',
    ]);
    await page.getByRole('link', { name: 'Database' }).click();
    await page.waitForURL('**/organizations/acme/applications/db/notifications?member=dev');
    await page.locator('.member-picker select').waitFor();
    assert.equal(await page.locator('.member-picker select').inputValue(), 'dev');
    assert.match((await cell(page, 'job.backon', 'email').textContent()) ?? '', /override/);

    await page.selectOption('.application-switcher select', 'api');
    await page.waitForURL('**/organizations/acme/applications/api/notifications?member=dev');
    await page.getByRole('heading', { name: 'Application notifications: API service' }).waitFor();
    const ios = cell(page, 'container.down', 'ios');
    await ios.waitFor();
    assert.equal(await ios.getAttribute('aria-checked'), 'false');
    await ios.click();
    await page.locator('.status-ok', { hasText: 'iOS for container.down is on' }).waitFor();
    assert.ok((await explicitCells('dev', 'api')).includes('container.down/ios=on'));
    // Another member's page for the same application is theirs, untouched.
    await page.selectOption('.member-picker select', 'olga');
    await page.waitForURL('**/organizations/acme/applications/api/notifications?member=olga');
    await page.locator('.override-count', { hasText: 'No setting overrides the account here' }).waitFor();
    assert.deepEqual(await explicitCells('olga', 'api'), []);
    assert.deepEqual(errors, []);
    await operator.close();
  });
});
