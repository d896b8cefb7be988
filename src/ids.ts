import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/**
 * Generated ids are a prefix and a ULID (`dlv_01J...`): sortable by creation time, so id order
 * is the natural listing order and a cursor is just the last id seen.
 */
export function newId(prefix: string): string {
  return `${prefix}_${nextUlid().toLowerCase()}`;
}
