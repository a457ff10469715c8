// Public surface of payments: the port, the service and the provider the configuration chooses.
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import type { PaymentProvider } from './payment-provider.js';
import { TestPaymentProvider } from './test-payment-provider.js';

export { PaymentService, type PaymentStatusChanged, type NewPayment } from './payment.service.js';
export type {
  PaymentProvider,
  PaymentRequest,
  PaymentConfirmation,
  ProviderStatus,
} from './payment-provider.js';

/** The configured provider; null when payments are off (PAYMENT_PROVIDER=none). */
export function createPaymentProvider(config: Config): PaymentProvider | null {
  if (config.PAYMENT_PROVIDER !== 'test') return null;
  const secret = config.PAYMENT_TEST_SECRET ?? randomBytes(32).toString('base64url');
  return new TestPaymentProvider(secret, config.PUBLIC_URL);
}
