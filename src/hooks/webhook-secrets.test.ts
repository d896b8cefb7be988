import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_PREVIOUS_SECRETS,
  rotateSigningSecrets,
  signingAt,
  storedSigningSecrets,
  type StoredSigningSecret,
} from './webhook-secrets.ts';

const NOW = Date.UTC(2026, 10, 22, 12);
const HOUR = 3600 * 1000;

describe('webhook signing secrets', () => {
  it('reads bare strings (hooks made before rotation) as secrets without expiry and skips other shapes', () => {
    assert.deepEqual(storedSigningSecrets(['a', { secret: 'b', expires_at: 5 }, { secret: 'c' }, 7, null, {}]), [
      { secret: 'a', expires_at: null },
      { secret: 'b', expires_at: 5 },
      { secret: 'c', expires_at: null },
    ]);
    assert.deepEqual(storedSigningSecrets(undefined), []);
  });

  it('counts a secret expiring exactly now as no longer signing', () => {
    const secrets = [
      { secret: 'old', expires_at: NOW },
      { secret: 'new', expires_at: null },
    ];
    assert.deepEqual(
      signingAt(secrets, NOW).map((s) => s.secret),
      ['new'],
    );
    assert.deepEqual(
      signingAt(secrets, NOW - 1).map((s) => s.secret),
      ['old', 'new'],
    );
  });

  it('makes the new secret current and gives the previous one the overlap', () => {
    const rotated = rotateSigningSecrets([{ secret: 'one', expires_at: null }], 'two', NOW, 24 * 3600);
    assert.deepEqual(rotated, [
      { secret: 'one', expires_at: NOW + 24 * HOUR },
      { secret: 'two', expires_at: null },
    ]);
  });

  it('never extends a previous secret, drops expired ones, and stops all with an overlap of 0', () => {
    const stored: StoredSigningSecret[] = [
      { secret: 'expired', expires_at: NOW - 1 },
      { secret: 'soon', expires_at: NOW + HOUR },
      { secret: 'current', expires_at: null },
    ];
    assert.deepEqual(rotateSigningSecrets(stored, 'next', NOW, 2 * 3600), [
      { secret: 'soon', expires_at: NOW + HOUR },
      { secret: 'current', expires_at: NOW + 2 * HOUR },
      { secret: 'next', expires_at: null },
    ]);
    assert.deepEqual(rotateSigningSecrets(stored, 'next', NOW, 0), [{ secret: 'next', expires_at: null }]);
  });

  it(`refuses (null) a rotation that would leave more than ${MAX_PREVIOUS_SECRETS} previous secrets signing`, () => {
    const stored: StoredSigningSecret[] = Array.from({ length: MAX_PREVIOUS_SECRETS }, (_, i) => ({
      secret: `s${i}`,
      expires_at: NOW + HOUR,
    }));
    assert.equal(rotateSigningSecrets([...stored, { secret: 'current', expires_at: null }], 'next', NOW, 60), null);
    const allowed = rotateSigningSecrets(stored.slice(1).concat({ secret: 'current', expires_at: null }), 'x', NOW, 60);
    assert.equal(allowed?.length, MAX_PREVIOUS_SECRETS + 1);
  });
});
