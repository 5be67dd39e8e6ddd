"""The iCalendar feed (RFC 5545) of a project's obligations, for Outlook and other calendar clients.

Each obligation is an all-day VEVENT on its effective due date with a UID that stays the same
while the obligation exists (kind, number and project), DTSTAMP and LAST-MODIFIED from its last
change, SEQUENCE its version (so a moved due date updates the client's copy) and a VALARM the
calendar's due-soon days before. Text escaping and line folding are the ``icalendar`` library's.
The feed carries dates and who is responsible, not whether a claim was paid: a subscription URL
has no caller identity to ask the budget service with.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event, vDuration

from reports.calendar.rules import Kind
from reports.models import Obligation, ReportingCalendar

NAMES = {
    Kind.payment_claim: ("Maksatushakemus", "Payment claim"),
    Kind.monitoring_report: ("Seurantaraportti", "Monitoring report"),
    Kind.interim_evaluation: (
        "Väliarviointi kaupunginhallitukselle",
        "Interim evaluation for the city board",
    ),
    Kind.final_report: ("Loppuraportti", "Final report"),
}
DOMAIN = "reports.hanke.kuopio.example"


def uid(o: Obligation) -> str:
    return f"{o.project_code}-{o.kind}-{o.sequence}@{DOMAIN}"


def _fi(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def summary(o: Obligation, lang: str) -> str:
    name = NAMES[Kind(o.kind)][0 if lang == "fi" else 1]
    numbered = o.kind in (Kind.payment_claim, Kind.monitoring_report)
    return f"{o.project_code}: {name}{f' {o.sequence}' if numbered else ''}"


def description(o: Obligation, lang: str) -> str:
    fi = lang == "fi"
    lines = [
        (
            f"Kausi {_fi(o.period_start)}–{_fi(o.period_end)}"
            if fi
            else f"Period {o.period_start}–{o.period_end}"
        ),
        (f"Vastuussa: {o.responsible_role}" if fi else f"Responsible: {o.responsible_role}"),
    ]
    if o.extended_to:
        lines.append(
            f"Jatkettu {_fi(o.due_date)} → {_fi(o.extended_to)}: {o.extension_reason}"
            if fi
            else f"Extended {o.due_date} → {o.extended_to}: {o.extension_reason}"
        )
    return "\n".join(lines)


def feed(
    calendar: ReportingCalendar, obligations: list[Obligation], *, lang: str = "fi", name: str = ""
) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Kuopion kaupunki//Hanke reports//FI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    title = (
        name
        or f"{calendar.project_code} – {'raportointikalenteri' if lang == 'fi' else 'reporting calendar'}"
    )
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", "Europe/Helsinki")
    cal.add("refresh-interval", vDuration(dt.timedelta(hours=6)), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    for o in obligations:
        changed = o.updated_at.astimezone(dt.UTC).replace(microsecond=0)
        event = Event()
        event.add("uid", uid(o))
        event.add("dtstamp", changed)
        event.add("last-modified", changed)
        event.add("sequence", o.version)
        event.add("dtstart", o.effective_due)
        event.add("dtend", o.effective_due + dt.timedelta(days=1))
        event.add("summary", summary(o, lang))
        event.add("description", description(o, lang))
        event.add("categories", [o.kind])
        event.add("transp", "TRANSPARENT")
        event.add("status", "CONFIRMED")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary(o, lang))
        alarm.add("trigger", -dt.timedelta(days=max(calendar.due_soon_days, 1)))
        event.add_component(alarm)
        cal.add_component(event)
    return bytes(cal.to_ical())
