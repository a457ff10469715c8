import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../core/errors.js';
import { applyJsonPatch } from './handler.js';
import { parseExpand, parseFilter, parseOptions, parseOrderBy, parseWkt, rawQueryOptions } from './query.js';

test('$filter precedence: not > mul > add > comparison > and > or', () => {
  assert.deepEqual(parseFilter('a add 2 mul 3 eq 8 or not b and c'), {
    k: 'bin',
    op: 'or',
    left: {
      k: 'bin',
      op: 'eq',
      left: {
        k: 'bin',
        op: 'add',
        left: { k: 'path', segments: ['a'] },
        right: {
          k: 'bin',
          op: 'mul',
          left: { k: 'lit', type: 'number', value: 2 },
          right: { k: 'lit', type: 'number', value: 3 },
        },
      },
      right: { k: 'lit', type: 'number', value: 8 },
    },
    right: {
      k: 'bin',
      op: 'and',
      left: { k: 'not', arg: { k: 'path', segments: ['b'] } },
      right: { k: 'path', segments: ['c'] },
    },
  });
});

test('$filter literals: quotes, dates with offsets (also a decoded +), geography, paths', () => {
  assert.deepEqual(parseFilter("name eq 'O''Brien'"), {
    k: 'bin',
    op: 'eq',
    left: { k: 'path', segments: ['name'] },
    right: { k: 'lit', type: 'string', value: "O'Brien" },
  });
  const withSpace = parseFilter('phenomenonTime gt 2024-01-01T01:00:00 01:00') as { right: { value: Date } };
  assert.equal(withSpace.right.value.toISOString(), '2024-01-01T00:00:00.000Z');
  const date = parseFilter('date(resultTime) eq 2024-02-03') as { right: unknown };
  assert.deepEqual(date.right, { k: 'lit', type: 'date', value: '2024-02-03' });
  assert.deepEqual(parseFilter("st_within(location, geography'POINT(1 2)')"), {
    k: 'call',
    name: 'st_within',
    args: [
      { k: 'path', segments: ['location'] },
      { k: 'lit', type: 'geometry', value: { type: 'Point', coordinates: [1, 2] } },
    ],
  });
  assert.deepEqual(parseFilter('Datastream/Thing/properties/owner ne null'), {
    k: 'bin',
    op: 'ne',
    left: { k: 'path', segments: ['Datastream', 'Thing', 'properties', 'owner'] },
    right: { k: 'lit', type: 'null' },
  });
});

test('$filter interval literals: start/end, start/duration and duration/end are the same interval', () => {
  const interval = (text: string) =>
    (parseFilter(`during(phenomenonTime, ${text})`) as { args: unknown[] }).args[1];
  const day = {
    k: 'lit',
    type: 'interval',
    value: new Date('2024-03-01T00:00:00Z'),
    end: new Date('2024-03-02T00:00:00Z'),
  };
  assert.deepEqual(interval('2024-03-01T00:00:00Z/2024-03-02T00:00:00Z'), day);
  assert.deepEqual(interval('2024-03-01T00:00:00Z/P1D'), day);
  assert.deepEqual(interval('2024-03-01T01:00:00+01:00/PT23H59M60S'), day);
  assert.deepEqual(interval('P1D/2024-03-02T00:00:00Z'), day);
  assert.deepEqual(interval('PT24H/2024-03-02T01:00:00+01:00'), day);
  assert.throws(() => parseFilter('during(phenomenonTime, 2024-03-01T00:00:00Z/P1X)'), AppError);
  assert.throws(() => parseFilter('during(phenomenonTime, P1X/2024-03-02T00:00:00Z)'), AppError);
  // A property named like a duration is still a property when no date/time follows.
  assert.deepEqual((parseFilter('PT1H eq 1') as { left: unknown }).left, { k: 'path', segments: ['PT1H'] });
});

test('$filter lambda operators: path/any(v: condition), nested, any() without a condition', () => {
  assert.deepEqual(parseFilter("Datastreams/any(d : d/Sensor/name eq 'S')"), {
    k: 'lambda',
    op: 'any',
    path: ['Datastreams'],
    variable: 'd',
    body: {
      k: 'bin',
      op: 'eq',
      left: { k: 'path', segments: ['d', 'Sensor', 'name'] },
      right: { k: 'lit', type: 'string', value: 'S' },
    },
  });
  const nested = parseFilter('HistoricalLocations/any(h:h/Locations/all(l:l/name ne null))') as {
    body: { k: string; op: string; path: string[] };
  };
  assert.deepEqual([nested.body.k, nested.body.op, nested.body.path], ['lambda', 'all', ['h', 'Locations']]);
  assert.deepEqual(parseFilter('Datastreams/any()'), { k: 'lambda', op: 'any', path: ['Datastreams'] });
  for (const broken of ['Datastreams/all()', 'Datastreams/any(d)', 'Datastreams/any(d: d/name eq 1', 'a : b'])
    assert.throws(() => parseFilter(broken), AppError, broken);
});

test('$filter paths with JSON array indexes and the in operator', () => {
  assert.deepEqual(parseFilter('properties/a[1][0]/b eq 1'), {
    k: 'bin',
    op: 'eq',
    left: { k: 'path', segments: ['properties', 'a', '1', '0', 'b'] },
    right: { k: 'lit', type: 'number', value: 1 },
  });
  const x = { k: 'path', segments: ['x'] };
  const eq = (value: number) => ({ k: 'bin', op: 'eq', left: x, right: { k: 'lit', type: 'number', value } });
  assert.deepEqual(parseFilter('x in (1, 2)'), { k: 'bin', op: 'or', left: eq(1), right: eq(2) });
  assert.deepEqual(parseFilter('9 in properties/list'), {
    k: 'bin',
    op: 'in',
    left: { k: 'lit', type: 'number', value: 9 },
    right: { k: 'path', segments: ['properties', 'list'] },
  });
  assert.throws(() => parseFilter('x in (1, 2'), AppError);
});

test('garbage is a 400', () => {
  for (const bad of [
    '',
    'name eq',
    '(a eq 1',
    "a eq 'x",
    'a eq 1 1',
    'eq 1',
    'a # b',
    'f(a,',
    "geography'POINT(a b)'",
  ])
    assert.throws(
      () => parseFilter(bad),
      (e: unknown) => e instanceof AppError && e.status === 400,
      bad,
    );
  assert.throws(() => parseWkt('POLYGON((0 0, 1 1))'), AppError);
});

test('$expand with nested options and paths, $orderby, raw query options', () => {
  const items = parseExpand(
    'Datastreams($select=name;$expand=Observations($top=1;$orderby=phenomenonTime desc)),Thing/Locations',
  );
  assert.equal(items.length, 2);
  assert.deepEqual(items[0]!.options.select, ['name']);
  assert.equal(items[0]!.options.expand![0]!.options.top, 1);
  assert.equal(items[0]!.options.expand![0]!.options.orderby![0]!.desc, true);
  assert.equal(items[1]!.nav, 'Thing');
  assert.equal(items[1]!.options.expand![0]!.nav, 'Locations');
  assert.deepEqual(
    parseOrderBy('name, id desc').map((o) => o.desc),
    [false, true],
  );
  const raw = rawQueryOptions('%24top=5&$filter=name+eq+%27a%2Bb%27&other=1');
  assert.deepEqual(
    [...raw.entries()],
    [
      ['$top', '5'],
      ['$filter', "name eq 'a+b'"],
    ],
  );
  // Java's URLEncoder in the OGC suite encodes the '=' of an option as well.
  assert.deepEqual(
    [...rawQueryOptions('%24filter%3Dresult+eq+2+and+%28result+eq+1%29&%24top%3D3').entries()],
    [
      ['$filter', 'result eq 2 and (result eq 1)'],
      ['$top', '3'],
    ],
  );
  assert.throws(() => parseOptions(new Map([['$levels', '2']])), AppError);
  assert.throws(() => rawQueryOptions('$top=1&$top=2'), AppError);
});

test('JSON Patch operations', () => {
  const doc = { name: 'a', properties: { list: [1, 2] } };
  assert.deepEqual(
    applyJsonPatch(doc, [
      { op: 'replace', path: '/name', value: 'b' },
      { op: 'add', path: '/properties/list/-', value: 3 },
      { op: 'copy', from: '/name', path: '/description' },
      { op: 'test', path: '/name', value: 'b' },
    ]),
    { name: 'b', description: 'b', properties: { list: [1, 2, 3] } },
  );
  // move and remove take a key out of a JSON property; an entity property itself becomes null.
  assert.deepEqual(
    applyJsonPatch({ name: 'a', properties: { key1: 1 } }, [
      { op: 'copy', from: '/properties/key1', path: '/properties/keyCopy1' },
      { op: 'move', from: '/properties/key1', path: '/properties/key2' },
      { op: 'remove', path: '/name' },
    ]),
    { name: null, properties: { keyCopy1: 1, key2: 1 } },
  );
  assert.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/name', value: 'x' }]), AppError);
  assert.throws(() => applyJsonPatch(doc, { op: 'add' }), AppError);
});
