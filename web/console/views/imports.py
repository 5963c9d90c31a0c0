"""Bulk registration from a CSV file: a template, an upload, a row-by-row report.

Nothing is imported while any row fails. When some rows fail, the rows that passed are kept in
the session (their cells only, at most BULK_MAX_ITEMS rows) so the person can choose to import
just those without uploading again; they are validated once more when that choice is made.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lifecycle.services.registration import RegistrationConflict
from web.access import area_required
from web.console.csv_format import (
    ATTRIBUTE_COLUMNS,
    CARBON_COLUMNS,
    COMMON_COLUMNS,
    MAX_FILE_BYTES,
    CsvProblem,
    read_rows,
    template_csv,
)
from web.console.importing import ImportCheck, conflicts_record, import_check, import_register

SESSION_KEY = "console_import"
TEMPLATE = "web/console/import.html"


@area_required("console")
@require_GET
def import_template(request, family: str = "battery"):
    """A CSV template: every column of a family (batteries, or PV modules and magnets), and an
    example row per product type."""
    response = HttpResponse(
        template_csv(request.user.organisation.gs1_company_prefix, family),
        content_type="text/csv; charset=utf-8",
    )
    filename = {"battery": "passports-template.csv", "pv_magnet": "pv-magnets-template.csv"}
    response["Content-Disposition"] = f'attachment; filename="{filename[family]}"'
    return response


@area_required("console")
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """The upload form; a posted file is checked row by row and imported if every row passes."""
    if request.method == "GET":
        return _page(request)
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, file_error=_("Choose a CSV file to upload."), status=400)
    if upload.size > MAX_FILE_BYTES:
        return _page(request, file_error=_("The file is larger than 8 MB."), status=400)
    try:
        rows = read_rows(upload.read(), settings.BULK_MAX_ITEMS)
    except CsvProblem as problem:
        return _page(request, file_error=str(problem), status=400)
    check = import_check(organisation=request.user.organisation, rows=rows)
    return _register_or_report(request, check, upload.name)


@area_required("console")
@require_POST
def import_valid_rows(request):
    """Imports the rows that passed in the last report, after checking them again."""
    stored = request.session.get(SESSION_KEY)
    if not stored or stored.get("token") != request.POST.get("token"):
        return _page(
            request,
            file_error=_("That report has expired or was replaced; upload the file again."),
            status=400,
        )
    rows = [(number, cells) for number, cells in stored["rows"]]
    check = import_check(organisation=request.user.organisation, rows=rows)
    return _register_or_report(request, check, stored["filename"])


def _register_or_report(request, check: ImportCheck, filename: str):
    if not check.problems:
        try:
            passports = import_register(organisation=request.user.organisation, check=check)
        except RegistrationConflict as conflict:
            conflicts_record(check, conflict)
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(
                request,
                ngettext(
                    "%(count)s passport registered from %(file)s.",
                    "%(count)s passports registered from %(file)s.",
                    len(passports),
                )
                % {"count": len(passports), "file": filename},
            )
            return redirect("web:console-passports")
    token = uuid.uuid4().hex
    if check.valid:
        request.session[SESSION_KEY] = {
            "token": token,
            "filename": filename,
            "rows": check.valid_cells(),
        }
    else:
        request.session.pop(SESSION_KEY, None)
    return _page(request, check=check, filename=filename, token=token, status=400)


def _page(request, *, check=None, filename="", token="", file_error="", status=200):
    return render(
        request,
        TEMPLATE,
        {
            "check": check,
            "filename": filename,
            "token": token,
            "file_error": file_error,
            "max_rows": settings.BULK_MAX_ITEMS,
            "common_columns": COMMON_COLUMNS,
            "attribute_columns": ATTRIBUTE_COLUMNS,
            "carbon_columns": CARBON_COLUMNS,
        },
        status=status,
    )
