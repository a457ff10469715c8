// /verwaltung/regeln: the municipality's rules (edit, switch on/off, delete), templates shared in the
// region, and the editor: one or more conditions (AND/OR, on one or several Datastreams), a schedule,
// damping, measures, and the test against stored history before the rule is switched on.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { CheckboxField, ErrorSummary, SelectField, type SummaryItem, TextField } from '../../layout/forms.js';
import { Loading } from '../../layout/Loading.js';
import { Page } from '../../page.js';
import { MunicipalitySelect } from '../../layout/MunicipalitySelect.js';
import { formatTime, useJson, useReload, useStaffMunicipalities } from './shared.js';
import {
  DAYS,
  LEVELS,
  conditionOf,
  describeCondition,
  draftOf,
  emptyDraft,
  emptyLeaf,
  requestOf,
  validate,
  type Draft,
  type Kind,
  type LeafDraft,
  type Rule,
} from './rule-draft.js';

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

export default function RulesPage() {
  const { t, i18n } = useTranslation();
  const municipalities = useStaffMunicipalities();
  const [municipalityId, setMunicipalityId] = useState(municipalities[0]?.id ?? '');
  const [version, reload] = useReload();
  const base = municipalityId ? `/api/municipalities/${municipalityId}` : null;
  const rules = useJson<{ rules: Rule[]; templates: Rule[] }>(base && `${base}/rules`, version);
  const streams = useJson<{ datastreams: Datastream[] }>(base && `${base}/rule-datastreams`);
  const teams = useJson<{ orgUnits: { id: string; name: string }[] }>(base && `${base}/org-units`);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [errors, setErrors] = useState<SummaryItem[]>([]);
  const summary = useRef<HTMLDivElement>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [days, setDays] = useState('7');
  const [history, setHistory] = useState<HistoryResult | null>(null);

  useEffect(() => {
    if (!municipalityId && municipalities[0]) setMunicipalityId(municipalities[0].id);
  }, [municipalities, municipalityId]);
  useEffect(() => {
    if (errors.length > 0) summary.current?.focus();
  }, [errors]);

  const fail = (error: unknown) =>
    setMessage({
      ok: false,
      text: t('rules.common.saveFailed', {
        message: error instanceof ApiError ? error.message : String(error),
      }),
    });
  const errorOf = (fieldId: string) => errors.find((e) => e.fieldId === fieldId)?.message;

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!base) return;
    const found = validate(draft, t);
    setErrors(found);
    if (found.length > 0) return;
    try {
      if (draft.id) await api.put(`${base}/rules/${draft.id}`, requestOf(draft));
      else await api.post(`${base}/rules`, requestOf(draft));
      setMessage({ ok: true, text: t('rules.rules.saved') });
      setDraft(emptyDraft);
      setHistory(null);
      reload();
    } catch (error) {
      fail(error);
    }
  }

  async function toggle(rule: Rule) {
    if (!base) return;
    try {
      await api.put(`${base}/rules/${rule.id}`, {
        ...requestOf(draftOf(rule, true)),
        enabled: !rule.enabled,
      });
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

  function edit(rule: Rule, own: boolean) {
    setDraft(draftOf(rule, own));
    setErrors([]);
    setHistory(null);
    document.getElementById('rule-name')?.focus();
  }

  async function testHistory() {
    if (!base) return;
    const found = validate(draft, t).filter((e) => e.fieldId?.startsWith('rule-c'));
    setErrors(found);
    if (found.length > 0) return;
    const to = new Date();
    const from = new Date(to.getTime() - Math.max(1, Number(days) || 7) * 86_400_000);
    try {
      setHistory(
        await api.post<HistoryResult>(`${base}/rule-tests`, {
          condition: conditionOf(draft),
          ...(draft.scheduled ? { schedule: requestOf(draft).schedule } : {}),
          from: from.toISOString(),
          to: to.toISOString(),
        }),
      );
    } catch (error) {
      fail(error);
    }
  }

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const setLeaf = (index: number, change: Partial<LeafDraft>) =>
    setDraft((d) => ({ ...d, leaves: d.leaves.map((l, i) => (i === index ? { ...l, ...change } : l)) }));
  const streamName = (subject: string) => {
    const id = Number(subject.replace('datastream:', ''));
    const s = streams.status === 'ready' ? streams.data.datastreams.find((d) => d.id === id) : undefined;
    return s ? `${s.thingName} – ${s.name}` : subject === 'rule' ? t('rules.rules.wholeRule') : subject;
  };
  const valueLabel = (kind: Kind) =>
    ({
      threshold: t('rules.rules.value'),
      rate: t('rules.rules.perHour'),
      silent: t('rules.rules.silentMinutes'),
      battery: t('rules.rules.batteryBelow'),
    })[kind];
  const select = (
    id: string,
    label: string,
    value: string,
    onChange: (value: string) => void,
    options: [string, string][],
  ) => <SelectField id={id} label={label} value={value} onChange={onChange} options={options} />;
  const fieldsetError = (id: string) => {
    const error = errorOf(id);
    return error ? (
      <p className="kern-error" id={`${id}-error`}>
        <span className="kern-icon kern-icon--danger" aria-hidden="true" />
        <span className="kern-body">{error}</span>
      </p>
    ) : null;
  };

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
                        {describeCondition(rule, t, streamName)} · {t(`rules.level.${rule.severity}`)} ·{' '}
                        {rule.enabled ? t('rules.rules.enabled') : t('rules.rules.disabled')}
                        {rule.shared && ` · ${t('rules.rules.sharedBadge')}`}
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
                          className="kern-btn kern-btn--secondary"
                          onClick={() => edit(rule, true)}
                        >
                          <span className="kern-label">
                            {t('rules.rules.edit')}
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
            <p className="kern-body kern-body--small">{t('rules.rules.templatesLead')}</p>
            <ul className="kern-list">
              {rules.data.templates.map((template) => (
                <li key={template.id} className="kern-body">
                  {template.name} ({template.municipalityName}): {describeCondition(template, t)}{' '}
                  <button
                    type="button"
                    className="kern-btn kern-btn--tertiary"
                    onClick={() => edit(template, false)}
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
          {draft.id ? t('rules.rules.editRule', { name: draft.name }) : t('rules.rules.newRule')}
        </h2>
        {errors.length > 0 && (
          <ErrorSummary
            ref={summary}
            title={t('rules.rules.fix')}
            items={errors}
            messageIdPrefix="rule-errors"
          />
        )}
        <form noValidate onSubmit={(e) => void save(e)} className="kern-stack-sm srp-form">
          <TextField
            id="rule-name"
            label={t('rules.rules.name')}
            required
            minLength={3}
            value={draft.name}
            error={errorOf('rule-name')}
            onChange={(e) => set('name', e.target.value)}
          />
          {draft.leaves.length > 1 &&
            select(
              'rule-combine',
              t('rules.rules.combine'),
              draft.combine,
              (v) => set('combine', v as 'all'),
              [
                ['all', t('rules.rules.combineAll')],
                ['any', t('rules.rules.combineAny')],
              ],
            )}
          {draft.leaves.map((leaf, i) => {
            const id = `rule-c${i}`;
            return (
              <fieldset key={i} className="kern-fieldset srp-condition">
                <legend className="kern-label">{t('rules.rules.condition', { number: i + 1 })}</legend>
                <div className="kern-fieldset__body kern-stack-sm">
                  {select(
                    `${id}-kind`,
                    t('rules.rules.type'),
                    leaf.kind,
                    (v) => setLeaf(i, { kind: v as Kind }),
                    (['threshold', 'rate', 'silent', 'battery'] as const).map((k) => [
                      k,
                      t(`rules.rules.types.${k}`),
                    ]),
                  )}
                  <fieldset
                    className="kern-fieldset"
                    id={`${id}-ds`}
                    tabIndex={-1}
                    aria-describedby={errorOf(`${id}-ds`) ? `${id}-ds-error` : undefined}
                  >
                    <legend className="kern-label">{t('rules.rules.datastreams')}</legend>
                    {fieldsetError(`${id}-ds`)}
                    <div className="kern-fieldset__body srp-checklist">
                      {streams.status === 'ready' &&
                        streams.data.datastreams.map((s) => (
                          <div className="kern-form-check" key={s.id}>
                            <input
                              className="kern-form-check__checkbox"
                              type="checkbox"
                              id={`${id}-ds-${s.id}`}
                              checked={leaf.datastreamIds.includes(s.id)}
                              onChange={(e) =>
                                setLeaf(i, {
                                  datastreamIds: e.target.checked
                                    ? [...leaf.datastreamIds, s.id]
                                    : leaf.datastreamIds.filter((d) => d !== s.id),
                                })
                              }
                            />
                            <label className="kern-label" htmlFor={`${id}-ds-${s.id}`}>
                              {s.thingName} – {s.name}
                              {s.unit ? ` (${s.unit})` : ''}
                            </label>
                          </div>
                        ))}
                    </div>
                  </fieldset>
                  {(leaf.kind === 'threshold' || leaf.kind === 'rate') &&
                    select(
                      `${id}-operator`,
                      t('rules.rules.operator'),
                      leaf.operator,
                      (v) => setLeaf(i, { operator: v as '>' }),
                      [
                        ['>', leaf.kind === 'rate' ? t('rules.rules.rising') : t('rules.rules.above')],
                        ['<', leaf.kind === 'rate' ? t('rules.rules.falling') : t('rules.rules.below')],
                      ],
                    )}
                  <TextField
                    id={`${id}-value`}
                    label={valueLabel(leaf.kind)}
                    inputMode="decimal"
                    required
                    value={leaf.value}
                    error={errorOf(`${id}-value`)}
                    onChange={(e) => setLeaf(i, { value: e.target.value })}
                  />
                  {(leaf.kind === 'threshold' || leaf.kind === 'rate') && (
                    <TextField
                      id={`${id}-hysteresis`}
                      label={t('rules.rules.hysteresis')}
                      inputMode="decimal"
                      value={leaf.hysteresis}
                      error={errorOf(`${id}-hysteresis`)}
                      onChange={(e) => setLeaf(i, { hysteresis: e.target.value })}
                    />
                  )}
                  {leaf.kind === 'threshold' && (
                    <TextField
                      id={`${id}-for`}
                      label={t('rules.rules.forMinutes')}
                      inputMode="numeric"
                      value={leaf.forMinutes}
                      error={errorOf(`${id}-for`)}
                      onChange={(e) => setLeaf(i, { forMinutes: e.target.value })}
                    />
                  )}
                  {draft.leaves.length > 1 && (
                    <div className="srp-form__actions">
                      <button
                        type="button"
                        className="kern-btn kern-btn--tertiary"
                        onClick={() =>
                          set(
                            'leaves',
                            draft.leaves.filter((_, j) => j !== i),
                          )
                        }
                      >
                        <span className="kern-label">
                          {t('rules.rules.removeCondition', { number: i + 1 })}
                        </span>
                      </button>
                    </div>
                  )}
                </div>
              </fieldset>
            );
          })}
          {draft.leaves.length < 10 && (
            <div className="srp-form__actions">
              <button
                type="button"
                className="kern-btn kern-btn--secondary"
                onClick={() => set('leaves', [...draft.leaves, emptyLeaf])}
              >
                <span className="kern-label">{t('rules.rules.addCondition')}</span>
              </button>
            </div>
          )}

          <fieldset className="kern-fieldset">
            <legend className="kern-label">{t('rules.rules.schedule')}</legend>
            <div className="kern-fieldset__body kern-stack-sm">
              <CheckboxField
                id="rule-scheduled"
                label={t('rules.rules.scheduled')}
                checked={draft.scheduled}
                onChange={(checked) => set('scheduled', checked)}
              />
              {draft.scheduled && (
                <>
                  <fieldset
                    className="kern-fieldset"
                    id="rule-days"
                    tabIndex={-1}
                    aria-describedby={errorOf('rule-days') ? 'rule-days-error' : undefined}
                  >
                    <legend className="kern-label">{t('rules.rules.weekdays')}</legend>
                    {fieldsetError('rule-days')}
                    <div className="kern-fieldset__body srp-checklist">
                      {DAYS.map((day) => (
                        <div className="kern-form-check" key={day}>
                          <input
                            className="kern-form-check__checkbox"
                            type="checkbox"
                            id={`rule-day-${day}`}
                            checked={draft.days.includes(day)}
                            onChange={(e) =>
                              set(
                                'days',
                                e.target.checked
                                  ? [...draft.days, day].sort()
                                  : draft.days.filter((d) => d !== day),
                              )
                            }
                          />
                          <label className="kern-label" htmlFor={`rule-day-${day}`}>
                            {t(`rules.rules.day.d${day}`)}
                          </label>
                        </div>
                      ))}
                    </div>
                  </fieldset>
                  <TextField
                    id="rule-from"
                    type="time"
                    label={t('rules.rules.from')}
                    value={draft.from}
                    error={errorOf('rule-from')}
                    onChange={(e) => set('from', e.target.value)}
                  />
                  <TextField
                    id="rule-to"
                    type="time"
                    label={t('rules.rules.to')}
                    value={draft.to}
                    error={errorOf('rule-to')}
                    onChange={(e) => set('to', e.target.value)}
                  />
                </>
              )}
            </div>
          </fieldset>

          <section aria-labelledby="rule-history" className="kern-stack-sm">
            <h3 id="rule-history" className="kern-heading-small">
              {t('rules.rules.history')}
            </h3>
            <p className="kern-body">{t('rules.rules.historyLead')}</p>
            <TextField
              id="rule-history-days"
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
              >
                <span className="kern-label">{t('rules.rules.runTest')}</span>
              </button>
            </div>
            <div aria-live="polite">
              {history && (
                <>
                  <p className="kern-body" data-testid="history-result">
                    {t('rules.rules.testResult', {
                      count: history.observations,
                      alerts: history.alerts.length,
                    })}
                  </p>
                  <ul className="kern-list">
                    {history.alerts.slice(0, 50).map((a) => (
                      <li key={`${a.subject}-${a.openedAt}`} className="kern-body">
                        {streamName(a.subject)}: {t('rules.rules.opened')}{' '}
                        {formatTime(a.openedAt, i18n.language)} ({a.value}),{' '}
                        {a.resolvedAt
                          ? `${t('rules.rules.resolved')} ${formatTime(a.resolvedAt, i18n.language)}`
                          : t('rules.rules.stillOpen')}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </div>
          </section>

          {select(
            'rule-severity',
            t('rules.rules.severity'),
            draft.severity,
            (v) => set('severity', v as 'minor'),
            [...LEVELS.map((l): [string, string] => [l, t(`rules.level.${l}`)])],
          )}
          <TextField
            id="rule-damping"
            label={t('rules.rules.damping')}
            inputMode="numeric"
            value={draft.dampingMinutes}
            error={errorOf('rule-damping')}
            onChange={(e) => set('dampingMinutes', e.target.value)}
          />
          <fieldset className="kern-fieldset">
            <legend className="kern-label">{t('rules.rules.measures')}</legend>
            <div className="kern-fieldset__body kern-stack-sm">
              <TextField
                id="rule-task"
                label={t('rules.rules.taskTitle')}
                value={draft.taskTitle}
                error={errorOf('rule-task')}
                onChange={(e) => set('taskTitle', e.target.value)}
              />
              {draft.taskTitle &&
                teams.status === 'ready' &&
                select('rule-team', t('rules.rules.team'), draft.teamId, (v) => set('teamId', v), [
                  ['', t('rules.rules.noTeam')],
                  ...teams.data.orgUnits.map((u): [string, string] => [u.id, u.name]),
                ])}
              <TextField
                id="rule-emails"
                label={t('rules.rules.emails')}
                type="text"
                inputMode="email"
                value={draft.emails}
                error={errorOf('rule-emails')}
                onChange={(e) => set('emails', e.target.value)}
              />
              <TextField
                id="rule-warning"
                label={t('rules.rules.warningTitle')}
                value={draft.warningTitle}
                error={errorOf('rule-warning')}
                onChange={(e) => set('warningTitle', e.target.value)}
              />
              {draft.warningTitle && (
                <>
                  <TextField
                    id="rule-warning-text"
                    label={t('rules.rules.warningText')}
                    value={draft.warningText}
                    onChange={(e) => set('warningText', e.target.value)}
                  />
                  <TextField
                    id="rule-warning-radius"
                    label={t('rules.rules.warningRadius')}
                    inputMode="numeric"
                    value={draft.warningRadius}
                    error={errorOf('rule-warning-radius')}
                    onChange={(e) => set('warningRadius', e.target.value)}
                  />
                </>
              )}
            </div>
          </fieldset>
          <CheckboxField
            id="rule-shared"
            label={t('rules.rules.shared')}
            checked={draft.shared}
            onChange={(checked) => set('shared', checked)}
          />
          <p className="kern-body kern-body--small">{t('rules.rules.savedOff')}</p>
          <div className="srp-form__actions">
            <button type="submit" className="kern-btn kern-btn--primary">
              <span className="kern-label">{t('rules.rules.save')}</span>
            </button>
            {(draft.id || draft.name) && (
              <button
                type="button"
                className="kern-btn kern-btn--tertiary"
                onClick={() => {
                  setDraft(emptyDraft);
                  setErrors([]);
                }}
              >
                <span className="kern-label">{t('rules.rules.cancel')}</span>
              </button>
            )}
          </div>
        </form>
      </section>
    </Page>
  );
}
