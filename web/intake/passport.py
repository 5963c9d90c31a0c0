"""A scanned product as a collector or recycler sees it, with the end-of-life actions.

The passport is read at the reader's tier (legitimate interest for collectors and recyclers) and
every read is recorded as on the API; each such intake scan is checked for signs of a copied
label (recycling/services/alerts.py). Recording a collection, handing the waste over and adding
the product to a batch go through the same serializers and services as /api/v1/collections/,
/api/v1/passports/{id}/events/ and /api/v1/batches/{id}/inputs/, so a refusal reads the same here
as there.
"""

import json
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lifecycle.errors import EventRefused
from lifecycle.models import EventType
from lifecycle.payloads import EventRequest
from lifecycle.rules import TRANSFER_RECIPIENTS, TRANSITIONS
from lifecycle.services.events import event_record
from passports.api.errors import flatten_errors
from passports.declaration import decimal_text
from passports.models import Organisation, OrganisationKind, Passport, PassportStatus
from passports.representation import passport_for_reader, with_related
from passports.substances import is_element
from passports.tiers import tier_for
from recycling.api.records import CollectionIn, InputIn
from recycling.categories import ATTRIBUTE, category_of
from recycling.models import Batch, BatchInput, BatchStatus, CollectionItem
from recycling.services.alerts import intake_scan_alerts_raise
from recycling.services.batches import batch_input_add
from recycling.services.collections import collection_record
from web.access import area_required
from web.intake import labels
from web.intake.forms import BatchInputForm, CollectionForm, HandoverForm, errors_apply

# Who may take held waste, as groups of the select: the recycler that treats it comes first.
RECIPIENT_GROUPS = [
    (OrganisationKind.RECYCLER, gettext_lazy("Recyclers")),
    (OrganisationKind.COLLECTOR, gettext_lazy("Collectors")),
]


def _passport(pk) -> Passport:
    return get_object_or_404(with_related(Passport.objects), pk=pk)


def _open_batches(organisation, passport: Passport) -> list[tuple[str, str]]:
    """The recycler's open batches as select choices, described well enough to pick one; those
    treating this kind of product come first, so the likely one is preselected."""
    category = category_of(passport.product_type, passport.attributes)
    batches = sorted(
        Batch.objects.filter(recycler=organisation, status=BatchStatus.OPEN),
        key=lambda b: (b.product_type, b.chemistry_category) != (passport.product_type, category),
    )
    return [
        (
            str(batch.pk),
            f"{labels.label(labels.PRODUCT_TYPES, batch.product_type)} · "
            f"{batch.chemistry_category} · "
            f"{labels.label(labels.PROCESS_ROUTES, batch.process_route)} · "
            f"{batch.started_at:%Y-%m-%d} · {str(batch.pk)[:8]}",
        )
        for batch in batches
    ]


def _recipients(organisation) -> list[tuple[str, list[tuple[str, str]]]]:
    """The organisations that may take waste from this one, grouped by kind for one select."""
    kinds = TRANSFER_RECIPIENTS[PassportStatus.WASTE]
    candidates = Organisation.objects.filter(kind__in=kinds).exclude(pk=organisation.pk)
    groups = []
    for kind, heading in RECIPIENT_GROUPS:
        choices = [
            (str(org.pk), f"{org.name} ({org.country})" if org.country else org.name)
            for org in candidates
            if org.kind == kind
        ]
        if choices:
            groups.append((str(heading), choices))
    return groups


def _composition_elements(passport: Passport) -> list[str]:
    return [e.substance for e in passport.composition.all() if is_element(e.substance)]


def _documents(data: dict, kind: str) -> list[dict]:
    return [doc for doc in data.get("documents", []) if doc["kind"] == kind]


def _signed_payload(event) -> dict:
    return json.loads(bytes(event.envelope)).get("payload") or {}


def _timeline(passport: Passport) -> list[dict]:
    """The events in order: when each happened as signed in its payload (the signing time may be
    later), who signed it, and for a handover who received the product."""
    events = passport.events.select_related("actor").order_by("seq")
    payloads = {event.pk: _signed_payload(event) for event in events}
    handed_to = {
        event.pk: uuid.UUID(payloads[event.pk]["to"])
        for event in events
        if event.type == EventType.OWNERSHIP_TRANSFERRED
    }
    recipients = Organisation.objects.in_bulk(list(handed_to.values()))
    timeline = []
    for event in events:
        payload = payloads[event.pk]
        recipient = recipients.get(handed_to.get(event.pk))
        occurred = payload.get("occurred_at") or event.time.isoformat()
        timeline.append(
            {
                "type": labels.label(labels.EVENT_TYPES, event.type),
                "occurred_on": occurred[:10],
                "actor": event.actor.name,
                "recipient": recipient.name if recipient is not None else "",
            }
        )
    return timeline


def _page(
    request,
    passport: Passport,
    *,
    collection_form=None,
    handover_form=None,
    input_form=None,
    status=200,
):
    """Renders the passport with its action forms, fresh or carrying their errors."""
    organisation = request.user.organisation
    tier = tier_for(organisation, passport)
    with transaction.atomic():
        # Opening a product at intake is a scan: it is checked for signs of a copied label.
        data = passport_for_reader(passport, user=request.user, tier=tier, via="intake")
        intake_scan_alerts_raise(passport=passport, organisation=organisation)
    attributes = data["attributes"]
    is_recycler = organisation.kind == OrganisationKind.RECYCLER
    is_waste = passport.status == PassportStatus.WASTE
    holds = passport.holder_id == organisation.pk
    holder = None if holds else passport.holder
    collectable = passport.status in TRANSITIONS[EventType.COLLECTED][0]
    batch_input = BatchInput.objects.filter(passport=passport).select_related("batch").first()
    own_batch = batch_input is not None and batch_input.batch.recycler_id == organisation.pk
    # Only the holder treats waste (see recycling.services.batches): another's waste waits for
    # its holder to hand it over, and the page says so instead of offering a form that fails.
    can_add = is_recycler and is_waste and batch_input is None and holds
    # A product already in a batch is about to be treated there, so it is not handed on.
    can_hand_over = is_waste and holds and batch_input is None
    batches = _open_batches(organisation, passport) if can_add else []
    collection = (
        CollectionItem.objects.filter(passport=passport)
        .select_related("collection__collector")
        .first()
    )
    context = {
        "passport": data,
        "passport_id": passport.pk,
        "tier": labels.label(labels.TIERS, tier),
        "product_type": labels.label(labels.PRODUCT_TYPES, passport.product_type),
        "technology_label": labels.TECHNOLOGY_LABELS[passport.product_type],
        "technology": attributes.get(ATTRIBUTE[passport.product_type], ""),
        "category": category_of(passport.product_type, passport.attributes),
        "status": labels.label(labels.STATUSES, passport.status),
        "is_waste": is_waste,
        "holder_name": holder.name if holder is not None else "",
        "hazards": [hazard_text(h) for h in attributes.get("hazardous_substances", [])],
        "extinguishing_agent": attributes.get("extinguishing_agent", ""),
        "safety_documents": _documents(data, "safety"),
        "dismantling_documents": _documents(data, "dismantling"),
        "removal_information": attributes.get("removal_information", ""),
        "collection": collection,
        "collection_mass": decimal_text(collection.mass_kg)
        if collection is not None and collection.mass_kg is not None
        else "",
        "timeline": _timeline(passport),
        "collectable": collectable,
        "collection_form": collection_form
        or CollectionForm(initial={"collected_on": timezone.localdate().isoformat()}),
        "can_hand_over": can_hand_over,
        "handover_form": handover_form
        or HandoverForm(
            recipients=_recipients(organisation) if can_hand_over else (),
            initial={"handed_on": timezone.localdate().isoformat()},
        ),
        "is_recycler": is_recycler,
        "can_add": can_add,
        "batch_input": batch_input if own_batch else None,
        "in_a_batch": batch_input is not None,
        "batches": batches,
        "input_form": input_form
        or BatchInputForm(
            batches=batches,
            elements=_composition_elements(passport),
            initial={"batch": batches[0][0] if batches else ""},
        ),
    }
    return render(request, "web/intake/passport.html", context, status=status)


def hazard_text(hazard) -> str:
    """One hazardous substance in a line: a name (older passports), or name, CAS, classes and
    where it sits, which is what a worker opening the product needs."""
    if isinstance(hazard, str):
        return hazard
    parts = [hazard.get("name", "")]
    if hazard.get("cas"):
        parts.append(f"CAS {hazard['cas']}")
    if hazard.get("hazard_classes"):
        parts.append(", ".join(hazard["hazard_classes"]))
    if hazard.get("location"):
        parts.append(hazard["location"])
    return " · ".join(p for p in parts if p)


@require_GET
@area_required("intake")
def passport_detail(request, pk):
    """The passport at the reader's tier, the product's history, and what can be done next."""
    return _page(request, _passport(pk))


@require_POST
@area_required("intake")
def collection_add(request, pk):
    """Records the product as collected (it becomes waste), all or nothing."""
    passport = _passport(pk)
    form = CollectionForm(request.POST)
    form.is_valid()
    body = CollectionIn(data=form.api_body(passport.pk))
    if not body.is_valid():
        errors_apply(form, flatten_errors(body.errors), form.API_FIELDS)
        return _page(request, passport, collection_form=form, status=400)
    data = body.validated_data
    try:
        collection_record(
            collector=request.user.organisation,
            region=data["region"],
            collected_at=data["collected_at"],
            items=[(item["passport"], item.get("mass_kg")) for item in data["items"]],
        )
    except EventRefused as refused:
        errors_apply(form, refused.errors, form.API_FIELDS)
        return _page(request, passport, collection_form=form, status=refused.status)
    messages.success(request, _("Collection recorded: the product is now waste."))
    return redirect("web:intake-passport", pk=passport.pk)


@require_POST
@area_required("intake")
def handover_create(request, pk):
    """Hands the held waste over to a recycler (or another collector) with a signed
    ownership_transferred event; only the holder may, as on the API."""
    organisation = request.user.organisation
    passport = _passport(pk)
    form = HandoverForm(request.POST, recipients=_recipients(organisation))
    form.is_valid()
    if not form.cleaned_data["recipient"]:
        form.add_error("recipient", _("Choose the organisation that takes the product."))
        return _page(request, passport, handover_form=form, status=400)
    body = EventRequest(data=form.api_body(), context={"product_type": passport.product_type})
    if not body.is_valid():
        errors_apply(form, flatten_errors(body.errors), form.API_FIELDS)
        return _page(request, passport, handover_form=form, status=400)
    data = body.validated_data
    try:
        event_record(
            passport_id=passport.pk,
            actor=organisation,
            event_type=EventType.OWNERSHIP_TRANSFERRED,
            occurred_at=data["occurred_at"],
            payload={"to": data["payload"]["to"]},
        )
    except EventRefused as refused:
        errors_apply(form, refused.errors, form.API_FIELDS)
        return _page(request, passport, handover_form=form, status=refused.status)
    recipient = Organisation.objects.get(pk=data["payload"]["to"])
    messages.success(
        request, _("Handed over to %(organisation)s.") % {"organisation": recipient.name}
    )
    return redirect("web:intake-passport", pk=passport.pk)


@require_POST
@area_required("intake")
def batch_input_create(request, pk):
    """Puts the product into one of the recycler's open batches; another's batch is a 404."""
    organisation = request.user.organisation
    if organisation.kind != OrganisationKind.RECYCLER:
        raise PermissionDenied
    passport = _passport(pk)
    batches = _open_batches(organisation, passport)
    form = BatchInputForm(request.POST, batches=batches, elements=_composition_elements(passport))
    form.is_valid()
    chosen = form.cleaned_data["batch"]
    if not chosen:
        form.add_error("batch", _("Choose one of your open batches."))
        return _page(request, passport, input_form=form, status=400)
    try:
        batch = get_object_or_404(Batch, pk=uuid.UUID(chosen), recycler=organisation)
    except ValueError as exc:
        raise Http404 from exc
    body = InputIn(data=form.api_body(passport.pk))
    if not body.is_valid():
        errors_apply(form, flatten_errors(body.errors), form.API_FIELDS)
        return _page(request, passport, input_form=form, status=400)
    data = body.validated_data
    try:
        batch_input_add(
            batch_id=batch.pk,
            passport=data["passport"],
            mass_kg=data["mass_kg"],
            assay=data.get("assay") or None,
        )
    except EventRefused as refused:
        errors_apply(form, refused.errors, form.API_FIELDS)
        return _page(request, passport, input_form=form, status=refused.status)
    messages.success(request, _("Added to the batch."))
    return redirect("web:intake-batch", pk=batch.pk)
