"""/api/v1/log/: checkpoints, proofs, leaves and witness cosignatures of the transparency log.

Checkpoints and proofs carry only hashes and are public. Leaves carry the signed events
themselves (health readings, holders), so reading them is for regulators, the auditors who
rebuild the tree.
"""

import base64
import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from lifecycle.errors import EventRefused
from lifecycle.models import Checkpoint, LogLeaf
from lifecycle.services.log import (
    checkpoint_note,
    checkpoint_publish_if_behind,
    log_size,
    log_vkey,
)
from lifecycle.services.tiles import tile_consistency, tile_inclusion, tiles_cover
from lifecycle.services.witness import cosignature_record, witness_name, witness_vkey
from passports.api.access import organisation_of
from passports.api.errors import error_response
from passports.api.schemas import ErrorResponse
from passports.models import OrganisationKind, SigningKey
from settings.celery import app as celery_app

MAX_LEAVES = 1000


def _checkpoint_catch_up() -> None:
    """Without a worker there is no beat to sign the tail of a burst of writes: a read does."""
    if celery_app.conf.task_always_eager and not settings.LOG_SEQUENCER:
        checkpoint_publish_if_behind()


class CheckpointRead(serializers.ModelSerializer):
    """A signed checkpoint with its served note and who has cosigned it."""

    root = serializers.SerializerMethodField(help_text="hex")
    note = serializers.SerializerMethodField(help_text="C2SP signed note, with cosignatures")
    cosigned_by = serializers.SerializerMethodField()

    class Meta:
        model = Checkpoint
        fields = ["size", "root", "note", "cosigned_by", "created_at"]

    def get_root(self, checkpoint: Checkpoint) -> str:
        return bytes(checkpoint.root).hex()

    def get_note(self, checkpoint: Checkpoint) -> str:
        return checkpoint_note(checkpoint)

    def get_cosigned_by(self, checkpoint: Checkpoint) -> list[str]:
        return [str(c.witness_id) for c in checkpoint.cosignatures.all()]


class InclusionRead(serializers.Serializer):
    index = serializers.IntegerField()
    size = serializers.IntegerField()
    leaf_hash = serializers.CharField(help_text="hex")
    proof = serializers.ListField(child=serializers.CharField(), help_text="hex, leaf to root")
    root = serializers.CharField(help_text="hex")


class ConsistencyRead(serializers.Serializer):
    first = serializers.IntegerField()
    second = serializers.IntegerField()
    proof = serializers.ListField(child=serializers.CharField(), help_text="hex")
    first_root = serializers.CharField(help_text="hex")
    second_root = serializers.CharField(help_text="hex")


class LeafRead(serializers.Serializer):
    index = serializers.IntegerField()
    data = serializers.CharField(help_text="base64 of the leaf data (canonical signed event)")
    hash = serializers.CharField(help_text="hex SHA-256(0x00 || data)")


class WitnessRead(serializers.Serializer):
    organisation = serializers.UUIDField()
    name = serializers.CharField(help_text="key name in signed notes")
    kid = serializers.CharField()
    vkey = serializers.CharField(help_text="cosignature/v1 verifier key")
    active = serializers.BooleanField()


def integer(request, name: str, minimum: int = 0) -> int:
    value = _whole(request.query_params.get(name), minimum)
    if value is None:
        raise ValidationError({name: [f"Give a whole number of at least {minimum}."]})
    return value


def _whole(raw: str | None, minimum: int) -> int | None:
    # ASCII only: str.isdigit() also holds for "²", which int() refuses; and few enough digits
    # for int(), which refuses more than 4,300 (no log comes near 10^18 leaves).
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    value = int(raw)
    return value if value >= minimum else None


@extend_schema(
    parameters=[OpenApiParameter("format", str, enum=["json", "text"], required=False)],
    responses={
        (200, "text/plain"): OpenApiTypes.STR,
        (200, "application/json"): CheckpointRead,
        404: ErrorResponse,
    },
)
@api_view(["GET"])
@permission_classes([AllowAny])
def latest_checkpoint(request):
    """The latest signed checkpoint as a C2SP signed note (text/plain), or JSON."""
    _checkpoint_catch_up()
    checkpoint = Checkpoint.objects.order_by("-size").prefetch_related("cosignatures").first()
    if checkpoint is None:
        raise NotFound("No checkpoint has been signed yet.")
    if request.query_params.get("format") == "json":
        return Response(CheckpointRead(checkpoint).data)
    return HttpResponse(checkpoint_note(checkpoint), content_type="text/plain; charset=utf-8")


class CheckpointList(generics.ListAPIView):
    """Every checkpoint ever signed, newest first."""

    serializer_class = CheckpointRead
    permission_classes = [AllowAny]
    queryset = Checkpoint.objects.order_by("-size").prefetch_related("cosignatures")

    def list(self, request, *args, **kwargs):
        _checkpoint_catch_up()
        return super().list(request, *args, **kwargs)


def _bounded_size(request, name: str) -> int:
    size = integer(request, name, minimum=1)
    # Within the tiles, no need to count the leaves: a proof is then read without a query.
    if not tiles_cover(size) and size > (available := log_size()):
        raise ValidationError({name: [f"The log has only {available} leaves."]})
    return size


@extend_schema(
    parameters=[OpenApiParameter("index", int), OpenApiParameter("size", int)],
    responses={
        200: InclusionRead,
        400: ErrorResponse,
    },
)
@api_view(["GET"])
@permission_classes([AllowAny])
def inclusion(request):
    """An RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves."""
    index = integer(request, "index")
    size = _bounded_size(request, "size")
    if index >= size:
        raise ValidationError({"index": ["The index must be below the size."]})
    return Response(_inclusion_answer(index, size))


def _inclusion_answer(index: int, size: int) -> dict:
    leaf, proof, root = tile_inclusion(index, size)
    return {
        "index": index,
        "size": size,
        "leaf_hash": leaf.hex(),
        "proof": [node.hex() for node in proof],
        "root": root.hex(),
    }


def _inclusion_within_tiles(query) -> tuple[int, int] | None:
    index, size = _whole(query.get("index"), 0), _whole(query.get("size"), 1)
    if index is None or size is None or index >= size or not tiles_cover(size):
        return None
    return index, size


@extend_schema(
    parameters=[OpenApiParameter("first", int), OpenApiParameter("second", int)],
    responses={
        200: ConsistencyRead,
        400: ErrorResponse,
    },
)
@api_view(["GET"])
@permission_classes([AllowAny])
def consistency(request):
    """An RFC 9162 consistency proof between trees of `first` and `second` leaves."""
    first = integer(request, "first", minimum=1)
    second = _bounded_size(request, "second")
    if first > second:
        raise ValidationError({"first": ["first must not exceed second."]})
    return Response(_consistency_answer(first, second))


def _consistency_answer(first: int, second: int) -> dict:
    proof, first_root, second_root = tile_consistency(first, second)
    return {
        "first": first,
        "second": second,
        "proof": [node.hex() for node in proof],
        "first_root": first_root.hex(),
        "second_root": second_root.hex(),
    }


def _consistency_within_tiles(query) -> tuple[int, int] | None:
    first, second = _whole(query.get("first"), 1), _whole(query.get("second"), 1)
    if first is None or second is None or first > second or not tiles_cover(second):
        return None
    return first, second


# Anonymous GETs of a proof the tiles hold are the log's hot path (every verifier asks them),
# and what DRF adds there (authenticators that find nobody, negotiation to its one renderer,
# a Response rendered through a template response) cost as much as the proof. So
# lifecycle.middleware answers them with plain Django, with DRF's throttles, JSON bytes and
# headers; everything else (tokens, sessions, other methods or media types, errors, sizes
# beyond the tiles) reaches these DRF views as before.
_JSON_ACCEPTS = frozenset(["", "*/*", "application/json"])


def anonymous_json_get(request) -> bool:
    """Whether a request is a GET of JSON with neither a token nor a session cookie."""
    return (
        request.method == "GET"
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and request.META.get("HTTP_ACCEPT", "").strip() in _JSON_ACCEPTS
    )


def _within_tiles(within_tiles: Callable, answer: Callable[..., dict]):
    """The plain answer to an anonymous proof request the tiles hold, else None.

    A taken request is throttled exactly as DRF would (all throttles asked, the longest
    wait), so it is counted once whichever path answers it.
    """

    def respond(request) -> HttpResponse | None:
        arguments = within_tiles(request.GET)
        if arguments is None:
            return None
        return _throttled(request) or _json(200, answer(*arguments))

    return respond


inclusion_within_tiles_answer = _within_tiles(_inclusion_within_tiles, _inclusion_answer)
consistency_within_tiles_answer = _within_tiles(_consistency_within_tiles, _consistency_answer)


def _throttled(request) -> HttpResponse | None:
    """DRF's throttle check for an anonymous caller: None, or its 429 in the API's shape."""
    anonymous = Request(request)  # no authenticators: DRF's anonymous user, auth None
    waits = []
    for throttle_class in api_settings.DEFAULT_THROTTLE_CLASSES:
        throttle = throttle_class()
        if not throttle.allow_request(anonymous, None):
            waits.append(throttle.wait())
    if not waits:
        return None
    # Answered before the locale middleware: the caller's language is chosen here, as it would.
    language = translation.get_language_from_request(request)
    with translation.override(language):
        refused = Throttled(max((wait for wait in waits if wait is not None), default=None))
        response = _json(429, {"errors": [{"field": "", "message": str(refused.detail)}]})
    if refused.wait:
        response["Retry-After"] = str(refused.wait)
    patch_vary_headers(response, ["Accept-Language"])
    response["Content-Language"] = language
    return response


def _json(status: int, data: dict) -> HttpResponse:
    # What DRF's JSONRenderer writes (compact, UTF-8) and the headers its views add; its
    # session authenticator reads the session, so Django marks those answers Vary: Cookie.
    body = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    response = HttpResponse(body.encode(), status=status, content_type="application/json")
    response["Allow"] = "GET, OPTIONS"
    patch_vary_headers(response, ["Cookie"])
    return response


@extend_schema(
    parameters=[OpenApiParameter("start", int), OpenApiParameter("end", int)],
    responses={200: LeafRead(many=True), 400: ErrorResponse, 403: ErrorResponse},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def leaves(request):
    """Leaf data (base64) for indexes start <= i < end, at most 1,000; for regulators."""
    organisation = organisation_of(request)
    if organisation is None or organisation.kind != OrganisationKind.REGULATOR:
        return error_response(403, [{"field": "", "message": "Leaves are for regulators."}])
    start = integer(request, "start")
    end = integer(request, "end", minimum=start + 1)
    if end - start > MAX_LEAVES:
        raise ValidationError({"end": [f"At most {MAX_LEAVES} leaves per request."]})
    rows = LogLeaf.objects.filter(index__gte=start, index__lt=end).order_by("index")
    return Response(
        [
            {
                "index": leaf.index,
                "data": base64.b64encode(bytes(leaf.data)).decode("ascii"),
                "hash": bytes(leaf.hash).hex(),
            }
            for leaf in rows
        ]
    )


@extend_schema(responses={(200, "text/plain"): OpenApiTypes.STR})
@api_view(["GET"])
@permission_classes([AllowAny])
def vkey(request):
    """The log's verifier key in C2SP note vkey format."""
    return HttpResponse(log_vkey() + "\n", content_type="text/plain; charset=utf-8")


@extend_schema(responses={200: WitnessRead(many=True)})
@api_view(["GET"])
@permission_classes([AllowAny])
def witnesses(request):
    """Regulators' witness names and cosignature verifier keys, one per signing key."""
    keys = SigningKey.objects.filter(organisation__kind=OrganisationKind.REGULATOR)
    return Response(
        [
            {
                "organisation": str(key.organisation_id),
                "name": witness_name(key.organisation),
                "kid": key.kid,
                "vkey": witness_vkey(key),
                "active": key.valid_until is None,
            }
            for key in keys.select_related("organisation")
        ]
    )


class CosignRequest(serializers.Serializer):
    cosignature = serializers.CharField(
        max_length=500, help_text="The signature line: '— <name> <base64>' (C2SP cosignature/v1)"
    )


@extend_schema(
    request=CosignRequest,
    responses={201: CheckpointRead, 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse},
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def cosign(request, size: int):
    """A regulator's witness cosignature over checkpoint `size`, checked against its key."""
    organisation = organisation_of(request)
    if organisation is None or organisation.kind != OrganisationKind.REGULATOR:
        return error_response(403, [{"field": "", "message": "Only regulators cosign."}])
    checkpoint = Checkpoint.objects.filter(pk=size).first()
    if checkpoint is None:
        raise NotFound("No checkpoint of this size.")
    body = CosignRequest(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        cosignature_record(
            checkpoint=checkpoint, witness=organisation, line=body.validated_data["cosignature"]
        )
    except EventRefused as refused:
        return error_response(refused.status, refused.errors)
    return Response(CheckpointRead(checkpoint).data, status=201)
