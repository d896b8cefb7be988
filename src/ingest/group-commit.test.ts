import assert from 'node:assert/strict';
import { it } from 'node:test';
import { GroupCommit } from './group-commit.ts';

it('commits items submitted in the same turn together', async () => {
  const batches: number[][] = [];
  const commits = new GroupCommit<number, number>((items) => {
    batches.push(items);
    return Promise.resolve(items.map((item) => item * 2));
  });
  const results = await Promise.all([1, 2, 3].map((item) => commits.submit(item)));
  assert.deepEqual(results, [2, 4, 6]);
  assert.deepEqual(batches, [[1, 2, 3]]);
});

it('rejects only the item whose result is an error', async () => {
  const commits = new GroupCommit<number, number>((items) =>
    Promise.resolve(items.map((item) => (item === 2 ? new Error('two') : item))),
  );
  const results = await Promise.allSettled([1, 2, 3].map((item) => commits.submit(item)));
  assert.deepEqual(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
});

it('commits items one by one when the whole batch fails, so one poisoned item fails alone', async () => {
  const batches: number[][] = [];
  const commits = new GroupCommit<number, number>((items) => {
    batches.push(items);
    return items.includes(13) ? Promise.reject(new Error('poisoned')) : Promise.resolve(items);
  });
  const results = await Promise.allSettled([12, 13, 14].map((item) => commits.submit(item)));
  assert.deepEqual(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.deepEqual(batches, [[12, 13, 14], [12], [13], [14]]);
});

it('starts the next batch with what arrived during a commit', async () => {
  const batches: number[][] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const commits = new GroupCommit<number, number>(async (items) => {
    batches.push(items);
    if (batches.length === 1) await gate;
    return items;
  });
  const first = commits.submit(1);
  await new Promise((resolve) => setImmediate(resolve));
  const later = [2, 3].map((item) => commits.submit(item));
  release();
  await Promise.all([first, ...later]);
  assert.deepEqual(batches, [[1], [2, 3]]);
});

it('runs up to `concurrency` commits at once, the later batch taking what arrived meanwhile', async () => {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const commits = new GroupCommit<number, number>(
    async (items) => {
      batches.push(items);
      await new Promise<void>((resolve) => gates.push(resolve));
      return items;
    },
    { concurrency: 2 },
  );
  const settled: number[] = [];
  const track = (item: number) => commits.submit(item).then(() => settled.push(item));
  const first = track(1);
  await new Promise((resolve) => setImmediate(resolve));
  const second = track(2);
  await new Promise((resolve) => setImmediate(resolve));
  const third = [3, 4].map(track);
  await new Promise((resolve) => setImmediate(resolve));
  // Two commits are open; 3 and 4 wait for a free one.
  assert.deepEqual(batches, [[1], [2]]);
  gates[1]!();
  await second;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [[1], [2], [3, 4]]);
  gates[0]!();
  gates[2]!();
  await Promise.all([first, ...third]);
  assert.deepEqual(settled, [2, 1, 3, 4]);
});
