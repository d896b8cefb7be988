import assert from 'node:assert/strict';
import fs from 'node:fs';
import { it } from 'node:test';
import { listErrorCodes } from '../../src/errors.ts';

it('docs/errors.md documents every error code of the registry with its status', () => {
  const doc = fs.readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const codes = listErrorCodes();
  assert.ok(codes.length > 20);
  for (const { code, statusCode } of codes) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${statusCode} \\|`), `${code} is missing from docs/errors.md`);
  }
});
