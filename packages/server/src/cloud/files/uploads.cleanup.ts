// Removes abandoned resumable uploads: begun more than CLOUD_UPLOAD_EXPIRY_HOURS ago and not being
// written to. Runs as a job every hour, so exactly one instance does it; each upload is locked like a
// PATCH before its bytes go, so a client writing at that moment is never cut off half-way.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../core/db/database.js';
import type { FileStorage } from '../../core/files/storage.js';
import type { JobQueue, JobWorker } from '../../core/jobs/index.js';
import { UploadsRepository } from './uploads.repository.js';

const JOB = 'cloud.uploads.cleanup';
const EVERY_MS = 60 * 60_000;
const BATCH = 200;

declare module '../../core/jobs/job-types.js' {
  interface JobPayloadMap {
    'cloud.uploads.cleanup': Record<string, never>;
  }
}

/** Removes uploads begun before the time; returns how many. Safe to run again after an interruption. */
export async function removeAbandonedUploads(
  db: Database,
  files: FileStorage,
  before: Date,
): Promise<number> {
  const uploads = new UploadsRepository(db);
  const token = `cleanup:${randomUUID()}`;
  let removed = 0;
  for (;;) {
    const batch = await uploads.abandoned(before, BATCH);
    for (const upload of batch) {
      // Lost to a PATCH that began meanwhile: that upload is alive after all.
      if (!(await uploads.claim(upload.id, upload.club_id, token, 600))) continue;
      await files.abortUpload(upload.id);
      await uploads.delete(upload.id);
      removed++;
    }
    if (batch.length < BATCH) return removed;
  }
}

export function registerCloudUploadJobs(
  worker: JobWorker,
  queue: JobQueue,
  db: Database,
  files: FileStorage,
  expiryHours: number,
): void {
  worker.register(
    JOB,
    async () => {
      await removeAbandonedUploads(db, files, new Date(Date.now() - expiryHours * 3600_000));
      await scheduleCloudUploadCleanup(queue, EVERY_MS);
    },
    { timeoutMs: 30 * 60_000 },
  );
}

/** Keeps one pending clean-up job queued; the unique key makes this safe on every start. */
export async function scheduleCloudUploadCleanup(queue: JobQueue, delayMs = 10 * 60_000): Promise<void> {
  await queue.enqueue(JOB, {}, { uniqueKey: JOB, runAt: new Date(Date.now() + delayMs), maxAttempts: 3 });
}
