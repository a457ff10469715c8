// A small SVG chart of rollup buckets (line or bars) with the tile's warning bands behind it. Drawn by
// hand instead of a chart library: a few hundred bytes instead of tens of kilobytes on a slow phone.
// The chart is an image with a text alternative; the same numbers are in the table beside it.
import type { TileBand } from '@srp/contracts';
import type { Bucket } from './data.js';

const W = 400;
const H = 180;
const PAD = { left: 44, right: 8, top: 8, bottom: 22 };

export function Chart({
  buckets,
  bands,
  kind,
  label,
  format,
  formatTick,
  bandLabel,
}: {
  buckets: readonly Bucket[];
  bands: readonly TileBand[];
  kind: 'line' | 'bar';
  label: string;
  format: (value: number) => string;
  formatTick: (iso: string) => string;
  bandLabel: (band: TileBand) => string;
}) {
  const values = buckets.map((b) => b.avg);
  const finiteBounds = bands.flatMap((b) => [b.from, b.to]).filter((v): v is number => v !== null);
  let min = Math.min(...values, ...(kind === 'bar' ? [0] : []));
  let max = Math.max(...values);
  // Show the nearest band edges so a reader sees how far a level is from the next band.
  for (const edge of finiteBounds)
    if (edge <= max * 1.3 && edge >= min - Math.abs(min) * 0.3) {
      min = Math.min(min, edge);
      max = Math.max(max, edge);
    }
  if (min === max) {
    min -= 1;
    max += 1;
  }
  const span = max - min;
  min -= span * 0.05;
  max += span * 0.05;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (buckets.length <= 1 ? plotW / 2 : (i / (buckets.length - 1)) * plotW);
  const y = (v: number) => PAD.top + plotH - ((v - min) / (max - min)) * plotH;
  const clampY = (v: number) => Math.max(PAD.top, Math.min(PAD.top + plotH, y(v)));

  const path = values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
  const barWidth = Math.max(1, plotW / Math.max(1, buckets.length) - 1);

  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="srp-chart" role="img" aria-label={label}>
      {bands.map((band, i) => {
        const top = clampY(band.to ?? max);
        const bottom = clampY(band.from ?? min);
        if (bottom - top <= 0) return null;
        return (
          <g key={i}>
            <rect x={PAD.left} y={top} width={plotW} height={bottom - top} fill={band.color} opacity={0.12} />
            <text x={W - PAD.right - 2} y={top + 11} textAnchor="end" className="srp-chart__band">
              {bandLabel(band)}
            </text>
          </g>
        );
      })}
      <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={PAD.top + plotH} className="srp-chart__axis" />
      <line
        x1={PAD.left}
        x2={W - PAD.right}
        y1={PAD.top + plotH}
        y2={PAD.top + plotH}
        className="srp-chart__axis"
      />
      <text x={PAD.left - 4} y={PAD.top + 10} textAnchor="end" className="srp-chart__tick">
        {format(max)}
      </text>
      <text x={PAD.left - 4} y={PAD.top + plotH} textAnchor="end" className="srp-chart__tick">
        {format(min)}
      </text>
      {buckets.length > 0 && (
        <>
          <text x={PAD.left} y={H - 4} className="srp-chart__tick">
            {formatTick(buckets[0]!.start)}
          </text>
          <text x={W - PAD.right} y={H - 4} textAnchor="end" className="srp-chart__tick">
            {formatTick(buckets[buckets.length - 1]!.start)}
          </text>
        </>
      )}
      {kind === 'line' ? (
        <path d={path} className="srp-chart__line" />
      ) : (
        values.map((v, i) => (
          <rect
            key={i}
            x={x(i) - barWidth / 2}
            y={Math.min(y(v), y(Math.max(0, min)))}
            width={barWidth}
            height={Math.abs(y(Math.max(0, min)) - y(v))}
            className="srp-chart__bar"
          />
        ))
      )}
    </svg>
  );
}
