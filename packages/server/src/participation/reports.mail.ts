// E-mails to the person who sent a report, in German with an English summary: anonymous reporters have
// no account and hence no language setting. Plain text, the link visible in full.
import type { ReportStatus } from '../core/db/schema.js';
import type { EmailMessage } from '../core/notifications/index.js';

const STATUS_DE: Record<ReportStatus, string> = {
  open: 'eingegangen',
  acknowledged: 'angenommen',
  in_progress: 'in Bearbeitung',
  closed: 'erledigt',
};
const STATUS_EN: Record<ReportStatus, string> = {
  open: 'received',
  acknowledged: 'acknowledged',
  in_progress: 'in progress',
  closed: 'closed',
};

export interface ReportMailValues {
  number: number;
  category: string;
  link: string;
  status?: ReportStatus;
  text?: string | null;
}

export function reportMail(
  kind: 'received' | 'status' | 'comment',
  v: ReportMailValues,
  to: string,
): EmailMessage {
  const status = v.status ?? 'open';
  const lines =
    kind === 'received'
      ? [
          'Guten Tag,',
          '',
          `vielen Dank für Ihre Meldung #${v.number} (${v.category}). Sie ist bei der zuständigen Gemeinde eingegangen.`,
          'Unter diesem Link sehen Sie jederzeit, wie es um Ihre Meldung steht (bitte nicht weitergeben):',
          v.link,
          '',
          `Thank you for your report #${v.number}. Follow its progress at the link above.`,
        ]
      : [
          'Guten Tag,',
          '',
          kind === 'status'
            ? `Ihre Meldung #${v.number} (${v.category}) ist jetzt: ${STATUS_DE[status]}.`
            : `Zu Ihrer Meldung #${v.number} (${v.category}) gibt es eine Antwort der Gemeinde:`,
          ...(v.text ? ['', v.text] : []),
          '',
          'Mehr dazu:',
          v.link,
          '',
          kind === 'status'
            ? `Your report #${v.number} is now: ${STATUS_EN[status]}.`
            : `The municipality answered your report #${v.number}.`,
        ];
  const subject =
    kind === 'received'
      ? `Ihre Meldung #${v.number} ist eingegangen`
      : kind === 'status'
        ? `Ihre Meldung #${v.number}: ${STATUS_DE[status]}`
        : `Antwort zu Ihrer Meldung #${v.number}`;
  return { to, subject, text: [...lines, '', '-- ', 'Smart Region – Mängelmelder'].join('\n') };
}
