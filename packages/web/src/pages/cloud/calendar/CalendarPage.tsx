// The club calendar for members: month, week and list views of the club's events (recurrences expanded
// by the server), a simple form for events with recurrence, publishing and invitations. Loaded lazily
// from the club cloud area. Keyboard: every event is a button, the views are a radio group, the form is
// a plain form; on a phone the list view is the default.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../../api.js';
import { Alert } from '../../../layout/Alert.js';
import { CheckboxField, ErrorSummary, type SummaryItem, TextField } from '../../../layout/forms.js';
import { Loading } from '../../../layout/Loading.js';
import { Page } from '../../../page.js';
import './calendar.css';

interface Club {
  id: string;
  name: string;
  status: string;
}
interface CalendarInfo {
  id: string;
  name: string;
  davUrl: string;
  access: 'none' | 'read' | 'write';
}
interface OccurrenceInfo {
  eventId: string;
  calendarId: string;
  start: string;
  end: string;
  allDay: boolean;
  summary: string | null;
  location: string | null;
  recurring: boolean;
  public: boolean;
}
interface EventInfo {
  id: string;
  calendarId: string;
  summary: string;
  description: string | null;
  location: string | null;
  start: string;
  end: string;
  allDay: boolean;
  rrule: string | null;
  public: boolean;
  editable: boolean;
}

type View = 'month' | 'week' | 'list';
const DAY = 86_400_000;

const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
/** Monday of the week of d. */
const startOfWeek = (d: Date) => addDays(startOfDay(d), -((d.getDay() + 6) % 7));
const sameDay = (a: Date, b: Date) => startOfDay(a).getTime() === startOfDay(b).getTime();
const pad = (n: number) => String(n).padStart(2, '0');
const dateValue = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const timeValue = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

function rangeOf(view: View, anchor: Date): { from: Date; to: Date } {
  if (view === 'week') {
    const from = startOfWeek(anchor);
    return { from, to: addDays(from, 7) };
  }
  if (view === 'list') {
    const from = startOfDay(anchor);
    return { from, to: addDays(from, 60) };
  }
  const first = new Date(anchor.getFullYear(), anchor.getMonth(), 1);
  const from = startOfWeek(first);
  const last = new Date(anchor.getFullYear(), anchor.getMonth() + 1, 1);
  return { from, to: addDays(startOfWeek(addDays(last, -1)), 7) };
}

function shift(view: View, anchor: Date, direction: 1 | -1): Date {
  if (view === 'month') return new Date(anchor.getFullYear(), anchor.getMonth() + direction, 1);
  return addDays(anchor, direction * (view === 'week' ? 7 : 60));
}

/** Occurrences that touch a day (all-day events end exclusive at midnight). */
function onDay(occurrences: OccurrenceInfo[], day: Date) {
  const from = startOfDay(day).getTime();
  const to = from + DAY;
  return occurrences.filter((o) => {
    const start = new Date(o.start).getTime();
    const end = new Date(o.end).getTime();
    if (o.allDay) {
      const s = new Date(o.start);
      const localStart = new Date(s.getUTCFullYear(), s.getUTCMonth(), s.getUTCDate()).getTime();
      return localStart < to && localStart + Math.max(DAY, end - start) > from;
    }
    return start < to && (end > from || start >= from);
  });
}

export default function CalendarPage() {
  const { t } = useTranslation();
  const [clubs, setClubs] = useState<Club[] | null>(null);
  const [clubId, setClubId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.get<{ mine: Club[] }>('/api/clubs').then(
      (data) => {
        const active = data.mine.filter((c) => c.status === 'active');
        setClubs(active);
        setClubId(active[0]?.id ?? null);
      },
      () => setError(t('errors.generic')),
    );
  }, [t]);

  return (
    <Page heading={t('cloudCalendar.title')}>
      {error && <Alert variant="danger" title={error} role="alert" />}
      {!clubs && !error && <Loading />}
      {clubs && clubs.length === 0 && <Alert variant="info" title={t('cloudCalendar.noClubs')} />}
      {clubs && clubs.length > 1 && (
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="calendar-club">
            {t('cloudCalendar.club')}
          </label>
          <select
            id="calendar-club"
            className="kern-form-input__select"
            value={clubId ?? ''}
            onChange={(e) => setClubId(e.target.value)}
          >
            {clubs.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {clubId && <ClubCalendar key={clubId} clubId={clubId} />}
    </Page>
  );
}

function ClubCalendar({ clubId }: { clubId: string }) {
  const { t, i18n } = useTranslation();
  const narrow = typeof window !== 'undefined' && window.matchMedia?.('(max-width: 40em)').matches;
  const [view, setView] = useState<View>(narrow ? 'list' : 'month');
  const [anchor, setAnchor] = useState(() => startOfDay(new Date()));
  const [calendars, setCalendars] = useState<CalendarInfo[] | null>(null);
  const [occurrences, setOccurrences] = useState<OccurrenceInfo[] | null>(null);
  const [editing, setEditing] = useState<EventInfo | 'new' | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const { from, to } = useMemo(() => rangeOf(view, anchor), [view, anchor]);
  const locale = i18n.language.startsWith('en') ? 'en-GB' : 'de-DE';

  useEffect(() => {
    api.get<CalendarInfo[]>(`/api/clubs/${clubId}/calendars`).then(setCalendars, () => setCalendars([]));
  }, [clubId]);
  useEffect(() => {
    let current = true;
    setOccurrences(null);
    const query = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
    api.get<OccurrenceInfo[]>(`/api/clubs/${clubId}/calendar-events?${query}`).then(
      (data) => current && setOccurrences(data),
      () => current && setOccurrences([]),
    );
    return () => {
      current = false;
    };
  }, [clubId, from, to, round]);

  const writable = calendars?.some((c) => c.access === 'write') ?? false;
  const open = useCallback(
    async (o: OccurrenceInfo) => {
      const event = await api.get<EventInfo>(
        `/api/clubs/${clubId}/calendars/${o.calendarId}/events/${o.eventId}`,
      );
      setStatus(null);
      setEditing(event);
    },
    [clubId],
  );
  const done = (message: string) => {
    setEditing(null);
    setStatus(message);
    setRound((r) => r + 1);
  };

  const dayLabel = (d: Date) =>
    d.toLocaleDateString(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const time = (o: OccurrenceInfo) =>
    o.allDay
      ? t('cloudCalendar.allDay')
      : new Date(o.start).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  const periodLabel =
    view === 'month'
      ? anchor.toLocaleDateString(locale, { month: 'long', year: 'numeric' })
      : `${from.toLocaleDateString(locale)} – ${addDays(to, -1).toLocaleDateString(locale)}`;

  const eventButton = (o: OccurrenceInfo, withTime = true) => (
    <button
      key={`${o.eventId}-${o.start}`}
      type="button"
      className="srp-calendar-event"
      onClick={() => void open(o)}
    >
      {withTime && <span>{time(o)} </span>}
      <span>{o.summary ?? '–'}</span>
      {o.recurring && <span className="kern-sr-only">, {t('cloudCalendar.recurring')}</span>}
      {o.public && <span> ({t('cloudCalendar.public')})</span>}
    </button>
  );

  if (!calendars) return <Loading />;
  return (
    <div className="kern-stack-lg">
      {status && <Alert variant="success" title={status} role="status" />}
      {!writable && <Alert variant="info" title={t('cloudCalendar.readOnly')} />}
      <div className="srp-calendar-toolbar">
        <fieldset className="kern-fieldset">
          <legend className="kern-label">{t('cloudCalendar.views.label')}</legend>
          <div className="kern-fieldset__body kern-fieldset__body--horizontal">
            {(['month', 'week', 'list'] as const).map((v) => (
              <div className="kern-form-check" key={v}>
                <input
                  className="kern-form-check__radio"
                  type="radio"
                  id={`calendar-view-${v}`}
                  name="calendar-view"
                  checked={view === v}
                  onChange={() => setView(v)}
                />
                <label className="kern-label" htmlFor={`calendar-view-${v}`}>
                  {t(`cloudCalendar.views.${v}`)}
                </label>
              </div>
            ))}
          </div>
        </fieldset>
        <div className="srp-calendar-nav">
          <button
            type="button"
            className="kern-btn kern-btn--secondary"
            onClick={() => setAnchor(shift(view, anchor, -1))}
          >
            <span className="kern-label">{t('cloudCalendar.previous')}</span>
          </button>
          <button
            type="button"
            className="kern-btn kern-btn--tertiary"
            onClick={() => setAnchor(startOfDay(new Date()))}
          >
            <span className="kern-label">{t('cloudCalendar.today')}</span>
          </button>
          <button
            type="button"
            className="kern-btn kern-btn--secondary"
            onClick={() => setAnchor(shift(view, anchor, 1))}
          >
            <span className="kern-label">{t('cloudCalendar.next')}</span>
          </button>
          {writable && (
            <button
              type="button"
              className="kern-btn kern-btn--primary"
              onClick={() => {
                setStatus(null);
                setEditing('new');
              }}
            >
              <span className="kern-label">{t('cloudCalendar.newEvent')}</span>
            </button>
          )}
        </div>
      </div>
      {editing && (
        <EventForm
          clubId={clubId}
          calendars={calendars.filter((c) => c.access === 'write')}
          event={editing === 'new' ? null : editing}
          defaultDate={anchor}
          onDone={done}
          onCancel={() => setEditing(null)}
        />
      )}
      <h2 className="kern-heading-medium" aria-live="polite">
        {periodLabel}
      </h2>
      {!occurrences ? (
        <Loading />
      ) : view === 'month' ? (
        <div className="srp-calendar-scroll">
          <table className="srp-calendar-month">
            <caption className="kern-sr-only">{periodLabel}</caption>
            <thead>
              <tr>
                {Array.from({ length: 7 }, (_, i) => addDays(from, i)).map((d) => (
                  <th key={d.getDay()} scope="col">
                    {d.toLocaleDateString(locale, { weekday: 'short' })}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Array.from({ length: Math.round((to.getTime() - from.getTime()) / (7 * DAY)) }, (_, week) => (
                <tr key={week}>
                  {Array.from({ length: 7 }, (_, i) => addDays(from, week * 7 + i)).map((d) => (
                    <td
                      key={d.getTime()}
                      className={d.getMonth() === anchor.getMonth() ? undefined : 'srp-calendar-other'}
                      aria-current={sameDay(d, new Date()) ? 'date' : undefined}
                    >
                      <span className="srp-calendar-day" aria-label={dayLabel(d)}>
                        {d.getDate()}
                      </span>
                      {onDay(occurrences, d).map((o) => eventButton(o))}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <DayList
          days={Array.from({ length: Math.round((to.getTime() - from.getTime()) / DAY) }, (_, i) =>
            addDays(from, i),
          )}
          occurrences={occurrences}
          showEmpty={view === 'week'}
          dayLabel={dayLabel}
          render={(o) => eventButton(o)}
          empty={t('cloudCalendar.noEvents')}
        />
      )}
      {calendars[0] && (
        <p className="kern-body kern-body--small">
          {t('cloudCalendar.syncHint', { url: calendars[0].davUrl })}
        </p>
      )}
    </div>
  );
}

function DayList({
  days,
  occurrences,
  showEmpty,
  dayLabel,
  render,
  empty,
}: {
  days: Date[];
  occurrences: OccurrenceInfo[];
  showEmpty: boolean;
  dayLabel: (d: Date) => string;
  render: (o: OccurrenceInfo) => React.ReactNode;
  empty: string;
}) {
  const rows = days
    .map((d) => ({ day: d, items: onDay(occurrences, d) }))
    .filter((r) => showEmpty || r.items.length);
  if (rows.length === 0) return <p className="kern-body">{empty}</p>;
  return (
    <ul className="srp-calendar-list">
      {rows.map(({ day, items }) => (
        <li key={day.getTime()}>
          <h3 className="kern-heading-small">{dayLabel(day)}</h3>
          {items.length ? (
            <ul>
              {items.map((o) => (
                <li key={`${o.eventId}-${o.start}`}>{render(o)}</li>
              ))}
            </ul>
          ) : (
            <p className="kern-body kern-body--small">–</p>
          )}
        </li>
      ))}
    </ul>
  );
}

const FREQUENCIES = ['', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;
const REPEAT_LABELS = {
  '': 'cloudCalendar.form.repeatNone',
  DAILY: 'cloudCalendar.form.repeatDaily',
  WEEKLY: 'cloudCalendar.form.repeatWeekly',
  MONTHLY: 'cloudCalendar.form.repeatMonthly',
  YEARLY: 'cloudCalendar.form.repeatYearly',
} as const;

function EventForm({
  clubId,
  calendars,
  event,
  defaultDate,
  onDone,
  onCancel,
}: {
  clubId: string;
  calendars: CalendarInfo[];
  event: EventInfo | null;
  defaultDate: Date;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const start = event ? new Date(event.start) : new Date(defaultDate.getTime() + 18 * 3600_000);
  const end = event ? new Date(event.end) : new Date(start.getTime() + 2 * 3600_000);
  const rule = new Map((event?.rrule ?? '').split(';').map((p) => p.split('=') as [string, string]));
  // All-day dates are stored in UTC; show them as the calendar dates they are.
  const allDayDate = (d: Date) => new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const [calendarId, setCalendarId] = useState(event?.calendarId ?? calendars[0]?.id ?? '');
  const [summary, setSummary] = useState(event?.summary ?? '');
  const [allDay, setAllDay] = useState(event?.allDay ?? false);
  const [date, setDate] = useState(dateValue(event?.allDay ? allDayDate(start) : start));
  const [endDate, setEndDate] = useState(dateValue(event?.allDay ? addDays(allDayDate(end), -1) : end));
  const [startTime, setStartTime] = useState(timeValue(start));
  const [endTime, setEndTime] = useState(timeValue(end));
  const [location, setLocation] = useState(event?.location ?? '');
  const [description, setDescription] = useState(event?.description ?? '');
  const [frequency, setFrequency] = useState(rule.get('FREQ') ?? '');
  const [count, setCount] = useState(rule.get('COUNT') ?? '');
  const [isPublic, setPublic] = useState(event?.public ?? false);
  const [emails, setEmails] = useState('');
  const [errors, setErrors] = useState<SummaryItem[]>([]);
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const base = `/api/clubs/${clubId}/calendars/${calendarId}/events`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problems: SummaryItem[] = [];
    if (!summary.trim())
      problems.push({ fieldId: 'event-summary', message: t('cloudCalendar.form.summaryRequired') });
    const startAt = allDay ? new Date(`${date}T00:00:00Z`) : new Date(`${date}T${startTime}`);
    const endAt = allDay
      ? new Date(new Date(`${endDate}T00:00:00Z`).getTime() + DAY)
      : new Date(`${endDate}T${endTime}`);
    if (!(endAt >= startAt))
      problems.push({ fieldId: 'event-end-date', message: t('cloudCalendar.form.endBeforeStart') });
    setErrors(problems);
    if (problems.length) {
      summaryRef.current?.focus();
      return;
    }
    const body = {
      summary: summary.trim(),
      location: location.trim() || null,
      description: description.trim() || null,
      start: startAt.toISOString(),
      end: endAt.toISOString(),
      allDay,
      rrule: frequency ? `FREQ=${frequency}${count ? `;COUNT=${Number(count)}` : ''}` : null,
    };
    setBusy(true);
    try {
      const saved = event
        ? await api.put<EventInfo>(`${base}/${event.id}`, body)
        : await api.post<EventInfo>(base, body);
      if (saved.public !== isPublic) await api.put(`${base}/${saved.id}/public`, { public: isPublic });
      const list = emails
        .split(/[,;\s]+/)
        .map((m) => m.trim())
        .filter(Boolean);
      if (list.length) await api.post(`${base}/${saved.id}/invitations`, { emails: list });
      onDone(t('cloudCalendar.form.saved'));
    } catch (error) {
      setErrors([{ message: error instanceof ApiError ? error.message : t('errors.generic') }]);
      summaryRef.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!event) return;
    setBusy(true);
    try {
      await api.delete(`${base}/${event.id}`);
      onDone(t('cloudCalendar.form.deleted'));
    } catch {
      setErrors([{ message: t('errors.generic') }]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="kern-stack srp-calendar-form" onSubmit={(e) => void submit(e)} noValidate>
      <h2 className="kern-heading-medium">
        {event ? t('cloudCalendar.form.editTitle') : t('cloudCalendar.form.newTitle')}
      </h2>
      {errors.length > 0 && (
        <ErrorSummary
          title={t('cloudCalendar.form.errorTitle')}
          items={errors}
          ref={summaryRef}
          messageIdPrefix="event-error"
        />
      )}
      {event && event.rrule === null && !event.editable && (
        <Alert variant="info" title={t('cloudCalendar.form.complex')} />
      )}
      {!event && calendars.length > 1 && (
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="event-calendar">
            {t('cloudCalendar.form.calendar')}
          </label>
          <select
            id="event-calendar"
            className="kern-form-input__select"
            value={calendarId}
            onChange={(e) => setCalendarId(e.target.value)}
          >
            {calendars.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <TextField
        id="event-summary"
        label={t('cloudCalendar.form.summary')}
        value={summary}
        onChange={(e) => setSummary(e.target.value)}
        required
        error={errors.find((x) => x.fieldId === 'event-summary')?.message}
      />
      <CheckboxField
        id="event-all-day"
        label={t('cloudCalendar.form.allDay')}
        checked={allDay}
        onChange={setAllDay}
      />
      <div className="srp-calendar-fields">
        <TextField
          id="event-date"
          type="date"
          label={t('cloudCalendar.form.date')}
          value={date}
          onChange={(e) => setDate(e.target.value)}
          required
        />
        {!allDay && (
          <TextField
            id="event-start-time"
            type="time"
            label={t('cloudCalendar.form.startTime')}
            value={startTime}
            onChange={(e) => setStartTime(e.target.value)}
          />
        )}
        <TextField
          id="event-end-date"
          type="date"
          label={t('cloudCalendar.form.endDate')}
          value={endDate}
          onChange={(e) => setEndDate(e.target.value)}
          error={errors.find((x) => x.fieldId === 'event-end-date')?.message}
        />
        {!allDay && (
          <TextField
            id="event-end-time"
            type="time"
            label={t('cloudCalendar.form.endTime')}
            value={endTime}
            onChange={(e) => setEndTime(e.target.value)}
          />
        )}
      </div>
      <TextField
        id="event-location"
        label={t('cloudCalendar.form.location')}
        value={location}
        onChange={(e) => setLocation(e.target.value)}
      />
      <div className="kern-form-input">
        <label className="kern-label" htmlFor="event-description">
          {t('cloudCalendar.form.description')}
        </label>
        <textarea
          id="event-description"
          className="kern-form-input__input"
          rows={3}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <div className="srp-calendar-fields">
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="event-repeat">
            {t('cloudCalendar.form.repeat')}
          </label>
          <select
            id="event-repeat"
            className="kern-form-input__select"
            value={frequency}
            onChange={(e) => setFrequency(e.target.value)}
          >
            {FREQUENCIES.map((f) => (
              <option key={f} value={f}>
                {t(REPEAT_LABELS[f])}
              </option>
            ))}
          </select>
        </div>
        {frequency && (
          <TextField
            id="event-count"
            type="number"
            min={1}
            max={999}
            label={t('cloudCalendar.form.count')}
            describedBy="event-count-hint"
            value={count}
            onChange={(e) => setCount(e.target.value)}
          />
        )}
      </div>
      {frequency && (
        <p className="kern-hint" id="event-count-hint">
          {t('cloudCalendar.form.countHint')}
        </p>
      )}
      <CheckboxField
        id="event-public"
        label={t('cloudCalendar.form.public')}
        checked={isPublic}
        onChange={setPublic}
      />
      <TextField
        id="event-invite"
        type="text"
        inputMode="email"
        label={t('cloudCalendar.invite.emails')}
        value={emails}
        onChange={(e) => setEmails(e.target.value)}
      />
      <div className="srp-calendar-nav">
        <button type="submit" className="kern-btn kern-btn--primary" disabled={busy}>
          <span className="kern-label">{t('cloudCalendar.form.save')}</span>
        </button>
        <button type="button" className="kern-btn kern-btn--secondary" onClick={onCancel}>
          <span className="kern-label">{t('cloudCalendar.form.cancel')}</span>
        </button>
        {event && (
          <button
            type="button"
            className="kern-btn kern-btn--tertiary"
            onClick={() => void remove()}
            disabled={busy}
          >
            <span className="kern-label">{t('cloudCalendar.form.delete')}</span>
          </button>
        )}
      </div>
    </form>
  );
}
