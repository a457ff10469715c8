import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { EncryptedFileStorage } from './encrypted.js';
import { S3FileStorage } from './s3.js';
import { fileStorageContract } from './testing/contract.js';
import { startS3TestServer, type S3TestServer } from './testing/s3-test-server.js';

let server: S3TestServer;
let staging: string;
let plain: S3FileStorage;
let encrypted: EncryptedFileStorage;

/** Staged parts of our uploads and multipart uploads the S3 server still holds. */
async function garbage(stagingDir: string): Promise<string[]> {
  const left = (await fs.readdir(stagingDir).catch(() => [])).map((n) => `staging/${n}`);
  const uploads = path.join(server.directory, server.bucket, '._S3rver_uploads');
  left.push(...(await fs.readdir(uploads).catch(() => [])).map((n) => `s3/${n}`));
  return left;
}

before(async () => {
  server = await startS3TestServer();
  staging = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-staging-'));
  const options = { client: server.client, bucket: server.bucket, partSize: 5 * 1024 * 1024 };
  plain = new S3FileStorage({ ...options, stagingDir: path.join(staging, 'plain') });
  encrypted = new EncryptedFileStorage(
    new S3FileStorage({ ...options, stagingDir: path.join(staging, 'enc') }),
    crypto.randomBytes(32),
  );
});
after(async () => {
  await server?.close();
  await fs.rm(staging, { recursive: true, force: true });
});

describe('S3FileStorage', () => {
  fileStorageContract('s3', () => ({
    storage: plain,
    large: true,
    garbage: () => garbage(path.join(staging, 'plain')),
  }));
});

describe('EncryptedFileStorage over S3FileStorage', () => {
  fileStorageContract('s3+encrypted', () => ({
    storage: encrypted,
    large: false,
    garbage: () => garbage(path.join(staging, 'enc')),
  }));
});
