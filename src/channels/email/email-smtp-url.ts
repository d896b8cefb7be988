interface SmtpServer {
  host: string;
  port: number;
  secure: boolean;
  requireTLS?: boolean;
  ignoreTLS?: boolean;
  tls?: { rejectUnauthorized: boolean };
  auth?: { user: string; pass: string };
}

/** The transport options an SMTP URL stands for; throws without repeating the URL (it holds a password). */
export function parseSmtpUrl(smtpUrl: string): SmtpServer {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error('The SMTP URL is not a valid URL (expected smtp://user:pass@host:port).');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`The SMTP URL must start with smtp:// or smtps://, not ${url.protocol}//.`);
  }
  const secure = url.protocol === 'smtps:';
  // URL keeps an IPv6 host in brackets; sockets want it bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new Error('The SMTP URL has no host.');
  const server: SmtpServer = { host, port: url.port ? Number(url.port) : secure ? 465 : 587, secure };
  if (url.username !== '' || url.password !== '') {
    server.auth = { user: percentDecode(url.username), pass: percentDecode(url.password) };
  }
  for (const [key, value] of url.searchParams) {
    if (value !== 'true' && value !== 'false') {
      throw new Error(`The SMTP URL option ${key} must be true or false.`);
    }
    const flag = value === 'true';
    if (key === 'requireTLS') server.requireTLS = flag;
    else if (key === 'ignoreTLS') server.ignoreTLS = flag;
    else if (key === 'tls.rejectUnauthorized') server.tls = { rejectUnauthorized: flag };
    else
      throw new Error(
        `The SMTP URL has an unknown option ${key} (known: requireTLS, ignoreTLS, tls.rejectUnauthorized).`,
      );
  }
  return server;
}

function percentDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Removes the SMTP password from server replies, in the forms a confused server could echo:
 * as is, percent-encoded, base64, and inside an AUTH PLAIN blob. Passwords under 4 characters
 * are left alone: replacing them would shred reply codes and words, and leak nothing anyway.
 */
export function redactor(auth: { user: string; pass: string } | undefined): (text: string) => string {
  const pass = auth?.pass ?? '';
  if (auth === undefined || pass.length < 4) return (text) => text;
  const forms = [
    pass,
    encodeURIComponent(pass),
    Buffer.from(pass).toString('base64'),
    Buffer.from(`\u0000${auth.user}\u0000${pass}`).toString('base64'),
  ].sort((a, b) => b.length - a.length);
  return (text) => forms.reduce((result, form) => result.split(form).join('[redacted]'), text);
}
