// The Hooks page in a real Chromium, against an in-process Clarion (SQLite) and real local
// receivers: creating hooks through the dialog, "send test event" showing what the receiver
// answered, a webhook's signing secret shown once and verified against a real signature, its
// rotation, validation as you type and the API's refusals, switching hooks off and on, deleting,
// re-creating the default hook, and the read-only view of roles that cannot change hooks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { baseUrl } from '../helpers/stream-client.ts';
import { collectPageErrors, launchBrowser, screenshot, signIn, type TestBrowser } from '../helpers/browser.ts';
import { startHipchatReceiver, type HipchatReceiver } from '../helpers/hipchat-receiver.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../helpers/http-receiver.ts';
import { startSlackReceiver, type SlackReceiver } from '../helpers/slack-receiver.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const ORG = '/v1/organizations/acme';
const DEFAULT_HOOK = 'Default deployment result e-mails';

/** The request's headers as standardwebhooks wants them: plain strings. */
function headersOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])),
  );
}

/** Whether `secret` made one of the request's signatures (verify() alone accepts any one of them). */
function signedWith(secret: string, request: ReceivedRequest): boolean {
  const id = request.headers['webhook-id'] as string;
  const timestamp = new Date(Number(request.headers['webhook-timestamp']) * 1000);
  const expected = new Webhook(secret).sign(id, timestamp, request.body);
  return (request.headers['webhook-signature'] as string).split(' ').includes(expected);
}

describe('dashboard: hooks', () => {
  let t: TestClarion;
  let receiver: HttpReceiver;
  let slack: SlackReceiver;
  let hipchat: HipchatReceiver;
  let browser: TestBrowser;
  let owner: BrowserContext;

  before(async () => {
    receiver = await startHttpReceiver(() => ({
      status: 202,
      headers: { 'content-type': 'text/plain' },
      body: 'accepted by the test receiver',
    }));
    slack = await startSlackReceiver();
    hipchat = await startHipchatReceiver();
    hipchat.tokens.add('good-hipchat-token');
    hipchat.rooms.set('Ops', { id: 1, name: 'Ops' });
    t = await startTestClarion('sqlite');
    browser = await launchBrowser();
    assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
    assert.equal((await t.json('POST', `${ORG}/applications`, { id: 'web', name: 'Web frontend' })).status, 201);
    assert.equal(
      (await t.json('POST', `${ORG}/addons`, { id: 'pg', name: 'Postgres', application: 'web' })).status,
      201,
    );
    for (const [user_id, role] of [
      ['olive', 'owner'],
      ['dev', 'developer'],
      ['fin', 'finance'],
    ]) {
      const member = { user_id, email: `${user_id}@acme.test`, role };
      assert.equal((await t.json('POST', `${ORG}/members`, member)).status, 201);
    }
    owner = await browser.newContext(t);
    await owner.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl(t) });
  });
  after(async () => {
    await browser.close();
    await t.close();
    await Promise.all([receiver.close(), slack.close(), hipchat.close()]);
  });

  const card = (page: Page, name: string): Locator =>
    page.locator('article.hook-card', { has: page.getByRole('heading', { name, exact: true }) });
  const dialog = (page: Page): Locator => page.locator('dialog.modal[open]');

  async function openHooks(context: BrowserContext, user = 'olive'): Promise<Page> {
    const page = await signIn(context, t, { user }, '/organizations/acme/hooks');
    await page.getByRole('heading', { name: 'Hooks', level: 1 }).waitFor();
    return page;
  }

  async function hooksInApi(): Promise<{ id: string; name: string; enabled: boolean; [k: string]: unknown }[]> {
    const listed = await t.json('GET', `${ORG}/hooks?limit=200`);
    assert.equal(listed.status, 200);
    return listed.body.data;
  }

  /** Creates a webhook through the dialog; resolves once the secret notice shows. */
  async function createWebhook(page: Page, name: string, url: string): Promise<void> {
    await page.getByRole('button', { name: 'New hook' }).click();
    const form = dialog(page);
    await form.getByRole('radio', { name: 'Webhook' }).check();
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Webhook URL').fill(url);
    await form.locator('input[type=checkbox][value="job.fail"]').check();
    await form.getByRole('button', { name: 'Create hook' }).click();
    await page.locator('.secret-notice', { hasText: `Signing secret of “${name}”` }).waitFor();
    await form.waitFor({ state: 'detached' });
  }

  it("creating a webhook and pressing test shows the local receiver's answer", async () => {
    const page = await openHooks(owner);
    const errors = collectPageErrors(page);
    await card(page, DEFAULT_HOOK).waitFor();
    await createWebhook(page, 'CI', `${receiver.url}/hooks/ci`);
    const ci = card(page, 'CI');
    assert.match((await ci.locator('.hook-target').textContent()) ?? '', /\/hooks\/ci \(raw\)/);
    assert.equal(await ci.locator('.hook-events').textContent(), 'job.fail');
    assert.equal(await ci.locator('.hook-scope').textContent(), 'Everything');

    const before = receiver.requests.length;
    await ci.getByRole('button', { name: 'Send test event' }).click();
    await ci.locator('.test-status', { hasText: '202' }).waitFor();
    // The receiver really got the test event, and the page shows what it answered.
    const [request] = (await receiver.waitFor(before + 1)).slice(before);
    assert.equal(request!.url, '/hooks/ci');
    // The raw format: the event's data, flat, with its type.
    assert.deepEqual(
      { test: JSON.parse(request!.body).test, event_type: JSON.parse(request!.body).event_type },
      { test: true, event_type: 'job.fail' },
    );
    assert.match((await ci.locator('.test-result').textContent()) ?? '', /sent/);
    assert.equal(await ci.locator('.test-excerpt').textContent(), 'accepted by the test receiver');
    assert.match((await ci.locator('.test-result').textContent()) ?? '', /job\.fail/);

    const stored = (await hooksInApi()).find((hook) => hook.name === 'CI');
    assert.equal(stored?.['url'], `${receiver.url}/hooks/ci`);
    assert.deepEqual(stored?.['events'], ['job.fail']);
    await page.getByRole('button', { name: 'I saved it' }).click();
    await page.locator('.secret-notice').waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows the signing secret once, the copied secret verifies a real signature, and a rotation shows a new one', async () => {
    const page = await openHooks(owner);
    const errors = collectPageErrors(page);
    await createWebhook(page, 'Signed', `${receiver.url}/hooks/signed`);
    assert.match((await page.locator('.secret-notice').textContent()) ?? '', /you will not see it again/);
    const shown = (await page.locator('.secret-value').textContent()) ?? '';
    assert.match(shown, /^whsec_/);
    await page.locator('.secret-notice').getByRole('button', { name: 'Copy' }).click();
    await page.locator('.secret-notice .status-ok', { hasText: 'Copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, shown);

    // The copied secret verifies what the receiver gets.
    const signed = card(page, 'Signed');
    let from = receiver.requests.length;
    await signed.getByRole('button', { name: 'Send test event' }).click();
    await signed.locator('.test-status', { hasText: '202' }).waitFor();
    const [first] = (await receiver.waitFor(from + 1)).slice(from);
    assert.doesNotThrow(() => new Webhook(copied).verify(first!.body, headersOf(first!)));
    assert.throws(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(first!.body, headersOf(first!)),
    );

    // Never again: not after a reload, not in any answer.
    await page.reload();
    await card(page, 'Signed').waitFor();
    assert.equal(await page.locator('.secret-value').count(), 0);
    assert.equal((await page.content()).includes(copied), false);
    const stored = (await hooksInApi()).find((hook) => hook.name === 'Signed')!;
    assert.equal(JSON.stringify(stored).includes(copied), false);

    // Rotation: a new secret, shown once; both sign during the overlap.
    await card(page, 'Signed').getByRole('button', { name: 'Rotate secret' }).click();
    const rotate = dialog(page);
    assert.match((await rotate.textContent()) ?? '', /two signatures/);
    await rotate.getByRole('button', { name: 'Rotate secret' }).click();
    await page.locator('.secret-notice', { hasText: 'signed with both the previous secret and this one' }).waitFor();
    const rotated = (await page.locator('.secret-value').textContent()) ?? '';
    assert.match(rotated, /^whsec_/);
    assert.notEqual(rotated, copied);
    await card(page, 'Signed').locator('.hook-signing', { hasText: 'Rotating' }).waitFor();
    from = receiver.requests.length;
    await card(page, 'Signed').getByRole('button', { name: 'Send test event' }).click();
    await card(page, 'Signed').locator('.test-status', { hasText: '202' }).waitFor();
    const [second] = (await receiver.waitFor(from + 1)).slice(from);
    assert.doesNotThrow(() => new Webhook(rotated).verify(second!.body, headersOf(second!)));
    assert.equal(signedWith(rotated, second!), true);
    assert.equal(signedWith(copied, second!), true);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('refuses a bad URL as you type, and shows the message of a refusal by the API', async () => {
    const page = await openHooks(owner);
    const errors = collectPageErrors(page);
    const hooksBefore = (await hooksInApi()).length;
    await page.getByRole('button', { name: 'New hook' }).click();
    const form = dialog(page);
    const url = form.getByLabel('Webhook URL');
    await url.pressSequentially('not a url');
    // Said while typing, before any attempt to save.
    await form.locator('.field-error', { hasText: 'This is not a valid URL' }).waitFor();
    assert.equal(await url.getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'hook-dialog');
    await url.fill('');
    await url.pressSequentially('ftp://files.acme.test/drop');
    await form.locator('.field-error', { hasText: 'must start with https://' }).waitFor();
    await url.fill('');
    await url.pressSequentially('http://receiver.acme.test/in');
    await form.locator('.field-warning', { hasText: 'Plain http' }).waitFor();
    assert.equal(await url.getAttribute('aria-invalid'), 'false');

    // Saving shows what is still missing, and sends nothing.
    await form.getByRole('button', { name: 'Create hook' }).click();
    await form.locator('.field-error', { hasText: 'Give the hook a name.' }).waitFor();
    await form.locator('.field-error', { hasText: 'Choose at least one event' }).waitFor();
    assert.equal((await hooksInApi()).length, hooksBefore);

    // A Hipchat hook whose token the (local) Hipchat server refuses: the API's message shows.
    await form.getByRole('radio', { name: 'Hipchat' }).check();
    await form.getByLabel('Name', { exact: true }).fill('Ops room');
    await form.getByLabel('Hipchat server (optional)').fill(hipchat.url);
    await form.getByLabel('API token').fill('wrong-token');
    await form.getByLabel('Room').fill('Ops');
    await form.getByRole('radio', { name: /All events/ }).check();
    await form.getByRole('button', { name: 'Create hook' }).click();
    const refusal = form.locator('.status-error', { hasText: /^The hook was not saved: Hipchat at / });
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /refused the token \(401\)/);
    assert.equal(await form.getByLabel('API token').getAttribute('aria-invalid'), 'true');
    assert.equal((await hooksInApi()).length, hooksBefore);

    await form.getByLabel('API token').fill('good-hipchat-token');
    assert.equal(await refusal.count(), 0);
    await form.getByRole('button', { name: 'Create hook' }).click();
    await form.waitFor({ state: 'detached' });
    const opsRoom = card(page, 'Ops room');
    await opsRoom.waitFor();
    assert.match((await opsRoom.locator('.hook-target').textContent()) ?? '', /Room Ops .* token \[redacted\]/);
    const stored = (await hooksInApi()).find((hook) => hook.name === 'Ops room')!;
    assert.equal(stored.kind, 'hipchat');
    assert.equal(stored['token'], '[redacted]');
    assert.equal(stored['events'], 'all');
    assert.deepEqual(
      errors.filter((error) => error !== `422 POST ${ORG}/hooks`),
      [],
    );
    await page.close();
  });

  it('creates a Slack hook scoped to an application, edits it keeping its hidden URL, and tests it', async () => {
    const page = await openHooks(owner);
    const errors = collectPageErrors(page);
    const webhookUrl = slack.webhookUrl();
    await page.getByRole('button', { name: 'New hook' }).click();
    let form = dialog(page);
    await form.getByRole('radio', { name: 'Slack' }).check();
    await form.getByLabel('Name', { exact: true }).fill('Deploys');
    await form.getByLabel('Incoming webhook URL').fill(webhookUrl);
    await form.locator('input[type=checkbox][value="group:deployment-results"]').check();
    // A type in a chosen group is shown as chosen through it.
    assert.equal(await form.locator('input[type=checkbox][value="stack.redeploy.fail"]').isDisabled(), true);
    await form.getByRole('radio', { name: /Only events of these applications/ }).check();
    const scopeError = form.locator('.scope-picker .field-error', { hasText: 'Choose at least one application' });
    await scopeError.waitFor();
    await form.getByRole('checkbox', { name: 'Web frontend' }).check();
    await scopeError.waitFor({ state: 'detached' });
    await form.getByRole('button', { name: 'Create hook' }).click();
    await form.waitFor({ state: 'detached' });
    const deploys = card(page, 'Deploys');
    assert.equal(await deploys.locator('.hook-scope').textContent(), 'Applications: Web frontend');
    assert.match((await deploys.locator('.hook-events').textContent()) ?? '', /Result of deployments .*\(group\)/);
    assert.match((await deploys.locator('.hook-target').textContent()) ?? '', /\[redacted\]/);
    assert.equal(await page.locator('.secret-notice').count(), 0);

    await deploys.getByRole('button', { name: 'Edit' }).click();
    form = dialog(page);
    assert.equal(await form.getByLabel('Incoming webhook URL').inputValue(), '');
    assert.equal(await form.getByLabel('Name', { exact: true }).inputValue(), 'Deploys');
    await form.getByLabel('Channel (optional)').fill('#ops');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.waitFor({ state: 'detached' });
    await page.locator('.status-ok', { hasText: 'Saved “Deploys”.' }).waitFor();
    await deploys.locator('.hook-target', { hasText: '#ops' }).waitFor();
    const stored = (await hooksInApi()).find((hook) => hook.name === 'Deploys')!;
    assert.equal(stored['channel'], '#ops');
    assert.deepEqual(stored['applications'], ['web']);

    // The hidden URL was kept: the test reaches the same Slack webhook, in the new channel.
    await deploys.getByRole('button', { name: 'Send test event' }).click();
    await deploys.locator('.test-status', { hasText: '200' }).waitFor();
    const requests = slack.requestsTo(webhookUrl);
    assert.equal(requests.length, 1);
    assert.equal(JSON.parse(requests[0]!.body).channel, '#ops');
    // By now the list holds a hook of most kinds: the page's picture.
    await screenshot(page, 'hooks');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('switching a hook off and on, and deleting it, change what the API holds', async () => {
    const page = await openHooks(owner);
    const errors = collectPageErrors(page);
    // An e-mail hook to listed addresses, through the dialog.
    await page.getByRole('button', { name: 'New hook' }).click();
    const form = dialog(page);
    await form.getByRole('radio', { name: 'E-mail' }).check();
    await form.getByLabel('Name', { exact: true }).fill('On-call');
    await form.getByRole('radio', { name: 'These addresses' }).check();
    await form.getByLabel('E-mail addresses').pressSequentially('oncall@acme.test, pager');
    await form.locator('.field-error', { hasText: '“pager” is not an e-mail address.' }).waitFor();
    await form.getByLabel('E-mail addresses').fill('oncall@acme.test, pager@acme.test');
    await form.locator('input[type=checkbox][value="group:server"]').check();
    await form.getByRole('button', { name: 'Create hook' }).click();
    await form.waitFor({ state: 'detached' });
    const stored = (await hooksInApi()).find((hook) => hook.name === 'On-call')!;
    assert.deepEqual(stored['to'], ['oncall@acme.test', 'pager@acme.test']);
    assert.deepEqual(stored['events'], ['group:server']);
    const id = stored.id;
    const onCall = card(page, 'On-call');
    const toggle = onCall.getByRole('switch', { name: 'Enabled: On-call' });
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');

    await toggle.click();
    await page.locator('.status-ok', { hasText: 'Saved: “On-call” is disabled.' }).waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    assert.equal((await t.json('GET', `${ORG}/hooks/${id}`)).body.enabled, false);
    // The keyboard works the switch too.
    await toggle.focus();
    await page.keyboard.press('Space');
    await page.locator('.status-ok', { hasText: 'Saved: “On-call” is enabled.' }).waitFor();
    assert.equal((await t.json('GET', `${ORG}/hooks/${id}`)).body.enabled, true);

    // Delete asks first; Escape keeps it, and focus goes back to the button.
    await onCall.getByRole('button', { name: 'Delete' }).click();
    await dialog(page).getByRole('button', { name: 'Delete hook' }).waitFor();
    await page.keyboard.press('Escape');
    await dialog(page).waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Delete');
    assert.equal((await t.json('GET', `${ORG}/hooks/${id}`)).status, 200);
    await onCall.getByRole('button', { name: 'Delete' }).click();
    await dialog(page).getByRole('button', { name: 'Delete hook' }).click();
    await page.locator('.status-ok', { hasText: 'Deleted “On-call”.' }).waitFor();
    assert.equal(await onCall.count(), 0);
    assert.equal((await t.json('GET', `${ORG}/hooks/${id}`)).status, 404);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('re-creates the default e-mail hook after it was deleted', async () => {
    const page = await openHooks(owner);
    const errors = collectPageErrors(page);
    await card(page, DEFAULT_HOOK).getByRole('button', { name: 'Delete' }).click();
    assert.match((await dialog(page).textContent()) ?? '', /re-create it later/);
    await dialog(page).getByRole('button', { name: 'Delete hook' }).click();
    const missing = page.locator('.default-missing');
    await missing.waitFor();
    assert.equal(
      (await hooksInApi()).some((hook) => hook.name === DEFAULT_HOOK),
      false,
    );

    await missing.getByRole('button', { name: 'Re-create the default hook' }).click();
    await page.locator('.status-ok', { hasText: `Re-created “${DEFAULT_HOOK}”.` }).waitFor();
    await card(page, DEFAULT_HOOK).waitFor();
    assert.equal(await missing.count(), 0);
    const recreated = (await hooksInApi()).find((hook) => hook.name === DEFAULT_HOOK)!;
    assert.equal(recreated.kind, 'email');
    assert.equal(recreated['to'], 'members');
    assert.deepEqual(recreated['events'], ['group:deployment-results']);
    assert.equal(await card(page, DEFAULT_HOOK).locator('.hook-target').textContent(), 'Every member (by role)');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows a developer the hooks read-only and says why; a finance member is told they cannot see them', async () => {
    const developer = await browser.newContext(t);
    const page = await openHooks(developer, 'dev');
    const errors = collectPageErrors(page);
    await card(page, DEFAULT_HOOK).waitFor();
    const note = page.locator('.read-only-note');
    assert.match((await note.textContent()) ?? '', /your role in Acme is developer, and only owners and admins can/);
    assert.equal(await page.getByRole('button', { name: 'New hook' }).count(), 0);
    for (const action of ['Send test event', 'Edit', 'Delete', 'Rotate secret']) {
      assert.equal(await page.getByRole('button', { name: action }).count(), 0, action);
    }
    const switches = page.getByRole('switch');
    assert.ok((await switches.count()) > 0);
    for (const toggle of await switches.all()) assert.equal(await toggle.isDisabled(), true);
    assert.deepEqual(errors, []);
    await developer.close();

    const finance = await browser.newContext(t);
    const financePage = await openHooks(finance, 'fin');
    await financePage
      .locator('.read-only-note', { hasText: 'Your role in Acme is finance: only owners, admins and developers' })
      .waitFor();
    assert.equal(await financePage.locator('article.hook-card').count(), 0);
    await finance.close();
  });
});
