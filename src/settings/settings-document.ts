import { Type, type Static } from 'typebox';
import { CreateHook } from '../hooks/hook-schemas.ts';

/**
 * An organization's or an application's settings as one JSON document ("settings as code"):
 * its hooks and its members' explicit preference cells. Secrets appear as `REDACTED`; on import,
 * a redacted value keeps the secret already stored for the hook of that name.
 */

/** Names the document's shape; a later incompatible shape gets a new value. */
export const SETTINGS_FORMAT = 'clarion.settings/v1';

/** What an export shows in place of a secret, and what an import reads as "keep the stored one". */
export const REDACTED = '[redacted]';

const Cells = Type.Object(
  { email: Type.Optional(Type.Boolean()), browser: Type.Optional(Type.Boolean()), ios: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, description: 'Explicit cells of one event type; a channel left out inherits' },
);
/** Explicit cells by event type name. */
const Rows = Type.Record(Type.String({ minLength: 1 }), Cells);

const OrganizationCells = Type.Object(
  {
    account: Type.Optional(Rows),
    applications: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Rows)),
  },
  { additionalProperties: false },
);

export const OrganizationSettings = Type.Object(
  {
    format: Type.Literal(SETTINGS_FORMAT),
    organization: Type.Optional(Type.String({ description: 'Where it was exported from (informative)' })),
    hooks: Type.Array(CreateHook, { maxItems: 1000, description: 'Every hook of the organization, by name' }),
    preferences: Type.Record(Type.String({ minLength: 1 }), OrganizationCells, {
      description: 'By user id: the explicit cells at the account level and per application',
    }),
  },
  { additionalProperties: false },
);
export type OrganizationSettings = Static<typeof OrganizationSettings>;

export const ApplicationSettings = Type.Object(
  {
    format: Type.Literal(SETTINGS_FORMAT),
    organization: Type.Optional(Type.String({ description: 'Where it was exported from (informative)' })),
    application: Type.Optional(Type.String({ description: 'Where it was exported from (informative)' })),
    hooks: Type.Array(CreateHook, {
      maxItems: 1000,
      description: 'The hooks scoped to this application alone, by name (without applications / addons)',
    }),
    preferences: Type.Record(Type.String({ minLength: 1 }), Rows, {
      description: "By user id: the explicit cells of this application's level",
    }),
  },
  { additionalProperties: false },
);
export type ApplicationSettings = Static<typeof ApplicationSettings>;

/** A hook as a document lists it: the creation body of its kind, plus `enabled`. */
export type HookEntry = Static<typeof CreateHook>;
export type CellRows = Static<typeof Rows>;
