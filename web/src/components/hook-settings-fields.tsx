import { useId } from 'preact/hooks';
import type { FormField, HookForm } from '../lib/hook-form.ts';
import { urlWarning } from '../lib/hook-form.ts';
import { HIPCHAT_DEFAULT_SERVER_URL, WEBHOOK_FORMATS, type WebhookFormat } from '../lib/hooks.ts';
import { TextField } from './text-field.tsx';

export interface FieldProps {
  form: HookForm;
  /** Editing an existing hook: its secret settings are hidden, and left empty they are kept. */
  editing: boolean;
  update: (change: Partial<HookForm>, field?: FormField) => void;
  /** The problem to show under a field now (null until the member typed in it or tried to save). */
  shown: (field: FormField) => string | null;
  touch: (field: FormField) => void;
}

const KEEP_SECRET = 'Leave empty to keep the current one (it is never shown again).';

/** The settings of the hook's kind: where it sends, and how. */
export function HookSettingsFields(props: FieldProps) {
  switch (props.form.kind) {
    case 'webhook':
      return <WebhookFields {...props} />;
    case 'email':
      return <EmailFields {...props} />;
    case 'slack':
      return <SlackFields {...props} />;
    case 'hipchat':
      return <HipchatFields {...props} />;
    case 'flowdock':
      return <FlowdockFields {...props} />;
  }
}

function WebhookFields({ form, update, shown, touch }: FieldProps) {
  const formatId = useId();
  return (
    <>
      <TextField
        name="url"
        label="Webhook URL"
        type="url"
        value={form.url}
        placeholder="https://example.com/clarion-events"
        hint="Clarion sends each event there in a POST request, signed with the hook's secret."
        error={shown('url')}
        warning={urlWarning(form.url)}
        onInput={(url) => update({ url }, 'url')}
        onBlur={() => touch('url')}
      />
      <div class="field">
        <label for={formatId}>Format</label>
        <select
          id={formatId}
          name="format"
          value={form.format}
          onChange={(event) => update({ format: event.currentTarget.value as WebhookFormat })}
        >
          {WEBHOOK_FORMATS.map((format) => (
            <option key={format.id} value={format.id}>
              {format.label}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}

function EmailFields({ form, update, shown, touch }: FieldProps) {
  const id = useId();
  const options = [
    { value: 'members', label: 'Every member', hint: 'by role: a finance member gets no deployment results' },
    { value: 'owners', label: 'The owners' },
    { value: 'list', label: 'These addresses' },
  ] as const;
  return (
    <>
      <fieldset class="recipients">
        <legend>Send to</legend>
        {options.map((option) => (
          <label class="choice" key={option.value}>
            <input
              type="radio"
              name={`${id}-to`}
              value={option.value}
              checked={form.toMode === option.value}
              onChange={() => update({ toMode: option.value })}
            />
            {option.label}
            {'hint' in option && <span class="hint">{option.hint}</span>}
          </label>
        ))}
      </fieldset>
      {form.toMode === 'list' && (
        <TextField
          name="to"
          label="E-mail addresses"
          multiline
          value={form.toList}
          placeholder="oncall@example.com, ops@example.com"
          hint="Separate them with commas or new lines. Each gets one e-mail per event."
          error={shown('toList')}
          onInput={(toList) => update({ toList }, 'toList')}
          onBlur={() => touch('toList')}
        />
      )}
    </>
  );
}

function SlackFields({ form, editing, update, shown, touch }: FieldProps) {
  return (
    <>
      <TextField
        name="url"
        label="Incoming webhook URL"
        type="url"
        value={form.url}
        placeholder={editing ? 'Unchanged (hidden)' : 'https://hooks.slack.com/services/…'}
        hint={
          editing
            ? KEEP_SECRET
            : 'In Slack, add an “Incoming WebHooks” configuration for the channel and paste its URL (it starts with https://hooks.slack.com/services/).'
        }
        error={shown('url')}
        warning={urlWarning(form.url)}
        onInput={(url) => update({ url }, 'url')}
        onBlur={() => touch('url')}
      />
      <TextField
        name="channel"
        label="Channel (optional)"
        value={form.channel}
        placeholder="#deploys"
        hint="Overrides the channel the incoming webhook posts to."
        error={shown('channel')}
        onInput={(channel) => update({ channel }, 'channel')}
      />
      <TextField
        name="username"
        label="Post as (optional)"
        value={form.username}
        placeholder="Clarion"
        error={shown('username')}
        onInput={(username) => update({ username }, 'username')}
      />
    </>
  );
}

function HipchatFields({ form, editing, update, shown, touch }: FieldProps) {
  const versionId = useId();
  return (
    <>
      <TextField
        name="server_url"
        label="Hipchat server (optional)"
        type="url"
        value={form.serverUrl}
        placeholder={HIPCHAT_DEFAULT_SERVER_URL}
        hint="Leave empty for Hipchat Cloud; a self-hosted Hipchat Server has its own URL."
        error={shown('serverUrl')}
        warning={urlWarning(form.serverUrl)}
        onInput={(serverUrl) => update({ serverUrl }, 'serverUrl')}
        onBlur={() => touch('serverUrl')}
      />
      <div class="field">
        <label for={versionId}>API version</label>
        <select
          id={versionId}
          name="api_version"
          value={String(form.apiVersion)}
          onChange={(event) => update({ apiVersion: event.currentTarget.value === '1' ? 1 : 2 })}
        >
          <option value="2">v2 (room notification token)</option>
          <option value="1">v1 (admin or notification token, older servers)</option>
        </select>
      </div>
      <TextField
        name="token"
        label="API token"
        type="password"
        value={form.token}
        placeholder={editing ? 'Unchanged (hidden)' : ''}
        hint={
          editing
            ? KEEP_SECRET
            : 'In Hipchat: Account settings → API access. Clarion checks it with the server on save.'
        }
        error={shown('token')}
        onInput={(token) => update({ token }, 'token')}
        onBlur={() => touch('token')}
      />
      <TextField
        name="room"
        label="Room"
        value={form.room}
        placeholder="Ops"
        hint="The room's id or exact name."
        error={shown('room')}
        onInput={(room) => update({ room }, 'room')}
        onBlur={() => touch('room')}
      />
    </>
  );
}

function FlowdockFields({ form, editing, update, shown, touch }: FieldProps) {
  return (
    <TextField
      name="flow_token"
      label="Flow API token"
      type="password"
      value={form.flowToken}
      placeholder={editing ? 'Unchanged (hidden)' : ''}
      hint={editing ? KEEP_SECRET : "In Flowdock: the flow's settings → Integrations → API token."}
      error={shown('flowToken')}
      onInput={(flowToken) => update({ flowToken }, 'flowToken')}
      onBlur={() => touch('flowToken')}
    />
  );
}
