// The finance page in a real Chromium: adding a finance member by e-mail (checked as it is typed)
// so billing events reach them (routing and a real SMTP server say so), an owner's billing
// opt-out and the API's refusal for the last recipient, and what each role may do there.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { collectPageErrors, launchBrowser, screenshot, signIn, type TestBrowser } from '../helpers/browser.ts';
import { startSmtpReceiver, type ReceivedMail, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

interface Recipient {
  user_id: string;
  email: string;
  role: string;
  receives: boolean;
  opted_out: boolean;
}

describe('dashboard: finance', () => {
  let t: TestClarion;
  let smtp: SmtpReceiver;
  let browser: TestBrowser;
  const contexts = new Map<string, BrowserContext>();

  before(async () => {
    smtp = await startSmtpReceiver();
    t = await startTestClarion('sqlite', { config: { smtpUrl: smtp.url } });
    browser = await launchBrowser();
    for (const [id, name] of [
      ['acme', 'Acme'],
      ['solo', 'Solo'],
    ]) {
      assert.equal((await t.json('POST', '/v1/organizations', { id, name })).status, 201);
    }
    for (const [org, user_id, role] of [
      ['acme', 'olga', 'owner'],
      ['acme', 'otto', 'owner'],
      ['acme', 'ada', 'admin'],
      ['acme', 'dev', 'developer'],
      ['solo', 'sara', 'owner'],
    ] as const) {
      const member = { user_id, email: `${user_id}@${org}.test`, role };
      assert.equal((await t.json('POST', `/v1/organizations/${org}/members`, member)).status, 201);
    }
  });
  after(async () => {
    await browser.close();
    await t.close();
    await smtp.close();
  });

  /** A page signed in as `user` (one browser profile per user, kept for the whole file). */
  async function pageOf(user: string, path: string): Promise<{ page: Page; errors: string[] }> {
    let context = contexts.get(user);
    let page: Page;
    if (context === undefined) {
      context = await browser.newContext(t);
      contexts.set(user, context);
      page = await signIn(context, t, { user }, path);
    } else {
      page = await context.newPage();
      await page.goto(path);
    }
    const errors = collectPageErrors(page);
    await page.getByRole('heading', { name: 'Finance', exact: true }).waitFor();
    return { page, errors };
  }

  async function billing(org: string): Promise<Recipient[]> {
    const answer = await t.json('GET', `/v1/organizations/${org}/billing`);
    assert.equal(answer.status, 200);
    return answer.body.recipients;
  }

  /** Posts a billing event; resolves with the addresses routing decided to e-mail (at ingest). */
  async function billingMailedTo(id: string, org: string): Promise<string[]> {
    const posted = await t.json('POST', '/v1/events', {
      id,
      type: 'account.payment.fail',
      organization: org,
      data: {},
    });
    assert.equal(posted.status, 202);
    const recipients = await t.json('GET', `/v1/organizations/${org}/events/${id}/recipients`);
    return (recipients.body.data as { decision: string; channel: string; address: string | null }[])
      .filter((entry) => entry.decision === 'deliver' && entry.channel === 'email')
      .map((entry) => entry.address!)
      .sort();
  }

  async function mailWhere(match: (mail: ReceivedMail) => boolean): Promise<ReceivedMail> {
    for (;;) {
      const found = smtp.messages.find(match);
      if (found !== undefined) return found;
      await smtp.waitFor(smtp.messages.length + 1);
    }
  }

  it('adds a finance member by e-mail: an invalid address is refused as it is typed, a valid one joins the list and gets the next billing event', async () => {
    const { page, errors } = await pageOf('olga', '/organizations/acme/finance');
    const rows = page.locator('table.recipients tbody tr');
    await rows.first().waitFor();
    assert.deepEqual(await rows.locator('th').allTextContents(), ['olga@acme.test', 'otto@acme.test']);

    const email = page.getByLabel('E-mail address');
    const add = page.getByRole('button', { name: 'Add finance member' });
    await email.pressSequentially('fin');
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    await page.locator('.field-error', { hasText: 'needs an “@”' }).waitFor();
    assert.equal(await add.isDisabled(), true);
    await email.pressSequentially('@acme');
    await page.locator('.field-error', { hasText: 'This is not an e-mail address' }).waitFor();
    assert.equal(await add.isDisabled(), true);
    // Someone already in the organization is named before anything is sent.
    await email.fill('DEV@acme.test');
    await page.locator('.field-error', { hasText: 'DEV@acme.test is already a member here (developer).' }).waitFor();
    await email.fill('');
    await email.pressSequentially('fin@acme.test');
    assert.equal(await email.getAttribute('aria-invalid'), 'false');
    assert.equal(await page.locator('.field-error').count(), 0);
    assert.equal(
      await email.getAttribute('aria-describedby'),
      null,
      'a valid address is described by no error message',
    );
    await page.getByLabel('Name (optional)').fill('Finn Ance');
    await add.click();

    await page.locator('.status-ok', { hasText: 'Added fin@acme.test as a finance member' }).waitFor();
    const added = page.locator('tr.just-added[data-email="fin@acme.test"]');
    await added.waitFor();
    assert.equal(await added.locator('td').nth(0).textContent(), 'finance');
    assert.equal(await added.locator('td.receives').textContent(), 'Receives billing events');
    assert.equal(await email.inputValue(), '');

    // The API agrees, and the next billing event is e-mailed to the new finance member.
    const fin = (await billing('acme')).find((r) => r.email === 'fin@acme.test');
    assert.deepEqual({ role: fin?.role, receives: fin?.receives }, { role: 'finance', receives: true });
    assert.deepEqual(await billingMailedTo('pay-1', 'acme'), ['fin@acme.test', 'olga@acme.test', 'otto@acme.test']);
    const mail = await mailWhere((m) => m.to.includes('fin@acme.test'));
    assert.match(mail.subject, /Payment failed/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("turns billing off for an owner from their switch, and shows the API's refusal for the last recipient", async () => {
    const { page, errors } = await pageOf('olga', '/organizations/acme/finance');
    const mine = page.getByRole('switch', { name: 'Billing events for olga@acme.test' });
    await mine.waitFor();
    assert.equal(await mine.getAttribute('aria-checked'), 'true');
    await mine.click();
    await page.locator('.status-ok', { hasText: 'billing events no longer reach olga@acme.test' }).waitFor();
    assert.equal(await mine.getAttribute('aria-checked'), 'false');
    await page
      .locator('tr[data-user="olga"] td.receives', { hasText: 'Turned off: does not receive billing events' })
      .waitFor();
    await screenshot(page, 'finance');
    const olga = (await billing('acme')).find((r) => r.user_id === 'olga');
    assert.deepEqual({ opted_out: olga?.opted_out, receives: olga?.receives }, { opted_out: true, receives: false });
    assert.deepEqual(await billingMailedTo('pay-2', 'acme'), ['fin@acme.test', 'otto@acme.test']);
    assert.deepEqual(errors, []);
    await page.close();

    // Sara is Solo's only owner and it has no finance member: the API refuses, the page says why.
    const solo = await pageOf('sara', '/organizations/solo/finance');
    const hers = solo.page.getByRole('switch', { name: 'Billing events for sara@solo.test' });
    await hers.click();
    const refusal = solo.page.locator('.status-error[role="alert"]');
    await refusal.waitFor();
    assert.equal(
      await refusal.textContent(),
      'Not changed: Turning billing off for sara would leave nobody receiving billing events; add a finance member, or keep another owner receiving them, first.',
    );
    assert.equal(await hers.getAttribute('aria-checked'), 'true');
    assert.deepEqual(
      (await billing('solo')).map((r) => [r.user_id, r.opted_out, r.receives]),
      [['sara', false, true]],
    );
    assert.deepEqual(solo.errors, ['409 PUT /v1/organizations/solo/billing/owners/sara']);
    await solo.page.close();
  });

  it('shows the actions a role may not take disabled, with a sentence saying why', async () => {
    // Olga may switch only her own billing: Otto's switch says who can.
    const owner = await pageOf('olga', '/organizations/acme/finance');
    const otto = owner.page.getByRole('switch', { name: 'Billing events for otto@acme.test' });
    assert.equal(await otto.isDisabled(), true);
    const ottoWhy = await otto.getAttribute('aria-describedby');
    assert.equal(
      await owner.page.locator(`[id="${ottoWhy}"]`).textContent(),
      'Only otto@acme.test (or a finance member) can change this for them.',
    );
    await owner.page.close();

    // An admin reads the list and adds finance members, but switches nobody's billing.
    const admin = await pageOf('ada', '/organizations/acme/finance');
    const olgaSwitch = admin.page.getByRole('switch', { name: 'Billing events for olga@acme.test' });
    await olgaSwitch.waitFor();
    assert.equal(await olgaSwitch.isDisabled(), true);
    await admin.page
      .locator('tr[data-user="olga"] .hint', { hasText: 'Admins see who receives billing events' })
      .waitFor();
    assert.equal(await admin.page.getByLabel('E-mail address').isDisabled(), false);
    assert.deepEqual(admin.errors, []);
    await admin.page.close();

    // A developer is told billing is not theirs, and the page asks the API nothing it would refuse.
    const developer = await pageOf('dev', '/organizations/acme/finance');
    await developer.page
      .locator('.refusal', {
        hasText: 'Billing settings are for owners, admins and finance members; your role here is developer.',
      })
      .waitFor();
    assert.equal(await developer.page.locator('table.recipients').count(), 0);
    assert.deepEqual(developer.errors, []);
    await developer.page.close();

    // The finance member added on the page cannot add members, and may switch any owner's billing.
    const members = await t.json('GET', '/v1/organizations/acme/members?limit=200');
    const fin = members.body.data.find((m: { email: string }) => m.email === 'fin@acme.test');
    const finance = await pageOf(fin.user_id, '/organizations/acme/finance');
    await finance.page
      .locator('form.add-finance .refusal', { hasText: 'Only owners and admins can add finance members' })
      .waitFor();
    assert.equal(await finance.page.getByLabel('E-mail address').isDisabled(), true);
    assert.equal(await finance.page.getByRole('button', { name: 'Add finance member' }).isDisabled(), true);
    const olgaForFinance = finance.page.getByRole('switch', { name: 'Billing events for olga@acme.test' });
    assert.equal(await olgaForFinance.getAttribute('aria-checked'), 'false');
    await olgaForFinance.click();
    await finance.page.locator('.status-ok', { hasText: 'billing events reach olga@acme.test again' }).waitFor();
    const olga = (await billing('acme')).find((r) => r.user_id === 'olga');
    assert.deepEqual({ opted_out: olga?.opted_out, receives: olga?.receives }, { opted_out: false, receives: true });
    assert.deepEqual(finance.errors, []);
    await finance.page.close();
  });
});
