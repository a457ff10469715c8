import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine } from 'bpmn-engine';
import { shippedServices } from '../shipped-services.js';
import { ProcessRunner, StepNotWaiting, type StepResult } from './process-runner.js';

const runner = new ProcessRunner();
const roundTrip = (state: unknown) => JSON.parse(JSON.stringify(state)) as unknown;
const xmlOf = (slug: string) => shippedServices().find((s) => s.slug === slug)!.bpmnXml;

test('the certificate process waits for the fee, the caseworker and the connector, branching on the decision', async () => {
  const submitted = await runner.start('case-1', xmlOf('personenstandsurkunde'), { form: {} });
  assert.deepEqual(
    submitted.effects.map((e) => e.kind),
    ['status', 'payment'],
  );
  assert.deepEqual(submitted.userTasks, [], 'nobody works on an unpaid case');
  assert.deepEqual(submitted.waits, [{ activityId: 'ZahlungAbwarten', message: 'payment' }]);
  await assert.rejects(
    runner.receive('case-1', xmlOf('personenstandsurkunde'), roundTrip(submitted.state), 'delivery', {
      form: {},
    }),
    StepNotWaiting,
  );

  const started = await runner.receive(
    'case-1',
    xmlOf('personenstandsurkunde'),
    roundTrip(submitted.state),
    'payment',
    { form: {} },
  );
  assert.deepEqual(started.userTasks, [
    { activityId: 'Pruefen', name: 'Antrag prüfen und Urkunde ausstellen' },
  ]);
  assert.deepEqual(started.waits, []);
  assert.ok(started.nextTimerAt, 'the deadline reminder is a waiting timer');
  assert.equal(started.ended, false);

  const approved = await runner.completeUserTask(
    'case-1',
    xmlOf('personenstandsurkunde'),
    roundTrip(started.state),
    'Pruefen',
    {
      form: {},
      decision: 'approved',
    },
  );
  assert.equal(approved.ended, false, 'the specialised software has not answered yet');
  assert.deepEqual(approved.effects, [
    { kind: 'document', template: 'urkunde', activityId: 'Dokument' },
    { kind: 'connector', activityId: 'Zustellen' },
  ]);
  assert.deepEqual(approved.waits, [{ activityId: 'RueckmeldungAbwarten', message: 'delivery' }]);
  const answered = await runner.receive(
    'case-1',
    xmlOf('personenstandsurkunde'),
    roundTrip(approved.state),
    'delivery',
    { form: {} },
  );
  assert.equal(answered.ended, true);
  assert.deepEqual(answered.effects, [{ kind: 'status', status: 'completed', activityId: 'Erledigt' }]);

  const rejected = await runner.completeUserTask(
    'case-1',
    xmlOf('personenstandsurkunde'),
    roundTrip(started.state),
    'Pruefen',
    {
      form: {},
      decision: 'rejected',
    },
  );
  assert.deepEqual(
    rejected.effects.map((e) => (e.kind === 'status' ? e.status : e.kind)),
    ['document', 'rejected'],
  );
});

test('gateways read form data (FEEL): a long street use needs a statement first', async () => {
  const paid = (step: StepResult, form: Record<string, unknown>) =>
    runner.receive('case', xmlOf('sondernutzung'), roundTrip(step.state), 'payment', { form });
  const long = await paid(
    await runner.start('case-2', xmlOf('sondernutzung'), { form: { nutzung: { dauer_tage: 30 } } }),
    { nutzung: { dauer_tage: 30 } },
  );
  assert.deepEqual(
    long.userTasks.map((t) => t.activityId),
    ['Stellungnahme'],
  );
  const short = await paid(
    await runner.start('case-3', xmlOf('sondernutzung'), { form: { nutzung: { dauer_tage: 3 } } }),
    { nutzung: { dauer_tage: 3 } },
  );
  assert.deepEqual(
    short.userTasks.map((t) => t.activityId),
    ['Pruefen'],
  );
  const next = await runner.completeUserTask(
    'case-2',
    xmlOf('sondernutzung'),
    roundTrip(long.state),
    'Stellungnahme',
    {
      form: { nutzung: { dauer_tage: 30 } },
    },
  );
  assert.deepEqual(
    next.userTasks.map((t) => t.activityId),
    ['Pruefen'],
  );
});

test('completing a step that is not waiting is a conflict', async () => {
  const started = await runner.start('case-4', xmlOf('meldebescheinigung'), { form: {} });
  await assert.rejects(
    runner.completeUserTask('case-4', xmlOf('meldebescheinigung'), roundTrip(started.state), 'Dokument', {
      form: {},
    }),
    { code: 'egov_step_not_waiting', status: 409 },
  );
});

test('a saved state leaves the definition to the service version; states saved with it still resume', async () => {
  const xml = xmlOf('personenstandsurkunde');
  const submitted = await runner.start('case-5', xml, { form: {} });
  const saved = roundTrip(submitted.state) as { definitions: Record<string, unknown>[] };
  assert.equal(saved.definitions.length, 1);
  assert.equal('source' in saved.definitions[0]!, false);
  assert.equal(saved.definitions[0]!.id, 'Definitions_Personenstandsurkunde');

  // Before the definition was left out, each state carried its serialised source.
  const parser = new Engine() as unknown as {
    _serializeSource(xml: string): Promise<{ serialize(): string }>;
  };
  const source = (await parser._serializeSource(xml)).serialize();
  const legacy = { ...saved, definitions: saved.definitions.map((d) => ({ ...d, source })) };
  for (const state of [saved, legacy]) {
    const paid = await runner.receive('case-5', xml, state, 'payment', { form: {} });
    assert.deepEqual(
      paid.userTasks.map((t) => t.activityId),
      ['Pruefen'],
    );
  }
});

test('a step right after another in the same call goes on in its engine, as if recovered from the saved state', async () => {
  const xml = xmlOf('personenstandsurkunde');
  const submitted = await runner.start('case-6', xml, { form: {} });
  const recovered = await runner.receive('case-6', xml, roundTrip(submitted.state), 'payment', { form: {} });
  const continued = await runner.receive('case-6', xml, submitted.state, 'payment', { form: {} });
  for (const step of [recovered, continued]) {
    assert.deepEqual(step.effects, []);
    assert.deepEqual(step.userTasks, [
      { activityId: 'Pruefen', name: 'Antrag prüfen und Urkunde ausstellen' },
    ]);
    assert.deepEqual(step.waits, []);
    assert.ok(step.nextTimerAt);
  }
  // The continued engine was used up: the same state again is recovered, and the payment is not awaited twice.
  const again = await runner.receive('case-6', xml, submitted.state, 'payment', { form: {} });
  assert.deepEqual(
    again.userTasks.map((t) => t.activityId),
    ['Pruefen'],
  );
  const approved = await runner.completeUserTask('case-6', xml, roundTrip(continued.state), 'Pruefen', {
    form: {},
    decision: 'approved',
  });
  assert.deepEqual(
    approved.effects.map((e) => e.kind),
    ['document', 'connector'],
  );
});
