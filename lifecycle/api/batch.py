"""/api/v1/events/batch: many lifecycle events over many passports, all or nothing.

Each item is checked as a single event posted to /api/v1/passports/{id}/events/ would be: the
same payload validation (lifecycle/payloads.py), the same visibility (a passport the caller may
not see is "not found", whether or not it exists), the same rules (lifecycle/rules.py) and the
same idempotency (a key already used with the same body answers with the stored event).
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lifecycle.api.passports import EventRead
from lifecycle.collector import collector_paused
from lifecycle.models import Event, LogLeaf
from lifecycle.payloads import EventRequest, thread_checker
from lifecycle.services.batch import BatchItem, BatchRefused, events_record_batch
from lifecycle.services.events import request_digest
from lifecycle.services.key_lists import key_list
from lifecycle.services.log import latest_checkpoint_size
from passports.api.access import organisation_of
from passports.api.errors import MAX_ERRORS, error_response, flatten_errors
from passports.api.schemas import ErrorResponse
from passports.models import AccessTier, Passport
from passports.tiers import allows, tier_for

BATCH_MAX_EVENTS = 1000
NOT_VISIBLE = "No passport with this id is visible."


class EventBatchItem(EventRequest):
    """One item: a single event's body plus the passport it is for and an optional key."""

    passport = serializers.UUIDField()
    idempotency_key = serializers.CharField(max_length=200, required=False, allow_null=True)


class EventBatchRequest(serializers.Serializer):
    events = EventBatchItem(many=True, max_length=BATCH_MAX_EVENTS)


class BatchEventRead(EventRead):
    """An event of a batch as stored, and whether this request wrote it or replayed it."""

    replayed = serializers.SerializerMethodField(
        help_text="true: the item's idempotency key was used before; this is the stored event"
    )

    class Meta(EventRead.Meta):
        fields = [*EventRead.Meta.fields, "replayed"]

    def get_replayed(self, event) -> bool:
        return event.pk in self.context["replayed"]

    def to_representation(self, event) -> dict:
        # The fields of EventRead, read straight off the event: DRF's per-field dispatch cost
        # more than signing for a thousand events. A test compares this with the chain's GET.
        index = self.context["log_indexes"].get(event.pk)
        checkpointed = index is not None and index < self.context["checkpoint_size"]
        return {
            "id": str(event.pk),
            "seq": event.seq,
            "prev": event.prev,
            "hash": event.hash,
            "type": event.type,
            "time": _TIME.to_representation(event.time),
            "actor": str(event.actor_id),
            "kid": event.kid_id,
            "payload": self.get_payload(event),
            "envelope": self.get_envelope(event),
            "signature": self.get_signature(event),
            "log_index": index,
            "inclusion": "pending"
            if index is None
            else ("checkpointed" if checkpointed else "integrated"),
            "replayed": event.pk in self.context["replayed"],
        }


_TIME = serializers.DateTimeField()


class EventBatchRead(serializers.Serializer):
    events = BatchEventRead(many=True)


class EventBatchView(APIView):
    """Appends up to 1,000 events over many passports in one transaction."""

    permission_classes = [IsAuthenticated]

    def dispatch(self, request, *args, **kwargs):
        # The collector's pause (lifecycle/collector.py) spans parsing, checking, writing and
        # rendering the answer, which Django would otherwise do after the view returns.
        with collector_paused():
            response = super().dispatch(request, *args, **kwargs)
            if callable(getattr(response, "render", None)):
                response.render()
            return response

    @extend_schema(
        request=EventBatchRequest,
        responses={
            200: EventBatchRead,
            201: EventBatchRead,
            400: ErrorResponse,
            403: ErrorResponse,
            404: ErrorResponse,
            409: ErrorResponse,
        },
        description=(
            "All or nothing: if any item is invalid or refused, nothing is written and every "
            "problem is named as events[i].field. Items with an idempotency_key already used "
            "with the same body answer with the stored event (replayed: true), so a whole "
            "batch can be retried. 201 when anything was written, 200 when all was replayed."
        ),
    )
    def post(self, request):
        actor = organisation_of(request)
        if actor is None:
            return error_response(403, [{"field": "", "message": "Only organisations post."}])
        raw = request.data.get("events") if isinstance(request.data, dict) else None
        if isinstance(raw, list) and len(raw) > BATCH_MAX_EVENTS:
            message = f"At most {BATCH_MAX_EVENTS} events in one batch."
            return error_response(400, [{"field": "events", "message": message}])
        if not isinstance(raw, list) or not raw:
            return error_response(400, [{"field": "events", "message": "A non-empty list."}])
        items, errors = _validated(raw, actor)
        if errors:
            statuses = {e["status"] for e in errors}
            return error_response(statuses.pop() if len(statuses) == 1 else 400, errors)
        try:
            results = events_record_batch(actor=actor, items=items)
        except BatchRefused as refused:
            return error_response(refused.status, refused.errors)
        events = [event for event, _ in results]
        written = key_list((e.pk for e in events), field=Event._meta.pk)
        indexes = dict(
            LogLeaf.objects.filter(event_id__in=written).order_by().values_list("event_id", "index")
        )
        context = {
            "checkpoint_size": latest_checkpoint_size(),
            "log_indexes": indexes,
            "replayed": {event.pk for event, created in results if not created},
        }
        created = any(created for _, created in results)
        return Response(
            {"events": BatchEventRead(events, many=True, context=context).data},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _validated(raw: list, actor) -> tuple[list[BatchItem], list[dict]]:
    """Every item checked for shape and visibility; errors name `events[i].field`."""
    errors: list[dict] = []

    def refuse(index: int, field: str, message: str, code: int = 400) -> None:
        path = f"events[{index}].{field}" if field else f"events[{index}]"
        errors.append({"field": path, "message": message, "status": code})

    ids: dict[int, uuid.UUID] = {}
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            refuse(index, "", "An object with passport, type, occurred_at and payload.")
            continue
        if "passport" not in item:
            refuse(index, "passport", "This field is required.")
            continue
        try:
            ids[index] = uuid.UUID(str(item["passport"]))
        except ValueError:
            refuse(index, "passport", "Give the passport's id (a UUID).")
    visible = _visible_product_types(set(ids.values()), actor)
    checker = thread_checker(EventBatchItem)
    items, keys = [], {}
    for index, passport_id in ids.items():
        if len(errors) >= MAX_ERRORS - 1:
            # The answer lists no more than MAX_ERRORS anyway; checking the rest would only
            # hold the worker longer. This entry takes the answer's last place.
            message = f"Checking stopped at this item after {len(errors)} errors."
            errors.append({"field": f"events[{index}]", "message": message, "status": 400})
            break
        item = raw[index]
        if passport_id not in visible:
            refuse(index, "passport", NOT_VISIBLE, 404)
            continue
        try:
            data = checker.check(item, product_type=visible[passport_id])
        except serializers.ValidationError as exc:
            for error in flatten_errors(exc.detail):
                refuse(index, error["field"], error["message"])
            continue
        key = data.get("idempotency_key") or None
        if key is not None and key in keys:
            refuse(index, "idempotency_key", f"Item {keys[key]} of this batch has the same key.")
            continue
        if key is not None:
            keys[key] = index
        body = {k: v for k, v in item.items() if k not in ("passport", "idempotency_key")}
        items.append(
            BatchItem(
                index=index,
                passport_id=passport_id,
                event_type=data["type"],
                occurred_at=data["occurred_at"],
                payload=data["payload"],
                idempotency_key=key,
                # The same digest as the single endpoint's, so a key first used there replays.
                digest=request_digest(passport_id=passport_id, body=body),
            )
        )
    errors.sort(key=lambda e: _index_of(e["field"]))
    return items, errors


class _Parties(NamedTuple):
    """The columns tier_for reads of a passport, without building the passport."""

    manufacturer_id: uuid.UUID
    holder_id: uuid.UUID | None


def _visible_product_types(ids: set[uuid.UUID], actor) -> dict[uuid.UUID, str]:
    """Product type of each passport the actor may post to (sees at legitimate interest)."""
    found = (
        Passport.objects.filter(pk__in=key_list(ids, field=Passport._meta.pk))
        .order_by()
        .values_list("id", "manufacturer_id", "holder_id", "product_type")
    )
    return {
        pk: product_type
        for pk, manufacturer_id, holder_id, product_type in found
        if allows(
            tier_for(actor, _Parties(manufacturer_id, holder_id)), AccessTier.LEGITIMATE_INTEREST
        )
    }


def _index_of(path: str) -> int:
    return int(path[len("events[") : path.index("]")])
