import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Catalog } from '../catalog/catalog.ts';
import { checkEvent } from './event-input.ts';

const catalog = new Catalog();
const now = Date.UTC(2026, 10, 1);

it('hashes the body of an event with a platform-chosen id, whatever the order of its keys', () => {
  const a = checkEvent(
    { id: 'e1', type: 'job.fail', organization: 'acme', data: { x: 1, y: { b: 2, a: 1 } } },
    catalog,
    now,
  );
  const b = checkEvent(
    { data: { y: { a: 1, b: 2 }, x: 1 }, organization: 'acme', type: 'job.fail', id: 'e1' },
    catalog,
    now,
  );
  assert.match(a.bodyHash, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(a.bodyHash, b.bodyHash);
  const other = checkEvent({ id: 'e1', type: 'job.fail', organization: 'acme', data: { x: 2 } }, catalog, now);
  assert.notEqual(other.bodyHash, a.bodyHash);
});

it('does not hash an event without an id: Clarion generates one, so it can never be replayed', () => {
  assert.equal(checkEvent({ type: 'job.fail', organization: 'acme', data: {} }, catalog, now).bodyHash, '');
});

it('takes the time of receipt when occurred_at is omitted', () => {
  assert.equal(checkEvent({ type: 'job.fail', organization: 'acme', data: {} }, catalog, now).occurredAt, now);
});
