/** The personal channels of the matrix, in column order, with what a member reads for each. */
export const PERSONAL_CHANNELS = [
  { id: 'email', label: 'E-mail' },
  { id: 'browser', label: 'Browser' },
  { id: 'ios', label: 'iOS' },
] as const;

export type PersonalChannel = (typeof PERSONAL_CHANNELS)[number]['id'];

const PATHS: Record<PersonalChannel, string> = {
  email: 'M3 6h18v12H3z M3 6l9 7 9-7',
  browser: 'M6 16V11a6 6 0 0 1 12 0v5l2 2H4z M10 20a2 2 0 0 0 4 0',
  ios: 'M8 2h8a1 1 0 0 1 1 1v18a1 1 0 0 1-1 1H8a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1z M11 19h2',
};

/** A channel's icon (inline SVG: the page loads nothing from elsewhere). */
export function ChannelIcon({ channel }: { channel: PersonalChannel }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={PATHS[channel]} />
    </svg>
  );
}
