"""A passport behind a statistic: its data, its signed events with inclusion proofs, its bundle.

Each event's leaf is proved against the latest signed checkpoint here, with the same verifier
an auditor runs offline, so the page says in words whether the proof holds. The bundle is the
one `/api/v1/passports/<id>/bundle/` serves, offered as a file to keep.
"""

import json
from urllib.parse import urlsplit

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from lifecycle.models import Checkpoint
from lifecycle.services.bundle import passport_bundle
from lifecycle.services.log import LogInconsistent, inclusion_proof
from lifecycle.verify import VerificationError, verify_inclusion
from passports.declaration import normalised
from passports.models import Organisation, Passport
from passports.representation import passport_for_reader, with_related
from passports.tiers import tier_for
from recycling.models import BatchInput, CollectionItem
from web.access import area_required
from web.dashboard.labels import EVENT_LABELS, PRODUCT_TYPE_LABELS, ROUTE_LABELS, label
from web.labels import STATUSES


def _passport_or_404(pk) -> Passport:
    passport = with_related(Passport.objects.filter(pk=pk)).first()
    if passport is None:
        raise Http404
    return passport


def event_proof(event, checkpoint: Checkpoint | None) -> dict:
    """The event's place in the log and whether its inclusion proof leads to the checkpoint."""
    leaf = getattr(event, "leaf", None)
    if leaf is None:
        return {"state": "pending"}
    if checkpoint is None or leaf.index >= checkpoint.size:
        return {"state": "integrated", "index": leaf.index}
    try:
        proof = inclusion_proof(leaf.index, checkpoint.size)
        root = bytes(checkpoint.root)
        verify_inclusion(bytes(leaf.hash), leaf.index, checkpoint.size, proof, root)
    except (VerificationError, LogInconsistent) as failure:
        return {"state": "failed", "index": leaf.index, "reason": str(failure)}
    return {
        "state": "verified",
        "index": leaf.index,
        "leaf_hash": bytes(leaf.hash).hex(),
        "proof": [node.hex() for node in proof],
    }


def payload_item(key: str, value, names: dict[str, str]) -> dict:
    """A signed payload field for reading: organisations by name, batches as links."""
    text = value if isinstance(value, str | int) else json.dumps(value)
    url = reverse("web:dashboard-batch", args=[value]) if key == "batch" else ""
    return {"key": key, "value": names.get(str(value), text), "url": url}


@area_required("dashboard")
def passport(request, pk):
    """The passport at the regulator's tier, its events and proofs, and where it was treated."""
    found = _passport_or_404(pk)
    organisation = request.user.organisation
    data = passport_for_reader(
        found, user=request.user, tier=tier_for(organisation, found), via="dashboard"
    )
    checkpoint = Checkpoint.objects.order_by("-size").first()
    names = {str(pk): name for pk, name in Organisation.objects.values_list("pk", "name")}
    events = []
    for event in found.events.select_related("leaf", "actor").order_by("seq"):
        payload = json.loads(bytes(event.envelope))["payload"]
        events.append(
            {
                "event": event,
                "label": label(EVENT_LABELS, event.type),
                "payload": [
                    payload_item(key, value, names) for key, value in sorted(payload.items())
                ],
                "proof": event_proof(event, checkpoint),
            }
        )
    treated = BatchInput.objects.filter(passport=found).select_related("batch__recycler").first()
    collected = (
        CollectionItem.objects.filter(passport=found)
        .select_related("collection__collector")
        .first()
    )
    return render(
        request,
        "web/dashboard/passport.html",
        {
            "passport": found,
            "data": data,
            "product_type_label": label(PRODUCT_TYPE_LABELS, found.product_type),
            "status_label": label(STATUSES, data["status"]) if data.get("status") else "",
            # The resolver path on this server, whatever host the Digital Link names.
            "public_path": urlsplit(data["identifiers"]["digital_link"]).path,
            "events": events,
            "checkpoint": checkpoint,
            "treated": treated,
            "treated_route": label(ROUTE_LABELS, treated.batch.process_route) if treated else "",
            "treated_kg": normalised(treated.mass_kg) if treated else None,
            "collected": collected,
            "element": request.GET.get("element", ""),
        },
    )


@area_required("dashboard")
def bundle(request, pk):
    """The offline-verifiable bundle as a JSON file, as the API builds it."""
    found = _passport_or_404(pk)
    tier = tier_for(request.user.organisation, found)
    data = passport_for_reader(found, user=request.user, tier=tier, via="bundle")
    body = json.dumps(passport_bundle(passport=found, representation=data), indent=2)
    response = HttpResponse(body + "\n", content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="passport-{found.pk}-bundle.json"'
    return response
