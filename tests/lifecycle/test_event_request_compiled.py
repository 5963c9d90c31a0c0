"""A posted event checked on the compiled path gives exactly what DRF's fields alone give.

The reference is a fresh EventRequest (or batch item) with every compiled check turned off, as
the request was checked before: the same validated data, value for value and type for type
(decimals with their exponent, moments with their zone, key order), or the same errors with
the same codes and paths.
"""

import datetime as dt
import uuid
from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.fields import ListField

from lifecycle.api.batch import EventBatchItem
from lifecycle.payloads import (
    HEALTH_SCHEMAS,
    PAYLOAD_SCHEMAS,
    POSTABLE_TYPES,
    EventRequest,
    EventRequestChecker,
    payload_schema,
)
from passports.declaration import compiled
from passports.models import ProductType

PRODUCT_TYPES = [ProductType.BATTERY, ProductType.PV_MODULE, ProductType.MAGNET]
REQUEST_CLASSES = [EventRequest, EventBatchItem]
CHECKERS = {kind: EventRequestChecker(kind) for kind in REQUEST_CLASSES}
RECENT = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)


def typed(value) -> object:
    """The value with every type, order and error code spelled out, for a strict comparison."""
    if isinstance(value, serializers.ErrorDetail):
        return ("error", str(value), value.code)
    if isinstance(value, dict):
        return ("dict", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    if isinstance(value, Decimal):
        return ("decimal", value.as_tuple())
    if isinstance(value, dt.datetime):
        return ("moment", value.isoformat(), repr(value.tzinfo))
    return (type(value).__name__, repr(value))


def fast(request_class, data, product_type: str) -> tuple[bool, object]:
    try:
        return True, typed(CHECKERS[request_class].check(data, product_type=product_type))
    except serializers.ValidationError as exc:
        return False, typed(exc.detail)


def drf_alone(request_class, data, product_type: str) -> tuple[bool, object]:
    with mock.patch.object(compiled, "field_check", lambda field: None):
        checked = request_class(data=data, context={"product_type": product_type})
        if checked.is_valid():
            return True, typed(checked.validated_data)
        return False, typed(dict(checked.errors))


def assert_same(request_class, data, product_type: str) -> bool:
    found = fast(request_class, data, product_type)
    assert found == drf_alone(request_class, data, product_type), data
    return found[0]


# Values near every edge the compiled checks look at: bools for numbers, floats, NaN and
# infinities, huge and tiny numbers, numbers as text with spaces or exponents, nulls, nested
# shapes, non-ASCII and control characters, moments without zones or in other forms.
EDGE_VALUES = [
    True, False, None, 0, -1, 1.5, float("nan"), float("inf"), 10**30, -(10**30), 2**53,
    Decimal("1.5"), Decimal("1E+2"), Decimal("0.0000001"), Decimal("100.000000"),
    "", " ", "0", "-0", "1e3", "NaN", "Infinity", "-Infinity", " 12", "12 ", "100.0000001",
    "99999999.999999", "123456789", "00012.50", "\x00", "\ud800", "é", "ünï", "日本",
    "DE", "DE-BY", "XX-1", "de-by", "mechanical", "landfill", "true",
    "2026-05-01", "2026-02-30", "1989-12-31", "2999-01-01", "2026-5-1",
    "2026-06-01T10:00:00Z", "2026-06-01T10:00:00", "2026-06-01 10:00:00Z",
    "2026-06-01T10:00:00.1234567Z", "2026-06-01T10:00:00+25:00", "2026-06-01T24:00:00Z",
    str(uuid.UUID(int=7)), uuid.UUID(int=7).hex, "{" + str(uuid.UUID(int=7)) + "}",
    f" {uuid.UUID(int=7)}", f"{uuid.UUID(int=7)}\n", f"urn:uuid:{uuid.UUID(int=7)}",
    [], [1], ["part"], ["x" * 201], {}, {"a": 1}, {"nested": {"deeper": [None]}},
]  # fmt: skip
EDGES = st.sampled_from(EDGE_VALUES)
TEXT = st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=12)


def good(field: serializers.Field) -> st.SearchStrategy:
    """Values the field accepts, or nearly all of them do (as a client would send them)."""
    if isinstance(field, serializers.ListSerializer):
        return st.lists(good(field.child), min_size=1, max_size=2)
    if isinstance(field, serializers.Serializer):
        return payloads(type(field), broken=False)
    if isinstance(field, serializers.DecimalField):
        low = -273 if field.min_value is None else field.min_value
        high = 10**6 if field.max_value is None else field.max_value
        numbers = st.decimals(min_value=low, max_value=high, places=field.decimal_places)
        # Text, integers, and fractions as the API's JSON parser reads them (Decimal).
        return st.one_of(numbers.map(str), numbers, st.integers(int(low) + 1, int(high)))
    if isinstance(field, serializers.IntegerField):
        return st.integers(min_value=0, max_value=10**6)
    if isinstance(field, serializers.BooleanField):
        return st.booleans()
    if isinstance(field, serializers.ChoiceField):
        return st.sampled_from(sorted(field.choices))
    if isinstance(field, serializers.DateField):
        return st.dates(dt.date(1990, 1, 1), dt.date(2026, 1, 1)).map(dt.date.isoformat)
    if isinstance(field, serializers.UUIDField):
        return st.uuids().map(str)
    if isinstance(field, ListField):
        return st.lists(good(field.child), min_size=1, max_size=3)
    if isinstance(field, serializers.DictField):
        return st.dictionaries(TEXT, TEXT, max_size=2)
    if field.field_name == "region":
        return st.sampled_from(["DE-BY", "FR-75", "PL-02"])
    if isinstance(field, serializers.CharField):
        return TEXT.filter(bool)
    raise AssertionError(f"no strategy for {field!r}")


@st.composite
def payloads(draw, schema: type[serializers.Serializer], broken: bool = True) -> dict:
    """A payload for the schema: some of its fields, and, when broken, odd values and keys."""
    fields = schema().fields
    # Near validity: at most one field takes an odd value, so each check's edge is reached.
    odd = draw(st.sampled_from([None, *fields])) if broken else None
    payload = {}
    for name, field in fields.items():
        if field.required or name == odd or draw(st.booleans()):
            payload[name] = draw(EDGES if name == odd else good(field))
    if broken and draw(st.booleans()):
        payload.pop(draw(st.sampled_from(sorted(fields))), None)
    if broken and draw(st.integers(0, 4)) == 0:
        payload[draw(st.sampled_from(["unknown", "pmax_w", "rated_capacity_kwh"]))] = 1
    return payload


def schema_of(event_type: str, product_type: str):
    return payload_schema(event_type, product_type) if event_type in POSTABLE_TYPES else None


UUIDS = st.uuids().map(str)
MOMENTS = st.one_of(
    st.datetimes(dt.datetime(1990, 1, 2), dt.datetime(2026, 6, 1), timezones=st.just(dt.UTC)).map(
        lambda moment: moment.isoformat().replace("+00:00", "Z")
    ),
    st.sampled_from(["+02:00", "-05:30", "Z", ".5Z", ".123456+01:00"]).map(
        lambda tail: "2026-06-01T10:00:00" + tail
    ),
    EDGES,
)


@st.composite
def requests(draw, broken: bool = True) -> tuple[type, dict, str]:
    request_class = draw(st.sampled_from(REQUEST_CLASSES))
    product_type = draw(st.sampled_from(PRODUCT_TYPES))
    kinds = POSTABLE_TYPES + (["registered", "unknown", 3, None] if broken else [])
    event_type = draw(st.sampled_from(kinds))
    schema = schema_of(event_type, product_type) if isinstance(event_type, str) else None
    body = {
        "type": event_type,
        "occurred_at": draw(MOMENTS) if broken else RECENT.isoformat(),
        "payload": draw(payloads(schema, broken)) if schema is not None else {},
    }
    if request_class is EventBatchItem:
        body["passport"] = draw(st.one_of(UUIDS, EDGES) if broken else UUIDS)
        if draw(st.booleans()):
            body["idempotency_key"] = draw(st.one_of(TEXT, EDGES) if broken else TEXT)
    if broken:
        for name in draw(st.lists(st.sampled_from([*body, "payload"]), max_size=2)):
            body.pop(name, None)
        if draw(st.integers(0, 5)) == 0:
            body["extra"] = draw(EDGES)
    return request_class, body, product_type


@settings(max_examples=400)
@given(requests(broken=False))
def test_a_well_formed_request_gets_drfs_validated_data(drawn):
    assert_same(*drawn)


@settings(max_examples=600)
@given(requests())
def test_any_request_gets_drfs_validated_data_or_drfs_errors(drawn):
    assert_same(*drawn)


@settings(max_examples=300)
@given(st.sampled_from(PRODUCT_TYPES), st.data())
def test_a_valid_health_report_is_taken_by_the_compiled_check(product_type, data):
    payload = data.draw(payloads(HEALTH_SCHEMAS[product_type], broken=False))
    body = {"type": "health_reported", "occurred_at": "2026-06-01T10:00:00Z", "payload": payload}

    if assert_same(EventRequest, body, product_type):
        checker, compiled_check = CHECKERS[EventRequest]._by_product[product_type]
        assert compiled_check(body) is not compiled.SLOW


ABSENT = object()


def body(payload=ABSENT, **changes) -> dict:
    found = {"type": "health_reported", "occurred_at": "2026-06-01T10:00:00Z"}
    if payload is not ABSENT:
        found["payload"] = payload
    return {**found, **changes}


HAND_PICKED = [
    body({"state_of_health_pct": True}),
    body({"state_of_health_pct": 97.5}),
    body({"state_of_health_pct": float("nan")}),
    body({"state_of_health_pct": "NaN"}),
    body({"state_of_health_pct": "Infinity"}),
    body({"state_of_health_pct": "-Infinity"}),
    body({"state_of_health_pct": 10**400}),
    body({"state_of_health_pct": Decimal("97.5")}),
    body({"state_of_health_pct": Decimal("97.5000000")}),
    body({"state_of_health_pct": Decimal("1E+1")}),
    body({"state_of_health_pct": Decimal("-0")}),
    body({"state_of_health_pct": Decimal("NaN")}),
    body({"state_of_health_pct": Decimal("-Infinity")}),
    body({"energy_throughput_kwh": Decimal("99999999.999999")}),
    body({"energy_throughput_kwh": Decimal("100000000.0")}),
    body({"energy_throughput_kwh": "99999999.999999"}),
    body({"energy_throughput_kwh": "100000000"}),
    body({"energy_throughput_kwh": "1e3"}),
    body({"full_cycles": "120"}),
    body({"full_cycles": 120.0}),
    body({"full_cycles": True}),
    body({"full_cycles": 2**53}),
    body({"full_cycles": 2**53 - 1}),
    body({"full_cycles": None}),
    body({"state_of_health_pct": "97.5", "unknown": 1}),
    body({"accidents": ["fire", "flood"]}),
    body({"accidents": "fire"}),
    body({"accidents": [{"nested": "object"}]}),
    body({"accidents": ["überschwemmung", "火"]}),
    body({"accidents": [" padded "]}),
    body({"remaining_power_capability_soc_pct": "50"}),
    body({}),
    body(),
    body(None),
    body([1, 2]),
    body("text"),
    body({"state_of_health_pct": "97.5"}, occurred_at="2026-06-01T12:00:00+02:00"),
    body({"state_of_health_pct": "97.5"}, occurred_at="2026-06-01T10:00:00"),
    body({"state_of_health_pct": "97.5"}, occurred_at="2026-06-01"),
    body({"state_of_health_pct": "97.5"}, occurred_at="1989-12-31T23:59:59Z"),
    body({"state_of_health_pct": "97.5"}, occurred_at="2999-01-01T00:00:00Z"),
    body({"state_of_health_pct": "97.5"}, occurred_at="9999-12-31T23:59:59-23:59"),
    body({"state_of_health_pct": "97.5"}, occurred_at=1_780_000_000),
    body({"state_of_health_pct": "97.5"}, type="registered"),
    body({"state_of_health_pct": "97.5"}, type=None),
    body({"state_of_health_pct": "97.5"}, extra={"a": 1}),
    body({"country": "DE"}, type="placed_on_market"),
    body({"country": "de"}, type="placed_on_market"),
    body({"date": "2026-05-01", "application": "bus"}, type="put_into_service"),
    body({"to": str(uuid.UUID(int=1))}, type="ownership_transferred"),
    body({"to": uuid.UUID(int=1).hex.upper()}, type="ownership_transferred"),
    body({"to": 1}, type="ownership_transferred"),
    body({"to": "not-a-uuid"}, type="ownership_transferred"),
    body({"region": "DE-BY", "mass_kg": "12.5"}, type="collected"),
    body({"region": "XX-BY"}, type="collected"),
    body({"method": "landfill", "site": "Süd"}, type="disposed"),
    body(
        {"successor": {"model": "Second life", "attributes": {"a": 1}}, "application": "home"},
        type="repurposed",
    ),  # fmt: skip
    body(
        {"successor": {"model": "Second life", "documents": [{"kind": "x"}]}, "application": "h"},
        type="remanufactured",
    ),  # fmt: skip
    None,
    [],
    "text",
]


@pytest.mark.parametrize("request_class", REQUEST_CLASSES)
@pytest.mark.parametrize("data", HAND_PICKED)
def test_hand_picked_edge_cases_get_drfs_answer(request_class, data):
    if request_class is EventBatchItem and isinstance(data, dict):
        data = {**data, "passport": str(uuid.UUID(int=5)), "idempotency_key": "k-1"}
    for product_type in PRODUCT_TYPES:
        assert_same(request_class, data, product_type)


def test_a_batch_items_passport_and_key_are_converted_as_drf_converts_them():
    item = body({"state_of_health_pct": "97.5"})
    known = uuid.UUID(int=9)
    passports = [str(known), known.hex.upper(), f"{{{known}}}", f"urn:uuid:{known}", f" {known}",
                 f"{known}\n", known.int, str(known)[:-1], ""]  # fmt: skip
    for passport in passports:
        for key in ["k-1", None, "", " k ", "x" * 201]:
            data = {**item, "passport": passport, "idempotency_key": key}
            assert_same(EventBatchItem, data, ProductType.BATTERY)


def test_every_event_type_has_a_schema_the_generator_covers():
    schemas = {payload_schema(t, p) for t in POSTABLE_TYPES for p in PRODUCT_TYPES}

    assert schemas == set(PAYLOAD_SCHEMAS.values()) | set(HEALTH_SCHEMAS.values())
