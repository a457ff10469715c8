// SQL of payments. Staff reads name the municipality; the citizen's link finds its payment by the token's
// hash, the provider's confirmation by (provider, transaction id) — both are capabilities in themselves.
import type { Database } from '../../core/db/database.js';
import type { Payment, PaymentStatus } from '../../core/db/schema.js';

export class PaymentRepository {
  constructor(private readonly db: Database) {}

  /** Inserts, or returns the existing payment with this reference (created: false). */
  async insert(row: {
    municipalityId: string;
    sourceType: string;
    sourceId: string;
    reference: string;
    purpose: string;
    amountCents: number;
    provider: string;
    linkTokenHash: string;
    returnUrl: string | null;
    createdBy: string | null;
    expiresAt: Date;
  }): Promise<{ payment: Payment; created: boolean }> {
    const inserted = await this.db
      .insertInto('payments')
      .values({
        municipality_id: row.municipalityId,
        source_type: row.sourceType,
        source_id: row.sourceId,
        reference: row.reference,
        purpose: row.purpose,
        amount_cents: row.amountCents,
        provider: row.provider,
        link_token_hash: row.linkTokenHash,
        return_url: row.returnUrl,
        created_by: row.createdBy,
        expires_at: row.expiresAt,
      })
      .onConflict((oc) => oc.columns(['municipality_id', 'reference']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { payment: inserted, created: true };
    const existing = await this.findByReference(row.municipalityId, row.reference);
    return { payment: existing!, created: false };
  }

  findByReference(municipalityId: string, reference: string): Promise<Payment | undefined> {
    return this.db
      .selectFrom('payments')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('reference', '=', reference)
      .executeTakeFirst();
  }

  find(municipalityId: string, id: string): Promise<Payment | undefined> {
    return this.db
      .selectFrom('payments')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  list(
    municipalityId: string,
    filter: { sourceType?: string; sourceId?: string; limit: number },
  ): Promise<Payment[]> {
    let query = this.db.selectFrom('payments').selectAll().where('municipality_id', '=', municipalityId);
    if (filter.sourceType) query = query.where('source_type', '=', filter.sourceType);
    if (filter.sourceId) query = query.where('source_id', '=', filter.sourceId);
    return query.orderBy('created_at', 'desc').limit(filter.limit).execute();
  }

  findByLinkTokenHash(hash: string): Promise<Payment | undefined> {
    return this.db.selectFrom('payments').selectAll().where('link_token_hash', '=', hash).executeTakeFirst();
  }

  findByTransaction(provider: string, transactionId: string): Promise<Payment | undefined> {
    return this.db
      .selectFrom('payments')
      .selectAll()
      .where('provider', '=', provider)
      .where('provider_transaction_id', '=', transactionId)
      .executeTakeFirst();
  }

  /** Changes the status only from one of `from`: concurrent or repeated confirmations apply once. */
  transition(
    municipalityId: string,
    id: string,
    from: PaymentStatus[],
    to: PaymentStatus,
    extra: { transactionId?: string; paidAt?: Date } = {},
  ): Promise<Payment | undefined> {
    return this.db
      .updateTable('payments')
      .set({
        status: to,
        updated_at: new Date(),
        ...(extra.transactionId !== undefined ? { provider_transaction_id: extra.transactionId } : {}),
        ...(extra.paidAt !== undefined ? { paid_at: extra.paidAt } : {}),
      })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst();
  }
}
