"""Cloned labels: alerts raised from the scans and collections a product already sees.

A copied QR code shows as one product in two places, or in a place it cannot be:

- ``scanned_after_end``: a recycled or disposed passport is opened at intake by an organisation
  other than its last holder (the one that recycled or disposed of it).
- ``scanned_by_two_organisations``: two organisations open the same live (not ended) passport at
  intake within ``CLONE_SCAN_WINDOW_HOURS`` of each other, and no handover explains it. A handover
  explains a pair when ownership_transferred events recorded from one window before the earlier
  scan up to the later scan link the two organisations (directly or through others), or when one
  of them has held the product since before both scans and the other may receive it in its
  status (the recycler scans the waste on delivery before the collector records the handover).
- ``collected_outside_market``: a product is collected in a country other than the one it was
  placed on the market in, and no ownership transfer before the collection went to an
  organisation based in that country. A product never placed on the market has no market to
  compare with and is not judged by this rule.

Intake scans are the access log's reads with ``via="intake"``: organisation, tier and time.
Anonymous readers are never recorded, so no rule sees them, and the evidence names
organisations, never people.
"""

import datetime as dt
import json
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lifecycle.models import Event, EventType
from lifecycle.rules import TERMINAL, TRANSFER_RECIPIENTS
from passports.models import AccessRecord, Organisation, Passport
from recycling.models import AlertRule, CloneAlert, Collection, CollectionItem

INTAKE = "intake"


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _organisation(organisation: Organisation) -> dict:
    return {
        "id": str(organisation.pk),
        "name": organisation.name,
        "kind": organisation.kind,
        "country": organisation.country,
    }


def _scan(scan: AccessRecord) -> dict:
    return {
        "record": scan.pk,
        "organisation": _organisation(scan.organisation),
        "tier": scan.tier,
        "at": _time(scan.at),
    }


def _payload(event: Event) -> dict:
    return json.loads(bytes(event.envelope)).get("payload") or {}


def _event(event: Event) -> dict:
    found = {
        "id": str(event.pk),
        "seq": event.seq,
        "type": event.type,
        "time": _time(event.time),
        "actor": _organisation(event.actor),
    }
    if event.type == EventType.OWNERSHIP_TRANSFERRED:
        found["to"] = _payload(event)["to"]
    return found


def _alert_raise(passport: Passport, rule: str, key: str, evidence: dict) -> CloneAlert | None:
    """Raises the alert once; None when the same evidence raised it before."""
    alert, created = CloneAlert.objects.get_or_create(
        passport=passport,
        rule=rule,
        key=key,
        defaults={"evidence": evidence, "raised_at": timezone.now()},
    )
    return alert if created else None


def intake_scan_alerts_raise(*, passport: Passport, organisation: Organisation) -> list[CloneAlert]:
    """Checks the organisation's latest intake read of the passport against the scan rules."""
    scan = (
        AccessRecord.objects.filter(passport=passport, organisation=organisation, via=INTAKE)
        .select_related("organisation")
        .order_by("-at", "-id")
        .first()
    )
    if scan is None:  # the passport's own manufacturer reads unrecorded; it is no clone signal
        return []
    passport = Passport.objects.get(pk=passport.pk)  # status and holder as they are now
    raised = []
    with transaction.atomic():
        if passport.status not in TERMINAL:
            raised.extend(_scanned_by_two(passport, scan))
        elif organisation.pk != passport.holder_id:
            # An ended product is judged by this rule alone: one alert per organisation.
            raised.append(_scanned_after_end(passport, scan))
    return [alert for alert in raised if alert is not None]


def _scanned_after_end(passport: Passport, scan: AccessRecord) -> CloneAlert | None:
    end = passport.events.filter(type__in=TERMINAL).select_related("actor").order_by("-seq").first()
    evidence = {"scan": _scan(scan), "status": passport.status}
    if end is not None:
        evidence["ended_by"] = _event(end)
    return _alert_raise(
        passport, AlertRule.SCANNED_AFTER_END, f"organisation:{scan.organisation_id}", evidence
    )


def _scanned_by_two(passport: Passport, scan: AccessRecord) -> list[CloneAlert | None]:
    window = dt.timedelta(hours=settings.CLONE_SCAN_WINDOW_HOURS)
    earlier = (
        AccessRecord.objects.filter(
            passport=passport, via=INTAKE, at__gte=scan.at - window, at__lte=scan.at
        )
        .exclude(organisation=scan.organisation_id)
        .select_related("organisation")
        .order_by("-at", "-id")
    )
    latest: dict = {}
    for other in earlier:
        latest.setdefault(other.organisation_id, other)
    if not latest:
        return []
    first = min(other.at for other in latest.values())
    transfers = list(
        passport.events.filter(
            type=EventType.OWNERSHIP_TRANSFERRED, time__gte=first - window, time__lte=scan.at
        )
        .select_related("actor")
        .order_by("seq")
    )
    held_since = _held_since(passport)
    raised = []
    for other in latest.values():
        handovers = [t for t in transfers if t.time >= other.at - window]
        if _linked(handovers, other.organisation_id, scan.organisation_id):
            continue
        if _handover_pending(passport, other, scan, held_since):
            continue
        pair = sorted([str(other.organisation_id), str(scan.organisation_id)])
        evidence = {
            "scans": [_scan(other), _scan(scan)],
            "window_hours": settings.CLONE_SCAN_WINDOW_HOURS,
            "transfers": [_event(t) for t in handovers],
            "holder": str(passport.holder_id) if passport.holder_id else None,
        }
        raised.append(
            _alert_raise(
                passport, AlertRule.SCANNED_BY_TWO, "organisations:" + "|".join(pair), evidence
            )
        )
    return raised


def _linked(transfers: list[Event], one, other) -> bool:
    """Whether ownership transfers connect the two organisations, in either direction."""
    edges = defaultdict(set)
    for transfer in transfers:
        to = _payload(transfer)["to"]
        edges[str(transfer.actor_id)].add(to)
        edges[to].add(str(transfer.actor_id))
    seen, frontier = {str(one)}, [str(one)]
    while frontier:
        current = frontier.pop()
        for neighbour in edges[current] - seen:
            seen.add(neighbour)
            frontier.append(neighbour)
    return str(other) in seen


def _held_since(passport: Passport) -> dt.datetime:
    """When the current holder took the product: its collection, the handover to it, or its
    registration."""
    taken = (
        passport.events.filter(type__in=[EventType.OWNERSHIP_TRANSFERRED, EventType.COLLECTED])
        .order_by("-seq")
        .values_list("time", flat=True)
        .first()
    )
    return taken or passport.created_at


def _handover_pending(
    passport: Passport, earlier: AccessRecord, later: AccessRecord, held_since: dt.datetime
) -> bool:
    """One of the two has held the product since before both scans and the other may take it
    over in its status: a delivery whose handover is not recorded yet."""
    may_receive = TRANSFER_RECIPIENTS.get(passport.status, frozenset())
    if held_since > earlier.at:
        return False
    one, other = earlier.organisation, later.organisation
    return (passport.holder_id == one.pk and other.kind in may_receive) or (
        passport.holder_id == other.pk and one.kind in may_receive
    )


def collection_alerts_raise(*, collection: Collection) -> list[CloneAlert]:
    """Checks each product of a collection against the market it was placed in."""
    country = collection.region.split("-", 1)[0].upper()
    items = CollectionItem.objects.filter(collection=collection).select_related(
        "passport", "event__actor", "collection__collector"
    )
    raised = []
    for item in items:
        passport = item.passport
        if not passport.market_country or passport.market_country == country:
            continue
        transfers = list(
            passport.events.filter(type=EventType.OWNERSHIP_TRANSFERRED, seq__lt=item.event.seq)
            .select_related("actor")
            .order_by("seq")
        )
        recipients = Organisation.objects.in_bulk([_payload(t)["to"] for t in transfers])
        if any(r.country.upper() == country for r in recipients.values()):
            continue
        evidence = {
            "collection": {
                "id": str(collection.pk),
                "region": collection.region,
                "country": country,
                "collected_at": _time(collection.collected_at),
                "collector": _organisation(collection.collector),
            },
            "collected": _event(item.event),
            "placed_on_market": {
                "country": passport.market_country,
                "date": passport.placed_on_market_on.isoformat()
                if passport.placed_on_market_on
                else None,
            },
            "transfers": [_event(t) for t in transfers],
        }
        alert = _alert_raise(
            passport,
            AlertRule.COLLECTED_OUTSIDE_MARKET,
            f"collection:{collection.pk}",
            evidence,
        )
        if alert is not None:
            raised.append(alert)
    return raised
