import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import crypto from 'node:crypto';
import { EncryptedFileStorage } from './encrypted.js';
import { LocalFileStorage } from './local.js';
import { fileStorageContract } from './testing/contract.js';

let root: string;
let local: LocalFileStorage;
let encrypted: EncryptedFileStorage;

async function garbage(): Promise<string[]> {
  const left: string[] = [];
  for (const dir of ['tmp', 'uploads']) {
    for (const name of await fs.readdir(path.join(root, dir)).catch(() => [])) left.push(`${dir}/${name}`);
  }
  return left;
}

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-files-'));
  local = new LocalFileStorage(path.join(root, 'plain'));
  encrypted = new EncryptedFileStorage(new LocalFileStorage(path.join(root, 'enc')), crypto.randomBytes(32));
});
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('LocalFileStorage', () => {
  fileStorageContract('local', () => ({
    storage: local,
    large: true,
    garbage: async () => {
      const saved = root;
      root = path.join(saved, 'plain');
      try {
        return await garbage();
      } finally {
        root = saved;
      }
    },
  }));
});

describe('EncryptedFileStorage over LocalFileStorage', () => {
  fileStorageContract('local+encrypted', () => ({
    storage: encrypted,
    large: true,
    garbage: async () => {
      const saved = root;
      root = path.join(saved, 'enc');
      try {
        return await garbage();
      } finally {
        root = saved;
      }
    },
  }));
});
