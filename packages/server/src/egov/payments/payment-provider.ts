// The port to a payment provider, shaped like the XBezahldienste flow of German e-government payment
// platforms (ePayBL, pmPayment, …): the platform registers a payment request (amount, purpose, reference,
// return and notify URLs), sends the citizen's browser to the provider, receives a signed confirmation,
// and can ask for the status later. The case workflow never talks to a provider directly.

export type ProviderStatus = 'pending' | 'paid' | 'failed' | 'cancelled';

export interface PaymentRequest {
  paymentId: string;
  /** Our reference (Kassenzeichen / Referenz); the provider echoes it back in the confirmation. */
  reference: string;
  /** Verwendungszweck as the citizen sees it at the provider. */
  purpose: string;
  amountCents: number;
  currency: 'EUR';
  /** Where the provider sends the browser back, with its signed confirmation. */
  returnUrl: string;
  /** Where the provider may post its signed confirmation server to server. */
  notifyUrl: string;
}

export interface PaymentRedirect {
  transactionId: string;
  redirectUrl: string;
}

/** A confirmation whose signature the provider checked: the transaction, its outcome and what was paid. */
export interface PaymentConfirmation {
  transactionId: string;
  status: Exclude<ProviderStatus, 'pending'>;
  amountCents: number;
  reference: string;
}

export interface PaymentProvider {
  readonly id: string;
  createPayment(request: PaymentRequest): Promise<PaymentRedirect>;
  /**
   * Checks a confirmation (the query of the browser's return, or a notify body). Throws
   * PaymentConfirmationInvalid for a missing or wrong signature or a malformed confirmation.
   */
  verifyConfirmation(input: {
    query: Record<string, string | undefined>;
    body?: string;
  }): PaymentConfirmation;
  queryStatus(transactionId: string): Promise<ProviderStatus | 'unknown'>;
}

export class PaymentConfirmationInvalid extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentConfirmationInvalid';
  }
}
