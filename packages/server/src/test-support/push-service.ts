// A local Web Push service for end-to-end tests: an HTTPS server with a self-signed certificate (only
// the agent it hands out trusts it) that receives what web-push sends, checks the VAPID signature
// (RFC 8292) and decrypts the aes128gcm payload (RFC 8291, RFC 8188) with the browser's private key,
// which the test keeps because it made the subscription. Node's crypto only: no push library on the
// receiving side, so the test checks web-push against the RFCs rather than against itself.
import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  randomUUID,
  verify,
  type ECDH,
} from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

export interface ReceivedPush {
  /** The subscription's endpoint path. */
  path: string;
  /** The VAPID public key from the Authorization header (`k=`), base64url. */
  vapidPublicKey: string;
  /** The verified JWT claims (aud, exp, sub). */
  claims: { aud: string; exp: number; sub: string };
  ttl: string | undefined;
  /** The decrypted message. */
  plaintext: string;
}

export interface PushService {
  url: string;
  /** Trusts this service's certificate, and nothing else; give it to the platform's Web Push sender. */
  agent: https.Agent;
  /** A browser subscription (endpoint + keys) whose private key stays here for decryption. */
  subscribe(): { endpoint: string; keys: { p256dh: string; auth: string } };
  received: ReceivedPush[];
  /** Pushes that failed verification or decryption, with the reason. */
  rejected: string[];
  close(): Promise<void>;
}

const b64url = (b: Buffer) => b.toString('base64url');

/** Verifies `Authorization: vapid t=<jwt>, k=<key>`: an ES256 JWT signed by the key in `k`. */
function verifyVapid(header: string | undefined) {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header ?? '');
  if (!match) throw new Error(`no VAPID authorization: ${header}`);
  const [, jwt, k] = match as unknown as [string, string, string];
  const [head, body, signature] = jwt.split('.') as [string, string, string];
  const raw = Buffer.from(k, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33)) },
    format: 'jwk',
  });
  const header_ = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg: string };
  if (header_.alg !== 'ES256') throw new Error(`JWT alg ${header_.alg}`);
  const ok = verify(
    'sha256',
    Buffer.from(`${head}.${body}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) throw new Error('VAPID signature does not verify');
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ReceivedPush['claims'];
  return { claims, vapidPublicKey: k };
}

/** RFC 8291 §3.4 + RFC 8188: one aes128gcm record for the user agent's key pair and auth secret. */
function decrypt(body: Buffer, ua: ECDH, authSecret: Buffer): string {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  const ecdhSecret = ua.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ua.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then optional zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('missing last-record delimiter');
  return padded.subarray(0, end).toString('utf8');
}

export async function startPushService(): Promise<PushService> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  const keys = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  const received: ReceivedPush[] = [];
  const rejected: string[] = [];
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const subscriber = keys.get(req.url ?? '');
        if (!subscriber) {
          res.writeHead(410).end();
          return;
        }
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
        const vapid = verifyVapid(req.headers.authorization);
        const plaintext = decrypt(Buffer.concat(chunks), subscriber.ecdh, subscriber.auth);
        received.push({ path: req.url!, ...vapid, ttl: req.headers.ttl as string | undefined, plaintext });
        res.writeHead(201).end();
      } catch (error) {
        rejected.push((error as Error).message);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new https.Agent({ ca: pems.cert });
  return {
    url,
    agent,
    received,
    rejected,
    subscribe() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const path = `/push/${randomUUID()}`;
      keys.set(path, { ecdh, auth });
      return { endpoint: url + path, keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) } };
    },
    async close() {
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
