// The dashboard's HTTP API end to end: staff edit, preview and publish tiles; the public sees published
// tiles with published Datastreams only; live values over SSE; open-data exports and the DCAT-AP.de
// catalogue (parsed as RDF); embedding headers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import N3 from 'n3';
import type { PublicDashboard, PublicTile, StaffTile, TileConfig, TileHistoryEntry } from '@srp/contracts';
import { systemActor } from '../core/audit/audit.service.js';
import { createSensorFixture } from '../sensors/observations/observation.fixtures.js';
import {
  createTestMunicipality,
  createTestTenant,
  createTestUser,
  TEST_PASSWORD,
} from '../test-support/factories.js';
import { loggedInClient, TestClient } from '../test-support/http.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { NS } from './dcat.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

const config = (datastreamIds: number[], overrides: Partial<TileConfig> = {}): TileConfig => ({
  fieldOfAction: 'water',
  chartType: 'line',
  datastreamIds,
  title: { de: 'Pegel Brücke', en: 'Gauge bridge' },
  description: { de: 'Wasserstand', en: 'Water level' },
  bands: [
    { from: null, to: 100, level: 'normal', color: '#1b7a3a', label: { de: 'Normal', en: 'Normal' } },
    { from: 100, to: null, level: 'alarm', color: '#b91c1c', label: { de: 'Hochwasser', en: 'Flood' } },
  ],
  defaultRange: '7d',
  ...overrides,
});

/** A municipality with three Datastreams (the first two and the Location published) and its admin. */
async function setup() {
  const { region, municipality } = await createTestTenant(server.ctx.db);
  const ags = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
  await server.ctx.db
    .updateTable('municipalities')
    .set({ ags, contact_email: 'rathaus@test.example' })
    .where('id', '=', municipality.id)
    .execute();
  const fixture = await createSensorFixture(server.ctx.db, municipality.id, 3, {
    name: 'Zentimeter',
    symbol: 'cm',
  });
  const [published, second, hidden] = fixture.datastreamIds as [number, number, number];
  for (const id of [published, second])
    await server.ctx.publications.publish(municipality.id, 'datastream', String(id), systemActor());
  const location = await server.ctx.db
    .selectFrom('sensor_thing_locations')
    .select('location_id')
    .where('thing_id', '=', fixture.thingId)
    .executeTakeFirstOrThrow();
  await server.ctx.publications.publish(
    municipality.id,
    'location',
    String(location.location_id),
    systemActor(),
  );
  const admin = await createTestUser(server.ctx.db, { home: municipality, roles: ['municipal_admin'] });
  const staff = await loggedInClient(server.url, admin.email, TEST_PASSWORD);
  const base = `/api/municipalities/${municipality.id}/dashboard`;
  return { region, municipality, staff, base, published, second, hidden, ags };
}

describe('tiles', () => {
  test('staff create a draft, the public sees it only once published, with published Datastreams only', async () => {
    const { region, municipality, staff, base, published, hidden } = await setup();
    const anonymous = new TestClient(server.url);

    const rejected = await staff.post<{ error: { code: string; details: { datastreamIds: number[] } } }>(
      `${base}/tiles`,
      { draft: config([published, hidden]) },
    );
    assert.equal(rejected.status, 400, 'an unpublished Datastream cannot go on a tile');
    assert.deepEqual(rejected.body.error.details.datastreamIds, [hidden]);

    const created = await staff.post<StaffTile>(`${base}/tiles`, {
      draft: config([published]),
      onRegion: true,
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.published, null);

    const options = await staff.get<{ datastreams: { id: number }[] }>(`${base}/datastreams`);
    assert.deepEqual(options.body.datastreams.map((d) => d.id).sort(), [published, published + 1].sort());

    const before = await anonymous.get<PublicDashboard>(
      `/api/public/dashboard?municipality=${municipality.slug}`,
    );
    assert.equal(before.status, 200);
    assert.deepEqual(before.body.tiles, [], 'a draft is not public');

    const publishedTile = await staff.post<StaffTile>(`${base}/tiles/${created.body.id}/publish`);
    assert.equal(publishedTile.status, 200);
    assert.equal(publishedTile.body.changed, false);

    const view = await anonymous.get<PublicDashboard>(
      `/api/public/dashboard?municipality=${municipality.slug}`,
    );
    assert.equal(view.body.scope.kind, 'municipality');
    assert.equal(view.body.tiles.length, 1);
    const tile = view.body.tiles[0]!;
    assert.equal(tile.title.de, 'Pegel Brücke');
    assert.deepEqual(
      tile.datastreams.map((d) => ({ id: d.id, unit: d.unit, location: d.location })),
      [{ id: published, unit: 'cm', location: { latitude: 48.7, longitude: 9.1 } }],
    );
    assert.ok(!JSON.stringify(view.body).includes('devEui'), 'no device details');

    const regionView = await anonymous.get<PublicDashboard>(`/api/public/dashboard?region=${region.slug}`);
    assert.deepEqual(
      regionView.body.tiles.map((t) => t.id),
      [created.body.id],
    );
    const single = await anonymous.get<PublicTile>(`/api/public/dashboard/tiles/${created.body.id}`);
    assert.equal(single.status, 200);
    assert.equal(single.body.municipalityName, municipality.name);

    // A new draft does not change what the public sees until it is published.
    const saved = await staff.request<StaffTile>('PUT', `${base}/tiles/${created.body.id}`, {
      json: { draft: config([published], { title: { de: 'Neuer Titel', en: 'New title' } }) },
    });
    assert.equal(saved.status, 200);
    assert.equal(saved.body.changed, true);
    const still = await anonymous.get<PublicTile>(`/api/public/dashboard/tiles/${created.body.id}`);
    assert.equal(still.body.title.de, 'Pegel Brücke');

    // Withdrawing a Datastream hides it from the tile (and the tile, having nothing left).
    await server.ctx.publications.unpublish(municipality.id, 'datastream', String(published), systemActor());
    assert.equal((await anonymous.get(`/api/public/dashboard/tiles/${created.body.id}`)).status, 404);
    await server.ctx.publications.publish(municipality.id, 'datastream', String(published), systemActor());

    const withdrawn = await staff.post<StaffTile>(`${base}/tiles/${created.body.id}/withdraw`);
    assert.equal(withdrawn.body.published, null);
    assert.equal((await anonymous.get(`/api/public/dashboard/tiles/${created.body.id}`)).status, 404);

    const history = await staff.get<{ history: TileHistoryEntry[] }>(
      `${base}/tiles/${created.body.id}/history`,
    );
    assert.deepEqual(
      history.body.history.map((h) => [h.action, h.version]),
      [
        ['withdrawn', 2],
        ['saved', 2],
        ['published', 1],
        ['created', 1],
      ],
    );
    assert.match(history.body.history[0]!.actor ?? '', /@/);
    const audit = await server.ctx.audit.list({ municipalityIds: [municipality.id], limit: 50 });
    assert.ok(audit.some((e) => e.action === 'dashboard.tile_published'));
  });

  test('tiles are ordered, and another municipality cannot read or change them', async () => {
    const { municipality, staff, base, published, second } = await setup();
    const a = await staff.post<StaffTile>(`${base}/tiles`, { draft: config([published]) });
    const b = await staff.post<StaffTile>(`${base}/tiles`, {
      draft: config([second], { chartType: 'value' }),
    });
    const ordered = await staff.request<{ tiles: StaffTile[] }>('PUT', `${base}/order`, {
      json: { tileIds: [b.body.id, a.body.id] },
    });
    assert.equal(ordered.status, 200);
    assert.deepEqual(
      ordered.body.tiles.map((t) => t.id),
      [b.body.id, a.body.id],
    );
    const incomplete = await staff.request('PUT', `${base}/order`, { json: { tileIds: [a.body.id] } });
    assert.equal(incomplete.status, 400);

    const other = await createTestMunicipality(server.ctx.db, (await createTestTenant(server.ctx.db)).region);
    const foreignAdmin = await createTestUser(server.ctx.db, { home: other, roles: ['municipal_admin'] });
    const foreign = await loggedInClient(server.url, foreignAdmin.email, TEST_PASSWORD);
    assert.equal((await foreign.get(`${base}/tiles`)).status, 403);
    assert.equal((await foreign.post(`${base}/tiles/${a.body.id}/publish`)).status, 403);
    // Naming a foreign tile under one's own municipality finds nothing.
    const ownBase = `/api/municipalities/${other.id}/dashboard`;
    assert.equal((await foreign.post(`${ownBase}/tiles/${a.body.id}/publish`)).status, 404);
    assert.equal((await new TestClient(server.url).get(`${base}/tiles`)).status, 401);

    const caseworker = await createTestUser(server.ctx.db, { home: municipality, roles: ['caseworker'] });
    const viewer = await loggedInClient(server.url, caseworker.email, TEST_PASSWORD);
    assert.equal((await viewer.get(`${base}/tiles`)).status, 200, 'staff may look');
    assert.equal((await viewer.post(`${base}/tiles/${a.body.id}/publish`)).status, 403, 'admins publish');
  });
});

describe('live values', () => {
  test('the stream sends new values of published Datastreams only', async () => {
    const { municipality, published, hidden } = await setup();
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/dashboard/stream?municipality=${municipality.id}`, {
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const next = async () => decoder.decode((await reader.read()).value);
    const decoder = new TextDecoder();
    let received = '';
    // The connection comment arrives first, so the subscription exists before we store values.
    while (!received.includes(': connected')) received += await next();

    const at = new Date('2026-11-20T08:00:00Z');
    await server.ctx.observations.create(municipality.id, [
      { datastreamId: hidden, phenomenonTime: { start: at, end: null }, result: 1 },
      { datastreamId: published, phenomenonTime: { start: at, end: null }, result: 42.5 },
    ]);
    while (!received.includes('event: observations')) received += await next();
    while (!received.endsWith('\n\n')) received += await next();
    controller.abort();
    const data = received.split('event: observations\ndata: ')[1]!.split('\n')[0]!;
    assert.deepEqual(JSON.parse(data), [{ id: published, time: at.toISOString(), value: 42.5 }]);
  });
});

describe('open data', () => {
  test('CSV and JSON exports stream a time range of a published Datastream', async () => {
    const { municipality, published, hidden } = await setup();
    const start = Date.parse('2026-11-01T00:00:00Z');
    await server.ctx.observations.create(
      municipality.id,
      Array.from({ length: 12 }, (_, i) => ({
        datastreamId: published,
        phenomenonTime: { start: new Date(start + i * 3_600_000), end: null },
        result: i * 1.5,
      })),
    );
    const anonymous = new TestClient(server.url);
    const range = 'from=2026-11-01T02:00:00Z&to=2026-11-01T06:00:00Z';
    const csv = await anonymous.get(`/api/open-data/datastreams/${published}/observations.csv?${range}`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="datastream-/);
    assert.deepEqual(csv.text.trim().split('\r\n'), [
      'phenomenonTime,result,unit',
      '2026-11-01T02:00:00.000Z,3,cm',
      '2026-11-01T03:00:00.000Z,4.5,cm',
      '2026-11-01T04:00:00.000Z,6,cm',
      '2026-11-01T05:00:00.000Z,7.5,cm',
    ]);
    const json = await anonymous.get<{
      datastream: { licence: string };
      observations: { time: string; result: number }[];
    }>(`/api/open-data/datastreams/${published}/observations.json?${range}`);
    assert.equal(json.body.observations.length, 4);
    assert.deepEqual(json.body.observations[0], { time: '2026-11-01T02:00:00.000Z', result: 3 });
    assert.equal(json.body.datastream.licence, 'http://dcat-ap.de/def/licenses/dl-by-de/2.0');

    assert.equal((await anonymous.get(`/api/open-data/datastreams/${hidden}/observations.csv`)).status, 404);
    const tooLong = await anonymous.get(
      `/api/open-data/datastreams/${published}/observations.csv?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
    );
    assert.equal(tooLong.status, 400);
  });

  test('published locations as GeoJSON, without unpublished Datastreams', async () => {
    const { municipality, published, second, hidden } = await setup();
    const res = await new TestClient(server.url).get(
      `/api/open-data/locations.geojson?municipality=${municipality.slug}`,
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/geo\+json/);
    const geojson = JSON.parse(res.text) as {
      type: string;
      features: { geometry: { coordinates: number[] }; properties: { datastreams: { id: number }[] } }[];
    };
    assert.equal(geojson.type, 'FeatureCollection');
    assert.equal(geojson.features.length, 1);
    assert.deepEqual(geojson.features[0]!.geometry.coordinates, [9.1, 48.7]);
    const ids = geojson.features[0]!.properties.datastreams.map((d) => d.id);
    assert.deepEqual(ids.sort(), [published, second].sort());
    assert.ok(!ids.includes(hidden));
  });

  test('the DCAT-AP.de catalogue parses as RDF and carries the required properties', async () => {
    const { municipality, staff, published, second, hidden, ags } = await setup();
    const licence = await staff.request(
      'PUT',
      `/api/municipalities/${municipality.id}/open-data/licences/${second}`,
      { json: { licenceUri: 'http://dcat-ap.de/def/licenses/cc-by/4.0' } },
    );
    assert.equal(licence.status, 204);

    const anonymous = new TestClient(server.url);
    const ttl = await anonymous.get(`/api/open-data/catalog.ttl?municipality=${municipality.slug}`);
    assert.equal(ttl.status, 200);
    assert.match(ttl.headers.get('content-type') ?? '', /^text\/turtle/);
    const store = new N3.Store(new N3.Parser().parse(ttl.text));
    const jsonld = await anonymous.get(`/api/open-data/catalog.jsonld?municipality=${municipality.slug}`);
    assert.match(jsonld.headers.get('content-type') ?? '', /^application\/ld\+json/);

    const iri = (ns: keyof typeof NS, local: string) => N3.DataFactory.namedNode(NS[ns] + local);
    const one = (subject: N3.Term, predicate: N3.NamedNode) => {
      const objects = store.getObjects(subject, predicate, null);
      assert.ok(objects.length >= 1, `${subject.value} lacks ${predicate.value}`);
      return objects[0]!;
    };
    const [catalogue] = store.getSubjects(iri('rdf', 'type'), iri('dcat', 'Catalog'), null);
    assert.ok(catalogue);
    for (const p of ['title', 'description', 'publisher']) one(catalogue, iri('dct', p));
    const datasets = store.getObjects(catalogue, iri('dcat', 'dataset'), null);
    assert.equal(datasets.length, 2, 'one dataset per published Datastream');
    assert.ok(!ttl.text.includes(`datastream-${hidden}`));

    const licences = new Map<number, string[]>();
    for (const dataset of datasets) {
      assert.ok(
        store.has(N3.DataFactory.quad(dataset as N3.NamedNode, iri('rdf', 'type'), iri('dcat', 'Dataset'))),
      );
      for (const p of ['title', 'description', 'publisher', 'identifier']) one(dataset, iri('dct', p));
      one(dataset, iri('dcat', 'theme'));
      one(dataset, iri('dcatde', 'contributorID'));
      assert.equal(
        one(dataset, iri('dcatde', 'politicalGeocodingURI')).value,
        `http://dcat-ap.de/def/politicalGeocoding/municipalityKey/${ags}`,
      );
      const distributions = store.getObjects(dataset, iri('dcat', 'distribution'), null);
      assert.equal(distributions.length, 3, 'CSV, JSON and SensorThings');
      const formats = distributions.map((d) => one(d, iri('dct', 'format')).value).sort();
      assert.deepEqual(formats, [
        'http://publications.europa.eu/resource/authority/file-type/CSV',
        'http://publications.europa.eu/resource/authority/file-type/JSON',
        'http://publications.europa.eu/resource/authority/file-type/JSON',
      ]);
      for (const d of distributions) {
        one(d, iri('dcat', 'accessURL'));
        one(d, iri('dcatde', 'licenseAttributionByText'));
      }
      const id = Number(/datastream-(\d+)$/.exec(dataset.value)![1]);
      licences.set(
        id,
        distributions.map((d) => one(d, iri('dct', 'license')).value),
      );
    }
    assert.deepEqual(
      new Set(licences.get(published)),
      new Set(['http://dcat-ap.de/def/licenses/dl-by-de/2.0']),
    );
    assert.deepEqual(new Set(licences.get(second)), new Set(['http://dcat-ap.de/def/licenses/cc-by/4.0']));

    // The JSON-LD says the same: the same datasets with the same licences.
    const graph = (jsonld.body as { '@graph': { '@id': string; '@type'?: string[] }[] })['@graph'];
    const jsonDatasets = graph.filter((n) => n['@type']?.includes(`${NS.dcat}Dataset`)).map((n) => n['@id']);
    assert.deepEqual(jsonDatasets.sort(), datasets.map((d) => d.value).sort());
  });
});

describe('embedding', () => {
  test('only the embed pages may be framed by other sites', async () => {
    const web = await startTestServer({ seedDemo: false });
    try {
      const embed = await fetch(`${web.url}/dashboard/embed/tile/00000000-0000-4000-8000-000000000000`);
      assert.match(embed.headers.get('content-security-policy') ?? '', /frame-ancestors \*/);
      assert.equal(embed.headers.get('x-frame-options'), null);
      const page = await fetch(`${web.url}/dashboard`);
      assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'self'/);
      assert.ok(page.headers.get('x-frame-options'));
    } finally {
      await web.close();
    }
  });
});
