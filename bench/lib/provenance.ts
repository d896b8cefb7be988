import { execFileSync } from 'node:child_process';
import { ROOT } from './children.ts';

/** Which Clarion was measured: the commit, and the files of src/ that differ from it. */
export interface Provenance {
  readonly commit: string;
  readonly modified: readonly string[];
}

export function provenance(): Provenance {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    } catch {
      return '';
    }
  };
  return {
    commit: git('rev-parse', '--short', 'HEAD').trim() || 'unknown',
    // src/ changes while a run is in progress show up here when they were there at the start.
    // Not trimmed: each porcelain line starts with a two-letter status, maybe a space.
    modified: git('status', '--porcelain', '--', 'src', 'package.json')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.slice(3)),
  };
}
