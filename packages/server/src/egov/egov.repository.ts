// The only place with SQL for online services. Catalogue rows are per region; everything about cases
// is read within a municipality (or for the citizen who owns it).
import { sql } from 'kysely';
import type { Database } from '../core/db/database.js';
import type { EgovCase, EgovCaseStatus, EgovServiceVersion } from '../core/db/schema.js';

export interface ServiceListing {
  serviceId: string;
  slug: string;
  leikaKey: string;
  versionId: string;
  version: number;
  name: string;
  description: string;
  allowAnonymous: boolean;
  responsibleOffice: string;
}

export interface MunicipalityServiceParams {
  enabled: boolean;
  responsible_office: string;
  contact_email: string | null;
  contact_phone: string | null;
  fee_overrides: Record<string, unknown>;
  team_id: string | null;
}

const PARAM_COLUMNS = [
  'ms.enabled',
  'ms.responsible_office',
  'ms.contact_email',
  'ms.contact_phone',
  'ms.fee_overrides',
  'ms.team_id',
] as const;

/** The parameters from a left join; `enabled` is never null in a stored row, so null means none. */
function paramsOf(row: {
  enabled: boolean | null;
  responsible_office: string | null;
  contact_email: string | null;
  contact_phone: string | null;
  fee_overrides: unknown;
  team_id: string | null;
}): MunicipalityServiceParams | undefined {
  if (row.enabled === null) return undefined;
  return {
    enabled: row.enabled,
    responsible_office: row.responsible_office ?? '',
    contact_email: row.contact_email,
    contact_phone: row.contact_phone,
    fee_overrides: row.fee_overrides as Record<string, unknown>,
    team_id: row.team_id,
  };
}

export class EgovRepository {
  constructor(private readonly db: Database) {}

  // --- catalogue -------------------------------------------------------------------------------------

  findServiceBySlug(regionId: string, slug: string) {
    return this.db
      .selectFrom('egov_services')
      .selectAll()
      .where('region_id', '=', regionId)
      .where('slug', '=', slug)
      .executeTakeFirst();
  }

  findService(serviceId: string) {
    return this.db.selectFrom('egov_services').selectAll().where('id', '=', serviceId).executeTakeFirst();
  }

  insertService(regionId: string, slug: string, leikaKey: string) {
    return this.db
      .insertInto('egov_services')
      .values({ region_id: regionId, slug, leika_key: leikaKey })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  listServicesOfRegions(regionIds: string[] | 'all') {
    let query = this.db.selectFrom('egov_services').selectAll().orderBy('slug');
    if (regionIds !== 'all') {
      if (regionIds.length === 0) return Promise.resolve([]);
      query = query.where('region_id', 'in', regionIds);
    }
    return query.execute();
  }

  async insertVersion(values: {
    service_id: string;
    name: string;
    description: string;
    form_schema: Record<string, unknown>;
    bpmn_xml: string;
    fee_rules: unknown[];
    required_documents: string[];
    allow_anonymous: boolean;
    retention_days: number;
    processing_days: number;
    created_by: string | null;
  }): Promise<EgovServiceVersion> {
    const next = await this.db
      .selectFrom('egov_service_versions')
      .select(sql<number>`coalesce(max(version), 0) + 1`.as('next'))
      .where('service_id', '=', values.service_id)
      .executeTakeFirstOrThrow();
    return this.db
      .insertInto('egov_service_versions')
      .values({
        ...values,
        version: next.next,
        form_schema: JSON.stringify(values.form_schema),
        fee_rules: JSON.stringify(values.fee_rules),
        required_documents: JSON.stringify(values.required_documents),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  findVersion(versionId: string) {
    return this.db
      .selectFrom('egov_service_versions')
      .selectAll()
      .where('id', '=', versionId)
      .executeTakeFirst();
  }

  listVersions(serviceId: string) {
    return this.db
      .selectFrom('egov_service_versions')
      .selectAll()
      .where('service_id', '=', serviceId)
      .orderBy('version', 'desc')
      .execute();
  }

  findPublishedVersion(serviceId: string) {
    return this.db
      .selectFrom('egov_service_versions')
      .selectAll()
      .where('service_id', '=', serviceId)
      .where('status', '=', 'published')
      .executeTakeFirst();
  }

  updateDraft(
    versionId: string,
    patch: Partial<{
      name: string;
      description: string;
      form_schema: Record<string, unknown>;
      bpmn_xml: string;
      fee_rules: unknown[];
      required_documents: string[];
      allow_anonymous: boolean;
      retention_days: number;
      processing_days: number;
    }>,
  ) {
    const { form_schema, fee_rules, required_documents, ...rest } = patch;
    return this.db
      .updateTable('egov_service_versions')
      .set({
        ...rest,
        ...(form_schema ? { form_schema: JSON.stringify(form_schema) } : {}),
        ...(fee_rules ? { fee_rules: JSON.stringify(fee_rules) } : {}),
        ...(required_documents ? { required_documents: JSON.stringify(required_documents) } : {}),
      })
      .where('id', '=', versionId)
      .where('status', '=', 'draft')
      .returningAll()
      .executeTakeFirst();
  }

  /** Retires the published version and publishes this draft; call inside a transaction. */
  async publish(version: EgovServiceVersion) {
    await this.db
      .updateTable('egov_service_versions')
      .set({ status: 'retired' })
      .where('service_id', '=', version.service_id)
      .where('status', '=', 'published')
      .execute();
    return this.db
      .updateTable('egov_service_versions')
      .set({ status: 'published', published_at: new Date() })
      .where('id', '=', version.id)
      .where('status', '=', 'draft')
      .returningAll()
      .executeTakeFirst();
  }

  /** Published services of the municipality's region that the municipality has not switched off. */
  private offered(municipalityId: string) {
    return this.db
      .selectFrom('egov_services as s')
      .innerJoin('municipalities as m', 'm.region_id', 's.region_id')
      .innerJoin('egov_service_versions as v', (join) =>
        join.onRef('v.service_id', '=', 's.id').on('v.status', '=', 'published'),
      )
      .leftJoin('egov_municipality_services as ms', (join) =>
        join.onRef('ms.service_id', '=', 's.id').onRef('ms.municipality_id', '=', 'm.id'),
      )
      .where('m.id', '=', municipalityId)
      .where((eb) => eb.or([eb('ms.enabled', 'is', null), eb('ms.enabled', '=', true)]));
  }

  async listOffered(municipalityId: string, search?: string): Promise<ServiceListing[]> {
    let query = this.offered(municipalityId)
      .select([
        's.id as serviceId',
        's.slug as slug',
        's.leika_key as leikaKey',
        'v.id as versionId',
        'v.version as version',
        'v.name as name',
        'v.description as description',
        'v.allow_anonymous as allowAnonymous',
        sql<string>`coalesce(ms.responsible_office, '')`.as('responsibleOffice'),
      ])
      .orderBy('v.name');
    if (search) {
      const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) =>
        eb.or([
          eb('v.name', 'ilike', pattern),
          eb('v.description', 'ilike', pattern),
          eb('s.leika_key', 'ilike', pattern),
        ]),
      );
    }
    return query.execute();
  }

  /**
   * The published version of one service the municipality offers (see offered) with the
   * municipality's parameters for it (undefined: none set), in one statement.
   */
  async findOffer(
    municipalityId: string,
    serviceId: string,
  ): Promise<{ versionId: string; params: MunicipalityServiceParams | undefined } | undefined> {
    const row = await this.offered(municipalityId)
      .where('s.id', '=', serviceId)
      .select(['v.id as versionId', ...PARAM_COLUMNS])
      .executeTakeFirst();
    return row && { versionId: row.versionId, params: paramsOf(row) };
  }

  /**
   * For a submission: the version's status now, the municipality's name and its parameters for the
   * version's service (undefined: none set), in one statement.
   */
  async findSubmissionContext(municipalityId: string, versionId: string) {
    const row = await this.db
      .selectFrom('egov_service_versions as v')
      .innerJoin('municipalities as m', (join) => join.on('m.id', '=', municipalityId))
      .leftJoin('egov_municipality_services as ms', (join) =>
        join.onRef('ms.service_id', '=', 'v.service_id').onRef('ms.municipality_id', '=', 'm.id'),
      )
      .where('v.id', '=', versionId)
      .select(['v.status', 'm.name as municipalityName', ...PARAM_COLUMNS])
      .executeTakeFirst();
    return row && { status: row.status, municipalityName: row.municipalityName, params: paramsOf(row) };
  }

  findParams(municipalityId: string, serviceId: string): Promise<MunicipalityServiceParams | undefined> {
    return this.db
      .selectFrom('egov_municipality_services')
      .select(['enabled', 'responsible_office', 'contact_email', 'contact_phone', 'fee_overrides', 'team_id'])
      .where('municipality_id', '=', municipalityId)
      .where('service_id', '=', serviceId)
      .executeTakeFirst();
  }

  upsertParams(municipalityId: string, serviceId: string, params: MunicipalityServiceParams) {
    const values = { ...params, fee_overrides: JSON.stringify(params.fee_overrides) };
    return this.db
      .insertInto('egov_municipality_services')
      .values({ municipality_id: municipalityId, service_id: serviceId, ...values })
      .onConflict((oc) =>
        oc.columns(['municipality_id', 'service_id']).doUpdateSet({ ...values, updated_at: new Date() }),
      )
      .execute();
  }

  // --- cases -----------------------------------------------------------------------------------------

  insertCase(values: {
    id: string;
    municipality_id: string;
    service_version_id: string;
    reference: string;
    test_mode: boolean;
    citizen_user_id: string | null;
    resume_token_hash: string | null;
    data_encrypted: string;
    fee_cents: number;
  }): Promise<EgovCase | undefined> {
    // A reference another case holds already inserts nothing (the caller draws a new one): one round
    // trip instead of a look-up before each insert, and no race between the two.
    return this.db
      .insertInto('egov_cases')
      .values(values)
      .onConflict((oc) => oc.column('reference').doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  findCase(caseId: string): Promise<EgovCase | undefined> {
    return this.db.selectFrom('egov_cases').selectAll().where('id', '=', caseId).executeTakeFirst();
  }

  findCaseByReference(reference: string): Promise<EgovCase | undefined> {
    return this.db.selectFrom('egov_cases').selectAll().where('reference', '=', reference).executeTakeFirst();
  }

  /**
   * Links an anonymous case to an account; only while no account has it. The resume token stops working
   * (the account is the way in now). No revision bump: the process state is not touched.
   */
  claimCase(caseId: string, userId: string): Promise<EgovCase | undefined> {
    return this.db
      .updateTable('egov_cases')
      .set({ citizen_user_id: userId, resume_token_hash: null, updated_at: new Date() })
      .where('id', '=', caseId)
      .where('citizen_user_id', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  findCaseByResumeHash(hash: string) {
    return this.db
      .selectFrom('egov_cases')
      .selectAll()
      .where('resume_token_hash', '=', hash)
      .executeTakeFirst();
  }

  /** Optimistic update: only when nobody else changed the case since `revision` was read. */
  updateCase(
    caseId: string,
    revision: number,
    patch: Partial<{
      status: EgovCaseStatus;
      data_encrypted: string;
      engine_state_encrypted: string | null;
      fee_cents: number;
      assignee_id: string | null;
      due_at: Date | null;
      submitted_at: Date | null;
      closed_at: Date | null;
      delete_after: Date | null;
      resume_token_hash: string | null;
    }>,
  ): Promise<EgovCase | undefined> {
    return this.db
      .updateTable('egov_cases')
      .set({ ...patch, engine_revision: revision + 1, updated_at: new Date() })
      .where('id', '=', caseId)
      .where('engine_revision', '=', revision)
      .returningAll()
      .executeTakeFirst();
  }

  listCases(filter: {
    municipalityIds: string[] | 'all';
    municipalityId?: string;
    statuses?: EgovCaseStatus[];
    testMode?: boolean;
    limit: number;
  }) {
    let query = this.db
      .selectFrom('egov_cases as c')
      .innerJoin('egov_service_versions as v', 'v.id', 'c.service_version_id')
      .innerJoin('municipalities as m', 'm.id', 'c.municipality_id')
      .leftJoin('users as u', 'u.id', 'c.assignee_id')
      .select([
        'c.id',
        'c.reference',
        'c.status',
        'c.municipality_id',
        'm.name as municipality_name',
        'v.name as service_name',
        'c.assignee_id',
        'u.display_name as assignee_name',
        'c.submitted_at',
        'c.due_at',
        'c.test_mode',
        'c.fee_cents',
      ])
      .where('c.status', '!=', 'draft')
      .orderBy('c.submitted_at', 'desc')
      .limit(filter.limit);
    if (filter.municipalityIds !== 'all') {
      if (filter.municipalityIds.length === 0) return Promise.resolve([]);
      query = query.where('c.municipality_id', 'in', filter.municipalityIds);
    }
    if (filter.municipalityId) query = query.where('c.municipality_id', '=', filter.municipalityId);
    if (filter.statuses?.length) query = query.where('c.status', 'in', filter.statuses);
    if (filter.testMode !== undefined) query = query.where('c.test_mode', '=', filter.testMode);
    return query.execute();
  }

  /** A deleted account: its cases stay for their retention period but no longer point at the person. */
  async unlinkCitizen(userId: string): Promise<number> {
    const result = await this.db
      .updateTable('egov_cases')
      .set({ citizen_user_id: null })
      .where('citizen_user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  listCitizenCases(userId: string) {
    return this.db
      .selectFrom('egov_cases as c')
      .innerJoin('egov_service_versions as v', 'v.id', 'c.service_version_id')
      .innerJoin('municipalities as m', 'm.id', 'c.municipality_id')
      .select([
        'c.id',
        'c.reference',
        'c.status',
        'c.municipality_id',
        'm.name as municipality_name',
        'v.name as service_name',
        'c.submitted_at',
        'c.created_at',
        'c.updated_at',
      ])
      .where('c.citizen_user_id', '=', userId)
      .orderBy('c.created_at', 'desc')
      .limit(500)
      .execute();
  }

  casesToDelete(now: Date, limit: number) {
    return this.db
      .selectFrom('egov_cases')
      .select(['id', 'municipality_id'])
      .where('delete_after', '<', now)
      .orderBy('delete_after')
      .limit(limit)
      .execute();
  }

  /** Drafts nobody submitted are kept 30 days after their last change. */
  staleDrafts(before: Date, limit: number) {
    return this.db
      .selectFrom('egov_cases')
      .select(['id', 'municipality_id'])
      .where('status', '=', 'draft')
      .where('updated_at', '<', before)
      .limit(limit)
      .execute();
  }

  deleteCase(caseId: string) {
    return this.db.deleteFrom('egov_cases').where('id', '=', caseId).execute();
  }

  // --- messages and files ----------------------------------------------------------------------------

  insertMessage(values: {
    case_id: string;
    municipality_id: string;
    sender: 'citizen' | 'staff' | 'system';
    author_id: string | null;
    body_encrypted: string;
    id: string;
  }) {
    return this.db.insertInto('egov_case_messages').values(values).returningAll().executeTakeFirstOrThrow();
  }

  listMessages(caseId: string) {
    return this.db
      .selectFrom('egov_case_messages as msg')
      .leftJoin('users as u', 'u.id', 'msg.author_id')
      .select([
        'msg.id',
        'msg.sender',
        'msg.body_encrypted',
        'msg.created_at',
        'msg.municipality_id',
        'u.display_name as author_name',
      ])
      .where('msg.case_id', '=', caseId)
      .orderBy('msg.created_at')
      .orderBy('msg.id')
      .execute();
  }

  insertFile(values: {
    id: string;
    case_id: string;
    municipality_id: string;
    kind: 'attachment' | 'receipt' | 'document';
    field_key: string | null;
    file_name: string;
    content_type: string;
    size: number;
    sha256: string;
    storage_key: string;
  }) {
    return this.db.insertInto('egov_case_files').values(values).returningAll().executeTakeFirstOrThrow();
  }

  listFiles(caseId: string) {
    return this.db
      .selectFrom('egov_case_files')
      .selectAll()
      .where('case_id', '=', caseId)
      .orderBy('created_at')
      .execute();
  }

  findFile(caseId: string, fileId: string) {
    return this.db
      .selectFrom('egov_case_files')
      .selectAll()
      .where('case_id', '=', caseId)
      .where('id', '=', fileId)
      .executeTakeFirst();
  }

  deleteFile(caseId: string, fileId: string) {
    return this.db
      .deleteFrom('egov_case_files')
      .where('case_id', '=', caseId)
      .where('id', '=', fileId)
      .execute();
  }

  /** The audit trail of one case (the audit log is the one record of who did what). */
  caseTrail(municipalityId: string, caseId: string) {
    return this.db
      .selectFrom('audit_log')
      .select(['at', 'action', 'actor_label', 'details'])
      .where('municipality_id', '=', municipalityId)
      .where('target_type', '=', 'egov_case')
      .where('target_id', '=', caseId)
      .orderBy('id', 'desc')
      .limit(300)
      .execute();
  }

  // --- statistics ------------------------------------------------------------------------------------

  statistics(municipalityIds: string[] | 'all') {
    let query = this.db
      .selectFrom('egov_cases as c')
      .innerJoin('egov_service_versions as v', 'v.id', 'c.service_version_id')
      .innerJoin('egov_services as s', 's.id', 'v.service_id')
      .innerJoin('municipalities as m', 'm.id', 'c.municipality_id')
      .where('c.status', '!=', 'draft')
      .where('c.test_mode', '=', false)
      .select([
        's.slug as service',
        'm.id as municipalityId',
        'm.name as municipalityName',
        sql<number>`count(*)::int`.as('total'),
        sql<number>`count(*) filter (where c.status in ('completed', 'rejected'))::int`.as('closed'),
        sql<number>`count(*) filter (where c.status not in ('completed', 'rejected'))::int`.as('open'),
        sql<
          number | null
        >`(avg(extract(epoch from (c.closed_at - c.submitted_at))) filter (where c.closed_at is not null))::float8`.as(
          'avgProcessingSeconds',
        ),
      ])
      .groupBy(['s.slug', 'm.id', 'm.name'])
      .orderBy('m.name')
      .orderBy('s.slug');
    if (municipalityIds !== 'all') {
      if (municipalityIds.length === 0) return Promise.resolve([]);
      query = query.where('c.municipality_id', 'in', municipalityIds);
    }
    return query.execute();
  }
}
