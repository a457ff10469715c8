import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseConfig } from '../config.js';
import { createContext } from '../context.js';
import { systemActor } from '../core/audit/audit.service.js';
import { AppError } from '../core/errors.js';
import { testDatabase } from '../test-support/db.js';
import { waitFor } from '../test-support/wait.js';
import { createTestMunicipality, createTestTenant, createTestUser } from '../test-support/factories.js';
import { rectangle } from './geo.js';
import { presentPublicReport } from './reports.presenter.js';
import { phonePhoto } from './test-image-fixtures.js';

const handle = await testDatabase();
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'srp-participation-'));
after(async () => {
  await handle.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});
const ctx = createContext(
  parseConfig({ DATA_DIR: dataDir, PARTICIPATION_POSTS_PER_HOUR: '3', PARTICIPATION_MIN_FILL_SECONDS: '2' }),
  handle,
);
const { reports, posts } = ctx.participation;
const actor = systemActor('test');

/** A region of two neighbouring municipalities with boundaries and categories routed to teams. */
async function region() {
  const { region, municipality: west } = await createTestTenant(ctx.db);
  const east = await createTestMunicipality(ctx.db, region);
  const teams = new Map<string, string>();
  for (const m of [west, east]) {
    const yard = await ctx.tenancy.createOrgUnit(
      m.id,
      { kind: 'building_yard', name: 'Bauhof', parentId: null },
      actor,
    );
    teams.set(m.id, yard.id);
    await reports.saveCategory(
      {
        municipalityId: m.id,
        code: 'licht',
        name: 'Straßenbeleuchtung',
        description: '',
        keywords: [],
        teamId: yard.id,
        attributes: [],
        active: true,
      },
      actor,
    );
  }
  await reports.saveCategory(
    {
      municipalityId: east.id,
      code: 'nur-ost',
      name: 'Nur Ost',
      description: '',
      keywords: [],
      teamId: null,
      attributes: [],
      active: true,
    },
    actor,
  );
  await reports.setBoundary(west.id, rectangle(50, 9, 51, 10), actor);
  await reports.setBoundary(east.id, rectangle(50, 10, 51, 11), actor);
  return { region, west, east, teams, ids: [west.id, east.id] };
}

const submit = (ids: string[], values: Partial<Parameters<typeof reports.submit>[0]> = {}) =>
  reports.submit(
    {
      candidateMunicipalityIds: ids,
      categoryCode: 'licht',
      description: 'Die Laterne ist dunkel.',
      latitude: 50.5,
      longitude: 10.5,
      address: 'Hauptstraße 1',
      reporterName: 'Bea Bürgerin',
      reporterEmail: 'bea@example.org',
      reporterPhone: '0661 123',
      channel: 'web',
      ...values,
    },
    actor,
  );

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    return `${error.status} ${error.code}`;
  }
};

test('a report goes to the municipality whose boundary holds it, and to the team of its category', async () => {
  const { west, east, teams, ids } = await region();
  const { report, token } = await submit(ids, { latitude: 50.5, longitude: 10.5 });
  assert.equal(report.municipality_id, east.id);
  assert.equal(report.team_id, teams.get(east.id));
  const { report: other } = await submit(ids, { latitude: 50.5, longitude: 9.5 });
  assert.equal(other.municipality_id, west.id);

  assert.equal((await reports.byToken(token)).id, report.id, 'the tracking token finds the report');
  assert.equal(await codeOf(reports.byToken(`${token.slice(0, -2)}xx`)), '404 not_found');
  assert.notEqual(report.tracking_token_hash, token, 'only a hash of the token is stored');

  assert.equal(await codeOf(submit(ids, { latitude: 48, longitude: 9.5 })), '422 report_not_routable');
  assert.equal(
    await codeOf(submit(ids, { categoryCode: 'nur-ost', latitude: 50.5, longitude: 9.5 })),
    '422 report_not_routable',
    'the responsible municipality does not handle this category',
  );
  assert.equal(
    await codeOf(submit(ids, { latitude: null, longitude: null })),
    '422 report_not_routable',
    'without a location and with several municipalities, nothing decides',
  );
  const { report: byAddress } = await submit([west.id], { latitude: null, longitude: null });
  assert.equal(byAddress.municipality_id, west.id, 'one named municipality and an address suffice');
});

test('public views carry no personal data, no internal comments and no unapproved photos', async () => {
  const { ids } = await region();
  const { report } = await submit(ids);
  const photo = await reports.addPhoto(report, await phonePhoto(), actor);
  await reports.comment(report, 'internal', 'Anwohner ruft täglich an', actor);
  await reports.comment(report, 'public', 'Wir kümmern uns.', actor);

  const [listed] = await reports.list({ municipalityIds: ids, limit: 10 });
  const before = presentPublicReport(listed!, await reports.approvedPhotos([report.id]));
  const text = JSON.stringify(before);
  for (const secret of ['Bea', 'bea@example.org', '0661', 'tracking', report.id])
    assert.ok(!text.includes(secret), `public view leaks ${secret}`);
  assert.deepEqual(before.photos, [], 'the photo waits for staff');
  const publicComments = await reports.comments(report, true);
  assert.deepEqual(
    publicComments.map((c) => c.body),
    ['Wir kümmern uns.'],
  );

  await reports.setPhotoApproval(report, photo.id, true, actor);
  const after = presentPublicReport(listed!, await reports.approvedPhotos([report.id]));
  assert.deepEqual(after.photos, [`/api/public/reports/photos/${photo.id}`]);
  const stored = await reports.photoFile(photo.id, () => true);
  const chunks: Buffer[] = [];
  for await (const chunk of stored.file.stream) chunks.push(chunk as Buffer);
  assert.ok(!Buffer.concat(chunks).includes('GPSLatitude'), 'the stored photo has no GPS position');
});

test('duplicates are merged into the original within one municipality and leave the public list', async () => {
  const { ids, west } = await region();
  const { report: original } = await submit(ids);
  const { report: duplicate } = await submit(ids);
  const { report: elsewhere } = await submit(ids, { longitude: 9.5 });
  assert.equal(elsewhere.municipality_id, west.id);

  const merged = await reports.merge(duplicate, original, actor);
  assert.equal(merged.duplicate_of, original.id);
  assert.equal(merged.status, 'closed');
  assert.match(merged.status_note ?? '', new RegExp(`#${original.number}`));
  const listed = await reports.list({ municipalityIds: ids, limit: 10 });
  assert.deepEqual(listed.map((r) => r.id).sort(), [original.id, elsewhere.id].sort());
  assert.equal(await codeOf(reports.merge(elsewhere, original, actor)), '400 validation_failed');
  assert.equal(await codeOf(reports.merge(original, original, actor)), '400 validation_failed');
});

test('a report becomes one task in the building yard inbox; finishing the task closes the report', async () => {
  const { ids, east, teams } = await region();
  const { report } = await submit(ids);
  const crew = await createTestUser(ctx.db, { home: east, roles: ['building_yard'] });
  const task = await reports.createTask(report, {}, actor);
  const again = await reports.createTask(await reports.get(ids, report.id), {}, actor);
  assert.equal(again.id, task.id, 'one open task per report');
  assert.equal(task.source_type, 'report');
  assert.equal(task.source_id, report.id);
  assert.equal(task.team_id, teams.get(east.id));
  assert.equal(task.latitude, 50.5);
  assert.equal((await reports.get(ids, report.id)).status, 'in_progress');

  await ctx.work.complete(task, 'Leuchtmittel getauscht', { ...actor, userId: crew.id });
  const closed = await waitFor('the report to close', async () => {
    const current = await reports.get(ids, report.id);
    return current.status === 'closed' ? current : undefined;
  });
  assert.equal(closed.status, 'closed');
  assert.equal(closed.status_note, 'Leuchtmittel getauscht');
});

test('news appear when published and due; drafts and scheduled posts stay hidden', async () => {
  const { region: r, west, east } = await region();
  const base = {
    regionId: r.id,
    kind: 'news' as const,
    pageRole: null,
    summary: '',
    body: { format: 'markdown' as const, markdown: 'Text <script>x</script>' },
    fieldsOfAction: ['umwelt'],
  };
  const live = await posts.create(
    { ...base, municipalityId: west.id, slug: 'live', title: 'Live', status: 'published', publishAt: null },
    actor,
  );
  const regional = await posts.create(
    {
      ...base,
      municipalityId: null,
      slug: 'region',
      title: 'Region',
      status: 'published',
      publishAt: new Date(Date.now() - 1000),
    },
    actor,
  );
  await posts.create(
    { ...base, municipalityId: west.id, slug: 'draft', title: 'Entwurf', status: 'draft', publishAt: null },
    actor,
  );
  const later = await posts.create(
    {
      ...base,
      municipalityId: west.id,
      slug: 'later',
      title: 'Später',
      status: 'published',
      publishAt: new Date(Date.now() + 3_600_000),
    },
    actor,
  );
  await posts.create(
    { ...base, municipalityId: east.id, slug: 'east', title: 'Ost', status: 'published', publishAt: null },
    actor,
  );

  assert.doesNotMatch(live.body_html, /script/);
  const ofWest = await posts.listPublic({ kind: 'news', municipalityId: west.id, limit: 10 });
  assert.deepEqual(ofWest.map((p) => p.title).sort(), ['Live', 'Region']);
  const ofRegion = await posts.listPublic({ kind: 'news', regionId: r.id, limit: 10 });
  assert.deepEqual(ofRegion.map((p) => p.title).sort(), ['Live', 'Ost', 'Region']);
  assert.equal(await codeOf(posts.getPublic(later.id)), '404 not_found');
  assert.equal((await posts.getPublic(regional.id)).id, regional.id);
  const byField = await posts.listPublic({
    kind: 'news',
    regionId: r.id,
    fieldOfAction: 'mobilitaet',
    limit: 10,
  });
  assert.equal(byField.length, 0);
});

test('editor posts store sanitised HTML beside Markdown posts; images need our storage and alt text', async () => {
  const { region: r, west } = await region();
  const base = {
    regionId: r.id,
    municipalityId: west.id,
    kind: 'news' as const,
    pageRole: null,
    summary: '',
    fieldsOfAction: [],
    status: 'published' as const,
    publishAt: null,
  };
  const image = await posts.addImage(r.id, west.id, await phonePhoto(), ' Neue Laterne ', actor);
  assert.equal(image.alt, 'Neue Laterne');
  await assert.rejects(posts.addImage(r.id, west.id, await phonePhoto(), '  ', actor), /alternative text/);

  const src = `/api/public/participation/images/${image.id}`;
  const rich = await posts.create(
    {
      ...base,
      slug: 'rich',
      title: 'Reich',
      body: {
        format: 'html',
        html: `<h2>Neu</h2><p onclick="x()"><strong>fett</strong> <a href="javascript:x()">a</a></p><img src="${src}" alt="Laterne"><script>x</script>`,
      },
    },
    actor,
  );
  assert.equal(rich.body_format, 'html');
  assert.equal(rich.body_markdown, '');
  assert.equal(
    rich.body_html,
    `<h2>Neu</h2><p><strong>fett</strong> <a>a</a></p><img src="${src}" alt="Laterne" />`,
  );
  const create = (html: string, slug: string) =>
    posts.create({ ...base, slug, title: slug, body: { format: 'html', html } }, actor);
  assert.equal(
    await codeOf(create('<img src="https://tracker.example/a.png" alt="x">', 'foreign')),
    '400 validation_failed',
  );
  assert.equal(await codeOf(create(`<img src="${src}">`, 'no-alt')), '400 validation_failed');

  // A Markdown post keeps rendering, and saving it from the editor turns it into an HTML post.
  const old = await posts.create(
    { ...base, slug: 'old', title: 'Alt', body: { format: 'markdown', markdown: '**alt**' } },
    actor,
  );
  assert.equal(old.body_format, 'markdown');
  assert.equal(old.body_html.trim(), '<p><strong>alt</strong></p>');
  const converted = await posts.update(old, { body: { format: 'html', html: '<p><em>neu</em></p>' } }, actor);
  assert.equal(converted.body_format, 'html');
  assert.equal(converted.body_html, '<p><em>neu</em></p>');
});

test('the gazetteer finds streets and places of the asked municipalities only', async () => {
  const { west, east } = await region();
  const { geocoding } = ctx.participation;
  await geocoding.gazetteer.save(west.id, [
    { kind: 'street', name: 'Bahnhofstraße', latitude: 50.5, longitude: 9.5 },
    { kind: 'place', name: 'Rathaus', latitude: 50.51, longitude: 9.51 },
  ]);
  await geocoding.gazetteer.save(east.id, [
    { kind: 'street', name: 'Bahnhofstraße', latitude: 50.6, longitude: 10.5 },
  ]);
  const westOnly = { municipalities: [{ id: west.id, name: west.name }] };
  const hits = await geocoding.search('Bahnhofstr. 5', westOnly);
  assert.deepEqual(
    hits.map((h) => [h.label, h.latitude, h.municipalityId, h.source]),
    [[`Bahnhofstraße 5, ${west.name}`, 50.5, west.id, 'gazetteer']],
  );
  assert.deepEqual(await geocoding.search('100%_', westOnly), [], 'LIKE wildcards are plain text');
  // Saving again moves a place instead of adding a second one.
  await geocoding.gazetteer.save(west.id, [
    { kind: 'place', name: 'Rathaus', latitude: 50.52, longitude: 9.52 },
  ]);
  const both = {
    municipalities: [
      { id: west.id, name: west.name },
      { id: east.id, name: east.name },
    ],
  };
  assert.deepEqual(
    (await geocoding.search('rathaus', both)).map((h) => h.latitude),
    [50.52],
  );
  assert.equal((await geocoding.search('bahnhof', both)).length, 2);
});

test('anonymous posting: a budget per address, a honeypot and a minimum fill time', async () => {
  const { guard } = ctx.participation;
  const address = `198.51.100.${Math.floor(Math.random() * 250)}-${Date.now()}`;
  for (let i = 0; i < 3; i++) await guard.spend(address, 'post');
  assert.equal(await codeOf(guard.spend(address, 'post')), '429 too_many_requests');
  await guard.spend(`${address}-other`, 'post');

  const now = Date.now();
  assert.doesNotThrow(() => guard.checkForm({ startedAt: now - 5000 }, now));
  assert.throws(() => guard.checkForm({ startedAt: now - 500 }, now), /sent very quickly/);
  assert.throws(
    () => guard.checkForm({ startedAt: now - 5000, website: 'http://spam' }, now),
    /could not be accepted/,
  );
});
