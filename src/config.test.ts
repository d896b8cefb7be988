import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

describe('CLARION_HEAP_GROWTH_PERCENT', () => {
  it('defaults to 30 and takes 0 (V8 decides) or any whole percentage up to 1,000', () => {
    assert.equal(loadConfig({}).heapGrowthPercent, 30);
    assert.equal(loadConfig({ CLARION_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent, 0);
    assert.equal(loadConfig({ CLARION_HEAP_GROWTH_PERCENT: '150' }).heapGrowthPercent, 150);
  });

  it('refuses a value that is not a whole number in range, naming the variable and the range', () => {
    for (const raw of ['-5', '2.5', 'lots', '1001']) {
      assert.throws(
        () => loadConfig({ CLARION_HEAP_GROWTH_PERCENT: raw }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.message === `CLARION_HEAP_GROWTH_PERCENT must be a whole number from 0 to 1000, not "${raw}"`,
      );
    }
  });
});
