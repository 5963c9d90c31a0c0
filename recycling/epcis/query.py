"""EPCIS 2.0 event queries over the signed chains: parameters, visibility, keyset pages.

Supported parameters: `MATCH_anyEPC` and `MATCH_epc` (GS1 Digital Link URIs or passport ids),
`GE_eventTime`, `LT_eventTime`, `GE_recordTime`, `LT_recordTime` (the time the event was
signed here, a column, so this filter is exact and cheap), `EQ_bizStep` (a bare CBV word or a
full URI), `eventType`, `perPage` and `nextPageToken` (and `purpose`, recorded in the access
log as for every restricted read). A parameter takes several values as a `|`-separated list or
repeated. Anything else is refused, so a misspelt filter never silently widens an answer.

Pages follow the EPCIS REST binding rather than the limit/offset pages of the rest of the
API, because the answer has to stay an EPCISQueryDocument: results come in recordTime order,
and the next page is named by an opaque `nextPageToken` (also sent as a `Link: rel="next"`
header). `eventTime` lives inside the signed envelope, not in a column, so time filters are
applied while a page is read: a page scans at most SCAN_FACTOR times `perPage` events and may
come back short (even empty) with a token to go on.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from lifecycle.models import Event
from lifecycle.services.events import CLOCK_SKEW
from passports.models import Organisation, OrganisationKind
from passports.tiers import LEGITIMATE_INTEREST_KINDS
from recycling.epcis import vocabulary as v
from recycling.epcis.render import event_time

PARAMETERS = frozenset(
    {"MATCH_anyEPC", "MATCH_epc", "GE_eventTime", "LT_eventTime", "GE_recordTime",
     "LT_recordTime", "EQ_bizStep", "eventType", "perPage", "nextPageToken", "purpose"}
)  # fmt: skip
# Parameters with one value: a second one would otherwise be silently ignored.
SINGLE = (
    "GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "perPage", "nextPageToken",
    "purpose",
)  # fmt: skip
EVENT_TYPES = frozenset({"ObjectEvent", "TransformationEvent"})
SCAN_FACTOR = 10


class QueryRefused(Exception):
    """A query parameter that cannot be understood; `errors` name the parameter."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class EventQuery:
    """A parsed query; `epcs` is None when no EPC filter was given."""

    epcs: list[str] | None
    since: dt.datetime | None
    before: dt.datetime | None
    event_types: set[str] | None
    per_page: int
    after: tuple[dt.datetime, uuid.UUID] | None
    recorded_since: dt.datetime | None = None
    recorded_before: dt.datetime | None = None


def _values(params, name: str) -> list[str]:
    return [part for value in params.getlist(name) for part in value.split("|") if part]


# RFC 3339 date-time in ASCII digits only: int() would also read other scripts' digits.
RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))",
    re.ASCII,
)
TIME_MESSAGE = "An RFC 3339 date-time with a time zone, e.g. 2026-01-01T00:00:00Z."


def rfc3339_parse(raw: str) -> dt.datetime | None:
    """An aware datetime from RFC 3339 text, or None if it names no moment we can compare."""
    found = RFC3339.fullmatch(raw)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = found.groups()
    try:
        if zulu:
            zone = dt.UTC
        else:
            if int(off_m) > 59:
                return None
            offset = dt.timedelta(hours=int(off_h), minutes=int(off_m))
            zone = dt.timezone(-offset if sign == "-" else offset)  # |offset| < 24 h or ValueError
        moment = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int((fraction or "0")[:6].ljust(6, "0")), tzinfo=zone,
        )  # fmt: skip
        # Compared with UTC times and widened by the clock skew: both must stay in range.
        # Handed on in UTC: PostgreSQL holds offsets only up to 15:59, RFC 3339 up to 23:59.
        utc = moment.astimezone(dt.UTC)
        utc - CLOCK_SKEW  # noqa: B018
    except (ValueError, OverflowError):
        return None
    return utc


def _time(params, name: str, errors: list) -> dt.datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    moment = rfc3339_parse(raw.replace(" ", "+"))  # an unencoded '+' arrives as a space
    if moment is None:
        errors.append({"field": name, "message": TIME_MESSAGE})
    return moment


def query_parse(params) -> EventQuery:
    """Reads the query string; raises QueryRefused naming every bad parameter."""
    errors: list[dict[str, str]] = []
    for name in sorted(set(params) - PARAMETERS):
        errors.append({"field": name, "message": "Not a supported query parameter."})
    for name in SINGLE:
        if len(params.getlist(name)) > 1:
            errors.append({"field": name, "message": "Give this parameter once."})
    epcs = _values(params, "MATCH_anyEPC") + _values(params, "MATCH_epc")
    if len(epcs) > settings.API_MAX_PAGE_SIZE:
        errors.append({"field": "MATCH_anyEPC", "message": "Too many EPCs in one query."})
    since, before = _time(params, "GE_eventTime", errors), _time(params, "LT_eventTime", errors)
    recorded_since = _time(params, "GE_recordTime", errors)
    recorded_before = _time(params, "LT_recordTime", errors)
    event_types = _event_types(params, errors)
    per_page = _per_page(params.get("perPage"), errors)
    after = _token(params.get("nextPageToken"), errors)
    if errors:
        raise QueryRefused(errors)
    has_epc = "MATCH_anyEPC" in params or "MATCH_epc" in params
    return EventQuery(
        epcs if has_epc else None, since, before, event_types, per_page, after,
        recorded_since, recorded_before,
    )  # fmt: skip


def _event_types(params, errors: list) -> set[str] | None:
    """Our event types that the EQ_bizStep and eventType filters leave (None: no filter)."""
    found = None
    steps = _values(params, "EQ_bizStep")
    if steps:
        words = {v.step_word(step) for step in steps}
        found = {t for t, (_, _, step, _) in v.MAPPING.items() if step in words}
    kinds = _values(params, "eventType")
    if kinds:
        unknown = sorted(set(kinds) - EVENT_TYPES)
        if unknown:
            errors.append({"field": "eventType", "message": f"We record no {', '.join(unknown)}."})
        chosen = {t for t, (kind, *_rest) in v.MAPPING.items() if kind in kinds}
        found = chosen if found is None else found & chosen
    return found


def _per_page(raw: str | None, errors: list) -> int:
    if raw is None:
        return settings.API_PAGE_SIZE
    # ASCII digits, and few enough of them for int() (which refuses past 4300 digits).
    if not re.fullmatch(r"[0-9]{1,9}", raw, re.ASCII) or int(raw) < 1:
        errors.append({"field": "perPage", "message": "A positive whole number."})
        return settings.API_PAGE_SIZE
    return min(int(raw), settings.API_MAX_PAGE_SIZE)


def page_token(event: Event) -> str:
    """The opaque token of the page after this event: its record time and id."""
    raw = json.dumps([event.time.isoformat(), str(event.pk)]).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _token(raw: str | None, errors: list) -> tuple[dt.datetime, uuid.UUID] | None:
    if raw is None:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if (
            isinstance(decoded, list)
            and len(decoded) == 2
            and all(isinstance(part, str) for part in decoded)
        ):
            time, pk = dt.datetime.fromisoformat(decoded[0]), uuid.UUID(decoded[1])
            if time.tzinfo is not None:
                return time.astimezone(dt.UTC), pk  # in range for the database, as above
    except (binascii.Error, ValueError, TypeError, OverflowError, UnicodeDecodeError):
        pass
    errors.append({"field": "nextPageToken", "message": "Not a token this server issued."})
    return None


def visible_events(reader: Organisation) -> QuerySet:
    """Events of the passports whose chain the reader may read (passports/tiers.py tier_for).

    The chain needs the legitimate-interest tier: owners, regulators, repairers, collectors,
    recyclers and current holders have it; a notified body reads only its own products'.
    """
    events = Event.objects.all()
    if reader.kind == OrganisationKind.REGULATOR or reader.kind in LEGITIMATE_INTEREST_KINDS:
        return events
    mine = Q(passport__manufacturer=reader)
    if reader.kind == OrganisationKind.NOTIFIED_BODY:
        return events.filter(mine)
    return events.filter(mine | Q(passport__holder=reader))


def events_query(
    *, reader: Organisation, query: EventQuery, passport_ids: set | None
) -> tuple[list[Event], Event | None]:
    """One page of matching events and the last event scanned if there is more to read."""
    events = visible_events(reader).select_related("passport", "actor", "leaf")
    if passport_ids is not None:
        # A successor's EPC is also the output of the event that registered it, on its
        # predecessor's chain: MATCH_anyEPC matches outputEPCList too.
        made = Q(type__in=v.SUCCESSIONS, passport__successor__pk__in=passport_ids)
        events = events.filter(Q(passport_id__in=passport_ids) | made)
    if query.event_types is not None:
        events = events.filter(type__in=query.event_types)
    if query.since is not None:
        # Nothing is signed before it happened (bar clock skew): a safe bound on the scan.
        events = events.filter(time__gte=query.since - CLOCK_SKEW)
    if query.recorded_since is not None:
        events = events.filter(time__gte=query.recorded_since)
    if query.recorded_before is not None:
        events = events.filter(time__lt=query.recorded_before)
    if query.after is not None:
        time, pk = query.after
        events = events.filter(Q(time__gt=time) | Q(time=time, pk__gt=pk))
    windowed = query.since is not None or query.before is not None
    scan = query.per_page * (SCAN_FACTOR if windowed else 1)
    scanned = list(events.order_by("time", "id")[: scan + 1])
    more = len(scanned) > scan
    scanned = scanned[:scan]
    page: list[Event] = []
    last = None
    for event in scanned:
        if _in_window(event, query):
            page.append(event)
        last = event
        if len(page) == query.per_page:
            more = more or event is not scanned[-1]
            break
    return page, (last if more else None)


def _in_window(event: Event, query: EventQuery) -> bool:
    moment = event_time(event)
    if query.since is not None and moment < query.since:
        return False
    return query.before is None or moment < query.before
