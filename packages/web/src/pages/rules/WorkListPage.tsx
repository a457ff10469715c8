// /verwaltung/aufgaben: the crew's work list on the phone. Open tasks grouped by municipality; those with
// a location in route order (nearest neighbour from the starting point: the person's location when
// shared, else the centre of the tasks), the rest below. "Erledigt" closes the task and so its alert.
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
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

type Depot = { latitude: number; longitude: number; here: boolean };

export default function WorkListPage() {
  const { t } = useTranslation();
  const municipalities = useStaffMunicipalities();
  const [version, reload] = useReload();
  const [here, setHere] = useState<Depot | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  function locate() {
    navigator.geolocation?.getCurrentPosition((p) =>
      setHere({ latitude: p.coords.latitude, longitude: p.coords.longitude, here: true }),
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
      </div>
      <div aria-live="polite">{done && <Alert variant="success" title={done} />}</div>
      {problem && (
        <Alert variant="danger" title={t('rules.common.saveFailed', { message: problem })} role="alert" />
      )}
      {municipalities.map((m) => (
        <MunicipalityTasks key={m.id} municipality={m} depot={here} version={version} onDone={complete} />
      ))}
    </Page>
  );
}

function MunicipalityTasks({
  municipality,
  depot,
  version,
  onDone,
}: {
  municipality: StaffMunicipality;
  depot: Depot | null;
  version: number;
  onDone: (task: TaskItem) => Promise<void>;
}) {
  const { t } = useTranslation();
  const tasks = useJson<{ tasks: TaskItem[] }>(
    `/api/work/tasks?municipalityId=${municipality.id}&limit=200`,
    version,
  );
  const located = tasks.status === 'ready' ? tasks.data.tasks.filter((task) => task.location) : [];
  const start = useMemo<Depot | null>(() => {
    if (depot) return depot;
    if (located.length === 0) return null;
    const lat = located.reduce((s, task) => s + task.location!.latitude, 0) / located.length;
    const lon = located.reduce((s, task) => s + task.location!.longitude, 0) / located.length;
    return { latitude: lat, longitude: lon, here: false };
  }, [depot, located]);
  const route = useJson<{ stops: { task: TaskItem; legMetres: number }[] }>(
    start && located.length > 0
      ? `/api/municipalities/${municipality.id}/work-route?depotLatitude=${start.latitude.toFixed(5)}&depotLongitude=${start.longitude.toFixed(5)}`
      : null,
    version,
  );
  if (tasks.status === 'loading') return <Loading />;
  if (tasks.status === 'error') return <Alert variant="danger" title={t('rules.common.loadFailed')} />;
  const unlocated = tasks.data.tasks.filter((task) => !task.location);
  const headingId = `tasks-${municipality.id}`;
  return (
    <section aria-labelledby={headingId} className="kern-stack-sm">
      <h2 id={headingId} className="kern-heading-medium">
        {municipality.name}
      </h2>
      {tasks.data.tasks.length === 0 && <p className="kern-body">{t('rules.common.none')}</p>}
      {route.status === 'ready' && route.data.stops.length > 0 && start && (
        <>
          <h3 className="kern-heading-small">{t('rules.tasks.route')}</h3>
          <p className="kern-body kern-body--small">
            {t('rules.tasks.depot', {
              where: start.here ? t('rules.tasks.depotHere') : t('rules.tasks.depotCentre'),
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
    </section>
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
              <a className="kern-link" href={`geo:${task.location.latitude},${task.location.longitude}`}>
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
