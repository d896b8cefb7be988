import { channelEventOf } from '../delivery/channel-message.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { EventType } from '../catalog/event-type.ts';
import { webPushNotification } from '../channels/web-push/web-push-format.ts';
import type { InboxRow } from '../store/inbox-repository.ts';

/** What a browser notification of an inbox item shows: the `notification` of items and stream messages. */
export interface InboxNotification {
  readonly title: string;
  readonly body: string;
  readonly tag: string;
}

/**
 * The title, body and tag the `browser` channel's push payload carries for the same event,
 * rendered by the same function (webPushNotification): a page showing the item from its inbox
 * stream and the service worker showing the push leave one notification, worded the same.
 */
export function inboxNotification(row: InboxRow, catalog: Catalog): InboxNotification {
  const { title, body, tag } = webPushNotification({
    event: channelEventOf(row),
    eventType: catalog.type(row.type) ?? removedType(row.type),
    organization: { id: row.organization_id, name: row.organization_name },
    // The worker names a deleted application by its id too (delivery/channel-message.ts).
    application:
      row.application_id === null ? null : { id: row.application_id, name: row.application_name ?? row.application_id },
  });
  return { title, body, tag };
}

/** A type the operator removed from the catalog since the event was stored: its name is all there is. */
function removedType(name: string): EventType {
  return {
    name,
    description: name,
    scopes: [],
    groups: [],
    defaultChannels: { email: false, browser: false, ios: false },
    severity: 'info',
    builtin: false,
  };
}
