// Sends e-mail. With SMTP_URL set, through that server (nodemailer). Without it, each message is written as
// an .eml file to DATA_DIR/outbox: a new installation without a mail server still "sends" (registration,
// password reset, invitations), and an admin can open the files in any mail program. Both transports
// build the message with nodemailer, so what lands in the outbox is byte for byte what SMTP would send.
//
// Domains do not call the mailer directly but NotificationService.sendEmail, which goes through the job
// queue and so survives restarts and SMTP outages.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';

export interface EmailAttachment {
  filename: string;
  content: Buffer | Readable;
  /** e.g. 'text/calendar; method=REQUEST' for invitations; default derived from the file name. */
  contentType?: string;
}

export interface EmailMessage {
  to: string | string[];
  subject: string;
  text: string;
  html?: string;
  replyTo?: string;
  /** Extra headers, e.g. List-Unsubscribe. */
  headers?: Record<string, string>;
  attachments?: EmailAttachment[];
}

export interface SendEmailOptions {
  /** Stable Message-ID (with angle brackets), so a retried message can be recognised as a duplicate. */
  messageId?: string;
  signal?: AbortSignal;
}

export interface SentEmail {
  messageId: string;
  /** Outbox only: the file that was written. */
  file?: string;
}

export type MailTransportKind = 'smtp' | 'outbox';

export interface Mailer {
  readonly kind: MailTransportKind;
  /** The sender address, also the domain of generated Message-IDs. */
  readonly from: string;
  send(message: EmailMessage, options?: SendEmailOptions): Promise<SentEmail>;
  close(): void;
}

export interface MailerOptions {
  from: string;
  /** smtp:// or smtps:// URL with credentials; unset means the outbox. */
  smtpUrl?: string | undefined;
  /** Where the outbox writes .eml files. */
  outboxDir: string;
  /** Connection, greeting and idle timeout of SMTP; default 15 s, so a hanging server fails the attempt. */
  smtpTimeoutMs?: number;
}

export function mailerOptionsFromConfig(config: {
  SMTP_URL?: string | undefined;
  MAIL_FROM: string;
  DATA_DIR: string;
}): MailerOptions {
  return {
    from: config.MAIL_FROM,
    smtpUrl: config.SMTP_URL,
    outboxDir: path.join(config.DATA_DIR, 'outbox'),
  };
}

export function createMailer(options: MailerOptions): Mailer {
  return options.smtpUrl ? new SmtpMailer(options, options.smtpUrl) : new OutboxMailer(options);
}

/** Domain part of the sender address, for Message-IDs. */
export function senderDomain(from: string): string {
  const match = /@([^\s>@]+)>?\s*$/.exec(from);
  return match?.[1]?.toLowerCase() ?? 'smart-region.invalid';
}

function toNodemailer(message: EmailMessage, from: string, options: SendEmailOptions): SendMailOptions {
  return {
    from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    ...(message.html !== undefined ? { html: message.html } : {}),
    ...(message.replyTo !== undefined ? { replyTo: message.replyTo } : {}),
    ...(message.headers ? { headers: message.headers } : {}),
    ...(options.messageId ? { messageId: options.messageId } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    attachments: (message.attachments ?? []).map((a) => ({
      filename: a.filename,
      content: a.content,
      ...(a.contentType ? { contentType: a.contentType } : {}),
    })),
    // Content only ever comes from our own code, never as paths or URLs read by nodemailer.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

class SmtpMailer implements Mailer {
  readonly kind = 'smtp';
  readonly #transport: Transporter;

  constructor(
    readonly options: MailerOptions,
    url: string,
  ) {
    const timeout = options.smtpTimeoutMs ?? 15_000;
    this.#transport = nodemailer.createTransport({
      url,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout * 2,
    });
  }

  get from(): string {
    return this.options.from;
  }

  async send(message: EmailMessage, options: SendEmailOptions = {}): Promise<SentEmail> {
    const info = (await this.#transport.sendMail(toNodemailer(message, this.from, options))) as {
      messageId: string;
    };
    return { messageId: info.messageId };
  }

  close(): void {
    this.#transport.close();
  }
}

class OutboxMailer implements Mailer {
  readonly kind = 'outbox';
  readonly #composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
  });

  constructor(readonly options: MailerOptions) {}

  get from(): string {
    return this.options.from;
  }

  async send(message: EmailMessage, options: SendEmailOptions = {}): Promise<SentEmail> {
    const info = await this.#composer.sendMail(toNodemailer(message, this.from, options));
    const raw = info.message as Buffer;
    await fs.mkdir(this.options.outboxDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const id = info.messageId.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 80);
    const file = path.join(this.options.outboxDir, `${stamp}-${id}.eml`);
    // Written under a temporary name and renamed, so nobody reading the outbox sees half a message.
    const partial = `${file}.${randomUUID().slice(0, 8)}.part`;
    await fs.writeFile(partial, raw, { mode: 0o640 });
    await fs.rename(partial, file);
    return { messageId: info.messageId, file };
  }

  close(): void {
    this.#composer.close();
  }
}
