import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fitText } from './push-text.ts';

/** A payload-like limit: the text as a JSON string, in UTF-8 bytes (escapes count as what they cost). */
const jsonUnder = (maxBytes: number) => (text: string) => Buffer.byteLength(JSON.stringify(text)) <= maxBytes;

describe('fitText', () => {
  test('keeps a text that fits, and cuts one that does not at the most characters that fit', () => {
    assert.equal(fitText('short', jsonUnder(100)), 'short');
    // "界" is 3 bytes: 10 of them and the ellipsis (3) in quotes (2) are 35 bytes.
    assert.equal(fitText('界'.repeat(50), jsonUnder(35)), `${'界'.repeat(10)}…`);
    assert.equal(fitText('界'.repeat(50), jsonUnder(36)), `${'界'.repeat(10)}…`);
    // Escapes cost what they cost: each newline is two bytes in JSON.
    assert.equal(fitText('\n'.repeat(50), jsonUnder(25)), `${'\n'.repeat(10)}…`);
    assert.equal(fitText('abc', jsonUnder(4)), '', 'not even one character and the ellipsis fit');
  });

  test('never exceeds the limit, never splits a character, and leaves no room for one more', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 2, max: 1200 }), (text, max) => {
        const fits = jsonUnder(max);
        const fitted = fitText(text, fits);
        const chars = [...text];
        if (fitted === text) return assert.ok(fits(text));
        if (fitted === '') return assert.ok(!fits(`${chars[0] ?? ''}…`) || chars.length < 2);
        assert.ok(fits(fitted), 'over the limit');
        // A lone surrogate (half a character) would come back from UTF-8 as U+FFFD.
        assert.equal(Buffer.from(fitted).toString(), fitted, 'a character was cut in half');
        const kept = [...fitted].length - 1;
        assert.equal(fitted, `${chars.slice(0, kept).join('')}…`, 'not a cut of the text');
        assert.ok(!fits(`${chars.slice(0, kept + 1).join('')}…`), 'one more character would have fit');
      }),
      { numRuns: 500 },
    );
  });
});
