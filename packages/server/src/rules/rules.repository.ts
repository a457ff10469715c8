// SQL of the rules domain: rules and their Datastreams, evaluation state, alerts, public warnings and
// subscriptions. Every read of tenant data takes the municipality.
import { sql } from 'kysely';
import type { Database } from '../core/db/database.js';
import type {
  AlertRow,
  AlertStatus,
  PublicWarningRow,
  RuleRow,
  WarningLevel,
  WarningSubscriptionRow,
} from '../core/db/schema.js';
import type { SubjectState } from './condition.js';

export interface RuleRecord {
  name: string;
  description: string;
  enabled: boolean;
  shared: boolean;
  severity: WarningLevel;
  condition: unknown;
  schedule: unknown;
  actions: unknown;
  dampingMinutes: number;
}

export interface NewWarning {
  municipalityId: string;
  alertId: string | null;
  level: WarningLevel;
  title: string;
  text: string;
  areaDescription: string | null;
  area: unknown;
  validFrom: Date;
  validUntil: Date | null;
  createdBy: string | null;
}

export interface DatastreamInfo {
  id: number;
  name: string;
  thingName: string;
  unit: string | null;
  location: unknown;
  batteryPercent: number | null;
}

export type AlertWithRule = AlertRow & { rule_name: string; task_id: string | null };

export class RulesRepository {
  constructor(private readonly db: Database) {}

  // --- rules ---

  async insertRule(
    municipalityId: string,
    rule: RuleRecord,
    datastreamIds: number[],
    createdBy: string | null,
  ) {
    const row = await this.db
      .insertInto('rules')
      .values({
        municipality_id: municipalityId,
        name: rule.name,
        description: rule.description,
        enabled: rule.enabled,
        shared: rule.shared,
        severity: rule.severity,
        condition: JSON.stringify(rule.condition),
        schedule: rule.schedule ? JSON.stringify(rule.schedule) : null,
        actions: JSON.stringify(rule.actions),
        damping_minutes: rule.dampingMinutes,
        created_by: createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.setDatastreams(row.id, datastreamIds);
    return row;
  }

  async updateRule(municipalityId: string, id: string, rule: RuleRecord, datastreamIds: number[]) {
    const row = await this.db
      .updateTable('rules')
      .set({
        name: rule.name,
        description: rule.description,
        enabled: rule.enabled,
        shared: rule.shared,
        severity: rule.severity,
        condition: JSON.stringify(rule.condition),
        schedule: rule.schedule ? JSON.stringify(rule.schedule) : null,
        actions: JSON.stringify(rule.actions),
        damping_minutes: rule.dampingMinutes,
        updated_at: new Date(),
      })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (row) {
      await this.setDatastreams(id, datastreamIds);
      // A changed condition starts from a clean state; open alerts resolve on the next clear value.
      await this.db.deleteFrom('rule_states').where('rule_id', '=', id).execute();
    }
    return row;
  }

  private async setDatastreams(ruleId: string, datastreamIds: number[]) {
    await this.db.deleteFrom('rule_datastreams').where('rule_id', '=', ruleId).execute();
    if (datastreamIds.length > 0)
      await this.db
        .insertInto('rule_datastreams')
        .values(datastreamIds.map((datastream_id) => ({ rule_id: ruleId, datastream_id })))
        .execute();
  }

  deleteRule(municipalityId: string, id: string) {
    return this.db
      .deleteFrom('rules')
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  findRule(municipalityId: string, id: string): Promise<RuleRow | undefined> {
    return this.db
      .selectFrom('rules')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  listRules(municipalityId: string): Promise<RuleRow[]> {
    return this.db
      .selectFrom('rules')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .orderBy('name')
      .execute();
  }

  /** Shared rules of the other municipalities of the same region: templates to copy. */
  listTemplates(municipalityId: string): Promise<(RuleRow & { municipality_name: string })[]> {
    return this.db
      .selectFrom('rules as r')
      .innerJoin('municipalities as owner', 'owner.id', 'r.municipality_id')
      .innerJoin('municipalities as me', 'me.region_id', 'owner.region_id')
      .selectAll('r')
      .select('owner.name as municipality_name')
      .where('me.id', '=', municipalityId)
      .where('r.shared', '=', true)
      .where('r.municipality_id', '!=', municipalityId)
      .orderBy('r.name')
      .execute();
  }

  /** Enabled rules of the municipality that watch any of these Datastreams. */
  rulesWatching(municipalityId: string, datastreamIds: number[]): Promise<RuleRow[]> {
    if (datastreamIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('rules as r')
      .selectAll('r')
      .where('r.municipality_id', '=', municipalityId)
      .where('r.enabled', '=', true)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('rule_datastreams as d')
            .select(sql`1`.as('one'))
            .whereRef('d.rule_id', '=', 'r.id')
            .where('d.datastream_id', 'in', datastreamIds),
        ),
      )
      .execute();
  }

  /** Datastreams of the municipality among these ids (to validate a rule). */
  async existingDatastreams(municipalityId: string, ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('sensor_datastreams')
      .select('id')
      .where('municipality_id', '=', municipalityId)
      .where('id', 'in', ids)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Names, unit, location and device battery of Datastreams: for titles, tasks and battery rules. */
  async datastreamInfo(municipalityId: string, ids: number[]): Promise<Map<number, DatastreamInfo>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('sensor_datastreams as d')
      .innerJoin('sensor_things as t', 't.id', 'd.thing_id')
      .leftJoin('sensor_devices as dev', 'dev.thing_id', 't.id')
      .select([
        'd.id',
        'd.name',
        't.name as thing_name',
        sql<string | null>`d.unit_of_measurement->>'symbol'`.as('unit'),
        'dev.battery_percent',
        (eb) =>
          eb
            .selectFrom('sensor_thing_locations as tl')
            .innerJoin('sensor_locations as l', 'l.id', 'tl.location_id')
            .select('l.location')
            .whereRef('tl.thing_id', '=', 't.id')
            .limit(1)
            .as('location'),
      ])
      .where('d.municipality_id', '=', municipalityId)
      .where('d.id', 'in', ids)
      .execute();
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          name: r.name,
          thingName: r.thing_name,
          unit: r.unit,
          location: r.location,
          batteryPercent: r.battery_percent,
        },
      ]),
    );
  }

  /** Datastreams of the municipality with their Thing, for the rules editor. */
  listDatastreams(municipalityId: string) {
    return this.db
      .selectFrom('sensor_datastreams as d')
      .innerJoin('sensor_things as t', 't.id', 'd.thing_id')
      .select([
        'd.id',
        'd.name',
        't.name as thing_name',
        sql<string | null>`d.unit_of_measurement->>'symbol'`.as('unit'),
      ])
      .where('d.municipality_id', '=', municipalityId)
      .orderBy('t.name')
      .orderBy('d.name')
      .limit(1000)
      .execute();
  }

  /** Numeric history of Datastreams in a time range, oldest first, for the "test against history". */
  history(municipalityId: string, ids: number[], from: Date, to: Date, limit: number) {
    return this.db
      .selectFrom('sensor_observations')
      .select(['datastream_id', 'phenomenon_time_start', 'result_number'])
      .where('municipality_id', '=', municipalityId)
      .where('datastream_id', 'in', ids)
      .where('phenomenon_time_start', '>=', from)
      .where('phenomenon_time_start', '<', to)
      .where('result_number', 'is not', null)
      .orderBy('phenomenon_time_start')
      .limit(limit)
      .execute();
  }

  // --- state ---

  /** The subject's state, locked until the transaction ends (one evaluation at a time, across instances). */
  async lockState(ruleId: string, subject: string): Promise<{ state: SubjectState; active: boolean }> {
    await this.db
      .insertInto('rule_states')
      .values({ rule_id: ruleId, subject, state: JSON.stringify({ leaves: {} }) })
      .onConflict((oc) => oc.columns(['rule_id', 'subject']).doNothing())
      .execute();
    const row = await this.db
      .selectFrom('rule_states')
      .select(['state', 'active'])
      .where('rule_id', '=', ruleId)
      .where('subject', '=', subject)
      .forUpdate()
      .executeTakeFirstOrThrow();
    return { state: row.state as SubjectState, active: row.active };
  }

  async saveState(ruleId: string, subject: string, state: SubjectState, active: boolean) {
    await this.db
      .updateTable('rule_states')
      .set({ state: JSON.stringify(state), active, updated_at: new Date() })
      .where('rule_id', '=', ruleId)
      .where('subject', '=', subject)
      .execute();
  }

  // --- alerts ---

  findOpenAlert(ruleId: string, subject: string): Promise<AlertRow | undefined> {
    return this.db
      .selectFrom('alerts')
      .selectAll()
      .where('rule_id', '=', ruleId)
      .where('subject', '=', subject)
      .where('status', 'in', ['open', 'acknowledged'])
      .forUpdate()
      .executeTakeFirst();
  }

  /** The newest alert of the subject that cleared by itself after `since`: a flapping candidate. */
  findRecentlyCleared(ruleId: string, subject: string, since: Date): Promise<AlertRow | undefined> {
    return this.db
      .selectFrom('alerts')
      .selectAll()
      .where('rule_id', '=', ruleId)
      .where('subject', '=', subject)
      .where('status', '=', 'resolved')
      .where('resolution', '=', 'cleared')
      .where('resolved_at', '>=', since)
      .orderBy('resolved_at', 'desc')
      .limit(1)
      .forUpdate()
      .executeTakeFirst();
  }

  insertAlert(values: {
    municipalityId: string;
    ruleId: string;
    subject: string;
    severity: WarningLevel;
    title: string;
    message: string;
    value: number | null;
    openedAt: Date;
  }): Promise<AlertRow> {
    return this.db
      .insertInto('alerts')
      .values({
        municipality_id: values.municipalityId,
        rule_id: values.ruleId,
        subject: values.subject,
        severity: values.severity,
        title: values.title,
        message: values.message,
        value: values.value,
        opened_at: values.openedAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  reopenAlert(id: string, value: number | null): Promise<AlertRow> {
    return this.db
      .updateTable('alerts')
      .set({
        status: 'open',
        resolved_at: null,
        resolved_by: null,
        resolution: null,
        value,
        reopen_count: sql`reopen_count + 1`,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  setAlertValue(id: string, value: number | null) {
    return this.db.updateTable('alerts').set({ value }).where('id', '=', id).execute();
  }

  /** Moves an alert that is in one of `from`; undefined when it was not. */
  transitionAlert(
    id: string,
    from: AlertStatus[],
    values: {
      status: AlertStatus;
      acknowledged_at?: Date;
      acknowledged_by?: string | null;
      resolved_at?: Date;
      resolved_by?: string | null;
      resolution?: 'cleared' | 'task_done' | 'manual';
    },
  ): Promise<AlertRow | undefined> {
    return this.db
      .updateTable('alerts')
      .set({ ...values, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst();
  }

  markEscalated(id: string): Promise<AlertRow | undefined> {
    return this.db
      .updateTable('alerts')
      .set({ escalated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .where('escalated_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  private alertsWithRule() {
    return this.db
      .selectFrom('alerts as a')
      .innerJoin('rules as r', 'r.id', 'a.rule_id')
      .selectAll('a')
      .select('r.name as rule_name')
      .select((eb) =>
        eb
          .selectFrom('tasks as t')
          .select(sql<string>`t.id::text`.as('id'))
          .where('t.source_type', '=', 'alert')
          .whereRef('t.source_id', '=', sql`a.id::text`)
          .orderBy('t.created_at', 'desc')
          .limit(1)
          .as('task_id'),
      );
  }

  findAlert(id: string): Promise<AlertWithRule | undefined> {
    return this.alertsWithRule().where('a.id', '=', id).executeTakeFirst();
  }

  listAlerts(query: {
    municipalityIds: string[] | 'all';
    municipalityId?: string | undefined;
    statuses: AlertStatus[];
    limit: number;
  }): Promise<AlertWithRule[]> {
    let q = this.alertsWithRule().where('a.status', 'in', query.statuses);
    if (query.municipalityIds !== 'all') {
      if (query.municipalityIds.length === 0) return Promise.resolve([]);
      q = q.where('a.municipality_id', 'in', query.municipalityIds);
    }
    if (query.municipalityId) q = q.where('a.municipality_id', '=', query.municipalityId);
    return q.orderBy('a.opened_at', 'desc').limit(query.limit).execute();
  }

  addComment(alertId: string, authorId: string | null, body: string) {
    return this.db
      .insertInto('alert_comments')
      .values({ alert_id: alertId, author_id: authorId, body })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  listComments(alertId: string) {
    return this.db
      .selectFrom('alert_comments as c')
      .leftJoin('users as u', 'u.id', 'c.author_id')
      .selectAll('c')
      .select('u.display_name as author_name')
      .where('c.alert_id', '=', alertId)
      .orderBy('c.created_at')
      .execute();
  }

  // --- public warnings ---

  insertWarning(w: NewWarning): Promise<PublicWarningRow> {
    return this.db
      .insertInto('public_warnings')
      .values({
        municipality_id: w.municipalityId,
        alert_id: w.alertId,
        level: w.level,
        title: w.title,
        text: w.text,
        area_description: w.areaDescription,
        area: w.area ? JSON.stringify(w.area) : null,
        valid_from: w.validFrom,
        valid_until: w.validUntil,
        created_by: w.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Ends the still-running warnings of an alert now. */
  endWarningsOfAlert(alertId: string, at: Date) {
    return this.db
      .updateTable('public_warnings')
      .set({ valid_until: at, updated_at: at })
      .where('alert_id', '=', alertId)
      .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', at)]))
      .execute();
  }

  endWarning(municipalityId: string, id: string, at: Date) {
    return this.db
      .updateTable('public_warnings')
      .set({ valid_until: at, updated_at: at })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  findWarning(id: string) {
    return this.db.selectFrom('public_warnings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Warnings in force now: of one municipality, or of every municipality (the region's banner). */
  activeWarnings(municipalityId: string | undefined, now: Date) {
    let q = this.db
      .selectFrom('public_warnings as w')
      .innerJoin('municipalities as m', 'm.id', 'w.municipality_id')
      .selectAll('w')
      .select('m.name as municipality_name')
      .where('w.valid_from', '<=', now)
      .where((eb) => eb.or([eb('w.valid_until', 'is', null), eb('w.valid_until', '>', now)]));
    if (municipalityId) q = q.where('w.municipality_id', '=', municipalityId);
    return q.orderBy('w.valid_from', 'desc').limit(200).execute();
  }

  listWarnings(municipalityId: string) {
    return this.db
      .selectFrom('public_warnings as w')
      .innerJoin('municipalities as m', 'm.id', 'w.municipality_id')
      .selectAll('w')
      .select('m.name as municipality_name')
      .where('w.municipality_id', '=', municipalityId)
      .orderBy('w.valid_from', 'desc')
      .limit(100)
      .execute();
  }

  // --- subscriptions ---

  async upsertEmailSubscription(municipalityId: string, email: string, tokenHash: string) {
    const existing = await this.db
      .selectFrom('warning_subscriptions')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('channel', '=', 'email')
      .where(sql`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst();
    if (existing) {
      // A repeated request sends a fresh link; an already confirmed subscription stays confirmed.
      return this.db
        .updateTable('warning_subscriptions')
        .set({ token_hash: tokenHash })
        .where('id', '=', existing.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    return this.db
      .insertInto('warning_subscriptions')
      .values({ municipality_id: municipalityId, channel: 'email', email, token_hash: tokenHash })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  upsertPushSubscription(
    municipalityId: string,
    endpoint: string,
    keys: { p256dh: string; auth: string },
    tokenHash: string,
  ) {
    return this.db
      .insertInto('warning_subscriptions')
      .values({
        municipality_id: municipalityId,
        channel: 'webpush',
        push_endpoint: endpoint,
        push_keys: JSON.stringify(keys),
        token_hash: tokenHash,
        confirmed_at: new Date(),
      })
      .onConflict((oc) =>
        oc
          .columns(['municipality_id', 'push_endpoint'])
          .where('channel', '=', 'webpush')
          .doUpdateSet({ push_keys: JSON.stringify(keys) }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  confirmByToken(tokenHash: string) {
    return this.db
      .updateTable('warning_subscriptions')
      .set({ confirmed_at: sql`coalesce(confirmed_at, now())` })
      .where('token_hash', '=', tokenHash)
      .returningAll()
      .executeTakeFirst();
  }

  deleteByToken(tokenHash: string) {
    return this.db
      .deleteFrom('warning_subscriptions')
      .where('token_hash', '=', tokenHash)
      .returningAll()
      .executeTakeFirst();
  }

  deletePushByEndpoint(endpoint: string) {
    return this.db.deleteFrom('warning_subscriptions').where('push_endpoint', '=', endpoint).execute();
  }

  confirmedSubscriptions(municipalityId: string): Promise<WarningSubscriptionRow[]> {
    return this.db
      .selectFrom('warning_subscriptions')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('confirmed_at', 'is not', null)
      .limit(100_000)
      .execute();
  }
}
