// Club export and club deletion against the started platform: the ZIP holds the files' exact bytes,
// the calendar as .ics and the people, support requests and links as JSON; members who are not admins
// can neither start nor download it. Deleting a club shuts WebDAV at once, then the job removes its
// bytes and rows (and can run again), while another club stays intact.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import yauzl from 'yauzl';
import { createTestClub } from '../../test-support/cloud.js';
import { createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { basic, loggedInClient, type TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { systemActor } from '../../core/audit/audit.service.js';
import { ClubsRepository } from '../clubs.repository.js';
import { clubDataService } from './data.jobs.js';
import { clubPrefix } from './data.service.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null, env: { JOBS_ENABLED: 'false' } });
});
after(() => server.close());

interface ExportView {
  id: string;
  status: string;
  filesDone: number;
  filesTotal: number;
}

async function dav(method: string, url: string, auth: string, body?: Buffer | string) {
  const res = await fetch(server.url + url, {
    method,
    headers: { authorization: auth, ...(method === 'PROPFIND' ? { depth: '1' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Entries of a ZIP, read with yauzl (a separate implementation from the writer). */
async function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, z) => (error ? reject(error) : resolve(z))),
  );
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zipfile.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/')) {
        entries.set(entry.fileName, Buffer.alloc(0));
        zipfile.readEntry();
        return;
      }
      zipfile.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zipfile.readEntry();
        });
        stream.on('error', reject);
      });
    });
    zipfile.on('end', resolve);
    zipfile.on('error', reject);
    zipfile.readEntry();
  });
  return entries;
}

const download = (client: TestClient, path: string) =>
  fetch(server.url + path, { headers: { cookie: client.cookie! } });

test('a club admin exports all club data as a ZIP; members without the right cannot', async () => {
  const { admin, club, municipality, appPassword } = await createTestClub(server.ctx);
  const auth = basic(admin.email, appPassword);
  const root = `/dav/files/${club.slug}`;
  const big = randomBytes(300_000);
  const small = Buffer.from('Protokoll der Jahreshauptversammlung – äöü\n', 'utf8');
  assert.equal((await dav('MKCOL', `${root}/Vorstand/`, auth)).status, 201);
  assert.equal((await dav('MKCOL', `${root}/Leer/`, auth)).status, 201);
  assert.equal((await dav('PUT', `${root}/Vorstand/protokoll.txt`, auth, small)).status, 201);
  assert.equal((await dav('PUT', `${root}/foto.bin`, auth, big)).status, 201);
  // A trashed file is not part of the export.
  assert.equal((await dav('PUT', `${root}/weg.txt`, auth, 'alt')).status, 201);
  assert.equal((await dav('DELETE', `${root}/weg.txt`, auth)).status, 204);

  const client = await loggedInClient(server.url, admin.email, TEST_PASSWORD);
  const calendar = (await client.get<{ id: string }[]>(`/api/clubs/${club.id}/calendars`)).body[0]!;
  const event = await client.post(`/api/clubs/${club.id}/calendars/${calendar.id}/events`, {
    summary: 'Sommerfest',
    start: '2026-07-04T12:00:00.000Z',
    end: '2026-07-04T18:00:00.000Z',
    allDay: false,
  });
  assert.equal(event.status, 201, event.text);
  const support = await client.post(`/api/clubs/${club.id}/support-requests`, {
    subject: 'Mehr Speicher',
    message: 'Bitte 2 TB für Fotos.',
  });
  assert.equal(support.status, 201, support.text);
  const files = await client.get<{ items: { id: string; name: string }[] }>(`/api/clubs/${club.id}/files`);
  const folder = files.body.items.find((n) => n.name === 'Vorstand')!;
  const link = await client.post<{ token: string }>(`/api/clubs/${club.id}/links`, { nodeId: folder.id });
  assert.equal(link.status, 201, link.text);

  const memberUser = await createTestUser(server.ctx.db, { home: municipality });
  await new ClubsRepository(server.ctx.db).addMember(club.id, memberUser.id, 'member');
  const member = await loggedInClient(server.url, memberUser.email, TEST_PASSWORD);
  const outsider = await loggedInClient(
    server.url,
    (await createTestUser(server.ctx.db, { home: municipality })).email,
    TEST_PASSWORD,
  );
  assert.equal((await member.post(`/api/clubs/${club.id}/exports`)).status, 403);
  assert.equal((await outsider.post(`/api/clubs/${club.id}/exports`)).status, 404);

  const started = await client.post<ExportView>(`/api/clubs/${club.id}/exports`);
  assert.equal(started.status, 202, started.text);
  assert.equal(started.body.status, 'queued');
  const job = await server.ctx.db
    .selectFrom('jobs')
    .select(['name', 'payload', 'status'])
    .where('name', '=', 'cloud.export')
    .where('municipality_id', '=', municipality.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(job.payload, { exportId: started.body.id });
  assert.equal(job.status, 'pending');
  // Not ready yet: 409.
  assert.equal(
    (await download(client, `/api/clubs/${club.id}/exports/${started.body.id}/download`)).status,
    409,
  );

  // The worker's handler (jobs are off in this server so the test decides when it runs).
  await clubDataService(server.ctx).runExport(started.body.id, false);
  const list = await client.get<{ items: ExportView[] }>(`/api/clubs/${club.id}/exports`);
  assert.equal(list.body.items[0]!.status, 'done');
  assert.equal(list.body.items[0]!.filesDone, 2);
  assert.equal(list.body.items[0]!.filesTotal, 2);

  const path = `/api/clubs/${club.id}/exports/${started.body.id}/download`;
  assert.equal((await download(member, path)).status, 403);
  assert.equal((await download(outsider, path)).status, 404);
  const res = await download(client, path);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/zip');
  const entries = await unzip(Buffer.from(await res.arrayBuffer()));

  assert.ok(entries.get('Dateien/foto.bin')!.equals(big), 'binary file bytes are exact');
  assert.ok(entries.get('Dateien/Vorstand/protokoll.txt')!.equals(small));
  assert.ok(entries.has('Dateien/Leer/'), 'empty folders are kept');
  assert.ok(![...entries.keys()].some((k) => k.includes('weg.txt')), 'trash is not exported');
  assert.match(entries.get('README.txt')!.toString('utf8'), /Datenexport des Vereins/);

  const ics = entries.get('Kalender/vereinskalender.ics')!.toString('utf8');
  assert.match(ics, /^BEGIN:VCALENDAR/);
  assert.match(ics, /SUMMARY:Sommerfest/);
  assert.match(ics, /DTSTART[^\r\n]*20260704T120000Z/);

  const people = JSON.parse(entries.get('Mitglieder.json')!.toString('utf8')) as {
    club: { slug: string };
    members: { email: string; role: string }[];
  };
  assert.equal(people.club.slug, club.slug);
  assert.deepEqual(
    people.members.map((m) => [m.email, m.role]).sort(),
    [
      [admin.email, 'admin'],
      [memberUser.email, 'member'],
    ].sort(),
  );
  const requests = JSON.parse(entries.get('Support-Anfragen.json')!.toString('utf8')) as {
    subject: string;
    messages: { body: string }[];
  }[];
  assert.equal(requests[0]!.subject, 'Mehr Speicher');
  assert.equal(requests[0]!.messages[0]!.body, 'Bitte 2 TB für Fotos.');
  const links = entries.get('Oeffentliche-Links.json')!.toString('utf8');
  assert.equal((JSON.parse(links) as { node_name: string }[])[0]!.node_name, 'Vorstand');
  assert.ok(!links.includes(link.body.token) && !links.includes('token'), 'no link tokens in the export');

  const audit = await server.ctx.db
    .selectFrom('audit_log')
    .select('action')
    .where('target_id', '=', club.id)
    .where('action', 'like', 'cloud.export%')
    .execute();
  assert.deepEqual(audit.map((a) => a.action).sort(), ['cloud.export_downloaded', 'cloud.export_started']);

  // Expired exports leave storage and database with the hourly clean-up.
  const row = await server.ctx.db
    .selectFrom('cloud_exports')
    .select('blob_key')
    .where('id', '=', started.body.id)
    .executeTakeFirstOrThrow();
  assert.ok(await server.ctx.files.exists(row.blob_key!));
  await clubDataService(server.ctx).removeExpiredExports(new Date(Date.now() + 8 * 86_400_000));
  assert.equal(await server.ctx.files.exists(row.blob_key!), false);
  assert.equal(
    (await client.get<{ items: unknown[] }>(`/api/clubs/${club.id}/exports`)).body.items.length,
    0,
  );
});

test('municipal staff delete a club: WebDAV is shut at once, the job removes bytes and rows, other clubs stay', async () => {
  const a = await createTestClub(server.ctx);
  const b = await createTestClub(server.ctx);
  const authA = basic(a.admin.email, a.appPassword);
  const authB = basic(b.admin.email, b.appPassword);
  const bytes = randomBytes(50_000);
  assert.equal((await dav('MKCOL', `/dav/files/${a.club.slug}/Ordner/`, authA)).status, 201);
  assert.equal((await dav('PUT', `/dav/files/${a.club.slug}/Ordner/a.bin`, authA, bytes)).status, 201);
  // A second write makes a version; a deleted file sits in the trash: both have bytes.
  assert.equal((await dav('PUT', `/dav/files/${a.club.slug}/Ordner/a.bin`, authA, 'neu')).status, 204);
  assert.equal((await dav('PUT', `/dav/files/${a.club.slug}/papierkorb.txt`, authA, 'x')).status, 201);
  assert.equal((await dav('DELETE', `/dav/files/${a.club.slug}/papierkorb.txt`, authA)).status, 204);
  assert.equal((await dav('PUT', `/dav/files/${b.club.slug}/b.bin`, authB, bytes)).status, 201);
  const adminA = await loggedInClient(server.url, a.admin.email, TEST_PASSWORD);
  assert.equal((await adminA.post(`/api/clubs/${a.club.id}/exports`)).status, 202);
  await clubDataService(server.ctx).runExport(
    (await adminA.get<{ items: ExportView[] }>(`/api/clubs/${a.club.id}/exports`)).body.items[0]!.id,
    false,
  );
  const prefix = clubPrefix(a.club);
  assert.ok((await server.ctx.files.list(prefix)).items.length >= 4, 'file, version, trash and export');

  // Club admins cannot delete on their own; staff must type the name.
  assert.equal(
    (await adminA.post(`/api/clubs/${a.club.id}/deletion`, { confirmName: a.club.name })).status,
    403,
  );
  const staffUser = await createTestUser(server.ctx.db, { home: a.municipality, roles: ['municipal_admin'] });
  const staff = await loggedInClient(server.url, staffUser.email, TEST_PASSWORD);
  const otherStaff = await loggedInClient(
    server.url,
    (await createTestUser(server.ctx.db, { home: b.municipality, roles: ['municipal_admin'] })).email,
    TEST_PASSWORD,
  );
  assert.equal(
    (await otherStaff.post(`/api/clubs/${a.club.id}/deletion`, { confirmName: a.club.name })).status,
    404,
  );
  assert.equal((await staff.post(`/api/clubs/${a.club.id}/deletion`, { confirmName: 'Falsch' })).status, 400);
  const deleted = await staff.post(`/api/clubs/${a.club.id}/deletion`, { confirmName: a.club.name });
  assert.equal(deleted.status, 202, deleted.text);

  // Shut at once, before the job ran.
  assert.equal((await dav('GET', `/dav/files/${a.club.slug}/Ordner/a.bin`, authA)).status, 404);
  assert.equal((await dav('PROPFIND', `/dav/files/${a.club.slug}/`, authA)).status, 404);
  assert.equal((await adminA.get(`/api/clubs/${a.club.id}/files`)).status, 404);
  assert.equal((await adminA.post(`/api/clubs/${a.club.id}/exports`)).status, 403);
  const status = await staff.get<{ status: string }>(`/api/clubs/${a.club.id}`);
  assert.equal(status.body.status, 'deleting');

  const data = clubDataService(server.ctx);
  await data.runDeletion(a.club.id, systemActor('test'));
  // Running it again (an interrupted job is retried) finishes quietly.
  await data.runDeletion(a.club.id, systemActor('test'));
  assert.equal((await server.ctx.files.list(prefix)).items.length, 0, 'no bytes of the club are left');
  const db = server.ctx.db;
  assert.equal(
    await db.selectFrom('clubs').select('id').where('id', '=', a.club.id).executeTakeFirst(),
    undefined,
  );
  for (const table of ['cloud_nodes', 'cloud_exports', 'club_members', 'cloud_calendars'] as const) {
    const left = await db.selectFrom(table).select('club_id').where('club_id', '=', a.club.id).execute();
    assert.equal(left.length, 0, table);
  }
  const audit = await db
    .selectFrom('audit_log')
    .select('action')
    .where('target_id', '=', a.club.id)
    .where('action', 'in', ['club.deletion_started', 'club.deleted'])
    .execute();
  assert.deepEqual(audit.map((r) => r.action).sort(), ['club.deleted', 'club.deletion_started']);

  // The other club is untouched.
  const other = await dav('GET', `/dav/files/${b.club.slug}/b.bin`, authB);
  assert.equal(other.status, 200);
  assert.ok(other.bytes.equals(bytes));
  assert.ok((await server.ctx.files.list(clubPrefix(b.club))).items.length >= 1);
});
