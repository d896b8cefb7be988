/** Where an event type can occur: on the organization (account) or on one application. */
export type EventScope = 'account' | 'application';

/** The personal channels a member can switch on or off per event type. */
export const PERSONAL_CHANNELS = ['email', 'browser', 'ios'] as const;
export type PersonalChannel = (typeof PERSONAL_CHANNELS)[number];

/** How a message about this event should look: green, red, amber or neutral. */
export type Severity = 'ok' | 'fail' | 'warning' | 'info';

export interface EventType {
  /** Spelled exactly as the platform sends it (`stack.redeploy.fail`). */
  readonly name: string;
  /** One line for people, e.g. "Stack redeploy failed". */
  readonly description: string;
  readonly scopes: readonly EventScope[];
  readonly groups: readonly string[];
  /** Catalog defaults of the personal channels; a member's untouched cell takes these. */
  readonly defaultChannels: Readonly<Record<PersonalChannel, boolean>>;
  /** The type that resolves this one (`job.fail` is resolved by `job.backon`), both ways. */
  readonly pairedWith?: string;
  readonly severity: Severity;
  /** True for the types shipped with Clarion; operator-defined types are false. */
  readonly builtin: boolean;
}

/** An event type as the operator defines it; whether it is built in follows from its name. */
export type EventTypeDefinition = Omit<EventType, 'builtin'>;

export interface EventGroup {
  readonly name: string;
  readonly description: string;
}
