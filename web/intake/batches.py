"""Treatment batches for recyclers: list, open, record outputs, watch the balance, close.

Writes go through the serializers and services behind /api/v1/batches/, so the validation and
refusal messages (a closing refused for an element's imbalance, for instance) are the API's.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lifecycle.errors import EventRefused
from passports.api.errors import flatten_errors
from passports.declaration import decimal_text
from recycling.api.records import BatchIn, OutputIn
from recycling.models import Batch, BatchStatus
from recycling.services.balance import batch_balance
from recycling.services.batches import batch_close, batch_open, batch_output_record
from web.intake import labels
from web.intake.forms import BatchOpenForm, OutputForm, errors_apply
from web.intake.roles import recycler_required


def _summary(batch: Batch) -> dict:
    return {
        "id": batch.pk,
        "short_id": str(batch.pk)[:8],
        "product_type": labels.label(labels.PRODUCT_TYPES, batch.product_type),
        "chemistry_category": batch.chemistry_category,
        "process_route": labels.label(labels.PROCESS_ROUTES, batch.process_route),
        "site": batch.site_region or batch.site_country,
        "started_at": batch.started_at,
        "closed_at": batch.closed_at,
        "is_open": batch.status == BatchStatus.OPEN,
        "status": labels.label(labels.BATCH_STATUSES, batch.status),
    }


@require_GET
@recycler_required
def batch_list(request):
    """The recycler's own batches, open ones first."""
    batches = Batch.objects.filter(recycler=request.user.organisation).order_by(
        "-status", "-started_at"
    )
    rows = [_summary(batch) for batch in batches]
    return render(
        request,
        "web/intake/batches.html",
        {
            "open_batches": [row for row in rows if row["is_open"]],
            "closed_batches": [row for row in rows if not row["is_open"]],
        },
    )


@require_http_methods(["GET", "POST"])
@recycler_required
def batch_new(request):
    """Opens a treatment batch at one of the recycler's sites."""
    if request.method == "GET":
        initial = {
            "started_on": timezone.localdate().isoformat(),
            "site_country": request.user.organisation.country,
        }
        return render(
            request, "web/intake/batch_new.html", {"form": BatchOpenForm(initial=initial)}
        )
    form = BatchOpenForm(request.POST)
    form.is_valid()
    body = BatchIn(data=form.api_body())
    if not body.is_valid():
        errors_apply(form, flatten_errors(body.errors), form.API_FIELDS)
        return render(request, "web/intake/batch_new.html", {"form": form}, status=400)
    batch = batch_open(recycler=request.user.organisation, **body.validated_data)
    messages.success(request, _("Batch opened. Scan products to add them as inputs."))
    return redirect("web:intake-batch", pk=batch.pk)


def _own_batch(request, pk) -> Batch:
    return get_object_or_404(Batch, pk=pk, recycler=request.user.organisation)


def _element_cells(elements: list[str], masses: dict[str, str]) -> list[str]:
    return [masses.get(element, "") for element in elements]


def _detail(request, batch: Batch, *, output_form=None, close_errors=(), status=200):
    """Renders a batch with its records, the balance and, while open, the forms."""
    balance = batch_balance(batch)
    elements = [row.element for row in balance.elements]
    inputs = batch.inputs.select_related("passport").prefetch_related("elements")
    outputs = batch.outputs.prefetch_related("elements")
    input_rows = [
        {
            "passport": row.passport,
            "source_output": row.source_output_id,
            "mass_kg": decimal_text(row.mass_kg),
            "basis": labels.label(labels.BASES, row.basis),
            "cells": _element_cells(
                elements, {e.element: decimal_text(e.mass_kg) for e in row.elements.all()}
            ),
        }
        for row in inputs
    ]
    output_rows = [
        {
            "fraction": row.fraction,
            "counts_as": labels.label(labels.COUNTS_AS, row.counts_as),
            "mass_kg": decimal_text(row.mass_kg),
            "origin_mass_kg": decimal_text(row.origin_mass_kg),
            "destination": row.destination,
            "cells": _element_cells(
                elements, {e.element: decimal_text(e.mass_kg) for e in row.elements.all()}
            ),
        }
        for row in outputs
    ]
    input_elements = sorted({row.element for row in balance.elements if row.mass_in})
    context = {
        "batch": _summary(batch),
        "declared_loss_kg": decimal_text(batch.declared_loss_kg),
        "elements": elements,
        "input_rows": input_rows,
        "output_rows": output_rows,
        "balance": balance,
        "balance_data": balance.as_data(),
        "tolerance_pct": decimal_text(settings.MASS_BALANCE_TOLERANCE * 100),
        "output_form": output_form or OutputForm(elements=input_elements),
        "close_errors": close_errors,
    }
    return render(request, "web/intake/batch.html", context, status=status)


@require_GET
@recycler_required
def batch_detail(request, pk):
    """One of the recycler's batches: inputs, outputs with element masses, the balance."""
    return _detail(request, _own_batch(request, pk))


@require_POST
@recycler_required
def batch_output_create(request, pk):
    """Records an output fraction and the element masses recovered in it."""
    batch = _own_batch(request, pk)
    input_elements = [row.element for row in batch_balance(batch).elements if row.mass_in]
    form = OutputForm(request.POST, elements=input_elements)
    if not form.is_valid():
        return _detail(request, batch, output_form=form, status=400)
    body = OutputIn(data=form.api_body())
    if not body.is_valid():
        errors_apply(form, flatten_errors(body.errors), form.api_fields())
        return _detail(request, batch, output_form=form, status=400)
    data = body.validated_data
    try:
        batch_output_record(batch_id=batch.pk, data=data)
    except EventRefused as refused:
        errors_apply(form, refused.errors, form.api_fields())
        batch.refresh_from_db()
        return _detail(request, batch, output_form=form, status=refused.status)
    messages.success(request, _("Output recorded."))
    return redirect("web:intake-batch", pk=batch.pk)


@require_POST
@recycler_required
def batch_close_view(request, pk):
    """Closes the batch if it balances; otherwise shows what the API would refuse with."""
    batch = _own_batch(request, pk)
    try:
        batch_close(batch_id=batch.pk, actor=request.user.organisation)
    except EventRefused as refused:
        batch.refresh_from_db()
        return _detail(request, batch, close_errors=refused.errors, status=refused.status)
    messages.success(request, _("Batch closed: every input product is now recorded as recycled."))
    return redirect("web:intake-batch", pk=batch.pk)
