// Storage layout comparison for sensor_observations on PostgreSQL (the measurement behind the choice in
// migration 0005, recorded in docs/BENCHMARKS.md). Not a test: it creates a scratch database, loads the
// same synthetic data into each candidate layout and prints insert rate and query latencies.
//   npm run bench:sensors -- --layout     (or: node --import tsx bench/layout.ts)
import pg from 'pg';
import { percentile, scratchDatabase } from './lib.js';

const DATASTREAMS = 500;
const MONTHS = 24;
const ROWS_PER_BATCH = 5_000;
const TOTAL_ROWS = Number(process.env.LAYOUT_ROWS ?? 3_000_000);

interface Layout {
  name: string;
  ddl: string[];
}

const columns = `id bigint not null, municipality_id uuid not null, datastream_id bigint, feature_of_interest_id bigint,
  phenomenon_time_start timestamptz not null, result_number double precision, result jsonb`;

function monthlyPartitions(table: string): string[] {
  const out: string[] = [];
  for (let m = 0; m <= MONTHS; m++) {
    const from = new Date(Date.UTC(2024, m, 1)).toISOString();
    const to = new Date(Date.UTC(2024, m + 1, 1)).toISOString();
    out.push(`create table ${table}_p${m} partition of ${table} for values from ('${from}') to ('${to}')`);
  }
  out.push(`create table ${table}_default partition of ${table} default`);
  return out;
}

const layouts: Layout[] = [
  {
    name: 'plain, pk(id), btree(datastream, time)',
    ddl: [
      `create table obs_plain (${columns}, primary key (id))`,
      `create index on obs_plain (datastream_id, phenomenon_time_start desc)`,
    ],
  },
  {
    name: 'monthly partitions, btree(id), btree(datastream, time)',
    ddl: [
      `create table obs_part (${columns}, primary key (id, phenomenon_time_start)) partition by range (phenomenon_time_start)`,
      ...monthlyPartitions('obs_part'),
      `create index on obs_part (id)`,
      `create index on obs_part (datastream_id, phenomenon_time_start desc)`,
    ],
  },
  {
    name: 'monthly partitions, btree(id), btree(datastream), brin(time)',
    ddl: [
      `create table obs_brin (${columns}, primary key (id, phenomenon_time_start)) partition by range (phenomenon_time_start)`,
      ...monthlyPartitions('obs_brin'),
      `create index on obs_brin (id)`,
      `create index on obs_brin (datastream_id)`,
      `create index on obs_brin using brin (phenomenon_time_start)`,
    ],
  },
];

const tableOf = (layout: Layout) => /create table (\w+)/.exec(layout.ddl[0]!)![1]!;

async function main() {
  const { url, drop } = await scratchDatabase('srp_bench_layout');
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  const start = Date.UTC(2024, 0, 1);
  const span = MONTHS * 30 * 86_400_000;
  const results: string[][] = [];
  try {
    for (const layout of layouts) {
      const table = tableOf(layout);
      for (const statement of layout.ddl) await pool.query(statement);
      // Data arrives roughly in time order (sensors report now), each batch covering all streams.
      const t0 = performance.now();
      let id = 1;
      for (let done = 0; done < TOTAL_ROWS; done += ROWS_PER_BATCH) {
        const ids: number[] = [];
        const streams: number[] = [];
        const times: string[] = [];
        const values: number[] = [];
        for (let i = 0; i < ROWS_PER_BATCH; i++) {
          const n = done + i;
          ids.push(id++);
          streams.push((n % DATASTREAMS) + 1);
          times.push(new Date(start + Math.floor((n / TOTAL_ROWS) * span)).toISOString());
          values.push(Math.sin(n / 100) * 10);
        }
        await pool.query(
          `insert into ${table} (id, municipality_id, datastream_id, feature_of_interest_id, phenomenon_time_start, result_number)
           select i, '00000000-0000-0000-0000-000000000001', d, 1, t, v
           from unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::float8[]) as u(i, d, t, v)`,
          [ids, streams, times, values],
        );
      }
      const insertSeconds = (performance.now() - t0) / 1000;
      await pool.query(`analyze ${table}`);
      const size = await pool.query<{
        s: string;
      }>(`select pg_size_pretty(sum(pg_total_relation_size(c.oid))) s
        from pg_class c where c.relname like '${table}%' and c.relkind in ('r','p')`);

      const time = async (sql: string, params: () => unknown[], runs = 200) => {
        const samples: number[] = [];
        for (let i = 0; i < runs; i++) {
          const p = params();
          const s = performance.now();
          await pool.query(sql, p);
          samples.push(performance.now() - s);
        }
        return `${percentile(samples, 0.5).toFixed(2)} / ${percentile(samples, 0.95).toFixed(2)}`;
      };
      const randomStream = () => 1 + Math.floor(Math.random() * DATASTREAMS);
      const randomDay = () => new Date(start + Math.floor(Math.random() * (span - 86_400_000)));
      const byId = await time(`select * from ${table} where id = $1`, () => [
        1 + Math.floor(Math.random() * TOTAL_ROWS),
      ]);
      const day = await time(
        `select phenomenon_time_start, result_number from ${table}
         where datastream_id = $1 and phenomenon_time_start >= $2 and phenomenon_time_start < $3 order by phenomenon_time_start`,
        () => {
          const from = randomDay();
          return [randomStream(), from, new Date(from.getTime() + 86_400_000)];
        },
      );
      const latest = await time(
        `select * from ${table} where datastream_id = $1 order by phenomenon_time_start desc limit 1`,
        () => [randomStream()],
      );
      results.push([
        layout.name,
        Math.round(TOTAL_ROWS / insertSeconds).toLocaleString('en'),
        size.rows[0]!.s,
        byId,
        day,
        latest,
      ]);
      await pool.query(`drop table ${table}`);
    }
  } finally {
    await pool.end();
  }
  console.log(
    `\n${TOTAL_ROWS.toLocaleString('en')} rows, ${DATASTREAMS} datastreams over ${MONTHS} months; latencies p50 / p95 in ms\n`,
  );
  const header = ['layout', 'insert rows/s', 'size', 'by id', 'one stream, one day', 'latest of a stream'];
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const r of results) console.log(`| ${r.join(' | ')} |`);
  await drop();
}

await main();
