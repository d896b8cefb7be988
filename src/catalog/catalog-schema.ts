import { Type, type Static } from 'typebox';
import type { StoredType, StoredTypeDefinition } from '../store/catalog-repository.ts';
import type { EventScope, EventTypeDefinition, Severity } from './event-type.ts';

/**
 * Names of event types and groups: lowercase letters, digits, `_` and `-`, in dot-separated
 * parts (`stack.redeploy.fail`, `deployment-results`).
 */
export const CatalogName = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[a-z0-9_-]+(\\.[a-z0-9_-]+)*$',
  description: 'Lowercase letters, digits, "_" and "-", in dot-separated parts',
});

const Scope = Type.Union([Type.Literal('account'), Type.Literal('application')]);
const SeverityLevel = Type.Union([
  Type.Literal('ok'),
  Type.Literal('fail'),
  Type.Literal('warning'),
  Type.Literal('info'),
]);

/**
 * A type's definition as the API (`PUT /v1/event-types/:name`) and the catalog file take it.
 * The optional fields, omitted, keep the type's current value (a new type takes the defaults).
 */
export const EventTypeBody = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 500 }),
    scopes: Type.Array(Scope, { minItems: 1, uniqueItems: true }),
    groups: Type.Array(CatalogName, { minItems: 1, uniqueItems: true }),
    default_channels: Type.Optional(
      Type.Object(
        {
          email: Type.Optional(Type.Boolean()),
          browser: Type.Optional(Type.Boolean()),
          ios: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false, description: 'Defaults: email on, browser and ios off' },
      ),
    ),
    paired_with: Type.Optional(
      Type.Union([CatalogName, Type.Null()], { description: 'The type that resolves this one; null unpairs' }),
    ),
    severity: Type.Optional(SeverityLevel),
  },
  { additionalProperties: false },
);
export type EventTypeBody = Static<typeof EventTypeBody>;

export const EventGroupBody = Type.Object(
  { description: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);
export type EventGroupBody = Static<typeof EventGroupBody>;

/** The file `CLARION_CATALOG_FILE` names (docs/catalog.md). */
export const CatalogFileContent = Type.Object(
  {
    groups: Type.Optional(
      Type.Array(Type.Object({ name: CatalogName, ...EventGroupBody.properties }, { additionalProperties: false })),
    ),
    event_types: Type.Optional(
      Type.Array(Type.Object({ name: CatalogName, ...EventTypeBody.properties }, { additionalProperties: false })),
    ),
  },
  { additionalProperties: false },
);
export type CatalogFileContent = Static<typeof CatalogFileContent>;

/** A new type's values for what its body leaves out. */
export const TYPE_DEFAULTS = {
  defaultChannels: { email: true, browser: false, ios: false },
  severity: 'info',
} as const;

export function toStoredType(type: EventTypeDefinition): StoredType {
  const definition: StoredTypeDefinition = {
    description: type.description,
    scopes: [...type.scopes],
    groups: [...type.groups],
    default_channels: {
      email: type.defaultChannels.email,
      browser: type.defaultChannels.browser,
      ios: type.defaultChannels.ios,
    },
    paired_with: type.pairedWith ?? null,
    severity: type.severity,
  };
  return { name: type.name, definition };
}

export function fromStoredType({ name, definition }: StoredType): EventTypeDefinition {
  return {
    name,
    description: definition.description,
    // Written by toStoredType from checked input.
    scopes: definition.scopes as EventScope[],
    groups: definition.groups,
    defaultChannels: { ...TYPE_DEFAULTS.defaultChannels, ...definition.default_channels },
    ...(definition.paired_with === null ? {} : { pairedWith: definition.paired_with }),
    severity: definition.severity as Severity,
  };
}
