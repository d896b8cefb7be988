/**
 * What each notification e-mail says, by event type: data, not code, so a new type is one entry.
 * `{subject}` in a summary stands for what the event is about: the application's name for an
 * application event, else the organization's. Types without an entry (operator-defined ones)
 * read from their catalog description; email-format.ts turns a template into the three parts.
 */
export interface EmailTemplate {
  /** The subject's words before ": <subject>", e.g. "Deployment failed". */
  readonly title: string;
  /** One sentence saying what happened. */
  readonly summary: string;
  /** What the reader may want to do about it; absent when there is nothing to do. */
  readonly next?: string;
}

const DEPLOY = {
  'provision.ok': { title: 'Provisioning succeeded', summary: '{subject} was provisioned successfully.' },
  'provision.fail': {
    title: 'Provisioning failed',
    summary: 'Provisioning {subject} failed.',
    next: 'The details below and the deployment log say why.',
  },
  'redeploy.ok': { title: 'Deployment succeeded', summary: '{subject} was redeployed successfully.' },
  'redeploy.fail': {
    title: 'Deployment failed',
    summary: 'Redeploying {subject} failed.',
    next: 'The details below and the deployment log say why.',
  },
  'redeploy.hook.fail': {
    title: 'Deployment hook failed',
    summary: 'A redeployment hook of {subject} failed, so the deployment it should have started did not run.',
    next: 'Check the hook and the service that calls it.',
  },
  'deploy.started': { title: 'Deployment started', summary: 'A deployment of {subject} started.' },
} as const satisfies Record<string, EmailTemplate>;

export const EMAIL_TEMPLATES: Readonly<Record<string, EmailTemplate>> = {
  ...Object.fromEntries(
    Object.entries(DEPLOY).flatMap(([suffix, template]) => [
      [`account.${suffix}`, template],
      [`stack.${suffix}`, template],
    ]),
  ),
  'server.stopped': {
    title: 'Server heartbeat stopped',
    summary: 'A server of {subject} stopped sending its heartbeat: it may be down or unreachable.',
    next: 'Check the server; a "heartbeat restored" notice follows when it is back.',
  },
  'server.backon': {
    title: 'Server back',
    summary: 'A server of {subject} is sending its heartbeat again.',
  },
  'job.fail': {
    title: 'Job failed',
    summary: 'A scheduled job of {subject} failed.',
    next: "Check the job's output; a notice follows when it succeeds again.",
  },
  'job.backon': { title: 'Job succeeded again', summary: 'A scheduled job of {subject} succeeded after failing.' },
  'process.down': { title: 'Process down', summary: 'A process of {subject} is down.' },
  'container.down': { title: 'Container down', summary: 'A container of {subject} is down.' },
  'app.auth': {
    title: 'App authorized',
    summary: 'An app was given access to {subject}.',
    next: 'If nobody in your team expected this, revoke the access at once.',
  },
  'app.deauth': { title: 'App access removed', summary: "An app's access to {subject} was removed." },
  'stack.backup.fail': {
    title: 'Backup failed',
    summary: 'A backup of {subject} failed.',
    next: 'Check the backup settings and storage, then run a backup again.',
  },
  'account.payment.fail': {
    title: 'Payment failed',
    summary: 'A payment for {subject} failed.',
    next: 'Update the payment method so the account is not suspended.',
  },
  'account.invoice.issued': { title: 'Invoice issued', summary: 'A new invoice was issued for {subject}.' },
  'account.credits.low': {
    title: 'Credits running low',
    summary: 'The credits of {subject} are running low.',
    next: 'Add credits before they run out.',
  },
  'account.suspended': {
    title: 'Account suspended',
    summary: '{subject} was suspended; its applications may be stopped.',
    next: 'Settle the billing issue to have the account reactivated.',
  },
  'notification.target.disabled': {
    title: 'Notification target disabled',
    summary: 'Clarion disabled a notification target of {subject}: its receiver no longer exists.',
    next: 'Fix the target and enable it again, or nobody is told of these events there.',
  },
};

/**
 * Fields of `data` that tell most about an event, shown first and under these labels when
 * present (the names Cloud 66 and Clever Cloud payloads use); other scalar fields follow.
 */
export const KEY_FIELDS: readonly (readonly [key: string, label: string])[] = [
  ['name', 'Name'],
  ['environment', 'Environment'],
  ['state', 'State'],
  ['status', 'Status'],
  ['health', 'Health'],
  ['cause', 'Cause'],
  ['reason', 'Reason'],
  ['error', 'Error'],
  ['message', 'Message'],
  ['action', 'Action'],
  ['commit', 'Commit'],
  ['git_branch', 'Branch'],
  ['branch', 'Branch'],
  ['revision', 'Revision'],
  ['version', 'Version'],
  ['server', 'Server'],
  ['new_ext_ipv4', 'New IP address'],
  ['fqdn', 'Domain'],
  ['amount', 'Amount'],
  ['currency', 'Currency'],
  ['invoice', 'Invoice'],
  ['credits', 'Credits'],
];

/** The template for an event type: its own entry, else one built from the catalog description. */
export function templateFor(typeName: string, description: string): EmailTemplate {
  return (
    EMAIL_TEMPLATES[typeName] ?? { title: description || typeName, summary: `${description || typeName}: {subject}.` }
  );
}
