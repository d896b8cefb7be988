import { useState } from 'preact/hooks';
import { api, enc } from '../lib/api.ts';
import { describeCell, explicitCells, matrixBody, type ExplicitCell } from '../lib/application-cells.ts';
import type { Application } from '../lib/applications.ts';
import type { Matrix } from './preference-matrix.tsx';
import { StatusLine } from './status.tsx';

/** What the last copy did, to show under the form. */
interface CopyResult {
  readonly cells: ExplicitCell[];
  readonly copiedTo: Application[];
  readonly failed: { application: Application; message: string }[];
}

/**
 * "Copy settings to other applications": the member's cells set for this application become
 * exactly the chosen applications' own (`PUT` of each target's whole application matrix, which
 * also clears what a target had set that this one has not). Account settings are untouched.
 */
export function CopyToApplications({
  org,
  member,
  source,
  applications,
  matrix,
}: {
  org: string;
  member: string;
  source: Application;
  /** Every application of the organization; the source is left out of the choices. */
  applications: Application[];
  matrix: Matrix;
}) {
  const targets = applications.filter((app) => app.id !== source.id);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CopyResult | null>(null);
  const cells = explicitCells(matrix);

  const toggle = (id: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    setChosen(next);
  };

  const copy = async () => {
    setBusy(true);
    const body = matrixBody(cells);
    const copiedTo: Application[] = [];
    const failed: CopyResult['failed'] = [];
    // One application after the other: each PUT is its own transaction, and a failure names its target.
    for (const target of targets.filter((app) => chosen.has(app.id))) {
      try {
        await api(
          'PUT',
          `/v1/organizations/${enc(org)}/members/${enc(member)}/applications/${enc(target.id)}/preferences`,
          body,
        );
        copiedTo.push(target);
      } catch (error) {
        failed.push({ application: target, message: (error as Error).message });
      }
    }
    setResult({ cells, copiedTo, failed });
    setChosen(new Set());
    setBusy(false);
  };

  if (targets.length === 0) {
    return (
      <section class="tool copy-settings" aria-labelledby="copy-title">
        <h2 id="copy-title">Copy settings to other applications</h2>
        <p class="hint">This organization has no other application to copy these settings to.</p>
      </section>
    );
  }

  const what =
    cells.length === 0
      ? 'No setting overrides the account here: copying makes the chosen applications follow the account entirely.'
      : `Copies the ${cells.length} ${cells.length === 1 ? 'setting' : 'settings'} set for ${source.name} (the overrides); the chosen applications' own settings are replaced by them, the rest follows the account.`;

  return (
    <section class="tool copy-settings" aria-labelledby="copy-title">
      <h2 id="copy-title">Copy settings to other applications</h2>
      <p class="hint" id="copy-what">
        {what}
      </p>
      <fieldset>
        <legend>Copy to</legend>
        {targets.map((app) => (
          <label key={app.id} class="check">
            <input
              type="checkbox"
              name="copy-target"
              value={app.id}
              checked={chosen.has(app.id)}
              onChange={(event) => toggle(app.id, (event.target as HTMLInputElement).checked)}
            />{' '}
            {app.name}
          </label>
        ))}
      </fieldset>
      <button
        type="button"
        class="primary"
        disabled={busy || chosen.size === 0}
        aria-describedby="copy-what"
        onClick={() => void copy()}
      >
        {chosen.size === 0
          ? 'Choose applications to copy to'
          : `Copy to ${chosen.size} ${chosen.size === 1 ? 'application' : 'applications'}`}
      </button>
      <StatusLine
        message={result === null ? null : summary(result)}
        tone={result !== null && result.failed.length > 0 ? 'error' : 'ok'}
      />
      {result !== null && result.copiedTo.length > 0 && result.cells.length > 0 && (
        <div class="copied">
          <p id="copied-title">What was copied:</p>
          <ul class="cell-list" aria-labelledby="copied-title">
            {result.cells.map((cell) => (
              <li key={`${cell.eventType}/${cell.channel}`}>{describeCell(cell)}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function summary(result: CopyResult): string {
  const names = (apps: Application[]) => apps.map((app) => app.name).join(', ');
  const parts: string[] = [];
  if (result.copiedTo.length > 0) {
    parts.push(
      result.cells.length === 0
        ? `Copied: ${names(result.copiedTo)} now follow the account entirely.`
        : `Copied ${result.cells.length} ${result.cells.length === 1 ? 'setting' : 'settings'} to ${names(result.copiedTo)}.`,
    );
  }
  for (const failure of result.failed) parts.push(`Not copied to ${failure.application.name}: ${failure.message}`);
  return parts.join(' ');
}
