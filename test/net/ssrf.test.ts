// Every connection these tests make goes to 127.0.0.1: fake resolvers answer public addresses only
// where the code under test must refuse or must not connect at all.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { after, describe, it } from 'node:test';
import { ClarionError } from '../../src/errors.ts';
import type { ErrorCode } from '../../src/errors.ts';
import { forbiddenRange, isIpLiteral } from '../../src/net/address-policy.ts';
import { createGuardedLookup } from '../../src/net/guarded-lookup.ts';
import type { ResolvedAddress, Resolver } from '../../src/net/guarded-lookup.ts';
import { HttpClient, HttpTimeoutError, TargetRefusedError } from '../../src/net/http-client.ts';
import { checkTargetUrl } from '../../src/net/target-url.ts';

const PUBLIC_V4 = '93.184.216.34';
const PUBLIC_V6 = '2606:2800:220:1:248:1893:25c8:1946';

function answer(...addresses: string[]): ResolvedAddress[] {
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
}

/** Answers from a fixed table; an unknown name fails like NXDOMAIN. */
function tableResolver(table: Record<string, string[]>): Resolver {
  return (hostname) => {
    const addresses = table[hostname];
    return addresses === undefined
      ? Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }))
      : Promise.resolve(answer(...addresses));
  };
}

/** Fails the test if anything resolves a name: literal hosts must be judged without DNS. */
const noDns: Resolver = (hostname) => Promise.reject(new Error(`unexpected DNS lookup of ${hostname}`));

function rejectsWith(code: ErrorCode, pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ClarionError, `expected a ClarionError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

function refused(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof TargetRefusedError, `expected a TargetRefusedError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
}

interface LocalServer {
  readonly port: number;
  /** Sockets accepted so far: proves whether a connection was even attempted. */
  connections: number;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that counts connections and requests. */
async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const server = createServer((req, res) => {
    state.requests.push(req);
    handler(req, res);
  });
  const state: LocalServer = {
    port: 0,
    connections: 0,
    requests: [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, { port: (server.address() as AddressInfo).port });
}

function lookupOnce(
  lookup: LookupFunction,
  hostname: string,
  options: { all?: boolean; family?: number },
): Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family: number | undefined }> {
  return new Promise((resolve) => {
    lookup(hostname, options, (error, address, family) => resolve({ error, address, family }));
  });
}

void describe('address policy', () => {
  void it('accepts public unicast addresses of both families', () => {
    assert.equal(forbiddenRange(PUBLIC_V4), null);
    assert.equal(forbiddenRange(PUBLIC_V6), null);
    assert.equal(forbiddenRange(`[${PUBLIC_V6}]`), null);
  });

  void it('refuses every special-purpose range with a description of it', () => {
    const cases: [string, RegExp][] = [
      ['127.0.0.1', /loopback/],
      ['::1', /loopback/],
      ['10.0.0.1', /private/],
      ['172.16.5.4', /private/],
      ['192.168.1.1', /private/],
      ['169.254.169.254', /metadata/],
      ['169.254.1.1', /link-local/],
      ['fe80::1', /link-local/],
      ['100.64.0.1', /carrier-grade NAT/],
      ['fd00::1', /unique local/],
      ['0.0.0.0', /unspecified/],
      ['::', /unspecified/],
      ['255.255.255.255', /broadcast/],
      ['224.0.0.1', /multicast/],
      ['ff02::1', /multicast/],
      ['240.0.0.1', /reserved/],
      ['192.0.2.1', /reserved/],
      ['2001:db8::1', /reserved/],
      ['198.18.0.1', /reserved/],
      ['2002:7f00:1::', /6to4/],
      ['2001:0:4136:e378::1', /Teredo/],
      ['64:ff9b::7f00:1', /NAT64/],
      ['::ffff:0:7f00:1', /NAT64/],
      ['2001:2::1', /benchmarking/],
      ['fec0::1', /site-local/],
      ['::7f00:1', /outside global unicast/],
      ['::ffff:127.0.0.1', /loopback .*127\.0\.0\.1, IPv4-mapped/],
      [`::ffff:${PUBLIC_V4}`, /IPv4-mapped/],
      ['example.com', /not an IP address/],
    ];
    for (const [ip, description] of cases) {
      const reason = forbiddenRange(ip);
      assert.ok(reason !== null, `${ip} should be refused`);
      assert.match(reason, description, ip);
    }
  });

  void it('recognises IP literals in the forms Node connects to without a lookup', () => {
    assert.ok(isIpLiteral('127.0.0.1'));
    assert.ok(isIpLiteral('[fd00::1]'));
    assert.ok(isIpLiteral('::ffff:127.0.0.1'));
    assert.ok(!isIpLiteral('2130706433'));
    assert.ok(!isIpLiteral('receiver.test'));
  });
});

void describe('checkTargetUrl', () => {
  const forbidden = [
    'http://127.0.0.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://2130706433/',
    'http://0.0.0.0/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00::1]/',
    'http://10.0.0.1/',
    'http://192.168.1.1/',
    'http://[::1]/',
    'https://0x7f.1/',
  ];
  for (const url of forbidden) {
    void it(`refuses ${url} without resolving anything`, async () => {
      await assert.rejects(
        checkTargetUrl(url, { resolver: noDns, allowPrivate: false }),
        rejectsWith('CLARION_ERR_HOOK_FORBIDDEN_TARGET'),
      );
    });
  }

  void it('accepts a public IP literal without any DNS or network traffic', async () => {
    const url = await checkTargetUrl(`https://${PUBLIC_V4}/hooks`, { resolver: noDns, allowPrivate: false });
    assert.equal(url.hostname, PUBLIC_V4);
  });

  void it('accepts a host name that resolves only to public addresses', async () => {
    const resolver = tableResolver({ 'hooks.example': [PUBLIC_V4, PUBLIC_V6] });
    const url = await checkTargetUrl('https://hooks.example/in?x=1', { resolver, allowPrivate: false });
    assert.equal(url.href, 'https://hooks.example/in?x=1');
  });

  void it('refuses a host name that resolves to a private address', async () => {
    const resolver = tableResolver({ 'intranet.example': ['10.1.2.3'] });
    await assert.rejects(
      checkTargetUrl('https://intranet.example/', { resolver, allowPrivate: false }),
      rejectsWith('CLARION_ERR_HOOK_FORBIDDEN_TARGET', /private network address \(10\.1\.2\.3\)/),
    );
  });

  void it('refuses a host name when any one of its addresses is private', async () => {
    const resolver = tableResolver({ 'mixed.example': [PUBLIC_V4, 'fd00::5'] });
    await assert.rejects(
      checkTargetUrl('https://mixed.example/', { resolver, allowPrivate: false }),
      rejectsWith('CLARION_ERR_HOOK_FORBIDDEN_TARGET', /unique local/),
    );
  });

  void it('reports a host name that does not resolve as an invalid URL', async () => {
    await assert.rejects(
      checkTargetUrl('https://nowhere.example/', { resolver: tableResolver({}), allowPrivate: false }),
      rejectsWith('CLARION_ERR_HOOK_INVALID_URL', /host name nowhere\.example does not resolve/),
    );
  });

  void it('refuses URLs that are malformed, not http(s) or carry credentials', async () => {
    const options = { resolver: noDns, allowPrivate: true };
    await assert.rejects(checkTargetUrl('not a url', options), rejectsWith('CLARION_ERR_HOOK_INVALID_URL'));
    await assert.rejects(checkTargetUrl('ftp://files.example/', options), rejectsWith('CLARION_ERR_HOOK_INVALID_URL'));
    await assert.rejects(checkTargetUrl('file:///etc/passwd', options), rejectsWith('CLARION_ERR_HOOK_INVALID_URL'));
    await assert.rejects(
      checkTargetUrl('https://user:hunter2@hooks.example/', options),
      rejectsWith('CLARION_ERR_HOOK_INVALID_URL', /user name or password/),
    );
  });

  void it('allows private targets without resolving when told to', async () => {
    const url = await checkTargetUrl('http://127.0.0.1:8080/', { resolver: noDns, allowPrivate: true });
    assert.equal(url.port, '8080');
  });
});

void describe('guarded lookup', () => {
  const resolver = tableResolver({ 'dual.example': [PUBLIC_V4, PUBLIC_V6], 'mixed.example': [PUBLIC_V4, '::1'] });
  const lookup = createGuardedLookup({ resolver, allowPrivate: false });

  void it('hands every checked address over when Node asks for all of them', async () => {
    const result = await lookupOnce(lookup, 'dual.example', { all: true });
    assert.equal(result.error, null);
    assert.deepEqual(result.address, [
      { address: PUBLIC_V4, family: 4 },
      { address: PUBLIC_V6, family: 6 },
    ]);
  });

  void it('hands one address and its family over when Node asks for one, honouring the family', async () => {
    assert.deepEqual(await lookupOnce(lookup, 'dual.example', {}), { error: null, address: PUBLIC_V4, family: 4 });
    assert.deepEqual(await lookupOnce(lookup, 'dual.example', { family: 6 }), {
      error: null,
      address: PUBLIC_V6,
      family: 6,
    });
  });

  void it('refuses the whole host when any address is forbidden', async () => {
    for (const all of [true, false]) {
      const { error } = await lookupOnce(lookup, 'mixed.example', { all });
      assert.ok(error instanceof TargetRefusedError);
      assert.equal(error.host, 'mixed.example');
      assert.match(error.reason, /loopback/);
    }
  });

  void it('passes resolution failures on as errors', async () => {
    const { error } = await lookupOnce(lookup, 'nowhere.example', { all: true });
    assert.equal(error?.code, 'ENOTFOUND');
  });
});

void describe('HttpClient', () => {
  const servers: LocalServer[] = [];
  const clients: HttpClient[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(servers.map((server) => server.close()));
  });

  async function server(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
    const started = await startServer(handler);
    servers.push(started);
    return started;
  }

  function client(allowPrivateTargets: boolean, resolver: Resolver): HttpClient {
    const created = new HttpClient({ allowPrivateTargets, resolver });
    clients.push(created);
    return created;
  }

  const ok = (_req: IncomingMessage, res: ServerResponse): void => {
    res.end('ok');
  };

  void it('refuses at connect time a host name that was public when saved but now resolves to loopback', async () => {
    const receiver = await server(ok);
    let lookups = 0;
    // DNS rebinding: the first answer is public (and never connected to), every later one is loopback.
    const rebinding: Resolver = () => Promise.resolve(answer(lookups++ === 0 ? PUBLIC_V4 : '127.0.0.1'));
    const url = `http://rebind.test:${receiver.port}/hook`;

    await checkTargetUrl(url, { resolver: rebinding, allowPrivate: false });
    await assert.rejects(client(false, rebinding).request(url, { body: '{}' }), refused(/loopback address/));

    assert.ok(lookups >= 2, 'the client resolved the name again');
    assert.equal(receiver.connections, 0, 'no connection reached the receiver');
    assert.equal(receiver.requests.length, 0);
  });

  void it('refuses IP-literal loopback targets before connecting', async () => {
    const receiver = await server(ok);
    const http = client(false, noDns);
    await assert.rejects(http.request(`http://127.0.0.1:${receiver.port}/`, {}), refused(/loopback/));
    await assert.rejects(http.request(`http://[::ffff:127.0.0.1]:${receiver.port}/`, {}), refused(/IPv4-mapped/));
    assert.equal(receiver.connections, 0);
  });

  void it('reaches a local receiver by name and by IP literal when private targets are allowed', async () => {
    const receiver = await server((req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${req.method} ${req.url} ${req.headers.host}`);
    });
    const http = client(true, tableResolver({ 'receiver.test': ['127.0.0.1'] }));

    const byName = await http.request(`http://receiver.test:${receiver.port}/hook?x=1`, { body: '{}' });
    assert.equal(byName.statusCode, 200);
    assert.equal(byName.body, `POST /hook?x=1 receiver.test:${receiver.port}`);
    assert.equal(byName.headers['content-type'], 'text/plain');

    const byLiteral = await http.request(`http://127.0.0.1:${receiver.port}/ping`, { method: 'GET' });
    assert.equal(byLiteral.body, `GET /ping 127.0.0.1:${receiver.port}`);
  });

  void it('sends the method, headers and body it is given', async () => {
    const receiver = await server((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => res.end(JSON.stringify({ method: req.method, signature: req.headers['x-signature'], body })));
    });
    const response = await client(true, noDns).request(`http://127.0.0.1:${receiver.port}/`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-signature': 'v1,abc' },
      body: Buffer.from('{"a":1}'),
    });
    assert.deepEqual(JSON.parse(response.body), { method: 'PUT', signature: 'v1,abc', body: '{"a":1}' });
  });

  void it('returns a redirect as it is instead of following it', async () => {
    const receiver = await server((req, res) => {
      res.writeHead(req.url === '/hook' ? 302 : 200, { location: '/elsewhere' });
      res.end();
    });
    const response = await client(true, noDns).request(`http://127.0.0.1:${receiver.port}/hook`, {});
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, '/elsewhere');
    assert.equal(receiver.requests.length, 1);
  });

  void it('keeps only the first 64 KiB of a large answer and stays usable afterwards', async () => {
    const receiver = await server((req, res) => {
      res.end(req.url === '/euro' ? '€'.repeat(100_000) : 'a'.repeat(1024 * 1024));
    });
    const http = client(true, noDns);
    const large = await http.request(`http://127.0.0.1:${receiver.port}/`, {});
    assert.equal(large.body.length, 64 * 1024);
    // 65 536 bytes hold 21 845 three-byte characters; the cut one is dropped, not mangled.
    const euros = await http.request(`http://127.0.0.1:${receiver.port}/euro`, {});
    assert.equal(euros.body, '€'.repeat(21_845));
    const small = await http.request(`http://127.0.0.1:${receiver.port}/small`, { method: 'GET' });
    assert.equal(small.statusCode, 200);
  });

  void it('gives up on a receiver that never answers once timeoutMs has passed', async () => {
    const receiver = await server(() => {
      // Never answers.
    });
    const started = Date.now();
    await assert.rejects(
      client(true, noDns).request(`http://127.0.0.1:${receiver.port}/`, { timeoutMs: 200 }),
      HttpTimeoutError,
    );
    assert.ok(Date.now() - started < 2_000);
  });

  void it('counts a body that stalls after the headers against the same timeout', async () => {
    const receiver = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    await assert.rejects(
      client(true, noDns).request(`http://127.0.0.1:${receiver.port}/`, { timeoutMs: 200 }),
      HttpTimeoutError,
    );
  });

  void it("rejects with the caller's reason when the caller aborts", async () => {
    const receiver = await server(() => {
      // Never answers.
    });
    const controller = new AbortController();
    const request = client(true, noDns).request(`http://127.0.0.1:${receiver.port}/`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('worker shutting down')), 50);
    await assert.rejects(request, /worker shutting down/);
  });
});
