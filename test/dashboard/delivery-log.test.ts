// The delivery log, a delivery's detail and "why" in a real Chromium, against a Clarion whose
// FakeClock runs three webhooks' retry schedules out in moments: a local receiver answers 500
// until a test switches it to 200. Events are placed two hours apart so a time range can hold
// some failures and not others.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { FakeClock } from '../../src/clock.ts';
import { collectPageErrors, launchBrowser, screenshot, signIn, type TestBrowser } from '../helpers/browser.ts';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The three webhooks, the event each gets, and when (hours after the clock's start). */
const FIXTURE = [
  { key: 'a', name: 'Orders webhook', event: 'e1', type: 'job.fail', application: 'web', hours: 0 },
  { key: 'b', name: 'Billing webhook', event: 'e2', type: 'process.down', application: 'api', hours: 2 },
  { key: 'c', name: 'Status webhook', event: 'e3', type: 'container.down', application: 'web', hours: 4 },
] as const;
type Key = (typeof FIXTURE)[number]['key'];

describe('dashboard: the delivery log and why', () => {
  let t: TestClarion;
  let receiver: HttpReceiver;
  let smtp: SmtpReceiver;
  let browser: TestBrowser;
  let context: BrowserContext;
  // The fake time starts at the current hour: the session cookie's Expires comes from this clock,
  // and the browser, on real time, would drop a cookie that expired in its past.
  const clock = new FakeClock(Math.floor(Date.now() / HOUR) * HOUR);
  const t0 = clock.now();
  let failing = true;
  const hooks = {} as Record<Key, string>;
  /** Each webhook's one delivery, failed after its ten attempts. */
  const deliveries = {} as Record<Key, string>;
  /** The whole fixture's range, as the log's URL query. */
  const everything = `?since=${iso(t0 - HOUR)}&until=${iso(t0 + 6 * HOUR)}`;

  const delivery = async (id: string) => (await t.json('GET', `/v1/organizations/acme/deliveries/${id}`)).body;
  const requestsFor = (key: Key) => receiver.requests.filter((request) => request.url === `/${key}`);

  /** Polls (real time, bounded) until `done` holds. */
  async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const value = await probe();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(value)}`);
      await sleep(20);
    }
  }

  before(async () => {
    receiver = await startHttpReceiver(() => ({ status: failing ? 500 : 200, body: failing ? 'down' : 'ok' }));
    smtp = await startSmtpReceiver();
    t = await startTestClarion('sqlite', { config: { smtpUrl: smtp.url }, deps: { clock, random: () => 0.5 } });
    assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
    for (const id of ['web', 'api']) await t.json('POST', '/v1/organizations/acme/applications', { id, name: id });
    for (const [user, role] of [
      ['olga', 'owner'],
      ['dev', 'developer'],
      ['fin', 'finance'],
    ]) {
      const added = await t.json('POST', '/v1/organizations/acme/members', {
        user_id: user,
        email: `${user}@acme.test`,
        role,
      });
      assert.equal(added.status, 201, JSON.stringify(added.body));
    }
    for (const entry of FIXTURE) {
      const hook = await t.json('POST', '/v1/organizations/acme/hooks', {
        name: entry.name,
        kind: 'webhook',
        url: `${receiver.url}/${entry.key}`,
        events: [entry.type],
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
      hooks[entry.key] = hook.body.id;
    }
    for (const entry of FIXTURE) {
      clock.advance(t0 + entry.hours * HOUR - clock.now());
      const event = {
        id: entry.event,
        type: entry.type,
        organization: 'acme',
        application: entry.application,
        data: { uid: entry.application, name: `${entry.application} frontend`, reason: `${entry.type} on host 3` },
      };
      assert.equal((await t.json('POST', '/v1/events', event)).status, 202);
      const listed = await t.json(
        'GET',
        `/v1/organizations/acme/deliveries?event=${entry.event}&hook=${hooks[entry.key]}`,
      );
      deliveries[entry.key] = listed.body.data[0].id;
    }
    // Each day the clock moves, every failing delivery makes (at least) its next attempt; the
    // longest delay of the schedule is a day, so ten days run every schedule out.
    for (let day = 0; day < 10; day++) {
      const before = await Promise.all(FIXTURE.map((entry) => delivery(deliveries[entry.key])));
      if (before.every((d) => d.status === 'failed')) break;
      clock.advance(DAY);
      t.clarion.worker!.wake();
      await until(
        'every failing delivery makes its next attempt',
        () => Promise.all(FIXTURE.map((entry) => delivery(deliveries[entry.key]))),
        (now) =>
          now.every((d, i) => d.status === 'failed' || (d.status === 'pending' && d.attempts > before[i].attempts)),
      );
    }
    for (const entry of FIXTURE) {
      const failed = await delivery(deliveries[entry.key]);
      assert.equal(failed.status, 'failed', JSON.stringify(failed));
      assert.equal(failed.attempts_log.length, 10);
    }
    // An hour later: the targets' circuit breakers (opened by so many failures, paused for 30
    // minutes at most) let a re-send through at once.
    clock.advance(HOUR);
    browser = await launchBrowser();
    context = await browser.newContext(t);
    // The owner signs in once, through a real login link; every test opens pages in that session.
    await (await signIn(context, t, { user: 'olga' })).close();
  });
  after(async () => {
    await browser?.close();
    await t.close();
    await receiver.close();
    await smtp.close();
  });

  const row = (page: Page, key: Key) => page.locator(`table.deliveries tr[data-delivery="${deliveries[key]}"]`);

  it("the charts draw the stats endpoint's numbers", async () => {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const fetched = page.waitForResponse((response) => response.url().includes('/deliveries/stats'));
    await page.goto(`/organizations/acme/deliveries${everything}`);
    const answer = await fetched;
    const url = new URL(answer.url());
    const stats = await answer.json();
    assert.equal(url.searchParams.get('since'), iso(t0 - HOUR));
    assert.equal(url.searchParams.get('until'), iso(t0 + 6 * HOUR));
    assert.equal(url.searchParams.get('bucket'), 'hour');
    assert.equal(stats.data.length, 7);

    // The numbers agree with the log itself, delivery by delivery.
    const listed = await t.json('GET', `/v1/organizations/acme/deliveries${everything}&limit=200`);
    const sent = listed.body.data.filter((d: any) => d.status === 'sent').length;
    const failed = listed.body.data.filter((d: any) => d.status === 'failed').length;
    assert.equal(stats.totals.sent, sent);
    assert.equal(stats.totals.failed, failed);
    assert.equal(failed, 3, 'the three webhooks');
    assert.equal(
      Object.values(stats.totals as Record<string, number>).reduce((a, b) => a + b, 0),
      listed.body.data.length,
    );
    const attempts = stats.data.reduce((sum: number, b: any) => sum + b.attempts.count, 0);
    assert.ok(attempts >= 3, 'attempts made in the range');

    // Both charts are drawn (uPlot's canvases), and the words under them say the same numbers.
    await page.locator('[data-chart="outcomes"] .chart canvas').waitFor();
    await page.locator('[data-chart="latency"] .chart canvas').waitFor();
    assert.equal(
      await page.locator('[data-chart="outcomes"] [data-total]').textContent(),
      String(listed.body.data.length),
    );
    assert.match(
      (await page.locator('[data-chart="outcomes"] [data-outcome="sent"]').textContent()) ?? '',
      new RegExp(`^${sent} sent$`),
    );
    assert.equal(await page.locator('[data-chart="latency"] [data-attempts]').textContent(), String(attempts));
    // The chart's legend shows a bucket's own counts when the pointer is over it.
    const legend = await page.locator('[data-chart="outcomes"] .u-legend').textContent();
    assert.match(legend ?? '', /Sent/);
    await page.locator('table.deliveries').waitFor();
    await screenshot(page, 'delivery-log');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("the delivery log shows a failed delivery's attempts and re-sends it", async () => {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`/organizations/acme/deliveries${everything}`);
    await row(page, 'a').waitFor();
    assert.equal(await row(page, 'a').locator('.state').textContent(), 'Failed');
    await row(page, 'a').getByRole('link').click();
    await page.waitForURL(`**/organizations/acme/deliveries/${deliveries.a}?back=*`);

    const attempts = page.locator('table.attempts tbody tr');
    await attempts.first().waitFor();
    assert.equal(await attempts.count(), 10);
    for (const cells of await attempts.evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    )) {
      assert.equal(cells[4], '500', 'each attempt shows the receiver status code');
      assert.equal(cells[3], 'Temporary failure');
      assert.match(cells[2]!, /\d+(\.\d)? (ms|s)/, 'and its duration');
    }
    assert.deepEqual(await attempts.evaluateAll((rows) => rows.map((r) => r.querySelector('td')?.textContent)), [
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
    ]);
    // The event it carries, with the way to "why".
    await page.locator('.event-facts', { hasText: 'job.fail' }).waitFor();
    assert.equal(
      await page.getByRole('link', { name: /Who got this event/ }).getAttribute('href'),
      '/organizations/acme/events/e1',
    );
    await screenshot(page, 'delivery-detail');

    failing = false;
    const sentBefore = requestsFor('a').length;
    await page.getByRole('button', { name: 'Re-send' }).click();
    await page.locator('.status-ok', { hasText: 'Re-sent' }).waitFor();
    // The page watches the delivery until it is sent.
    await page.locator('h1 .state', { hasText: 'Sent' }).waitFor();
    assert.equal(await attempts.count(), 11);
    assert.equal(await attempts.last().getAttribute('data-outcome'), 'sent');
    assert.equal(requestsFor('a').length, sentBefore + 1);
    assert.equal(requestsFor('a').at(-1)!.headers['webhook-id'], deliveries.a);
    assert.equal((await delivery(deliveries.a)).status, 'sent');

    // Back to the log, in the same filtered view.
    await page.getByRole('link', { name: '← Delivery log' }).click();
    await page.waitForURL(`**/organizations/acme/deliveries${everything.replace(/:/g, '%3A')}`);
    await row(page, 'a').locator('.state', { hasText: 'Sent' }).waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('filters narrow the table, and survive a reload through the URL', async () => {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`/organizations/acme/deliveries${everything}`);
    await row(page, 'c').waitFor();
    const shown = () =>
      page.locator('table.deliveries tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-delivery')));
    assert.ok((await shown()).length > 3, 'webhooks and e-mails alike');

    await page.getByLabel('Hook', { exact: true }).selectOption({ label: 'Status webhook' });
    await page.waitForURL(/hook=/);
    await until('only the status webhook', shown, (ids) => ids.length === 1 && ids[0] === deliveries.c);
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await page.waitForURL(/status=failed/);
    await page.getByLabel('Hook', { exact: true }).selectOption('');
    await until('only the failed deliveries', shown, (ids) => ids.length === 2);
    assert.deepEqual((await shown()).sort(), [deliveries.b, deliveries.c].sort());
    await page.getByLabel('Application', { exact: true }).selectOption('web');
    await until('only web', shown, (ids) => ids.length === 1 && ids[0] === deliveries.c);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('application'), 'web');
    assert.equal(url.searchParams.get('status'), 'failed');

    await page.reload();
    await row(page, 'c').waitFor();
    assert.deepEqual(await shown(), [deliveries.c]);
    assert.equal(await page.getByLabel('Status', { exact: true }).inputValue(), 'failed');
    assert.equal(await page.getByLabel('Application', { exact: true }).inputValue(), 'web');
    assert.equal(await page.getByLabel('Time', { exact: true }).inputValue(), 'custom');

    // The custom range says what is wrong as it is typed, and applies nothing until it is right.
    const to = page.getByLabel('To', { exact: true });
    await to.fill('2025-12-31T00:00');
    assert.equal(await to.getAttribute('aria-invalid'), 'true');
    await page.locator('#until-error', { hasText: 'The end must come after the start.' }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('until'), iso(t0 + 6 * HOUR));

    // An event type narrows by type.
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await page.getByLabel('Event type', { exact: true }).selectOption('process.down');
    await page.waitForURL(/type=process.down/);
    assert.equal(new URL(page.url()).searchParams.get('since'), null, 'cleared filters fall back to a preset range');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('re-sends all failed deliveries of a range, and only those', async () => {
    failing = false;
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    // From 01:00 to 05:00: the billing and status webhooks' failures, not the orders one's.
    await page.goto(`/organizations/acme/deliveries?since=${iso(t0 + HOUR)}&until=${iso(t0 + 5 * HOUR)}`);
    await row(page, 'b').waitFor();
    const before = { a: requestsFor('a').length, b: requestsFor('b').length, c: requestsFor('c').length };
    const stateOfA = (await delivery(deliveries.a)).status;

    await page.getByRole('button', { name: 'Re-send all failed in this range…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Re-send 2 failed deliveries?' });
    await confirm.getByText(/The 2 failed deliveries created between/).waitFor();
    await confirm.getByRole('button', { name: 'Re-send 2' }).click();
    await page.locator('.status-ok', { hasText: '2 failed deliveries re-queued.' }).waitFor();

    await receiver.waitFor(before.a + before.b + before.c + 2);
    for (const key of ['b', 'c'] as const) {
      await until(
        `${key} is sent`,
        () => delivery(deliveries[key]),
        (d) => d.status === 'sent',
      );
      assert.equal(requestsFor(key).length, before[key] + 1);
      assert.equal(requestsFor(key).at(-1)!.headers['webhook-id'], deliveries[key]);
    }
    assert.equal(requestsFor('a').length, before.a, 'the failure outside the range was not re-sent');
    assert.equal((await delivery(deliveries.a)).status, stateOfA);
    // The page shows the new state once it has reloaded.
    await row(page, 'b')
      .locator('.state', { hasText: /Sent|Retrying|Queued/ })
      .waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('the why page lists a delivered and a skipped recipient with their rules', async () => {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto('/organizations/acme/events/e1');
    const recipients = (await t.json('GET', '/v1/organizations/acme/events/e1/recipients?include=skipped')).body.data;
    const hookEntry = recipients.find((entry: any) => entry.hook === hooks.a);
    const skipped = recipients.find((entry: any) => entry.decision === 'skip' && entry.user === 'fin');
    assert.ok(hookEntry && skipped, JSON.stringify(recipients));

    const deliveredRow = page.locator('tr[data-decision="deliver"]', { hasText: 'Hook “Orders webhook”' });
    await deliveredRow.waitFor();
    assert.equal(await deliveredRow.locator('.rule').textContent(), hookEntry.rule);
    const skippedRow = page.locator('tr[data-decision="skip"]', { hasText: 'member fin' }).first();
    assert.equal(await skippedRow.locator('.rule').textContent(), skipped.rule);
    assert.equal(
      await page.locator('#delivered-heading').textContent(),
      `Delivered to (${recipients.filter((e: any) => e.decision === 'deliver').length})`,
    );
    assert.equal(
      await page.locator('#skipped-heading').textContent(),
      `Not delivered to (${recipients.filter((e: any) => e.decision === 'skip').length})`,
    );
    // The event itself.
    await page.locator('.event-facts', { hasText: 'job.fail' }).waitFor();
    assert.match((await page.locator('.event-facts').textContent()) ?? '', /web/);
    await screenshot(page, 'event-why');

    // A delivery's status opens it.
    await deliveredRow.getByRole('link').click();
    await page.waitForURL(`**/organizations/acme/deliveries/${deliveries.a}`);
    await page.locator('table.attempts').waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('lets a developer read the log and a delivery, and says who can re-send', async () => {
    const developer = await browser.newContext(t);
    const page = await signIn(developer, t, { user: 'dev' }, `/organizations/acme/deliveries${everything}`);
    const errors = collectPageErrors(page);
    await row(page, 'c').waitFor();
    await page
      .locator('.toolbar .hint-inline', { hasText: 'Only owners and admins can re-send deliveries.' })
      .waitFor();
    assert.equal(await page.getByRole('button', { name: /Re-send all failed/ }).count(), 0);
    await row(page, 'c').getByRole('link').click();
    const resend = page.getByRole('button', { name: 'Re-send' });
    await resend.waitFor();
    assert.equal(await resend.isDisabled(), true);
    assert.equal(await page.locator('#resend-why').textContent(), 'Only owners and admins can re-send deliveries.');
    assert.deepEqual(errors, []);
    await developer.close();
  });

  it('shows a finance member only the entries about them on the why page', async () => {
    const finance = await browser.newContext(t);
    const page = await signIn(finance, t, { user: 'fin' }, '/organizations/acme/events/e1');
    const errors = collectPageErrors(page);
    await page.locator('.hint', { hasText: 'the entries about you only' }).waitFor();
    const mine = (await t.json('GET', '/v1/organizations/acme/events/e1/recipients?include=skipped&user=fin')).body
      .data;
    await page.locator('tr[data-decision]').first().waitFor();
    assert.equal(await page.locator('tr[data-decision]').count(), mine.length);
    assert.equal(await page.locator('tr[data-decision]', { hasText: 'Orders webhook' }).count(), 0);
    assert.equal(await page.locator('.event-facts').count(), 0, 'finance members do not read events');
    assert.deepEqual(errors, []);
    await finance.close();
  });
});
