"""What a captured event may carry: each field we record, and a refusal for each we cannot.

The README promises that anything we cannot record is a 400, so a field is either recorded
(and rendered back by render.py) or refused with its path; nothing is dropped in between.
"""

from __future__ import annotations

from recycling.epcis import vocabulary as v
from recycling.epcis.reading import CaptureRefused, P, refuse

# Recorded, or plumbing that carries no fact about the product (@context, eventID as the
# retry key, recordTime which EPCIS leaves to the repository: ours is the signing time).
COMMON = frozenset(
    {"@context", "type", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime", "bizStep",
     "disposition", "readPoint", "bizLocation"}
)  # fmt: skip
RECORDED = {
    "ObjectEvent": COMMON | {"epcList", "action", f"{P}:massKg", f"{P}:region"},
    "TransformationEvent": COMMON
    | {"inputEPCList", "outputQuantityList", f"{P}:processRoute", f"{P}:inputMassKg",
       f"{P}:outputs", f"{P}:declaredLossKg"},
}  # fmt: skip
# Why each EPCIS field we do not record is refused; the README's capture table says the same.
WHY = {
    "quantityList": "a collection names products by their EPCs (epcList)",
    "inputQuantityList": "treatment takes products by their EPCs (inputEPCList)",
    "outputEPCList": "treatment outputs are fractions, given as outputQuantityList",
    "transformationID": "each captured TransformationEvent is one treatment batch, named by us "
    "and rendered back as transformationID",
    "sourceList": "the signed payload has no place for parties; a change of owner is posted as "
    "ownership_transferred on the passport",
    "destinationList": "the signed payload has no place for parties; a change of owner is posted "
    "as ownership_transferred on the passport",
    "bizTransactionList": "the signed payload has no place for business transactions",
    "sensorElementList": "the signed payload has no place for sensor readings",
    "ilmd": "instance master data is the passport's, declared at registration",
    "certificationInfo": "certificates are the passport's documents",
    "persistentDisposition": "a product's state is its passport status",
    "errorDeclaration": "signed events are corrected by a later event, not declared void",
    "parentID": "we record no aggregation",
    "childEPCs": "we record no aggregation",
}
# The disposition each captured event is recorded (and rendered) with: None for none.
DISPOSITIONS = {"ObjectEvent": "non_sellable_other", "TransformationEvent": None}
DISPOSITION_PREFIXES = ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:")
# The only offset we render: recorded times are UTC instants.
OFFSET = "+00:00"


def unrecordable(event: dict, where: str) -> list[dict[str, str]]:
    """A refusal, by path, for each field of the event we would otherwise drop or change."""
    found = []
    for key in event:
        if key in RECORDED[event["type"]]:
            continue
        why = WHY.get(key, "an extension this service does not know" if ":" in key else None)
        message = "Not recorded by this service" + (f"; {why}." if why else ".")
        found.append({"field": f"{where}.{key}", "message": message})
    offset = event.get("eventTimeZoneOffset")
    if offset is not None and offset != OFFSET:
        found.append(
            {
                "field": f"{where}.eventTimeZoneOffset",
                "message": f"Only {OFFSET} is recorded: the signed payload keeps eventTime as a "
                f"UTC instant and it is rendered back with {OFFSET}. Send eventTime with any "
                f"offset and eventTimeZoneOffset {OFFSET}.",
            }
        )
    found.extend(_disposition(event, where))
    return found


def _disposition(event: dict, where: str) -> list[dict[str, str]]:
    if "disposition" not in event:
        return []
    sent = event["disposition"]
    word = sent
    if isinstance(sent, str):
        for prefix in DISPOSITION_PREFIXES:
            word = sent.removeprefix(prefix) if sent.startswith(prefix) else word
    recorded = DISPOSITIONS[event["type"]]
    if recorded is not None and word == recorded:
        return []
    if recorded is None:
        message = "A treatment batch is recorded with no disposition; leave it out."
    else:
        message = (
            f"A collection is recorded with disposition {recorded}; "
            f"{str(sent)[:100]} would be rendered back as {recorded}. Send {recorded} or none."
        )
    return [{"field": f"{where}.disposition", "message": message}]


def place_forms(key: str) -> str:
    forms = f'{{"id": "{v.place_uri("{ISO 3166 code}")}"}}, e.g. {v.place_uri("DE-BY")}'
    if key == "bizLocation":
        forms += ", or your own organisation's URI, " + v.organisation_uri("{organisation id}")
    return f"accepted: {forms}"


def place_of(event: dict, where: str, organisation) -> tuple[str | None, str]:
    """The ISO 3166 code the event's readPoint and bizLocation name (None if neither does);
    a location we cannot record, or two that disagree, is refused rather than dropped."""
    found, path = None, f"{where}.readPoint.id"
    for key in ("readPoint", "bizLocation"):
        if key not in event:
            continue
        at = f"{where}.{key}"
        location = event[key]
        if not isinstance(location, dict) or not isinstance(location.get("id"), str):
            raise refuse(at, f"An object with an id; {place_forms(key)}.")
        extra = sorted(set(location) - {"id"})
        if extra:
            raise refuse(f"{at}.{extra[0]}", f"Not recorded by this service; {place_forms(key)}.")
        uri = location["id"]
        if key == "bizLocation" and uri == v.organisation_uri(organisation.pk):
            continue  # what we render as bizLocation: the capturing organisation
        code = v.place_code(uri)
        if code is None:
            raise refuse(
                f"{at}.id", f"{uri[:100]} is not a place this service records; {place_forms(key)}."
            )
        if found is None:
            found, path = code, f"{at}.id"
        elif code != found:
            raise refuse(f"{at}.id", f"Names another place than {path}: one place is recorded.")
    return found, path


def region_of(event: dict, where: str, organisation) -> tuple[str | None, str]:
    """A collection's region: `cmp:region`, or the place its locations name; both must agree."""
    code, path = place_of(event, where, organisation)
    region = event.get(f"{P}:region")
    if region is None:
        return code, path
    if code is not None and region != code:
        raise CaptureRefused(
            400,
            [{"field": path, "message": f"Names another place than {P}:region: one is recorded."}],
        )
    return region, f"{where}.{P}:region"
