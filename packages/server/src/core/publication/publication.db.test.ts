import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AuditRepository } from '../audit/audit.repository.js';
import { AuditService, systemActor } from '../audit/audit.service.js';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant } from '../../test-support/factories.js';
import { PublicationService } from './publication.service.js';

const handle = await testDatabase();
after(() => handle.close());
const audit = new AuditService(new AuditRepository(handle.db));
const publications = new PublicationService(handle.db, audit);

test('publishing is per municipality, idempotent, withdrawable and audited once per change', async () => {
  const a = await createTestTenant(handle.db);
  const b = await createTestTenant(handle.db);
  const id = `ds-${a.municipality.id.slice(0, 8)}`;
  await publications.publish(a.municipality.id, 'datastream', id, systemActor());
  await publications.publish(a.municipality.id, 'datastream', id, systemActor());
  assert.ok(await publications.isPublished('datastream', id));
  assert.deepEqual(await publications.listPublished('datastream', a.municipality.id), [id]);
  assert.deepEqual(await publications.listPublished('datastream', b.municipality.id), []);

  await publications.unpublish(b.municipality.id, 'datastream', id, systemActor());
  assert.ok(await publications.isPublished('datastream', id), 'another municipality cannot withdraw it');
  await publications.unpublish(a.municipality.id, 'datastream', id, systemActor());
  assert.ok(!(await publications.isPublished('datastream', id)));

  const entries = await audit.list({ municipalityIds: [a.municipality.id], limit: 10 });
  assert.deepEqual(entries.map((e) => e.action).sort(), ['publication.published', 'publication.withdrawn']);
});
