// SensorThings $orderby/$top/$skip/$count/nextLink and $select/$expand on the lane's database.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { dataset, ids, ROOT, staTenant } from './sta-fixtures.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

describe('query options', () => {
  test('$orderby, $top, $skip, $count and nextLink paging visits every entity once', async () => {
    const { staff } = await staTenant(server);
    const tag = `p${Date.now().toString(36)}`;
    const { datastreams } = await dataset(staff, tag);
    const filter = encodeURIComponent(
      `Datastream/Thing/name eq '${tag}-0' or Datastream/Thing/name eq '${tag}-1' or Datastream/Thing/name eq '${tag}-2'`,
    );
    const all = await staff.list(`/Observations?$filter=${filter}&$orderby=result desc&$count=true`);
    assert.equal(all.body['@iot.count'], 15);
    assert.deepEqual(
      all.body.value.map((v) => v.result),
      [24, 23, 22, 21, 20, 14, 13, 12, 11, 10, 4, 3, 2, 1, 0],
    );
    const seen: unknown[] = [];
    let next: string | undefined =
      `${ROOT}/Observations?$filter=${filter}&$orderby=phenomenonTime asc,result desc&$top=4&$count=true`;
    let pages = 0;
    while (next) {
      const page = await staff.list(next.replace(/^https?:\/\/[^/]+/, '').replace(ROOT, ''));
      assert.equal(page.status, 200, page.text);
      assert.equal(page.body['@iot.count'], 15);
      seen.push(...ids(page));
      next = page.body['@iot.nextLink'];
      pages++;
    }
    assert.equal(pages, 4);
    assert.equal(seen.length, 15);
    assert.equal(new Set(seen).size, 15);
    const skipped = await staff.list(
      `/Datastreams(${datastreams[0]})/Observations?$orderby=result&$skip=3&$top=10`,
    );
    assert.deepEqual(
      skipped.body.value.map((v) => v.result),
      [3, 4],
    );
    assert.equal(skipped.body['@iot.nextLink'], undefined);
    const zero = await staff.list(`/Datastreams(${datastreams[0]})/Observations?$top=0&$count=true`);
    assert.equal(zero.body.value.length, 0);
    assert.equal(zero.body['@iot.count'], 5);
    // A next page of $top=0 would be the same empty page again.
    assert.equal(zero.body['@iot.nextLink'], undefined);
  });

  test('$select and nested $expand with options', async () => {
    const { staff } = await staTenant(server);
    const tag = `e${Date.now().toString(36)}`;
    const { things } = await dataset(staff, tag);
    const res = await staff.sta<Record<string, unknown>>(
      'GET',
      `/Things(${things[1]})?$select=name,id&$expand=${encodeURIComponent('Datastreams($select=name;$expand=Observations($top=2;$orderby=phenomenonTime desc;$select=result;$count=true)),Locations')}`,
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['@iot.id', 'Datastreams', 'Locations', 'name']);
    const ds = (res.body.Datastreams as Record<string, unknown>[])[0]!;
    assert.equal(ds.name, `${tag}-1 temperature`);
    assert.deepEqual(ds.Observations, [{ result: 14 }, { result: 13 }]);
    assert.equal(ds['Observations@iot.count'], 5);
    // The next page of an expanded collection keeps its options, so following it continues the list.
    const next = await staff.list(
      new URL(ds['Observations@iot.nextLink'] as string).pathname.slice(ROOT.length) +
        new URL(ds['Observations@iot.nextLink'] as string).search,
    );
    assert.equal(next.status, 200, next.text);
    assert.deepEqual(next.body.value, [{ result: 12 }, { result: 11 }]);
    assert.equal(next.body['@iot.count'], 5);
    const path = await staff.list(
      `/Datastreams?$filter=${encodeURIComponent(`Thing/name eq '${tag}-0'`)}&$expand=Thing/Locations,Sensor&$select=id,Thing,@iot.selfLink`,
    );
    const one = path.body.value[0]!;
    assert.ok(one['@iot.selfLink']);
    assert.equal(((one.Thing as Record<string, unknown>).Locations as unknown[]).length, 1);
    assert.equal((one.Sensor as Record<string, unknown>).name, 'DHT22');
    assert.equal(one.name, undefined);
    const nav = await staff.list(`/Things?$filter=id eq ${things[0]}&$select=Datastreams`);
    assert.deepEqual(Object.keys(nav.body.value[0]!), ['Datastreams@iot.navigationLink']);
  });

  test('$expand as the OGC suite checks it: links stay on the parent, expanded entities show properties', async () => {
    const { staff } = await staTenant(server);
    const { things } = await dataset(staff, `x${Date.now().toString(36)}`);
    const res = await staff.sta<Record<string, unknown>>('GET', `/Things(${things[0]})?$expand=Datastreams`);
    assert.equal(res.status, 200, res.text);
    for (const nav of ['Datastreams', 'Locations', 'HistoricalLocations'])
      assert.ok(res.body[`${nav}@iot.navigationLink`], nav);
    const ds = (res.body.Datastreams as Record<string, unknown>[])[0]!;
    assert.ok(ds['@iot.id'] && ds.name && ds.unitOfMeasurement);
    assert.deepEqual(
      Object.keys(ds).filter((k) => k.endsWith('@iot.navigationLink')),
      [],
    );
    // Selected navigation properties of an expanded entity are linked.
    const selected = await staff.sta<{ Datastreams: Record<string, unknown>[] }>(
      'GET',
      `/Things(${things[0]})?$select=id&$expand=${encodeURIComponent('Datastreams($select=id,name,Sensor)')}`,
    );
    assert.deepEqual(Object.keys(selected.body).sort(), ['@iot.id', 'Datastreams']);
    assert.deepEqual(Object.keys(selected.body.Datastreams[0]!).sort(), [
      '@iot.id',
      'Sensor@iot.navigationLink',
      'name',
    ]);
    // $top, $skip and $count on one entity (and on a single expanded one) are ignored, not a 400.
    const single = await staff.sta<Record<string, unknown>>(
      'GET',
      `/Things(${things[0]})?$select=id,name&$top=2&$skip=1&$count=true&$expand=${encodeURIComponent('Datastreams($expand=Thing($top=2;$skip=1;$count=false);$top=2;$skip=1;$count=true)')}`,
    );
    assert.equal(single.status, 200, single.text);
    assert.equal(single.body['Datastreams@iot.count'], 1);
    assert.deepEqual(single.body.Datastreams, []);
    assert.equal((await staff.sta('GET', `/Things(${things[0]})?$filter=id eq 1`)).status, 400);
    // Options encoded with their '=' (Java's URLEncoder in the suite) are read like plain ones.
    const stream = (await staff.list(`/Things(${things[0]})/Datastreams`)).body.value[0]![
      '@iot.id'
    ] as number;
    const encoded = await staff.list(
      `/Datastreams(${stream})/Observations?${encodeURIComponent('$filter=result eq 2 or result eq 3')}&%24orderby%3Dresult+desc`,
    );
    assert.deepEqual(
      encoded.body.value.map((v) => v.result),
      [3, 2],
    );
  });
});
