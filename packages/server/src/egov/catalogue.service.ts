// The service catalogue: one shared definition per region (versions: draft -> published -> retired),
// parameters per municipality on top. Running cases keep the version they started with, because a
// case points at its version row and versions never change after publishing.
import { Engine } from 'bpmn-engine';
import { ISO_DURATION } from '@srp/contracts';
import type { AuditActor, AuditService } from '../core/audit/audit.service.js';
import type { Database } from '../core/db/database.js';
import type { EgovServiceVersion } from '../core/db/schema.js';
import { Errors } from '../core/errors.js';
import { checkFeeRules, computeFee, type FeeOverrides, type FeeQuote, type FeeRule } from './fees.js';
import { fieldKeys, type FormSchema } from './forms/form-validation.js';
import { EgovRepository, type MunicipalityServiceParams } from './egov.repository.js';
import { shippedServices } from './shipped-services.js';

export interface VersionPatch {
  name?: string;
  description?: string;
  formSchema?: FormSchema;
  bpmnXml?: string;
  /** Checked with checkFeeRules (German messages per rule and field) before it is stored. */
  feeRules?: unknown[];
  requiredDocuments?: string[];
  allowAnonymous?: boolean;
  retentionDays?: number;
  processingDays?: number;
}

/**
 * What a version says (form, process, fees, texts). It never changes once the version left the draft
 * state, unlike its status (published -> retired), which is therefore not part of it.
 */
export type VersionContent = Omit<EgovServiceVersion, 'status' | 'published_at'>;

/** The municipality's parameters when it has not set any for a service. */
const DEFAULT_PARAMS: MunicipalityServiceParams = {
  enabled: true,
  responsible_office: '',
  contact_email: null,
  contact_phone: null,
  fee_overrides: {},
  team_id: null,
};

/** Published and retired versions kept in memory per instance; a draft is always read from the database. */
const CONTENT_CACHE_SIZE = 200;

export const feeRulesOf = (version: VersionContent) => version.fee_rules as FeeRule[];

/** Fee rules from the designer, checked against the form; the problems go back field by field. */
export function assertFeeRules(rules: unknown, form: FormSchema): asserts rules is FeeRule[] {
  const problems = checkFeeRules(rules, fieldKeys(form));
  if (problems.length > 0) throw Errors.validation('The fee rules are not valid', { feeRules: problems });
}
export const formOf = (version: VersionContent) => version.form_schema as unknown as FormSchema;

/** Throws a validation error unless the XML is a BPMN 2.0 model with an executable process. */
export async function checkBpmn(xml: string): Promise<void> {
  if (!/<(\w+:)?process\b[^>]*isExecutable="true"/.test(xml))
    throw Errors.validation('The BPMN model needs an executable process (isExecutable="true")');
  if (/<(\w+:)?scriptTask\b/.test(xml) || /\blanguage="/.test(xml))
    throw Errors.validation('Scripts are not allowed in processes; use FEEL conditions and service tasks');
  // Caught at design time rather than when a citizen's case reaches the task.
  for (const tag of xml.match(/<(\w+:)?serviceTask\b[^>]*>/g) ?? []) {
    const implementation = /\bimplementation="([^"]*)"/.exec(tag)?.[1]?.replaceAll('&quot;', '"') ?? '';
    const call = /^\$\{environment\.services\.(\w+)(\(.*\))?\}$/.exec(implementation)?.[1];
    if (!call || !SERVICE_CALLS.includes(call))
      throw Errors.validation('A service task calls an unknown service', {
        task: /\bid="([^"]*)"/.exec(tag)?.[1] ?? '',
        implementation: implementation.slice(0, 200),
        allowed: SERVICE_CALLS.join(', '),
      });
  }
  // A timer's duration is an ISO 8601 duration or an expression resolved from the case's variables.
  for (const [, body = ''] of xml.matchAll(/<(?:\w+:)?timeDuration\b[^>]*>([^<]*)</g)) {
    const duration = body.trim();
    if (!ISO_DURATION.test(duration) && !/^\$\{[^}]+\}$/.test(duration))
      throw Errors.validation('A timer waits for a duration that is not ISO 8601 (e.g. P3D, PT12H)', {
        duration: duration.slice(0, 100),
      });
  }
  try {
    const definitions = await new Engine({ name: 'check', source: xml }).getDefinitions();
    if (definitions.length === 0) throw new Error('no definitions');
  } catch (error) {
    throw Errors.validation('The BPMN model cannot be read', {
      reason: error instanceof Error ? error.message.slice(0, 300) : 'unknown',
    });
  }
}

/** The calls a service task may make (`${environment.services.name(...)}`), see process-runner.ts. */
export const SERVICE_CALLS: readonly string[] = [
  'setStatus',
  'generateDocument',
  'requestPayment',
  'sendToConnector',
  'notifyCitizen',
  'remindCaseworker',
];

const FIELD_KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function checkFormSchema(schema: FormSchema): void {
  if (!schema || !Array.isArray(schema.components))
    throw Errors.validation('The form needs a components list (form-js schema)');
  // Two fields writing the same data path (or one inside the other's value) would overwrite each other's
  // answers; the form-js editor lets designers type any key, so the server is the rule.
  const keys = fieldKeys(schema);
  const invalid = keys.filter((key) => !key.split('[].').every((part) => FIELD_KEY.test(part)));
  if (invalid.length > 0)
    throw Errors.validation('Field keys must be names like antrag.name', { keys: invalid });
  const collisions = new Set<string>();
  const sorted = [...keys].sort();
  for (let i = 1; i < sorted.length; i++) {
    const [before, key] = [sorted[i - 1]!, sorted[i]!];
    if (key === before || key.startsWith(`${before}.`)) collisions.add(before).add(key);
  }
  if (collisions.size > 0)
    throw Errors.validation('Field keys collide: each field needs its own key', { keys: [...collisions] });
}

export class CatalogueService {
  /** Version id -> content, oldest first (a hit moves to the end). Safe across instances: see content(). */
  readonly #contents = new Map<string, VersionContent>();

  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
  ) {}

  private repository(executor: Database = this.db) {
    return new EgovRepository(executor);
  }

  /** Creates the shipped services in a region (published version 1) unless they exist already. */
  async ensureShippedServices(regionId: string, actor: AuditActor): Promise<number> {
    let created = 0;
    for (const definition of shippedServices()) {
      await this.db.transaction().execute(async (trx) => {
        const repository = this.repository(trx);
        if (await repository.findServiceBySlug(regionId, definition.slug)) return;
        const service = await repository.insertService(regionId, definition.slug, definition.leikaKey);
        const version = await repository.insertVersion({
          service_id: service.id,
          name: definition.name,
          description: definition.description,
          form_schema: definition.formSchema as unknown as Record<string, unknown>,
          bpmn_xml: definition.bpmnXml,
          fee_rules: definition.feeRules,
          required_documents: definition.requiredDocuments,
          allow_anonymous: definition.allowAnonymous,
          retention_days: definition.retentionDays,
          processing_days: definition.processingDays,
          created_by: actor.userId,
        });
        await repository.publish(version);
        await this.audit.record(
          actor,
          {
            action: 'egov_service.created',
            targetType: 'egov_service',
            targetId: service.id,
            details: { slug: definition.slug },
          },
          trx,
        );
        created++;
      });
    }
    return created;
  }

  listOffered(municipalityId: string, search?: string) {
    return this.repository().listOffered(municipalityId, search);
  }

  async service(serviceId: string) {
    const service = await this.repository().findService(serviceId);
    if (!service) throw Errors.notFound('Service');
    return service;
  }

  async version(versionId: string): Promise<EgovServiceVersion> {
    const version = await this.repository().findVersion(versionId);
    if (!version) throw Errors.notFound('Service version');
    return version;
  }

  /**
   * The content of a version, from memory once it has left the draft state: a published or retired
   * version never changes again (only its status does, which is why it is left out), so every instance
   * may keep it. Drafts change while designers test them and are read afresh each time.
   */
  async content(versionId: string): Promise<VersionContent> {
    const cached = this.#contents.get(versionId);
    if (cached) {
      this.#contents.delete(versionId);
      this.#contents.set(versionId, cached);
      return cached;
    }
    const version = await this.version(versionId);
    if (version.status !== 'draft') {
      const { status: _status, published_at: _publishedAt, ...content } = version;
      this.#contents.set(versionId, content);
      if (this.#contents.size > CONTENT_CACHE_SIZE)
        this.#contents.delete(this.#contents.keys().next().value!);
    }
    return version;
  }

  async publishedVersion(serviceId: string): Promise<EgovServiceVersion> {
    const version = await this.repository().findPublishedVersion(serviceId);
    if (!version) throw Errors.notFound('Service');
    return version;
  }

  async params(municipalityId: string, serviceId: string): Promise<MunicipalityServiceParams> {
    return (await this.repository().findParams(municipalityId, serviceId)) ?? DEFAULT_PARAMS;
  }

  /**
   * The service a citizen starts in a municipality: its published version (content from memory) and the
   * municipality's parameters, in one read; not found unless the municipality offers it.
   */
  async offer(
    municipalityId: string,
    serviceId: string,
  ): Promise<{ version: VersionContent; params: MunicipalityServiceParams }> {
    const offered = await this.repository().findOffer(municipalityId, serviceId);
    if (!offered) throw Errors.notFound('Service');
    return { version: await this.content(offered.versionId), params: offered.params ?? DEFAULT_PARAMS };
  }

  /**
   * What a submission needs besides the version's content, read fresh in one statement: the version's
   * current status (another instance may have retired it), the municipality's name and its parameters.
   */
  async submission(
    municipalityId: string,
    versionId: string,
  ): Promise<{
    status: EgovServiceVersion['status'];
    municipalityName: string;
    params: MunicipalityServiceParams;
  }> {
    const found = await this.repository().findSubmissionContext(municipalityId, versionId);
    if (!found) throw Errors.notFound('Service version');
    return { ...found, params: found.params ?? DEFAULT_PARAMS };
  }

  quote(version: VersionContent, params: MunicipalityServiceParams, data: Record<string, unknown>): FeeQuote {
    return computeFee(feeRulesOf(version), data, params.fee_overrides as FeeOverrides);
  }

  listServices(regionIds: string[] | 'all') {
    return this.repository().listServicesOfRegions(regionIds);
  }

  listVersions(serviceId: string) {
    return this.repository().listVersions(serviceId);
  }

  /** A new draft, copied from the newest version. */
  async createDraft(serviceId: string, actor: AuditActor): Promise<EgovServiceVersion> {
    return this.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      const [latest] = await repository.listVersions(serviceId);
      if (!latest) throw Errors.notFound('Service');
      if (latest.status === 'draft')
        throw Errors.conflict('This service has an open draft already', { versionId: latest.id });
      const draft = await repository.insertVersion({
        service_id: serviceId,
        name: latest.name,
        description: latest.description,
        form_schema: latest.form_schema,
        bpmn_xml: latest.bpmn_xml,
        fee_rules: latest.fee_rules,
        required_documents: latest.required_documents as string[],
        allow_anonymous: latest.allow_anonymous,
        retention_days: latest.retention_days,
        processing_days: latest.processing_days,
        created_by: actor.userId,
      });
      await this.audit.record(
        actor,
        {
          action: 'egov_version.drafted',
          targetType: 'egov_service_version',
          targetId: draft.id,
          details: { version: draft.version },
        },
        trx,
      );
      return draft;
    });
  }

  async updateDraft(version: EgovServiceVersion, patch: VersionPatch, actor: AuditActor) {
    if (version.status !== 'draft') throw Errors.conflict('Only drafts can be changed; create a new draft');
    if (patch.bpmnXml !== undefined) await checkBpmn(patch.bpmnXml);
    if (patch.formSchema !== undefined) checkFormSchema(patch.formSchema);
    if (patch.feeRules !== undefined) assertFeeRules(patch.feeRules, patch.formSchema ?? formOf(version));
    return this.db.transaction().execute(async (trx) => {
      const updated = await this.repository(trx).updateDraft(version.id, {
        name: patch.name,
        description: patch.description,
        form_schema: patch.formSchema as unknown as Record<string, unknown> | undefined,
        bpmn_xml: patch.bpmnXml,
        fee_rules: patch.feeRules,
        required_documents: patch.requiredDocuments,
        allow_anonymous: patch.allowAnonymous,
        retention_days: patch.retentionDays,
        processing_days: patch.processingDays,
      });
      if (!updated) throw Errors.conflict('Only drafts can be changed; create a new draft');
      await this.audit.record(
        actor,
        {
          action: 'egov_version.updated',
          targetType: 'egov_service_version',
          targetId: version.id,
          details: { fields: Object.keys(patch) },
        },
        trx,
      );
      return updated;
    });
  }

  async publish(version: EgovServiceVersion, actor: AuditActor) {
    await checkBpmn(version.bpmn_xml);
    checkFormSchema(formOf(version));
    return this.db.transaction().execute(async (trx) => {
      const published = await this.repository(trx).publish(version);
      if (!published) throw Errors.conflict('Only drafts can be published');
      await this.audit.record(
        actor,
        {
          action: 'egov_version.published',
          targetType: 'egov_service_version',
          targetId: version.id,
          details: { version: version.version },
        },
        trx,
      );
      return published;
    });
  }

  async setParams(
    municipalityId: string,
    serviceId: string,
    params: MunicipalityServiceParams,
    actor: AuditActor,
  ) {
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).upsertParams(municipalityId, serviceId, params);
      await this.audit.record(
        actor,
        {
          action: 'egov_service.configured',
          targetType: 'egov_service',
          targetId: serviceId,
          municipalityId,
          details: { enabled: params.enabled, feeOverrides: params.fee_overrides },
        },
        trx,
      );
    });
  }
}
