import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { systemActor } from '../core/audit/audit.service.js';
import {
  createTestMunicipality,
  createTestTenant,
  createTestUser,
  TEST_PASSWORD,
} from '../test-support/factories.js';
import { loggedInClient, TestClient } from '../test-support/http.js';
import { startMailbox, type Mailbox } from '../test-support/mailbox.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { phonePhoto } from './test-image-fixtures.js';

let server: TestServer;
let mailbox: Mailbox;
before(async () => {
  mailbox = await startMailbox();
  server = await startTestServer({
    webDist: null,
    env: { SMTP_URL: mailbox.url, PARTICIPATION_MIN_FILL_SECONDS: '1', PARTICIPATION_POSTS_PER_HOUR: '1000' },
  });
});
after(async () => {
  await server.close();
  await mailbox.close();
});

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });
const parseXml = (text: string) => {
  assert.equal(XMLValidator.validate(text), true, 'well-formed XML');
  return xml.parse(text) as Record<string, unknown>;
};
const actor = systemActor('test');

/** A region of two municipalities with boundaries, categories and a caseworker in the eastern one. */
async function setup() {
  const { region, municipality: west } = await createTestTenant(server.ctx.db);
  const east = await createTestMunicipality(server.ctx.db, region);
  const { reports } = server.ctx.participation;
  for (const [m, west0] of [
    [west, 9],
    [east, 10],
  ] as const) {
    const yard = await server.ctx.tenancy.createOrgUnit(
      m.id,
      { kind: 'building_yard', name: 'Bauhof', parentId: null },
      actor,
    );
    await reports.setBoundary(
      m.id,
      {
        type: 'Polygon',
        coordinates: [
          [
            [west0, 50],
            [west0 + 1, 50],
            [west0 + 1, 51],
            [west0, 51],
            [west0, 50],
          ],
        ],
      },
      actor,
    );
    await reports.saveCategory(
      {
        municipalityId: m.id,
        code: 'licht',
        name: 'Straßenbeleuchtung',
        description: 'Laterne defekt',
        keywords: ['laterne'],
        teamId: yard.id,
        attributes: [
          {
            variable: true,
            code: 'defect',
            datatype: 'singlevaluelist',
            required: true,
            datatype_description: '',
            order: 1,
            description: 'Was ist los?',
            values: [
              { key: 'dark', name: 'Dunkel' },
              { key: 'flicker', name: 'Flackert' },
            ],
          },
        ],
        active: true,
      },
      actor,
    );
  }
  const staff = await createTestUser(server.ctx.db, { home: east, roles: ['municipal_admin'] });
  const client = await loggedInClient(server.url, staff.email, TEST_PASSWORD);
  return { region, west, east, staff, client };
}

const anonymousReport = (region: string, extra: Record<string, unknown> = {}) => ({
  region,
  category: 'licht',
  description: 'Die Laterne vor Hausnummer 5 ist seit Tagen dunkel.',
  latitude: 50.5,
  longitude: 10.5,
  address: 'Hauptstraße 5',
  email: `melder-${Date.now()}@example.org`,
  name: 'Bea Bürgerin',
  phone: '0661 4711',
  website: '',
  startedAt: Date.now() - 10_000,
  ...extra,
});

test('a citizen reports a problem with a photo: routed, tracked, EXIF stripped, photo public only after approval', async () => {
  const { region, east, client } = await setup();
  const anonymous = new TestClient(server.url);
  const body = anonymousReport(region.id);
  const created = await anonymous.post<{
    number: number;
    trackingToken: string;
    trackingUrl: string;
    municipalityName: string;
  }>('/api/public/reports', body);
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.municipalityName, east.name);
  assert.match(
    created.body.trackingUrl,
    new RegExp(`/mitmachen/meldungen/verfolgen/${created.body.trackingToken}$`),
  );
  assert.ok(created.body.trackingToken.length >= 40, 'an unguessable token');

  const mail = await mailbox.nextMailTo(body.email);
  assert.match(mail.subject, new RegExp(`#${created.body.number}`));
  assert.ok(mail.text.includes(created.body.trackingUrl), 'the mail carries the tracking link');

  const token = created.body.trackingToken;
  const photo = await phonePhoto();
  const uploaded = await anonymous.request<{ id: string }>(
    'POST',
    `/api/public/reports/tracking/${token}/photos`,
    {
      body: photo,
      headers: { 'content-type': 'image/jpeg' },
    },
  );
  assert.equal(uploaded.status, 201, uploaded.text);
  const svg = await anonymous.request('POST', `/api/public/reports/tracking/${token}/photos`, {
    body: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    headers: { 'content-type': 'image/jpeg' },
  });
  assert.equal(svg.status, 415, 'the bytes decide the type, not the header');

  const tracked = await anonymous.get<{
    report: { status: string; photos: string[] };
    photosWaiting: number;
  }>(`/api/public/reports/tracking/${token}`);
  assert.equal(tracked.status, 200);
  assert.equal(tracked.body.report.status, 'open');
  assert.deepEqual(tracked.body.report.photos, []);
  assert.equal(tracked.body.photosWaiting, 1);
  const hidden = await anonymous.get(`/api/public/reports/photos/${uploaded.body.id}`);
  assert.equal(hidden.status, 404, 'not public before approval');

  const list = await client.get<{ reports: { id: string; number: number; reporter: { email: string } }[] }>(
    `/api/participation/reports?municipalityId=${east.id}`,
  );
  const staffView = list.body.reports.find((r) => r.number === created.body.number)!;
  assert.equal(staffView.reporter.email, body.email, 'staff see who reported');
  const detail = await client.get<{ photos: { id: string; url: string }[] }>(
    `/api/participation/reports/${staffView.id}`,
  );
  const staffPhoto = await fetch(server.url + detail.body.photos[0]!.url, {
    headers: { cookie: client.cookie! },
  });
  const bytes = Buffer.from(await staffPhoto.arrayBuffer());
  assert.equal(staffPhoto.headers.get('content-type'), 'image/jpeg');
  assert.ok(!bytes.includes('WGS-84') && !bytes.includes('Exif'), 'EXIF and GPS are gone');
  assert.deepEqual([bytes[0], bytes[1]], [0xff, 0xd8], 'still a JPEG');

  const approved = await client.post(
    `/api/participation/reports/${staffView.id}/photos/${uploaded.body.id}/approval`,
    {
      approved: true,
    },
  );
  assert.equal(approved.status, 200);
  const publicPhoto = await fetch(`${server.url}/api/public/reports/photos/${uploaded.body.id}`);
  assert.equal(publicPhoto.status, 200);
  assert.ok(!Buffer.from(await publicPhoto.arrayBuffer()).includes('GPSLatitude'));

  const listed = await anonymous.get<{ reports: { number: number }[] }>(
    `/api/public/reports?region=${region.id}`,
  );
  assert.ok(listed.body.reports.some((r) => r.number === created.body.number));
  for (const secret of [body.email, 'Bea', '0661', token])
    assert.ok(!listed.text.includes(secret), `public list leaks ${secret}`);

  const commented = await client.post(`/api/participation/reports/${staffView.id}/comments`, {
    visibility: 'public',
    body: 'Der Bauhof tauscht das Leuchtmittel diese Woche.',
  });
  assert.equal(commented.status, 201);
  const answer = await mailbox.nextMailTo(body.email);
  assert.match(answer.text, /Leuchtmittel/);

  const task = await client.post<{ taskId: string; workListUrl: string }>(
    `/api/participation/reports/${staffView.id}/task`,
    {},
  );
  assert.equal(task.status, 201, task.text);
  const inbox = await client.get<{ tasks: { id: string; source: { type: string; id: string } }[] }>(
    '/api/work/tasks',
  );
  assert.ok(
    inbox.body.tasks.some(
      (t) => t.id === task.body.taskId && t.source.type === 'report' && t.source.id === staffView.id,
    ),
  );
});

test('anonymous forms: honeypot, too-fast sending and bad input get clear errors', async () => {
  const { region } = await setup();
  const anonymous = new TestClient(server.url);
  const honeypot = await anonymous.post<{ error: { code: string } }>(
    '/api/public/reports',
    anonymousReport(region.id, { website: 'http://spam.example' }),
  );
  assert.equal(honeypot.status, 400);
  assert.equal(honeypot.body.error.code, 'spam_suspected');
  const fast = await anonymous.post<{ error: { code: string } }>(
    '/api/public/reports',
    anonymousReport(region.id, { startedAt: Date.now() }),
  );
  assert.equal(fast.body.error.code, 'sent_too_fast');
  const outside = await anonymous.post<{ error: { code: string } }>(
    '/api/public/reports',
    anonymousReport(region.id, { latitude: 48 }),
  );
  assert.equal(outside.status, 422);
  assert.equal(outside.body.error.code, 'report_not_routable');
});

test('Open311 GeoReport v2: discovery, services, definitions, requests and tokens in JSON and XML', async () => {
  const { east, client } = await setup();
  const jurisdiction = east.slug;
  const key = await client.post<{ secret: string }>('/api/me/credentials', {
    kind: 'api_key',
    label: 'Open311-App',
    scopes: ['api'],
  });
  assert.equal(key.status, 201, key.text);

  const discovery = await fetch(`${server.url}/open311/v2/discovery.xml`);
  const parsedDiscovery = parseXml(await discovery.text()) as {
    discovery: { endpoints: { endpoint: { specification: string; formats: { format: string[] } } } };
  };
  assert.equal(
    parsedDiscovery.discovery.endpoints.endpoint.specification,
    'http://wiki.open311.org/GeoReport_v2',
  );
  assert.deepEqual(parsedDiscovery.discovery.endpoints.endpoint.formats.format, [
    'application/json',
    'text/xml',
  ]);

  const services = await fetch(`${server.url}/open311/v2/services.json?jurisdiction_id=${jurisdiction}`);
  const list = (await services.json()) as { service_code: string; metadata: boolean; type: string }[];
  assert.deepEqual(
    list.map((s) => [s.service_code, s.metadata, s.type]),
    [['licht', true, 'realtime']],
  );
  const servicesXml = parseXml(
    await (await fetch(`${server.url}/open311/v2/services.xml?jurisdiction_id=${jurisdiction}`)).text(),
  ) as {
    services: { service: { service_code: string; service_name: string } };
  };
  assert.equal(servicesXml.services.service.service_name, 'Straßenbeleuchtung');

  const definition = parseXml(
    await (await fetch(`${server.url}/open311/v2/services/licht.xml?jurisdiction_id=${jurisdiction}`)).text(),
  ) as {
    service_definition: {
      attributes: { attribute: { code: string; datatype: string; values: { value: { key: string }[] } } };
    };
  };
  const attribute = definition.service_definition.attributes.attribute;
  assert.equal(attribute.code, 'defect');
  assert.equal(attribute.datatype, 'singlevaluelist');
  assert.deepEqual(
    attribute.values.value.map((v) => v.key),
    ['dark', 'flicker'],
  );

  const form = (values: Record<string, string>) =>
    fetch(`${server.url}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(values).toString(),
    });
  const base = {
    jurisdiction_id: jurisdiction,
    service_code: 'licht',
    lat: '50.5',
    long: '10.5',
    description: 'Laterne flackert die ganze Nacht',
    email: 'app-nutzer@example.org',
    first_name: 'Otto',
    'attribute[defect]': 'flicker',
  };
  const noKey = await form(base);
  assert.equal(noKey.status, 403);
  const noKeyBody = (await noKey.json()) as { code: number; description: string }[];
  assert.equal(noKeyBody[0]!.code, 403);
  assert.match(noKeyBody[0]!.description, /api_key/);

  const badAttribute = await form({ ...base, api_key: key.body.secret, 'attribute[defect]': 'melting' });
  assert.equal(badAttribute.status, 400);
  const badXml = await fetch(`${server.url}/open311/v2/requests.xml`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...base, api_key: key.body.secret, service_code: 'unbekannt' }).toString(),
  });
  assert.equal(badXml.status, 404);
  const errors = parseXml(await badXml.text()) as {
    errors: { error: { code: number; description: string } };
  };
  assert.equal(errors.errors.error.code, 404);

  const created = await form({ ...base, api_key: key.body.secret });
  assert.equal(created.status, 201);
  const [request] = (await created.json()) as { service_request_id: string; token: string }[];
  assert.match(request!.service_request_id, /^\d+$/);

  const one = (await (
    await fetch(`${server.url}/open311/v2/requests/${request!.service_request_id}.json`)
  ).json()) as Record<string, unknown>[];
  assert.equal(one[0]!.status, 'open');
  assert.equal(one[0]!.service_code, 'licht');
  assert.equal(one[0]!.agency_responsible, east.name);
  assert.equal(one[0]!.lat, 50.5);
  const oneText = JSON.stringify(one);
  for (const secret of ['app-nutzer', 'Otto'])
    assert.ok(!oneText.includes(secret), `request leaks ${secret}`);

  const filtered = await fetch(
    `${server.url}/open311/v2/requests.xml?jurisdiction_id=${jurisdiction}&service_code=licht&status=open&start_date=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`,
  );
  const requests = parseXml(await filtered.text()) as {
    service_requests: { request: { service_request_id: number } | { service_request_id: number }[] };
  };
  const items = [requests.service_requests.request].flat();
  assert.ok(items.some((r) => String(r.service_request_id) === request!.service_request_id));
  const closedOnly = (await (
    await fetch(`${server.url}/open311/v2/requests.json?jurisdiction_id=${jurisdiction}&status=closed`)
  ).json()) as unknown[];
  assert.equal(closedOnly.length, 0);

  const token = parseXml(
    await (await fetch(`${server.url}/open311/v2/tokens/${request!.token}.xml`)).text(),
  ) as {
    service_requests: { request: { service_request_id: number; token: string } };
  };
  assert.equal(String(token.service_requests.request.service_request_id), request!.service_request_id);
  const unknownJurisdiction = await fetch(`${server.url}/open311/v2/services.json?jurisdiction_id=nirgendwo`);
  assert.equal(unknownJurisdiction.status, 404);
  assert.deepEqual(await unknownJurisdiction.json(), [
    { code: 404, description: 'Unknown jurisdiction_id nirgendwo' },
  ]);
});

test('Open311 POST as multipart/form-data with a media photo: stored re-encoded, waiting for approval', async () => {
  const { east, client } = await setup();
  const key = await client.post<{ secret: string }>('/api/me/credentials', {
    kind: 'api_key',
    label: 'Open311-App mit Fotos',
    scopes: ['api'],
  });
  assert.equal(key.status, 201, key.text);
  const multipart = (media: Blob | null) => {
    const form = new FormData();
    for (const [name, value] of Object.entries({
      api_key: key.body.secret,
      jurisdiction_id: east.slug,
      service_code: 'licht',
      lat: '50.5',
      long: '10.5',
      description: 'Laterne mit Foto gemeldet',
      'attribute[defect]': 'dark',
    }))
      form.append(name, value);
    if (media) form.append('media', media, 'laterne.jpg');
    return fetch(`${server.url}/open311/v2/requests.json`, { method: 'POST', body: form });
  };

  const refused = await multipart(new Blob([Buffer.from('%PDF-1.7 kein Foto')], { type: 'image/jpeg' }));
  assert.equal(refused.status, 415);
  const refusedBody = (await refused.json()) as { code: number; description: string }[];
  assert.equal(refusedBody[0]!.code, 415, 'errors in the Open311 form');

  const created = await multipart(new Blob([await phonePhoto()], { type: 'image/jpeg' }));
  assert.equal(created.status, 201, await created.clone().text());
  const [request] = (await created.json()) as { service_request_id: string }[];
  const list = await client.get<{ reports: { id: string; number: number; description: string }[] }>(
    `/api/participation/reports?municipalityId=${east.id}`,
  );
  assert.deepEqual(
    list.body.reports.map((r) => r.description),
    ['Laterne mit Foto gemeldet'],
    'the refused request left no report behind',
  );
  const report = list.body.reports.find((r) => String(r.number) === request!.service_request_id)!;
  const detail = await client.get<{ photos: { approved: boolean; url: string }[] }>(
    `/api/participation/reports/${report.id}`,
  );
  assert.equal(detail.body.photos.length, 1);
  assert.equal(detail.body.photos[0]!.approved, false);
  const stored = await fetch(server.url + detail.body.photos[0]!.url, {
    headers: { cookie: client.cookie! },
  });
  const bytes = Buffer.from(await stored.arrayBuffer());
  assert.ok(!bytes.includes('WGS-84'), 'GPS removed');

  const withoutMedia = await multipart(null);
  assert.equal(withoutMedia.status, 201, 'media is optional');
});

test('address search: the gazetteer of the municipality answers suggestions with coordinates', async () => {
  const { east } = await setup();
  await server.ctx.participation.geocoding.gazetteer.save(east.id, [
    { kind: 'street', name: 'Lindenstraße', latitude: 50.5, longitude: 10.5 },
  ]);
  const anonymous = new TestClient(server.url);
  const found = await anonymous.get<{ results: { label: string; latitude: number; source: string }[] }>(
    `/api/public/geocode?q=${encodeURIComponent('Lindenstr 4')}&municipality=${east.id}`,
  );
  assert.equal(found.status, 200, found.text);
  assert.deepEqual(found.body.results, [
    {
      label: `Lindenstraße 4, ${east.name}`,
      latitude: 50.5,
      longitude: 10.5,
      municipalityId: east.id,
      source: 'gazetteer',
    },
  ]);
  const short = await anonymous.get(`/api/public/geocode?q=L`);
  assert.equal(short.status, 400);
});

test('news from the rich-text editor: images need alt text and our storage; HTML is sanitised', async () => {
  const { east, client } = await setup();
  const picture = await phonePhoto();
  const upload = (query: string) =>
    client.request<{ url: string; alt: string }>('POST', `/api/participation/images?${query}`, {
      body: picture,
      headers: { 'content-type': 'image/jpeg' },
    });
  assert.equal((await upload(`municipalityId=${east.id}`)).status, 400, 'alt text is required');
  const image = await upload(`municipalityId=${east.id}&alt=${encodeURIComponent('Neue LED-Laterne')}`);
  assert.equal(image.status, 201, image.text);
  assert.equal(image.body.alt, 'Neue LED-Laterne');

  const html = `<h2>LED</h2><p>Die <strong>Gemeinde</strong> stellt um.<script>alert(1)</script></p><img src="${image.body.url}" alt="Neue LED-Laterne" onerror="alert(2)">`;
  const preview = await client.post<{ html: string }>('/api/participation/preview', { html });
  assert.equal(preview.status, 200, preview.text);
  const created = await client.post<{ id: string; html: string; format: string }>(
    '/api/participation/posts',
    {
      municipalityId: east.id,
      kind: 'news',
      title: 'Mit Bild',
      html,
      status: 'published',
    },
  );
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.format, 'html');
  assert.equal(created.body.html, preview.body.html, 'the preview is what the public gets');
  assert.equal(
    created.body.html,
    `<h2>LED</h2><p>Die <strong>Gemeinde</strong> stellt um.</p><img src="${image.body.url}" alt="Neue LED-Laterne" />`,
  );
  const foreign = await client.patch(`/api/participation/posts/${created.body.id}`, {
    html: '<img src="https://tracker.example/pixel.png" alt="x">',
  });
  assert.equal(foreign.status, 400, 'images from elsewhere are refused');
  const both = await client.patch(`/api/participation/posts/${created.body.id}`, {
    html: '<p>a</p>',
    markdown: 'a',
  });
  assert.equal(both.status, 400);

  const anonymous = new TestClient(server.url);
  const read = await anonymous.get<{ html: string }>(`/api/public/news/${created.body.id}`);
  assert.equal(read.body.html, created.body.html);
  const served = await fetch(`${server.url}${image.body.url}`);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'image/jpeg');
});

test('news: staff write Markdown, the public reads sanitised HTML, RSS 2.0 and Atom feeds', async () => {
  const { region, east, client } = await setup();
  const created = await client.post<{ id: string; html: string }>('/api/participation/posts', {
    municipalityId: east.id,
    kind: 'news',
    title: 'Neue Laternen & mehr',
    summary: 'LED für die Hauptstraße',
    markdown: '## LED\n\nDie Gemeinde stellt um. <script>alert(1)</script>',
    fieldsOfAction: ['energie'],
    status: 'published',
  });
  assert.equal(created.status, 201, created.text);
  assert.doesNotMatch(created.body.html, /script/);
  await client.post('/api/participation/posts', {
    municipalityId: east.id,
    kind: 'news',
    title: 'Geplant',
    markdown: 'Noch nicht',
    status: 'published',
    publishAt: new Date(Date.now() + 86_400_000).toISOString(),
  });

  const anonymous = new TestClient(server.url);
  const news = await anonymous.get<{ posts: { title: string }[] }>(
    `/api/public/news?municipality=${east.id}`,
  );
  assert.deepEqual(
    news.body.posts.map((p) => p.title),
    ['Neue Laternen & mehr'],
  );

  const rss = await fetch(`${server.url}/api/public/news/feed.rss?region=${region.id}`);
  assert.match(rss.headers.get('content-type') ?? '', /application\/rss\+xml/);
  const rssDoc = parseXml(await rss.text()) as {
    rss: {
      '@version': string;
      channel: {
        title: string;
        item: { title: string; link: string; guid: { '#text': string }; pubDate: string };
      };
    };
  };
  assert.equal(rssDoc.rss['@version'], '2.0');
  assert.equal(rssDoc.rss.channel.item.title, 'Neue Laternen & mehr');
  assert.equal(rssDoc.rss.channel.item.link, `${server.config.PUBLIC_URL}/mitmachen/news/${created.body.id}`);
  assert.ok(!Number.isNaN(Date.parse(rssDoc.rss.channel.item.pubDate)), 'RFC 822 date');

  const atom = await fetch(`${server.url}/api/public/news/feed.atom?region=${region.id}`);
  assert.match(atom.headers.get('content-type') ?? '', /application\/atom\+xml/);
  const atomDoc = parseXml(await atom.text()) as {
    feed: {
      '@xmlns': string;
      id: string;
      updated: string;
      author: { name: string };
      entry: { title: string; id: string; content: { '#text': string; '@type': string } };
    };
  };
  assert.equal(atomDoc.feed['@xmlns'], 'http://www.w3.org/2005/Atom');
  assert.ok(atomDoc.feed.author.name);
  assert.equal(atomDoc.feed.entry.title, 'Neue Laternen & mehr');
  assert.equal(atomDoc.feed.entry.content['@type'], 'html');
  assert.match(atomDoc.feed.entry.content['#text'], /<h2>LED<\/h2>/);
});

test('feedback is public only with the answer of the team; authors stay private', async () => {
  const { region, client } = await setup();
  const anonymous = new TestClient(server.url);
  const sent = await anonymous.post<{ id: string }>('/api/public/feedback', {
    region: region.id,
    kind: 'idea',
    title: 'Sitzbänke mit Sensoren',
    body: 'Man könnte an Bänken die Temperatur messen.',
    name: 'Carla Citizen',
    email: 'carla@example.org',
    startedAt: Date.now() - 10_000,
  });
  assert.equal(sent.status, 201, sent.text);
  const before = await anonymous.get<{ feedback: unknown[] }>(`/api/public/feedback?region=${region.id}`);
  assert.equal(before.body.feedback.length, 0);
  const noAnswer = await client.post(`/api/participation/feedback/${sent.body.id}/moderation`, {
    status: 'published',
  });
  assert.equal(noAnswer.status, 400);
  const published = await client.post(`/api/participation/feedback/${sent.body.id}/moderation`, {
    status: 'published',
    answer: 'Gute Idee, wir prüfen das.',
  });
  assert.equal(published.status, 200, published.text);
  const afterwards = await anonymous.get<{ feedback: { answer: string }[] }>(
    `/api/public/feedback?region=${region.id}`,
  );
  assert.equal(afterwards.body.feedback[0]!.answer, 'Gute Idee, wir prüfen das.');
  assert.ok(!afterwards.text.includes('Carla') && !afterwards.text.includes('carla@'));
});
