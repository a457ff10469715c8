import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../config.js';
import { EncryptedFileStorage, LocalFileStorage, S3FileStorage, createFileStorage } from './index.js';

test('the configuration chooses local disk, S3 and encryption', () => {
  const base = { DATA_DIR: '/tmp/srp-files-config' };
  assert.ok(createFileStorage(parseConfig(base)) instanceof LocalFileStorage);
  const s3 = createFileStorage(parseConfig({ ...base, FILES_S3_BUCKET: 'region-files' }));
  assert.ok(s3 instanceof S3FileStorage);
  const key = crypto.randomBytes(32).toString('base64');
  const encrypted = createFileStorage(parseConfig({ ...base, FILES_ENCRYPTION_KEY: key }));
  assert.ok(encrypted instanceof EncryptedFileStorage);
  assert.equal(encrypted.kind, 'local');
});

test('bad file settings are configuration errors', () => {
  assert.throws(() => parseConfig({ FILES_ENCRYPTION_KEY: 'c2hvcnQ=' }), ConfigError);
  assert.throws(() => parseConfig({ FILES_S3_ACCESS_KEY_ID: 'only-the-id' }), ConfigError);
  assert.throws(() => parseConfig({ FILES_S3_ENDPOINT: 'ftp://x' }), ConfigError);
});
