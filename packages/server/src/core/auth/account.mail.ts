// The e-mails of citizen accounts, in the person's language. Plain text, like the password reset mail: the
// one link is visible in full before anyone clicks it.
import type { EmailMessage } from '../notifications/index.js';

interface Common {
  to: string;
  displayName: string;
  locale: 'de' | 'en';
  /** Host name of the platform, so the reader sees which service this is about. */
  site: string;
  signature: string;
}

const hours = (minutes: number) => Math.round(minutes / 60);

function compose(v: Common, subject: { de: string; en: string }, de: string[], en: string[]): EmailMessage {
  const english = v.locale === 'en';
  const lines = english
    ? [`Hello ${v.displayName},`, '', ...en, '', 'Kind regards', v.signature]
    : [`Guten Tag ${v.displayName},`, '', ...de, '', 'Freundliche Grüße', v.signature];
  return { to: v.to, subject: english ? subject.en : subject.de, text: lines.join('\n') };
}

/** Double opt-in: the link that turns the registration into an account. */
export function registrationMail(v: Common & { link: string; validMinutes: number }): EmailMessage {
  return compose(
    v,
    {
      de: `Bitte bestätigen Sie Ihre E-Mail-Adresse für ${v.site}`,
      en: `Please confirm your e-mail address for ${v.site}`,
    },
    [
      `Sie haben bei ${v.site} ein Bürgerkonto mit der Adresse ${v.to} angelegt. Bitte bestätigen Sie, dass die Adresse Ihnen gehört:`,
      '',
      v.link,
      '',
      `Der Link ist ${hours(v.validMinutes)} Stunden lang gültig und funktioniert nur einmal. Erst danach können Sie sich anmelden.`,
      '',
      'Sie haben kein Konto angelegt? Dann ignorieren Sie diese E-Mail einfach. Ohne Bestätigung entsteht kein Konto, und die Angaben werden gelöscht.',
    ],
    [
      `You created a citizen account at ${v.site} with the address ${v.to}. Please confirm that the address is yours:`,
      '',
      v.link,
      '',
      `The link is valid for ${hours(v.validMinutes)} hours and works only once. You can sign in after that.`,
      '',
      "Didn't create an account? Then simply ignore this e-mail. Without confirmation no account is created, and the details are deleted.",
    ],
  );
}

/** Someone registered with an address that has an account already: its owner is told, nobody else. */
export function accountExistsMail(v: Common & { loginLink: string; resetLink: string }): EmailMessage {
  return compose(
    v,
    { de: `Ihr Konto bei ${v.site}`, en: `Your account at ${v.site}` },
    [
      `jemand – vielleicht Sie selbst – wollte bei ${v.site} ein neues Konto mit der Adresse ${v.to} anlegen. Für diese Adresse gibt es schon ein Konto, deshalb wurde kein weiteres angelegt.`,
      '',
      `Anmelden: ${v.loginLink}`,
      `Passwort vergessen: ${v.resetLink}`,
      '',
      'Sie waren das nicht? Dann müssen Sie nichts tun; Ihr Konto bleibt unverändert.',
    ],
    [
      `someone – perhaps you – tried to create a new account at ${v.site} with the address ${v.to}. This address has an account already, so no second one was created.`,
      '',
      `Sign in: ${v.loginLink}`,
      `Forgot your password: ${v.resetLink}`,
      '',
      "Wasn't you? Then there is nothing to do; your account stays as it is.",
    ],
  );
}

/** Sent to the new address: the change takes effect only when this link is opened. */
export function emailChangeMail(v: Common & { link: string; validMinutes: number }): EmailMessage {
  return compose(
    v,
    {
      de: `Neue E-Mail-Adresse für ${v.site} bestätigen`,
      en: `Confirm your new e-mail address for ${v.site}`,
    },
    [
      `Sie möchten die Adresse Ihres Kontos bei ${v.site} auf ${v.to} ändern. Bitte bestätigen Sie die neue Adresse:`,
      '',
      v.link,
      '',
      `Der Link ist ${hours(v.validMinutes)} Stunden lang gültig und funktioniert nur einmal. Bis dahin gilt die bisherige Adresse.`,
      '',
      'Sie haben das nicht veranlasst? Dann ignorieren Sie diese E-Mail.',
    ],
    [
      `You want to change the address of your account at ${v.site} to ${v.to}. Please confirm the new address:`,
      '',
      v.link,
      '',
      `The link is valid for ${hours(v.validMinutes)} hours and works only once. Until then the current address stays in use.`,
      '',
      "Didn't ask for this? Then ignore this e-mail.",
    ],
  );
}

/** Sent to the old address, so a change made by someone else does not go unnoticed. */
export function emailChangeNoticeMail(v: Common & { newEmail: string }): EmailMessage {
  return compose(
    v,
    { de: `Änderung Ihrer E-Mail-Adresse bei ${v.site}`, en: `Change of your e-mail address at ${v.site}` },
    [
      `für Ihr Konto bei ${v.site} wurde die neue Adresse ${v.newEmail} angegeben. Sie gilt, sobald sie bestätigt ist.`,
      '',
      'Sie waren das nicht? Dann ändern Sie bitte Ihr Passwort und wenden Sie sich an Ihre Gemeinde.',
    ],
    [
      `the new address ${v.newEmail} was given for your account at ${v.site}. It takes effect once it is confirmed.`,
      '',
      "Wasn't you? Then please change your password and contact your municipality.",
    ],
  );
}
