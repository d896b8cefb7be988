import { useEffect, useRef, useState } from 'preact/hooks';
import { StatusLine } from './status.tsx';

/**
 * A webhook's new signing secret, shown once: the API answers it only when the hook is created
 * or its secret rotated, so the page holds it in memory until the member dismisses it (or
 * leaves), and never again.
 */
export function SecretNotice({
  hookName,
  secret,
  rotatedUntil,
  onDismiss,
}: {
  hookName: string;
  secret: string;
  /** After a rotation: until when the previous secret keeps signing (null: it stopped at once). */
  rotatedUntil?: string | null | undefined;
  onDismiss: () => void;
}) {
  const [copied, setCopied] = useState<{ message: string; tone: 'ok' | 'error' } | null>(null);
  const ref = useRef<HTMLElement>(null);
  const valueRef = useRef<HTMLElement>(null);
  // The member's next step is here: take focus (and the screen reader) to it when it appears.
  useEffect(() => ref.current?.focus(), [secret]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied({ message: 'Copied to the clipboard.', tone: 'ok' });
    } catch {
      // No clipboard (permission refused, insecure context): let the member copy it by hand.
      if (valueRef.current) window.getSelection()?.selectAllChildren(valueRef.current);
      setCopied({
        message: 'The browser refused to copy: the secret is selected, copy it with Ctrl+C.',
        tone: 'error',
      });
    }
  };
  return (
    <section ref={ref} tabIndex={-1} class="secret-notice" aria-labelledby="secret-notice-title">
      <h2 id="secret-notice-title">Signing secret of “{hookName}”</h2>
      <p>
        <strong>Copy it now: you will not see it again.</strong> Your receiver checks the <code>webhook-signature</code>{' '}
        header of each request with it (Standard Webhooks). If you lose it, rotate the secret to get a new one.
      </p>
      {rotatedUntil !== undefined && (
        <p>
          {rotatedUntil === null
            ? 'The previous secret stopped signing at once.'
            : `Until ${new Date(rotatedUntil).toLocaleString()}, each request is signed with both the previous secret and this one, so your receiver keeps verifying while you switch it to this one.`}
        </p>
      )}
      <div class="secret-row">
        <code ref={valueRef} class="secret-value">
          {secret}
        </code>
        <button type="button" class="primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" onClick={onDismiss}>
          I saved it
        </button>
      </div>
      <StatusLine message={copied?.message ?? null} tone={copied?.tone ?? 'ok'} />
    </section>
  );
}
