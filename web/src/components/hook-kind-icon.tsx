// One icon per kind of hook, like the seeds' integration icons (inline SVG: nothing is loaded
// from elsewhere). A kind without its own icon gets a plain dot.
const PATHS: Record<string, string> = {
  webhook: 'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1 M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1',
  email: 'M3 6h18v12H3z M3 6l9 7 9-7',
  slack: 'M9.5 3 7.5 21 M16.5 3l-2 18 M4 8.5h17 M3 15.5h17',
  hipchat: 'M4 5h16v11H10l-5 4v-4H4z M8 10.5h8',
  flowdock: 'M3 8c3-3 6 3 9 0s6 3 9 0 M3 13c3-3 6 3 9 0s6 3 9 0 M3 18c3-3 6 3 9 0s6 3 9 0',
};
const OTHER = 'M12 8a4 4 0 1 0 0 8 4 4 0 1 0 0-8z';

export function HookKindIcon({ kind }: { kind: string }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={PATHS[kind] ?? OTHER} />
    </svg>
  );
}
