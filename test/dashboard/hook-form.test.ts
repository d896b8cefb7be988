// The hook form's rules without a browser: what it refuses as the member types, and the request
// bodies it sends (only changed settings on edit, hidden secrets kept, emptied overrides removed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createBody,
  emptyForm,
  formFromHook,
  problemsOf,
  updateBody,
  urlProblem,
  urlWarning,
} from '../../web/src/lib/hook-form.ts';
import type { Hook } from '../../web/src/lib/hooks.ts';

const slackHook: Hook = {
  id: 'hook_1',
  organization: 'acme',
  name: 'Deploys',
  kind: 'slack',
  url: '[redacted]',
  channel: '#deploys',
  events: ['group:deployment-results'],
  applications: ['web'],
  addons: null,
  enabled: true,
  disabled_reason: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

describe('hook form', () => {
  it('says what is wrong with a URL: not a URL, another scheme, credentials; plain http only warns', () => {
    assert.match(urlProblem('not a url', true)!, /not a valid URL/);
    assert.match(urlProblem('ftp://x.test/', true)!, /must start with https:\/\//);
    assert.match(urlProblem('https://user:pw@x.test/', true)!, /user name and password/);
    assert.equal(urlProblem('', false), null);
    assert.equal(urlProblem('', true), 'Enter the URL.');
    assert.equal(urlProblem('https://x.test/hook', true), null);
    assert.equal(urlProblem('http://x.test/hook', true), null);
    assert.match(urlWarning('http://x.test/hook')!, /Plain http/);
    assert.equal(urlWarning('https://x.test/hook'), null);
  });

  it('requires the settings of each kind on creation, and lets hidden secrets stay empty on edit', () => {
    const flowdock = { ...emptyForm('flowdock'), name: 'Flow', eventsMode: 'all' as const };
    assert.deepEqual(Object.keys(problemsOf(flowdock, false)), ['flowToken']);
    assert.deepEqual(problemsOf(flowdock, true), {});
    const email = { ...emptyForm('email'), name: 'On-call', toMode: 'list' as const, toList: 'a@x.test, nope' };
    assert.match(problemsOf(email, false).toList!, /“nope” is not an e-mail address/);
    assert.match(problemsOf(emptyForm('webhook'), false).events!, /at least one event/);
    assert.match(problemsOf({ ...emptyForm('webhook'), scopeMode: 'some' }, false).scope!, /at least one application/);
  });

  it('creates with the settings of the chosen kind only', () => {
    const form = {
      ...emptyForm('hipchat'),
      name: ' Ops ',
      url: 'https://left.over/from-another-kind',
      token: 't0k',
      room: 'Ops',
      events: ['job.fail'],
    };
    assert.deepEqual(createBody(form), {
      kind: 'hipchat',
      name: 'Ops',
      events: ['job.fail'],
      applications: null,
      addons: null,
      api_version: 2,
      token: 't0k',
      room: 'Ops',
    });
  });

  it('edits with only what changed: the hidden URL kept, an emptied override removed', () => {
    const form = formFromHook(slackHook);
    assert.equal(form.url, '');
    assert.deepEqual(updateBody({ ...form, channel: '' }, slackHook), {
      kind: 'slack',
      name: 'Deploys',
      events: ['group:deployment-results'],
      channel: null,
    });
    assert.deepEqual(updateBody({ ...form, url: 'https://hooks.slack.test/new', scopeMode: 'all' }, slackHook), {
      kind: 'slack',
      name: 'Deploys',
      events: ['group:deployment-results'],
      applications: null,
      url: 'https://hooks.slack.test/new',
    });
  });
});
