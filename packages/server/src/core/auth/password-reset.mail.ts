// The password reset e-mail in the account's language. Plain text only: it reads the same in every mail
// program, and the one link in it is visible in full before anyone clicks it.
import type { EmailMessage } from '../notifications/index.js';

export interface ResetMailValues {
  to: string;
  displayName: string;
  locale: 'de' | 'en';
  link: string;
  /** Host name of the platform, so the reader sees which service this is about. */
  site: string;
  /** Who signs the mail: the display name of the sender address, e.g. "Smart Region". */
  signature: string;
  requestedAt: Date;
  validMinutes: number;
  hasPassword: boolean;
}

export function passwordResetMail(v: ResetMailValues): EmailMessage {
  const when = new Intl.DateTimeFormat(v.locale === 'en' ? 'en-GB' : 'de-DE', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'Europe/Berlin',
  }).format(v.requestedAt);
  return v.locale === 'en' ? english(v, when) : german(v, when);
}

function german(v: ResetMailValues, when: string): EmailMessage {
  const lines = [
    `Guten Tag ${v.displayName},`,
    '',
    `jemand – hoffentlich Sie selbst – hat am ${when} Uhr darum gebeten, das Passwort für Ihr Konto ${v.to} bei ${v.site} zurückzusetzen.`,
    ...(v.hasPassword
      ? []
      : [
          '',
          'Ihr Konto hat bisher kein Passwort, weil Sie sich anders anmelden. Mit dem Link legen Sie eines fest.',
        ]),
    '',
    'Über diesen Link vergeben Sie ein neues Passwort:',
    '',
    v.link,
    '',
    `Der Link ist ${v.validMinutes} Minuten lang gültig und funktioniert nur einmal. Sobald das neue Passwort gesetzt ist, werden alle bestehenden Anmeldungen beendet.`,
    '',
    'Sie haben das nicht angefordert? Dann ignorieren Sie diese E-Mail einfach. Ihr bisheriges Passwort bleibt unverändert.',
    '',
    'Freundliche Grüße',
    v.signature,
  ];
  return { to: v.to, subject: `Passwort zurücksetzen für ${v.site}`, text: lines.join('\n') };
}

function english(v: ResetMailValues, when: string): EmailMessage {
  const lines = [
    `Hello ${v.displayName},`,
    '',
    `someone – hopefully you – asked on ${when} (German time) to reset the password of your account ${v.to} at ${v.site}.`,
    ...(v.hasPassword
      ? []
      : ['', 'Your account has no password yet because you sign in another way. The link lets you set one.']),
    '',
    'Use this link to choose a new password:',
    '',
    v.link,
    '',
    `The link is valid for ${v.validMinutes} minutes and works only once. As soon as the new password is set, all existing sign-ins end.`,
    '',
    "Didn't ask for this? Then simply ignore this e-mail. Your current password stays as it is.",
    '',
    'Kind regards',
    v.signature,
  ];
  return { to: v.to, subject: `Reset your password for ${v.site}`, text: lines.join('\n') };
}

/** The display name of a sender like `Smart Region <noreply@…>`, or the fallback. */
export function senderName(from: string, fallback: string): string {
  const name = /^\s*"?([^"<]+?)"?\s*</.exec(from)?.[1]?.trim();
  return name || fallback;
}
