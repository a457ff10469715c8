// Back office: what citizens can report in a municipality and where it goes. Categories (name, team
// they are routed to, active or not) and the municipality boundary that routes reports by location
// (a GeoJSON polygon, shown on the map).
import { lazy, Suspense, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { CheckboxField, TextField } from '../../layout/forms.js';
import { Loading } from '../../layout/Loading.js';
import { MunicipalitySelect } from '../../layout/MunicipalitySelect.js';
import { Page } from '../../page.js';
import { useSession } from '../../session.js';
import { LoadGate, useLoad } from './shared.js';

const ReportMap = lazy(() => import('./ReportMap.js'));

interface Category {
  id: string;
  code: string;
  name: string;
  description: string;
  teamId: string | null;
  active: boolean;
}

interface Boundaries {
  type: 'FeatureCollection';
  features: { id: string; geometry: unknown; properties: { name: string } }[];
}

type Message = { ok: boolean; text: string } | null;

export default function StaffCategoriesPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const municipalities = new Map<string, string>();
  for (const role of session.roles)
    if (role.municipality && role.role === 'municipal_admin')
      municipalities.set(role.municipality.id, role.municipality.name);
  const options = [...municipalities.entries()].map(([id, name]) => ({ id, name }));
  const [municipalityId, setMunicipalityId] = useState(options[0]?.id ?? '');

  return (
    <Page heading={t('participation.staff.categories')}>
      <p className="kern-body kern-body--large">{t('participation.staff.categoriesLead')}</p>
      {options.length === 0 ? (
        <Alert variant="info" role="status" title={t('participation.staff.noAdminRole')} />
      ) : (
        <>
          <MunicipalitySelect
            label={t('participation.staff.scope')}
            municipalities={options}
            value={municipalityId}
            onChange={setMunicipalityId}
          />
          <Categories key={`c-${municipalityId}`} municipalityId={municipalityId} />
          <Boundary key={`b-${municipalityId}`} municipalityId={municipalityId} />
        </>
      )}
    </Page>
  );
}

function Categories({ municipalityId }: { municipalityId: string }) {
  const { t } = useTranslation();
  const categories = useLoad<{ categories: Category[] }>(
    `/api/municipalities/${municipalityId}/report-categories`,
  );
  const teams = useLoad<{ orgUnits: { id: string; name: string }[] }>(
    `/api/municipalities/${municipalityId}/org-units`,
  );
  const [editing, setEditing] = useState<Category | null>(null);
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [teamId, setTeamId] = useState('');
  const [active, setActive] = useState(true);
  const [message, setMessage] = useState<Message>(null);

  function edit(c: Category | null) {
    setEditing(c);
    setCode(c?.code ?? '');
    setName(c?.name ?? '');
    setDescription(c?.description ?? '');
    setTeamId(c?.teamId ?? '');
    setActive(c?.active ?? true);
    setMessage(null);
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    try {
      await api.put(`/api/municipalities/${municipalityId}/report-categories/${encodeURIComponent(code)}`, {
        name: name.trim(),
        description: description.trim(),
        teamId: teamId || null,
        active,
      });
      setMessage({ ok: true, text: t('participation.staff.saved') });
      categories.reload();
    } catch (error) {
      setMessage({ ok: false, text: error instanceof ApiError ? error.message : t('errors.generic') });
    }
  }

  const teamName = (id: string | null) =>
    (teams.status === 'ready' && teams.data.orgUnits.find((u) => u.id === id)?.name) ||
    t('participation.staff.noTeam');

  return (
    <section aria-labelledby="categories-heading" className="kern-stack-sm">
      <h2 id="categories-heading" className="kern-heading-medium">
        {t('participation.staff.categoryList')}
      </h2>
      <LoadGate state={categories} />
      {categories.status === 'ready' && (
        <table className="kern-table">
          <thead className="kern-table__head">
            <tr className="kern-table__row">
              <th scope="col" className="kern-table__header">
                {t('participation.staff.categoryName')}
              </th>
              <th scope="col" className="kern-table__header">
                {t('participation.staff.team')}
              </th>
              <th scope="col" className="kern-table__header">
                {t('participation.staff.publishState')}
              </th>
              <th scope="col" className="kern-table__header">
                <span className="kern-sr-only">{t('participation.staff.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody className="kern-table__body">
            {categories.data.categories.map((c) => (
              <tr key={c.id} className="kern-table__row">
                <td className="kern-table__cell">{c.name}</td>
                <td className="kern-table__cell">{teamName(c.teamId)}</td>
                <td className="kern-table__cell">
                  {c.active ? t('participation.staff.active') : t('participation.staff.inactive')}
                </td>
                <td className="kern-table__cell">
                  <button type="button" className="kern-btn kern-btn--tertiary" onClick={() => edit(c)}>
                    <span className="kern-label">{t('participation.staff.edit', { title: c.name })}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="kern-stack-sm srp-form" onSubmit={(e) => void save(e)}>
        <h3 className="kern-heading-small">
          {editing
            ? t('participation.staff.edit', { title: editing.name })
            : t('participation.staff.newCategory')}
        </h3>
        {message && (
          <Alert
            variant={message.ok ? 'success' : 'danger'}
            role={message.ok ? 'status' : 'alert'}
            title={message.text}
          />
        )}
        {!editing && (
          <TextField
            id="category-code"
            label={t('participation.staff.categoryCode')}
            value={code}
            required
            pattern="[a-z0-9][a-z0-9_\-]{0,62}"
            onChange={(e) => setCode(e.target.value)}
          />
        )}
        <TextField
          id="category-name"
          label={t('participation.staff.categoryName')}
          value={name}
          required
          minLength={2}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
        />
        <TextField
          id="category-description"
          label={t('participation.staff.categoryDescription')}
          value={description}
          maxLength={1000}
          onChange={(e) => setDescription(e.target.value)}
        />
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="category-team">
            {t('participation.staff.team')}
          </label>
          <div className="kern-form-input__select-wrapper">
            <select
              id="category-team"
              className="kern-form-input__select"
              value={teamId}
              onChange={(e) => setTeamId(e.target.value)}
            >
              <option value="">{t('participation.staff.noTeam')}</option>
              {teams.status === 'ready' &&
                teams.data.orgUnits.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
            </select>
          </div>
        </div>
        <CheckboxField
          id="category-active"
          label={t('participation.staff.active')}
          checked={active}
          onChange={setActive}
        />
        <div className="srp-actions">
          <button type="submit" className="kern-btn kern-btn--primary">
            <span className="kern-label">{t('participation.staff.save')}</span>
          </button>
          {editing && (
            <button type="button" className="kern-btn kern-btn--secondary" onClick={() => edit(null)}>
              <span className="kern-label">{t('participation.staff.newCategory')}</span>
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

/** The first Polygon or MultiPolygon of a GeoJSON geometry, Feature or FeatureCollection. */
function polygonOf(json: unknown): unknown {
  const value = json as { type?: string; geometry?: unknown; features?: unknown[] } | null;
  if (!value || typeof value !== 'object') return null;
  if (value.type === 'Polygon' || value.type === 'MultiPolygon') return value;
  if (value.type === 'Feature') return polygonOf(value.geometry);
  if (value.type === 'FeatureCollection')
    for (const feature of value.features ?? []) {
      const found = polygonOf(feature);
      if (found) return found;
    }
  return null;
}

function Boundary({ municipalityId }: { municipalityId: string }) {
  const { t } = useTranslation();
  const all = useLoad<Boundaries>('/api/public/boundaries');
  const [message, setMessage] = useState<Message>(null);
  const own =
    all.status === 'ready'
      ? { type: 'FeatureCollection', features: all.data.features.filter((f) => f.id === municipalityId) }
      : null;

  async function upload(file: File) {
    try {
      const geometry = polygonOf(JSON.parse(await file.text()));
      if (!geometry) return setMessage({ ok: false, text: t('participation.staff.boundaryInvalid') });
      await api.put(`/api/municipalities/${municipalityId}/boundary`, { geometry });
      setMessage({ ok: true, text: t('participation.staff.saved') });
      all.reload();
    } catch (error) {
      setMessage({
        ok: false,
        text: error instanceof ApiError ? error.message : t('participation.staff.boundaryInvalid'),
      });
    }
  }

  return (
    <section aria-labelledby="boundary-heading" className="kern-stack-sm">
      <h2 id="boundary-heading" className="kern-heading-medium">
        {t('participation.staff.boundary')}
      </h2>
      <p className="kern-body">{t('participation.staff.boundaryLead')}</p>
      {message && (
        <Alert
          variant={message.ok ? 'success' : 'danger'}
          role={message.ok ? 'status' : 'alert'}
          title={message.text}
        />
      )}
      <LoadGate state={all} />
      {own && (
        <>
          <p className="kern-body" data-testid="boundary-state">
            {own.features.length
              ? t('participation.staff.boundarySet')
              : t('participation.staff.boundaryMissing')}
          </p>
          <Suspense fallback={<Loading />}>
            <ReportMap label={t('participation.staff.boundaryMap')} boundaries={own} />
          </Suspense>
        </>
      )}
      <div className="kern-form-input">
        <label className="kern-label" htmlFor="boundary-file">
          {t('participation.staff.boundaryUpload')}
        </label>
        <input
          id="boundary-file"
          type="file"
          accept=".geojson,.json,application/geo+json,application/json"
          onChange={(e) => e.target.files?.[0] && void upload(e.target.files[0])}
        />
      </div>
    </section>
  );
}
