// E-mail as a job: the message is stored in the job payload (attachments base64-encoded, streams read
// first), so it survives restarts and is retried while the mail server is unreachable.
import type { Readable } from 'node:stream';
import { Errors } from '../../errors.js';
import { PermanentJobError } from '../../jobs/index.js';
import { senderDomain, type EmailMessage } from '../mailer.js';
import type { NotificationChannel } from './channel.js';

export interface StoredAttachment {
  filename: string;
  contentType?: string;
  contentBase64: string;
}

export interface EmailJobPayload {
  message: {
    to: string[];
    subject: string;
    text: string;
    html?: string;
    replyTo?: string;
    headers?: Record<string, string>;
    attachments?: StoredAttachment[];
  };
}

declare module '../../jobs/job-types.js' {
  interface JobPayloadMap {
    'notification.email': EmailJobPayload;
  }
}

/** Attachments travel through the jobs table, so they are kept to what a mail server accepts anyway. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

const tooLarge = () =>
  Errors.validation(`Attachments of an e-mail may have ${MAX_ATTACHMENT_BYTES} bytes at most`);

/** Reads an attachment into memory, stopping as soon as it exceeds what is left of the budget. */
async function readAttachment(content: Buffer | Readable, budget: number): Promise<Buffer> {
  if (Buffer.isBuffer(content)) {
    if (content.length > budget) throw tooLarge();
    return content;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of content) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > budget) {
      content.destroy();
      throw tooLarge();
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export async function toEmailJobPayload(message: EmailMessage): Promise<EmailJobPayload> {
  const to = (Array.isArray(message.to) ? message.to : [message.to]).map((r) => r.trim()).filter(Boolean);
  if (to.length === 0) throw Errors.validation('An e-mail needs at least one recipient');
  if (!message.subject.trim()) throw Errors.validation('An e-mail needs a subject');
  const attachments: StoredAttachment[] = [];
  let budget = MAX_ATTACHMENT_BYTES;
  for (const attachment of message.attachments ?? []) {
    const content = await readAttachment(attachment.content, budget);
    budget -= content.length;
    attachments.push({
      filename: attachment.filename,
      ...(attachment.contentType ? { contentType: attachment.contentType } : {}),
      contentBase64: content.toString('base64'),
    });
  }
  return {
    message: {
      to,
      subject: message.subject,
      text: message.text,
      ...(message.html !== undefined ? { html: message.html } : {}),
      ...(message.replyTo !== undefined ? { replyTo: message.replyTo } : {}),
      ...(message.headers ? { headers: message.headers } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
    },
  };
}

function fromEmailJobPayload(payload: EmailJobPayload): EmailMessage {
  const { attachments, ...rest } = payload.message;
  return {
    ...rest,
    attachments: (attachments ?? []).map((a) => ({
      filename: a.filename,
      content: Buffer.from(a.contentBase64, 'base64'),
      ...(a.contentType ? { contentType: a.contentType } : {}),
    })),
  };
}

/**
 * A 5xx reply to the envelope or the message (unknown recipient, rejected as spam) will not change on
 * retry. Connection problems, 4xx and authentication failures (a configuration an admin can fix) are
 * retried. 503 means a broken session, not a refused message.
 */
function isPermanentRejection(error: unknown): boolean {
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  if (code === 'EAUTH' || code === 'ENOAUTH') return false;
  return (
    typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && responseCode !== 503
  );
}

export const emailChannel: NotificationChannel<EmailJobPayload> = {
  jobName: 'notification.email',
  maxAttempts: 10, // 15 s doubling to 1 h: about one and a half hours of outage before a mail goes dead
  handlerOptions: { timeoutMs: 2 * 60_000, concurrency: 2 },
  createHandler:
    ({ mailer }) =>
    async (job) => {
      // The same Message-ID on every attempt lets mail systems drop a copy we sent twice.
      const messageId = `<srp-job-${job.id}-${job.createdAt.getTime()}@${senderDomain(mailer.from)}>`;
      try {
        await mailer.send(fromEmailJobPayload(job.payload), { messageId, signal: job.signal });
      } catch (error) {
        if (isPermanentRejection(error)) {
          throw new PermanentJobError(`The mail server refused the message: ${(error as Error).message}`, {
            cause: error,
          });
        }
        throw error;
      }
    },
};
