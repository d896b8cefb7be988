import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * Random bytes for ULIDs, drawn from the system's CSPRNG a few kilobytes at a time. `ulid`'s own
 * source makes one `getRandomValues` call per character, 16 per id whose millisecond is new:
 * 5-6% of a delivery worker's CPU under load, where it writes one attempt id per send.
 */
const randomBytes = Buffer.alloc(4096);
let randomOffset = randomBytes.length;

function bufferedRandom(): number {
  if (randomOffset === randomBytes.length) {
    randomFillSync(randomBytes);
    randomOffset = 0;
  }
  // A byte / 256 is what ulid's default source returns: 32 divides 256, so each character is uniform.
  return randomBytes[randomOffset++]! / 256;
}

const nextUlid = monotonicFactory(bufferedRandom);

/**
 * Generated ids are a prefix and a ULID (`dlv_01J...`): sortable by creation time, so id order
 * is the natural listing order and a cursor is just the last id seen.
 */
export function newId(prefix: string): string {
  return `${prefix}_${nextUlid().toLowerCase()}`;
}
