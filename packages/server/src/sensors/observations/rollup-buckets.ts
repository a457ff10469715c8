// The rollup buckets, in one place because the write path, the migration's back-fill and the benchmark's
// brute-force reference must agree on them. 5 min and hour buckets are UTC; day and month buckets are
// calendar days and months in Europe/Berlin (a "Tagesmittel" in the region runs from local midnight to
// local midnight, 23 or 25 hours on DST days), stored as the instant they start.
import { sql } from 'kysely';

export const ROLLUP_WIDTHS = ['5min', 'hour', 'day', 'month'] as const;
export type RollupWidth = (typeof ROLLUP_WIDTHS)[number];
export const ROLLUP_TIME_ZONE = 'Europe/Berlin';

/** SQL expression of the bucket start of `column` for each width (column is a trusted identifier). */
export function bucketStartSql(width: RollupWidth, column: string): string {
  switch (width) {
    case '5min':
      return `date_bin('5 minutes', ${column}, timestamptz '2000-01-01 00:00:00+00')`;
    case 'hour':
      return `date_trunc('hour', ${column}, 'UTC')`;
    case 'day':
      return `date_trunc('day', ${column}, '${ROLLUP_TIME_ZONE}')`;
    case 'month':
      return `date_trunc('month', ${column}, '${ROLLUP_TIME_ZONE}')`;
  }
}

/** The 5 min bucket of src.ts in the insert statement. */
export const FIVE_MIN_BUCKET = sql.raw(bucketStartSql('5min', 'ts'));

/** `('hour', <start>), ('day', …), ('month', …)` over f.start (a 5 min bucket), for a lateral VALUES list. */
export const COARSE_BUCKETS = sql.raw(
  ROLLUP_WIDTHS.filter((w) => w !== '5min')
    .map((w) => `('${w}', ${bucketStartSql(w, 'f.start')})`)
    .join(', '),
);
