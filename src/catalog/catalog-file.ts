import fs from 'node:fs';
import Value from 'typebox/value';
import { ConfigError } from '../config.ts';
import { ClarionError } from '../errors.ts';
import type { CatalogEditor } from './catalog-editor.ts';
import { CatalogFileContent } from './catalog-schema.ts';

/**
 * Reads and checks the catalog file (CLARION_CATALOG_FILE). Throws a ConfigError naming the
 * file and the first problems found, so the start stops before the API serves.
 */
export function readCatalogFile(file: string): CatalogFileContent {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Catalog file ${file} cannot be read: ${(error as Error).message}`);
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Catalog file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Value.Check(CatalogFileContent, content)) {
    const problems = [...Value.Errors(CatalogFileContent, content)]
      // The boolean-schema echo of `additionalProperties: false` repeats the line after it.
      .filter((error) => error.keyword !== 'boolean')
      .map((error) => `${error.instancePath || '(top level)'} ${error.message}`)
      .filter((line, index, lines) => lines.indexOf(line) === index)
      .slice(0, 5);
    throw new ConfigError(`Catalog file ${file} is not a valid catalog: ${problems.join('; ')}`);
  }
  for (const [list, entries] of [
    ['groups', content.groups ?? []],
    ['event_types', content.event_types ?? []],
  ] as const) {
    const names = entries.map((entry) => entry.name);
    const twice = names.find((name, index) => names.indexOf(name) !== index);
    if (twice !== undefined) throw new ConfigError(`Catalog file ${file} lists "${twice}" twice in ${list}`);
  }
  return content;
}

/** Applies the file's entries to the store (upsert); a refused entry stops the start. */
export async function applyCatalogFile(file: string, editor: CatalogEditor): Promise<void> {
  const content = readCatalogFile(file);
  try {
    await editor.applyFile(content);
  } catch (error) {
    if (error instanceof ClarionError) throw new ConfigError(`Catalog file ${file}: ${error.message}`);
    throw error;
  }
}
