"""Drill-down from a statistic to the records behind it.

Stored statistics (recycling efficiency, material recovery, collection rate) are found by the
digest of their records, the value a signed audit report carries, so a regulator holding a
report can come straight here. Recovery statistics list their treatment batches; collection
rates their collected products; recycled content the passports whose declarations it sums.
"""

from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from rest_framework import serializers

from passports.models import CompositionEntry, Organisation, ProductType
from passports.substances import is_element
from recycling.api.statistics import REGIMES
from recycling.digests import records_digest
from recycling.models import CollectionItem, Statistic
from recycling.services.collection_stats import product_category
from recycling.services.reporting import render as statistic_render
from recycling.services.reporting import rounded_text
from web.access import area_required
from web.dashboard.flows import batch_present, batches_with_flows, element_fates
from web.dashboard.queries import query_read
from web.dashboard.recovery import statistic_present

ZERO = Decimal(0)


def _stored_row(statistic: Statistic) -> dict:
    """A stored statistic in the shape the reporting service renders."""
    return {
        "metric": statistic.metric,
        "product_type": statistic.product_type,
        "year": statistic.year,
        "recycler": statistic.recycler_id,
        "category": statistic.category,
        "element": statistic.element,
        "region": statistic.region,
        "numerator_kg": statistic.numerator_kg,
        "denominator_kg": statistic.denominator_kg,
        "basis": statistic.basis,
        "digest": statistic.digest,
        "computed_at": statistic.computed_at,
        "detail": statistic.detail,
    }


def _regime(request) -> str:
    regime = request.GET.get("regime", "EU")
    return regime if regime in REGIMES else "EU"


def _collected_items(statistic: Statistic) -> list[CollectionItem]:
    """The collected products a collection rate counts, re-selected as the aggregation does."""
    items = CollectionItem.objects.filter(
        passport__product_type=statistic.product_type,
        collection__region__startswith=statistic.region,
        collection__collected_at__year=statistic.year,
    ).select_related("collection__collector", "passport")
    return [
        item
        for item in items
        if product_category(statistic.product_type, item.passport.attributes) == statistic.category
    ]


@area_required("dashboard")
def statistic(request, digest: str):
    """The statistics sharing one records digest, the chosen one first, and their records."""
    stored = list(Statistic.objects.filter(digest=digest).order_by("metric", "element", "basis"))
    if not stored:
        raise Http404
    regime = _regime(request)
    names = {str(pk): name for pk, name in Organisation.objects.values_list("pk", "name")}
    rows = [
        statistic_present(statistic_render(_stored_row(s), regime), names, regime) for s in stored
    ]
    metric, element = request.GET.get("metric"), request.GET.get("element", "")
    basis = request.GET.get("basis")
    index = next(
        (
            i
            for i, s in enumerate(stored)
            if (s.metric, s.element) == (metric, element) and basis in (None, s.basis)
        ),
        0,
    )
    chosen, row = stored[index], rows[index]
    context = {"row": row, "others": [r for i, r in enumerate(rows) if i != index],
               "statistic": chosen, "regime": regime}  # fmt: skip
    if chosen.metric == "collection_rate":
        items = _collected_items(chosen)
        context["items"] = items
        context["digest_matches"] = records_digest([i.event_id for i in items]) == chosen.digest
        context["collected_kg"] = rounded_text(
            sum((i.mass_kg if i.mass_kg is not None else i.passport.mass_kg for i in items), ZERO)
        )
    else:
        element = chosen.element
        batches = batches_with_flows(chosen.detail.get("batches", []))
        context["element"] = element
        context["batches"] = [batch_present(b, element) for b in batches]
        context["fates"] = element_fates(batches, element)
        context["chains_pending"] = chosen.detail.get("chains_pending", 0)
    return render(request, "web/dashboard/statistic.html", context)


@area_required("dashboard")
def batch(request, pk):
    """One treatment batch with every input and output; `?element=` focuses on one element."""
    found = batches_with_flows([pk])
    if not found:
        raise Http404
    element = request.GET.get("element", "")
    element = element if is_element(element) else ""
    return render(
        request,
        "web/dashboard/batch.html",
        {
            "item": batch_present(found[0], element),
            "element": element,
            "fates": element_fates(found, element),
        },  # fmt: skip
    )


class ContentQuery(serializers.Serializer):
    """Which recycled-content statistic: its product, year and element, and model scope."""

    metric = serializers.ChoiceField(choices=["recycled_content", "rc", "osr"])
    product_type = serializers.ChoiceField(choices=ProductType.choices)
    year = serializers.IntegerField(min_value=1900, max_value=2200)
    element = serializers.CharField(max_length=3)
    manufacturer = serializers.UUIDField(required=False)
    model = serializers.CharField(required=False, max_length=200)
    plant = serializers.CharField(required=False, max_length=200)
    regime = serializers.ChoiceField(choices=REGIMES, required=False, default="EU")

    def validate_element(self, value: str) -> str:
        if not is_element(value):
            raise serializers.ValidationError(f"{value!r} is not an element symbol.")
        return value


@area_required("dashboard")
def content(request):
    """The passports whose declared recycled shares make up a recycled-content statistic."""
    query, errors = query_read(ContentQuery, request.GET)
    if errors:
        return render(request, "web/dashboard/content.html", {"errors": errors}, status=400)
    entries = CompositionEntry.objects.filter(
        passport__product_type=query["product_type"],
        passport__manufactured_at__year=query["year"],
        substance=query["element"],
        mass_kg__gt=0,
    ).select_related("passport__manufacturer")
    if query["metric"] == "recycled_content":
        for name, lookup in (("manufacturer", "passport__manufacturer_id"),
                             ("model", "passport__model"),
                             ("plant", "passport__manufacturing_facility")):  # fmt: skip
            if name in query:
                entries = entries.filter(**{lookup: query[name]})
    entries = list(entries.order_by("passport__model", "passport__serial"))
    if not entries:
        raise Http404
    manufacturer = None
    if "manufacturer" in query:
        manufacturer = get_object_or_404(Organisation, pk=query["manufacturer"])
    return render(
        request,
        "web/dashboard/content.html",
        {
            "query": query,
            "manufacturer": manufacturer,
            "entries": entries,
            "digest": records_digest([e.passport_id for e in entries]),
            "mass_kg": rounded_text(sum((e.mass_kg for e in entries), ZERO)),
        },
    )
