import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../clock.ts';
import { STREAM_TOKEN_TTL_MS, StreamTokens } from './stream-token.ts';

const SECRET = 'stream-token-test-secret-0123456789-0123456789';

describe('stream tokens', () => {
  it('carry who minted them and which stream they open, until they expire', () => {
    const clock = new FakeClock();
    const tokens = new StreamTokens(SECRET, clock);
    const { token, expiresAt } = tokens.mint({ userId: 'dev', scope: { kind: 'organization', organization: 'acme' } });
    assert.equal(expiresAt, clock.now() + STREAM_TOKEN_TTL_MS);
    assert.deepEqual(tokens.verify(token), { userId: 'dev', scope: { kind: 'organization', organization: 'acme' } });
    const inbox = tokens.mint({ userId: 'dev', scope: { kind: 'inbox' } }).token;
    assert.deepEqual(tokens.verify(inbox), { userId: 'dev', scope: { kind: 'inbox' } });
    const platform = tokens.mint({ userId: null, scope: { kind: 'organization', organization: 'acme' } }).token;
    assert.equal(tokens.verify(platform)?.userId, null);
    clock.advance(STREAM_TOKEN_TTL_MS - 1);
    assert.ok(tokens.verify(token));
    clock.advance(1);
    assert.equal(tokens.verify(token), undefined);
  });

  it('refuses a token whose payload was changed, one signed with another key, and anything malformed', () => {
    const clock = new FakeClock();
    const tokens = new StreamTokens(SECRET, clock);
    const { token } = tokens.mint({ userId: 'dev', scope: { kind: 'organization', organization: 'acme' } });
    const [body, signature] = token.slice(4).split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ u: null, s: 'org:acme', e: clock.now() + 1e9 })).toString('base64url');
    assert.equal(tokens.verify(`cst_${forged}.${signature}`), undefined);
    const other = new StreamTokens(`${SECRET}-other`, clock);
    assert.equal(other.verify(token), undefined);
    for (const bad of [
      '',
      'cst_',
      `cst_${body}`,
      `cst_${body}.${signature}.x`,
      `clu_${body}.${signature}`,
      'cst_!!.??',
    ]) {
      assert.equal(tokens.verify(bad), undefined, bad);
    }
  });
});
