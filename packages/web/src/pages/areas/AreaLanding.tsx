import type { Area, RoleAssignment, SessionInfo } from '@srp/contracts';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert } from '../../layout/Alert.js';
import { Page } from '../../page.js';
import { useSession } from '../../session.js';

/**
 * The entry page of one of the four areas. Each area has its own lazily loaded module (see the sibling
 * files) that renders this frame today and will grow its own content and sub-routes later.
 */
export function AreaLanding({ area, children }: { area: Area; children?: ReactNode }) {
  const { t } = useTranslation();
  const { session, areas } = useSession();
  const allowed = areas.includes(area);

  return (
    <Page heading={t(`areas.${area}.name`)}>
      <p className="kern-body kern-body--large">{t(`areas.${area}.description`)}</p>
      {allowed ? (
        <>
          <Alert variant="info" title={t('areas.underConstruction')} />
          {children}
        </>
      ) : (
        <Alert variant="warning" title={t('areas.noAccess')} />
      )}
      {session.user && <AccessOverview session={session} />}
    </Page>
  );
}

function roleLabel(assignment: RoleAssignment, t: TFunction): string {
  const role = t(`roles.${assignment.role}`);
  const where = assignment.municipality?.name ?? t('areas.allMunicipalities');
  return assignment.substitution ? `${role}: ${where} (${t('areas.substitution')})` : `${role}: ${where}`;
}

/** Who the signed-in person is here: their roles and the municipalities they act for. */
function AccessOverview({ session }: { session: SessionInfo }) {
  const { t } = useTranslation();
  const municipalities = new Map<string, { name: string; home: boolean }>();
  const home = session.user?.homeMunicipality;
  if (home) municipalities.set(home.id, { name: home.name, home: true });
  for (const assignment of session.roles) {
    const m = assignment.municipality;
    if (m && !municipalities.has(m.id)) municipalities.set(m.id, { name: m.name, home: false });
  }

  return (
    <div className="srp-access kern-stack-md">
      <section aria-labelledby="roles-heading" className="kern-stack-xs">
        <h2 id="roles-heading" className="kern-heading-medium">
          {t('areas.yourRoles')}
        </h2>
        {session.roles.length === 0 ? (
          <p className="kern-body">{t('areas.noRoles')}</p>
        ) : (
          <ul className="kern-list kern-list--bullet" data-testid="roles">
            {session.roles.map((assignment) => (
              <li key={`${assignment.role}-${assignment.municipality?.id ?? 'all'}`} className="kern-body">
                {roleLabel(assignment, t)}
              </li>
            ))}
          </ul>
        )}
      </section>
      {municipalities.size > 0 && (
        <section aria-labelledby="municipalities-heading" className="kern-stack-xs">
          <h2 id="municipalities-heading" className="kern-heading-medium">
            {t('areas.yourMunicipalities')}
          </h2>
          <ul className="kern-list kern-list--bullet">
            {[...municipalities.entries()].map(([id, m]) => (
              <li key={id} className="kern-body">
                {m.home ? `${m.name} (${t('areas.homeMunicipality')})` : m.name}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
