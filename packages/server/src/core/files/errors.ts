// Named errors of the file storage. Codes are part of the API contract: never rename.
import { AppError } from '../errors.js';

export const FileErrors = {
  invalidKey: (reason: string) => new AppError('file_key_invalid', 400, `Invalid file key: ${reason}`),
  notFound: () => new AppError('file_not_found', 404, 'File not found'),
  uploadNotFound: () => new AppError('file_upload_not_found', 404, 'Upload not found'),
  sizeMismatch: (expected: number, actual: number) =>
    new AppError('file_size_mismatch', 400, 'The content does not have the announced size', {
      expected,
      actual,
    }),
  checksumMismatch: () =>
    new AppError('file_checksum_mismatch', 400, 'The content does not match the announced SHA-256'),
  rangeNotSatisfiable: (size: number) =>
    new AppError('file_range_not_satisfiable', 416, 'The requested range is outside the file', { size }),
  offsetMismatch: (expected: number, actual: number) =>
    new AppError('file_upload_offset_mismatch', 409, 'The upload is at a different offset', {
      expected,
      actual,
    }),
  integrity: (message: string) =>
    new AppError('file_integrity_failed', 500, `Stored file is damaged: ${message}`),
} as const;
