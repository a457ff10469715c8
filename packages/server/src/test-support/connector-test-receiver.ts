// A local receiver for connector tests: a FIT-Connect-compatible Submission API (announce, attachment
// upload, submit) that holds the destination's private key, decrypts every JWE, checks its algorithms and
// compares the SHA-512 hashes in the metadata with the decrypted data and attachments; plus a plain
// endpoint for signed webhook/XML posts. It can be switched "down" (503) to test retries.
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { compactDecrypt, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { verifyWebhookSignature } from '../core/notifications/webhook-signature.js';

export interface ReceivedSubmission {
  submissionId: string;
  destinationId: string;
  serviceType: { name: string; identifier: string };
  metadata: Record<string, unknown>;
  data: Record<string, unknown>;
  attachments: { id: string; filename: string; mimeType: string; content: Buffer }[];
  /** Every JWE used RSA-OAEP-256/A256GCM and every hash in the metadata matched its content. */
  verified: boolean;
  problems: string[];
}

export interface ReceivedPost {
  body: string;
  contentType: string;
  deliveryId: string | undefined;
  signatureValid: boolean;
}

export interface ConnectorTestReceiver {
  url: string;
  publicKey: JWK;
  destinationId: string;
  /** While true every request is answered 503 (the receiver is "down"). */
  down: boolean;
  /** Requests refused while down. */
  refused: number;
  submissions: ReceivedSubmission[];
  posts: ReceivedPost[];
  close(): Promise<void>;
}

const sha512 = (content: Buffer | string) => createHash('sha512').update(content).digest('hex');

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startConnectorTestReceiver(
  options: { webhookSecret?: string } = {},
): Promise<ConnectorTestReceiver> {
  const { publicKey, privateKey } = await generateKeyPair('RSA-OAEP-256', { modulusLength: 2048 });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'test-destination-key', alg: 'RSA-OAEP-256' };
  const pending = new Map<
    string,
    {
      destinationId: string;
      serviceType: { name: string; identifier: string };
      announced: string[];
      attachments: Map<string, { jwe: string }>;
    }
  >();

  async function decrypt(jwe: string, problems: string[], what: string, key: CryptoKey): Promise<Buffer> {
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, key);
    if (protectedHeader.alg !== 'RSA-OAEP-256') problems.push(`${what}: alg ${protectedHeader.alg}`);
    if (protectedHeader.enc !== 'A256GCM') problems.push(`${what}: enc ${protectedHeader.enc}`);
    return Buffer.from(plaintext);
  }

  const receiver: ConnectorTestReceiver = {
    url: '',
    publicKey: publicJwk,
    destinationId: randomUUID(),
    down: false,
    refused: 0,
    submissions: [],
    posts: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (receiver.down) {
      receiver.refused++;
      return json(res, 503, { error: 'down for maintenance' });
    }
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    const parts = path.split('/').filter(Boolean);

    if (req.method === 'POST' && path === '/v1/submissions') {
      const announce = JSON.parse(body.toString('utf8')) as {
        destinationId: string;
        announcedAttachments: string[];
        serviceType: { name: string; identifier: string };
      };
      if (announce.destinationId !== receiver.destinationId) return json(res, 404, { error: 'destination' });
      const submissionId = randomUUID();
      pending.set(submissionId, {
        destinationId: announce.destinationId,
        serviceType: announce.serviceType,
        announced: announce.announcedAttachments,
        attachments: new Map(),
      });
      return json(res, 201, { destinationId: announce.destinationId, submissionId, caseId: randomUUID() });
    }

    if (
      req.method === 'PUT' &&
      parts[0] === 'v1' &&
      parts[1] === 'submissions' &&
      parts[3] === 'attachments'
    ) {
      const submission = pending.get(parts[2]!);
      if (!submission || !submission.announced.includes(parts[4]!)) return json(res, 404, {});
      if (req.headers['content-type'] !== 'application/jose') return json(res, 415, {});
      submission.attachments.set(parts[4]!, { jwe: body.toString('utf8') });
      res.writeHead(204).end();
      return;
    }

    if (req.method === 'PUT' && parts[0] === 'v1' && parts[1] === 'submissions' && parts.length === 3) {
      const submissionId = parts[2]!;
      if (receiver.submissions.some((s) => s.submissionId === submissionId)) return json(res, 409, {});
      const submission = pending.get(submissionId);
      if (!submission) return json(res, 404, {});
      const { encryptedMetadata, encryptedData } = JSON.parse(body.toString('utf8')) as {
        encryptedMetadata: string;
        encryptedData: string;
      };
      const problems: string[] = [];
      const metadata = JSON.parse(
        (await decrypt(encryptedMetadata, problems, 'metadata', privateKey)).toString('utf8'),
      ) as {
        contentStructure: {
          data: { hash: { type: string; content: string } };
          attachments: {
            attachmentId: string;
            filename: string;
            mimeType: string;
            hash: { type: string; content: string };
          }[];
        };
      };
      const dataBytes = await decrypt(encryptedData, problems, 'data', privateKey);
      const { hash } = metadata.contentStructure.data;
      if (hash.type !== 'sha512' || hash.content !== sha512(dataBytes)) problems.push('data hash');
      const attachments: ReceivedSubmission['attachments'] = [];
      for (const described of metadata.contentStructure.attachments) {
        const uploaded = submission.attachments.get(described.attachmentId);
        if (!uploaded) {
          problems.push(`attachment ${described.attachmentId} missing`);
          continue;
        }
        const content = await decrypt(uploaded.jwe, problems, described.filename, privateKey);
        if (described.hash.type !== 'sha512' || described.hash.content !== sha512(content)) {
          problems.push(`attachment hash ${described.filename}`);
        }
        attachments.push({
          id: described.attachmentId,
          filename: described.filename,
          mimeType: described.mimeType,
          content,
        });
      }
      if (attachments.length !== submission.announced.length) problems.push('announced attachments missing');
      receiver.submissions.push({
        submissionId,
        destinationId: submission.destinationId,
        serviceType: submission.serviceType,
        metadata: metadata,
        data: JSON.parse(dataBytes.toString('utf8')) as Record<string, unknown>,
        attachments,
        verified: problems.length === 0,
        problems,
      });
      return json(res, 202, { submissionId, status: 'submitted' });
    }

    if (req.method === 'POST' && path === '/hook') {
      const deliveryId = req.headers['x-srp-delivery'];
      receiver.posts.push({
        body: body.toString('utf8'),
        contentType: String(req.headers['content-type']),
        deliveryId: typeof deliveryId === 'string' ? deliveryId : undefined,
        signatureValid: options.webhookSecret
          ? verifyWebhookSignature(options.webhookSecret, req.headers['x-srp-signature'] as string, body)
          : false,
      });
      return json(res, 200, { ok: true });
    }
    return json(res, 404, { error: 'unknown path' });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: (error as Error).message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
