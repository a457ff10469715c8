import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../test-support/server.js';
import { loggedInClient } from '../../test-support/http.js';
import {
  createTestMunicipality,
  createTestTenant,
  createTestUser,
  grantTestRole,
  TEST_PASSWORD,
} from '../../test-support/factories.js';
import { systemActor } from '../audit/audit.service.js';
import type { Task } from '../db/schema.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ webDist: null });
});
after(() => server.close());

const loggedIn = (email: string) => loggedInClient(server.url, email, TEST_PASSWORD);

interface TaskView {
  id: string;
  municipalityId: string;
  status: string;
  assigneeId: string | null;
  source: { type: string; id: string };
}

test('a rule-made task lands in the inbox of the municipality and of its substitutes, once per source', async () => {
  const { region, municipality: flieden } = await createTestTenant(server.ctx.db);
  const kalbach = await createTestMunicipality(server.ctx.db, region);
  const yard = await server.ctx.tenancy.createOrgUnit(
    flieden.id,
    { kind: 'building_yard', name: 'Bauhof', parentId: null },
    systemActor(),
  );
  const crew = await createTestUser(server.ctx.db, { home: flieden, roles: ['building_yard'] });
  const substitute = await createTestUser(server.ctx.db, { home: kalbach, roles: ['caseworker'] });
  await grantTestRole(server.ctx.db, substitute, 'caseworker', flieden);
  const stranger = await createTestUser(server.ctx.db, { home: kalbach, roles: ['caseworker'] });

  const completed: Task[] = [];
  server.ctx.work.events.on('completed', (t) => completed.push(t));
  const input = {
    municipalityId: flieden.id,
    teamId: yard.id,
    sourceType: 'alert',
    sourceId: `alert-${flieden.id}`,
    title: 'Glascontainer Marktplatz leeren',
    latitude: 50.4236,
    longitude: 9.5667,
  };
  const first = await server.ctx.work.createTask(input, systemActor('rules'));
  const again = await server.ctx.work.createTask(input, systemActor('rules'));
  assert.equal(first.created, true);
  assert.equal(again.created, false, 'the same source does not open a second task');
  assert.equal(again.task.id, first.task.id);

  const crewClient = await loggedIn(crew.email);
  const inbox = await crewClient.get<{ tasks: TaskView[] }>(`/api/work/tasks?teamId=${yard.id}`);
  assert.deepEqual(
    inbox.body.tasks.map((t) => t.id),
    [first.task.id],
  );
  const substituteInbox = await (
    await loggedIn(substitute.email)
  ).get<{ tasks: TaskView[] }>('/api/work/tasks');
  assert.ok(
    substituteInbox.body.tasks.some((t) => t.id === first.task.id),
    'substitutes see it',
  );
  const strangerClient = await loggedIn(stranger.email);
  const strangerInbox = await strangerClient.get<{ tasks: TaskView[] }>('/api/work/tasks');
  assert.ok(!strangerInbox.body.tasks.some((t) => t.id === first.task.id), 'others do not');
  assert.equal((await strangerClient.get(`/api/work/tasks/${first.task.id}`)).status, 404);
  assert.equal((await strangerClient.post(`/api/work/tasks/${first.task.id}/complete`, {})).status, 404);

  const taken = await crewClient.post<TaskView>(`/api/work/tasks/${first.task.id}/assign`, {});
  assert.equal(taken.body.status, 'in_progress');
  assert.equal(taken.body.assigneeId, crew.id);
  assert.equal(
    (await crewClient.post(`/api/work/tasks/${first.task.id}/comments`, { body: 'Fahrzeug unterwegs' }))
      .status,
    201,
  );
  const done = await crewClient.post<TaskView>(`/api/work/tasks/${first.task.id}/complete`, {
    note: 'geleert',
  });
  assert.equal(done.body.status, 'done');
  assert.deepEqual(
    completed.map((t) => t.id),
    [first.task.id],
    'the source domain hears about it',
  );
  assert.equal((await crewClient.post(`/api/work/tasks/${first.task.id}/complete`, {})).status, 409);

  const detail = await crewClient.get<{ comments: { body: string; author: string }[] }>(
    `/api/work/tasks/${first.task.id}`,
  );
  assert.deepEqual(
    detail.body.comments.map((c) => c.body),
    ['Fahrzeug unterwegs'],
  );
  const next = await server.ctx.work.createTask(input, systemActor('rules'));
  assert.equal(next.created, true, 'after completion the source may open a new task');

  const audit = await server.ctx.audit.list({ municipalityIds: [flieden.id], limit: 20 });
  assert.ok(audit.some((e) => e.action === 'task.completed' && e.actor_user_id === crew.id));
});

test('the work route orders open tasks from the depot; crews cannot hand tasks to others', async () => {
  const { municipality } = await createTestTenant(server.ctx.db);
  const admin = await createTestUser(server.ctx.db, { home: municipality, roles: ['municipal_admin'] });
  const crew = await createTestUser(server.ctx.db, { home: municipality, roles: ['building_yard'] });
  const citizen = await createTestUser(server.ctx.db, { home: municipality, roles: ['citizen'] });
  const adminClient = await loggedIn(admin.email);
  const points = { far: [50.03, 9.0], near: [50.001, 9.0], middle: [50.01, 9.0] } as const;
  const ids: Record<string, string> = {};
  for (const [name, [latitude, longitude]] of Object.entries(points)) {
    const created = await adminClient.post<TaskView>(`/api/municipalities/${municipality.id}/tasks`, {
      title: `Container ${name}`,
      location: { latitude, longitude, label: name },
    });
    assert.equal(created.status, 201, created.text);
    ids[name] = created.body.id;
  }
  const route = await adminClient.get<{
    stops: { task: TaskView; legMetres: number }[];
    totalMetres: number;
  }>(`/api/municipalities/${municipality.id}/work-route?depotLatitude=50&depotLongitude=9`);
  assert.deepEqual(
    route.body.stops.map((s) => s.task.id),
    [ids.near, ids.middle, ids.far],
  );
  assert.ok(route.body.totalMetres > 3000);

  const crewClient = await loggedIn(crew.email);
  assert.equal(
    (await crewClient.post(`/api/work/tasks/${ids.near}/assign`, { assigneeId: admin.id })).status,
    403,
  );
  assert.equal(
    (await adminClient.post<TaskView>(`/api/work/tasks/${ids.near}/assign`, { assigneeId: crew.id })).body
      .assigneeId,
    crew.id,
  );
  assert.equal(
    (await adminClient.post(`/api/work/tasks/${ids.middle}/assign`, { assigneeId: citizen.id })).status,
    400,
  );
  const citizenClient = await loggedIn(citizen.email);
  assert.equal((await citizenClient.get<{ tasks: unknown[] }>('/api/work/tasks')).body.tasks.length, 0);
  assert.equal(
    (await citizenClient.post(`/api/municipalities/${municipality.id}/tasks`, { title: 'Hallo Welt' }))
      .status,
    403,
  );
});

test("a team's stored depot is where its route starts; the crew sets it, others cannot", async () => {
  const { region, municipality } = await createTestTenant(server.ctx.db);
  const other = await createTestMunicipality(server.ctx.db, region);
  const yard = await server.ctx.tenancy.createOrgUnit(
    municipality.id,
    { kind: 'building_yard', name: 'Bauhof', parentId: null },
    systemActor(),
  );
  const foreignYard = await server.ctx.tenancy.createOrgUnit(
    other.id,
    { kind: 'building_yard', name: 'Bauhof Nachbar', parentId: null },
    systemActor(),
  );
  const crew = await createTestUser(server.ctx.db, { home: municipality, roles: ['building_yard'] });
  const citizen = await createTestUser(server.ctx.db, { home: municipality, roles: ['citizen'] });
  const crewClient = await loggedIn(crew.email);
  const base = `/api/municipalities/${municipality.id}`;
  // Stops north and south of the municipality; the depot at the southern end decides the order.
  for (const [name, latitude] of [
    ['Nord', 50.05],
    ['Mitte', 50.03],
    ['Süd', 50.0],
  ] as const) {
    await server.ctx.work.createTask(
      {
        municipalityId: municipality.id,
        teamId: yard.id,
        sourceType: 'test',
        sourceId: `${municipality.id}-${name}`,
        title: `Container ${name}`,
        latitude,
        longitude: 9,
      },
      systemActor('rules'),
    );
  }
  const before = await crewClient.get<{ start: { source: string } | null }>(`${base}/work-route`);
  assert.equal(before.status, 200, before.text);
  assert.equal(before.body.start?.source, 'centre', 'without a depot the round starts in the middle');

  const set = await crewClient.put<{ teamId: string; label: string }>(`${base}/work-depots/${yard.id}`, {
    latitude: 49.99,
    longitude: 9,
    label: 'Bauhof Süd',
  });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.body.label, 'Bauhof Süd');
  const depots = await crewClient.get<{ depots: { teamId: string; teamName: string }[] }>(
    `${base}/work-depots`,
  );
  assert.deepEqual(
    depots.body.depots.map((d) => [d.teamId, d.teamName]),
    [[yard.id, 'Bauhof']],
  );

  const route = await crewClient.get<{
    start: { source: string; label: string; teamId: string };
    stops: { task: { title: string } }[];
  }>(`${base}/work-route?teamId=${yard.id}`);
  assert.deepEqual(route.body.start, {
    latitude: 49.99,
    longitude: 9,
    label: 'Bauhof Süd',
    source: 'depot',
    teamId: yard.id,
  });
  assert.deepEqual(
    route.body.stops.map((s) => s.task.title),
    ['Container Süd', 'Container Mitte', 'Container Nord'],
  );
  // The phone's position still wins when the crew shares it.
  const fromHere = await crewClient.get<{ start: { source: string }; stops: { task: { title: string } }[] }>(
    `${base}/work-route?depotLatitude=50.06&depotLongitude=9`,
  );
  assert.equal(fromHere.body.start.source, 'given');
  assert.equal(fromHere.body.stops[0]!.task.title, 'Container Nord');
  assert.equal((await crewClient.get(`${base}/work-route?depotLatitude=50`)).status, 400);

  const moved = await crewClient.put(`${base}/work-depots/${foreignYard.id}`, { latitude: 1, longitude: 1 });
  assert.equal(moved.status, 404, "another municipality's team is not found here");
  const citizenClient = await loggedIn(citizen.email);
  assert.equal(
    (await citizenClient.put(`${base}/work-depots/${yard.id}`, { latitude: 1, longitude: 1 })).status,
    403,
  );
  const audit = await server.ctx.audit.list({ municipalityIds: [municipality.id], limit: 20 });
  assert.ok(audit.some((e) => e.action === 'work.depot_set' && e.actor_user_id === crew.id));
});
