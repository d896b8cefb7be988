// The preference matrix through the API: every cell reports its value and source, one call
// sets a cell, a row or the whole matrix, and a member changes only their own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startTestClarion, type TestClarion } from '../helpers/test-clarion.ts';

type Row = { event_type: string; receivable: boolean; channels: Record<string, { enabled: boolean; source: string }> };

for (const kind of STORE_KINDS) {
  describe(`${kind}: the preference matrix API`, () => {
    let t: TestClarion;
    const base = '/v1/organizations/acme/members/olga';
    const rowOf = (body: { data: Row[] }, type: string) => body.data.find((row) => row.event_type === type)!;

    before(async () => {
      t = await startTestClarion(kind, { config: { role: 'api' } });
      await t.json('POST', '/v1/organizations', { id: 'acme', name: 'Acme' });
      await t.json('POST', '/v1/organizations/acme/members', {
        user_id: 'olga',
        email: 'olga@acme.test',
        role: 'owner',
      });
      await t.json('POST', '/v1/organizations/acme/members', {
        user_id: 'dev',
        email: 'dev@acme.test',
        role: 'developer',
      });
      await t.json('POST', '/v1/organizations/acme/applications', { id: 'web', name: 'Web' });
    });
    after(() => t.close());

    it('reads every type with catalog defaults as the source', async () => {
      const { status, body } = await t.json('GET', `${base}/preferences`);
      assert.equal(status, 200);
      assert.deepEqual(rowOf(body, 'job.fail').channels, {
        email: { enabled: true, source: 'default' },
        browser: { enabled: false, source: 'default' },
        ios: { enabled: false, source: 'default' },
      });
      assert.equal(rowOf(body, 'stack.deploy.started').channels['email']!.enabled, false);
    });

    it('sets a cell, replaces a row, and replaces the whole matrix, each answering the new matrix', async () => {
      let answer = await t.json('PUT', `${base}/preferences/job.fail/browser`, { enabled: true });
      assert.deepEqual(rowOf(answer.body, 'job.fail').channels['browser'], { enabled: true, source: 'account' });

      answer = await t.json('PUT', `${base}/preferences/job.fail`, { email: false });
      assert.deepEqual(rowOf(answer.body, 'job.fail').channels, {
        email: { enabled: false, source: 'account' },
        browser: { enabled: false, source: 'default' },
        ios: { enabled: false, source: 'default' },
      });

      answer = await t.json('PUT', `${base}/preferences`, { 'server.stopped': { ios: true } });
      assert.equal(rowOf(answer.body, 'job.fail').channels['email']!.source, 'default');
      assert.deepEqual(rowOf(answer.body, 'server.stopped').channels['ios'], { enabled: true, source: 'account' });
    });

    it('shows application cells falling back to the account, then the default', async () => {
      await t.json('PUT', `${base}/preferences/process.down/email`, { enabled: false });
      await t.json('PUT', `${base}/applications/web/preferences/process.down/browser`, { enabled: true });
      const { body } = await t.json('GET', `${base}/applications/web/preferences`);
      assert.deepEqual(rowOf(body, 'process.down').channels, {
        email: { enabled: false, source: 'account' },
        browser: { enabled: true, source: 'application' },
        ios: { enabled: false, source: 'default' },
      });
      assert.equal(rowOf(body, 'account.payment.fail'), undefined, 'account-only types have no application row');
      const cleared = await t.json('DELETE', `${base}/applications/web/preferences/process.down/browser`);
      assert.equal(rowOf(cleared.body, 'process.down').channels['browser']!.source, 'default');
    });

    it('refuses unknown types, account-only types per application, and unknown applications', async () => {
      const unknown = await t.json('PUT', `${base}/preferences/no.such.type/email`, { enabled: true });
      assert.equal(unknown.body.code, 'CLARION_ERR_PREFERENCE_UNKNOWN_TYPE');
      const accountOnly = await t.json('PUT', `${base}/applications/web/preferences/account.payment.fail/email`, {
        enabled: false,
      });
      assert.equal(accountOnly.status, 422);
      assert.equal(accountOnly.body.code, 'CLARION_ERR_PREFERENCE_ACCOUNT_ONLY');
      const noApp = await t.json('GET', `${base}/applications/nope/preferences`);
      assert.equal(noApp.body.code, 'CLARION_ERR_APPLICATION_NOT_FOUND');
      const cells = await t.clarion.store.preferences.cellsOf('acme', 'olga');
      assert.ok(!cells.some((cell) => cell.eventType === 'no.such.type' || cell.eventType === 'account.payment.fail'));
    });

    it("marks types the member's role cannot receive, and lets a member change only their own matrix", async () => {
      const token = (await t.json('POST', '/v1/users/dev/tokens', { name: 't' })).body.token;
      const headers = { authorization: `Bearer ${token}` };
      const own = await t.clarion.app!.inject({
        method: 'GET',
        url: '/v1/organizations/acme/members/me/preferences',
        headers,
      });
      assert.equal(own.statusCode, 200);
      assert.equal(rowOf(own.json(), 'account.payment.fail').receivable, false);
      const other = await t.clarion.app!.inject({
        method: 'PUT',
        url: `${base}/preferences/job.fail/email`,
        headers,
        payload: { enabled: false },
      });
      assert.equal(other.statusCode, 403);
      assert.equal(other.json().code, 'CLARION_ERR_FORBIDDEN_OTHER_MEMBER');
    });
  });
}
