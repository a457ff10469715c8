// Rules, alerts and public warnings as staff and citizens use them. Evaluation lives in rule.engine.ts;
// this service keeps rules, moves alerts by hand, closes the loop from the work inbox and manages the
// citizens' warning subscriptions (double opt-in e-mail, Web Push).
import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { systemActor, type AuditActor } from '../core/audit/audit.service.js';
import type { AlertRow, RuleRow, Task } from '../core/db/schema.js';
import { Errors } from '../core/errors.js';
import { loadVapidKeys } from '../core/notifications/index.js';
import { datastreamsOf, replayHistory, type Condition, type Schedule } from './condition.js';
import { RuleEngine, WARNING_FANOUT_JOB } from './rule.engine.js';
import { RulesRepository, type RuleRecord } from './rules.repository.js';
import type { RuleInput, WarningInput } from './rules.schema.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

/** Most points one history test reads; a longer range is cut off (and says so). */
export const HISTORY_LIMIT = 200_000;

export class RulesService {
  readonly engine: RuleEngine;

  constructor(private readonly ctx: AppContext) {
    this.engine = new RuleEngine(ctx);
  }

  private repository(db = this.ctx.db) {
    return new RulesRepository(db);
  }

  /** Starts evaluating observations and listening to the work inbox; returns the stop function. */
  start(log?: { warn(details: object, message: string): void }): () => void {
    this.engine.onError = (error) => log?.warn({ err: error }, 'rule evaluation failed');
    const detach = this.engine.attach();
    const onCompleted = (task: Task) => {
      if (task.source_type !== 'alert') return;
      this.resolveFromTask(task).catch((error: unknown) =>
        log?.warn({ err: error }, 'alert not resolved from task'),
      );
    };
    this.ctx.work.events.on('completed', onCompleted);
    return () => {
      detach();
      this.ctx.work.events.off('completed', onCompleted);
    };
  }

  // --- rules ---

  private async record(
    municipalityId: string,
    input: RuleInput,
    existing?: RuleRow,
  ): Promise<[RuleRecord, number[]]> {
    const datastreamIds = datastreamsOf(input.condition);
    const known = await this.repository().existingDatastreams(municipalityId, datastreamIds);
    const missing = datastreamIds.filter((id) => !known.includes(id));
    if (missing.length > 0)
      throw Errors.validation('A Datastream of the rule does not belong to this municipality', { missing });
    const actions = { ...input.actions };
    // The webhook secret is not shown back; an edit that keeps '********' keeps the stored secret.
    const previousWebhook = (existing?.actions as RuleInput['actions'])?.webhook;
    if (actions.webhook?.secret === MASK && previousWebhook)
      actions.webhook = { ...actions.webhook, secret: previousWebhook.secret };
    return [
      {
        name: input.name,
        description: input.description ?? '',
        enabled: input.enabled ?? false,
        shared: input.shared ?? false,
        severity: input.severity ?? 'moderate',
        condition: input.condition,
        schedule: input.schedule ?? null,
        actions,
        dampingMinutes: input.dampingMinutes ?? 10,
      },
      datastreamIds,
    ];
  }

  async createRule(municipalityId: string, input: RuleInput, actor: AuditActor): Promise<RuleRow> {
    const [record, datastreamIds] = await this.record(municipalityId, input);
    const rule = await this.ctx.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).insertRule(municipalityId, record, datastreamIds, actor.userId);
      await this.ctx.audit.record(
        actor,
        { action: 'rule.created', targetType: 'rule', targetId: row.id, municipalityId },
        trx,
      );
      return row;
    });
    await this.engine.armSilenceTimers(rule);
    return rule;
  }

  async updateRule(
    municipalityId: string,
    id: string,
    input: RuleInput,
    actor: AuditActor,
  ): Promise<RuleRow> {
    const existing = await this.getRule(municipalityId, id);
    const [record, datastreamIds] = await this.record(municipalityId, input, existing);
    const rule = await this.ctx.db.transaction().execute(async (trx) => {
      const row = await this.repository(trx).updateRule(municipalityId, id, record, datastreamIds);
      if (!row) throw Errors.notFound('Rule');
      await this.ctx.audit.record(
        actor,
        { action: 'rule.updated', targetType: 'rule', targetId: id, municipalityId },
        trx,
      );
      return row;
    });
    await this.engine.armSilenceTimers(rule);
    return rule;
  }

  async deleteRule(municipalityId: string, id: string, actor: AuditActor): Promise<void> {
    await this.ctx.db.transaction().execute(async (trx) => {
      const result = await this.repository(trx).deleteRule(municipalityId, id);
      if (result.numDeletedRows === 0n) throw Errors.notFound('Rule');
      await this.ctx.audit.record(
        actor,
        { action: 'rule.deleted', targetType: 'rule', targetId: id, municipalityId },
        trx,
      );
    });
  }

  async getRule(municipalityId: string, id: string): Promise<RuleRow> {
    const rule = await this.repository().findRule(municipalityId, id);
    if (!rule) throw Errors.notFound('Rule');
    return rule;
  }

  listRules(municipalityId: string) {
    return this.repository().listRules(municipalityId);
  }

  listTemplates(municipalityId: string) {
    return this.repository().listTemplates(municipalityId);
  }

  listDatastreams(municipalityId: string) {
    return this.repository().listDatastreams(municipalityId);
  }

  /** What the condition would have fired over stored history, without touching state or alerts. */
  async testAgainstHistory(
    municipalityId: string,
    condition: Condition,
    schedule: Schedule | null,
    from: Date,
    to: Date,
  ) {
    if (!(from < to)) throw Errors.validation('from must be before to');
    const ids = datastreamsOf(condition);
    const known = await this.repository().existingDatastreams(municipalityId, ids);
    if (known.length !== ids.length)
      throw Errors.validation('A Datastream of the rule does not belong to this municipality');
    const rows = await this.repository().history(municipalityId, ids, from, to, HISTORY_LIMIT + 1);
    const truncated = rows.length > HISTORY_LIMIT;
    const points = rows.slice(0, HISTORY_LIMIT).map((r) => ({
      datastreamId: r.datastream_id!,
      time: r.phenomenon_time_start.getTime(),
      value: r.result_number!,
    }));
    return { observations: points.length, truncated, alerts: replayHistory(condition, schedule, points) };
  }

  // --- alerts ---

  async getAlert(id: string) {
    const alert = await this.repository().findAlert(id);
    if (!alert) throw Errors.notFound('Alert');
    return alert;
  }

  listAlerts(query: Parameters<RulesRepository['listAlerts']>[0]) {
    return this.repository().listAlerts(query);
  }

  comments(alertId: string) {
    return this.repository().listComments(alertId);
  }

  async comment(alert: AlertRow, body: string, actor: AuditActor) {
    return this.ctx.db.transaction().execute(async (trx) => {
      const comment = await this.repository(trx).addComment(alert.id, actor.userId, body);
      await this.ctx.audit.record(
        actor,
        {
          action: 'alert.commented',
          targetType: 'alert',
          targetId: alert.id,
          municipalityId: alert.municipality_id,
        },
        trx,
      );
      return comment;
    });
  }

  async acknowledge(alert: AlertRow, actor: AuditActor): Promise<AlertRow> {
    return this.transition(
      alert,
      ['open'],
      { status: 'acknowledged', acknowledged_at: new Date(), acknowledged_by: actor.userId },
      'alert.acknowledged',
      actor,
    );
  }

  async resolve(
    alert: AlertRow,
    actor: AuditActor,
    resolution: 'manual' | 'task_done' = 'manual',
  ): Promise<AlertRow> {
    const resolved = await this.transition(
      alert,
      ['open', 'acknowledged'],
      { status: 'resolved', resolved_at: new Date(), resolved_by: actor.userId, resolution },
      'alert.resolved',
      actor,
    );
    return resolved;
  }

  private async transition(
    alert: AlertRow,
    from: AlertRow['status'][],
    values: Parameters<RulesRepository['transitionAlert']>[2],
    action: string,
    actor: AuditActor,
  ): Promise<AlertRow> {
    return this.ctx.db.transaction().execute(async (trx) => {
      const repository = this.repository(trx);
      const changed = await repository.transitionAlert(alert.id, from, values);
      if (!changed) throw Errors.conflict(`The alert is ${alert.status} already`);
      if (changed.status === 'resolved') await repository.endWarningsOfAlert(alert.id, new Date());
      await this.ctx.audit.record(
        actor,
        {
          action,
          targetType: 'alert',
          targetId: alert.id,
          municipalityId: alert.municipality_id,
          details: values.resolution ? { resolution: values.resolution } : {},
        },
        trx,
      );
      return changed;
    });
  }

  /** "Erledigt" in the work list: the measure was taken, so its alert is resolved. */
  private async resolveFromTask(task: Task): Promise<void> {
    const alert = await this.repository().findAlert(task.source_id);
    if (!alert || alert.status === 'resolved' || alert.municipality_id !== task.municipality_id) return;
    const actor: AuditActor = task.completed_by
      ? { ...systemActor('work inbox'), userId: task.completed_by }
      : systemActor('work inbox');
    await this.resolve(alert, actor, 'task_done').catch((error: unknown) => {
      if ((error as { code?: string }).code !== 'conflict') throw error;
    });
  }

  // --- public warnings ---

  activeWarnings(municipalityId: string | undefined) {
    return this.repository().activeWarnings(municipalityId, new Date());
  }

  listWarnings(municipalityId: string) {
    return this.repository().listWarnings(municipalityId);
  }

  async createWarning(municipalityId: string, input: WarningInput, actor: AuditActor) {
    const validFrom = input.validFrom ? new Date(input.validFrom) : new Date();
    const validUntil = input.validUntil ? new Date(input.validUntil) : null;
    if (validUntil && validUntil <= validFrom) throw Errors.validation('validUntil must be after validFrom');
    return this.ctx.db.transaction().execute(async (trx) => {
      const warning = await this.repository(trx).insertWarning({
        municipalityId,
        alertId: null,
        level: input.level,
        title: input.title,
        text: input.text,
        areaDescription: input.areaDescription ?? null,
        area: input.area ?? null,
        validFrom,
        validUntil,
        createdBy: actor.userId,
      });
      await this.ctx.audit.record(
        actor,
        { action: 'warning.published', targetType: 'public_warning', targetId: warning.id, municipalityId },
        trx,
      );
      await this.ctx.jobs.enqueue(
        WARNING_FANOUT_JOB,
        { warningId: warning.id },
        { municipalityId, runAt: validFrom },
        trx,
      );
      return warning;
    });
  }

  async endWarning(municipalityId: string, id: string, actor: AuditActor) {
    return this.ctx.db.transaction().execute(async (trx) => {
      const warning = await this.repository(trx).endWarning(municipalityId, id, new Date());
      if (!warning) throw Errors.notFound('Warning');
      await this.ctx.audit.record(
        actor,
        { action: 'warning.ended', targetType: 'public_warning', targetId: id, municipalityId },
        trx,
      );
      return warning;
    });
  }

  /** Tells every confirmed subscriber of the municipality about a warning (a job per message). */
  async fanOutWarning(warningId: string): Promise<void> {
    const warning = await this.repository().findWarning(warningId);
    if (!warning || (warning.valid_until && new Date(warning.valid_until) <= new Date())) return;
    const subscribers = await this.repository().confirmedSubscriptions(warning.municipality_id);
    const url = `${this.ctx.config.PUBLIC_URL}/warnungen`;
    for (const s of subscribers) {
      // One key per warning and subscriber: a retried fan-out does not send twice while the first is queued.
      const uniqueKey = `warning:${warning.id}:${s.id}`;
      if (s.channel === 'email' && s.email) {
        const token = await this.rotateToken(s.id);
        const unsubscribe = `${this.ctx.config.PUBLIC_URL}/api/public/warning-subscriptions/unsubscribe?token=${token}`;
        await this.ctx.notifications.sendEmail(
          {
            to: s.email,
            subject: `Warnung: ${warning.title}`,
            text: [
              warning.text,
              '',
              warning.area_description ? `Gebiet: ${warning.area_description}` : '',
              `Alle Warnungen: ${url}`,
              '',
              `Abmelden: ${this.ctx.config.PUBLIC_URL}/warnungen?abmelden=${token}`,
            ].join('\n'),
            // RFC 8058: mail programs offer a one-click unsubscribe that POSTs to this URL.
            headers: {
              'List-Unsubscribe': `<${unsubscribe}>`,
              'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            },
          },
          { municipalityId: warning.municipality_id, uniqueKey },
        );
      } else if (s.channel === 'webpush' && s.push_endpoint && s.push_keys) {
        await this.ctx.notifications.sendPush(
          {
            subscription: {
              endpoint: s.push_endpoint,
              keys: s.push_keys,
            },
            message: {
              title: warning.title,
              body: warning.text.slice(0, 300),
              url,
              tag: `warning-${warning.id}`,
            },
          },
          { municipalityId: warning.municipality_id, uniqueKey },
        );
      }
    }
  }

  /** Each warning mail carries its own unsubscribe token; the stored hash follows the newest one. */
  private async rotateToken(subscriptionId: string): Promise<string> {
    const token = newToken();
    await this.ctx.db
      .updateTable('warning_subscriptions')
      .set({ token_hash: sha256(token) })
      .where('id', '=', subscriptionId)
      .execute();
    return token;
  }

  // --- subscriptions ---

  /** Step one of the double opt-in: store unconfirmed and send the confirmation link. */
  async subscribeEmail(municipalityId: string, email: string): Promise<void> {
    const municipality = await this.ctx.tenancy.municipality(municipalityId).catch(() => undefined);
    if (!municipality) throw Errors.notFound('Municipality');
    const token = newToken();
    await this.ctx.db.transaction().execute(async (trx) => {
      const subscription = await this.repository(trx).upsertEmailSubscription(
        municipalityId,
        email,
        sha256(token),
      );
      if (subscription.confirmed_at) return; // nothing to confirm; say nothing that reveals subscribers
      await this.ctx.notifications.sendEmail(
        {
          to: email,
          subject: `Bitte bestätigen: Warnungen für ${municipality.name}`,
          text: [
            `Sie möchten Warnungen der Gemeinde ${municipality.name} per E-Mail erhalten.`,
            'Bitte bestätigen Sie das mit diesem Link:',
            `${this.ctx.config.PUBLIC_URL}/warnungen?bestaetigen=${token}`,
            '',
            'Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail; Sie bekommen dann nichts.',
          ].join('\n'),
        },
        { municipalityId, executor: trx },
      );
    });
  }

  async confirm(token: string): Promise<boolean> {
    return (await this.repository().confirmByToken(sha256(token))) !== undefined;
  }

  async unsubscribe(token: string): Promise<boolean> {
    return (await this.repository().deleteByToken(sha256(token))) !== undefined;
  }

  async subscribePush(municipalityId: string, endpoint: string, keys: { p256dh: string; auth: string }) {
    const municipality = await this.ctx.tenancy.municipality(municipalityId).catch(() => undefined);
    if (!municipality) throw Errors.notFound('Municipality');
    await this.repository().upsertPushSubscription(municipalityId, endpoint, keys, sha256(newToken()));
  }

  async unsubscribePush(endpoint: string) {
    await this.repository().deletePushByEndpoint(endpoint);
  }

  async vapidPublicKey(): Promise<string> {
    return (await loadVapidKeys(this.ctx.db, this.ctx.config)).publicKey;
  }
}

export const MASK = '********';
