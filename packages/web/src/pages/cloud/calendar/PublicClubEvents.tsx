// The public event calendar of a municipality: events its clubs published from their club calendars,
// for the next eight weeks, with the subscribable iCal feed. A lazy chunk of the municipality page.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../../api.js';

interface PublicEvent {
  eventId: string;
  clubName: string;
  start: string;
  end: string;
  allDay: boolean;
  summary: string | null;
  location: string | null;
}

export default function PublicClubEvents({ municipalityId, name }: { municipalityId: string; name: string }) {
  const { t, i18n } = useTranslation();
  const [events, setEvents] = useState<PublicEvent[] | null>(null);
  const locale = i18n.language.startsWith('en') ? 'en-GB' : 'de-DE';

  useEffect(() => {
    const from = new Date();
    from.setHours(0, 0, 0, 0);
    const to = new Date(from.getTime() + 56 * 86_400_000);
    const query = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
    api
      .get<PublicEvent[]>(`/api/public/municipalities/${municipalityId}/club-events?${query}`)
      .then(setEvents, () => setEvents([]));
  }, [municipalityId]);

  const when = (e: PublicEvent) => {
    const start = new Date(e.start);
    return e.allDay
      ? new Date(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()).toLocaleDateString(locale, {
          weekday: 'short',
          day: 'numeric',
          month: 'long',
        })
      : start.toLocaleString(locale, {
          weekday: 'short',
          day: 'numeric',
          month: 'long',
          hour: '2-digit',
          minute: '2-digit',
        });
  };

  return (
    <section aria-labelledby="club-events-heading" className="kern-stack-sm">
      <h2 id="club-events-heading" className="kern-heading-medium">
        {t('cloudCalendar.publicEvents.title')}
      </h2>
      <p className="kern-body">{t('cloudCalendar.publicEvents.lead', { name })}</p>
      {events && events.length === 0 && <p className="kern-body">{t('cloudCalendar.publicEvents.empty')}</p>}
      {events && events.length > 0 && (
        <ul className="kern-list">
          {events.map((e) => (
            <li key={`${e.eventId}-${e.start}`}>
              <strong>{when(e)}</strong>: {e.summary ?? '–'} ({e.clubName}
              {e.location ? `, ${e.location}` : ''})
            </li>
          ))}
        </ul>
      )}
      <p className="kern-body">
        <a className="kern-link" href={`/api/public/municipalities/${municipalityId}/club-events.ics`}>
          {t('cloudCalendar.publicEvents.subscribe')}
        </a>
      </p>
    </section>
  );
}
