"""Reporting a passport's health: the API's `health_reported` event, posted from a form."""

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rest_framework import serializers

from lifecycle.errors import EventRefused
from lifecycle.models import EventType
from lifecycle.payloads import HEALTH_SCHEMAS, EventRequest
from lifecycle.services.events import event_record, request_digest
from passports.api.errors import flatten_errors
from web.access import area_required
from web.console.fields import FormField, attach_errors, fill_values
from web.console.queries import own_passport_or_404

HEALTH_LABELS = {
    "state_of_health_pct": gettext_lazy("State of health (%)"),
    "state_of_certified_energy_pct": gettext_lazy("State of certified energy (%)"),
    "state_of_charge_pct": gettext_lazy("State of charge (%)"),
    "remaining_usable_energy_kwh": gettext_lazy("Remaining usable energy (kWh)"),
    "remaining_power_capability_soc_pct": gettext_lazy(
        "State of charge of the power measurement (%)"
    ),
    "power_fade_pct": gettext_lazy("Power fade (%)"),
    "remaining_round_trip_efficiency_pct": gettext_lazy("Remaining round-trip efficiency (%)"),
    "round_trip_efficiency_fade_pct": gettext_lazy("Round-trip efficiency fade (%)"),
    "current_self_discharge_pct_per_month": gettext_lazy("Self-discharge rate (% per month)"),
    "self_discharge_evolution_pct": gettext_lazy("Change of self-discharge rate (%)"),
    "internal_resistance_increase_cell_pct": gettext_lazy("Internal resistance increase, cell (%)"),
    "internal_resistance_increase_module_pct": gettext_lazy(
        "Internal resistance increase, module (%)"
    ),
    "temperature_c": gettext_lazy("Temperature (°C)"),
    "temperature_min_c": gettext_lazy("Lowest temperature since last report (°C)"),
    "temperature_max_c": gettext_lazy("Highest temperature since last report (°C)"),
    "full_cycles": gettext_lazy("Full charge cycles"),
    "capacity_fade_pct": gettext_lazy("Capacity fade (%)"),
    "remaining_capacity_ah": gettext_lazy("Remaining capacity (Ah)"),
    "remaining_power_capability_w": gettext_lazy("Remaining power capability (W)"),
    "internal_resistance_increase_pct": gettext_lazy("Internal resistance increase (%)"),
    "energy_throughput_kwh": gettext_lazy("Energy throughput (kWh)"),
    "capacity_throughput_ah": gettext_lazy("Capacity throughput (Ah)"),
    "time_above_max_temperature_h": gettext_lazy("Time above max. temperature (h)"),
    "time_below_min_temperature_h": gettext_lazy("Time below min. temperature (h)"),
    "time_charging_above_max_temperature_h": gettext_lazy(
        "Time charging above max. temperature (h)"
    ),
    "time_charging_below_min_temperature_h": gettext_lazy(
        "Time charging below min. temperature (h)"
    ),
    "deep_discharge_events": gettext_lazy("Deep discharge events"),
    "overcharge_events": gettext_lazy("Overcharge events"),
    "accidents": gettext_lazy("Accidents"),
    "pmax_stc_w": gettext_lazy("Measured maximum power at STC (W)"),
    "measured_on": gettext_lazy("Date of measurement"),
    "degradation_pct": gettext_lazy("Degradation (%)"),
    "remanence_loss_pct": gettext_lazy("Remanence loss (%)"),
    "max_operating_temperature_c": gettext_lazy("Max. operating temperature seen (°C)"),
    "demagnetised": gettext_lazy("Demagnetised"),
}
BOOLEAN_CHOICES = {"yes": True, "no": False}


def health_fields(product_type: str) -> list[FormField]:
    """The occurrence time and one input per field of the product type's health schema."""
    fields = [
        FormField("occurred_at", gettext_lazy("Measured at (UTC)"), "datetime", required=True)
    ]
    for name, schema_field in HEALTH_SCHEMAS[product_type]().fields.items():
        label = HEALTH_LABELS.get(name, name)
        path = f"payload.{name}"
        if isinstance(schema_field, serializers.BooleanField):
            choices = [("", gettext_lazy("(not given)")), ("yes", _("yes")), ("no", _("no"))]
            fields.append(FormField(path, label, "select", choices))
        elif isinstance(schema_field, serializers.ListField):
            fields.append(FormField(path, label, "textarea", help=gettext_lazy("One per line.")))
        elif isinstance(schema_field, serializers.IntegerField):
            fields.append(FormField(path, label, "integer"))
        elif isinstance(schema_field, serializers.DateField):
            fields.append(FormField(path, label, "date"))
        else:
            fields.append(FormField(path, label, "decimal"))
    return fields


def event_body(fields: list[FormField]) -> dict:
    """The request body the API would receive: blank inputs left out, as a client would."""
    payload: dict = {}
    for form_field in fields[1:]:
        if form_field.value == "":
            continue
        name = form_field.name.removeprefix("payload.")
        if form_field.kind == "select":
            payload[name] = BOOLEAN_CHOICES.get(form_field.value, form_field.value)
        elif form_field.kind == "textarea":
            payload[name] = [line.strip() for line in form_field.value.splitlines() if line.strip()]
        else:
            payload[name] = form_field.value
    return {"type": EventType.HEALTH_REPORTED, "occurred_at": fields[0].value, "payload": payload}


@area_required("console")
@require_http_methods(["GET", "POST"])
def health_report(request, pk):
    """A form for one health report; a valid post signs and appends the event, else 400/409."""
    passport = own_passport_or_404(request, pk)
    fields = health_fields(passport.product_type)
    if request.method == "GET":
        now = timezone.now().replace(second=0, microsecond=0, tzinfo=None)
        fill_values(fields, {"occurred_at": now.isoformat(timespec="minutes")})
        return _page(request, passport, fields, [], uuid.uuid4().hex)
    fill_values(fields, request.POST)
    # A fresh key per rendered form: a double-clicked submit records the report once.
    key = request.POST.get("idempotency_key", "")[:200] or uuid.uuid4().hex
    body = event_body(fields)
    checked = EventRequest(data=body, context={"product_type": passport.product_type})
    if not checked.is_valid():
        others = attach_errors(fields, flatten_errors(checked.errors))
        return _page(request, passport, fields, others, key, status=400)
    data = checked.validated_data
    try:
        event_record(
            passport_id=passport.pk,
            actor=request.user.organisation,
            event_type=data["type"],
            occurred_at=data["occurred_at"],
            payload=data["payload"],
            idempotency_key=f"console-health-{key}",
            digest=request_digest(passport_id=passport.pk, body=body),
        )
    except EventRefused as refused:
        others = attach_errors(fields, refused.errors)
        return _page(request, passport, fields, others, key, status=refused.status)
    messages.success(request, _("Health report signed and added to the passport's chain."))
    return redirect("web:console-passport", pk=passport.pk)


def _page(request, passport, fields, other_errors, key, status=200):
    return render(
        request,
        "web/console/health.html",
        {
            "passport": passport,
            "time_field": fields[0],
            "fields": fields[1:],
            "other_errors": other_errors,
            "error_count": sum(len(f.errors) for f in fields) + len(other_errors),
            "idempotency_key": key,
        },
        status=status,
    )
