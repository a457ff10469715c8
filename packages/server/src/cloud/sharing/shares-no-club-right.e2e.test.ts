// A member whose club-wide file right is "none" reaches exactly what is shared with them, directly or
// through a group: the folders above it as a way in (listed, nothing else in them), the shared folder
// with its right, over WebDAV, the JSON API, search and tus. Nothing else of the club.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { systemActor } from '../../core/audit/audit.service.js';
import type { Club } from '../../core/db/schema.js';
import { createTestClub } from '../../test-support/cloud.js';
import { addTestMembers, davRequest, type DavRequestArgs } from '../../test-support/cloud-members.js';
import { TEST_PASSWORD } from '../../test-support/factories.js';
import { basic, loggedInClient, type TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

interface Node {
  id: string;
  name: string;
}

let server: TestServer;
let club: Club;
let adminAuth: string;
const people: Record<'dora' | 'emil' | 'finn', { id: string; email: string; client: TestClient }> =
  {} as never;
const ids: Record<string, string> = {};

before(async () => {
  server = await startTestServer({ webDist: null });
  const made = await createTestClub(server.ctx);
  const actor = systemActor('test');
  club = await server.ctx.clubs.setDefaultMemberAccess(made.club, 'none', actor);
  adminAuth = basic(made.admin.email, made.appPassword);
  Object.assign(people, await addTestMembers(server, club, ['dora', 'emil', 'finn'] as const));
  // Emil's right comes through a group that itself has no club-wide right.
  const trainers = await server.ctx.clubs.createGroup(
    club,
    { name: 'Trainer', fileAccess: 'none', mayManageMembers: false },
    actor,
  );
  await server.ctx.clubs.setGroupMember(club, trainers.id, people.emil.id, true, actor);
  for (const [method, path, body] of [
    ['PUT', '/geheim.txt', 'nur Vorstand'],
    ['MKCOL', '/Abteilungen'],
    ['PUT', '/Abteilungen/budget.txt', 'Budget'],
    ['MKCOL', '/Abteilungen/Jugend'],
    ['PUT', '/Abteilungen/Jugend/training.txt', 'Dienstag 18 Uhr'],
    ['MKCOL', '/Abteilungen/Jugend/Intern'],
    ['PUT', '/Abteilungen/Jugend/Intern/notizen.txt', 'intern'],
    ['MKCOL', '/Abteilungen/Tennis'],
  ] as const)
    assert.equal((await davAs(adminAuth, method, path, { body })).status, 201, path);
  const admin = await loggedInClient(server.url, made.admin.email, TEST_PASSWORD);
  for (const q of ['a', 'e', 'i']) {
    const found = await admin.get<{ items: Node[] }>(`/api/clubs/${club.id}/files/search?q=${q}`);
    for (const n of found.body.items) ids[n.name] = n.id;
  }
  const share = async (nodeId: string, who: { userId: string } | { groupId: string }, access: string) =>
    assert.equal(
      (await admin.post(`/api/clubs/${club.id}/files/${nodeId}/shares`, { ...who, access })).status,
      201,
    );
  // Jugend: write for Dora, read for the trainers. Intern below it: Dora only.
  await share(ids.Jugend!, { userId: people.dora.id }, 'write');
  await share(ids.Jugend!, { groupId: trainers.id }, 'read');
  await share(ids.Intern!, { userId: people.dora.id }, 'read');
});
after(() => server.close());

const davAs = (...args: DavRequestArgs) => davRequest(server.url, club, ...args);
const auth = (name: keyof typeof people) => basic(people[name].email, TEST_PASSWORD);
const hrefs = async (response: Response) =>
  [...(await response.text()).matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) =>
    decodeURIComponent(m[1]!.replace(`/dav/files/${club.slug}`, '')),
  );

test('WebDAV: the path down to the share and the share, nothing else', async () => {
  const root = await davAs(auth('dora'), 'PROPFIND', '/', { headers: { depth: '1' } });
  assert.equal(root.status, 207);
  assert.deepEqual(await hrefs(root), ['/', '/Abteilungen/']);
  const way = await davAs(auth('dora'), 'PROPFIND', '/Abteilungen/', { headers: { depth: '1' } });
  assert.deepEqual(await hrefs(way), ['/Abteilungen/', '/Abteilungen/Jugend/']);
  const shared = await davAs(auth('dora'), 'PROPFIND', '/Abteilungen/Jugend/', { headers: { depth: '1' } });
  assert.deepEqual((await hrefs(shared)).sort(), [
    '/Abteilungen/Jugend/',
    '/Abteilungen/Jugend/Intern/',
    '/Abteilungen/Jugend/training.txt',
  ]);
  // Everything beside the path does not exist for her; the way in may not be changed.
  assert.equal((await davAs(auth('dora'), 'GET', '/geheim.txt')).status, 404);
  assert.equal((await davAs(auth('dora'), 'GET', '/Abteilungen/budget.txt')).status, 404);
  assert.equal(
    (await davAs(auth('dora'), 'PROPFIND', '/Abteilungen/Tennis/', { headers: { depth: '0' } })).status,
    404,
  );
  assert.equal((await davAs(auth('dora'), 'PUT', '/Abteilungen/neu.txt', { body: 'x' })).status, 403);
  assert.equal((await davAs(auth('dora'), 'PUT', '/neu.txt', { body: 'x' })).status, 403);
  assert.equal((await davAs(auth('dora'), 'DELETE', '/Abteilungen/')).status, 403);
  const copyWay = await davAs(auth('dora'), 'COPY', '/Abteilungen/', {
    headers: { destination: `${server.url}/dav/files/${club.slug}/Abteilungen/Jugend/Kopie/` },
  });
  assert.equal(copyWay.status, 403);
  const html = await davAs(auth('dora'), 'GET', '/Abteilungen/');
  const page = await html.text();
  assert.match(page, /Jugend/);
  assert.doesNotMatch(page, /budget|Tennis/);
  // Inside the share her right holds.
  assert.equal(
    await (await davAs(auth('dora'), 'GET', '/Abteilungen/Jugend/training.txt')).text(),
    'Dienstag 18 Uhr',
  );
  assert.equal(
    (await davAs(auth('dora'), 'PUT', '/Abteilungen/Jugend/plan.txt', { body: 'Plan' })).status,
    201,
  );
  assert.equal(
    (await davAs(auth('dora'), 'PUT', '/Abteilungen/Jugend/Intern/x.txt', { body: 'x' })).status,
    403,
  );

  // Through his group Emil reads the shared folder but not what is shared with Dora alone.
  const emil = await davAs(auth('emil'), 'PROPFIND', '/Abteilungen/Jugend/', { headers: { depth: '1' } });
  assert.deepEqual((await hrefs(emil)).sort(), [
    '/Abteilungen/Jugend/',
    '/Abteilungen/Jugend/plan.txt',
    '/Abteilungen/Jugend/training.txt',
  ]);
  assert.equal((await davAs(auth('emil'), 'PUT', '/Abteilungen/Jugend/e.txt', { body: 'x' })).status, 403);
  assert.equal((await davAs(auth('emil'), 'GET', '/Abteilungen/Jugend/Intern/notizen.txt')).status, 404);
  // Finn has nothing shared: the club stays closed to him.
  assert.equal((await davAs(auth('finn'), 'PROPFIND', '/', { headers: { depth: '1' } })).status, 404);
});

test('JSON API, search and tus: the same view', async () => {
  const { dora, emil, finn } = people;
  const root = await dora.client.get<{ items: Node[]; total: number; access: string }>(
    `/api/clubs/${club.id}/files`,
  );
  assert.equal(root.status, 200);
  assert.deepEqual(
    root.body.items.map((n) => n.name),
    ['Abteilungen'],
  );
  assert.equal(root.body.total, 1);
  assert.equal(root.body.access, 'read');
  const way = await dora.client.get<{ items: Node[]; total: number }>(
    `/api/clubs/${club.id}/files?folderId=${ids.Abteilungen}`,
  );
  assert.deepEqual(
    way.body.items.map((n) => n.name),
    ['Jugend'],
  );
  assert.equal(way.body.total, 1);
  const shared = await dora.client.get<{ items: Node[]; access: string }>(
    `/api/clubs/${club.id}/files?folderId=${ids.Jugend}`,
  );
  assert.equal(shared.body.access, 'write');
  assert.deepEqual(shared.body.items.map((n) => n.name).sort(), ['Intern', 'plan.txt', 'training.txt']);
  assert.equal((await dora.client.get(`/api/clubs/${club.id}/files?folderId=${ids.Tennis}`)).status, 404);
  assert.equal(
    (await dora.client.get(`/api/clubs/${club.id}/files/${ids['budget.txt']}/content`)).status,
    404,
  );
  assert.equal(
    (await dora.client.post(`/api/clubs/${club.id}/folders`, { parentId: ids.Abteilungen, name: 'X' }))
      .status,
    403,
  );
  assert.equal(
    (await dora.client.post(`/api/clubs/${club.id}/folders`, { parentId: ids.Jugend, name: 'Spiele' }))
      .status,
    201,
  );

  const search = await dora.client.get<{ items: Node[] }>(`/api/clubs/${club.id}/files/search?q=t`);
  const names = search.body.items.map((n) => n.name);
  assert.ok(names.includes('training.txt') && names.includes('notizen.txt'), names.join());
  assert.ok(!names.includes('geheim.txt') && !names.includes('budget.txt') && !names.includes('Tennis'));
  const emilSearch = await emil.client.get<{ items: Node[] }>(`/api/clubs/${club.id}/files/search?q=t`);
  assert.ok(!emilSearch.body.items.some((n) => n.name === 'notizen.txt'));
  assert.ok(emilSearch.body.items.some((n) => n.name === 'training.txt'));

  const tus = (client: TestClient, folderId: string) =>
    client.request('POST', '/api/cloud/uploads', {
      headers: {
        'tus-resumable': '1.0.0',
        'upload-length': '5',
        'upload-metadata': `filename ${b64('tus.txt')},clubId ${b64(club.id)},folderId ${b64(folderId)}`,
      },
    });
  assert.equal((await tus(dora.client, ids.Abteilungen!)).status, 403);
  assert.equal((await tus(emil.client, ids.Jugend!)).status, 403);
  assert.equal((await tus(finn.client, ids.Jugend!)).status, 404);
  const created = await tus(dora.client, ids.Jugend!);
  assert.equal(created.status, 201, created.text);
  const patch = await dora.client.request(
    'PATCH',
    new URL(created.headers.get('location')!, server.url).pathname,
    {
      headers: {
        'tus-resumable': '1.0.0',
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
      body: 'Hallo',
    },
  );
  assert.equal(patch.status, 204);
  assert.equal(await (await davAs(adminAuth, 'GET', '/Abteilungen/Jugend/tus.txt')).text(), 'Hallo');

  assert.equal((await finn.client.get(`/api/clubs/${club.id}/files`)).status, 404);
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
