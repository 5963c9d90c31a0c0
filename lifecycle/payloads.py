"""What each event type carries, validated per product type before it is signed."""

import re
import threading

from rest_framework import serializers
from rest_framework.settings import api_settings

from lifecycle.models import EventType as E
from passports.declaration import StrictSerializer, country, quantity
from passports.declaration.compiled import SLOW
from passports.declaration.fields import FreeObject
from passports.declaration.passport import DocumentItem, ManufacturingPlace
from passports.models import ProductType
from passports.reference import country_codes
from passports.validators import SAFE_INTEGER, BoundedListField, validate_plausible_date

REGION_PATTERN = re.compile(r"^([A-Z]{2})-[A-Z0-9]{1,3}$")
PROCESS_ROUTES = ["mechanical", "pyrometallurgical", "hydrometallurgical", "direct_recycling"]
DISPOSAL_METHODS = ["landfill", "incineration", "other"]


def check_region(value: str) -> str:
    """An ISO 3166-2 subdivision code whose country part is a real country."""
    match = REGION_PATTERN.match(value)
    if not match or match.group(1) not in country_codes():
        raise serializers.ValidationError(
            f"{value!r} is not an ISO 3166-2 subdivision code such as 'DE-BY'."
        )
    return value


def percent(**kwargs) -> serializers.DecimalField:
    return quantity(max_value=100, required=False, **kwargs)


def hours(**kwargs) -> serializers.DecimalField:
    return quantity(required=False, **kwargs)


class AtLeastOneField(StrictSerializer):
    """Refuses an empty report: a health event must say something."""

    def validate(self, data: dict) -> dict:
        if not data:
            names = ", ".join(self.fields)
            raise serializers.ValidationError(f"Report at least one of: {names}.")
        return data


def temperature(**kwargs) -> serializers.DecimalField:
    return quantity(min_value=-273, required=False, **kwargs)


class BatteryHealth(AtLeastOneField):
    """A battery's values measured over its life (the longlist's dynamic attributes).

    Units are in the names: `_pct` percent, `_ah` ampere-hours, `_kwh` kilowatt-hours, `_w`
    watts, `_c` degrees Celsius, `_h` hours, `_pct_per_month` percent per month. Which of
    them are mandatory for which battery category is in passports/battery_attributes.py.
    """

    state_of_health_pct = percent()
    state_of_certified_energy_pct = percent()
    state_of_charge_pct = percent()
    full_cycles = serializers.IntegerField(min_value=0, max_value=SAFE_INTEGER, required=False)
    capacity_fade_pct = percent()
    remaining_capacity_ah = quantity(required=False)
    remaining_usable_energy_kwh = quantity(required=False)
    remaining_power_capability_w = quantity(required=False)
    remaining_power_capability_soc_pct = percent(
        help_text="The state of charge the remaining power capability was measured at."
    )
    power_fade_pct = percent()
    remaining_round_trip_efficiency_pct = percent()
    round_trip_efficiency_fade_pct = percent()
    current_self_discharge_pct_per_month = percent()
    self_discharge_evolution_pct = quantity(
        min_value=None,
        required=False,
        help_text="Change of the self-discharge rate since the initial rate, in %.",
    )
    internal_resistance_increase_pct = quantity(
        required=False, help_text="Increase of the pack's internal resistance, in %."
    )
    internal_resistance_increase_cell_pct = quantity(required=False)
    internal_resistance_increase_module_pct = quantity(required=False)
    energy_throughput_kwh = quantity(required=False)
    capacity_throughput_ah = quantity(required=False)
    temperature_c = temperature(help_text="The battery's temperature when measured.")
    temperature_min_c = temperature(help_text="Lowest temperature since the last report.")
    temperature_max_c = temperature(help_text="Highest temperature since the last report.")
    time_above_max_temperature_h = hours()
    time_below_min_temperature_h = hours()
    time_charging_above_max_temperature_h = hours()
    time_charging_below_min_temperature_h = hours()
    deep_discharge_events = serializers.IntegerField(
        min_value=0, max_value=SAFE_INTEGER, required=False
    )
    overcharge_events = serializers.IntegerField(
        min_value=0, max_value=SAFE_INTEGER, required=False
    )
    # Accidents since the last report: a handful at most; 50 bounds a report's size.
    accidents = BoundedListField(
        child=serializers.CharField(max_length=500), required=False, max_length=50
    )

    def validate(self, data: dict) -> dict:
        data = super().validate(data)
        if "remaining_power_capability_soc_pct" in data and (
            "remaining_power_capability_w" not in data
        ):
            raise serializers.ValidationError(
                {"remaining_power_capability_w": ["Give the power the state of charge is for."]}
            )
        return data


class PvModuleHealth(AtLeastOneField):
    """A PV module's measured performance: power at STC and its loss against the rating.

    Units are in the names (`_w` watts, `_pct` percent). Tiers and sources of these values are
    in passports/family_attributes.py.
    """

    renamed_keys = {
        "pmax_w": "Renamed: send the maximum power measured at STC as pmax_stc_w.",
    }

    pmax_stc_w = quantity(required=False, help_text="Maximum power measured at STC, in W.")
    degradation_pct = percent(help_text="Loss of maximum power against the rated pmax_w, in %.")
    measured_on = serializers.DateField(required=False, validators=[validate_plausible_date])

    def validate(self, data: dict) -> dict:
        if set(data) == {"measured_on"}:
            raise serializers.ValidationError("Report pmax_stc_w or degradation_pct with the date.")
        return super().validate(data)


class MagnetHealth(AtLeastOneField):
    """A magnet's measured state: remanence loss (%), temperature reached (°C), demagnetised."""

    remanence_loss_pct = percent()
    max_operating_temperature_c = quantity(min_value=-273, required=False)
    demagnetised = serializers.BooleanField(required=False)


HEALTH_SCHEMAS = {
    ProductType.BATTERY: BatteryHealth,
    ProductType.PV_MODULE: PvModuleHealth,
    ProductType.MAGNET: MagnetHealth,
}


class PlacedOnMarket(StrictSerializer):
    country = country()


class PutIntoService(StrictSerializer):
    date = serializers.DateField(validators=[validate_plausible_date])
    application = serializers.CharField(max_length=200)


class Repaired(StrictSerializer):
    # One repair replaces a few parts; 200 covers a full module rebuild part by part.
    parts = BoundedListField(
        child=serializers.CharField(max_length=200), allow_empty=False, max_length=200
    )
    description = serializers.CharField(max_length=2000, required=False)


class OwnershipTransferred(StrictSerializer):
    to = serializers.UUIDField(help_text="The receiving organisation's id.")


class Reused(StrictSerializer):
    application = serializers.CharField(max_length=200, required=False)
    notes = serializers.CharField(max_length=2000, required=False)


class SuccessorIdentity(StrictSerializer):
    """The successor product's identity, and what its new operator declares for it.

    The successor carries what its holder may read of the original; `attributes` and
    `documents` add to it or replace it (a document replaces the original's of its kind), as
    the successor's passport must be complete on its own (a test report of the repurposed
    battery, where it was repurposed, its new category or operator).
    """

    gtin = serializers.CharField(max_length=14, required=False, allow_null=True)
    serial = serializers.CharField(max_length=20, required=False, allow_null=True)
    model = serializers.CharField(max_length=100)
    manufacturing_place = ManufacturingPlace(
        required=False, help_text="Where it was repurposed; defaults to the operator's country."
    )
    attributes = serializers.DictField(required=False)
    # As many as a passport declaration may carry (passports/declaration/passport.py).
    documents = DocumentItem(many=True, required=False, max_length=50)


class Repurposed(StrictSerializer):
    """Repurposing or remanufacturing: the successor product's identity and new use."""

    successor = SuccessorIdentity()
    application = serializers.CharField(max_length=200)
    notes = serializers.CharField(max_length=2000, required=False)


class Collected(StrictSerializer):
    region = serializers.CharField(max_length=6, help_text="ISO 3166-2, e.g. DE-BY")
    collector = serializers.UUIDField(required=False, help_text="Defaults to the poster.")
    mass_kg = quantity(required=False, help_text="Weighed mass at collection.")

    def validate_region(self, value: str) -> str:
        return check_region(value)


class Recycled(StrictSerializer):
    batch = serializers.UUIDField(required=False)
    process_route = serializers.ChoiceField(choices=PROCESS_ROUTES, required=False)


class Disposed(StrictSerializer):
    method = serializers.ChoiceField(choices=DISPOSAL_METHODS)
    site = serializers.CharField(max_length=200, required=False)


PAYLOAD_SCHEMAS: dict[str, type[StrictSerializer]] = {
    E.PLACED_ON_MARKET: PlacedOnMarket,
    E.PUT_INTO_SERVICE: PutIntoService,
    E.REPAIRED: Repaired,
    E.OWNERSHIP_TRANSFERRED: OwnershipTransferred,
    E.REUSED: Reused,
    E.REPURPOSED: Repurposed,
    E.REMANUFACTURED: Repurposed,
    E.COLLECTED: Collected,
    E.RECYCLED: Recycled,
    E.DISPOSED: Disposed,
}


def payload_schema(event_type: str, product_type: str) -> type[StrictSerializer]:
    if event_type == E.HEALTH_REPORTED:
        return HEALTH_SCHEMAS[product_type]
    return PAYLOAD_SCHEMAS[event_type]


POSTABLE_TYPES = [t for t in E.values if t != E.REGISTERED]


class EventRequest(StrictSerializer):
    """A lifecycle event as a client posts it; the payload is checked against its type."""

    type = serializers.ChoiceField(choices=POSTABLE_TYPES)
    # The recording service also refuses moments past a few minutes of clock skew; the
    # plausibility rule here gives the same 400 with a field path as every other date.
    occurred_at = serializers.DateTimeField(validators=[validate_plausible_date])
    # Any JSON object; the schema of the event's type checks it in validate().
    payload = FreeObject(required=False, default=dict)

    def validate(self, data: dict) -> dict:
        schema = payload_schema(data["type"], self.context["product_type"])
        reused = self.context.get("payload_checkers")
        if reused is None:
            checked = schema(data=data["payload"])
            if not checked.is_valid():
                raise serializers.ValidationError({"payload": checked.errors})
            return {**data, "payload": checked.validated_data}
        # One plain instance per schema, with its compiled check: a payload the check is sure
        # of is accepted without DRF's per-object steps; any other goes to the instance.
        checker, compiled = reused.get(schema) or reused.setdefault(schema, _reusable(schema))
        payload = compiled(data["payload"]) if compiled is not None else SLOW
        if payload is SLOW:
            try:
                payload = checker.run_validation(data["payload"])
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"payload": exc.detail}) from exc
        return {**data, "payload": payload}


def _reusable(schema: type[StrictSerializer]) -> tuple:
    """A payload schema's instance for checking many payloads, and its compiled check."""
    checker = schema()
    return checker, checker.compiled_check()


class EventRequestChecker:
    """Checks many event requests with the same rules as EventRequest, reusing serializers.

    Building a DRF serializer deep-copies its fields (a battery health report has thirty), and
    for a batch of a thousand items that copying was most of the request's time. One instance
    per product type, and one per payload schema, check every item; the errors are the same.
    A checker holds no request state between items (each serializer keeps only its fields and
    their compiled checks, passports/declaration/compiled.py) but is not for two threads at once.
    """

    def __init__(self, request_class: type[EventRequest] = EventRequest):
        self._request_class = request_class
        self._by_product: dict[str, tuple] = {}
        self._payload_checkers: dict = {}

    def check(self, data, *, product_type: str) -> dict:
        """The validated request; raises serializers.ValidationError as is_valid would report."""
        if data is None:
            # run_validation alone says "This field may not be null."; is_valid words a null
            # body as Serializer.errors does, and clients have had that message.
            detail = serializers.ErrorDetail("No data provided", code="null")
            raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [detail]})
        checker, compiled = self._by_product.get(product_type) or self._build(product_type)
        # The compiled check accepts what it is sure of, with exactly the data DRF would give;
        # anything else, every error included, is DRF's to decide and word.
        validated = compiled(data) if compiled is not None else SLOW
        if validated is SLOW:
            return checker.run_validation(data)
        return validated

    def _build(self, product_type: str) -> tuple:
        context = {"product_type": product_type, "payload_checkers": self._payload_checkers}
        checker = self._request_class(context=context)
        built = self._by_product[product_type] = (checker, checker.compiled_check())
        return built


_per_thread = threading.local()


def thread_checker(request_class: type[EventRequest] = EventRequest) -> EventRequestChecker:
    """This thread's EventRequestChecker for `request_class`, built once per thread.

    Building the serializers deep-copies their fields; a checker keeps nothing of one body
    when checking the next, so requests can share it, one at a time (hence one per thread).
    """
    checkers = getattr(_per_thread, "checkers", None)
    if checkers is None:
        checkers = _per_thread.checkers = {}
    checker = checkers.get(request_class)
    if checker is None:
        checker = checkers[request_class] = EventRequestChecker(request_class)
    return checker


def event_request_check(data, *, product_type: str) -> dict:
    """One posted event checked as EventRequest(data=...).is_valid would, by this thread's
    checker: the serializers are built once per thread, not per request.

    Raises serializers.ValidationError with the errors is_valid would report.
    """
    return thread_checker().check(data, product_type=product_type)
