// Small server-rendered pages of the payment flow: the citizen's payment link and the test provider's
// page. Plain semantic HTML in German (works without JavaScript, keyboard and screen readers fine), no
// inline scripts or styles, so the platform's Content-Security-Policy holds.
import type { Payment, PaymentStatus } from '../../core/db/schema.js';

export const escapeHtml = (value: string) =>
  value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

export const euros = (cents: number) =>
  new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(cents / 100);

const STATUS_TEXT: Record<PaymentStatus, string> = {
  open: 'Offen – noch nicht bezahlt',
  pending: 'Zahlung begonnen, noch nicht bestätigt',
  paid: 'Bezahlt',
  failed: 'Zahlung fehlgeschlagen',
  cancelled: 'Zahlung abgebrochen',
  expired: 'Der Zahlungslink ist abgelaufen',
};

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function details(rows: [string, string][]): string {
  return `<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

export function payLinkPage(payment: Payment, status: PaymentStatus, formAction: string): string {
  const canPay = ['open', 'pending', 'failed', 'cancelled'].includes(status);
  const back =
    status === 'paid' && payment.return_url
      ? `<p><a href="${escapeHtml(payment.return_url)}">Zurück zum Antrag</a></p>`
      : '';
  return page(
    `Gebühr bezahlen – ${payment.reference}`,
    `<h1>Gebühr bezahlen</h1>
${details([
  ['Verwendungszweck', payment.purpose],
  ['Referenz', payment.reference],
  ['Betrag', euros(payment.amount_cents)],
  ['Status', STATUS_TEXT[status]],
])}
<p role="status">${escapeHtml(STATUS_TEXT[status])}</p>
${
  canPay
    ? `<form method="post" action="${escapeHtml(formAction)}"><button type="submit">Jetzt ${escapeHtml(
        euros(payment.amount_cents),
      )} bezahlen</button></form>
<p>Sie werden zum Zahlungsanbieter weitergeleitet und kommen danach hierher zurück.</p>`
    : ''
}
${back}`,
  );
}

export function testProviderPage(
  order: { reference: string; purpose: string; amountCents: number },
  formAction: string,
): string {
  return page(
    'Testzahlung',
    `<h1>Testzahlung</h1>
<p>Dies ist der eingebaute Test-Zahlungsanbieter. Es wird kein echtes Geld bewegt.</p>
${details([
  ['Verwendungszweck', order.purpose],
  ['Referenz', order.reference],
  ['Betrag', euros(order.amountCents)],
])}
<form method="post" action="${escapeHtml(formAction)}">
<button type="submit" name="action" value="confirm">Testzahlung bestätigen</button>
<button type="submit" name="action" value="cancel">Testzahlung abbrechen</button>
</form>`,
  );
}

export function problemPage(message: string): string {
  return page(
    'Zahlung nicht möglich',
    `<h1>Zahlung nicht möglich</h1><p role="alert">${escapeHtml(message)}</p>`,
  );
}
