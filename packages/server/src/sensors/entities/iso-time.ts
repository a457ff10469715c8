// ISO 8601 durations and the three written forms of a time interval that SensorThings takes wherever an
// interval is allowed (phenomenonTime, validTime, $filter literals): start/end, start/duration and
// duration/end. Calendar parts (years, months, days) move in UTC, as the instants are in UTC.

/** P[n]Y[n]M[n]W[n]DT[n]H[n]M[n]S with at least one part; a leading '-' negates it (our $filter allows it). */
export const ISO_DURATION =
  /^(-)?P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function isIsoDuration(text: string): boolean {
  return ISO_DURATION.test(text);
}

/** `date` moved by the duration, forwards (sign 1) or backwards (sign -1); undefined if it is no duration. */
export function shiftByDuration(date: Date, duration: string, sign: 1 | -1): Date | undefined {
  const m = ISO_DURATION.exec(duration);
  if (!m) return undefined;
  const s = m[1] ? -sign : sign;
  const n = (i: number) => Number(m[i] ?? 0) * s;
  const shifted = new Date(date.getTime());
  shifted.setUTCFullYear(shifted.getUTCFullYear() + n(2), shifted.getUTCMonth() + n(3));
  shifted.setUTCDate(shifted.getUTCDate() + n(4) * 7 + n(5));
  shifted.setTime(shifted.getTime() + ((n(6) * 60 + n(7)) * 60 + n(8)) * 1000);
  return Number.isNaN(shifted.getTime()) ? undefined : shifted;
}

/**
 * An interval written as start/end, start/duration or duration/end, each instant read by `instant` (which
 * throws its own error); undefined when the text is not two parts joined by '/'. `invalid` is thrown for
 * a duration that leaves the calendar.
 */
export function parseIsoInterval(
  text: string,
  instant: (part: string) => Date,
  invalid: () => Error,
): { start: Date; end: Date } | undefined {
  const parts = text.split('/');
  if (parts.length !== 2) return undefined;
  const [a, b] = parts as [string, string];
  const shift = (date: Date, duration: string, sign: 1 | -1) => {
    const shifted = shiftByDuration(date, duration, sign);
    if (!shifted) throw invalid();
    return shifted;
  };
  if (isIsoDuration(b) && !b.startsWith('-')) {
    const start = instant(a);
    return { start, end: shift(start, b, 1) };
  }
  if (isIsoDuration(a) && !a.startsWith('-')) {
    const end = instant(b);
    return { start: shift(end, a, -1), end };
  }
  return { start: instant(a), end: instant(b) };
}

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `date.toISOString()`, about three times faster for the years 1000–9999 (every Observation rendered
 * pays for one or more); other years and invalid dates take toISOString itself.
 */
export function isoInstant(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 1000 && year <= 9999)) return date.toISOString();
  return `${year}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}T${two(date.getUTCHours())}:${two(
    date.getUTCMinutes(),
  )}:${two(date.getUTCSeconds())}.${three(date.getUTCMilliseconds())}Z`;
}
