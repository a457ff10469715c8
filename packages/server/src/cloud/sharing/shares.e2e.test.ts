// Shares to groups and members, enforced the same way over WebDAV, the JSON API, tus and public links:
// a folder shared with a group is invisible to other members (PROPFIND, GET, PUT answer as if it did not
// exist), a read share refuses writes with 403, and the shares API is audited.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { systemActor } from '../../core/audit/audit.service.js';
import type { Club } from '../../core/db/schema.js';
import { createTestClub } from '../../test-support/cloud.js';
import { addTestMembers, davRequest, type DavRequestArgs } from '../../test-support/cloud-members.js';
import { createTestUser, TEST_PASSWORD } from '../../test-support/factories.js';
import { basic, loggedInClient, type TestClient } from '../../test-support/http.js';
import { startTestServer, type TestServer } from '../../test-support/server.js';

interface Node {
  id: string;
  name: string;
}
interface Share {
  id: string;
  nodeId: string;
  groupName: string | null;
  userName: string | null;
  access: string;
}

let server: TestServer;
let club: Club;
let admin: TestClient;
let adminAuth: string;
const people: Record<'alice' | 'bob' | 'carol', { id: string; email: string; client: TestClient }> =
  {} as never;
const ids: Record<string, string> = {};

before(async () => {
  server = await startTestServer({ webDist: null });
  const made = await createTestClub(server.ctx);
  club = made.club;
  adminAuth = basic(made.admin.email, made.appPassword);
  const actor = systemActor('test');
  Object.assign(people, await addTestMembers(server, club, ['alice', 'bob', 'carol'] as const));
  const board = await server.ctx.clubs.createGroup(
    club,
    { name: 'Vorstand', fileAccess: 'write', mayManageMembers: false },
    actor,
  );
  await server.ctx.clubs.setGroupMember(club, board.id, people.alice.id, true, actor);
  ids.group = board.id;
  for (const [method, path, body] of [
    ['MKCOL', '/Vorstand'],
    ['PUT', '/Vorstand/protokoll.txt', 'Sitzung vom Montag'],
    ['MKCOL', '/Projekte'],
    ['MKCOL', '/Projekte/Kasse'],
    ['PUT', '/Projekte/Kasse/bilanz.txt', 'Kassenstand 1234 Euro'],
    ['PUT', '/Projekte/plan.txt', 'Sommerfest planen'],
  ] as const)
    assert.equal((await davAs(adminAuth, method, path, { body })).status, 201, path);
  admin = await loggedInClient(server.url, made.admin.email, TEST_PASSWORD);
  for (const q of ['a', 'o']) {
    const found = await admin.get<{ items: Node[] }>(`/api/clubs/${club.id}/files/search?q=${q}`);
    for (const n of found.body.items) ids[n.name] = n.id;
  }
  const root = await admin.get<{ folder: Node }>(`/api/clubs/${club.id}/files`);
  ids.root = root.body.folder.id;
  // The board folder for the Vorstand group (write), the cash folder for Carol alone (read).
  const toBoard = await admin.post<Share>(`/api/clubs/${club.id}/files/${ids.Vorstand}/shares`, {
    groupId: board.id,
    access: 'write',
  });
  assert.equal(toBoard.status, 201, toBoard.text);
  assert.equal(toBoard.body.groupName, 'Vorstand');
  ids.boardShare = toBoard.body.id;
  const toCarol = await admin.post<Share>(`/api/clubs/${club.id}/files/${ids.Kasse}/shares`, {
    userId: people.carol.id,
    access: 'read',
  });
  assert.equal(toCarol.status, 201, toCarol.text);
  ids.carolShare = toCarol.body.id;
});
after(() => server.close());

const davAs = (...args: DavRequestArgs) => davRequest(server.url, club, ...args);
const auth = (name: keyof typeof people) => basic(people[name].email, TEST_PASSWORD);

test('WebDAV: a member outside the shared group neither sees nor reads nor writes the folder', async () => {
  const listing = await davAs(auth('bob'), 'PROPFIND', '/', { headers: { depth: '1' } });
  assert.equal(listing.status, 207);
  const xml = await listing.text();
  assert.doesNotMatch(xml, /Vorstand/);
  assert.match(xml, /Projekte/);
  assert.equal((await davAs(auth('bob'), 'PROPFIND', '/Vorstand/', { headers: { depth: '0' } })).status, 404);
  assert.equal((await davAs(auth('bob'), 'GET', '/Vorstand/protokoll.txt')).status, 404);
  assert.equal((await davAs(auth('bob'), 'PUT', '/Vorstand/neu.txt', { body: 'x' })).status, 404);
  assert.equal((await davAs(auth('bob'), 'MKCOL', '/Vorstand/Sub')).status, 404);
  // Bob's club-wide right still holds elsewhere.
  assert.equal((await davAs(auth('bob'), 'PUT', '/frei.txt', { body: 'frei' })).status, 201);
  // Moving a folder away that holds something shared with others is refused.
  assert.equal((await davAs(auth('bob'), 'DELETE', '/Projekte/')).status, 403);
  const moved = await davAs(auth('bob'), 'MOVE', '/frei.txt', {
    headers: { destination: `${server.url}/dav/files/${club.slug}/Vorstand/frei.txt` },
  });
  assert.equal(moved.status, 409);

  // A member of the group sees, reads and writes it.
  const own = await davAs(auth('alice'), 'PROPFIND', '/', { headers: { depth: '1' } });
  assert.match(await own.text(), /Vorstand/);
  const read = await davAs(auth('alice'), 'GET', '/Vorstand/protokoll.txt');
  assert.equal(await read.text(), 'Sitzung vom Montag');
  assert.equal((await davAs(auth('alice'), 'PUT', '/Vorstand/neu.txt', { body: 'y' })).status, 201);
  // Carol has read on Kasse only; Alice is not in that share.
  assert.equal((await davAs(auth('alice'), 'GET', '/Projekte/Kasse/bilanz.txt')).status, 404);
});

test('WebDAV: a read share lets one read but refuses every write with 403', async () => {
  const listing = await davAs(auth('carol'), 'PROPFIND', '/Projekte/Kasse/', { headers: { depth: '1' } });
  assert.equal(listing.status, 207);
  assert.match(await listing.text(), /bilanz\.txt/);
  assert.equal((await davAs(auth('carol'), 'GET', '/Projekte/Kasse/bilanz.txt')).status, 200);
  assert.equal((await davAs(auth('carol'), 'PUT', '/Projekte/Kasse/bilanz.txt', { body: 'z' })).status, 403);
  assert.equal((await davAs(auth('carol'), 'PUT', '/Projekte/Kasse/neu.txt', { body: 'z' })).status, 403);
  assert.equal((await davAs(auth('carol'), 'MKCOL', '/Projekte/Kasse/Neu')).status, 403);
  assert.equal((await davAs(auth('carol'), 'DELETE', '/Projekte/Kasse/bilanz.txt')).status, 403);
  const proppatch = await davAs(auth('carol'), 'PROPPATCH', '/Projekte/Kasse/bilanz.txt', {
    headers: { 'content-type': 'application/xml' },
    body: '<?xml version="1.0"?><propertyupdate xmlns="DAV:" xmlns:x="urn:x"><set><prop><x:a>1</x:a></prop></set></propertyupdate>',
  });
  assert.equal(proppatch.status, 403);
  const lock = await davAs(auth('carol'), 'LOCK', '/Projekte/Kasse/bilanz.txt', {
    headers: { 'content-type': 'application/xml' },
    body: '<?xml version="1.0"?><lockinfo xmlns="DAV:"><lockscope><exclusive/></lockscope><locktype><write/></locktype></lockinfo>',
  });
  assert.equal(lock.status, 403);
  const copyIn = await davAs(auth('carol'), 'COPY', '/Projekte/plan.txt', {
    headers: { destination: `${server.url}/dav/files/${club.slug}/Projekte/Kasse/plan.txt` },
  });
  assert.equal(copyIn.status, 403);
  const moveOut = await davAs(auth('carol'), 'MOVE', '/Projekte/Kasse/bilanz.txt', {
    headers: { destination: `${server.url}/dav/files/${club.slug}/bilanz.txt` },
  });
  assert.equal(moveOut.status, 403);
  assert.equal(
    await (await davAs(adminAuth, 'GET', '/Projekte/Kasse/bilanz.txt')).text(),
    'Kassenstand 1234 Euro',
  );
});

test('JSON API, tus and links: the same rights; listings and search leave hidden items out', async () => {
  const { bob, carol, alice } = people;
  const root = await bob.client.get<{ items: Node[]; total: number }>(`/api/clubs/${club.id}/files`);
  assert.equal(root.status, 200);
  assert.ok(!root.body.items.some((n) => n.name === 'Vorstand'));
  assert.equal(root.body.total, root.body.items.length);
  assert.equal((await bob.client.get(`/api/clubs/${club.id}/files?folderId=${ids.Vorstand}`)).status, 404);
  assert.equal(
    (await bob.client.get(`/api/clubs/${club.id}/files/${ids['protokoll.txt']}/content`)).status,
    404,
  );
  const search = await bob.client.get<{ items: Node[] }>(`/api/clubs/${club.id}/files/search?q=protokoll`);
  assert.deepEqual(search.body.items, []);
  const aliceSearch = await alice.client.get<{ items: Node[] }>(
    `/api/clubs/${club.id}/files/search?q=protokoll`,
  );
  assert.equal(aliceSearch.body.items.length, 1);
  assert.equal(
    (await bob.client.post(`/api/clubs/${club.id}/folders`, { parentId: ids.Vorstand, name: 'X' })).status,
    404,
  );
  assert.equal((await bob.client.delete(`/api/clubs/${club.id}/files/${ids.Vorstand}`)).status, 404);
  assert.equal((await bob.client.post(`/api/clubs/${club.id}/links`, { nodeId: ids.Vorstand })).status, 404);
  const tus = await bob.client.request('POST', '/api/cloud/uploads', {
    headers: {
      'tus-resumable': '1.0.0',
      'upload-length': '3',
      'upload-metadata': `filename ${b64('x.txt')},clubId ${b64(club.id)},folderId ${b64(ids.Vorstand!)}`,
    },
  });
  assert.equal(tus.status, 404);

  // Read share: downloads yes, changes and public links no.
  const kasse = await carol.client.get<{ items: Node[]; access: string }>(
    `/api/clubs/${club.id}/files?folderId=${ids.Kasse}`,
  );
  assert.equal(kasse.status, 200);
  assert.equal(kasse.body.access, 'read');
  assert.equal(
    (await carol.client.get(`/api/clubs/${club.id}/files/${ids['bilanz.txt']}/content`)).status,
    200,
  );
  assert.equal((await carol.client.delete(`/api/clubs/${club.id}/files/${ids['bilanz.txt']}`)).status, 403);
  assert.equal(
    (await carol.client.patch(`/api/clubs/${club.id}/files/${ids['bilanz.txt']}`, { name: 'b.txt' })).status,
    403,
  );
  assert.equal((await carol.client.post(`/api/clubs/${club.id}/links`, { nodeId: ids.Kasse })).status, 403);
  const carolTus = await carol.client.request('POST', '/api/cloud/uploads', {
    headers: {
      'tus-resumable': '1.0.0',
      'upload-length': '3',
      'upload-metadata': `filename ${b64('x.txt')},clubId ${b64(club.id)},folderId ${b64(ids.Kasse!)}`,
    },
  });
  assert.equal(carolTus.status, 403);
  // Alice (write through her group) may hand the board folder out.
  assert.equal(
    (await alice.client.post(`/api/clubs/${club.id}/links`, { nodeId: ids.Vorstand })).status,
    201,
  );

  // The trash: what Alice deleted in the board folder stays hidden from Bob.
  assert.equal(
    (await alice.client.delete(`/api/clubs/${club.id}/files/${ids['protokoll.txt']}`)).status,
    204,
  );
  const bobTrash = await bob.client.get<{ items: Node[] }>(`/api/clubs/${club.id}/trash`);
  assert.ok(!bobTrash.body.items.some((n) => n.name === 'protokoll.txt'));
  const aliceTrash = await alice.client.get<{ items: Node[] }>(`/api/clubs/${club.id}/trash`);
  assert.ok(aliceTrash.body.items.some((n) => n.name === 'protokoll.txt'));
  assert.equal(
    (await bob.client.post(`/api/clubs/${club.id}/trash/${ids['protokoll.txt']}/restore`)).status,
    404,
  );
  assert.equal(
    (await alice.client.post(`/api/clubs/${club.id}/trash/${ids['protokoll.txt']}/restore`)).status,
    200,
  );
});

test('shares API: managed by admins and writers, audited; removing a share opens the folder again', async () => {
  const { bob, carol, alice } = people;
  assert.equal((await bob.client.get(`/api/clubs/${club.id}/files/${ids.Vorstand}/shares`)).status, 404);
  assert.equal((await carol.client.get(`/api/clubs/${club.id}/files/${ids.Kasse}/shares`)).status, 403);
  const mine = await alice.client.get<{ items: Share[]; groups: unknown[]; members: unknown[] }>(
    `/api/clubs/${club.id}/files/${ids.Vorstand}/shares`,
  );
  assert.equal(mine.status, 200);
  assert.equal(mine.body.items.length, 1);
  assert.equal(mine.body.members.length, 4);
  assert.equal((await bob.client.get(`/api/clubs/${club.id}/shares`)).status, 403);
  const all = await admin.get<{ items: Share[] }>(`/api/clubs/${club.id}/shares`);
  assert.deepEqual(all.body.items.map((s) => s.id).sort(), [ids.boardShare, ids.carolShare].sort());
  const twice = await admin.post(`/api/clubs/${club.id}/files/${ids.Vorstand}/shares`, {
    groupId: ids.group,
    access: 'read',
  });
  assert.equal(twice.status, 409);
  const both = await admin.post(`/api/clubs/${club.id}/files/${ids.Vorstand}/shares`, {
    groupId: ids.group,
    userId: bob.id,
    access: 'read',
  });
  assert.equal(both.status, 400);
  const stranger = await createTestUser(server.ctx.db);
  const outsider = await admin.post(`/api/clubs/${club.id}/files/${ids.Vorstand}/shares`, {
    userId: stranger.id,
    access: 'read',
  });
  assert.equal(outsider.status, 404);

  // Carol gets write on the cash folder; then the share is removed and the folder follows the club right.
  const changed = await admin.patch<Share>(`/api/clubs/${club.id}/shares/${ids.carolShare}`, {
    access: 'write',
  });
  assert.equal(changed.body.access, 'write');
  assert.equal((await davAs(auth('carol'), 'PUT', '/Projekte/Kasse/neu.txt', { body: 'z' })).status, 201);
  assert.equal((await admin.delete(`/api/clubs/${club.id}/shares/${ids.boardShare}`)).status, 204);
  const open = await davAs(auth('bob'), 'PROPFIND', '/', { headers: { depth: '1' } });
  assert.match(await open.text(), /Vorstand/);
  const audit = await server.ctx.db
    .selectFrom('audit_log')
    .select('action')
    .where('target_id', 'in', [ids.boardShare!, ids.carolShare!])
    .execute();
  assert.deepEqual(audit.map((a) => a.action).sort(), [
    'cloud.share_changed',
    'cloud.share_created',
    'cloud.share_created',
    'cloud.share_removed',
  ]);
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
