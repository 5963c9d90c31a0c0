"""EPCIS documents as a collector's or recycler's system would send them to our capture."""

from passports.models import Passport
from tests.recycling.epcis_fleet import WHEN

URL = "/api/v1/epcis/capture"
BASE = "http://127.0.0.1:8000"
CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
           {"cmp": f"{BASE}/epcis/ns#"}]  # fmt: skip


def link(passport_id: str) -> str:
    passport = Passport.objects.get(pk=passport_id)
    return f"{BASE}/01/{passport.gtin}/21/{passport.serial}"


def document(*events: dict) -> dict:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-09-01T09:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }


def receiving(*epcs: str, masses: dict | None = None, **changes) -> dict:
    captured = {
        "type": "ObjectEvent",
        "eventTime": WHEN,
        "eventTimeZoneOffset": "+00:00",
        "epcList": list(epcs),
        "action": "OBSERVE",
        "bizStep": "receiving",
        "disposition": "non_sellable_other",
        "readPoint": {"id": f"{BASE}/epcis/places/DE-BY"},
    }
    if masses:
        captured["cmp:massKg"] = masses
    return {**captured, **changes}


def treatment(*epcs: str, **changes) -> dict:
    fractions = f"{BASE}/epcis/fractions"
    return {
        "type": "TransformationEvent",
        "eventTime": "2026-09-03T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "inputEPCList": list(epcs),
        "outputQuantityList": [
            {"epcClass": f"{fractions}/recycling/cobalt%20sulphate", "quantity": 51.6,
             "uom": "KGM"},
            {"epcClass": f"{fractions}/disposal/leach%20residue", "quantity": 150, "uom": "KGM"},
        ],
        "bizStep": "creating_class_instance",
        "readPoint": {"id": f"{BASE}/epcis/places/DE-BY"},
        "cmp:processRoute": "hydrometallurgical",
        "cmp:inputMassKg": {epc: "450" for epc in epcs},
        "cmp:outputs": [
            {"epcClass": f"{fractions}/recycling/cobalt%20sulphate", "originMassKg": "5.5",
             "elements": {"Co": "5.5"}},
        ],
        **changes,
    }  # fmt: skip


def errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}
