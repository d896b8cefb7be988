import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ClaimedDelivery } from '../store/delivery-queue.ts';
import { TargetConcurrency } from './target-concurrency.ts';

let nextId = 0;
function delivery(hookId: string): ClaimedDelivery {
  nextId += 1;
  return { id: `dlv${nextId}`, hook_id: hookId, channel: 'webhook', address: null } as unknown as ClaimedDelivery;
}

it('lines up the burst of a target that answers fast, and hands each waiting one the freed slot', () => {
  const slots = new TargetConcurrency<string>(2);
  const sent = [delivery('fast'), delivery('fast')];
  for (const row of sent) assert.equal(slots.admit(row, 'ctx', 0), 'send');
  // Before any send has finished, the target's pace is unknown: the next one goes back to the queue.
  assert.equal(typeof slots.admit(delivery('fast'), 'ctx', 0), 'object');
  assert.equal(slots.release(sent[0]!, 2), undefined);
  assert.equal(slots.admit(delivery('fast'), 'ctx', 0), 'send');

  // At 2 ms a send and 2 slots, a turn comes every 1 ms: up to 500 ms of turns wait here.
  const lined = Array.from({ length: 3 }, () => delivery('fast'));
  for (const [index, row] of lined.entries()) assert.equal(slots.admit(row, `ctx${index}`, 0), 'lined');
  assert.equal(slots.waiting, 3);
  assert.deepEqual(slots.release(sent[1]!, 2), { row: lined[0], context: 'ctx0' });
  assert.equal(slots.waiting, 2);
  assert.deepEqual(
    slots.takeLines().map((entry) => entry.context),
    ['ctx1', 'ctx2'],
  );
  assert.equal(slots.waiting, 0);
});

it("puts a slow target's deliveries over the cap back in the queue, spread at its pace", () => {
  const slots = new TargetConcurrency<string>(2);
  const first = delivery('slow');
  assert.equal(slots.admit(first, 'ctx', 0), 'send');
  slots.release(first, 2000); // 2 s a send: the second in line would wait 2 s, past the line's 500 ms
  for (const row of [delivery('slow'), delivery('slow')]) assert.equal(slots.admit(row, 'ctx', 1000), 'send');
  const deferrals = [delivery('slow'), delivery('slow')].map((row) => slots.admit(row, 'ctx', 1000));
  assert.deepEqual(
    deferrals.map((admission) => (typeof admission === 'object' ? admission.deferredUntil : admission)),
    [3000, 4000],
  );
  assert.equal(slots.waiting, 0);
  // Another target is not held back by this one.
  assert.equal(slots.admit(delivery('other'), 'ctx', 1000), 'send');
});
