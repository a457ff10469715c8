import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AuditRepository } from '../../core/audit/audit.repository.js';
import { AuditService, systemActor } from '../../core/audit/audit.service.js';
import { testDatabase } from '../../test-support/db.js';
import { createTestTenant } from '../../test-support/factories.js';
import { effectiveStatus, PaymentService, type PaymentStatusChanged } from './payment.service.js';
import { TestPaymentProvider } from './test-payment-provider.js';

const handle = await testDatabase();
after(() => handle.close());
const provider = new TestPaymentProvider('a-test-secret-that-is-long-enough-000', 'http://platform.test');
const payments = new PaymentService(
  handle.db,
  new AuditService(new AuditRepository(handle.db)),
  'http://platform.test',
  provider,
);
const events: PaymentStatusChanged[] = [];
payments.events.on('paymentStatusChanged', (e) => events.push(e));

async function startedPayment(reference: string) {
  const { municipality } = await createTestTenant(handle.db);
  const { payment, payUrl } = await payments.request(
    {
      municipalityId: municipality.id,
      sourceType: 'egov_case',
      sourceId: reference,
      reference,
      purpose: 'Gebühr',
      amountCents: 700,
      returnPath: null,
    },
    systemActor('test'),
  );
  const token = payUrl.split('/').at(-1)!;
  const redirect = new URL(await payments.start(token));
  const order = provider.readOrder(Object.fromEntries(redirect.searchParams));
  return { municipality, payment, token, order };
}

void test('confirmations arriving twice at once change the payment once', async () => {
  const { municipality, payment, order } = await startedPayment('DB-1');
  const confirmation = provider.verifyConfirmation({
    query: Object.fromEntries(new URL(provider.answer(order, 'paid')).searchParams),
  });
  const results = await Promise.all([
    payments.confirm('test', confirmation),
    payments.confirm('test', confirmation),
    payments.confirm('test', confirmation),
  ]);
  assert.deepEqual(
    results.map((p) => p.status),
    ['paid', 'paid', 'paid'],
  );
  assert.equal(events.filter((e) => e.paymentId === payment.id).length, 1);
  // A later "cancelled" for the same transaction cannot undo a payment.
  await payments.confirm('test', { ...confirmation, status: 'cancelled' });
  assert.equal((await payments.get(municipality.id, payment.id)).status, 'paid');
  const audit = await handle.db
    .selectFrom('audit_log')
    .select('action')
    .where('target_id', '=', payment.id)
    .orderBy('id')
    .execute();
  assert.deepEqual(
    audit.map((a) => a.action),
    ['egov.payment_requested', 'egov.payment_status_changed'],
  );
});

void test('confirmations for another amount, reference or an unknown transaction are refused', async () => {
  const { order } = await startedPayment('DB-2');
  const good = provider.verifyConfirmation({
    query: Object.fromEntries(new URL(provider.answer(order, 'paid')).searchParams),
  });
  await assert.rejects(payments.confirm('test', { ...good, amountCents: 1 }), { code: 'validation_failed' });
  await assert.rejects(payments.confirm('test', { ...good, reference: 'DB-1' }), {
    code: 'validation_failed',
  });
  await assert.rejects(payments.confirm('test', { ...good, transactionId: 'test-unknown' }), {
    code: 'not_found',
  });
  await assert.rejects(payments.confirm('other', good), { code: 'not_found' });
});

void test('an unpaid payment past its deadline is expired and cannot be started', async () => {
  const { municipality, payment, token } = await startedPayment('DB-3');
  await handle.db
    .updateTable('payments')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('municipality_id', '=', municipality.id)
    .where('id', '=', payment.id)
    .execute();
  const expired = await payments.get(municipality.id, payment.id);
  assert.equal(effectiveStatus(expired), 'expired');
  await assert.rejects(payments.start(token), { code: 'conflict' });
  await assert.rejects(payments.get(municipality.id, '00000000-0000-4000-8000-000000000000'), {
    code: 'not_found',
  });
});
