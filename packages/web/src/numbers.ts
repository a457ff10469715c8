// Decimal numbers for the two languages of the app, written by hand: the first Intl.NumberFormat a page
// creates loads the browser's number data, one task of ~130 ms on a throttled phone (more than all other
// work of a dashboard tile), and the public dashboard needs nothing of it but separators.

const SEPARATORS = {
  de: { decimal: ',', group: '.' },
  en: { decimal: '.', group: ',' },
} as const;

/** `value` with at most `digits` decimals (trailing zeros dropped) and grouped thousands, like
 * `Intl.NumberFormat(language, { maximumFractionDigits: digits })` for German and English. */
export function formatNumber(value: number, language: string, digits = 1): string {
  if (!Number.isFinite(value)) return String(value);
  const { decimal, group } = language.startsWith('en') ? SEPARATORS.en : SEPARATORS.de;
  const [whole = '0', fraction = ''] = Math.abs(value).toFixed(digits).split('.');
  const shownFraction = fraction.replace(/0+$/, '');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const negative = value < 0 && (whole !== '0' || shownFraction !== '');
  return `${negative ? '-' : ''}${grouped}${shownFraction ? decimal + shownFraction : ''}`;
}
