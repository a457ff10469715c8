// A local SMTP server for end-to-end and browser tests: it keeps every mail the platform's job worker delivers, so a
// test can read the mail and follow its link like a person would.
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { decodeHeader, findPart, parseMime } from './mime-reader.js';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  /** The whole message as received, e.g. to read an attachment with mime-reader. */
  raw: Buffer;
}

export interface Mailbox {
  /** For the platform's SMTP_URL. */
  url: string;
  /** The next mail to `address` not returned before; fails when none arrives in about 15 seconds. */
  nextMailTo(address: string): Promise<ReceivedMail>;
  /** Everything received so far, e.g. to check that no mail went somewhere. */
  readonly received: readonly ReceivedMail[];
  close(): Promise<void>;
}

export async function startMailbox(): Promise<Mailbox> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const message = parseMime(raw);
        received.push({
          to: session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase()),
          subject: decodeHeader(message.headers.get('subject')),
          text: findPart(message, 'text/plain')?.body.toString('utf8') ?? '',
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    async nextMailTo(address) {
      const wanted = address.toLowerCase();
      // Polled: delivery goes through the platform's job queue, which the test cannot await directly.
      for (let i = 0; i < 300; i++) {
        const mail = received.find((m) => !taken.has(m) && m.to.includes(wanted));
        if (mail) {
          taken.add(mail);
          return mail;
        }
        await sleep(50);
      }
      throw new Error(`no mail to ${address} arrived`);
    },
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}
