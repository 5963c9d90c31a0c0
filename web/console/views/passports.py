"""The manufacturer's own passports: a searchable list and one passport's console page."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from lifecycle.models import EventType
from lifecycle.rules import TRANSITIONS
from passports.identifiers import digital_link, resolver_path
from passports.registry.models import RegistryDelivery
from web.access import area_required
from web.console.declaration_form import PRODUCT_TYPE_LABELS
from web.console.queries import (
    STATUS_LABELS,
    own_passport_or_404,
    own_passports,
    search_filters,
)
from web.console.schema_inputs import key_label
from web.console.views.health import HEALTH_LABELS
from web.passport.sections import value_rows

PAGE_SIZE = 25


@area_required("console")
@require_GET
def passport_list(request):
    """Own passports, newest first, searchable by serial, GTIN, model and batch."""
    filters = search_filters(request.GET)
    passports = own_passports(request.user.organisation, filters)
    page = Paginator(passports, PAGE_SIZE).get_page(request.GET.get("page"))
    for passport in page.object_list:
        passport.type_label = PRODUCT_TYPE_LABELS.get(passport.product_type)
        passport.status_label = STATUS_LABELS.get(passport.status, passport.status)
    return render(
        request,
        "web/console/passports.html",
        {
            "page": page,
            "filters": filters,
            "filtered": any(filters.values()),
            "page_query": _without_page(request.GET),
            "product_types": PRODUCT_TYPE_LABELS.items(),
            "statuses": STATUS_LABELS.items(),
        },
    )


def _without_page(params) -> str:
    kept = params.copy()
    kept.pop("page", None)
    return kept.urlencode()


@area_required("console")
@require_GET
def passport_detail(request, pk):
    """One own passport: identity, composition, origin, latest health and what to do next."""
    passport = own_passport_or_404(request, pk)
    public_path = (
        resolver_path(passport.gtin, passport.serial)
        if passport.gtin
        else reverse("resolve-uuid", kwargs={"passport_id": passport.pk})
    )
    health_open = passport.status in TRANSITIONS[EventType.HEALTH_REPORTED][0]
    return render(
        request,
        "web/console/passport.html",
        {
            "passport": passport,
            "product_type_label": PRODUCT_TYPE_LABELS.get(passport.product_type),
            "status_label": STATUS_LABELS.get(passport.status, passport.status),
            "digital_link": digital_link(
                gtin=passport.gtin, serial=passport.serial, passport_id=passport.pk
            ),
            "public_path": public_path,
            "composition": passport.composition.order_by("position"),
            "origin": passport.origin.order_by("position"),
            "attributes": _labelled_attributes(passport),
            "health": [
                (HEALTH_LABELS.get(name, name), reading)
                for name, reading in sorted(passport.health.items())
            ],
            "health_open": health_open,
            "event_count": passport.events.count(),
            "registry": RegistryDelivery.objects.filter(passport=passport).first(),
            "registry_off": not settings.REGISTRY_URL,
        },
    )


def _labelled_attributes(passport) -> list[tuple[str, object]]:
    """The type-specific attributes under the labels the registration form uses; nested
    values one per line, lists of objects as their number of entries."""
    rows = []
    for name, value in passport.attributes.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            rows.append((key_label(name), len(value)))
        else:
            rows += value_rows(name, value)
    return rows
