import { useId } from 'preact/hooks';
import type { FormField, HookForm, TextFormField } from '../lib/hook-form.ts';
import { urlWarning } from '../lib/hook-form.ts';
import { HIPCHAT_DEFAULT_SERVER_URL, WEBHOOK_FORMATS, type WebhookFormat } from '../lib/hooks.ts';
import { TextField } from './text-field.tsx';

/** What a TextField needs to edit one text setting of the form. */
export interface TextBinding {
  value: string;
  /** The problem to show under the field now (null until the member typed in it or tried to save). */
  error: string | null;
  onInput: (value: string) => void;
  onBlur: () => void;
}

export interface FieldProps {
  form: HookForm;
  /** Editing an existing hook: its secret settings are hidden, and left empty they are kept. */
  editing: boolean;
  update: (change: Partial<HookForm>, field?: FormField) => void;
  /** The value, problem and handlers of a text setting, spread onto its TextField. */
  text: (field: TextFormField) => TextBinding;
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

function WebhookFields({ form, update, text }: FieldProps) {
  const formatId = useId();
  return (
    <>
      <TextField
        name="url"
        label="Webhook URL"
        type="url"
        {...text('url')}
        placeholder="https://example.com/clarion-events"
        hint="Clarion sends each event there in a POST request, signed with the hook's secret."
        warning={urlWarning(form.url)}
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

function EmailFields({ form, update, text }: FieldProps) {
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
          {...text('toList')}
          placeholder="oncall@example.com, ops@example.com"
          hint="Separate them with commas or new lines. Each gets one e-mail per event."
        />
      )}
    </>
  );
}

function SlackFields({ form, editing, text }: FieldProps) {
  return (
    <>
      <TextField
        name="url"
        label="Incoming webhook URL"
        type="url"
        {...text('url')}
        placeholder={editing ? 'Unchanged (hidden)' : 'https://hooks.slack.com/services/…'}
        hint={
          editing
            ? KEEP_SECRET
            : 'In Slack, add an “Incoming WebHooks” configuration for the channel and paste its URL (it starts with https://hooks.slack.com/services/).'
        }
        warning={urlWarning(form.url)}
      />
      <TextField
        name="channel"
        label="Channel (optional)"
        {...text('channel')}
        placeholder="#deploys"
        hint="Overrides the channel the incoming webhook posts to."
      />
      <TextField name="username" label="Post as (optional)" {...text('username')} placeholder="Clarion" />
    </>
  );
}

function HipchatFields({ form, editing, update, text }: FieldProps) {
  const versionId = useId();
  return (
    <>
      <TextField
        name="server_url"
        label="Hipchat server (optional)"
        type="url"
        {...text('serverUrl')}
        placeholder={HIPCHAT_DEFAULT_SERVER_URL}
        hint="Leave empty for Hipchat Cloud; a self-hosted Hipchat Server has its own URL."
        warning={urlWarning(form.serverUrl)}
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
        {...text('token')}
        placeholder={editing ? 'Unchanged (hidden)' : ''}
        hint={
          editing
            ? KEEP_SECRET
            : 'In Hipchat: Account settings → API access. Clarion checks it with the server on save.'
        }
      />
      <TextField name="room" label="Room" {...text('room')} placeholder="Ops" hint="The room's id or exact name." />
    </>
  );
}

function FlowdockFields({ editing, text }: FieldProps) {
  return (
    <TextField
      name="flow_token"
      label="Flow API token"
      type="password"
      {...text('flowToken')}
      placeholder={editing ? 'Unchanged (hidden)' : ''}
      hint={editing ? KEEP_SECRET : "In Flowdock: the flow's settings → Integrations → API token."}
    />
  );
}
