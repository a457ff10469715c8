// Club export and deletion on the database (PGlite and PostgreSQL): the blob keys behind a club's files,
// versions and exports, the export job's rows and progress, and a deletion that runs twice, removes the
// club's bytes, rows and public events and leaves another club alone.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { parseConfig } from '../../config.js';
import { createContext } from '../../context.js';
import { systemActor } from '../../core/audit/audit.service.js';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant, createTestUser, uniqueSlug } from '../../test-support/factories.js';
import { ClubDataRepository } from './data.repository.js';
import { clubDataService } from './data.jobs.js';
import { clubPrefix } from './data.service.js';

const handle = await testDatabase();
after(() => handle.close());
const ctx = createContext(parseConfig({ NODE_ENV: 'test' }), handle);
const actor = systemActor('test');

async function clubWithData(name: string) {
  const { municipality } = await createTestTenant(handle.db);
  const admin = await createTestUser(handle.db, { home: municipality, roles: ['club_admin'] });
  const applied = await ctx.clubs.apply(
    {
      municipalityId: municipality.id,
      name,
      registerNumber: null,
      contactEmail: null,
      slug: uniqueSlug('dp'),
    },
    admin.id,
    actor,
  );
  const club = await ctx.clubs.decide(applied, true, null, actor);
  const root = (await ctx.cloudFiles.resolve(club, []))!;
  const write = (n: string, text: string) =>
    ctx.cloudFiles.writeFile(club, root, n, Readable.from([Buffer.from(text)]), { userId: admin.id });
  await write('a.txt', 'eins');
  await write('a.txt', 'zwei'); // a version
  const [calendar] = await ctx.calendars.calendars(club);
  const { object } = await ctx.calendars.putObject(
    calendar!,
    'fest.ics',
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//t//EN',
      'BEGIN:VEVENT',
      'UID:fest',
      'DTSTAMP:20260101T000000Z',
      'DTSTART:20260704T120000Z',
      'SUMMARY:Fest',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n'),
    {},
    actor,
  );
  await ctx.calendars.setPublic(club, object, true, actor);
  return { club, admin, object };
}

test('the export job fills its row; deletion twice removes bytes, rows and public events of one club only', async () => {
  const a = await clubWithData('Verein A');
  const b = await clubWithData('Verein B');
  const data = clubDataService(ctx);
  const repo = new ClubDataRepository(handle.db);

  const row = await data.startExport(a.club, a.admin.id, actor);
  await data.runExport(row.id, false);
  const done = (await repo.findExport(a.club.id, row.id))!;
  assert.equal(done.status, 'done');
  assert.equal(done.files_done, 1);
  assert.equal(done.files_total, 1);
  assert.ok(Number(done.size) > 0);
  // Running the job again after it finished does nothing.
  await data.runExport(row.id, false);

  const keys = await repo.blobKeys(a.club.id, '', 100);
  assert.equal(keys.length, 3, 'current content, one version, the export');
  assert.ok(keys.every((k) => k.startsWith(clubPrefix(a.club))));
  assert.deepEqual(await repo.blobKeys(a.club.id, keys[0]!, 100), keys.slice(1), 'key order paging');

  await data.startDeletion(a.club, actor);
  await data.startDeletion({ ...a.club }, actor); // a second click changes nothing
  const jobs = await handle.db
    .selectFrom('jobs')
    .select('payload')
    .where('name', '=', 'cloud.club.delete')
    .where('municipality_id', '=', a.club.municipality_id)
    .execute();
  assert.equal(jobs.length, 1);
  await data.runDeletion(a.club.id, actor);
  await data.runDeletion(a.club.id, actor);

  for (const key of keys) assert.equal(await ctx.files.exists(key), false, key);
  assert.equal(
    await handle.db.selectFrom('clubs').select('id').where('id', '=', a.club.id).executeTakeFirst(),
    undefined,
  );
  assert.equal(await ctx.publications.isPublished('calendar_event', a.object.id), false);
  assert.equal(
    (
      await handle.db
        .selectFrom('cloud_calendar_objects')
        .select('id')
        .where('id', '=', a.object.id)
        .execute()
    ).length,
    0,
  );

  assert.equal(await ctx.publications.isPublished('calendar_event', b.object.id), true);
  const keysB = await repo.blobKeys(b.club.id, '', 100);
  assert.equal(keysB.length, 2);
  for (const key of keysB) assert.equal(await ctx.files.exists(key), true, key);
});

test('a file whose bytes went away during the export (purged meanwhile) is skipped, not fatal', async () => {
  const c = await clubWithData('Verein C');
  const data = clubDataService(ctx);
  const node = await handle.db
    .selectFrom('cloud_nodes')
    .select('blob_key')
    .where('club_id', '=', c.club.id)
    .where('kind', '=', 'file')
    .executeTakeFirstOrThrow();
  await ctx.files.delete(node.blob_key!);
  const row = await data.startExport(c.club, c.admin.id, actor);
  await data.runExport(row.id, false);
  const done = (await new ClubDataRepository(handle.db).findExport(c.club.id, row.id))!;
  assert.equal(done.status, 'done');
  assert.equal(done.files_done, 1);
});
