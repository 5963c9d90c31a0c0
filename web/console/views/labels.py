"""QR label sheets: choose passports and a label stock, preview and print A4 SVG pages."""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from passports.identifiers import digital_link
from passports.models import Passport
from web.access import area_required
from web.console.declaration_form import PRODUCT_TYPE_LABELS
from web.console.label_sheet import DEFAULT_LAYOUT, LAYOUTS, Label, label_lines, sheet_svg
from web.console.queries import STATUS_LABELS, own_passports, search_filters

LABEL_ORDER = ("gtin", "serial", "id")


class BadSelection(ValueError):
    """A label request that names passports in a way we cannot use."""


def _ids(params) -> list[uuid.UUID]:
    try:
        return list(dict.fromkeys(uuid.UUID(value) for value in params.getlist("id")))
    except ValueError as exc:
        raise BadSelection(_("A selected passport id is not valid.")) from exc


def _label(passport: Passport) -> Label:
    return Label(
        uri=digital_link(gtin=passport.gtin, serial=passport.serial, passport_id=passport.pk),
        lines=label_lines(gtin=passport.gtin, serial=passport.serial, passport_id=passport.pk),
    )


@area_required("console")
@require_GET
def labels(request):
    """Chooses passports (ticked in the list, or all matching a search) and a layout; shows
    one A4 sheet per page, each printable and downloadable as SVG."""
    layout_name = request.GET.get("layout", DEFAULT_LAYOUT)
    filters = search_filters(request.GET)
    context = {
        "layouts": LAYOUTS,
        "layout_name": layout_name if layout_name in LAYOUTS else DEFAULT_LAYOUT,
        "filters": filters,
        "product_types": PRODUCT_TYPE_LABELS.items(),
        "statuses": STATUS_LABELS.items(),
        "sheets": [],
        "error": "",
    }
    if layout_name not in LAYOUTS:
        context["error"] = _("Choose one of the label layouts.")
        return render(request, "web/console/labels.html", context, status=400)
    organisation = request.user.organisation
    try:
        ids = _ids(request.GET)
    except BadSelection as problem:
        context["error"] = str(problem)
        return render(request, "web/console/labels.html", context, status=400)
    if ids:
        chosen = Passport.objects.owned_by(organisation).filter(pk__in=ids)
        if chosen.count() != len(ids):
            raise Http404
    elif request.GET.get("all"):
        chosen = own_passports(organisation, filters)
    else:
        return render(request, "web/console/labels.html", context)
    chosen = list(chosen.order_by(*LABEL_ORDER)[: settings.BULK_MAX_ITEMS + 1])
    if len(chosen) > settings.BULK_MAX_ITEMS:
        context["error"] = _("More than %(limit)s passports: narrow the search.") % {
            "limit": settings.BULK_MAX_ITEMS
        }
        return render(request, "web/console/labels.html", context, status=400)
    per_page = LAYOUTS[layout_name].per_page
    base = reverse("web:console-label-sheet")
    for start in range(0, len(chosen), per_page):
        page = chosen[start : start + per_page]
        query = urlencode([("layout", layout_name), *[("id", str(p.pk)) for p in page]])
        context["sheets"].append({"number": start // per_page + 1, "url": f"{base}?{query}"})
    context.update(selected=ids, chosen_count=len(chosen), show_all=bool(request.GET.get("all")))
    if not chosen:
        context["error"] = _("No passport matches this search.")
    return render(request, "web/console/labels.html", context)


@area_required("console")
@require_GET
def label_sheet_svg(request):
    """One A4 sheet as an SVG file (mm units): the passports named by `id`, in that layout."""
    layout = LAYOUTS.get(request.GET.get("layout", DEFAULT_LAYOUT))
    try:
        ids = _ids(request.GET)
    except BadSelection as problem:
        return HttpResponse(str(problem), status=400, content_type="text/plain; charset=utf-8")
    if layout is None or not ids or len(ids) > layout.per_page:
        return HttpResponse(
            _("Give a layout and at most one sheet of passport ids."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    passports = list(
        Passport.objects.owned_by(request.user.organisation)
        .filter(pk__in=ids)
        .order_by(*LABEL_ORDER)
    )
    if len(passports) != len(ids):
        raise Http404
    svg = sheet_svg([_label(p) for p in passports], layout, title=_("Passport labels"))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="passport-labels.svg"'
    return response
