"""/api/v1/epcis/events (EPCIS 2.0 query) and /api/v1/epcis/capture (EPCIS 2.0 capture)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import (
    api_view,
    parser_classes,
    permission_classes,
    renderer_classes,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from lifecycle.services.log import latest_checkpoint_size
from passports.api.access import organisation_of
from passports.api.errors import error_response
from passports.api.parsers import StrictJSONParser
from passports.api.schemas import ErrorResponse
from passports.purpose import PurposeError, purpose_stated
from passports.representation import access_record
from passports.tiers import tier_for
from recycling.api.records import passports_by_reference
from recycling.epcis.capture import CaptureRefused, document_capture
from recycling.epcis.query import QueryRefused, events_query, page_token, query_parse
from recycling.epcis.render import event_render, query_document, render_context

VERSION_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}


class JSONLDParser(StrictJSONParser):
    """EPCIS documents arrive as application/ld+json as often as application/json."""

    media_type = "application/ld+json"


class JSONLDRenderer(JSONRenderer):
    """EPCIS clients ask for application/ld+json; the document is the same."""

    media_type = "application/ld+json"


def _list(text: str) -> OpenApiParameter:
    """A parameter that takes several values, from `name: description`."""
    name, description = text.split(": ", 1)
    return OpenApiParameter(name, str, required=False, description=description)


QUERY_PARAMETERS = [
    _list("MATCH_anyEPC: GS1 Digital Link URIs (or passport ids), `|`-separated or repeated."),
    _list("MATCH_epc: as MATCH_anyEPC (a passport is only ever an instance EPC here)."),
    OpenApiParameter("GE_eventTime", str, description="Events at or after this RFC 3339 time."),
    OpenApiParameter("LT_eventTime", str, description="Events before this RFC 3339 time."),
    OpenApiParameter(
        "GE_recordTime", str, description="Events recorded here at or after this RFC 3339 time."
    ),
    OpenApiParameter(
        "LT_recordTime", str, description="Events recorded here before this RFC 3339 time."
    ),
    _list("EQ_bizStep: CBV business steps, bare (receiving) or as URIs."),
    _list("eventType: ObjectEvent and/or TransformationEvent."),
    OpenApiParameter(
        "perPage", int, description="Events per page (default and ceiling as the API's limit)."
    ),
    OpenApiParameter("nextPageToken", str, description="From the previous page's Link header."),
    OpenApiParameter("purpose", str, description="Why the chains are read (access log)."),
]


@extend_schema(
    parameters=QUERY_PARAMETERS,
    responses={
        200: OpenApiResponse(
            description="An EPCIS 2.0 EPCISQueryDocument (JSON-LD). A further page is linked "
            'by `Link: <...>; rel="next"`.'
        ),
        400: ErrorResponse,
        401: ErrorResponse,
    },
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
@renderer_classes([JSONRenderer, JSONLDRenderer])
def events(request):
    """Lifecycle events of the passports whose chain the caller may read, as EPCIS 2.0."""
    reader = organisation_of(request)
    try:
        query = query_parse(request.query_params)
        purpose = purpose_stated(request.query_params, request.headers)
    except QueryRefused as refused:
        return error_response(400, refused.errors)
    except PurposeError as exc:
        return error_response(400, [{"field": "purpose", "message": str(exc)}])
    passport_ids = None
    if query.epcs is not None:
        found = passports_by_reference(query.epcs)
        passport_ids = {passport.pk for passport in found.values()}
    page, last = events_query(reader=reader, query=query, passport_ids=passport_ids)
    _record_reads(request, reader, page, purpose)
    context = render_context(page, reader=reader, checkpoint_size=latest_checkpoint_size())
    document = query_document(
        [event_render(event, context) for event in page],
        created=timezone.now(),
        query_name="SimpleEventQuery",
    )
    response = Response(document, headers=VERSION_HEADERS)
    if last is not None:
        params = request.query_params.copy()
        params["nextPageToken"] = page_token(last)
        url = request.build_absolute_uri(request.path) + "?" + params.urlencode()
        response["Link"] = f'<{url}>; rel="next"'
    return response


def _record_reads(request, reader, page, purpose: str) -> None:
    """Reading a chain is a restricted read: recorded once per passport on the page."""
    seen = {}
    for event in page:
        seen.setdefault(event.passport_id, event.passport)
    for passport in seen.values():
        access_record(
            passport=passport,
            user=request.user,
            tier=tier_for(reader, passport),
            via="epcis",
            purpose=purpose,
        )


class Captured(serializers.Serializer):
    type = serializers.ChoiceField(choices=["collection", "batch"])
    id = serializers.UUIDField()
    events = serializers.ListField(child=serializers.UUIDField(), help_text="Signed events.")


class CaptureResult(serializers.Serializer):
    captured = Captured(many=True, help_text="One record per event of the document, in order.")


@extend_schema(
    request={"application/json": dict, "application/ld+json": dict},
    responses={
        201: CaptureResult,
        200: OpenApiResponse(
            CaptureResult,
            description="A retry: every event's eventID was captured before, with the same "
            "content; the records it became, nothing recorded again.",
        ),
        400: ErrorResponse,
        401: ErrorResponse,
        403: ErrorResponse,
        409: ErrorResponse,
    },
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
@parser_classes([StrictJSONParser, JSONLDParser])
@renderer_classes([JSONRenderer, JSONLDRenderer])
def capture(request):
    """Records an EPCISDocument's collections and treatment batches: all or nothing."""
    try:
        recorded, new = document_capture(
            organisation=organisation_of(request), document=request.data
        )
    except CaptureRefused as refused:
        return error_response(refused.status, refused.errors)
    answer = status.HTTP_201_CREATED if new else status.HTTP_200_OK
    return Response({"captured": recorded}, status=answer, headers=VERSION_HEADERS)
