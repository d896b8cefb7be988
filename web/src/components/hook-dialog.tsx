import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, enc } from '../lib/api.ts';
import {
  createBody,
  emptyForm,
  formFromHook,
  problemsOf,
  updateBody,
  type FormField,
  type FormProblems,
  type HookForm,
  type TextFormField,
} from '../lib/hook-form.ts';
import { HOOK_KINDS, kindLabel, type Catalog, type Hook, type Resource } from '../lib/hooks.ts';
import { EventFilterPicker } from './event-filter-picker.tsx';
import { HookKindIcon } from './hook-kind-icon.tsx';
import { HookSettingsFields, type TextBinding } from './hook-settings-fields.tsx';
import { Modal } from './modal.tsx';
import { ScopePicker } from './scope-picker.tsx';
import { StatusLine } from './status.tsx';
import { TextField } from './text-field.tsx';

/** Which field an API refusal is about, so the message also shows where the fix goes. */
function fieldOfRefusal(code: string, kind: string): FormField | null {
  switch (code) {
    case 'CLARION_ERR_HOOK_INVALID_URL':
    case 'CLARION_ERR_HOOK_FORBIDDEN_TARGET':
      return kind === 'hipchat' ? 'serverUrl' : 'url';
    case 'CLARION_ERR_HOOK_SERVER_UNREACHABLE':
      return 'serverUrl';
    case 'CLARION_ERR_HOOK_TOKEN_REJECTED':
      return 'token';
    case 'CLARION_ERR_HOOK_UNKNOWN_EVENT':
      return 'events';
    case 'CLARION_ERR_HOOK_UNKNOWN_APPLICATION':
    case 'CLARION_ERR_HOOK_UNKNOWN_ADDON':
      return 'scope';
    default:
      return null;
  }
}

/** The refusal as the form says it (some of the API's messages already start by saying so). */
function notSaved(message: string): string {
  return /^the hook was not saved/i.test(message) ? message : `Not saved: ${message}`;
}

/**
 * Creates a hook of any kind, or edits one (its kind then stays: the API cannot change it). Each
 * field says what is wrong as soon as it is typed in; saving shows every problem, and a refusal
 * of the API shows its message in the form, which stays open with what was typed.
 */
export function HookDialog({
  org,
  hook,
  catalog,
  applications,
  addons,
  onSaved,
  onClose,
}: {
  org: string;
  /** The hook to edit; absent to create one. */
  hook?: Hook | undefined;
  catalog: Catalog;
  applications: readonly Resource[];
  addons: readonly Resource[];
  onSaved: (hook: Hook, created: boolean) => void;
  onClose: () => void;
}) {
  const editing = hook !== undefined;
  const [form, setForm] = useState<HookForm>(() => (hook ? formFromHook(hook) : emptyForm('webhook')));
  const [touched, setTouched] = useState<ReadonlySet<FormField>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<{ message: string; field: FormField | null } | null>(null);
  const [focusRequest, setFocusRequest] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);

  const problems: FormProblems = problemsOf(form, editing);
  const touch = (field: FormField) => setTouched((before) => new Set(before).add(field));
  const shown = (field: FormField): string | null => {
    if (refusal?.field === field) return refusal.message;
    return submitted || touched.has(field) ? (problems[field] ?? null) : null;
  };
  const update = (change: Partial<HookForm>, field?: FormField) => {
    setForm((before) => ({ ...before, ...change }));
    if (field !== undefined) touch(field);
    // What the API refused was the old value: the member is fixing it.
    if (refusal !== null && (field === undefined || refusal.field === field)) setRefusal(null);
  };
  const text = (field: TextFormField): TextBinding => ({
    value: form[field],
    error: shown(field),
    onInput: (value) => update({ [field]: value }, field),
    onBlur: () => touch(field),
  });

  // After a refused save, take the member to the first field to fix.
  useEffect(() => {
    if (focusRequest === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"], fieldset[aria-describedby] input')?.focus();
  }, [focusRequest]);

  const save = async (event: Event) => {
    event.preventDefault();
    setSubmitted(true);
    if (Object.keys(problems).length > 0) {
      setFocusRequest((n) => n + 1);
      return;
    }
    setSaving(true);
    setRefusal(null);
    try {
      const base = `/v1/organizations/${enc(org)}/hooks`;
      const answer = hook
        ? await api<Hook>('PATCH', `${base}/${enc(hook.id)}`, updateBody(form, hook))
        : await api<Hook>('POST', base, createBody(form));
      onSaved(answer, !editing);
    } catch (error) {
      const message = (error as Error).message;
      setRefusal({ message, field: error instanceof ApiError ? fieldOfRefusal(error.code, form.kind) : null });
      setFocusRequest((n) => n + 1);
    } finally {
      setSaving(false);
    }
  };

  const kindInfo = HOOK_KINDS.find((k) => k.id === form.kind)!;
  return (
    <Modal title={editing ? `Edit hook “${hook.name}”` : 'New hook'} onClose={onClose} wide>
      <form ref={formRef} class="hook-form" noValidate onSubmit={(event) => void save(event)}>
        {editing ? (
          <p class="kind-fixed">
            <HookKindIcon kind={form.kind} /> {kindLabel(form.kind)}{' '}
            <span class="hint-inline">(a hook keeps its kind: delete it and create another to change it)</span>
          </p>
        ) : (
          <fieldset class="kind-picker">
            <legend>Kind</legend>
            {HOOK_KINDS.map((kind) => (
              <label key={kind.id} class={`kind-choice${form.kind === kind.id ? ' kind-chosen' : ''}`}>
                <input
                  type="radio"
                  name="kind"
                  value={kind.id}
                  checked={form.kind === kind.id}
                  onChange={() => update({ kind: kind.id })}
                />
                <HookKindIcon kind={kind.id} />
                <span>{kind.label}</span>
              </label>
            ))}
          </fieldset>
        )}
        <p class="hint">{kindInfo.blurb}</p>
        <TextField name="name" label="Name" {...text('name')} placeholder="e.g. Deploys to #ops" />
        <HookSettingsFields form={form} editing={editing} update={update} text={text} />
        <EventFilterPicker
          mode={form.eventsMode}
          chosen={form.events}
          types={catalog.data}
          groups={catalog.groups}
          error={shown('events')}
          onChange={(eventsMode, events) => update({ eventsMode, events }, 'events')}
        />
        <ScopePicker
          mode={form.scopeMode}
          applications={form.applications}
          addons={form.addons}
          allApplications={applications}
          allAddons={addons}
          error={shown('scope')}
          onChange={(scope) =>
            update({ scopeMode: scope.mode, applications: scope.applications, addons: scope.addons }, 'scope')
          }
        />
        <StatusLine message={refusal === null ? null : notSaved(refusal.message)} tone="error" />
        <div class="form-actions">
          <button type="submit" class="primary" disabled={saving}>
            {saving ? 'Saving…' : editing ? 'Save changes' : 'Create hook'}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
