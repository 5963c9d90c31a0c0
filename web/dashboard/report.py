"""Downloading the signed audit report, as `/api/v1/audit/report` builds and signs it."""

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from recycling.api.audit import ReportQuery
from recycling.services.audit_report import audit_report, report_csv, report_sign, signed_json
from web.access import area_required
from web.dashboard.queries import query_read, query_values


def _attachment(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@area_required("dashboard")
def report(request):
    """The form, or with a year the report: signed JSON, CSV, or the CSV's detached signature."""
    values = query_values(request.GET, ["year", "regime", "format"])
    if not request.GET.get("download"):
        values["year"] = values["year"] or str(timezone.now().year)
        return render(request, "web/dashboard/report.html", {"values": values, "errors": {}})
    query, errors = query_read(ReportQuery, request.GET)
    if errors:
        context = {"values": values, "errors": errors}
        return render(request, "web/dashboard/report.html", context, status=400)
    year, regime = query["year"], query["regime"]
    body = audit_report(year=year, regime=regime, reader=request.user.organisation)
    stem = f"recovery-{year}-{regime}"
    if query["format"] == "json":
        text = json.dumps(signed_json(body), indent=2, ensure_ascii=False)
        return _attachment(text + "\n", "application/json", f"{stem}.json")
    content = report_csv(body)
    signature = report_sign(content)
    if request.GET.get("part") == "signature":
        detached = {**signature, "signed": f"the exact bytes of {stem}.csv"}
        return _attachment(json.dumps(detached, indent=2) + "\n", "application/json",
                           f"{stem}.csv.sig.json")  # fmt: skip
    response = _attachment(content, "text/csv; charset=utf-8", f"{stem}.csv")
    response["X-Report-Signature"] = signature["signature"]
    response["X-Log-Vkey"] = signature["log_vkey"]
    return response
