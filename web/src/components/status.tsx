import type { ComponentChildren } from 'preact';

/** Where a page says what it just did or what went wrong; screen readers hear it (aria-live). */
export function StatusLine({ message, tone }: { message: string | null; tone: 'ok' | 'error' }) {
  return (
    <p class={`status status-${tone}`} role={tone === 'error' ? 'alert' : 'status'} aria-live="polite">
      {message ?? ''}
    </p>
  );
}

/** The loading and error states every page shares while its data is not there yet. */
export function Loading({ error, children }: { error: string | null; children?: ComponentChildren }) {
  if (error !== null) {
    return (
      <p class="page-error" role="alert">
        {error}
      </p>
    );
  }
  return <p class="loading">{children ?? 'Loading…'}</p>;
}
