import type { TestReport, TestSendResult } from '../lib/hooks.ts';

/** What the outcome means for the member, in the delivery log's words. */
const OUTCOMES: Record<TestReport['outcome'], string> = {
  sent: 'Delivered: the receiver accepted it.',
  retry: 'Not delivered: a temporary failure (a normal event would be retried).',
  failed: 'Not delivered: the receiver refused it.',
  gone: 'Not delivered: the receiver says this target is gone.',
};

function Report({ report }: { report: TestReport }) {
  return (
    <dl class="test-report">
      <dt>Outcome</dt>
      <dd class={`outcome outcome-${report.outcome}`}>
        <strong>{report.outcome}</strong> {OUTCOMES[report.outcome]}
      </dd>
      <dt>Status</dt>
      <dd class="test-status">{report.status_code ?? 'no answer'}</dd>
      <dt>Time</dt>
      <dd>{report.latency_ms} ms</dd>
      {report.response_excerpt !== null && report.response_excerpt !== '' && (
        <>
          <dt>Answer</dt>
          <dd>
            <pre class="test-excerpt">{report.response_excerpt}</pre>
          </dd>
        </>
      )}
      {report.error !== null && (
        <>
          <dt>Error</dt>
          <dd class="test-error">{report.error}</dd>
        </>
      )}
    </dl>
  );
}

/** "Send test event": what the hook's receiver answered, or why the test could not be sent. */
export function TestResult({
  state,
}: {
  state: { kind: 'sending' } | { kind: 'done'; result: TestSendResult } | { kind: 'refused'; message: string };
}) {
  return (
    <div class="test-result" role="status" aria-live="polite">
      {state.kind === 'sending' && (
        <p class="loading">Sending a test event and waiting for the answer (15 s at most)…</p>
      )}
      {state.kind === 'refused' && <p class="status-error">Test not sent: {state.message}</p>}
      {state.kind === 'done' && (
        <>
          <p>
            Test event <code>{state.result.event_type}</code> sent; it is in the delivery log.
          </p>
          {state.result.recipients === undefined ? (
            <Report report={state.result} />
          ) : (
            state.result.recipients.map((recipient) => (
              <div key={recipient.address}>
                <p class="subhead">To {recipient.address}</p>
                <Report report={recipient} />
              </div>
            ))
          )}
        </>
      )}
    </div>
  );
}
