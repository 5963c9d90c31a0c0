"""The transparency log's state and cosigning its checkpoints as a witness.

The server cosigns on behalf of the signed-in regulator with its organisation's sealed signing
key: the same key whose cosignature/v1 verifier key `/api/v1/log/witnesses` publishes and
against which `cosignature_record` (the service behind the API's cosign endpoint) checks every
line. So a cosignature made here is exactly one the API would accept from the regulator.
"""

import time

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lifecycle import note
from lifecycle.errors import EventRefused
from lifecycle.models import Checkpoint, Cosignature
from lifecycle.services.log import checkpoint_note, log_size, log_vkey
from lifecycle.services.witness import cosignature_record, witness_name
from passports.models import Organisation, SigningKey
from passports.services.keys import private_key_unseal
from web.access import area_required

RECENT_CHECKPOINTS = 10


def checkpoint_cosign(*, checkpoint: Checkpoint, witness: Organisation) -> Cosignature:
    """Signs a cosignature/v1 line with the witness's active key and records it once verified."""
    key = SigningKey.objects.active().filter(organisation=witness).first()
    if key is None:
        raise EventRefused.one(
            400, "size", _("Your organisation has no active signing key to cosign with.")
        )
    private = private_key_unseal(
        bytes(key.nonce), bytes(key.encrypted_private_key), bound_to=key.kid
    )
    line = note.cosignature_line(checkpoint.body, witness_name(witness), private, int(time.time()))
    with transaction.atomic():
        return cosignature_record(checkpoint=checkpoint, witness=witness, line=line)


def _log_context(organisation: Organisation) -> dict:
    checkpoints = list(
        Checkpoint.objects.order_by("-size").prefetch_related("cosignatures__witness")[
            :RECENT_CHECKPOINTS
        ]
    )
    latest = checkpoints[0] if checkpoints else None
    size = log_size()
    cosigners = list(latest.cosignatures.all()) if latest else []
    return {
        "latest": latest,
        "root_hex": bytes(latest.root).hex() if latest else "",
        "note_text": checkpoint_note(latest) if latest else "",
        "cosigners": cosigners,
        "has_cosigned": any(c.witness_id == organisation.pk for c in cosigners),
        "checkpoints": [
            {"checkpoint": c, "root_hex": bytes(c.root).hex(), "cosigners": c.cosignatures.all()}
            for c in checkpoints
        ],
        "log_size": size,
        "uncovered": size - latest.size if latest else size,
        "log_vkey": log_vkey() if latest else "",
        "witness_name": witness_name(organisation),
    }


@area_required("dashboard")
def log(request):
    """Latest checkpoint (size, root, time, signed note), its cosigners, recent checkpoints."""
    return render(request, "web/dashboard/log.html", _log_context(request.user.organisation))


@area_required("dashboard")
@require_POST
def cosign(request):
    """Cosigns the checkpoint of the posted size; refusals are shown on the log page."""
    organisation = request.user.organisation
    raw = request.POST.get("size", "")
    # ASCII digits, and few enough of them for int() (which refuses past 4,300).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) < 1:
        errors = [_("Give the size of a checkpoint, a whole number of at least 1.")]
        context = _log_context(organisation) | {"cosign_errors": errors}
        return render(request, "web/dashboard/log.html", context, status=400)
    checkpoint = Checkpoint.objects.filter(pk=int(raw)).first()
    if checkpoint is None:
        raise Http404
    try:
        checkpoint_cosign(checkpoint=checkpoint, witness=organisation)
    except EventRefused as refused:
        context = _log_context(organisation) | {
            "cosign_errors": [error["message"] for error in refused.errors]
        }
        return render(request, "web/dashboard/log.html", context, status=refused.status)
    messages.success(
        request,
        _("You cosigned checkpoint %(size)s as witness %(name)s.")
        % {"size": checkpoint.size, "name": witness_name(organisation)},
    )
    return redirect("web:dashboard-log")
