// The rules editor's form state and its translation to and from the API's rule: conditions combined
// with AND/OR, the schedule, damping, and the measures. Pure, so the browser test and the page agree.
import type { TFunction } from 'i18next';
import type { SummaryItem } from '../../layout/forms.js';

export type Kind = 'threshold' | 'rate' | 'silent' | 'battery';
type Level = 'minor' | 'moderate' | 'severe' | 'extreme';
export const LEVELS: readonly Level[] = ['minor', 'moderate', 'severe', 'extreme'];
export const DAYS = [1, 2, 3, 4, 5, 6, 7] as const;
type Day = (typeof DAYS)[number];

export type Leaf = Record<string, unknown> & { type: Kind; datastreamIds: number[] };
export interface Rule {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  shared: boolean;
  severity: Level;
  condition: Leaf | { type: 'all' | 'any'; conditions: Leaf[] };
  schedule: { days: number[]; from: string; to: string } | null;
  actions: {
    task?: { title: string; teamId?: string; priority?: string };
    email?: string[];
    webhook?: { url: string; secret: string };
    warning?: { level: Level; title: string; text: string; radiusMetres?: number } & Record<string, unknown>;
    escalation?: { afterMinutes: number; email: string[] };
  };
  dampingMinutes: number;
  municipalityName?: string;
}

export interface LeafDraft {
  kind: Kind;
  datastreamIds: number[];
  operator: '>' | '<';
  value: string;
  hysteresis: string;
  forMinutes: string;
}

export interface Draft {
  /** The rule being edited; null for a new one (also for a template taken over). */
  id: string | null;
  enabled: boolean;
  name: string;
  combine: 'all' | 'any';
  leaves: LeafDraft[];
  scheduled: boolean;
  days: number[];
  from: string;
  to: string;
  severity: Level;
  dampingMinutes: string;
  shared: boolean;
  taskTitle: string;
  teamId: string;
  emails: string;
  warningTitle: string;
  warningText: string;
  warningRadius: string;
  /** Actions the form does not edit (webhook, escalation, a warning polygon) are kept as they were. */
  kept: Pick<Rule['actions'], 'webhook' | 'escalation'> & { warningExtra?: Record<string, unknown> };
  description: string;
}

export const emptyLeaf: LeafDraft = {
  kind: 'threshold',
  datastreamIds: [],
  operator: '>',
  value: '80',
  hysteresis: '5',
  forMinutes: '0',
};

export const emptyDraft: Draft = {
  id: null,
  enabled: false,
  name: '',
  combine: 'all',
  leaves: [emptyLeaf],
  scheduled: false,
  days: [1, 2, 3, 4, 5],
  from: '07:00',
  to: '18:00',
  severity: 'moderate',
  dampingMinutes: '30',
  shared: false,
  taskTitle: '',
  teamId: '',
  emails: '',
  warningTitle: '',
  warningText: '',
  warningRadius: '500',
  kept: {},
  description: '',
};

const num = (s: string) => Number(s.trim().replace(',', '.'));
const isNum = (s: string) => s.trim() !== '' && Number.isFinite(num(s));

function leafOf(l: LeafDraft): Leaf {
  switch (l.kind) {
    case 'threshold':
      return {
        type: 'threshold',
        datastreamIds: l.datastreamIds,
        operator: l.operator,
        value: num(l.value),
        hysteresis: num(l.hysteresis) || 0,
        forSeconds: Math.round((num(l.forMinutes) || 0) * 60),
      };
    case 'rate':
      return {
        type: 'rate',
        datastreamIds: l.datastreamIds,
        operator: l.operator,
        perHour: num(l.value),
        hysteresis: num(l.hysteresis) || 0,
      };
    case 'silent':
      return {
        type: 'silent',
        datastreamIds: l.datastreamIds,
        minutes: Math.max(1, Math.round(num(l.value))),
      };
    case 'battery':
      return { type: 'battery', datastreamIds: l.datastreamIds, belowPercent: num(l.value) };
  }
}

export function conditionOf(d: Draft): Rule['condition'] {
  return d.leaves.length === 1 ? leafOf(d.leaves[0]!) : { type: d.combine, conditions: d.leaves.map(leafOf) };
}

const emailsOf = (s: string) =>
  s
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);

/** The body of POST/PUT …/rules. */
export function requestOf(d: Draft) {
  const emails = emailsOf(d.emails);
  const { warningExtra, ...kept } = d.kept;
  return {
    name: d.name.trim(),
    description: d.description,
    enabled: d.enabled,
    shared: d.shared,
    severity: d.severity,
    condition: conditionOf(d),
    schedule: d.scheduled ? { days: d.days, from: d.from, to: d.to } : null,
    dampingMinutes: Math.round(num(d.dampingMinutes) || 0),
    actions: {
      ...kept,
      ...(d.taskTitle.trim()
        ? { task: { title: d.taskTitle.trim(), ...(d.teamId ? { teamId: d.teamId } : {}) } }
        : {}),
      ...(emails.length ? { email: emails } : {}),
      ...(d.warningTitle.trim()
        ? {
            warning: {
              ...warningExtra,
              level: d.severity,
              title: d.warningTitle.trim(),
              text: d.warningText.trim() || d.warningTitle.trim(),
              ...(isNum(d.warningRadius) ? { radiusMetres: Math.round(num(d.warningRadius)) } : {}),
            },
          }
        : {}),
    },
  };
}

function leafDraftOf(c: Leaf, own: boolean): LeafDraft {
  const v = c as Partial<Record<string, number>> & { operator?: '>' | '<' };
  return {
    kind: c.type,
    // A template of another municipality watches its Datastreams: choose your own.
    datastreamIds: own ? c.datastreamIds : [],
    operator: v.operator ?? '>',
    value: String(v.value ?? v.perHour ?? v.minutes ?? v.belowPercent ?? ''),
    hysteresis: String(v.hysteresis ?? 0),
    forMinutes: String((v.forSeconds ?? 0) / 60),
  };
}

/** The form for a rule of the municipality (own) or for a template shared by another one. */
export function draftOf(rule: Rule, own: boolean): Draft {
  const c = rule.condition;
  const combined = c.type === 'all' || c.type === 'any';
  const { task, email, warning, webhook, escalation } = rule.actions;
  const { level: _level, title: _title, text: _text, radiusMetres, ...warningExtra } = warning ?? {};
  return {
    ...emptyDraft,
    id: own ? rule.id : null,
    enabled: own ? rule.enabled : false,
    name: rule.name,
    description: rule.description,
    combine: combined ? (c as { type: 'all' | 'any' }).type : 'all',
    leaves: combined
      ? (c as { conditions: Leaf[] }).conditions.map((l) => leafDraftOf(l, own))
      : [leafDraftOf(c as Leaf, own)],
    scheduled: rule.schedule !== null,
    ...(rule.schedule ? { days: rule.schedule.days, from: rule.schedule.from, to: rule.schedule.to } : {}),
    severity: rule.severity,
    dampingMinutes: String(rule.dampingMinutes),
    shared: own ? rule.shared : false,
    taskTitle: task?.title ?? '',
    teamId: own ? (task?.teamId ?? '') : '',
    emails: own ? (email ?? []).join(', ') : '',
    warningTitle: warning?.title ?? '',
    warningText: warning?.text ?? '',
    warningRadius: String(radiusMetres ?? 500),
    // The webhook secret is not shown again (it reads '********'): a template does not carry it over.
    kept: own ? { ...(webhook ? { webhook } : {}), ...(escalation ? { escalation } : {}), warningExtra } : {},
  };
}

/** What is wrong with the form, each message tied to its field. */
export function validate(d: Draft, t: TFunction): SummaryItem[] {
  const items: SummaryItem[] = [];
  if (d.name.trim().length < 3) items.push({ fieldId: 'rule-name', message: t('rules.rules.errors.name') });
  d.leaves.forEach((l, i) => {
    const n = i + 1;
    if (l.datastreamIds.length === 0)
      items.push({ fieldId: `rule-c${i}-ds`, message: t('rules.rules.errors.datastreams', { n }) });
    if (!isNum(l.value) || ((l.kind === 'silent' || l.kind === 'battery') && num(l.value) < 1))
      items.push({ fieldId: `rule-c${i}-value`, message: t('rules.rules.errors.value', { n }) });
    if ((l.kind === 'threshold' || l.kind === 'rate') && l.hysteresis.trim() && !(num(l.hysteresis) >= 0))
      items.push({ fieldId: `rule-c${i}-hysteresis`, message: t('rules.rules.errors.hysteresis', { n }) });
    if (l.kind === 'threshold' && l.forMinutes.trim() && !(num(l.forMinutes) >= 0))
      items.push({ fieldId: `rule-c${i}-for`, message: t('rules.rules.errors.forMinutes', { n }) });
  });
  if (d.scheduled) {
    if (d.days.length === 0) items.push({ fieldId: 'rule-days', message: t('rules.rules.errors.days') });
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(d.from))
      items.push({ fieldId: 'rule-from', message: t('rules.rules.errors.time') });
    if (!/^([01]\d|2[0-4]):[0-5]\d$/.test(d.to))
      items.push({ fieldId: 'rule-to', message: t('rules.rules.errors.time') });
  }
  if (!/^\d+$/.test(d.dampingMinutes.trim()) || num(d.dampingMinutes) > 1440)
    items.push({ fieldId: 'rule-damping', message: t('rules.rules.errors.damping') });
  if (d.taskTitle.trim() && d.taskTitle.trim().length < 3)
    items.push({ fieldId: 'rule-task', message: t('rules.rules.errors.task') });
  if (emailsOf(d.emails).some((e) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)))
    items.push({ fieldId: 'rule-emails', message: t('rules.rules.errors.emails') });
  if (d.warningTitle.trim() && d.warningTitle.trim().length < 3)
    items.push({ fieldId: 'rule-warning', message: t('rules.rules.errors.warning') });
  if (
    d.warningTitle.trim() &&
    !(isNum(d.warningRadius) && num(d.warningRadius) >= 50 && num(d.warningRadius) <= 50_000)
  )
    items.push({ fieldId: 'rule-warning-radius', message: t('rules.rules.errors.radius') });
  return items;
}

/** One line a person can read: "Schwellwert über 80 (…) UND …, Mo–Fr 07:00–18:00". */
export function describeCondition(
  rule: Rule,
  t: TFunction,
  streamName?: (subject: string) => string,
): string {
  const leaves =
    rule.condition.type === 'all' || rule.condition.type === 'any'
      ? (rule.condition as { conditions: Leaf[] }).conditions
      : [rule.condition as Leaf];
  const one = (l: Leaf) => {
    const v = l as Partial<Record<string, number>> & { operator?: string };
    const op = v.operator === '<' ? t('rules.rules.below') : t('rules.rules.above');
    const detail = {
      threshold: `${op} ${v.value}${v.hysteresis ? `, ${t('rules.rules.summary.hysteresis', { value: v.hysteresis })}` : ''}${v.forSeconds ? `, ${t('rules.rules.summary.for', { minutes: v.forSeconds / 60 })}` : ''}`,
      rate: `${op} ${v.perHour}/h`,
      silent: t('rules.rules.summary.silent', { minutes: v.minutes }),
      battery: t('rules.rules.summary.battery', { percent: v.belowPercent }),
    }[l.type];
    const where = streamName
      ? ` (${l.datastreamIds.map((id) => streamName(`datastream:${id}`)).join(', ')})`
      : '';
    return `${t(`rules.rules.types.${l.type}`)} ${detail}${where}`;
  };
  const joiner = rule.condition.type === 'any' ? t('rules.rules.summary.or') : t('rules.rules.summary.and');
  const schedule = rule.schedule
    ? `; ${rule.schedule.days.map((d) => t(`rules.rules.dayShort.d${d as Day}`)).join(', ')} ${rule.schedule.from}–${rule.schedule.to}`
    : '';
  return leaves.map(one).join(` ${joiner} `) + schedule;
}
