import assert from 'node:assert/strict';
import { it } from 'node:test';
import { hashKey, PlatformKeyVerifier } from './platform-key.ts';

const KEY = 'clk_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

it('accepts the platform key, before and after it first matched', () => {
  const verifier = new PlatformKeyVerifier(hashKey(KEY));
  assert.equal(verifier.matches(KEY), true);
  assert.equal(verifier.matches(KEY), true);
});

it('refuses other keys of any length, before and after the right one matched', () => {
  const verifier = new PlatformKeyVerifier(hashKey(KEY));
  const sameLength = `${KEY.slice(0, -1)}H`;
  const others = [sameLength, `${KEY}x`, KEY.slice(1), '', 'clk_'];
  for (const other of others) assert.equal(verifier.matches(other), false, `accepted ${other} first`);
  assert.equal(verifier.matches(KEY), true);
  for (const other of others) assert.equal(verifier.matches(other), false, `accepted ${other} after the key`);
});

it('does not take a refused key for the known one', () => {
  const verifier = new PlatformKeyVerifier(hashKey(KEY));
  const sameLength = `${KEY.slice(0, -1)}H`;
  assert.equal(verifier.matches(sameLength), false);
  assert.equal(verifier.matches(sameLength), false);
  assert.equal(verifier.matches(KEY), true);
});
