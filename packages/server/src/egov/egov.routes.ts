// HTTP API of online services. Public: the catalogue of a municipality. Citizens (account or resume
// link in `x-resume-token`): drafts, attachments, submit, status, mailbox, files, export. Staff: the case
// list, a case (every read is audited), claim and hand over, user tasks, requests for information,
// messages, statistics. Designers: versions (draft -> published), test runs. Admins: parameters.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../context.js';
import { actorOf } from '../core/audit/audit.service.js';
import { hasRoleIn, requirePrincipal, type Principal } from '../core/auth/principal.js';
import type { EgovCase, EgovCaseFile, EgovServiceVersion } from '../core/db/schema.js';
import { Errors } from '../core/errors.js';
import { errorResponses, MunicipalityParams } from '../core/http/schemas.js';
import {
  awaitsProcessStart,
  CASE_SOURCE,
  MAX_ATTACHMENT_BYTES,
  type CaseData,
  type CitizenAccess,
} from './case.service.js';
import { assertFeeRules, feeRulesOf, formOf, type VersionContent } from './catalogue.service.js';
import type { MunicipalityServiceParams } from './egov.repository.js';
import { egovPolicy } from './egov.policy.js';
import { FeeRule, type FeeOverrides } from './fees.js';
import { computeFee } from './fees.js';
import { paymentPolicy } from './payments/payment.policy.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ format: 'uuid' });
const CaseStatus = Type.Enum([
  'draft',
  'received',
  'in_progress',
  'action_required',
  'completed',
  'rejected',
]);
const FormData = Type.Record(Type.String(), Type.Unknown(), { description: 'Form data keyed by field key' });
const CaseParams = Type.Object({ caseId: Uuid });
const FeeQuoteView = Type.Object({
  totalCents: Type.Integer(),
  lines: Type.Array(
    Type.Object({
      ruleId: Type.String(),
      label: Type.String(),
      units: Type.Integer(),
      amountCents: Type.Integer(),
    }),
  ),
});
const FileView = Type.Object({
  id: Type.String(),
  kind: Type.Enum(['attachment', 'receipt', 'document']),
  fieldKey: Nullable(Type.String()),
  fileName: Type.String(),
  contentType: Type.String(),
  size: Type.Integer(),
  createdAt: Type.String(),
});
const MessageView = Type.Object({
  id: Type.String(),
  sender: Type.Enum(['citizen', 'staff', 'system']),
  author: Nullable(Type.String()),
  body: Type.String(),
  createdAt: Type.String(),
});
const CitizenCaseView = Type.Object({
  id: Type.String(),
  reference: Type.String(),
  status: CaseStatus,
  municipalityId: Type.String(),
  serviceId: Type.String(),
  serviceName: Type.String(),
  versionId: Type.String(),
  testMode: Type.Boolean(),
  feeCents: Type.Integer(),
  /** True when a logged-in citizen opened an anonymous application: it may be added to the account. */
  claimable: Type.Boolean(),
  /** The link to pay the fee online while it is unpaid; null otherwise. */
  paymentUrl: Nullable(Type.String()),
  /**
   * Submitted, and the process is being started (a job after submit): the next steps, e.g. the payment
   * link, appear once it ran; the portal asks again until this is false.
   */
  processing: Type.Boolean(),
  submittedAt: Nullable(Type.String()),
  form: FormData,
  files: Type.Array(FileView),
  messages: Type.Array(MessageView),
});
const ServiceSummary = Type.Object({
  serviceId: Type.String(),
  slug: Type.String(),
  leikaKey: Type.String(),
  versionId: Type.String(),
  version: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  allowAnonymous: Type.Boolean(),
  responsibleOffice: Type.String(),
});
const VersionView = Type.Object({
  id: Type.String(),
  serviceId: Type.String(),
  version: Type.Integer(),
  status: Type.Enum(['draft', 'published', 'retired']),
  name: Type.String(),
  description: Type.String(),
  formSchema: Type.Record(Type.String(), Type.Unknown()),
  bpmnXml: Type.String(),
  feeRules: Type.Array(FeeRule),
  requiredDocuments: Type.Array(Type.String()),
  allowAnonymous: Type.Boolean(),
  retentionDays: Type.Integer(),
  processingDays: Type.Integer(),
  publishedAt: Nullable(Type.String()),
});

const presentFile = (f: EgovCaseFile) => ({
  id: f.id,
  kind: f.kind,
  fieldKey: f.kind === 'attachment' ? f.field_key : null,
  fileName: f.file_name,
  contentType: f.content_type,
  size: f.size,
  createdAt: f.created_at.toISOString(),
});

const presentVersion = (v: EgovServiceVersion) => ({
  id: v.id,
  serviceId: v.service_id,
  version: v.version,
  status: v.status,
  name: v.name,
  description: v.description,
  formSchema: v.form_schema,
  bpmnXml: v.bpmn_xml,
  feeRules: feeRulesOf(v),
  requiredDocuments: v.required_documents as string[],
  allowAnonymous: v.allow_anonymous,
  retentionDays: v.retention_days,
  processingDays: v.processing_days,
  publishedAt: v.published_at?.toISOString() ?? null,
});

function accessOf(request: FastifyRequest): CitizenAccess {
  const token = request.headers['x-resume-token'];
  return {
    userId: request.principal?.userId ?? null,
    resumeToken: typeof token === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(token) ? token : null,
  };
}

export function egovRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  const { catalogue, cases } = ctx.egov;

  /**
   * `fresh`: the draft was just created from this version with this data, so it has no files yet (saves
   * a read and a decryption).
   */
  async function presentCitizenCase(
    c: EgovCase,
    viewerId: string | null,
    fresh?: { version: VersionContent; data: CaseData },
  ) {
    const [version, data, files, messages] = await Promise.all([
      fresh?.version ?? catalogue.content(c.service_version_id),
      fresh?.data ?? cases.data(c),
      fresh ? Promise.resolve([]) : cases.files(c),
      c.status === 'draft' ? Promise.resolve([]) : cases.messages(c),
    ]);
    return {
      id: c.id,
      reference: c.reference,
      status: c.status,
      municipalityId: c.municipality_id,
      serviceId: version.service_id,
      serviceName: version.name,
      versionId: version.id,
      testMode: c.test_mode,
      feeCents: c.fee_cents,
      claimable: viewerId !== null && c.citizen_user_id === null && !c.test_mode,
      paymentUrl: data.payment && !data.payment.paid ? data.payment.url : null,
      processing: awaitsProcessStart(c),
      submittedAt: c.submitted_at?.toISOString() ?? null,
      form: data.form,
      files: files.map(presentFile),
      messages: messages.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })),
    };
  }

  /** A case the staff member may handle; others' cases are not found. Every load is an audited read. */
  async function caseForStaff(
    principal: Principal,
    caseId: string,
    request: FastifyRequest,
  ): Promise<EgovCase> {
    const c = await cases.get(caseId);
    if (c.status === 'draft' || !egovPolicy.mayHandleCases(principal, c.municipality_id))
      throw Errors.notFound('Case');
    await ctx.audit.record(actorOf(principal, request), {
      action: 'egov_case.read',
      targetType: 'egov_case',
      targetId: c.id,
      municipalityId: c.municipality_id,
    });
    return c;
  }

  /** A file of a case as a download; the caller has checked who may read the case. */
  async function sendCaseFile(reply: FastifyReply, c: EgovCase, fileId: string) {
    const { file, body } = await cases.openFile(c, fileId);
    return reply
      .header('content-type', file.content_type)
      .header('content-disposition', `attachment; filename="${file.file_name.replace(/[^\w.-]/g, '_')}"`)
      .header('cache-control', 'private, no-store')
      .send(body);
  }

  async function regionMunicipalityIds(regionId: string): Promise<string[]> {
    const regions = await ctx.tenancy.publicRegions();
    return regions.find((r) => r.id === regionId)?.municipalities.map((m) => m.id) ?? [];
  }

  async function versionForDesigner(principal: Principal, versionId: string) {
    const version = await catalogue.version(versionId);
    const service = await catalogue.service(version.service_id);
    if (!egovPolicy.mayDesign(principal, await regionMunicipalityIds(service.region_id)))
      throw Errors.notFound('Service version');
    return { version, service };
  }

  return async (app) => {
    // Attachments arrive as the raw file body (any type); the service checks the type it was told.
    app.addContentTypeParser(
      ['application/octet-stream', 'application/pdf', 'image/png', 'image/jpeg'],
      (_request, payload, done) => done(null, payload),
    );

    // --- public catalogue ------------------------------------------------------------------------------

    app.get(
      '/api/public/egov/municipalities/:municipalityId/services',
      {
        schema: {
          tags: ['egov'],
          summary: 'Online services a municipality offers, optionally filtered by a search text',
          params: MunicipalityParams,
          querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 100 })) }),
          response: { 200: Type.Object({ services: Type.Array(ServiceSummary) }), ...errorResponses(404) },
        },
      },
      async (request) => {
        await ctx.tenancy.municipality(request.params.municipalityId);
        const q = request.query.q?.trim();
        return { services: await catalogue.listOffered(request.params.municipalityId, q || undefined) };
      },
    );

    app.get(
      '/api/public/egov/municipalities/:municipalityId/services/:serviceId',
      {
        schema: {
          tags: ['egov'],
          summary:
            'One offered service: its form, fees (with the municipality’s overrides), documents and office',
          params: Type.Object({ municipalityId: Uuid, serviceId: Uuid }),
          response: {
            200: Type.Object({
              service: ServiceSummary,
              formSchema: Type.Record(Type.String(), Type.Unknown()),
              feeRules: Type.Array(FeeRule),
              requiredDocuments: Type.Array(Type.String()),
              processingDays: Type.Integer(),
              contact: Type.Object({
                office: Type.String(),
                email: Nullable(Type.String()),
                phone: Nullable(Type.String()),
              }),
            }),
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        const { municipalityId, serviceId } = request.params;
        const offered = (await catalogue.listOffered(municipalityId)).find((s) => s.serviceId === serviceId);
        if (!offered) throw Errors.notFound('Service');
        const version = await catalogue.version(offered.versionId);
        const params = await catalogue.params(municipalityId, serviceId);
        const overrides = params.fee_overrides as FeeOverrides;
        return {
          service: offered,
          formSchema: version.form_schema,
          feeRules: feeRulesOf(version).map((r) => ({ ...r, amountCents: overrides[r.id] ?? r.amountCents })),
          requiredDocuments: version.required_documents as string[],
          processingDays: version.processing_days,
          contact: {
            office: params.responsible_office,
            email: params.contact_email,
            phone: params.contact_phone,
          },
        };
      },
    );

    // --- citizens -------------------------------------------------------------------------------------

    app.post(
      '/api/egov/municipalities/:municipalityId/cases',
      {
        schema: {
          tags: ['egov'],
          summary:
            'Start an application (draft). Anonymous where the service allows it: keep the returned resumeToken to continue later.',
          params: MunicipalityParams,
          body: Type.Object(
            { serviceId: Uuid, versionId: Type.Optional(Uuid), data: Type.Optional(FormData) },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({
              case: CitizenCaseView,
              resumeToken: Nullable(Type.String()),
              fee: FeeQuoteView,
            }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const { municipalityId } = request.params;
        const { serviceId, versionId, data } = request.body;
        let offer: { version: VersionContent; params: MunicipalityServiceParams };
        let testMode = false;
        if (versionId) {
          // Test mode: a designer runs any version (drafts included) end to end.
          const principal = requirePrincipal(request.principal);
          if (!egovPolicy.mayTestRun(principal, municipalityId))
            throw Errors.forbidden('Test runs are for process designers');
          const version = await catalogue.content(versionId);
          if (version.service_id !== serviceId) throw Errors.notFound('Service version');
          offer = { version, params: await catalogue.params(municipalityId, serviceId) };
          testMode = true;
        } else {
          offer = await catalogue.offer(municipalityId, serviceId);
        }
        const { version } = offer;
        const created = await cases.createDraft({
          municipalityId,
          ...offer,
          userId: request.principal?.userId ?? null,
          testMode,
          data: data ?? {},
          actor: actorOf(request.principal, request),
        });
        return reply.status(201).send({
          case: await presentCitizenCase(created.case, request.principal?.userId ?? null, {
            version,
            data: created.data,
          }),
          resumeToken: created.resumeToken,
          fee: created.fee,
        });
      },
    );

    app.get(
      '/api/egov/cases/:caseId',
      {
        schema: {
          tags: ['egov'],
          summary: 'An application of the citizen: status, form, files, mailbox',
          params: CaseParams,
          response: { 200: CitizenCaseView, ...errorResponses(404) },
        },
      },
      async (request) => {
        const access = accessOf(request);
        return presentCitizenCase(await cases.forCitizen(request.params.caseId, access), access.userId);
      },
    );

    app.post(
      '/api/egov/cases/:caseId/claim',
      {
        schema: {
          tags: ['egov'],
          summary:
            'Add an anonymous application to the logged-in account; proof is the resume token (x-resume-token)',
          params: CaseParams,
          response: { 200: CitizenCaseView, ...errorResponses(401, 404, 409) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { resumeToken } = accessOf(request);
        if (!resumeToken) throw Errors.notFound('Case');
        const claimed = await cases.addToAccount(
          { caseId: request.params.caseId },
          resumeToken,
          principal.userId,
          actorOf(principal, request),
        );
        return presentCitizenCase(claimed, principal.userId);
      },
    );

    app.post(
      '/api/egov/my/cases/claim',
      {
        schema: {
          tags: ['egov'],
          summary:
            "Add an anonymous application to the logged-in account by the receipt's reference and its resume token",
          body: Type.Object(
            {
              reference: Type.String({ minLength: 5, maxLength: 40 }),
              resumeToken: Type.String({ pattern: '^[A-Za-z0-9_-]{20,100}$' }),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ id: Type.String(), reference: Type.String() }),
            ...errorResponses(400, 401, 404, 409),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const claimed = await cases.addToAccount(
          { reference: request.body.reference },
          request.body.resumeToken,
          principal.userId,
          actorOf(principal, request),
        );
        return { id: claimed.id, reference: claimed.reference };
      },
    );

    app.put(
      '/api/egov/cases/:caseId/draft',
      {
        schema: {
          tags: ['egov'],
          summary: 'Save a draft (incomplete data is fine); returns the fee so far and the errors so far',
          params: CaseParams,
          body: Type.Object({ data: FormData }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              fee: FeeQuoteView,
              errors: Type.Record(Type.String(), Type.Array(Type.String())),
            }),
            ...errorResponses(400, 404, 409),
          },
        },
      },
      async (request) => {
        const c = await cases.forCitizen(request.params.caseId, accessOf(request));
        const saved = await cases.saveDraft(c, request.body.data);
        return { fee: saved.fee, errors: saved.errors };
      },
    );

    app.post(
      '/api/egov/cases/:caseId/attachments',
      {
        bodyLimit: MAX_ATTACHMENT_BYTES + 1024,
        schema: {
          tags: ['egov'],
          summary: 'Upload an attachment (raw body; Content-Type application/pdf, image/png or image/jpeg)',
          params: CaseParams,
          querystring: Type.Object({
            field: Type.String({ minLength: 1, maxLength: 200 }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
          }),
          response: { 201: FileView, ...errorResponses(400, 404, 409, 413, 415) },
        },
      },
      async (request, reply) => {
        const c = await cases.forCitizen(request.params.caseId, accessOf(request));
        const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
        const file = await cases.addAttachment(
          c,
          {
            fieldKey: request.query.field,
            fileName: request.query.name,
            contentType,
            body: request.body as Readable,
          },
          actorOf(request.principal, request),
        );
        return reply.status(201).send(presentFile(file));
      },
    );

    app.post(
      '/api/egov/cases/:caseId/submit',
      {
        schema: {
          tags: ['egov'],
          summary:
            'Submit: the server validates the form, fixes the fee, writes the receipt and queues the process start',
          params: CaseParams,
          body: Type.Object({ data: FormData }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              id: Type.String(),
              reference: Type.String(),
              status: CaseStatus,
              fee: FeeQuoteView,
              receiptUrl: Type.String(),
            }),
            ...errorResponses(400, 404, 409),
          },
        },
      },
      async (request) => {
        const c = await cases.forCitizen(request.params.caseId, accessOf(request));
        const result = await cases.submit(c, request.body.data, actorOf(request.principal, request));
        return {
          id: result.case.id,
          reference: result.case.reference,
          status: result.case.status,
          fee: result.fee,
          receiptUrl: `/api/egov/cases/${c.id}/files/${result.receiptId}`,
        };
      },
    );

    app.get(
      '/api/egov/cases/:caseId/files/:fileId',
      {
        schema: {
          tags: ['egov'],
          summary: 'Download a file of the application (receipt, document, own attachment)',
          params: Type.Object({ caseId: Uuid, fileId: Uuid }),
          response: { ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const c = await cases.forCitizen(request.params.caseId, accessOf(request));
        return sendCaseFile(reply, c, request.params.fileId);
      },
    );

    app.post(
      '/api/egov/cases/:caseId/messages',
      {
        schema: {
          tags: ['egov'],
          summary: 'Write to the caseworker (answers a request for information)',
          params: CaseParams,
          body: Type.Object(
            { body: Type.String({ minLength: 1, maxLength: 5000 }) },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ id: Type.String() }), ...errorResponses(400, 404, 409) },
        },
      },
      async (request, reply) => {
        const c = await cases.forCitizen(request.params.caseId, accessOf(request));
        const message = await cases.addMessage(
          c,
          'citizen',
          c.citizen_user_id,
          request.body.body,
          actorOf(request.principal, request),
        );
        return reply.status(201).send({ id: message.id });
      },
    );

    app.get(
      '/api/egov/my/cases',
      {
        schema: {
          tags: ['egov'],
          summary: "The logged-in citizen's applications",
          response: {
            200: Type.Object({
              cases: Type.Array(
                Type.Object({
                  id: Type.String(),
                  reference: Type.String(),
                  status: CaseStatus,
                  municipalityName: Type.String(),
                  serviceName: Type.String(),
                  submittedAt: Nullable(Type.String()),
                  updatedAt: Type.String(),
                }),
              ),
            }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const rows = await cases.listForCitizen(principal.userId);
        return {
          cases: rows.map((r) => ({
            id: r.id,
            reference: r.reference,
            status: r.status,
            municipalityName: r.municipality_name,
            serviceName: r.service_name,
            submittedAt: r.submitted_at?.toISOString() ?? null,
            updatedAt: r.updated_at.toISOString(),
          })),
        };
      },
    );

    app.get(
      '/api/egov/my/export',
      {
        schema: {
          tags: ['egov'],
          summary: 'Export of all application data the platform holds about the logged-in citizen (JSON)',
          response: {
            200: Type.Object({ exportedAt: Type.String(), cases: Type.Array(Type.Unknown()) }),
            ...errorResponses(401),
          },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        await ctx.audit.record(actorOf(principal, request), {
          action: 'egov_citizen.exported',
          targetType: 'user',
          targetId: principal.userId,
        });
        return reply.header('content-disposition', 'attachment; filename="meine-antraege.json"').send({
          exportedAt: new Date().toISOString(),
          cases: await cases.exportForCitizen(principal.userId),
        });
      },
    );

    // --- back office ----------------------------------------------------------------------------------

    app.get(
      '/api/egov/backoffice/cases',
      {
        schema: {
          tags: ['egov'],
          summary: 'Cases of every municipality the caller handles cases for, substitutions included',
          querystring: Type.Object({
            municipalityId: Type.Optional(Uuid),
            status: Type.Array(CaseStatus, {
              default: ['received', 'in_progress', 'action_required'],
              maxItems: 6,
            }),
            testMode: Type.Boolean({ default: false }),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          }),
          response: {
            200: Type.Object({
              cases: Type.Array(
                Type.Object({
                  id: Type.String(),
                  reference: Type.String(),
                  status: CaseStatus,
                  municipalityId: Type.String(),
                  municipalityName: Type.String(),
                  serviceName: Type.String(),
                  assigneeId: Nullable(Type.String()),
                  assigneeName: Nullable(Type.String()),
                  submittedAt: Nullable(Type.String()),
                  dueAt: Nullable(Type.String()),
                  overdue: Type.Boolean(),
                  feeCents: Type.Integer(),
                }),
              ),
            }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const q = request.query;
        const rows = await cases.listForStaff({
          municipalityIds: egovPolicy.caseMunicipalities(principal),
          municipalityId: q.municipalityId,
          statuses: q.status,
          testMode: q.testMode,
          limit: q.limit,
        });
        const now = Date.now();
        return {
          cases: rows.map((r) => ({
            id: r.id,
            reference: r.reference,
            status: r.status,
            municipalityId: r.municipality_id,
            municipalityName: r.municipality_name,
            serviceName: r.service_name,
            assigneeId: r.assignee_id,
            assigneeName: r.assignee_name,
            submittedAt: r.submitted_at?.toISOString() ?? null,
            dueAt: r.due_at?.toISOString() ?? null,
            overdue:
              r.due_at !== null && r.due_at.getTime() < now && !['completed', 'rejected'].includes(r.status),
            feeCents: r.fee_cents,
          })),
        };
      },
    );

    app.get(
      '/api/egov/backoffice/cases/:caseId',
      {
        schema: {
          tags: ['egov'],
          summary: 'A case with its data, waiting process steps and audit trail (the read itself is audited)',
          params: CaseParams,
          response: {
            200: Type.Object({
              case: CitizenCaseView,
              assigneeId: Nullable(Type.String()),
              dueAt: Nullable(Type.String()),
              // The latest hand-over to the specialised software; failed/rejected means staff must act.
              delivery: Nullable(
                Type.Object({
                  id: Type.String(),
                  status: Type.String(),
                  remoteStatus: Nullable(Type.String()),
                  lastError: Nullable(Type.String()),
                }),
              ),
              // The process start gave up after its retries: staff may try again once the cause is fixed.
              startFailed: Nullable(Type.Object({ lastError: Nullable(Type.String()) })),
              formSchema: Type.Record(Type.String(), Type.Unknown()),
              openSteps: Type.Array(
                Type.Object({
                  taskId: Type.String(),
                  activityId: Type.String(),
                  title: Type.String(),
                  assigneeId: Nullable(Type.String()),
                }),
              ),
              trail: Type.Array(
                Type.Object({
                  at: Type.String(),
                  action: Type.String(),
                  actor: Type.String(),
                  details: Type.Unknown(),
                }),
              ),
            }),
            ...errorResponses(401, 404),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const c = await caseForStaff(principal, request.params.caseId, request);
        const version = await catalogue.content(c.service_version_id);
        const tasks = await ctx.work.list({
          municipalityIds: [c.municipality_id],
          statuses: ['open', 'in_progress'],
          limit: 200,
        });
        const trail = await cases.trail(c);
        const deadStart = await cases.deadStartJob(c);
        const [delivery] = await ctx.connectors.listDeliveries({
          municipalityIds: [c.municipality_id],
          sourceType: CASE_SOURCE,
          sourceId: c.id,
          limit: 1,
        });
        return {
          case: await presentCitizenCase(c, null),
          assigneeId: c.assignee_id,
          dueAt: c.due_at?.toISOString() ?? null,
          delivery: delivery
            ? {
                id: delivery.id,
                status: delivery.status,
                remoteStatus: delivery.remote_status,
                lastError: delivery.last_error,
              }
            : null,
          startFailed: deadStart ? { lastError: deadStart.lastError } : null,
          formSchema: formOf(version) as unknown as Record<string, unknown>,
          openSteps: tasks
            .filter((t) => t.source_type === CASE_SOURCE && t.source_id.startsWith(`${c.id}:`))
            .map((t) => ({
              taskId: t.id,
              activityId: t.source_id.slice(c.id.length + 1),
              title: t.title,
              assigneeId: t.assignee_id,
            })),
          trail: trail.map((e) => ({
            at: e.at.toISOString(),
            action: e.action,
            actor: e.actor_label,
            details: e.details,
          })),
        };
      },
    );

    app.post(
      '/api/egov/backoffice/cases/:caseId/claim',
      {
        schema: {
          tags: ['egov'],
          summary: 'Take the case (body {}) or hand it to a colleague (admins, body { assigneeId })',
          params: CaseParams,
          body: Type.Object({ assigneeId: Type.Optional(Uuid) }, { additionalProperties: false }),
          response: {
            200: Type.Object({ status: CaseStatus, assigneeId: Nullable(Type.String()) }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const c = await caseForStaff(principal, request.params.caseId, request);
        const assigneeId = request.body.assigneeId ?? principal.userId;
        if (assigneeId !== principal.userId) {
          if (!egovPolicy.mayHandOver(principal, c.municipality_id))
            throw Errors.forbidden('Only admins hand cases to others');
          const person = await ctx.identity.findUserById(assigneeId);
          if (!person) throw Errors.notFound('Person');
          const assignee = await ctx.auth.principalForUser(person, 'session');
          if (!hasRoleIn(assignee, c.municipality_id, ['municipal_admin', 'caseworker']))
            throw Errors.validation('This person does not handle cases for the municipality');
        }
        const updated = await cases.claim(c, assigneeId, actorOf(principal, request));
        return { status: updated.status, assigneeId: updated.assignee_id };
      },
    );

    app.post(
      '/api/egov/backoffice/cases/:caseId/steps/:activityId/complete',
      {
        schema: {
          tags: ['egov'],
          summary: 'Complete a waiting process step (BPMN user task); a decision drives the gateway after it',
          params: Type.Object({
            caseId: Uuid,
            activityId: Type.String({ pattern: '^[A-Za-z_][\\w.-]{0,99}$' }),
          }),
          body: Type.Object(
            {
              decision: Type.Optional(Type.Enum(['approved', 'rejected'])),
              note: Type.Optional(Type.String({ maxLength: 5000 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ status: CaseStatus }), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const c = await caseForStaff(principal, request.params.caseId, request);
        const updated = await cases.completeUserTask(
          c,
          { activityId: request.params.activityId, decision: request.body.decision, note: request.body.note },
          actorOf(principal, request),
        );
        return { status: updated.status };
      },
    );

    app.post(
      '/api/egov/backoffice/cases/:caseId/retry-start',
      {
        schema: {
          tags: ['egov'],
          summary: 'Start the process again after its start gave up (the cause is fixed)',
          params: CaseParams,
          response: { 204: Type.Null(), ...errorResponses(401, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const c = await caseForStaff(principal, request.params.caseId, request);
        await cases.retryStart(c, actorOf(principal, request));
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/api/egov/backoffice/cases/:caseId/request-information',
      {
        schema: {
          tags: ['egov'],
          summary: 'Ask the citizen for more information (status: action required)',
          params: CaseParams,
          body: Type.Object(
            { message: Type.String({ minLength: 1, maxLength: 5000 }) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ status: CaseStatus }), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const c = await caseForStaff(principal, request.params.caseId, request);
        const updated = await cases.requestInformation(c, request.body.message, actorOf(principal, request));
        return { status: updated.status };
      },
    );

    app.post(
      '/api/egov/backoffice/cases/:caseId/messages',
      {
        schema: {
          tags: ['egov'],
          summary: 'Write to the citizen',
          params: CaseParams,
          body: Type.Object(
            { body: Type.String({ minLength: 1, maxLength: 5000 }) },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ id: Type.String() }), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const c = await caseForStaff(principal, request.params.caseId, request);
        const message = await cases.addMessage(
          c,
          'staff',
          principal.userId,
          request.body.body,
          actorOf(principal, request),
        );
        return reply.status(201).send({ id: message.id });
      },
    );

    app.post(
      '/api/egov/backoffice/cases/:caseId/fees',
      {
        schema: {
          tags: ['egov'],
          summary:
            'Set a fee after submission: the citizen gets a payment link in the mailbox (pay-per-link)',
          params: CaseParams,
          body: Type.Object(
            {
              amountCents: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
              purpose: Type.String({ minLength: 1, maxLength: 140 }),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ paymentId: Type.String(), payUrl: Type.String() }),
            ...errorResponses(400, 401, 403, 404, 409, 503),
          },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const c = await caseForStaff(principal, request.params.caseId, request);
        if (!paymentPolicy.mayRequest(principal, c.municipality_id)) throw Errors.forbidden();
        const fee = await cases.requestLaterFee(c, request.body, actorOf(principal, request));
        return reply.status(201).send(fee);
      },
    );

    app.get(
      '/api/egov/backoffice/cases/:caseId/files/:fileId',
      {
        schema: {
          tags: ['egov'],
          summary: 'Download a file of a case (audited)',
          params: Type.Object({ caseId: Uuid, fileId: Uuid }),
          response: { ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const c = await caseForStaff(principal, request.params.caseId, request);
        return sendCaseFile(reply, c, request.params.fileId);
      },
    );

    app.get(
      '/api/egov/backoffice/statistics',
      {
        schema: {
          tags: ['egov'],
          summary:
            'Cases per service and municipality, open and closed, average processing time (test runs excluded)',
          response: {
            200: Type.Object({
              rows: Type.Array(
                Type.Object({
                  service: Type.String(),
                  municipalityId: Type.String(),
                  municipalityName: Type.String(),
                  total: Type.Integer(),
                  open: Type.Integer(),
                  closed: Type.Integer(),
                  avgProcessingHours: Nullable(Type.Number()),
                }),
              ),
            }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const rows = await cases.statistics(egovPolicy.mayViewStatistics(principal));
        return {
          rows: rows.map((r) => ({
            service: r.service,
            municipalityId: r.municipalityId,
            municipalityName: r.municipalityName,
            total: r.total,
            open: r.open,
            closed: r.closed,
            avgProcessingHours:
              r.avgProcessingSeconds === null ? null : Math.round((r.avgProcessingSeconds / 3600) * 10) / 10,
          })),
        };
      },
    );

    // --- process design -------------------------------------------------------------------------------

    app.get(
      '/api/egov/design/services',
      {
        schema: {
          tags: ['egov'],
          summary: 'The shared catalogue of the regions the designer works for, with all versions',
          response: {
            200: Type.Object({
              services: Type.Array(
                Type.Object({
                  id: Type.String(),
                  regionId: Type.String(),
                  slug: Type.String(),
                  leikaKey: Type.String(),
                  versions: Type.Array(
                    Type.Object({
                      id: Type.String(),
                      version: Type.Integer(),
                      status: Type.String(),
                      name: Type.String(),
                      publishedAt: Nullable(Type.String()),
                    }),
                  ),
                }),
              ),
            }),
            ...errorResponses(401, 403),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const municipalityIds = egovPolicy.designerMunicipalities(principal);
        let regionIds: string[] | 'all' = 'all';
        if (municipalityIds !== 'all') {
          if (municipalityIds.length === 0) throw Errors.forbidden('For process designers');
          const regions = await ctx.tenancy.publicRegions();
          regionIds = regions
            .filter((r) => r.municipalities.some((m) => municipalityIds.includes(m.id)))
            .map((r) => r.id);
        }
        const services = await catalogue.listServices(regionIds);
        return {
          services: await Promise.all(
            services.map(async (s) => ({
              id: s.id,
              regionId: s.region_id,
              slug: s.slug,
              leikaKey: s.leika_key,
              versions: (await catalogue.listVersions(s.id)).map((v) => ({
                id: v.id,
                version: v.version,
                status: v.status,
                name: v.name,
                publishedAt: v.published_at?.toISOString() ?? null,
              })),
            })),
          ),
        };
      },
    );

    app.get(
      '/api/egov/design/versions/:versionId',
      {
        schema: {
          tags: ['egov'],
          summary: 'A service version with form and process model',
          params: Type.Object({ versionId: Uuid }),
          response: { 200: VersionView, ...errorResponses(401, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        return presentVersion((await versionForDesigner(principal, request.params.versionId)).version);
      },
    );

    app.post(
      '/api/egov/design/services/:serviceId/drafts',
      {
        schema: {
          tags: ['egov'],
          summary: 'Start a new draft version, copied from the newest one',
          params: Type.Object({ serviceId: Uuid }),
          response: { 201: VersionView, ...errorResponses(401, 404, 409) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const service = await catalogue.service(request.params.serviceId);
        if (!egovPolicy.mayDesign(principal, await regionMunicipalityIds(service.region_id)))
          throw Errors.notFound('Service');
        return reply
          .status(201)
          .send(presentVersion(await catalogue.createDraft(service.id, actorOf(principal, request))));
      },
    );

    app.patch(
      '/api/egov/design/versions/:versionId',
      {
        bodyLimit: 2 * 1024 * 1024,
        schema: {
          tags: ['egov'],
          summary:
            'Change a draft: texts, form (form-js schema), process (BPMN 2.0 XML), fees, documents, retention',
          params: Type.Object({ versionId: Uuid }),
          body: Type.Object(
            {
              name: Type.Optional(Type.String({ minLength: 3, maxLength: 200 })),
              description: Type.Optional(Type.String({ maxLength: 5000 })),
              formSchema: Type.Optional(
                Type.Object({ components: Type.Array(Type.Unknown(), { maxItems: 500 }) }),
              ),
              bpmnXml: Type.Optional(Type.String({ minLength: 50, maxLength: 1_500_000 })),
              feeRules: Type.Optional(
                Type.Array(Type.Unknown(), {
                  maxItems: 50,
                  description:
                    'Fee rules (see FeeRule in VersionView); problems come back as details.feeRules [{ path, message }] in German',
                }),
              ),
              requiredDocuments: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 50 })),
              allowAnonymous: Type.Optional(Type.Boolean()),
              retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
              processingDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: VersionView, ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { version } = await versionForDesigner(principal, request.params.versionId);
        const body = request.body;
        const updated = await catalogue.updateDraft(
          version,
          { ...body, formSchema: body.formSchema as never },
          actorOf(principal, request),
        );
        return presentVersion(updated);
      },
    );

    app.post(
      '/api/egov/design/versions/:versionId/publish',
      {
        schema: {
          tags: ['egov'],
          summary: 'Publish a draft; the previous version retires, running cases keep theirs',
          params: Type.Object({ versionId: Uuid }),
          response: { 200: VersionView, ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { version } = await versionForDesigner(principal, request.params.versionId);
        return presentVersion(await catalogue.publish(version, actorOf(principal, request)));
      },
    );

    app.post(
      '/api/egov/design/versions/:versionId/fee-quote',
      {
        schema: {
          tags: ['egov'],
          summary:
            'Compute the fee of a version for sample form data (designer check); with feeRules, for rules not yet saved',
          params: Type.Object({ versionId: Uuid }),
          body: Type.Object(
            { data: FormData, feeRules: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 50 })) },
            { additionalProperties: false },
          ),
          response: { 200: FeeQuoteView, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { version } = await versionForDesigner(principal, request.params.versionId);
        const { feeRules } = request.body;
        if (feeRules === undefined) return computeFee(feeRulesOf(version), request.body.data);
        assertFeeRules(feeRules, formOf(version));
        return computeFee(feeRules, request.body.data);
      },
    );

    app.put(
      '/api/egov/municipalities/:municipalityId/services/:serviceId/settings',
      {
        schema: {
          tags: ['egov'],
          summary:
            "The municipality's parameters of a shared service: offered or not, office, contacts, fees, team",
          params: Type.Object({ municipalityId: Uuid, serviceId: Uuid }),
          body: Type.Object(
            {
              enabled: Type.Boolean(),
              responsibleOffice: Type.String({ maxLength: 200 }),
              contactEmail: Nullable(Type.String({ format: 'email', maxLength: 200 })),
              contactPhone: Nullable(Type.String({ maxLength: 50 })),
              feeOverrides: Type.Record(
                Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$' }),
                Type.Integer({ minimum: 0, maximum: 100_000_00 }),
              ),
              teamId: Nullable(Uuid),
            },
            { additionalProperties: false },
          ),
          response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { municipalityId, serviceId } = request.params;
        if (!egovPolicy.mayConfigure(principal, municipalityId)) throw Errors.forbidden();
        const municipality = await ctx.tenancy.municipality(municipalityId);
        const service = await catalogue.service(serviceId);
        if (service.region_id !== municipality.region_id) throw Errors.notFound('Service');
        const body = request.body;
        if (
          body.teamId &&
          !(await ctx.tenancy.listOrgUnits(municipalityId)).some((u) => u.id === body.teamId)
        )
          throw Errors.validation('The team does not belong to this municipality');
        await catalogue.setParams(
          municipalityId,
          serviceId,
          {
            enabled: body.enabled,
            responsible_office: body.responsibleOffice,
            contact_email: body.contactEmail,
            contact_phone: body.contactPhone,
            fee_overrides: body.feeOverrides,
            team_id: body.teamId,
          },
          actorOf(principal, request),
        );
        return reply.status(204).send(null);
      },
    );
  };
}
