import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message as the receiver got it. */
export interface ReceivedMail {
  /** Envelope sender (MAIL FROM), '' for a null sender. */
  readonly from: string;
  /** Envelope recipients (RCPT TO) that were accepted. */
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  /** '' when the message has no HTML part. */
  readonly html: string;
  /** With its angle brackets, as in the header. */
  readonly messageId: string;
  /** mailparser's parsed headers, keyed by lower-case name. */
  readonly headers: Map<string, unknown>;
  /** The message exactly as received after DATA. */
  readonly raw: string;
}

export interface SmtpReceiver {
  /** `smtp://127.0.0.1:<port>`; add credentials yourself when the test needs them. */
  readonly url: string;
  /** Every message accepted so far, in arrival order. */
  readonly messages: ReceivedMail[];
  /** SMTP connections clients opened so far (a pooled client reuses them). */
  readonly connectionsOpened: number;
  /** SMTP connections open now. */
  readonly connectionsOpen: number;
  /** Resolves once no client connection is open; rejects after `timeoutMs` (default 5000). */
  waitForNoConnection(timeoutMs?: number): Promise<void>;
  /** Resolves once `count` messages have arrived; rejects after `timeoutMs` (default 5000). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Stops listening and drops open connections (a client's pool may keep some). */
  close(): Promise<void>;
}

export interface SmtpReceiverOptions {
  /** Called for each RCPT TO; a returned reply rejects that recipient (4xx or 5xx). */
  readonly rejectRecipient?: (address: string) => { code: number; message: string } | undefined;
  /** When set, AUTH is required and only these credentials pass (535 otherwise). */
  readonly requireAuth?: { readonly user: string; readonly pass: string };
}

/**
 * A real SMTP server on 127.0.0.1 (a free port) for tests: plain text, no STARTTLS, AUTH PLAIN
 * and LOGIN allowed without TLS. Any credentials are accepted unless `requireAuth` is given. A
 * message is parsed before the server answers DATA, so it is in `messages` by the time the
 * client's send resolves.
 */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const { rejectRecipient, requireAuth } = options;
  let connectionsOpened = 0;
  let connectionsOpen = 0;
  const closeWaiters = new Set<() => void>();

  const server = new SMTPServer({
    secure: false,
    authOptional: requireAuth === undefined,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    disabledCommands: ['STARTTLS'],
    size: 10 * 1024 * 1024,
    logger: false,
    // Tests close the receiver while a client's pool still holds connections; don't wait 30 s.
    closeTimeout: 200,
    onConnect(_session, callback) {
      connectionsOpened++;
      connectionsOpen++;
      callback();
    },
    onClose() {
      connectionsOpen--;
      for (const wake of closeWaiters) wake();
    },
    onAuth(auth, _session, callback) {
      if (requireAuth && (auth.username !== requireAuth.user || auth.password !== requireAuth.pass)) {
        callback(smtpError(535, 'Authentication credentials invalid'));
        return;
      }
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onRcptTo(address, _session, callback) {
      const rejection = rejectRecipient?.(address.address);
      callback(rejection ? smtpError(rejection.code, rejection.message) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(smtpError(552, 'Message too big'));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            const mailFrom = session.envelope.mailFrom;
            messages.push({
              from: mailFrom ? mailFrom.address : '',
              to: session.envelope.rcptTo.map((recipient) => recipient.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: parsed.html || '',
              messageId: parsed.messageId ?? '',
              headers: parsed.headers,
              raw,
            });
            for (const wake of waiters) wake();
            callback(null, `Queued as ${messages.length}`);
          },
          (error: unknown) => callback(smtpError(451, `Could not parse the message: ${String(error)}`)),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client dropping its connection is an 'error' on the server; without a listener it would
  // end the test process.
  server.on('error', () => {});
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get connectionsOpened() {
      return connectionsOpened;
    },
    get connectionsOpen() {
      return connectionsOpen;
    },
    waitForNoConnection(timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const wake = (): void => {
          if (connectionsOpen > 0) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${connectionsOpen} SMTP connection(s) still open after ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          closeWaiters.delete(wake);
        };
        closeWaiters.add(wake);
        wake();
      });
    },
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (messages.length < count) return false;
          done();
          resolve(messages.slice(0, count));
          return true;
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`expected ${count} message(s) within ${timeoutMs} ms, received ${messages.length}`));
        }, timeoutMs);
        const wake = (): void => void check();
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
        check();
      });
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}
