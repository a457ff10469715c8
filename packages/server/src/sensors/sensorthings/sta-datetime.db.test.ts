// Time in $filter on the lane's database (PGlite and PostgreSQL): instants and half-open intervals
// [start, end) compared with `lt gt le ge eq`, the temporal relations of SensorThings 1.1 (before,
// after, meets, during, overlaps, starts, finishes), interval literals `start/end` and ISO 8601
// durations. The layout of the data follows the date/time class of the OGC/FROST-Server conformance
// tests: eight instants and thirteen intervals around 07:00–08:00 of one day.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { staTenant, thingWithDatastream, type StaClient } from './sta-fixtures.js';

let server: TestServer;
let staff: StaClient;
let datastream: number;
/** Observation ids by their position in TIMES. */
const observations: number[] = [];

const at = (hhmm: string) => `2016-01-01T${hhmm.slice(0, 2)}:${hhmm.slice(2)}:00Z`;
const span = (from: string, to: string) => `${at(from)}/${at(to)}`;

/** phenomenonTime of each Observation: instants (also the resultTime) and intervals (also the validTime). */
const TIMES = [
  '0600',
  '0659',
  '0700',
  '0701',
  '0759',
  '0800',
  '0801',
  '0900',
  ['0600', '0659'],
  ['0600', '0700'],
  ['0600', '0701'],
  ['0700', '0800'],
  ['0701', '0759'],
  ['0759', '0900'],
  ['0800', '0900'],
  ['0801', '0900'],
  ['0659', '0801'],
  ['0700', '0759'],
  ['0700', '0801'],
  ['0659', '0800'],
  ['0701', '0800'],
] as const;

const T7 = at('0700');
const I78 = span('0700', '0800');

before(async () => {
  server = await startTestServer({ webDist: null });
  ({ staff } = await staTenant(server));
  const thing = await staff.create('/Things', thingWithDatastream('Zeitreihe'));
  datastream = (await staff.list(`/Things(${thing})/Datastreams`)).body.value[0]!['@iot.id'] as number;
  for (const [i, time] of TIMES.entries()) {
    const body =
      typeof time === 'string'
        ? { result: i, phenomenonTime: at(time), resultTime: at(time) }
        : { result: i, phenomenonTime: span(time[0], time[1]), validTime: span(time[0], time[1]) };
    observations.push(await staff.create(`/Datastreams(${datastream})/Observations`, body));
  }
});
after(() => server.close());

/** Positions (in TIMES) of the Observations the filter selects, or the status when it is not 200. */
async function select(filter: string): Promise<number[] | number> {
  const res = await staff.list(
    `/Datastreams(${datastream})/Observations?$top=100&$orderby=id&$filter=${encodeURIComponent(filter)}`,
  );
  if (res.status !== 200) return res.status;
  return res.body.value.map((o) => observations.indexOf(o['@iot.id'] as number));
}

describe('time comparisons and relations', () => {
  const cases: [string, number[], number[]][] = [
    // [operator or function, selected against 07:00, selected against 07:00/08:00]
    ['lt', [0, 1, 8, 9], [0, 1, 8, 9]],
    ['before', [0, 1, 8, 9], [0, 1, 8, 9]],
    ['gt', [3, 4, 5, 6, 7, 12, 13, 14, 15, 20], [5, 6, 7, 14, 15]],
    ['after', [3, 4, 5, 6, 7, 12, 13, 14, 15, 20], [5, 6, 7, 14, 15]],
    ['le', [0, 1, 2, 8, 9], [0, 1, 2, 8, 9, 10, 11, 17, 19]],
    ['ge', [2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15, 17, 18, 20], [5, 6, 7, 11, 13, 14, 15, 18, 20]],
    ['eq', [2], [11]],
    ['meets', [2, 9, 11, 17, 18], [2, 5, 9, 14]],
    ['overlaps', [2, 10, 11, 16, 17, 18, 19], [2, 3, 4, 10, 11, 12, 13, 16, 17, 18, 19, 20]],
    ['starts', [2, 11, 17, 18], [2, 11, 17, 18]],
    ['finishes', [2, 9], [5, 11, 19, 20]],
  ];
  for (const [relation, withInstant, withInterval] of cases) {
    test(relation, async () => {
      const expression = (value: string) =>
        /^[a-z]{2}$/.test(relation)
          ? `phenomenonTime ${relation} ${value}`
          : `${relation}(phenomenonTime, ${value})`;
      assert.deepEqual(await select(expression(T7)), withInstant);
      assert.deepEqual(await select(expression(I78)), withInterval);
    });
  }

  test('operators with the literal first mirror those with the property first', async () => {
    assert.deepEqual(await select(`${T7} gt phenomenonTime`), await select(`phenomenonTime lt ${T7}`));
    assert.deepEqual(await select(`${I78} le phenomenonTime`), await select(`phenomenonTime ge ${I78}`));
    assert.deepEqual(await select(`meets(${I78}, phenomenonTime)`), [2, 5, 9, 14]);
  });

  test('during needs an interval as its second argument', async () => {
    assert.deepEqual(await select(`during(phenomenonTime, ${I78})`), [2, 3, 4, 11, 12, 17, 20]);
    assert.deepEqual(await select(`during(${T7}, phenomenonTime)`), [10, 11, 16, 17, 18, 19]);
    assert.deepEqual(await select(`during(${I78}, validTime)`), [11, 16, 18, 19]);
    assert.equal(await select(`during(phenomenonTime, ${T7})`), 400);
    assert.equal(await select(`during(${T7}, resultTime)`), 400);
  });

  test('instant and interval properties: resultTime, validTime', async () => {
    assert.deepEqual(await select(`resultTime le ${I78}`), [0, 1, 2]);
    assert.deepEqual(await select(`validTime le ${I78}`), [8, 9, 10, 11, 17, 19]);
    assert.deepEqual(
      await select(`not validTime lt ${T7} and not validTime ge ${at('0800')}`),
      [10, 11, 12, 13, 16, 17, 18, 19, 20],
    );
    assert.deepEqual(await select(`year(validTime) eq 2016 and hour(validTime) eq 8`), [14, 15]);
  });

  test('ISO 8601 durations shift instants and intervals', async () => {
    assert.deepEqual(await select(`phenomenonTime add duration'PT1H' gt ${at('0900')}`), [6, 7, 15]);
    assert.deepEqual(await select(`phenomenonTime gt ${at('0900')} sub duration'PT1H'`), [6, 7, 15]);
    assert.deepEqual(
      await select(`phenomenonTime lt ${span('0600', '0700')} add duration'PT1H'`),
      [0, 1, 8, 9],
    );
    assert.deepEqual(await select(`phenomenonTime sub ${at('0800')} eq duration'PT1H'`), [7]);
    assert.deepEqual(
      await select(`resultTime ge ${at('0900')} sub duration'P1DT1H'`),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(await select(`phenomenonTime gt duration'1 hour'`), 400);
    assert.equal(await select(`phenomenonTime gt ${at('0800')}/${at('0700')}`), 400);
  });
});

describe('interval forms of ISO 8601', () => {
  test('start/duration and duration/end are stored and filtered as start/end', async () => {
    const written = [`${at('1000')}/PT1H`, `PT30M/${at('1200')}`];
    const ids: number[] = [];
    for (const phenomenonTime of written)
      ids.push(
        await staff.create(`/Datastreams(${datastream})/Observations`, {
          result: 99,
          phenomenonTime,
          validTime: phenomenonTime,
        }),
      );
    const read = await staff.sta<{ phenomenonTime: string; validTime: string }>(
      'GET',
      `/Observations(${ids[0]})`,
    );
    assert.equal(read.body.phenomenonTime, `${at('1000')}/${at('1100')}`.replaceAll(':00Z', ':00.000Z'));
    assert.equal(read.body.validTime, read.body.phenomenonTime);
    const later = await staff.sta<{ phenomenonTime: string }>('GET', `/Observations(${ids[1]})`);
    assert.equal(later.body.phenomenonTime, `${at('1130')}/${at('1200')}`.replaceAll(':00Z', ':00.000Z'));
    const inFilter = await staff.list(
      `/Datastreams(${datastream})/Observations?$filter=${encodeURIComponent(`during(phenomenonTime, ${at('1000')}/PT2H)`)}`,
    );
    assert.deepEqual(inFilter.body.value.map((o) => o['@iot.id']).sort(), [...ids].sort());
    const bad = await staff.sta('POST', `/Datastreams(${datastream})/Observations`, {
      result: 1,
      phenomenonTime: `${at('1000')}/P1X`,
    });
    assert.equal(bad.status, 400);
  });
});
