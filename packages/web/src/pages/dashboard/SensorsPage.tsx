// `/verwaltung/sensoren`: every sensor of the municipality with its health (last seen, battery, radio
// signal), its current values (published or not) and the data held in quarantine.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { Loading } from '../../layout/Loading.js';
import { Page } from '../../page.js';
import { formatNumber, formatTime, type LatestValue } from './data.js';
import { MunicipalitySelect } from '../../layout/MunicipalitySelect.js';
import { useStaffMunicipality } from './EditorPage.js';
import './dashboard.css';

interface Device {
  id: number;
  name: string;
  profile: string;
  status: 'active' | 'disabled';
  datastreams: Record<string, number>;
  health: {
    lastSeenAt: string | null;
    batteryMv: number | null;
    batteryPercent: number | null;
    rssi: number | null;
    snr: number | null;
    lastError: string | null;
  };
}

interface QuarantineEntry {
  id: number;
  devEui: string | null;
  reason: string;
  detail: string;
  receivedAt: string;
}

/** A device that has not reported for this long is shown as "not reporting". */
const STALE_MS = 6 * 3_600_000;

export default function SensorsPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const { municipalities, selected, setSelected } = useStaffMunicipality();
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [quarantine, setQuarantine] = useState<QuarantineEntry[]>([]);
  const [latest, setLatest] = useState(new Map<number, LatestValue>());

  useEffect(() => {
    if (!selected) return;
    let active = true;
    setDevices(null);
    const base = `/api/municipalities/${selected}`;
    Promise.all([
      api.get<{ devices: Device[] }>(`${base}/devices`),
      api
        .get<{ entries: QuarantineEntry[] }>(`${base}/sensor-quarantine?status=open`)
        .catch(() => ({ entries: [] })),
      api
        .get<{ datastreams: LatestValue[] }>(`/api/sensors/latest?municipality=${selected}`)
        .catch(() => ({ datastreams: [] })),
    ]).then(
      ([d, q, l]) => {
        if (!active) return;
        setDevices(d.devices);
        setQuarantine(q.entries);
        setLatest(new Map(l.datastreams.map((v) => [v.id, v])));
      },
      () => active && setDevices([]),
    );
    return () => {
      active = false;
    };
  }, [selected]);

  if (municipalities === null) return <Loading />;
  return (
    <Page heading={t('dashboard.sensors.title')}>
      <p className="kern-body">{t('dashboard.sensors.lead')}</p>
      {municipalities.length === 0 && <Alert variant="info" title={t('dashboard.editor.noMunicipality')} />}
      <MunicipalitySelect
        label={t('dashboard.editor.municipality')}
        municipalities={municipalities}
        value={selected}
        onChange={setSelected}
      />
      <section aria-labelledby="devices-heading" className="kern-stack-sm">
        <h2 id="devices-heading" className="kern-heading-medium">
          {t('dashboard.sensors.devices')}
        </h2>
        {devices === null ? (
          <Loading />
        ) : devices.length === 0 ? (
          <p className="kern-body">{t('dashboard.sensors.noDevices')}</p>
        ) : (
          <div className="srp-table-scroll srp-table-scroll--tall">
            <table className="kern-table kern-table--small" data-testid="devices">
              <thead className="kern-table__head">
                <tr className="kern-table__row">
                  {(['name', 'status', 'lastSeen', 'battery', 'signal', 'latest'] as const).map((c) => (
                    <th key={c} scope="col" className="kern-table__header">
                      {t(`dashboard.sensors.${c}`)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="kern-table__body">
                {devices.map((d) => {
                  const seen = d.health.lastSeenAt;
                  const status =
                    d.status === 'disabled'
                      ? t('dashboard.sensors.disabled')
                      : !seen || Date.now() - Date.parse(seen) > STALE_MS
                        ? t('dashboard.sensors.stale')
                        : t('dashboard.sensors.healthy');
                  return (
                    <tr key={d.id} className="kern-table__row">
                      <th scope="row" className="kern-table__cell">
                        {d.name}
                        <br />
                        <span className="kern-body--small srp-muted">{d.profile}</span>
                      </th>
                      <td className="kern-table__cell">{status}</td>
                      <td className="kern-table__cell">
                        {seen ? formatTime(seen, language) : t('dashboard.sensors.never')}
                      </td>
                      <td className="kern-table__cell">
                        {d.health.batteryPercent !== null
                          ? `${formatNumber(d.health.batteryPercent, language, 0)} %`
                          : d.health.batteryMv !== null
                            ? `${formatNumber(d.health.batteryMv / 1000, language, 2)} V`
                            : '–'}
                      </td>
                      <td className="kern-table__cell">
                        {d.health.rssi !== null ? `RSSI ${d.health.rssi} dBm` : '–'}
                        {d.health.snr !== null ? `, SNR ${formatNumber(d.health.snr, language)} dB` : ''}
                      </td>
                      <td className="kern-table__cell">
                        {Object.entries(d.datastreams)
                          .map(([field, id]) => {
                            const v = latest.get(id);
                            return typeof v?.value === 'number'
                              ? `${field}: ${formatNumber(v.value, language)}${v.unit && v.unit !== '1' ? ` ${v.unit}` : ''}`
                              : null;
                          })
                          .filter(Boolean)
                          .join(' · ') || '–'}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="quarantine-heading" className="kern-stack-sm">
        <h2 id="quarantine-heading" className="kern-heading-medium">
          {t('dashboard.sensors.quarantine')}
        </h2>
        <p className="kern-body">{t('dashboard.sensors.quarantineLead')}</p>
        {quarantine.length === 0 ? (
          <p className="kern-body">{t('dashboard.sensors.noQuarantine')}</p>
        ) : (
          <ul className="kern-list kern-list--bullet" data-testid="quarantine">
            {quarantine.map((q) => (
              <li key={q.id} className="kern-body">
                {formatTime(q.receivedAt, language)} · {q.devEui ?? '–'} · {t('dashboard.sensors.reason')}:{' '}
                {q.reason}
                {q.detail ? ` (${q.detail})` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
    </Page>
  );
}
