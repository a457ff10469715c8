// /verwaltung/aufgaben: the crew's work list on the phone. Open tasks grouped by municipality; those with
// a location in route order (nearest neighbour from the team's depot, or from the person's location when
// shared), each with a link that opens the spot in the phone's map app; the rest below. "Erledigt"
// closes the task and so its alert. The depot of a team can be set here.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { SelectField, TextField } from '../../layout/forms.js';
import { Loading } from '../../layout/Loading.js';
import { Page } from '../../page.js';
import { useJson, useReload, useStaffMunicipalities, type StaffMunicipality } from './shared.js';

interface TaskItem {
  id: string;
  municipalityId: string;
  title: string;
  description: string;
  status: string;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  source: { type: string; id: string };
  location: { latitude: number; longitude: number; label: string | null } | null;
}

interface RouteStart {
  latitude: number;
  longitude: number;
  label: string | null;
  source: 'given' | 'depot' | 'centre';
}

type Here = { latitude: number; longitude: number };

export default function WorkListPage() {
  const { t } = useTranslation();
  const municipalities = useStaffMunicipalities();
  const [version, reload] = useReload();
  const [here, setHere] = useState<Here | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  function locate() {
    navigator.geolocation?.getCurrentPosition((p) =>
      setHere({ latitude: p.coords.latitude, longitude: p.coords.longitude }),
    );
  }

  async function complete(task: TaskItem) {
    setProblem(null);
    try {
      await api.post(`/api/work/tasks/${task.id}/complete`, {});
      setDone(t('rules.tasks.doneConfirm', { title: task.title }));
      reload();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  }

  return (
    <Page heading={t('rules.tasks.title')}>
      <p className="kern-body">{t('rules.tasks.lead')}</p>
      <div className="srp-form__actions">
        <button type="button" className="kern-btn kern-btn--secondary" onClick={locate}>
          <span className="kern-icon kern-icon--small kern-icon--location-on" aria-hidden="true" />
          <span className="kern-label">{t('rules.tasks.useLocation')}</span>
        </button>
        {here && (
          <button type="button" className="kern-btn kern-btn--tertiary" onClick={() => setHere(null)}>
            <span className="kern-label">{t('rules.tasks.useDepot')}</span>
          </button>
        )}
      </div>
      <div aria-live="polite">{done && <Alert variant="success" title={done} />}</div>
      {problem && (
        <Alert variant="danger" title={t('rules.common.saveFailed', { message: problem })} role="alert" />
      )}
      {municipalities.map((m) => (
        <MunicipalityTasks
          key={m.id}
          municipality={m}
          here={here}
          version={version}
          onDone={complete}
          onDepotSaved={reload}
        />
      ))}
    </Page>
  );
}

function MunicipalityTasks({
  municipality,
  here,
  version,
  onDone,
  onDepotSaved,
}: {
  municipality: StaffMunicipality;
  here: Here | null;
  version: number;
  onDone: (task: TaskItem) => Promise<void>;
  onDepotSaved: () => void;
}) {
  const { t } = useTranslation();
  const tasks = useJson<{ tasks: TaskItem[] }>(
    `/api/work/tasks?municipalityId=${municipality.id}&limit=200`,
    version,
  );
  const from = here
    ? `?depotLatitude=${here.latitude.toFixed(5)}&depotLongitude=${here.longitude.toFixed(5)}`
    : '';
  const route = useJson<{ start: RouteStart | null; stops: { task: TaskItem; legMetres: number }[] }>(
    `/api/municipalities/${municipality.id}/work-route${from}`,
    version,
  );
  if (tasks.status === 'loading') return <Loading />;
  if (tasks.status === 'error') return <Alert variant="danger" title={t('rules.common.loadFailed')} />;
  const unlocated = tasks.data.tasks.filter((task) => !task.location);
  const headingId = `tasks-${municipality.id}`;
  const start = route.status === 'ready' ? route.data.start : null;
  return (
    <section aria-labelledby={headingId} className="kern-stack-sm">
      <h2 id={headingId} className="kern-heading-medium">
        {municipality.name}
      </h2>
      {tasks.data.tasks.length === 0 && <p className="kern-body">{t('rules.common.none')}</p>}
      {route.status === 'ready' && route.data.stops.length > 0 && start && (
        <>
          <h3 className="kern-heading-small">{t('rules.tasks.route')}</h3>
          <p className="kern-body kern-body--small" data-testid={`route-start-${municipality.id}`}>
            {t('rules.tasks.depot', {
              where:
                start.source === 'given'
                  ? t('rules.tasks.depotHere')
                  : start.source === 'depot'
                    ? (start.label ?? t('rules.tasks.depotStored'))
                    : t('rules.tasks.depotCentre'),
            })}
          </p>
          <ol className="srp-worklist kern-stack-sm">
            {route.data.stops.map(({ task, legMetres }) => (
              <TaskCard key={task.id} task={task} leg={legMetres} onDone={onDone} />
            ))}
          </ol>
        </>
      )}
      {unlocated.length > 0 && (
        <>
          <h3 className="kern-heading-small">{t('rules.tasks.withoutLocation')}</h3>
          <ul className="srp-worklist kern-stack-sm">
            {unlocated.map((task) => (
              <TaskCard key={task.id} task={task} onDone={onDone} />
            ))}
          </ul>
        </>
      )}
      <DepotForm municipality={municipality} here={here} onSaved={onDepotSaved} />
    </section>
  );
}

/** Sets where a team's round starts: typed coordinates or the phone's position. */
function DepotForm({
  municipality,
  here,
  onSaved,
}: {
  municipality: StaffMunicipality;
  here: Here | null;
  onSaved: () => void;
}) {
  const { t } = useTranslation();
  const base = `/api/municipalities/${municipality.id}`;
  const teams = useJson<{ orgUnits: { id: string; name: string }[] }>(`${base}/org-units`);
  const [teamId, setTeamId] = useState('');
  const [latitude, setLatitude] = useState('');
  const [longitude, setLongitude] = useState('');
  const [label, setLabel] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string | null>(null);
  if (teams.status !== 'ready' || teams.data.orgUnits.length === 0) return null;
  const team = teamId || teams.data.orgUnits[0]!.id;
  const id = (name: string) => `depot-${municipality.id}-${name}`;

  async function save(event: FormEvent) {
    event.preventDefault();
    const lat = Number(latitude.replace(',', '.'));
    const lon = Number(longitude.replace(',', '.'));
    const found: Record<string, string> = {};
    if (!latitude.trim() || !(Math.abs(lat) <= 90)) found.latitude = t('rules.tasks.depotLatitudeError');
    if (!longitude.trim() || !(Math.abs(lon) <= 180)) found.longitude = t('rules.tasks.depotLongitudeError');
    setErrors(found);
    setSaved(null);
    if (Object.keys(found).length > 0) return;
    try {
      await api.put(`${base}/work-depots/${team}`, {
        latitude: lat,
        longitude: lon,
        ...(label.trim() ? { label: label.trim() } : {}),
      });
      setSaved(t('rules.tasks.depotSaved'));
      onSaved();
    } catch (error) {
      setErrors({ form: error instanceof ApiError ? error.message : String(error) });
    }
  }

  return (
    <details className="srp-depot">
      <summary className="kern-body">{t('rules.tasks.depotSet')}</summary>
      <form noValidate onSubmit={(e) => void save(e)} className="kern-stack-sm srp-form">
        <SelectField
          id={id('team')}
          label={t('rules.tasks.team')}
          value={team}
          onChange={setTeamId}
          options={teams.data.orgUnits.map((u) => [u.id, u.name] as const)}
        />
        <TextField
          id={id('latitude')}
          label={t('rules.tasks.depotLatitude')}
          inputMode="decimal"
          value={latitude}
          error={errors.latitude}
          onChange={(e) => setLatitude(e.target.value)}
        />
        <TextField
          id={id('longitude')}
          label={t('rules.tasks.depotLongitude')}
          inputMode="decimal"
          value={longitude}
          error={errors.longitude}
          onChange={(e) => setLongitude(e.target.value)}
        />
        <TextField
          id={id('label')}
          label={t('rules.tasks.depotLabel')}
          value={label}
          onChange={(e) => setLabel(e.target.value)}
        />
        <div className="srp-form__actions">
          {here && (
            <button
              type="button"
              className="kern-btn kern-btn--secondary"
              onClick={() => {
                setLatitude(here.latitude.toFixed(5));
                setLongitude(here.longitude.toFixed(5));
              }}
            >
              <span className="kern-label">{t('rules.tasks.depotFromHere')}</span>
            </button>
          )}
          <button type="submit" className="kern-btn kern-btn--primary">
            <span className="kern-label">{t('rules.tasks.depotSave')}</span>
          </button>
        </div>
        <div aria-live="polite">
          {saved && <Alert variant="success" title={saved} />}
          {errors.form && (
            <Alert variant="danger" title={t('rules.common.saveFailed', { message: errors.form })} />
          )}
        </div>
      </form>
    </details>
  );
}

function TaskCard({
  task,
  leg,
  onDone,
}: {
  task: TaskItem;
  leg?: number;
  onDone: (task: TaskItem) => Promise<void>;
}) {
  const { t } = useTranslation();
  return (
    <li className="kern-card kern-card--small srp-task">
      <div className="kern-card__container">
        <div className="kern-card__header">
          <h4 className="kern-title">{task.title}</h4>
        </div>
        <div className="kern-card__body">
          {task.location?.label && <p className="kern-body">{task.location.label}</p>}
          {task.description && <p className="kern-body kern-body--small">{task.description}</p>}
          <p className="kern-body kern-body--small">
            {t(`rules.tasks.priority.${task.priority}`)}
            {leg !== undefined && ` · ${t('rules.tasks.leg', { metres: leg })}`}
            {task.source.type === 'alert' && ` · ${t('rules.tasks.source')}`}
          </p>
          <div className="srp-form__actions">
            <button type="button" className="kern-btn kern-btn--primary" onClick={() => void onDone(task)}>
              <span className="kern-icon kern-icon--small kern-icon--check" aria-hidden="true" />
              <span className="kern-label">
                {t('rules.tasks.done')}
                <span className="kern-sr-only">: {task.title}</span>
              </span>
            </button>
            {task.location && (
              // geo: opens the phone's map app (RFC 5870); the label becomes the pin's name.
              <a
                className="kern-link"
                href={`geo:${task.location.latitude},${task.location.longitude}?q=${task.location.latitude},${task.location.longitude}(${encodeURIComponent(task.location.label ?? task.title)})`}
              >
                {t('rules.tasks.openMap')}
                <span className="kern-sr-only">: {task.title}</span>
              </a>
            )}
          </div>
        </div>
      </div>
    </li>
  );
}
