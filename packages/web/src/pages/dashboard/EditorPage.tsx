// `/verwaltung/dashboard`: staff create, order, configure, preview, publish and withdraw tiles and see
// each tile's history. The public keeps seeing the last published version until the next publish.
import {
  BAND_LEVELS,
  CHART_TYPES,
  FIELDS_OF_ACTION,
  TIME_RANGES,
  type PublicTile,
  type StaffTile,
  type TileBand,
  type TileConfig,
  type TileDatastreamOption,
  type TileHistoryEntry,
} from '@srp/contracts';
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { Loading } from '../../layout/Loading.js';
import { MunicipalitySelect } from '../../layout/MunicipalitySelect.js';
import { Page } from '../../page.js';
import { formatTime, useLatestValues } from './data.js';
import { pick, TileCard } from './TileCard.js';

interface Municipality {
  id: string;
  name: string;
}

export function useStaffMunicipality() {
  const [municipalities, setMunicipalities] = useState<Municipality[] | null>(null);
  const [selected, setSelected] = useState<string>('');
  useEffect(() => {
    api.get<{ municipalities: Municipality[] }>('/api/municipalities').then(
      (answer) => {
        setMunicipalities(answer.municipalities);
        setSelected((current) => current || answer.municipalities[0]?.id || '');
      },
      () => setMunicipalities([]),
    );
  }, []);
  return { municipalities, selected, setSelected };
}

const emptyDraft = (): TileConfig => ({
  fieldOfAction: 'weather',
  chartType: 'value',
  datastreamIds: [],
  title: { de: '', en: '' },
  description: { de: '', en: '' },
  bands: [],
  defaultRange: '24h',
});

export default function EditorPage() {
  const { t, i18n } = useTranslation();
  const { municipalities, selected, setSelected } = useStaffMunicipality();
  const [tiles, setTiles] = useState<StaffTile[] | null>(null);
  const [options, setOptions] = useState<TileDatastreamOption[]>([]);
  const [editing, setEditing] = useState<{ id: string | null; draft: TileConfig; onRegion: boolean } | null>(
    null,
  );
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [history, setHistory] = useState<{ id: string; entries: TileHistoryEntry[] } | null>(null);
  const base = `/api/municipalities/${selected}/dashboard`;

  const reload = useCallback(async () => {
    if (!selected) return;
    const [list, streams] = await Promise.all([
      api.get<{ tiles: StaffTile[] }>(`${base}/tiles`),
      api.get<{ datastreams: TileDatastreamOption[] }>(`${base}/datastreams`),
    ]);
    setTiles(list.tiles);
    setOptions(streams.datastreams);
  }, [base, selected]);

  useEffect(() => {
    setTiles(null);
    setEditing(null);
    reload().catch(() => setTiles([]));
  }, [reload]);

  async function run(action: () => Promise<unknown>, success: string) {
    try {
      await action();
      setMessage({ ok: true, text: success });
      await reload();
    } catch (error) {
      setMessage({
        ok: false,
        text: t('dashboard.editor.failed', {
          message: error instanceof ApiError ? error.message : String(error),
        }),
      });
    }
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!editing) return;
    const body = { draft: editing.draft, onRegion: editing.onRegion };
    await run(async () => {
      if (editing.id) await api.put(`${base}/tiles/${editing.id}`, body);
      else await api.post(`${base}/tiles`, body);
      setEditing(null);
    }, t('dashboard.editor.saved'));
  }

  async function move(index: number, by: -1 | 1) {
    if (!tiles) return;
    const ids = tiles.map((tile) => tile.id);
    const [moved] = ids.splice(index, 1);
    ids.splice(index + by, 0, moved!);
    await run(() => api.put(`${base}/order`, { tileIds: ids }), t('dashboard.editor.saved'));
  }

  async function showHistory(id: string) {
    const answer = await api.get<{ history: TileHistoryEntry[] }>(`${base}/tiles/${id}/history`);
    setHistory({ id, entries: answer.history });
  }

  if (municipalities === null) return <Loading />;
  return (
    <Page heading={t('dashboard.editor.title')}>
      <p className="kern-body">{t('dashboard.editor.lead')}</p>
      {municipalities.length === 0 && <Alert variant="info" title={t('dashboard.editor.noMunicipality')} />}
      <MunicipalitySelect
        label={t('dashboard.editor.municipality')}
        municipalities={municipalities}
        value={selected}
        onChange={setSelected}
      />
      <div role="status">
        {message && <Alert variant={message.ok ? 'success' : 'danger'} title={message.text} />}
      </div>
      {!editing && selected && (
        <div>
          <button
            type="button"
            className="kern-btn kern-btn--primary"
            onClick={() => setEditing({ id: null, draft: emptyDraft(), onRegion: false })}
          >
            <span className="kern-label">{t('dashboard.editor.newTile')}</span>
          </button>
        </div>
      )}
      {editing && (
        <TileForm
          value={editing}
          options={options}
          onChange={setEditing}
          onSubmit={(event) => void save(event)}
          onCancel={() => setEditing(null)}
          municipalityName={municipalities.find((m) => m.id === selected)?.name ?? ''}
        />
      )}
      <section aria-labelledby="tiles-heading" className="kern-stack-sm">
        <h2 id="tiles-heading" className="kern-heading-medium">
          {t('dashboard.editor.tiles')}
        </h2>
        {tiles === null ? (
          <Loading />
        ) : tiles.length === 0 ? (
          <p className="kern-body">{t('dashboard.editor.noTiles')}</p>
        ) : (
          <ol className="srp-editor-list">
            {tiles.map((tile, index) => {
              const title = pick(tile.draft.title, i18n.language);
              const status = !tile.published
                ? t('dashboard.editor.statusDraft')
                : tile.changed
                  ? t('dashboard.editor.statusChanged')
                  : t('dashboard.editor.statusPublished');
              return (
                <li key={tile.id} className="kern-card" data-testid="editor-tile">
                  <div className="kern-card__container kern-stack-xs">
                    <h3 className="kern-heading-small">{title}</h3>
                    <p className="kern-body kern-body--small">
                      {t(`dashboard.fields.${tile.draft.fieldOfAction}`)} ·{' '}
                      {t(`dashboard.editor.chartTypes.${tile.draft.chartType}`)} ·{' '}
                      {t('dashboard.editor.status')}: <strong>{status}</strong>
                    </p>
                    <div className="srp-actions">
                      <button
                        type="button"
                        className="kern-btn kern-btn--secondary"
                        onClick={() =>
                          setEditing({ id: tile.id, draft: tile.draft, onRegion: tile.onRegion })
                        }
                      >
                        <span className="kern-label">{t('dashboard.editor.edit')}</span>
                      </button>
                      <button
                        type="button"
                        className="kern-btn kern-btn--primary"
                        onClick={() =>
                          void run(
                            () => api.post(`${base}/tiles/${tile.id}/publish`),
                            t('dashboard.editor.statusPublished'),
                          )
                        }
                      >
                        <span className="kern-label">{t('dashboard.editor.publish')}</span>
                      </button>
                      {tile.published && (
                        <button
                          type="button"
                          className="kern-btn kern-btn--secondary"
                          onClick={() =>
                            void run(
                              () => api.post(`${base}/tiles/${tile.id}/withdraw`),
                              t('dashboard.editor.statusDraft'),
                            )
                          }
                        >
                          <span className="kern-label">{t('dashboard.editor.withdraw')}</span>
                        </button>
                      )}
                      <button
                        type="button"
                        className="kern-btn kern-btn--tertiary"
                        disabled={index === 0}
                        onClick={() => void move(index, -1)}
                        aria-label={t('dashboard.editor.moveUp', { title })}
                      >
                        <span className="kern-label">↑</span>
                      </button>
                      <button
                        type="button"
                        className="kern-btn kern-btn--tertiary"
                        disabled={index === tiles.length - 1}
                        onClick={() => void move(index, 1)}
                        aria-label={t('dashboard.editor.moveDown', { title })}
                      >
                        <span className="kern-label">↓</span>
                      </button>
                      <button
                        type="button"
                        className="kern-btn kern-btn--tertiary"
                        onClick={() => void showHistory(tile.id)}
                      >
                        <span className="kern-label">{t('dashboard.editor.history')}</span>
                      </button>
                      <button
                        type="button"
                        className="kern-btn kern-btn--tertiary"
                        onClick={() =>
                          void run(() => api.delete(`${base}/tiles/${tile.id}`), t('dashboard.editor.saved'))
                        }
                      >
                        <span className="kern-label">{t('dashboard.editor.delete')}</span>
                      </button>
                    </div>
                    {history?.id === tile.id && (
                      <ul className="kern-list kern-list--bullet" data-testid="history">
                        {history.entries.map((h, i) => (
                          <li key={i} className="kern-body kern-body--small">
                            {t('dashboard.editor.historyEntry', {
                              version: h.version,
                              action: t(`dashboard.editor.actions.${h.action}`),
                              actor: h.actor ?? '–',
                              time: formatTime(h.at, i18n.language),
                            })}
                          </li>
                        ))}
                      </ul>
                    )}
                  </div>
                </li>
              );
            })}
          </ol>
        )}
      </section>
    </Page>
  );
}

function TileForm({
  value,
  options,
  onChange,
  onSubmit,
  onCancel,
  municipalityName,
}: {
  value: { id: string | null; draft: TileConfig; onRegion: boolean };
  options: TileDatastreamOption[];
  onChange: (value: { id: string | null; draft: TileConfig; onRegion: boolean }) => void;
  onSubmit: (event: FormEvent) => void;
  onCancel: () => void;
  municipalityName: string;
}) {
  const { t } = useTranslation();
  const id = useId();
  const draft = value.draft;
  const set = (patch: Partial<TileConfig>) => onChange({ ...value, draft: { ...draft, ...patch } });
  const setBand = (index: number, patch: Partial<TileBand>) =>
    set({ bands: draft.bands.map((b, i) => (i === index ? { ...b, ...patch } : b)) });
  const { values } = useLatestValues(draft.datastreamIds);
  const preview: PublicTile = {
    id: value.id ?? 'preview',
    municipalityId: '',
    municipalityName,
    ...draft,
    datastreams: draft.datastreamIds.flatMap((d) => {
      const o = options.find((x) => x.id === d);
      return o ? [{ id: o.id, name: o.name, unit: o.unit, location: null }] : [];
    }),
    publishedAt: null,
  };
  const text = (key: 'title' | 'description', lang: 'de' | 'en', label: string) => (
    <div className="kern-form-input">
      <label className="kern-label" htmlFor={`${id}-${key}-${lang}`}>
        {label}
      </label>
      <input
        id={`${id}-${key}-${lang}`}
        className="kern-form-input__input"
        value={draft[key][lang]}
        required={key === 'title' && lang === 'de'}
        maxLength={500}
        onChange={(e) => set({ [key]: { ...draft[key], [lang]: e.target.value } })}
      />
    </div>
  );
  const select = <T extends string>(
    name: string,
    label: string,
    current: T,
    all: readonly T[],
    labelOf: (v: T) => string,
    onPick: (v: T) => void,
  ) => (
    <div className="kern-form-input">
      <label className="kern-label" htmlFor={`${id}-${name}`}>
        {label}
      </label>
      <select
        id={`${id}-${name}`}
        className="kern-form-input__select"
        value={current}
        onChange={(e) => onPick(e.target.value as T)}
      >
        {all.map((v) => (
          <option key={v} value={v}>
            {labelOf(v)}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <form onSubmit={onSubmit} className="kern-stack-sm srp-editor-form" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} className="kern-heading-medium">
        {value.id ? t('dashboard.editor.edit') : t('dashboard.editor.newTile')}
      </h2>
      {text('title', 'de', t('dashboard.editor.titleDe'))}
      {text('title', 'en', t('dashboard.editor.titleEn'))}
      {text('description', 'de', t('dashboard.editor.descriptionDe'))}
      {text('description', 'en', t('dashboard.editor.descriptionEn'))}
      {select(
        'field',
        t('dashboard.editor.fieldOfAction'),
        draft.fieldOfAction,
        FIELDS_OF_ACTION,
        (v) => t(`dashboard.fields.${v}`),
        (v) => set({ fieldOfAction: v }),
      )}
      {select(
        'chart',
        t('dashboard.editor.chartType'),
        draft.chartType,
        CHART_TYPES,
        (v) => t(`dashboard.editor.chartTypes.${v}`),
        (v) => set({ chartType: v }),
      )}
      {select(
        'range',
        t('dashboard.editor.defaultRange'),
        draft.defaultRange,
        TIME_RANGES,
        (v) => t(`dashboard.ranges.${v}`),
        (v) => set({ defaultRange: v }),
      )}
      <fieldset className="kern-fieldset">
        <legend className="kern-label">{t('dashboard.editor.datastreams')}</legend>
        <div className="kern-fieldset__body srp-checkbox-list">
          {options.map((o) => (
            <div key={o.id} className="kern-form-check">
              <input
                id={`${id}-ds-${o.id}`}
                type="checkbox"
                className="kern-form-check__checkbox"
                checked={draft.datastreamIds.includes(o.id)}
                onChange={(e) =>
                  set({
                    datastreamIds: e.target.checked
                      ? [...draft.datastreamIds, o.id]
                      : draft.datastreamIds.filter((x) => x !== o.id),
                  })
                }
              />
              <label htmlFor={`${id}-ds-${o.id}`} className="kern-label">
                {o.name}
                {o.unit && o.unit !== '1' ? ` (${o.unit})` : ''}
              </label>
            </div>
          ))}
        </div>
      </fieldset>
      <div className="kern-form-check">
        <input
          id={`${id}-region`}
          type="checkbox"
          className="kern-form-check__checkbox"
          checked={value.onRegion}
          onChange={(e) => onChange({ ...value, onRegion: e.target.checked })}
        />
        <label htmlFor={`${id}-region`} className="kern-label">
          {t('dashboard.editor.onRegion')}
        </label>
      </div>
      <fieldset className="kern-fieldset">
        <legend className="kern-label">{t('dashboard.editor.bandsLegend')}</legend>
        <div className="kern-fieldset__body kern-stack-sm">
          {draft.bands.map((band, i) => (
            <div key={i} className="srp-band-row" data-testid="band-row">
              {(['from', 'to'] as const).map((edge) => (
                <div key={edge} className="kern-form-input">
                  <label className="kern-label" htmlFor={`${id}-band-${i}-${edge}`}>
                    {t(edge === 'from' ? 'dashboard.editor.bandFrom' : 'dashboard.editor.bandTo')}
                  </label>
                  <input
                    id={`${id}-band-${i}-${edge}`}
                    type="number"
                    step="any"
                    className="kern-form-input__input"
                    value={band[edge] ?? ''}
                    onChange={(e) =>
                      setBand(i, { [edge]: e.target.value === '' ? null : Number(e.target.value) })
                    }
                  />
                </div>
              ))}
              {select(
                `band-${i}-level`,
                t('dashboard.editor.bandLevel'),
                band.level,
                BAND_LEVELS,
                (v) => t(`dashboard.editor.levels.${v}`),
                (v) => setBand(i, { level: v }),
              )}
              <div className="kern-form-input">
                <label className="kern-label" htmlFor={`${id}-band-${i}-color`}>
                  {t('dashboard.editor.bandColor')}
                </label>
                <input
                  id={`${id}-band-${i}-color`}
                  type="color"
                  className="srp-color"
                  value={band.color}
                  onChange={(e) => setBand(i, { color: e.target.value })}
                />
              </div>
              {(['de', 'en'] as const).map((lang) => (
                <div key={lang} className="kern-form-input">
                  <label className="kern-label" htmlFor={`${id}-band-${i}-${lang}`}>
                    {t(lang === 'de' ? 'dashboard.editor.bandLabelDe' : 'dashboard.editor.bandLabelEn')}
                  </label>
                  <input
                    id={`${id}-band-${i}-${lang}`}
                    className="kern-form-input__input"
                    value={band.label[lang]}
                    onChange={(e) => setBand(i, { label: { ...band.label, [lang]: e.target.value } })}
                  />
                </div>
              ))}
              <button
                type="button"
                className="kern-btn kern-btn--tertiary"
                onClick={() => set({ bands: draft.bands.filter((_, j) => j !== i) })}
              >
                <span className="kern-label">{t('dashboard.editor.removeBand')}</span>
              </button>
            </div>
          ))}
          <div>
            <button
              type="button"
              className="kern-btn kern-btn--secondary"
              onClick={() =>
                set({
                  bands: [
                    ...draft.bands,
                    { from: null, to: null, level: 'normal', color: '#1b7a3a', label: { de: '', en: '' } },
                  ],
                })
              }
            >
              <span className="kern-label">{t('dashboard.editor.addBand')}</span>
            </button>
          </div>
        </div>
      </fieldset>
      <section aria-labelledby={`${id}-preview`} className="kern-stack-xs" data-testid="preview">
        <h3 id={`${id}-preview`} className="kern-heading-small">
          {t('dashboard.editor.preview')}
        </h3>
        {preview.datastreams.length > 0 ? (
          <TileCard tile={preview} values={values} share={false} />
        ) : (
          <p className="kern-body">–</p>
        )}
      </section>
      <div className="srp-actions">
        <button type="submit" className="kern-btn kern-btn--primary">
          <span className="kern-label">{t('dashboard.editor.save')}</span>
        </button>
        <button type="button" className="kern-btn kern-btn--secondary" onClick={onCancel}>
          <span className="kern-label">{t('dashboard.editor.cancel')}</span>
        </button>
      </div>
    </form>
  );
}
