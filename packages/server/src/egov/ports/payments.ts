// The payments port. A service task `${environment.services.requestPayment}` asks the municipality's
// provider for the case's fee. The shipped provider sends no one anywhere: the fee is invoiced with the
// case (the caseworker sees it, the citizen is told). An XBezahldienste-shaped provider with redirect
// and confirmation plugs in here later without touching the case model.
export interface PaymentRequest {
  caseId: string;
  municipalityId: string;
  reference: string;
  amountCents: number;
  purpose: string;
}

export type PaymentOutcome =
  | { status: 'not_required' }
  | { status: 'invoice'; message: string }
  | { status: 'pending'; paymentUrl: string; providerReference: string };

export interface PaymentProvider {
  readonly id: string;
  requestPayment(request: PaymentRequest): Promise<PaymentOutcome>;
}

export const invoicePaymentProvider: PaymentProvider = {
  id: 'invoice',
  requestPayment(request) {
    if (request.amountCents === 0) return Promise.resolve({ status: 'not_required' });
    return Promise.resolve({
      status: 'invoice',
      message: `Die Gebühr für ${request.purpose} wird mit dem Bescheid in Rechnung gestellt.`,
    });
  },
};
