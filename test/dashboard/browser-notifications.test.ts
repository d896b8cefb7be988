// The bell and browser notifications in a real Chromium, against a real Clarion whose `browser`
// channel delivers to a local push service (test/helpers/web-push-server.ts):
// - the bell's unread count follows the inbox stream, reads from the page and from another device;
// - turned on from a click, new inbox items show as notifications while the page is open, and the
//   page subscribes to Web Push; the service worker shows the push Clarion really sent, delivered
//   through the DevTools protocol; the same event shown by both is one notification (its tag).
// Run with both builds: the default (Debian's full Chromium: the real notification platform) and
// CLARION_TEST_BROWSER=packaged (the headless shell: a stand-in platform, test/helpers/browser-notifications.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { collectPageErrors, launchBrowser, screenshot, signIn, type TestBrowser } from '../helpers/browser.ts';
import {
  deliverPush,
  installStandInPushService,
  NotificationPlatform,
  waitUntil,
} from '../helpers/browser-notifications.ts';
import { TEST_TLS } from '../helpers/push-tls.ts';
import { baseUrl } from '../helpers/stream-client.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';
import { startWebPushServer, type WebPushRequest, type WebPushServer } from '../helpers/web-push-server.ts';

const BROWSER_TYPES = ['job.fail', 'job.backon', 'process.down'];

describe('dashboard: the bell and browser notifications', () => {
  let t: TestClarion;
  let push: WebPushServer;
  let browser: TestBrowser;
  const tokens = new Map<string, string>();

  before(async () => {
    push = await startWebPushServer();
    t = await startTestClarion('sqlite', { config: { pushCaFile: TEST_TLS.certFile } });
    browser = await launchBrowser();
    assert.equal((await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' })).status, 201);
    await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web frontend' });
    for (const user of ['dev', 'ann', 'max']) {
      const member = { user_id: user, email: `${user}@acme.test`, role: 'developer' };
      assert.equal((await t.json('POST', '/v1/organizations/acme/members', member)).status, 201);
      // The browser cell is off by default: each member turns it on (through the API here).
      for (const type of BROWSER_TYPES) {
        const cell = await t.json('PUT', `/v1/organizations/acme/members/${user}/preferences/${type}/browser`, {
          enabled: true,
        });
        assert.equal(cell.status, 200, JSON.stringify(cell.body));
      }
      tokens.set(user, (await t.json('POST', `/v1/users/${user}/tokens`, { name: 'phone' })).body.token);
    }
  });
  after(async () => {
    await browser.close();
    await t.close();
    await push.close();
  });

  /** Calls the API as `user` from "another device": their personal token, not the page's cookie. */
  async function asMember(user: string, method: string, url: string, body?: unknown) {
    const response = await fetch(`${baseUrl(t)}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens.get(user)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer: any = await response.json();
    return { status: response.status, body: answer };
  }

  async function ingest(id: string, type: string, data: Record<string, unknown> = {}): Promise<number> {
    const sent = await t.json('POST', '/v1/events', { id, type, organization: 'acme', application: 'web', data });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    return sent.body.seq as number;
  }

  /** The inbox item `id` as the API gives it to `user`. */
  async function itemOf(user: string, id: string) {
    const listing = await asMember(user, 'GET', '/v1/me/notifications?limit=50');
    const item = listing.body.data.find((entry: { id: string }) => entry.id === id);
    assert.ok(item, `${id} is in ${user}'s inbox`);
    return item as { seq: number; read: boolean; notification: { title: string; body: string; tag: string } };
  }

  /** What the local push service accepted (decrypted) about event `id`. */
  async function pushedFor(id: string): Promise<Record<string, unknown>> {
    let found: WebPushRequest | undefined;
    await waitUntil(() => {
      found = push.requests.find(
        (request) => request.status === 201 && (request.payload?.['data'] as { event_id?: string })?.event_id === id,
      );
      return found !== undefined;
    }, `the push of ${id}`);
    return found!.payload!;
  }

  const unreadOf = async (user: string) =>
    (await asMember(user, 'GET', '/v1/me/notifications/unread-count')).body.unread as number;
  const bell = (page: Page) => page.locator('button.bell-button');
  const waitForUnread = (page: Page, count: number) =>
    page.locator(`button.bell-button[data-unread="${count}"]`).waitFor({ timeout: 10_000 });

  it('shows the unread count live, marks all read from the page, and follows reads made on another device', async () => {
    const context = await browser.newContext(t);
    const page = await signIn(context, t, { user: 'max' }, '/organizations/acme/notifications');
    const errors = collectPageErrors(page);
    await waitForUnread(page, 0);
    assert.equal(await page.locator('.bell-count').count(), 0);

    const down = await ingest('bell-down', 'process.down', { process: 'worker', exit_code: 137 });
    await waitForUnread(page, 1);
    await ingest('bell-fail', 'job.fail', { job: 'nightly-report', reason: 'exit code 1' });
    await waitForUnread(page, 2);
    assert.equal(await page.locator('.bell-count').textContent(), '2');
    assert.equal(await bell(page).getAttribute('aria-label'), 'Notifications, 2 unread');

    await bell(page).click();
    const entries = page.locator('#bell-panel .inbox-entry');
    await entries.nth(1).waitFor();
    assert.deepEqual(await page.locator('#bell-panel .inbox-entry-title').allTextContents(), [
      'Unread: [Acme] Job run failed: Web frontend',
      'Unread: [Acme] Process is down: Web frontend',
    ]);
    assert.equal(
      await entries.first().locator('.inbox-entry-body').textContent(),
      (await itemOf('max', 'bell-fail')).notification.body,
    );

    // Another device of max's marks one read: the bell hears it on the stream.
    assert.equal((await asMember('max', 'POST', `/v1/me/notifications/${down}/read`)).status, 200);
    await waitForUnread(page, 1);
    await page.locator(`#bell-panel .inbox-entry.is-read[data-seq="${down}"]`).waitFor();

    await page.getByRole('button', { name: 'Mark all read' }).click();
    await waitForUnread(page, 0);
    assert.equal((await asMember('max', 'GET', '/v1/me/notifications/unread-count')).body.unread, 0);
    assert.equal(await page.locator('#bell-panel .inbox-entry.is-unread').count(), 0);

    // Opening an item leads to the event's page and marks it read.
    const seq = await ingest('bell-open', 'process.down', { process: 'web' });
    await waitForUnread(page, 1);
    await page.locator(`#bell-panel .inbox-entry[data-seq="${seq}"]`).click();
    await page.waitForURL('**/organizations/acme/events/bell-open');
    await waitForUnread(page, 0);
    assert.equal((await itemOf('max', 'bell-open')).read, true);
    assert.equal(await page.locator('#bell-panel').count(), 0, 'the panel closes on navigation');

    // Escape closes the panel and gives the focus back to the bell.
    await bell(page).click();
    await page.locator('#bell-panel').waitFor();
    await page.keyboard.press('Escape');
    // The panel leaves on the next render, not within the key press.
    await page.locator('#bell-panel').waitFor({ state: 'detached', timeout: 5_000 });
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('bell-button')), true);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('lists every notification on the inbox page, page after page, and marks them read there', async () => {
    const context = await browser.newContext(t);
    const page = await signIn(context, t, { user: 'max' }, '/inbox');
    const errors = collectPageErrors(page);
    for (let i = 0; i < 26; i += 1) await ingest(`inbox-${i}`, 'process.down', { n: i });
    await waitForUnread(page, 26);
    await page.reload();
    const entries = page.locator('main.inbox-page .inbox-entry');
    await entries.nth(24).waitFor();
    assert.equal(await entries.count(), 25);
    await page.getByRole('button', { name: 'Show older' }).click();
    await entries.nth(25).waitFor();
    await screenshot(page, 'inbox');

    // Unread only: the 26 new ones (25 on the first page), none of the three read before.
    await page.getByLabel('Unread only').check();
    await page.getByRole('button', { name: 'Show older' }).waitFor();
    assert.equal(await entries.count(), 25);
    assert.equal(await page.locator('main.inbox-page .inbox-entry.is-read').count(), 0);
    await page.locator('main.inbox-page').getByRole('button', { name: 'Mark all read' }).click();
    await waitForUnread(page, 0);
    await page.locator('main.inbox-page .inbox-entry.is-read').nth(24).waitFor();
    assert.equal((await asMember('max', 'GET', '/v1/me/notifications/unread-count')).body.unread, 0);
    // A new one appears on top, live.
    const seq = await ingest('inbox-live', 'process.down');
    await page.locator(`main.inbox-page li:first-child .inbox-entry.is-unread[data-seq="${seq}"]`).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('shows no bell to a platform operator, who has no inbox', async () => {
    const context = await browser.newContext(t);
    const page = await signIn(context, t, { operator: true }, '/organizations/acme/notifications');
    const errors = collectPageErrors(page);
    await page.locator('.who', { hasText: 'Platform operator' }).waitFor();
    await page.locator('tr[data-type="job.fail"]').waitFor();
    assert.equal(await page.locator('.bell').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  describe('with the notifications permission granted', () => {
    let context: BrowserContext;
    let platform: NotificationPlatform;
    let page: Page;

    before(async () => {
      context = await browser.newContext(t, { notifications: true });
      platform = await NotificationPlatform.of(context, browser.showsNotifications);
      await installStandInPushService(context, push);
    });
    after(() => context.close());

    it('turns browser notifications on from a click and subscribes this browser to Web Push', async () => {
      page = await signIn(context, t, { user: 'dev' }, '/organizations/acme/notifications');
      const errors = collectPageErrors(page);
      await bell(page).click();
      await page.locator('#bell-panel .inbox-entry').first().waitFor();
      await screenshot(page, 'bell');
      await page.getByRole('button', { name: 'Turn on browser notifications' }).click();
      await page
        .locator('#bell-panel', { hasText: 'Browser notifications are on, also when no Clarion page is open.' })
        .waitFor();
      const subscriptions = await asMember('dev', 'GET', '/v1/users/me/web-push-subscriptions');
      assert.equal(subscriptions.body.data.length, 1);
      assert.equal(subscriptions.body.data[0].push_service, push.origin);
      await platform.clear();
      assert.deepEqual(errors, []);
    });

    it('shows a new inbox item as a notification while the page is open, worded as the push', async () => {
      await ingest('open-1', 'process.down', { process: 'worker', exit_code: 137 });
      const all = await platform.waitFor((shown) => shown.some((n) => n.tag === 'open-1'), 'the notification');
      const shown = all.find((n) => n.tag === 'open-1');
      const { notification } = await itemOf('dev', 'open-1');
      assert.deepEqual({ title: shown!.title, body: shown!.body, tag: shown!.tag }, notification);
      assert.equal(notification.title, '[Acme] Process is down: Web frontend');
      assert.equal(shown!.data?.url, '/organizations/acme/events/open-1');
      // The push Clarion sent for it says the same.
      const pushed = await pushedFor('open-1');
      assert.deepEqual({ title: pushed['title'], body: pushed['body'], tag: pushed['tag'] }, notification);
    });

    it('shows, from the service worker, the push the browser channel sent, with no Clarion page open', async () => {
      await page.close();
      const blank = await context.newPage();
      await platform.clear();
      await ingest('closed-1', 'process.down', { process: 'cron' });
      const payload = await pushedFor('closed-1');
      await deliverPush(context, blank, baseUrl(t), payload);
      const shown = await platform.waitFor((all) => all.length === 1, 'the pushed notification');
      assert.deepEqual(
        { title: shown[0]!.title, body: shown[0]!.body, tag: shown[0]!.tag, url: shown[0]!.data?.url },
        {
          title: payload['title'],
          body: payload['body'],
          tag: 'closed-1',
          url: '/organizations/acme/events/closed-1',
        },
      );
      await blank.close();
    });

    it('marks the item read on every device when its notification is clicked', async () => {
      // closed-1's notification, shown by the service worker from the push, is still there.
      page = await signIn(context, t, { user: 'dev' }, '/organizations/acme/notifications');
      const unread = await unreadOf('dev');
      await waitForUnread(page, unread);
      const { seq, read } = await itemOf('dev', 'closed-1');
      assert.equal(read, false);
      const [shown] = await platform.waitFor((all) => all.some((n) => n.tag === 'closed-1'), 'closed-1');
      assert.equal(shown!.data?.seq, seq, 'the notification knows its inbox item');

      const outcomes = await platform.click('closed-1');
      assert.equal(outcomes.length, 1, JSON.stringify(outcomes));
      assert.equal((await itemOf('dev', 'closed-1')).read, true);
      // The open page hears of the read from its inbox stream, as another device would.
      await waitForUnread(page, unread - 1);
      assert.equal(
        (await platform.list()).some((n) => n.tag === 'closed-1'),
        false,
        'the notification stays shown',
      );
      await page.close();
    });

    it('collapses the same event shown by the page and by the push into one, and "back on" replaces "failed"', async () => {
      page = await signIn(context, t, { user: 'dev' }, '/organizations/acme/notifications');
      await waitForUnread(page, await unreadOf('dev'));
      await platform.clear();
      await ingest('pair-fail', 'job.fail', { job: 'nightly-report' });
      const { notification } = await itemOf('dev', 'pair-fail');
      const [fromPage] = await platform.waitFor((all) => all.length === 1, 'the page to show pair-fail');
      assert.equal(fromPage!.tag, notification.tag);
      assert.notEqual(notification.tag, 'pair-fail', 'a paired type is tagged with its pair');

      // The push of the same event reaches the service worker: it shows it again, in its place.
      await deliverPush(context, page, baseUrl(t), await pushedFor('pair-fail'));
      const after = await platform.waitFor(
        (all) => all.some((n) => n.timestamp > fromPage!.timestamp),
        'the service worker to show pair-fail',
      );
      assert.equal(after.length, 1);
      assert.deepEqual(
        { title: after[0]!.title, body: after[0]!.body, tag: after[0]!.tag, event: after[0]!.data?.event_id },
        { ...notification, event: 'pair-fail' },
      );

      // The job succeeds again: its notification takes the place of the failure's.
      await ingest('pair-backon', 'job.backon', { job: 'nightly-report' });
      const replaced = await platform.waitFor(
        (all) => all.some((n) => n.data?.event_id === 'pair-backon'),
        'the page to show pair-backon',
      );
      assert.equal(replaced.length, 1);
      assert.equal(replaced[0]!.tag, notification.tag);
      assert.equal(replaced[0]!.title, '[Acme] Job run succeeded (after fail): Web frontend');
    });

    it('turns them off in this browser: the subscription is removed and new items show no notification', async () => {
      await bell(page).click();
      await page.getByRole('button', { name: 'Turn off in this browser' }).click();
      await page.getByRole('button', { name: 'Turn on browser notifications' }).waitFor();
      await waitUntil(
        async () => (await asMember('dev', 'GET', '/v1/users/me/web-push-subscriptions')).body.data.length === 0,
        'the subscription to be removed',
      );
      await platform.clear();
      const unread = await unreadOf('dev');
      await ingest('off-1', 'process.down');
      await waitForUnread(page, unread + 1);
      // The page would have shown it right after counting it: let it go through the same steps first.
      await page.evaluate(async () => (await navigator.serviceWorker.ready).getNotifications());
      assert.deepEqual(await platform.list(), []);
    });

    it("removes this browser's push subscription when the member signs out", async () => {
      await page.getByRole('button', { name: 'Turn on browser notifications' }).click();
      await page.locator('#bell-panel', { hasText: 'also when no Clarion page is open' }).waitFor();
      assert.equal((await asMember('dev', 'GET', '/v1/users/me/web-push-subscriptions')).body.data.length, 1);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/login');
      assert.deepEqual((await asMember('dev', 'GET', '/v1/users/me/web-push-subscriptions')).body.data, []);
    });
  });

  it('says so when this browser cannot subscribe to push messages, and still notifies while a page is open', async () => {
    // No stand-in push service here: the browser's own pushManager.subscribe() rejects.
    const context = await browser.newContext(t, { notifications: true });
    const platform = await NotificationPlatform.of(context, browser.showsNotifications);
    const page = await signIn(context, t, { user: 'ann' }, '/inbox');
    await page.getByRole('button', { name: 'Turn on browser notifications' }).click();
    await page.locator('.push-state', { hasText: 'This browser could not subscribe to push messages (' }).waitFor();
    await page
      .locator('.browser-notifications', { hasText: 'Browser notifications are on.' })
      .waitFor({ timeout: 1000 });
    assert.deepEqual((await asMember('ann', 'GET', '/v1/users/me/web-push-subscriptions')).body.data, []);
    await platform.clear();
    await ingest('no-push-1', 'process.down');
    await platform.waitFor((all) => all.some((n) => n.tag === 'no-push-1'), 'the notification');
    await screenshot(page, 'inbox-notifications-on');
    await context.close();
  });
});
