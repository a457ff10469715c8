// /verwaltung/regeln: the municipality's rules (switch on/off, delete), templates shared in the region, a
// form for a new rule with its measures, and the test against stored history before switching it on.
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { TextField } from '../../layout/forms.js';
import { Loading } from '../../layout/Loading.js';
import { Page } from '../../page.js';
import { MunicipalitySelect } from '../../layout/MunicipalitySelect.js';
import { formatTime, useJson, useReload, useStaffMunicipalities } from './shared.js';

type Kind = 'threshold' | 'rate' | 'silent' | 'battery';
type Leaf = Record<string, unknown> & { type: Kind; datastreamIds: number[] };
interface Rule {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  severity: 'minor' | 'moderate' | 'severe' | 'extreme';
  condition: Leaf | { type: 'all' | 'any'; conditions: Leaf[] };
  schedule: unknown;
  actions: Record<string, unknown>;
  dampingMinutes: number;
  municipalityName?: string;
}
interface Datastream {
  id: number;
  name: string;
  thingName: string;
  unit: string | null;
}
interface HistoryResult {
  observations: number;
  truncated: boolean;
  alerts: { subject: string; openedAt: string; resolvedAt: string | null; value: number }[];
}

const LEVELS = ['minor', 'moderate', 'severe', 'extreme'] as const;

interface Draft {
  name: string;
  kind: Kind;
  datastreamIds: number[];
  operator: '>' | '<';
  value: string;
  hysteresis: string;
  forMinutes: string;
  severity: (typeof LEVELS)[number];
  taskTitle: string;
  emails: string;
  warningTitle: string;
  warningText: string;
}

const emptyDraft: Draft = {
  name: '',
  kind: 'threshold',
  datastreamIds: [],
  operator: '>',
  value: '80',
  hysteresis: '5',
  forMinutes: '0',
  severity: 'moderate',
  taskTitle: '',
  emails: '',
  warningTitle: '',
  warningText: '',
};

function conditionOf(d: Draft): Leaf {
  const n = (s: string) => Number(s.replace(',', '.'));
  switch (d.kind) {
    case 'threshold':
      return {
        type: 'threshold',
        datastreamIds: d.datastreamIds,
        operator: d.operator,
        value: n(d.value),
        hysteresis: n(d.hysteresis) || 0,
        forSeconds: Math.round((n(d.forMinutes) || 0) * 60),
      };
    case 'rate':
      return {
        type: 'rate',
        datastreamIds: d.datastreamIds,
        operator: d.operator,
        perHour: n(d.value),
        hysteresis: n(d.hysteresis) || 0,
      };
    case 'silent':
      return { type: 'silent', datastreamIds: d.datastreamIds, minutes: Math.max(1, Math.round(n(d.value))) };
    case 'battery':
      return { type: 'battery', datastreamIds: d.datastreamIds, belowPercent: n(d.value) };
  }
}

function actionsOf(d: Draft) {
  const emails = d.emails
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  return {
    ...(d.taskTitle.trim() ? { task: { title: d.taskTitle.trim() } } : {}),
    ...(emails.length ? { email: emails } : {}),
    ...(d.warningTitle.trim()
      ? {
          warning: {
            level: d.severity,
            title: d.warningTitle.trim(),
            text: d.warningText.trim() || d.warningTitle.trim(),
          },
        }
      : {}),
  };
}

export default function RulesPage() {
  const { t } = useTranslation();
  const municipalities = useStaffMunicipalities();
  const [municipalityId, setMunicipalityId] = useState(municipalities[0]?.id ?? '');
  const [version, reload] = useReload();
  const base = municipalityId ? `/api/municipalities/${municipalityId}` : null;
  const rules = useJson<{ rules: Rule[]; templates: Rule[] }>(base && `${base}/rules`, version);
  const streams = useJson<{ datastreams: Datastream[] }>(base && `${base}/rule-datastreams`);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [days, setDays] = useState('7');
  const [history, setHistory] = useState<HistoryResult | null>(null);

  useEffect(() => {
    if (!municipalityId && municipalities[0]) setMunicipalityId(municipalities[0].id);
  }, [municipalities, municipalityId]);

  const fail = (error: unknown) =>
    setMessage({
      ok: false,
      text: t('rules.common.saveFailed', {
        message: error instanceof ApiError ? error.message : String(error),
      }),
    });

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!base) return;
    try {
      await api.post(`${base}/rules`, {
        name: draft.name.trim(),
        enabled: false,
        severity: draft.severity,
        condition: conditionOf(draft),
        actions: actionsOf(draft),
      });
      setMessage({ ok: true, text: t('rules.rules.saved') });
      setDraft(emptyDraft);
      reload();
    } catch (error) {
      fail(error);
    }
  }

  async function toggle(rule: Rule) {
    if (!base) return;
    try {
      const body = {
        name: rule.name,
        description: rule.description,
        enabled: !rule.enabled,
        severity: rule.severity,
        condition: rule.condition,
        schedule: rule.schedule,
        actions: rule.actions,
        dampingMinutes: rule.dampingMinutes,
      };
      await api.put(`${base}/rules/${rule.id}`, body);
      reload();
    } catch (error) {
      fail(error);
    }
  }

  async function remove(rule: Rule) {
    if (!base) return;
    try {
      await api.delete(`${base}/rules/${rule.id}`);
      reload();
    } catch (error) {
      fail(error);
    }
  }

  function adopt(template: Rule) {
    if (template.condition.type === 'all' || template.condition.type === 'any') return;
    const c = template.condition as Partial<Record<string, number>> & { type: Kind; operator?: '>' | '<' };
    setDraft({
      ...emptyDraft,
      name: template.name,
      kind: c.type,
      operator: c.operator ?? '>',
      value: String(c.value ?? c.perHour ?? c.minutes ?? c.belowPercent ?? ''),
      hysteresis: String(c.hysteresis ?? 0),
      forMinutes: String((c.forSeconds ?? 0) / 60),
      severity: template.severity,
      taskTitle: (template.actions.task as { title?: string } | undefined)?.title ?? '',
    });
    document.getElementById('rule-name')?.focus();
  }

  async function testHistory() {
    if (!base || draft.datastreamIds.length === 0) return;
    const to = new Date();
    const from = new Date(to.getTime() - Math.max(1, Number(days) || 7) * 86_400_000);
    try {
      setHistory(
        await api.post<HistoryResult>(`${base}/rule-tests`, {
          condition: conditionOf(draft),
          from: from.toISOString(),
          to: to.toISOString(),
        }),
      );
    } catch (error) {
      fail(error);
    }
  }

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const streamName = (subject: string) => {
    const id = Number(subject.replace('datastream:', ''));
    const s = streams.status === 'ready' ? streams.data.datastreams.find((d) => d.id === id) : undefined;
    return s ? `${s.thingName} – ${s.name}` : subject;
  };
  const valueLabel = {
    threshold: t('rules.rules.value'),
    rate: t('rules.rules.perHour'),
    silent: t('rules.rules.silentMinutes'),
    battery: t('rules.rules.batteryBelow'),
  }[draft.kind];

  return (
    <Page heading={t('rules.rules.title')}>
      <p className="kern-body">{t('rules.rules.lead')}</p>
      <MunicipalitySelect
        label={t('rules.common.municipality')}
        municipalities={municipalities}
        value={municipalityId}
        onChange={setMunicipalityId}
      />
      <div aria-live="polite">
        {message && <Alert variant={message.ok ? 'success' : 'danger'} title={message.text} />}
      </div>
      <section aria-labelledby="rules-list" className="kern-stack-sm">
        <h2 id="rules-list" className="kern-heading-medium">
          {t('rules.rules.list')}
        </h2>
        {rules.status === 'loading' && <Loading />}
        {rules.status === 'error' && <Alert variant="danger" title={t('rules.common.loadFailed')} />}
        {rules.status === 'ready' &&
          (rules.data.rules.length === 0 ? (
            <p className="kern-body">{t('rules.common.none')}</p>
          ) : (
            <ul className="kern-stack-sm srp-list">
              {rules.data.rules.map((rule) => (
                <li key={rule.id} className="kern-card kern-card--small">
                  <div className="kern-card__container">
                    <div className="kern-card__header">
                      <h3 className="kern-title">{rule.name}</h3>
                    </div>
                    <div className="kern-card__body">
                      <p className="kern-body">
                        {t(
                          `rules.rules.types.${rule.condition.type === 'all' || rule.condition.type === 'any' ? 'threshold' : rule.condition.type}`,
                        )}{' '}
                        · {t(`rules.level.${rule.severity}`)} ·{' '}
                        {rule.enabled ? t('rules.rules.enabled') : t('rules.rules.disabled')}
                      </p>
                      {rule.description && <p className="kern-body kern-body--small">{rule.description}</p>}
                      <div className="srp-form__actions">
                        <button
                          type="button"
                          className="kern-btn kern-btn--secondary"
                          onClick={() => void toggle(rule)}
                        >
                          <span className="kern-label">
                            {rule.enabled ? t('rules.rules.disable') : t('rules.rules.enable')}
                            <span className="kern-sr-only">: {rule.name}</span>
                          </span>
                        </button>
                        <button
                          type="button"
                          className="kern-btn kern-btn--tertiary"
                          onClick={() => void remove(rule)}
                        >
                          <span className="kern-label">
                            {t('rules.rules.remove')}
                            <span className="kern-sr-only">: {rule.name}</span>
                          </span>
                        </button>
                      </div>
                    </div>
                  </div>
                </li>
              ))}
            </ul>
          ))}
        {rules.status === 'ready' && rules.data.templates.length > 0 && (
          <>
            <h3 className="kern-heading-small">{t('rules.rules.templates')}</h3>
            <ul className="kern-list">
              {rules.data.templates.map((template) => (
                <li key={template.id} className="kern-body">
                  {template.name} ({template.municipalityName}){' '}
                  <button
                    type="button"
                    className="kern-btn kern-btn--tertiary"
                    onClick={() => adopt(template)}
                  >
                    <span className="kern-label">
                      {t('rules.rules.useTemplate')}
                      <span className="kern-sr-only">: {template.name}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section aria-labelledby="rule-new" className="kern-stack-sm">
        <h2 id="rule-new" className="kern-heading-medium">
          {t('rules.rules.newRule')}
        </h2>
        <form onSubmit={(e) => void save(e)} className="kern-stack-sm srp-form">
          <TextField
            id="rule-name"
            label={t('rules.rules.name')}
            required
            minLength={3}
            value={draft.name}
            onChange={(e) => set('name', e.target.value)}
          />
          <div className="kern-form-input">
            <label className="kern-label" htmlFor="rule-kind">
              {t('rules.rules.type')}
            </label>
            <div className="kern-form-input__select-wrapper">
              <select
                id="rule-kind"
                className="kern-form-input__select"
                value={draft.kind}
                onChange={(e) => set('kind', e.target.value as Kind)}
              >
                {(['threshold', 'rate', 'silent', 'battery'] as const).map((k) => (
                  <option key={k} value={k}>
                    {t(`rules.rules.types.${k}`)}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <fieldset className="kern-fieldset">
            <legend className="kern-label">{t('rules.rules.datastreams')}</legend>
            <div className="kern-fieldset__body srp-checklist">
              {streams.status === 'ready' &&
                streams.data.datastreams.map((s) => (
                  <div className="kern-form-check" key={s.id}>
                    <input
                      className="kern-form-check__checkbox"
                      type="checkbox"
                      id={`rule-ds-${s.id}`}
                      checked={draft.datastreamIds.includes(s.id)}
                      onChange={(e) =>
                        set(
                          'datastreamIds',
                          e.target.checked
                            ? [...draft.datastreamIds, s.id]
                            : draft.datastreamIds.filter((id) => id !== s.id),
                        )
                      }
                    />
                    <label className="kern-label" htmlFor={`rule-ds-${s.id}`}>
                      {s.thingName} – {s.name}
                      {s.unit ? ` (${s.unit})` : ''}
                    </label>
                  </div>
                ))}
            </div>
          </fieldset>
          {(draft.kind === 'threshold' || draft.kind === 'rate') && (
            <div className="kern-form-input">
              <label className="kern-label" htmlFor="rule-operator">
                {t('rules.rules.operator')}
              </label>
              <div className="kern-form-input__select-wrapper">
                <select
                  id="rule-operator"
                  className="kern-form-input__select"
                  value={draft.operator}
                  onChange={(e) => set('operator', e.target.value as '>' | '<')}
                >
                  <option value=">">{t('rules.rules.above')}</option>
                  <option value="<">{t('rules.rules.below')}</option>
                </select>
              </div>
            </div>
          )}
          <TextField
            id="rule-value"
            label={valueLabel}
            inputMode="decimal"
            required
            value={draft.value}
            onChange={(e) => set('value', e.target.value)}
          />
          {(draft.kind === 'threshold' || draft.kind === 'rate') && (
            <TextField
              id="rule-hysteresis"
              label={t('rules.rules.hysteresis')}
              inputMode="decimal"
              value={draft.hysteresis}
              onChange={(e) => set('hysteresis', e.target.value)}
            />
          )}
          {draft.kind === 'threshold' && (
            <TextField
              id="rule-for"
              label={t('rules.rules.forMinutes')}
              inputMode="numeric"
              value={draft.forMinutes}
              onChange={(e) => set('forMinutes', e.target.value)}
            />
          )}
          <div className="kern-form-input">
            <label className="kern-label" htmlFor="rule-severity">
              {t('rules.rules.severity')}
            </label>
            <div className="kern-form-input__select-wrapper">
              <select
                id="rule-severity"
                className="kern-form-input__select"
                value={draft.severity}
                onChange={(e) => set('severity', e.target.value as Draft['severity'])}
              >
                {LEVELS.map((l) => (
                  <option key={l} value={l}>
                    {t(`rules.level.${l}`)}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <TextField
            id="rule-task"
            label={t('rules.rules.taskTitle')}
            value={draft.taskTitle}
            onChange={(e) => set('taskTitle', e.target.value)}
          />
          <TextField
            id="rule-emails"
            label={t('rules.rules.emails')}
            type="text"
            inputMode="email"
            value={draft.emails}
            onChange={(e) => set('emails', e.target.value)}
          />
          <TextField
            id="rule-warning"
            label={t('rules.rules.warningTitle')}
            value={draft.warningTitle}
            onChange={(e) => set('warningTitle', e.target.value)}
          />
          {draft.warningTitle && (
            <TextField
              id="rule-warning-text"
              label={t('rules.rules.warningText')}
              value={draft.warningText}
              onChange={(e) => set('warningText', e.target.value)}
            />
          )}
          <div className="srp-form__actions">
            <button type="submit" className="kern-btn kern-btn--primary">
              <span className="kern-label">{t('rules.rules.save')}</span>
            </button>
          </div>
        </form>
      </section>

      <section aria-labelledby="rule-history" className="kern-stack-sm">
        <h2 id="rule-history" className="kern-heading-medium">
          {t('rules.rules.history')}
        </h2>
        <p className="kern-body">{t('rules.rules.historyLead')}</p>
        <TextField
          id="rule-days"
          label={t('rules.rules.days')}
          inputMode="numeric"
          value={days}
          onChange={(e) => setDays(e.target.value)}
        />
        <div className="srp-form__actions">
          <button
            type="button"
            className="kern-btn kern-btn--secondary"
            onClick={() => void testHistory()}
            aria-disabled={draft.datastreamIds.length === 0 || undefined}
          >
            <span className="kern-label">{t('rules.rules.runTest')}</span>
          </button>
        </div>
        <div aria-live="polite">
          {history && (
            <>
              <p className="kern-body" data-testid="history-result">
                {t('rules.rules.testResult', { count: history.observations, alerts: history.alerts.length })}
              </p>
              <ul className="kern-list">
                {history.alerts.slice(0, 50).map((a) => (
                  <li key={`${a.subject}-${a.openedAt}`} className="kern-body">
                    {streamName(a.subject)}: {t('rules.rules.opened')} {formatTime(a.openedAt, 'de')} (
                    {a.value}),{' '}
                    {a.resolvedAt
                      ? `${t('rules.rules.resolved')} ${formatTime(a.resolvedAt, 'de')}`
                      : t('rules.rules.stillOpen')}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </section>
    </Page>
  );
}
