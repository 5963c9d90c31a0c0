"""Witness cosignatures: regulators vouch that a checkpoint extends what they saw before."""

from django.db import IntegrityError, transaction

from lifecycle import note
from lifecycle.errors import EventRefused
from lifecycle.models import Checkpoint, Cosignature
from lifecycle.services.log import checkpoint_note, log_origin
from lifecycle.services.tiles import checkpoint_file_write
from lifecycle.verify import VerificationError, verify_cosignature
from passports.models import Organisation, SigningKey

COSIGNATURE_ALG = 0x04


def witness_name(organisation: Organisation) -> str:
    """A regulator's key name in signed notes: a schema-less URL under the log's host."""
    host = log_origin().split("/", 1)[0]
    return f"{host}/witness/{organisation.pk}"


def witness_vkey(key: SigningKey) -> str:
    """The cosignature/v1 verifier key of one of a regulator's published signing keys."""
    return note.vkey(witness_name(key.organisation), bytes(key.public_key), alg=COSIGNATURE_ALG)


def _checkpoint_file_refresh(checkpoint: Checkpoint) -> None:
    """Serves the new cosignature at /checkpoint too, while this is still the latest checkpoint."""
    if not Checkpoint.objects.filter(size__gt=checkpoint.size).exists():
        checkpoint_file_write(checkpoint_note(checkpoint))


def cosignature_record(*, checkpoint: Checkpoint, witness: Organisation, line: str) -> Cosignature:
    """Stores a cosignature line after it verifies with one of the witness's published keys."""
    text = checkpoint.body + "\n" + line.strip() + "\n"
    for key in SigningKey.objects.filter(organisation=witness).select_related("organisation"):
        vkey = witness_vkey(key)
        try:
            timestamp = verify_cosignature(text, vkey)
        except VerificationError:
            continue
        try:
            with transaction.atomic():
                cosignature = Cosignature.objects.create(
                    checkpoint=checkpoint,
                    witness=witness,
                    kid=key,
                    timestamp=timestamp,
                    line=line.strip(),
                )
            _checkpoint_file_refresh(checkpoint)
            return cosignature
        except IntegrityError as exc:
            raise EventRefused.one(
                409, "cosignature", "This witness has already cosigned this checkpoint."
            ) from exc
    raise EventRefused.one(
        400,
        "cosignature",
        f"The line does not verify as a cosignature/v1 by {witness_name(witness)} over "
        f"checkpoint {checkpoint.size} with any of this regulator's published keys.",
    )
