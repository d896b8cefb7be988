import type { EventGroup, EventScope, EventType, Severity } from './event-type.ts';

/** Groups of the built-in catalog (product.md section 2). */
export const BUILTIN_GROUPS: readonly EventGroup[] = [
  { name: 'deployment', description: 'Deployments, redeployments and their hooks' },
  { name: 'deployment-results', description: 'Result of deployments (success/fail)' },
  { name: 'server', description: 'Server heartbeat' },
  { name: 'job', description: 'Scheduled jobs' },
  { name: 'process', description: 'Processes and containers' },
  { name: 'security', description: 'Access to the account' },
  { name: 'backup', description: 'Backups' },
  { name: 'billing', description: 'Payments, invoices and credits' },
  { name: 'notifications', description: "Clarion's own notices about its targets" },
];

const ACCOUNT: readonly EventScope[] = ['account'];
const APPLICATION: readonly EventScope[] = ['application'];
const BOTH: readonly EventScope[] = ['account', 'application'];
const DEPLOY_RESULT = ['deployment', 'deployment-results'];

interface Entry {
  name: string;
  description: string;
  scopes: readonly EventScope[];
  groups: readonly string[];
  severity: Severity;
  emailByDefault?: false;
  pairedWith?: string;
}

// The seeds' event types spelled as the pages spell them, plus the canonical names product.md
// gives to events the pages name only in prose. `account.provision.ok.` (trailing dot) is a typo
// on one page; the catalog keeps the correct spelling only.
const ENTRIES: readonly Entry[] = [
  {
    name: 'account.provision.ok',
    description: 'Account provisioned successfully',
    scopes: ACCOUNT,
    groups: DEPLOY_RESULT,
    severity: 'ok',
  },
  {
    name: 'account.provision.fail',
    description: 'Account provision failed',
    scopes: ACCOUNT,
    groups: DEPLOY_RESULT,
    severity: 'fail',
  },
  {
    name: 'account.redeploy.ok',
    description: 'Account redeployed successfully',
    scopes: ACCOUNT,
    groups: DEPLOY_RESULT,
    severity: 'ok',
  },
  {
    name: 'account.redeploy.fail',
    description: 'Account redeploy failed',
    scopes: ACCOUNT,
    groups: DEPLOY_RESULT,
    severity: 'fail',
  },
  {
    name: 'account.redeploy.hook.fail',
    description: 'Account redeployment hook failed',
    scopes: ACCOUNT,
    groups: ['deployment'],
    severity: 'fail',
  },
  {
    name: 'account.deploy.started',
    description: 'Account deployment started',
    scopes: ACCOUNT,
    groups: ['deployment'],
    severity: 'info',
  },
  {
    name: 'stack.provision.ok',
    description: 'Application provisioned successfully',
    scopes: APPLICATION,
    groups: DEPLOY_RESULT,
    severity: 'ok',
  },
  {
    name: 'stack.provision.fail',
    description: 'Application provision failed',
    scopes: APPLICATION,
    groups: DEPLOY_RESULT,
    severity: 'fail',
  },
  {
    name: 'stack.redeploy.ok',
    description: 'Application redeployed successfully',
    scopes: APPLICATION,
    groups: DEPLOY_RESULT,
    severity: 'ok',
  },
  {
    name: 'stack.redeploy.fail',
    description: 'Application redeploy failed',
    scopes: APPLICATION,
    groups: DEPLOY_RESULT,
    severity: 'fail',
  },
  {
    name: 'stack.redeploy.hook.fail',
    description: 'Application redeployment hook failed',
    scopes: APPLICATION,
    groups: ['deployment'],
    severity: 'fail',
  },
  {
    name: 'stack.deploy.started',
    description: 'Application deployment started',
    scopes: APPLICATION,
    groups: ['deployment'],
    severity: 'info',
    emailByDefault: false,
  },
  {
    name: 'server.stopped',
    description: 'Server heartbeat stopped',
    scopes: BOTH,
    groups: ['server'],
    severity: 'fail',
    pairedWith: 'server.backon',
  },
  {
    name: 'server.backon',
    description: 'Server heartbeat restored',
    scopes: BOTH,
    groups: ['server'],
    severity: 'ok',
    pairedWith: 'server.stopped',
  },
  {
    name: 'job.fail',
    description: 'Job run failed',
    scopes: BOTH,
    groups: ['job'],
    severity: 'fail',
    pairedWith: 'job.backon',
  },
  {
    name: 'job.backon',
    description: 'Job run succeeded (after fail)',
    scopes: BOTH,
    groups: ['job'],
    severity: 'ok',
    pairedWith: 'job.fail',
  },
  { name: 'process.down', description: 'Process is down', scopes: BOTH, groups: ['process'], severity: 'fail' },
  {
    name: 'container.down',
    description: 'Container is down',
    scopes: APPLICATION,
    groups: ['process'],
    severity: 'fail',
  },
  {
    name: 'app.auth',
    description: 'App authorized to access the account',
    scopes: BOTH,
    groups: ['security'],
    severity: 'warning',
  },
  {
    name: 'app.deauth',
    description: 'App deauthorized from accessing the account',
    scopes: BOTH,
    groups: ['security'],
    severity: 'info',
  },
  {
    name: 'stack.backup.fail',
    description: 'Backup failed',
    scopes: APPLICATION,
    groups: ['backup'],
    severity: 'fail',
  },
  {
    name: 'account.payment.fail',
    description: 'Payment failed',
    scopes: ACCOUNT,
    groups: ['billing'],
    severity: 'fail',
  },
  {
    name: 'account.invoice.issued',
    description: 'Invoice issued',
    scopes: ACCOUNT,
    groups: ['billing'],
    severity: 'info',
  },
  {
    name: 'account.credits.low',
    description: 'Credits are running low',
    scopes: ACCOUNT,
    groups: ['billing'],
    severity: 'warning',
  },
  {
    name: 'account.suspended',
    description: 'Account suspended',
    scopes: ACCOUNT,
    groups: ['billing', 'security'],
    severity: 'fail',
    emailByDefault: false,
  },
  {
    name: 'notification.target.disabled',
    description: 'A notification target was disabled',
    scopes: BOTH,
    groups: ['notifications'],
    severity: 'warning',
  },
];

export const BUILTIN_EVENT_TYPES: readonly EventType[] = ENTRIES.map((entry) => ({
  name: entry.name,
  description: entry.description,
  scopes: entry.scopes,
  groups: entry.groups,
  severity: entry.severity,
  defaultChannels: { email: entry.emailByDefault ?? true, browser: false, ios: false },
  ...(entry.pairedWith ? { pairedWith: entry.pairedWith } : {}),
  builtin: true,
}));
