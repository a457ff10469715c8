// One dashboard tile: current values (with band as text and pattern, never colour alone), "last
// updated", a chart over a chosen time range with a data table, and the share/embed snippet.
import {
  TIME_RANGES,
  type PublicTile,
  type PublicTileDatastream,
  type TileBand,
  type TimeRange,
} from '@srp/contracts';
import { memo, useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  bandFor,
  formatDate,
  formatNumber,
  formatTime,
  numericValue,
  trendOf,
  useAggregates,
  type Bucket,
  type LatestValue,
} from './data.js';
import { Chart } from './Chart.js';
import './dashboard.css';

export type Localised = { de: string; en: string };
export const pick = (text: Localised, language: string) =>
  (language.startsWith('en') ? text.en : text.de) || text.de;

interface TileCardProps {
  tile: PublicTile;
  values: ReadonlyMap<number, LatestValue>;
  share?: boolean;
  headingLevel?: 2 | 3;
}

/** Only a tile whose own values changed re-renders: a live update touches one tile, not the whole page. */
function sameTileValues(before: TileCardProps, after: TileCardProps): boolean {
  return (
    before.tile === after.tile &&
    before.share === after.share &&
    before.headingLevel === after.headingLevel &&
    after.tile.datastreams.every((d) => before.values.get(d.id) === after.values.get(d.id))
  );
}

export const TileCard = memo(TileCardView, sameTileValues);

function TileCardView({ tile, values, share = true, headingLevel = 3 }: TileCardProps) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const title = pick(tile.title, language);
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const times = tile.datastreams
    .map((d) => values.get(d.id)?.time)
    .filter((v): v is string => typeof v === 'string')
    .sort();
  const newest = times[times.length - 1];

  return (
    <article className="kern-card srp-tile" aria-labelledby={`tile-${tile.id}`} data-testid="tile">
      <div className="kern-card__container kern-stack-sm">
        <header className="kern-stack-xs">
          <Heading id={`tile-${tile.id}`} className="kern-heading-small">
            {title}
          </Heading>
          <p className="kern-body kern-body--small srp-muted">
            {tile.municipalityName}
            {pick(tile.description, language) ? ` · ${pick(tile.description, language)}` : ''}
          </p>
        </header>
        <TileValues tile={tile} values={values} />
        <p className="kern-body kern-body--small srp-muted" data-testid="last-updated">
          {newest
            ? t('dashboard.lastUpdated', { time: formatTime(newest, language) })
            : t('dashboard.noValue')}
        </p>
        {(tile.chartType === 'line' || tile.chartType === 'bar') &&
          tile.datastreams.map((d) => <TileChart key={d.id} tile={tile} datastream={d} title={title} />)}
        {tile.bands.length > 0 && <BandLegend bands={tile.bands} unit={tile.datastreams[0]?.unit ?? null} />}
        {share && <ShareBox tile={tile} />}
      </div>
    </article>
  );
}

function valueText(value: number | null, unit: string | null, language: string): string {
  if (value === null) return '–';
  const shownUnit = unit && unit !== '1' ? ` ${unit}` : '';
  return `${formatNumber(value, language)}${shownUnit}`;
}

function TileValues({ tile, values }: { tile: PublicTile; values: ReadonlyMap<number, LatestValue> }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const rows = tile.datastreams.map((d) => {
    const value = numericValue(values.get(d.id)?.value);
    return { d, value, band: bandFor(value, tile.bands) };
  });
  if (tile.chartType === 'fill')
    return (
      <ul className="srp-fill-list">
        {rows.map(({ d, value, band }) => (
          <li key={d.id} className="kern-stack-xs" data-testid="fill-item">
            <span className="kern-body kern-body--bold">{d.name}</span>
            <span className="srp-meter" aria-hidden="true">
              <span
                className={`srp-meter__bar srp-pattern--${band?.level ?? 'normal'}`}
                style={{ width: `${Math.max(0, Math.min(100, value ?? 0))}%`, backgroundColor: band?.color }}
              />
            </span>
            <span className="kern-body">
              {t('dashboard.fillLevel')}: {valueText(value, d.unit, language)}
              {band ? ` – ${pick(band.label, language)}` : ''}
            </span>
          </li>
        ))}
      </ul>
    );
  if (tile.chartType === 'spaces')
    return (
      <ul className="srp-value-list">
        {rows.map(({ d, value }) => (
          <li key={d.id} className="srp-value">
            <span className="kern-body">{d.name}</span>
            <span className="srp-value__number" data-testid="value">
              {value === null ? '–' : t('dashboard.free', { count: formatNumber(value, language, 0) })}
            </span>
          </li>
        ))}
      </ul>
    );
  return (
    <ul className="srp-value-list">
      {rows.map(({ d, value, band }) => (
        <li key={d.id} className="srp-value">
          <span className="kern-body">{d.name}</span>
          <span className="srp-value__number" data-testid="value" data-datastream={d.id}>
            {valueText(value, d.unit, language)}
          </span>
          {band && (
            <span className={`srp-band srp-pattern--${band.level}`} style={{ borderColor: band.color }}>
              {pick(band.label, language)}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

const SHORT_DATE: Intl.DateTimeFormatOptions = { dateStyle: 'short' };
const WEEKDAY_TIME: Intl.DateTimeFormatOptions = { weekday: 'short', hour: '2-digit', minute: '2-digit' };

function TileChart({
  tile,
  datastream,
  title,
}: {
  tile: PublicTile;
  datastream: PublicTileDatastream;
  title: string;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const [range, setRange] = useState<TimeRange>(tile.defaultRange);
  const aggregates = useAggregates(datastream.id, range);
  const selectId = useId();
  const longRange = range === '30d' || range === '1y';
  const tick = (iso: string) => formatDate(iso, language, longRange ? SHORT_DATE : WEEKDAY_TIME);
  const label = `${title}${tile.datastreams.length > 1 ? ` – ${datastream.name}` : ''}`;
  const trend = aggregates.status === 'ready' ? trendOf(aggregates.data) : null;

  return (
    <div className="kern-stack-xs">
      <div className="srp-chart-head">
        <label htmlFor={selectId} className="kern-label">
          {t('dashboard.range')}
        </label>
        <select
          id={selectId}
          className="kern-form-input__select srp-range"
          value={range}
          onChange={(e) => setRange(e.target.value as TimeRange)}
        >
          {TIME_RANGES.map((r) => (
            <option key={r} value={r}>
              {t(`dashboard.ranges.${r}`)}
            </option>
          ))}
        </select>
        {trend && (
          <span className="kern-body kern-body--small" data-testid="trend">
            {t('dashboard.trendLabel', {
              trend: t(
                trend === 'up'
                  ? 'dashboard.trendUp'
                  : trend === 'down'
                    ? 'dashboard.trendDown'
                    : 'dashboard.trendSteady',
              ),
            })}
            {trend === 'up' ? ' ↗' : trend === 'down' ? ' ↘' : ' →'}
          </span>
        )}
      </div>
      {aggregates.status === 'loading' && <div className="srp-chart-placeholder" aria-hidden="true" />}
      {aggregates.status === 'error' && <p className="kern-body">{t('dashboard.chartLoadFailed')}</p>}
      {aggregates.status === 'ready' &&
        (aggregates.data.length === 0 ? (
          <p className="kern-body">{t('dashboard.chartEmpty')}</p>
        ) : (
          <>
            <Chart
              buckets={aggregates.data}
              bands={tile.bands}
              kind={tile.chartType === 'bar' ? 'bar' : 'line'}
              label={t('dashboard.chartLabel', { title: label, range: t(`dashboard.ranges.${range}`) })}
              format={(v) => formatNumber(v, language)}
              formatTick={tick}
              bandLabel={(b) => pick(b.label, language)}
            />
            <BucketTable buckets={aggregates.data} label={label} unit={datastream.unit} />
          </>
        ))}
    </div>
  );
}

/**
 * A closed <details> whose content is built the first time someone opens it (and kept after that). A
 * dashboard has dozens of these (tables of up to a few hundred rows, share boxes); building them all while
 * the page loads would cost a phone time for things nobody has asked to see yet.
 */
function LazyDetails({ summary, children }: { summary: string; children: () => ReactNode }) {
  const [opened, setOpened] = useState(false);
  return (
    <details className="srp-details" onToggle={(event) => event.currentTarget.open && setOpened(true)}>
      <summary className="kern-body">{summary}</summary>
      {opened && children()}
    </details>
  );
}

/** The chart's numbers as a table, the text alternative to the chart. */
function BucketTable({
  buckets,
  label,
  unit,
}: {
  buckets: readonly Bucket[];
  label: string;
  unit: string | null;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  return (
    <LazyDetails summary={t('dashboard.table')}>
      {() => (
        <div className="srp-table-scroll">
          <table className="kern-table kern-table--small">
            <caption className="kern-body kern-body--small">
              {t('dashboard.tableCaption', { title: label })}
            </caption>
            <thead className="kern-table__head">
              <tr className="kern-table__row">
                <th scope="col" className="kern-table__header">
                  {t('dashboard.time')}
                </th>
                <th scope="col" className="kern-table__header">
                  {t('dashboard.average')}
                  {unit && unit !== '1' ? ` (${unit})` : ''}
                </th>
                <th scope="col" className="kern-table__header">
                  {t('dashboard.minimum')}
                </th>
                <th scope="col" className="kern-table__header">
                  {t('dashboard.maximum')}
                </th>
              </tr>
            </thead>
            <tbody className="kern-table__body">
              {[...buckets].reverse().map((b) => (
                <tr key={b.start} className="kern-table__row">
                  <th scope="row" className="kern-table__cell">
                    {formatTime(b.start, language)}
                  </th>
                  <td className="kern-table__cell">{formatNumber(b.avg, language)}</td>
                  <td className="kern-table__cell">{formatNumber(b.min, language)}</td>
                  <td className="kern-table__cell">{formatNumber(b.max, language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </LazyDetails>
  );
}

function BandLegend({ bands, unit }: { bands: readonly TileBand[]; unit: string | null }) {
  const { t, i18n } = useTranslation();
  const n = (v: number) => `${formatNumber(v, i18n.language)}${unit && unit !== '1' ? ` ${unit}` : ''}`;
  return (
    <div className="kern-stack-xs">
      <p className="kern-body kern-body--small kern-body--bold">{t('dashboard.bands')}</p>
      <ul className="srp-legend">
        {bands.map((band, i) => (
          <li key={i} className="kern-body kern-body--small">
            <span
              className={`srp-swatch srp-pattern--${band.level}`}
              style={{ backgroundColor: band.color }}
              aria-hidden="true"
            />
            {pick(band.label, i18n.language)}:{' '}
            {band.from !== null && band.to !== null
              ? t('dashboard.between', { from: n(band.from), to: n(band.to) })
              : band.from !== null
                ? t('dashboard.from', { value: n(band.from) })
                : band.to !== null
                  ? t('dashboard.below', { value: n(band.to) })
                  : ''}
          </li>
        ))}
      </ul>
    </div>
  );
}

function ShareBox({ tile }: { tile: PublicTile }) {
  const { t } = useTranslation();
  const linkId = useId();
  const codeId = useId();
  const [copied, setCopied] = useState(false);
  const origin = window.location.origin;
  const link = `${origin}/dashboard/kachel/${tile.id}`;
  const code = `<iframe src="${origin}/dashboard/embed/tile/${tile.id}" title="${pick(tile.title, 'de').replaceAll('"', '&quot;')}" width="100%" height="420" style="border:0" loading="lazy"></iframe>`;
  return (
    <LazyDetails summary={t('dashboard.share')}>
      {() => (
        <div className="kern-stack-xs srp-share">
          <label htmlFor={linkId} className="kern-label">
            {t('dashboard.shareLink')}
          </label>
          <input id={linkId} className="kern-form-input__input" readOnly value={link} />
          <label htmlFor={codeId} className="kern-label">
            {t('dashboard.embedCode')}
          </label>
          <textarea id={codeId} className="kern-form-input__input srp-code" readOnly rows={3} value={code} />
          <div>
            <button
              type="button"
              className="kern-btn kern-btn--secondary"
              onClick={() => {
                void navigator.clipboard?.writeText(code).then(() => setCopied(true));
              }}
            >
              <span className="kern-label">{t('dashboard.copy')}</span>
            </button>
            <span role="status" className="kern-body kern-body--small">
              {copied ? ` ${t('dashboard.copied')}` : ''}
            </span>
          </div>
        </div>
      )}
    </LazyDetails>
  );
}
