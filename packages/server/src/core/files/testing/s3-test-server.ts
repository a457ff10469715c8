// Starts a local S3-compatible server (s3rver) in a child process for tests, with one bucket.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../index.js';

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  directory: string;
  client: S3Client;
  close(): Promise<void>;
}

export async function startS3TestServer(): Promise<S3TestServer> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-s3-'));
  const bucket = 'srp-test';
  const launcher = path.join(import.meta.dirname, 's3rver-launcher.mjs');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', launcher, directory, bucket],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createS3Client({
    DATA_DIR: directory,
    FILES_S3_BUCKET: bucket,
    FILES_S3_ENDPOINT: endpoint,
    FILES_S3_REGION: 'us-east-1',
    FILES_S3_ACCESS_KEY_ID: 'S3RVER',
    FILES_S3_SECRET_ACCESS_KEY: 'S3RVER',
    FILES_S3_FORCE_PATH_STYLE: true,
    FILES_S3_PART_SIZE_MB: 5,
    FILES_ENCRYPTION_KEY: undefined,
  });
  return {
    endpoint,
    bucket,
    directory,
    client,
    close: async () => {
      client.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end();
      await exited;
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
