import { lazy } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes } from 'react-router';
import { AreaLanding } from './AreaLanding.js';

const StaffReportsPage = lazy(() => import('../participation/StaffReportsPage.js'));
const StaffNewsPage = lazy(() => import('../participation/StaffNewsPage.js'));

export default function BackofficeArea() {
  return (
    <Routes>
      <Route index element={<BackofficeLanding />} />
      <Route path="meldungen/*" element={<StaffReportsPage />} />
      <Route path="news/*" element={<StaffNewsPage />} />
    </Routes>
  );
}

/** The landing with one link card per tool of the back office. */
function BackofficeLanding() {
  const { t } = useTranslation();
  const cards = [
    {
      to: '/verwaltung/meldungen',
      title: t('participation.staff.reports'),
      text: t('participation.staff.reportsLead'),
    },
    { to: '/verwaltung/news', title: t('participation.staff.news'), text: t('participation.staff.newsLead') },
  ];
  return (
    <AreaLanding area="backoffice">
      <ul className="kern-list srp-link-cards">
        {cards.map((card) => (
          <li key={card.to} className="kern-stack-xs">
            <Link className="kern-link kern-heading-small" to={card.to}>
              {card.title}
            </Link>
            <p className="kern-body">{card.text}</p>
          </li>
        ))}
      </ul>
    </AreaLanding>
  );
}
