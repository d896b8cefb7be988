import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { UnsubscribeTokens } from './unsubscribe-token.ts';

const tokens = new UnsubscribeTokens('unsubscribe-test-secret-key-0123456789');
const CELL = { organizationId: 'acme', userId: 'ann', eventType: 'stack.redeploy.fail', applicationId: 'web' };

describe('UnsubscribeTokens', () => {
  test('a minted token names its cell, at application or account level', () => {
    assert.deepEqual(tokens.verify(tokens.mint(CELL)), CELL);
    const account = { ...CELL, eventType: 'account.payment.fail', applicationId: null };
    assert.deepEqual(tokens.verify(tokens.mint(account)), account);
  });

  test('a token is URL-safe as it stands, so it can sit in a List-Unsubscribe URI unencoded', () => {
    assert.match(tokens.mint({ ...CELL, userId: 'ünïcode/user?x=1' }), /^[A-Za-z0-9_.-]+$/);
  });

  test('a token signed under another secret key is refused', () => {
    const other = new UnsubscribeTokens('another-secret-key-0123456789-abcdef');
    assert.equal(tokens.verify(other.mint(CELL)), undefined);
  });

  test('changing any one character of a token makes it invalid', () => {
    const token = tokens.mint(CELL);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (index, char) => {
        fc.pre(token[index] !== char);
        const tampered = token.slice(0, index) + char + token.slice(index + 1);
        // The signature covers the payload's text, not its decoding: even a base64url character
        // whose change only touches unused bits is refused.
        return tokens.verify(tampered) === undefined;
      }),
      { numRuns: 300 },
    );
  });

  test('a cell swapped into a genuine signature is refused', () => {
    const [version, , signature] = tokens.mint(CELL).split('.');
    const forged = Buffer.from(JSON.stringify(['acme', 'olga', 'stack.redeploy.fail', 'web'])).toString('base64url');
    assert.equal(tokens.verify(`${version}.${forged}.${signature}`), undefined);
  });

  test('malformed tokens are refused without throwing', () => {
    const token = tokens.mint(CELL);
    for (const bad of [
      '',
      'abc',
      'u1..',
      'u1.x.y',
      `u2${token.slice(2)}`,
      `${token}.extra`,
      token.slice(0, -1),
      'x'.repeat(5000),
    ]) {
      assert.equal(tokens.verify(bad), undefined, bad.slice(0, 40));
    }
  });
});
