// Payments of fees: the case workflow (or a caseworker, for a fee set later) requests a payment and gets a
// link; the citizen opens it (/bezahlen/<token>), is sent to the provider, and comes back with a signed
// confirmation that moves the payment to paid, failed or cancelled — once, however often it arrives. The
// case model hears about every change through `paymentStatusChanged`.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AuditActor, AuditService } from '../../core/audit/audit.service.js';
import { systemActor } from '../../core/audit/audit.service.js';
import type { Database } from '../../core/db/database.js';
import type { Payment, PaymentStatus } from '../../core/db/schema.js';
import { Errors } from '../../core/errors.js';
import { TransactionalEvents } from '../../core/jobs/index.js';
import type { PaymentConfirmation, PaymentProvider } from './payment-provider.js';
import { PaymentRepository } from './payment.repository.js';

export const PAY_LINK_PATH = '/bezahlen';
export const RETURN_PATH = '/api/egov/payments/return';
export const NOTIFY_PATH = '/api/egov/payments/notify';
const DEFAULT_VALIDITY_DAYS = 30;

export interface PaymentStatusChanged {
  paymentId: string;
  municipalityId: string;
  sourceType: string;
  sourceId: string;
  reference: string;
  status: PaymentStatus;
}

function statusEvent(payment: Payment): PaymentStatusChanged {
  return {
    paymentId: payment.id,
    municipalityId: payment.municipality_id,
    sourceType: payment.source_type,
    sourceId: payment.source_id,
    reference: payment.reference,
    status: payment.status,
  };
}

export interface NewPayment {
  municipalityId: string;
  sourceType: string;
  sourceId: string;
  reference: string;
  purpose: string;
  amountCents: number;
  /** A path of this site to offer after paying (e.g. the case page). */
  returnPath: string | null;
  validDays?: number;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Payments past their deadline are shown (and treated) as expired unless they were paid. */
export function effectiveStatus(payment: Payment, now = new Date()): PaymentStatus {
  if (payment.status !== 'paid' && payment.expires_at < now) return 'expired';
  return payment.status;
}

export class PaymentService {
  readonly events = new EventEmitter<{ paymentStatusChanged: [PaymentStatusChanged] }>();
  /** The same event inside the confirming transaction, for follow-ups that must not be lost. */
  readonly outbox = new TransactionalEvents<{ paymentStatusChanged: PaymentStatusChanged }>();
  private readonly repository: PaymentRepository;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly publicUrl: string,
    private readonly provider: PaymentProvider | null,
  ) {
    this.repository = new PaymentRepository(db);
  }

  get enabled(): boolean {
    return this.provider !== null;
  }

  /**
   * Requests a payment and returns it with its link. The link's token is shown only here (stored as a
   * hash); asking again for the same reference with the same amount gives the same payment and a fresh link.
   */
  async request(
    input: NewPayment,
    actor: AuditActor,
  ): Promise<{ payment: Payment; payUrl: string; created: boolean }> {
    if (!this.provider) throw Errors.unavailable('No payment provider is configured');
    const token = randomBytes(24).toString('base64url');
    const validDays = input.validDays ?? DEFAULT_VALIDITY_DAYS;
    const result = await this.db.transaction().execute(async (trx) => {
      const repository = new PaymentRepository(trx);
      const { payment, created } = await repository.insert({
        ...input,
        provider: this.provider!.id,
        linkTokenHash: hashToken(token),
        returnUrl: input.returnPath,
        createdBy: actor.userId,
        expiresAt: new Date(Date.now() + validDays * 86_400_000),
      });
      if (!created) {
        if (payment.amount_cents !== input.amountCents || payment.source_id !== input.sourceId) {
          throw Errors.conflict('A payment with this reference exists with another amount or case', {
            paymentId: payment.id,
          });
        }
        // A new link for the same payment: the old one stops working.
        await trx
          .updateTable('payments')
          .set({ link_token_hash: hashToken(token), updated_at: new Date() })
          .where('municipality_id', '=', payment.municipality_id)
          .where('id', '=', payment.id)
          .execute();
      }
      await this.audit.record(
        actor,
        {
          action: created ? 'egov.payment_requested' : 'egov.payment_link_renewed',
          targetType: 'payment',
          targetId: payment.id,
          municipalityId: input.municipalityId,
          details: {
            reference: input.reference,
            amountCents: input.amountCents,
            source: `${input.sourceType}:${input.sourceId}`,
          },
        },
        trx,
      );
      return { payment, created };
    });
    return { ...result, payUrl: `${this.publicUrl}${PAY_LINK_PATH}/${token}` };
  }

  list(
    municipalityId: string,
    filter: { sourceType?: string; sourceId?: string; limit: number },
  ): Promise<Payment[]> {
    return this.repository.list(municipalityId, filter);
  }

  async get(municipalityId: string, id: string): Promise<Payment> {
    const payment = await this.repository.find(municipalityId, id);
    if (!payment) throw Errors.notFound('Payment');
    return payment;
  }

  /** The payment behind a citizen's link, or not found. */
  async byLink(token: string): Promise<Payment> {
    if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) throw Errors.notFound('Payment');
    const payment = await this.repository.findByLinkTokenHash(hashToken(token));
    if (!payment) throw Errors.notFound('Payment');
    return payment;
  }

  /** The citizen starts paying: a new provider transaction, and where to send the browser. */
  async start(token: string): Promise<string> {
    if (!this.provider) throw Errors.unavailable('No payment provider is configured');
    const payment = await this.byLink(token);
    const status = effectiveStatus(payment);
    if (status === 'paid') throw Errors.conflict('This fee is paid already', { reason: 'paid' });
    if (status === 'expired') throw Errors.conflict('This payment link has expired', { reason: 'expired' });
    const returnUrl = new URL(`${this.publicUrl}${RETURN_PATH}/${this.provider.id}`);
    returnUrl.searchParams.set('link', token);
    const redirect = await this.provider.createPayment({
      paymentId: payment.id,
      reference: payment.reference,
      purpose: payment.purpose,
      amountCents: payment.amount_cents,
      currency: 'EUR',
      returnUrl: returnUrl.href,
      notifyUrl: `${this.publicUrl}${NOTIFY_PATH}/${this.provider.id}`,
    });
    const started = await this.repository.transition(
      payment.municipality_id,
      payment.id,
      ['open', 'pending', 'failed', 'cancelled'],
      'pending',
      { transactionId: redirect.transactionId },
    );
    if (!started) throw Errors.conflict('This fee is paid already', { reason: 'paid' });
    return redirect.redirectUrl;
  }

  /**
   * Applies a confirmation the provider signed (checked by the caller through the provider). The amount
   * and reference must be the payment's; a paid payment stays paid; a repeat changes nothing.
   */
  async confirm(providerId: string, confirmation: PaymentConfirmation): Promise<Payment> {
    if (!this.provider || providerId !== this.provider.id) throw Errors.notFound('Payment provider');
    const payment = await this.repository.findByTransaction(providerId, confirmation.transactionId);
    if (!payment) throw Errors.notFound('Payment');
    if (payment.amount_cents !== confirmation.amountCents || payment.reference !== confirmation.reference) {
      throw Errors.validation('The confirmation does not match the payment');
    }
    if (payment.status === confirmation.status) return payment;
    const changed = await this.db.transaction().execute(async (trx) => {
      const updated = await new PaymentRepository(trx).transition(
        payment.municipality_id,
        payment.id,
        ['pending', 'open'],
        confirmation.status,
        confirmation.status === 'paid' ? { paidAt: new Date() } : {},
      );
      if (!updated) return undefined;
      await this.audit.record(
        systemActor(`payment:${providerId}`),
        {
          action: 'egov.payment_status_changed',
          targetType: 'payment',
          targetId: payment.id,
          municipalityId: payment.municipality_id,
          details: { status: confirmation.status, transactionId: confirmation.transactionId },
        },
        trx,
      );
      await this.outbox.publish('paymentStatusChanged', statusEvent(updated), trx);
      return updated;
    });
    if (!changed) return (await this.repository.find(payment.municipality_id, payment.id))!;
    this.events.emit('paymentStatusChanged', statusEvent(changed));
    return changed;
  }

  /** Asks the provider for the status of a pending payment (a lost return or notification). */
  async refresh(municipalityId: string, id: string): Promise<Payment> {
    const payment = await this.get(municipalityId, id);
    if (!this.provider || payment.status !== 'pending' || !payment.provider_transaction_id) return payment;
    const status = await this.provider.queryStatus(payment.provider_transaction_id);
    if (status === 'pending' || status === 'unknown') return payment;
    return this.confirm(this.provider.id, {
      transactionId: payment.provider_transaction_id,
      status,
      amountCents: payment.amount_cents,
      reference: payment.reference,
    });
  }
}
