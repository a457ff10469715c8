// The file storage the platform uses, chosen by the configuration. See README.md in this folder.
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../config.js';
import { EncryptedFileStorage } from './encrypted.js';
import { LocalFileStorage } from './local.js';
import { S3FileStorage } from './s3.js';
import type { FileStorage } from './storage.js';

export type * from './storage.js';
export { FileErrors } from './errors.js';
export { validateKey, validatePrefix, MAX_KEY_LENGTH } from './keys.js';
export { LocalFileStorage } from './local.js';
export { S3FileStorage } from './s3.js';
export { EncryptedFileStorage } from './encrypted.js';

type FilesConfig = Pick<
  Config,
  | 'DATA_DIR'
  | 'FILES_S3_BUCKET'
  | 'FILES_S3_ENDPOINT'
  | 'FILES_S3_REGION'
  | 'FILES_S3_ACCESS_KEY_ID'
  | 'FILES_S3_SECRET_ACCESS_KEY'
  | 'FILES_S3_FORCE_PATH_STYLE'
  | 'FILES_S3_PART_SIZE_MB'
  | 'FILES_ENCRYPTION_KEY'
>;

export function createS3Client(config: FilesConfig): S3Client {
  return new S3Client({
    region: config.FILES_S3_REGION,
    forcePathStyle: config.FILES_S3_FORCE_PATH_STYLE,
    ...(config.FILES_S3_ENDPOINT ? { endpoint: config.FILES_S3_ENDPOINT } : {}),
    ...(config.FILES_S3_ACCESS_KEY_ID && config.FILES_S3_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: config.FILES_S3_ACCESS_KEY_ID,
            secretAccessKey: config.FILES_S3_SECRET_ACCESS_KEY,
          },
        }
      : {}),
    // Many S3-compatible servers do not understand the newer default checksum trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function createFileStorage(config: FilesConfig): FileStorage {
  const base: FileStorage = config.FILES_S3_BUCKET
    ? new S3FileStorage({
        client: createS3Client(config),
        bucket: config.FILES_S3_BUCKET,
        stagingDir: path.join(config.DATA_DIR, 'files-staging'),
        partSize: config.FILES_S3_PART_SIZE_MB * 1024 * 1024,
      })
    : new LocalFileStorage(path.join(config.DATA_DIR, 'files'));
  if (!config.FILES_ENCRYPTION_KEY) return base;
  return new EncryptedFileStorage(base, Buffer.from(config.FILES_ENCRYPTION_KEY, 'base64'));
}
