// Small server-rendered pages of the payment flow: the citizen's payment link and the test provider's
// page. Plain semantic HTML (works without JavaScript, keyboard and screen readers fine), no inline
// scripts or styles, so the platform's Content-Security-Policy holds. German, or English when the browser
// asks for it (Accept-Language) or the visitor chose it with the page's language link (`?lang=en`).
import type { Payment, PaymentStatus } from '../../core/db/schema.js';
import { escapeHtml } from '../../core/http/web-pages.js';
import { formatEuro } from '../fees.js';

export type PageLanguage = 'de' | 'en';

/** What went wrong, as a visitor is told it (the error's own message is for logs and API clients). */
export type Problem =
  'unknownLink' | 'paid' | 'expired' | 'confirmationInvalid' | 'testLinkInvalid' | 'other';

const TEXTS = {
  de: {
    status: {
      open: 'Offen – noch nicht bezahlt',
      pending: 'Zahlung begonnen, noch nicht bestätigt',
      paid: 'Bezahlt',
      failed: 'Zahlung fehlgeschlagen',
      cancelled: 'Zahlung abgebrochen',
      expired: 'Der Zahlungslink ist abgelaufen',
    } satisfies Record<PaymentStatus, string>,
    payFee: 'Gebühr bezahlen',
    purpose: 'Verwendungszweck',
    reference: 'Referenz',
    amount: 'Betrag',
    state: 'Status',
    payNow: (amount: string) => `Jetzt ${amount} bezahlen`,
    redirectHint: 'Sie werden zum Zahlungsanbieter weitergeleitet und kommen danach hierher zurück.',
    back: 'Zurück zum Antrag',
    testPayment: 'Testzahlung',
    testHint: 'Dies ist der eingebaute Test-Zahlungsanbieter. Es wird kein echtes Geld bewegt.',
    confirm: 'Testzahlung bestätigen',
    cancel: 'Testzahlung abbrechen',
    notPossible: 'Zahlung nicht möglich',
    problem: {
      unknownLink: 'Diesen Zahlungslink gibt es nicht (mehr).',
      paid: 'Diese Gebühr ist bereits bezahlt.',
      expired: 'Dieser Zahlungslink ist abgelaufen. Bitte wenden Sie sich an die Gemeinde.',
      confirmationInvalid: 'Die Bestätigung des Zahlungsanbieters ist ungültig.',
      testLinkInvalid: 'Dieser Link zur Testzahlung ist ungültig oder abgelaufen.',
      other: 'Die Zahlung ist gerade nicht möglich. Bitte versuchen Sie es später noch einmal.',
    } satisfies Record<Problem, string>,
    otherLanguage: { code: 'en', name: 'English' },
  },
  en: {
    status: {
      open: 'Open – not paid yet',
      pending: 'Payment started, not confirmed yet',
      paid: 'Paid',
      failed: 'Payment failed',
      cancelled: 'Payment cancelled',
      expired: 'This payment link has expired',
    } satisfies Record<PaymentStatus, string>,
    payFee: 'Pay the fee',
    purpose: 'Purpose',
    reference: 'Reference',
    amount: 'Amount',
    state: 'Status',
    payNow: (amount: string) => `Pay ${amount} now`,
    redirectHint: 'You are taken to the payment provider and then come back here.',
    back: 'Back to the application',
    testPayment: 'Test payment',
    testHint: 'This is the built-in test payment provider. No real money is moved.',
    confirm: 'Confirm test payment',
    cancel: 'Cancel test payment',
    notPossible: 'Payment not possible',
    problem: {
      unknownLink: 'This payment link does not exist (any more).',
      paid: 'This fee has been paid already.',
      expired: 'This payment link has expired. Please contact the municipality.',
      confirmationInvalid: "The payment provider's confirmation is not valid.",
      testLinkInvalid: 'This test payment link is not valid or has expired.',
      other: 'The payment is not possible right now. Please try again later.',
    } satisfies Record<Problem, string>,
    otherLanguage: { code: 'de', name: 'Deutsch' },
  },
} as const;

/** `?lang=` wins; else the first of German and English in the browser's Accept-Language; else German. */
export function pageLanguage(url: string, acceptLanguage: string | undefined): PageLanguage {
  const chosen = new URL(url, 'http://page.invalid').searchParams.get('lang');
  if (chosen === 'de' || chosen === 'en') return chosen;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { language: tag.split('-')[0], q: q === undefined ? 1 : Number(q) };
    })
    .filter((entry) => (entry.language === 'de' || entry.language === 'en') && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked[0]?.language === 'en' ? 'en' : 'de';
}

/** The page's address with the other language chosen (its other query parameters kept). */
function otherLanguageHref(url: string, lang: PageLanguage): string {
  const parsed = new URL(url, 'http://page.invalid');
  parsed.searchParams.set('lang', TEXTS[lang].otherLanguage.code);
  return `${parsed.pathname}${parsed.search}`;
}

function page(url: string, lang: PageLanguage, title: string, body: string): string {
  const other = TEXTS[lang].otherLanguage;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main>
${body}
</main>
<footer><p><a href="${escapeHtml(otherLanguageHref(url, lang))}" hreflang="${other.code}" lang="${other.code}">${other.name}</a></p></footer>
</body>
</html>`;
}

function details(rows: [string, string][]): string {
  return `<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

export function payLinkPage(
  request: { url: string; lang: PageLanguage },
  payment: Payment,
  status: PaymentStatus,
  formAction: string,
): string {
  const { lang } = request;
  const text = TEXTS[lang];
  const canPay = ['open', 'pending', 'failed', 'cancelled'].includes(status);
  const back =
    status === 'paid' && payment.return_url
      ? `<p><a href="${escapeHtml(payment.return_url)}">${text.back}</a></p>`
      : '';
  return page(
    request.url,
    lang,
    `${text.payFee} – ${payment.reference}`,
    `<h1>${text.payFee}</h1>
${details([
  [text.purpose, payment.purpose],
  [text.reference, payment.reference],
  [text.amount, formatEuro(payment.amount_cents, lang)],
  [text.state, text.status[status]],
])}
<p role="status">${escapeHtml(text.status[status])}</p>
${
  canPay
    ? `<form method="post" action="${escapeHtml(formAction)}"><button type="submit">${escapeHtml(
        text.payNow(formatEuro(payment.amount_cents, lang)),
      )}</button></form>
<p>${text.redirectHint}</p>`
    : ''
}
${back}`,
  );
}

export function testProviderPage(
  request: { url: string; lang: PageLanguage },
  order: { reference: string; purpose: string; amountCents: number },
  formAction: string,
): string {
  const { lang } = request;
  const text = TEXTS[lang];
  return page(
    request.url,
    lang,
    text.testPayment,
    `<h1>${text.testPayment}</h1>
<p>${text.testHint}</p>
${details([
  [text.purpose, order.purpose],
  [text.reference, order.reference],
  [text.amount, formatEuro(order.amountCents, lang)],
])}
<form method="post" action="${escapeHtml(formAction)}">
<button type="submit" name="action" value="confirm">${text.confirm}</button>
<button type="submit" name="action" value="cancel">${text.cancel}</button>
</form>`,
  );
}

export function problemPage(request: { url: string; lang: PageLanguage }, problem: Problem): string {
  const text = TEXTS[request.lang];
  return page(
    request.url,
    request.lang,
    text.notPossible,
    `<h1>${text.notPossible}</h1><p role="alert">${escapeHtml(text.problem[problem])}</p>`,
  );
}
