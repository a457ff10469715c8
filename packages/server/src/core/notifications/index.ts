// Public surface of the notification service; domains import from here.
export { NotificationService, registerNotificationJobs } from './notification.service.js';
export type { NotificationSendOptions, NotificationNamingOptions } from './notification.service.js';
export { createMailer, mailerOptionsFromConfig, senderDomain } from './mailer.js';
export type {
  EmailAttachment,
  EmailMessage,
  Mailer,
  MailerOptions,
  SendEmailOptions,
  SentEmail,
} from './mailer.js';
export {
  verifyWebhookSignature,
  signWebhook,
  SIGNATURE_HEADER,
  EVENT_HEADER,
  DELIVERY_HEADER,
} from './webhook-signature.js';
export type { NotificationDeps, NotificationChannel } from './channels/channel.js';
export { emailChannel, MAX_ATTACHMENT_BYTES, type EmailJobPayload } from './channels/email.channel.js';
export {
  webhookChannel,
  WEBHOOK_TIMEOUT_MS,
  type WebhookEnvelope,
  type WebhookJobPayload,
  type WebhookRequest,
} from './channels/webhook.channel.js';
export {
  pushChannel,
  PushServiceError,
  type PushJobPayload,
  type PushSubscriptionKeys,
  type WebPushSender,
} from './channels/push.channel.js';
export { createWebPushSender, loadVapidKeys, vapidSubject, type VapidKeys } from './webpush.js';
