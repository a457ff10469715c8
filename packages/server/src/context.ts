// Wires repositories into services once per process. Routes and jobs receive this context; tests build
// their own with a test database. Nothing here holds request state.
import type { Config } from './config.js';
import type { Database, DatabaseHandle } from './core/db/database.js';
import { AuditRepository } from './core/audit/audit.repository.js';
import { AuditService } from './core/audit/audit.service.js';
import { AuthRepository } from './core/auth/auth.repository.js';
import { AuthService } from './core/auth/auth.service.js';
import { OidcService } from './core/auth/oidc.service.js';
import { PasswordResetService } from './core/auth/password-reset.service.js';
import { AccountService } from './core/auth/account.service.js';
import { SamlService } from './core/auth/saml.service.js';
import { IdentityRepository } from './core/identity/identity.repository.js';
import { IdentityService } from './core/identity/identity.service.js';
import { TenancyRepository } from './core/tenancy/tenancy.repository.js';
import { TenancyService } from './core/tenancy/tenancy.service.js';
import { JobQueue } from './core/jobs/index.js';
import { createFileStorage, type FileStorage } from './core/files/index.js';
import { NotificationService } from './core/notifications/index.js';
import { PublicationService } from './core/publication/publication.service.js';
import { ObservationService } from './sensors/observations/observation.service.js';
import { WorkService } from './core/work/work.service.js';
import { RulesService } from './rules/rules.service.js';
import type { ConnectorService } from './egov/connectors/connector.service.js';
import { createPaymentProvider, PaymentService, type PaymentProvider } from './egov/payments/index.js';
import { ClubsService } from './cloud/clubs.service.js';
import { CloudFilesService } from './cloud/files/files.service.js';
import { MeetingsService } from './cloud/meetings/meetings.service.js';
import { CalendarService } from './cloud/calendar/calendar.service.js';
import {
  createParticipationServices,
  type ParticipationServices,
} from './participation/participation.services.js';
import { createEgovServices, type EgovServices } from './egov/egov.module.js';

export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  db: Database;
  audit: AuditService;
  auth: AuthService;
  passwordReset: PasswordResetService;
  accounts: AccountService;
  oidc: OidcService;
  /** SAML 2.0 single sign-on (BundID); see core/auth/README.md. */
  saml: SamlService;
  identity: IdentityService;
  tenancy: TenancyService;
  jobs: JobQueue;
  /** The one file storage (local disk or S3, optionally encrypted); see core/files/README.md. */
  files: FileStorage;
  notifications: NotificationService;
  publications: PublicationService;
  observations: ObservationService;
  work: WorkService;
  /** Rules on sensor data, alerts, public warnings (rules/README.md). */
  rules: RulesService;
  /** Deliveries to specialised software (FIT-Connect, webhook, XML); see egov/connectors/README.md. */
  connectors: ConnectorService;
  /** Fees paid online; see egov/payments/README.md. */
  payments: PaymentService;
  paymentProvider: PaymentProvider | null;
  clubs: ClubsService;
  cloudFiles: CloudFilesService;
  /** Club video meeting rooms (cloud/meetings/). */
  meetings: MeetingsService;
  /** Club calendars (cloud/calendar/, CalDAV in cloud/caldav/). */
  calendars: CalendarService;
  participation: ParticipationServices;
  /** Online services: catalogue, cases, per-municipality keys (egov/). */
  egov: EgovServices;
}

export function createContext(config: Config, database: DatabaseHandle): AppContext {
  const db = database.db;
  const audit = new AuditService(new AuditRepository(db));
  const identityRepository = new IdentityRepository(db);
  const tenancyRepository = new TenancyRepository(db);
  const jobs = new JobQueue(db);
  const notifications = new NotificationService(jobs);
  const auth = new AuthService(config, new AuthRepository(db), identityRepository, audit);
  const identity = new IdentityService(db, identityRepository, tenancyRepository, audit);
  const files = createFileStorage(config);
  const paymentProvider = createPaymentProvider(config);
  const oidc = new OidcService(config, db, auth, identity, audit);
  const work = new WorkService(db, audit);
  const clubs = new ClubsService(config, db, audit, notifications, work);
  const tenancy = new TenancyService(db, tenancyRepository, audit);
  // Cases use payments and connectors; the connectors read case attachments with the municipality's key.
  const payments = new PaymentService(db, audit, config.PUBLIC_URL, paymentProvider);
  const egov = createEgovServices({ config, db, audit, jobs, work, notifications, files, tenancy, payments });
  const publications = new PublicationService(db, audit);
  const ctx: Omit<AppContext, 'rules'> = {
    config,
    database,
    db,
    audit,
    auth,
    passwordReset: new PasswordResetService(config, db, notifications, audit),
    accounts: new AccountService(config, db, notifications, audit),
    oidc,
    saml: new SamlService(config, db, auth, oidc),
    identity,
    tenancy,
    jobs,
    files,
    notifications,
    publications,
    observations: new ObservationService(db),
    connectors: egov.connectors,
    payments,
    paymentProvider,
    work,
    clubs,
    cloudFiles: new CloudFilesService(db, files, clubs),
    meetings: new MeetingsService(config, db, audit),
    calendars: new CalendarService(db, audit, notifications, publications),
    participation: createParticipationServices({ config, db, audit, notifications, work, files }),
    egov,
  };
  // The rules service uses the other services (observations, work, notifications) through the context.
  return Object.assign(ctx, { rules: new RulesService(ctx as AppContext) });
}
