"""Which of its own passports a manufacturer is looking at: the console's search and filters."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from passports.models import Passport, PassportStatus, ProductType
from web.labels import STATUSES

FILTER_KEYS = ("q", "product_type", "status")
# The same words for a status as every other area shows, not its code.
STATUS_LABELS = STATUSES


def search_filters(params) -> dict[str, str]:
    """The search terms from a query string, dropping values that name no known choice."""
    filters = {key: params.get(key, "").strip() for key in FILTER_KEYS}
    if filters["product_type"] not in ProductType.values:
        filters["product_type"] = ""
    if filters["status"] not in PassportStatus.values:
        filters["status"] = ""
    return filters


def own_passports(organisation, filters: dict[str, str]) -> QuerySet[Passport]:
    """The organisation's passports matching a free-text search (serial, GTIN, model, batch,
    GB/T code) and the product type and status filters."""
    passports = Passport.objects.owned_by(organisation)
    text = filters.get("q", "")
    if text:
        passports = passports.filter(
            Q(serial__icontains=text)
            | Q(gtin__contains=text)
            | Q(model__icontains=text)
            | Q(batch__icontains=text)
            | Q(gbt_code__icontains=text)
        )
    if filters.get("product_type"):
        passports = passports.filter(product_type=filters["product_type"])
    if filters.get("status"):
        passports = passports.filter(status=filters["status"])
    return passports


def own_passport_or_404(request, pk) -> Passport:
    """One of the signed-in manufacturer's passports; anyone else's is a 404, not a 403."""
    return get_object_or_404(Passport.objects.owned_by(request.user.organisation), pk=pk)
