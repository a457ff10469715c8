"""Drives the platform's CalDAV server with Debian's python3-caldav, as a calendar app would.

Usage: python_caldav.py <base url> <user> <password>. Prints one JSON line per step; the e2e test
(caldav.clients.e2e.test.ts) asserts them. Exits non-zero on the first unexpected answer.
"""
import datetime
import json
import sys

import caldav

base, user, password = sys.argv[1:4]
client = caldav.DAVClient(url=base + "/.well-known/caldav", username=user, password=password)


def step(name, **values):
    print(json.dumps({"step": name, **values}, default=str), flush=True)


principal = client.principal()
calendars = principal.calendars()
step("discover", principal=str(principal.url), calendars=[c.name for c in calendars])
calendar = next(c for c in calendars if c.name == "Vereinskalender")

calendar.save_event(
    """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//python-caldav test//EN
BEGIN:VEVENT
UID:python-training@example.org
DTSTAMP:20260101T000000Z
DTSTART:20260302T170000Z
DTEND:20260302T183000Z
SUMMARY:Jugendtraining
RRULE:FREQ=WEEKLY;COUNT=8
END:VEVENT
END:VCALENDAR
"""
)
step("created")

found = calendar.date_search(
    start=datetime.datetime(2026, 3, 9, tzinfo=datetime.timezone.utc),
    end=datetime.datetime(2026, 3, 23, tzinfo=datetime.timezone.utc),
    expand=True,
)
# With expand the server answers one object holding one VEVENT per occurrence in the range.
starts = sorted(
    str(v.dtstart.value) for e in found for v in e.vobject_instance.vevent_list
)
step("search", objects=len(found), count=len(starts), starts=starts)

outside = calendar.date_search(
    start=datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc),
    end=datetime.datetime(2026, 7, 1, tzinfo=datetime.timezone.utc),
)
step("search-outside", count=len(outside))

event = calendar.event_by_uid("python-training@example.org")
event.vobject_instance.vevent.summary.value = "Jugendtraining (Halle 2)"
event.save()
again = calendar.event_by_uid("python-training@example.org")
step("modified", summary=again.vobject_instance.vevent.summary.value)

again.delete()
remaining = [e for e in calendar.events() if "python-training" in e.data]
step("deleted", remaining=len(remaining))
