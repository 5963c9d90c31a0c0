"""A scanned product as a collector or recycler sees it, with the end-of-life actions.

The passport is read at the reader's tier (legitimate interest for collectors and recyclers) and
every read is recorded as on the API. Recording a collection and adding the product to a batch
go through the same serializers and services as /api/v1/collections/ and
/api/v1/batches/{id}/inputs/, so a refusal reads the same here as there.
"""

import json
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lifecycle.errors import EventRefused
from lifecycle.models import EventType
from lifecycle.rules import TRANSITIONS
from passports.api.errors import flatten_errors
from passports.declaration import decimal_text
from passports.models import OrganisationKind, Passport, PassportStatus
from passports.representation import passport_for_reader, with_related
from passports.substances import is_element
from passports.tiers import tier_for
from recycling.api.records import CollectionIn, InputIn
from recycling.categories import ATTRIBUTE, category_of
from recycling.models import Batch, BatchInput, BatchStatus, CollectionItem
from recycling.services.batches import batch_input_add
from recycling.services.collections import collection_record
from web.access import area_required
from web.intake import labels
from web.intake.forms import BatchInputForm, CollectionForm, errors_apply


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


def _composition_elements(passport: Passport) -> list[str]:
    return [e.substance for e in passport.composition.all() if is_element(e.substance)]


def _documents(data: dict, kind: str) -> list[dict]:
    return [doc for doc in data.get("documents", []) if doc["kind"] == kind]


def _occurred_on(event) -> str:
    """When the event happened, as signed in its payload (the signing time may be later)."""
    payload = json.loads(bytes(event.envelope)).get("payload") or {}
    occurred = payload.get("occurred_at") or event.time.isoformat()
    return occurred[:10]


def _timeline(passport: Passport) -> list[dict]:
    events = passport.events.select_related("actor").order_by("seq")
    return [
        {
            "type": labels.label(labels.EVENT_TYPES, event.type),
            "occurred_on": _occurred_on(event),
            "actor": event.actor.name,
        }
        for event in events
    ]


def _page(request, passport: Passport, *, collection_form=None, input_form=None, status=200):
    """Renders the passport with both action forms, fresh or carrying their errors."""
    organisation = request.user.organisation
    tier = tier_for(organisation, passport)
    data = passport_for_reader(passport, user=request.user, tier=tier, via="intake")
    attributes = data["attributes"]
    is_recycler = organisation.kind == OrganisationKind.RECYCLER
    collectable = passport.status in TRANSITIONS[EventType.COLLECTED][0]
    batch_input = BatchInput.objects.filter(passport=passport).select_related("batch").first()
    own_batch = batch_input is not None and batch_input.batch.recycler_id == organisation.pk
    can_add = is_recycler and passport.status == PassportStatus.WASTE and batch_input is None
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
        "is_waste": passport.status == PassportStatus.WASTE,
        "hazards": attributes.get("hazardous_substances", []),
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
        "is_recycler": is_recycler,
        "can_add": can_add,
        "batch_input": batch_input if own_batch else None,
        "batches": batches,
        "input_form": input_form
        or BatchInputForm(
            batches=batches,
            elements=_composition_elements(passport),
            initial={"batch": batches[0][0] if batches else ""},
        ),
    }
    return render(request, "web/intake/passport.html", context, status=status)


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
