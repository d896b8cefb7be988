import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/**
 * A self-signed certificate for 127.0.0.1 and localhost (P-256, valid until 2126), made once with
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 \
 *     -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost
 * The local APNs and Web Push servers present it; Clarion trusts it through CLARION_PUSH_CA_FILE.
 */
export const TEST_TLS = {
  certFile: path.join(FIXTURES, 'push-test-cert.pem'),
  cert: fs.readFileSync(path.join(FIXTURES, 'push-test-cert.pem'), 'utf8'),
  key: fs.readFileSync(path.join(FIXTURES, 'push-test-key.pem'), 'utf8'),
};
