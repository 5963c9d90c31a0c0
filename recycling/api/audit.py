"""/api/v1/audit/report: a signed report of a year's statistics, for regulators."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from passports.api.access import organisation_of
from passports.api.errors import error_response
from passports.api.schemas import ErrorResponse
from passports.models import OrganisationKind
from recycling.services.audit_report import audit_report, report_csv, report_sign, signed_json


class ReportQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=1900, max_value=2200)
    regime = serializers.ChoiceField(choices=["EU", "CN"], default="EU")
    format = serializers.ChoiceField(choices=["json", "csv"], default="json")


class SignedReport(serializers.Serializer):
    report = serializers.DictField()
    algorithm = serializers.CharField()
    signature = serializers.CharField(help_text="base64 Ed25519 over the RFC 8785 report bytes")
    log_vkey = serializers.CharField()
    signed = serializers.CharField()


@extend_schema(
    parameters=[ReportQuery],
    responses={
        (200, "application/json"): SignedReport,
        (200, "text/csv"): OpenApiTypes.STR,
        400: ErrorResponse,
        403: ErrorResponse,
    },
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def report(request):
    """All statistics of a year with digests and the current checkpoint, signed by the log key.

    CSV answers carry the detached signature over the exact CSV bytes in the
    `X-Report-Signature` header and the verifying key in `X-Log-Vkey`.
    """
    organisation = organisation_of(request)
    if organisation is None or organisation.kind != OrganisationKind.REGULATOR:
        return error_response(403, [{"field": "", "message": "Audit reports are for regulators."}])
    query = ReportQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    body = audit_report(year=data["year"], regime=data["regime"], reader=organisation)
    if data["format"] == "json":
        return Response(signed_json(body))
    content = report_csv(body)
    signature = report_sign(content)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="recovery-{data["year"]}.csv"'
    response["X-Report-Signature"] = signature["signature"]
    response["X-Log-Vkey"] = signature["log_vkey"]
    return response
