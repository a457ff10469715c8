// The built-in test provider: it goes through the same steps as a real one. createPayment hands out a
// redirect to its own page ("Testzahlung bestätigen / abbrechen"); the page's answer sends the browser back
// to the return URL with a confirmation signed by HMAC-SHA256, which verifyConfirmation checks. The
// request travels inside the signed page link, so the provider keeps no state of its own except a small
// in-memory status list for queryStatus (a test provider; a real one answers from its own records).
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  PaymentConfirmationInvalid,
  type PaymentConfirmation,
  type PaymentProvider,
  type PaymentRedirect,
  type PaymentRequest,
  type ProviderStatus,
} from './payment-provider.js';

export const TEST_PROVIDER_ID = 'test';
// Outside /api/: the page needs no session (the order is signed), and a logged-in citizen's session
// cookie must not make its form post a CSRF-checked API write.
export const TEST_PROVIDER_PAGE = '/bezahlen/test-provider/pay';
const PAGE_VALIDITY_MS = 60 * 60_000;

/** What the provider page shows and where it answers to; signed into the page link. */
export interface TestPaymentOrder {
  transactionId: string;
  reference: string;
  purpose: string;
  amountCents: number;
  returnUrl: string;
  expiresAt: number;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export class TestPaymentProvider implements PaymentProvider {
  readonly id = TEST_PROVIDER_ID;
  readonly #statuses = new Map<string, ProviderStatus>();

  constructor(
    private readonly secret: string,
    private readonly publicUrl: string,
  ) {}

  #sign(kind: string, payload: string): string {
    return createHmac('sha256', this.secret).update(`${kind}.${payload}`).digest('base64url');
  }

  #verify(kind: string, payload: string | undefined, signature: string | undefined): unknown {
    if (!payload || !signature || payload.length > 8000) {
      throw new PaymentConfirmationInvalid('missing payload or signature');
    }
    const expected = Buffer.from(this.#sign(kind, payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new PaymentConfirmationInvalid('signature does not match');
    }
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw new PaymentConfirmationInvalid('malformed payload');
    }
  }

  async createPayment(request: PaymentRequest): Promise<PaymentRedirect> {
    const transactionId = `test-${randomUUID()}`;
    const order: TestPaymentOrder = {
      transactionId,
      reference: request.reference,
      purpose: request.purpose,
      amountCents: request.amountCents,
      returnUrl: request.returnUrl,
      expiresAt: Date.now() + PAGE_VALIDITY_MS,
    };
    const payload = encode(order);
    this.#statuses.set(transactionId, 'pending');
    const url = new URL(this.publicUrl + TEST_PROVIDER_PAGE);
    url.searchParams.set('o', payload);
    url.searchParams.set('s', this.#sign('order', payload));
    return { transactionId, redirectUrl: url.href };
  }

  /** The provider page: reads its own signed order link. */
  readOrder(query: Record<string, string | undefined>): TestPaymentOrder {
    const order = this.#verify('order', query.o, query.s) as TestPaymentOrder;
    if (typeof order.expiresAt !== 'number' || order.expiresAt < Date.now()) {
      throw new PaymentConfirmationInvalid('the payment page has expired');
    }
    return order;
  }

  /** The citizen pressed a button on the provider page: where the browser goes next, with the signed result. */
  answer(order: TestPaymentOrder, outcome: 'paid' | 'cancelled'): string {
    this.#statuses.set(order.transactionId, outcome);
    const confirmation: PaymentConfirmation = {
      transactionId: order.transactionId,
      status: outcome,
      amountCents: order.amountCents,
      reference: order.reference,
    };
    const payload = encode(confirmation);
    const url = new URL(order.returnUrl);
    url.searchParams.set('c', payload);
    url.searchParams.set('s', this.#sign('confirmation', payload));
    return url.href;
  }

  verifyConfirmation(input: { query: Record<string, string | undefined> }): PaymentConfirmation {
    const value = this.#verify('confirmation', input.query.c, input.query.s) as Partial<PaymentConfirmation>;
    if (
      typeof value.transactionId !== 'string' ||
      !['paid', 'failed', 'cancelled'].includes(value.status as string) ||
      typeof value.amountCents !== 'number' ||
      typeof value.reference !== 'string'
    ) {
      throw new PaymentConfirmationInvalid('incomplete confirmation');
    }
    return value as PaymentConfirmation;
  }

  async queryStatus(transactionId: string): Promise<ProviderStatus | 'unknown'> {
    return this.#statuses.get(transactionId) ?? 'unknown';
  }
}
