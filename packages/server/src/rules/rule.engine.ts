// Evaluates rules as data arrives. Subscribed to ObservationService's `stored` event: each committed batch
// is checked against the enabled rules watching its Datastreams. The state of every rule and subject is a
// database row locked for the evaluation, so several instances (each hearing only its own ingestion) and
// restarts stay consistent; alert transitions and their notifications commit in the same transaction.
// Timers (silence, escalation) are jobs in the one job queue.
import type { AppContext } from '../context.js';
import { systemActor } from '../core/audit/audit.service.js';
import type { Database } from '../core/db/database.js';
import type { AlertRow, RuleRow } from '../core/db/schema.js';
import type { JobWorker } from '../core/jobs/index.js';
import type { StoredObservation } from '../sensors/observations/observation.types.js';
import {
  applySilenceCheck,
  conditionHolds,
  evaluate,
  leafKey,
  leavesOf,
  RULE_SUBJECT,
  subjectsFor,
  withinSchedule,
  type Condition,
  type ObservationFact,
  type Schedule,
  type SubjectState,
} from './condition.js';
import { RulesRepository, type DatastreamInfo } from './rules.repository.js';
import type { RuleActions } from './rules.schema.js';
import { warningArea } from './warning-area.js';

export const SILENCE_JOB = 'rules.silence-check';
export const ESCALATION_JOB = 'rules.escalate';
export const WARNING_FANOUT_JOB = 'rules.warning-fanout';

declare module '../core/jobs/job-types.js' {
  interface JobPayloadMap {
    'rules.silence-check': { ruleId: string; municipalityId: string; datastreamId: number };
    'rules.escalate': { alertId: string };
    'rules.warning-fanout': { warningId: string };
  }
}

const actor = systemActor('rules');

interface Outcome {
  opened?: AlertRow;
  resolved?: AlertRow;
}

export const ruleCondition = (rule: RuleRow) => rule.condition as Condition;
export const ruleActions = (rule: RuleRow) => (rule.actions ?? {}) as RuleActions;
const ruleSchedule = (rule: RuleRow) => rule.schedule as Schedule | null;

export class RuleEngine {
  /** Evaluations started and not yet finished (the benchmark and tests wait for zero). */
  #running = 0;
  #idle: (() => void)[] = [];
  /** Evaluation failures, e.g. a lost database connection; the next observation evaluates again. */
  onError: (error: unknown) => void = () => undefined;

  constructor(private readonly ctx: AppContext) {}

  /** Listens to stored observations; returns the function that stops listening. */
  attach(): () => void {
    const listener = (observations: StoredObservation[]) => {
      this.#running++;
      this.handle(observations)
        .catch((error: unknown) => this.onError(error))
        .finally(() => {
          if (--this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
        });
    };
    this.ctx.observations.events.on('stored', listener);
    return () => this.ctx.observations.events.off('stored', listener);
  }

  /** Resolves when no evaluation is running. */
  idle(): Promise<void> {
    return this.#running === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  async handle(observations: StoredObservation[]): Promise<Outcome[]> {
    const byMunicipality = new Map<string, ObservationFact[]>();
    for (const o of observations) {
      if (o.datastreamId === null || typeof o.result !== 'number' || !Number.isFinite(o.result)) continue;
      const facts = byMunicipality.get(o.municipalityId) ?? [];
      facts.push({ datastreamId: o.datastreamId, time: o.phenomenonTimeStart.getTime(), value: o.result });
      byMunicipality.set(o.municipalityId, facts);
    }
    const outcomes: Outcome[] = [];
    for (const [municipalityId, facts] of byMunicipality) {
      const repository = new RulesRepository(this.ctx.db);
      const datastreamIds = [...new Set(facts.map((f) => f.datastreamId))];
      const rules = await repository.rulesWatching(municipalityId, datastreamIds);
      if (rules.length === 0) continue;
      const info = await repository.datastreamInfo(municipalityId, datastreamIds);
      for (const fact of facts) fact.batteryPercent = info.get(fact.datastreamId)?.batteryPercent ?? null;
      facts.sort((a, b) => a.time - b.time);
      for (const rule of rules) {
        const condition = ruleCondition(rule);
        const subjects = new Map<string, ObservationFact[]>();
        for (const fact of facts)
          for (const subject of subjectsFor(condition, fact.datastreamId))
            subjects.set(subject, [...(subjects.get(subject) ?? []), fact]);
        for (const [subject, subjectFacts] of subjects) {
          outcomes.push(await this.evaluateSubject(rule, subject, subjectFacts, info));
        }
      }
    }
    return outcomes;
  }

  private async evaluateSubject(
    rule: RuleRow,
    subject: string,
    facts: ObservationFact[],
    info: Map<number, DatastreamInfo>,
  ): Promise<Outcome> {
    const condition = ruleCondition(rule);
    const outcome = await this.ctx.db.transaction().execute(async (trx) => {
      const repository = new RulesRepository(trx);
      const locked = await repository.lockState(rule.id, subject);
      let state = locked.state;
      for (const fact of facts) state = evaluate(condition, subject, state, fact);
      state = await this.scheduleSilenceChecks(trx, rule, state, facts);
      const holds = conditionHolds(condition, subject, state);
      await repository.saveState(rule.id, subject, state, holds);
      const last = facts.at(-1)!;
      return this.settle(trx, rule, subject, holds, last.value, new Date(last.time), info);
    });
    await this.afterCommit(outcome);
    return outcome;
  }

  /** Queues the timer of each silent leaf that has none pending: due when the Datastream is silent long enough. */
  private async scheduleSilenceChecks(
    trx: Database,
    rule: RuleRow,
    state: SubjectState,
    facts: ObservationFact[],
  ): Promise<SubjectState> {
    const leaves = { ...state.leaves };
    const seen = new Set(facts.map((f) => f.datastreamId));
    for (const [index, leaf] of leavesOf(ruleCondition(rule)).entries()) {
      if (leaf.type !== 'silent') continue;
      for (const datastreamId of leaf.datastreamIds) {
        const key = leafKey(index, datastreamId);
        const current = leaves[key];
        if (!seen.has(datastreamId) || !current || current.lastTime == null) continue;
        const due = current.lastTime + leaf.minutes * 60_000;
        if (current.checkAt != null && current.checkAt <= due && current.checkAt > Date.now() - 60_000)
          continue;
        await this.ctx.jobs.enqueue(
          SILENCE_JOB,
          { ruleId: rule.id, municipalityId: rule.municipality_id, datastreamId },
          { runAt: new Date(Math.max(due, Date.now())), municipalityId: rule.municipality_id },
          trx,
        );
        leaves[key] = { ...current, checkAt: due };
      }
    }
    return { leaves };
  }

  /** The timer path: a silent leaf's check came due. Reschedules itself if data arrived meanwhile. */
  async checkSilence(payload: {
    ruleId: string;
    municipalityId: string;
    datastreamId: number;
  }): Promise<void> {
    const repository = new RulesRepository(this.ctx.db);
    const rule = await repository.findRule(payload.municipalityId, payload.ruleId);
    if (!rule?.enabled) return;
    const condition = ruleCondition(rule);
    const [subject] = subjectsFor(condition, payload.datastreamId);
    if (!subject) return;
    const info = await repository.datastreamInfo(rule.municipality_id, [payload.datastreamId]);
    const outcome = await this.ctx.db.transaction().execute(async (trx) => {
      const locked = await new RulesRepository(trx).lockState(rule.id, subject);
      const leaves = { ...locked.state.leaves };
      const now = Date.now();
      for (const [index, leaf] of leavesOf(condition).entries()) {
        if (leaf.type !== 'silent' || !leaf.datastreamIds.includes(payload.datastreamId)) continue;
        const key = leafKey(index, payload.datastreamId);
        const next = applySilenceCheck(leaf, leaves[key] ?? { active: false, lastTime: now }, now);
        if (!next.active) {
          const due = (next.lastTime ?? now) + leaf.minutes * 60_000;
          await this.ctx.jobs.enqueue(
            SILENCE_JOB,
            payload,
            { runAt: new Date(due), municipalityId: rule.municipality_id },
            trx,
          );
          next.checkAt = due;
        }
        leaves[key] = next;
      }
      const state = { leaves };
      const holds = conditionHolds(condition, subject, state);
      await new RulesRepository(trx).saveState(rule.id, subject, state, holds);
      return this.settle(trx, rule, subject, holds, null, new Date(now), info);
    });
    await this.afterCommit(outcome);
  }

  /** Starts the silence timers of a rule that was just switched on (a sensor that never reports). */
  async armSilenceTimers(rule: RuleRow): Promise<void> {
    if (!rule.enabled) return;
    const condition = ruleCondition(rule);
    for (const [index, leaf] of leavesOf(condition).entries()) {
      if (leaf.type !== 'silent') continue;
      for (const datastreamId of leaf.datastreamIds) {
        const [subject] = subjectsFor(condition, datastreamId);
        if (!subject) continue;
        await this.ctx.db.transaction().execute(async (trx) => {
          const repository = new RulesRepository(trx);
          const { state, active } = await repository.lockState(rule.id, subject);
          const key = leafKey(index, datastreamId);
          const now = Date.now();
          const leafState = state.leaves[key] ?? { active: false, lastTime: now };
          const due = (leafState.lastTime ?? now) + leaf.minutes * 60_000;
          state.leaves[key] = { ...leafState, checkAt: due };
          await repository.saveState(rule.id, subject, state, active);
          await this.ctx.jobs.enqueue(
            SILENCE_JOB,
            { ruleId: rule.id, municipalityId: rule.municipality_id, datastreamId },
            { runAt: new Date(due), municipalityId: rule.municipality_id },
            trx,
          );
        });
      }
    }
  }

  /** Opens, reopens (flapping), keeps or resolves the subject's alert, with its actions, in `trx`. */
  private async settle(
    trx: Database,
    rule: RuleRow,
    subject: string,
    holds: boolean,
    value: number | null,
    at: Date,
    info: Map<number, DatastreamInfo>,
  ): Promise<Outcome> {
    const repository = new RulesRepository(trx);
    const open = await repository.findOpenAlert(rule.id, subject);
    if (holds && open) {
      if (value !== null) await repository.setAlertValue(open.id, value);
      return {};
    }
    if (!holds && open) {
      const resolved = await repository.transitionAlert(open.id, ['open', 'acknowledged'], {
        status: 'resolved',
        resolved_at: new Date(),
        resolved_by: null,
        resolution: 'cleared',
      });
      if (!resolved) return {};
      await repository.endWarningsOfAlert(resolved.id, new Date());
      await this.ctx.audit.record(
        actor,
        {
          action: 'alert.resolved',
          targetType: 'alert',
          targetId: resolved.id,
          municipalityId: rule.municipality_id,
          details: { resolution: 'cleared' },
        },
        trx,
      );
      await this.notify(trx, rule, resolved, 'alert.resolved');
      return { resolved };
    }
    if (!holds || !withinSchedule(ruleSchedule(rule), at.getTime())) return {};

    // Flapping: the same condition cleared a moment ago, so this is the same incident coming back.
    const since = new Date(Date.now() - rule.damping_minutes * 60_000);
    const recent =
      rule.damping_minutes > 0 ? await repository.findRecentlyCleared(rule.id, subject, since) : undefined;
    if (recent) {
      const reopened = await repository.reopenAlert(recent.id, value);
      await this.ctx.audit.record(
        actor,
        {
          action: 'alert.reopened',
          targetType: 'alert',
          targetId: reopened.id,
          municipalityId: rule.municipality_id,
        },
        trx,
      );
      return {};
    }

    const datastreamId = subject === RULE_SUBJECT ? undefined : Number(subject.slice('datastream:'.length));
    const stream = datastreamId !== undefined ? info.get(datastreamId) : undefined;
    const where = stream ? `${stream.thingName} (${stream.name})` : rule.name;
    const reading = value !== null ? `${value}${stream?.unit ? ` ${stream.unit}` : ''}` : null;
    const alert = await repository.insertAlert({
      municipalityId: rule.municipality_id,
      ruleId: rule.id,
      subject,
      severity: rule.severity,
      title: stream ? `${rule.name}: ${stream.thingName}` : rule.name,
      message: reading ? `${where}: ${reading}` : `${where}: keine Daten`,
      value,
      openedAt: at > new Date() ? new Date() : at,
    });
    await this.ctx.audit.record(
      actor,
      {
        action: 'alert.opened',
        targetType: 'alert',
        targetId: alert.id,
        municipalityId: rule.municipality_id,
        details: { ruleId: rule.id, subject, value },
      },
      trx,
    );
    await this.runActions(trx, rule, alert, stream);
    return { opened: alert };
  }

  /** The municipality's boundary, if participation has one (read inside the evaluation's transaction). */
  private async boundaryOf(municipalityId: string, trx: Database): Promise<unknown> {
    const [row] = await this.ctx.participation.reports.boundaries([municipalityId], trx);
    return row?.geometry ?? null;
  }

  private async runActions(
    trx: Database,
    rule: RuleRow,
    alert: AlertRow,
    stream: DatastreamInfo | undefined,
  ) {
    const actions = ruleActions(rule);
    const point = pointOf(stream?.location);
    if (actions.task) {
      await this.ctx.work.createTask(
        {
          municipalityId: rule.municipality_id,
          sourceType: 'alert',
          sourceId: alert.id,
          title: actions.task.title,
          description: alert.message,
          teamId: actions.task.teamId ?? null,
          priority: actions.task.priority ?? 'normal',
          latitude: point?.latitude ?? null,
          longitude: point?.longitude ?? null,
          locationLabel: stream?.thingName ?? null,
        },
        actor,
        trx,
      );
    }
    if (actions.warning) {
      const w = actions.warning;
      const warning = await new RulesRepository(trx).insertWarning({
        municipalityId: rule.municipality_id,
        alertId: alert.id,
        level: w.level,
        title: w.title,
        text: w.text,
        areaDescription: w.areaDescription ?? stream?.thingName ?? null,
        area: warningArea({
          ruleArea: w.area,
          point,
          radiusMetres: w.radiusMetres,
          boundary: w.area || point ? null : await this.boundaryOf(rule.municipality_id, trx),
        }),
        validFrom: new Date(),
        validUntil: w.validHours ? new Date(Date.now() + w.validHours * 3_600_000) : null,
        createdBy: null,
      });
      await this.ctx.jobs.enqueue(
        WARNING_FANOUT_JOB,
        { warningId: warning.id },
        { municipalityId: rule.municipality_id },
        trx,
      );
    }
    if (actions.escalation) {
      await this.ctx.jobs.enqueue(
        ESCALATION_JOB,
        { alertId: alert.id },
        {
          runAt: new Date(Date.now() + actions.escalation.afterMinutes * 60_000),
          municipalityId: rule.municipality_id,
        },
        trx,
      );
    }
    await this.notify(trx, rule, alert, 'alert.opened');
  }

  /** E-mail to the rule's recipients and the signed webhook, queued in the transaction. */
  private async notify(
    trx: Database,
    rule: RuleRow,
    alert: AlertRow,
    event: 'alert.opened' | 'alert.resolved',
  ) {
    const actions = ruleActions(rule);
    const link = `${this.ctx.config.PUBLIC_URL}/verwaltung/alarme/${alert.id}`;
    const options = { municipalityId: rule.municipality_id, executor: trx };
    if (actions.email && actions.email.length > 0) {
      const opened = event === 'alert.opened';
      await this.ctx.notifications.sendEmail(
        {
          to: actions.email,
          subject: `${opened ? 'Alarm' : 'Alarm erledigt'}: ${alert.title}`,
          text: [
            opened
              ? 'Eine Regel hat einen Alarm ausgelöst.'
              : 'Der Alarm ist aufgehoben, der Wert ist wieder im Rahmen.',
            '',
            alert.message,
            `Regel: ${rule.name}`,
            `Stufe: ${alert.severity}`,
            '',
            `Zum Alarm: ${link}`,
          ].join('\n'),
        },
        options,
      );
    }
    if (actions.webhook) {
      await this.ctx.notifications.sendWebhook(
        {
          url: actions.webhook.url,
          secret: actions.webhook.secret,
          event,
          payload: alertPayload(rule, alert, link),
        },
        options,
      );
    }
  }

  private async afterCommit(outcome: Outcome): Promise<void> {
    // A measure for an alert that cleared by itself is not needed any more.
    if (outcome.resolved)
      await this.ctx.work.cancelForSource(
        'alert',
        outcome.resolved.id,
        'Der Alarm hat sich von selbst erledigt.',
        actor,
      );
  }

  /** The escalation timer: nobody acknowledged the alert in time. */
  async escalate(alertId: string): Promise<void> {
    const repository = new RulesRepository(this.ctx.db);
    const alert = await repository.findAlert(alertId);
    if (!alert || alert.status !== 'open') return;
    const rule = await repository.findRule(alert.municipality_id, alert.rule_id);
    const escalation = rule ? ruleActions(rule).escalation : undefined;
    if (!rule || !escalation) return;
    await this.ctx.db.transaction().execute(async (trx) => {
      const escalated = await new RulesRepository(trx).markEscalated(alertId);
      if (!escalated) return;
      await this.ctx.audit.record(
        actor,
        {
          action: 'alert.escalated',
          targetType: 'alert',
          targetId: alertId,
          municipalityId: alert.municipality_id,
        },
        trx,
      );
      await this.ctx.notifications.sendEmail(
        {
          to: escalation.email,
          subject: `Eskalation – Alarm nicht bestätigt: ${alert.title}`,
          text: [
            `Der Alarm ist seit ${escalation.afterMinutes} Minuten offen und wurde von niemandem bestätigt.`,
            '',
            alert.message,
            '',
            `Zum Alarm: ${this.ctx.config.PUBLIC_URL}/verwaltung/alarme/${alertId}`,
          ].join('\n'),
        },
        { municipalityId: alert.municipality_id, executor: trx },
      );
    });
  }
}

function alertPayload(rule: RuleRow, alert: AlertRow, link: string): Record<string, unknown> {
  return {
    alert: {
      id: alert.id,
      municipalityId: alert.municipality_id,
      ruleId: rule.id,
      ruleName: rule.name,
      subject: alert.subject,
      status: alert.status,
      severity: alert.severity,
      title: alert.title,
      message: alert.message,
      value: alert.value,
      openedAt: alert.opened_at.toISOString(),
      resolvedAt: alert.resolved_at ? new Date(alert.resolved_at).toISOString() : null,
      resolution: alert.resolution,
      url: link,
    },
  };
}

/** Latitude and longitude of a GeoJSON Point (a sensor's Location). */
export function pointOf(location: unknown): { latitude: number; longitude: number } | null {
  const geo = typeof location === 'string' ? (JSON.parse(location) as unknown) : location;
  if (!geo || typeof geo !== 'object') return null;
  const { type, coordinates } = geo as { type?: unknown; coordinates?: unknown };
  if (type !== 'Point' || !Array.isArray(coordinates)) return null;
  const [longitude, latitude] = coordinates as unknown[];
  return typeof latitude === 'number' && typeof longitude === 'number' ? { latitude, longitude } : null;
}

export function registerRuleJobs(
  worker: JobWorker,
  engine: RuleEngine,
  fanout: (warningId: string) => Promise<void>,
): void {
  worker.register(SILENCE_JOB, (job) => engine.checkSilence(job.payload), { timeoutMs: 30_000 });
  worker.register(ESCALATION_JOB, (job) => engine.escalate(job.payload.alertId), { timeoutMs: 30_000 });
  worker.register(WARNING_FANOUT_JOB, (job) => fanout(job.payload.warningId), { timeoutMs: 5 * 60_000 });
}
