"""Signed audit reports: every statistic of a year with its digest and the log checkpoint.

The report is RFC 8785 canonical JSON signed (detached Ed25519) with the transparency log's
key, so a regulator can file it and later prove it came from this system unaltered.
"""

import base64
import io

from django.utils import timezone

from lifecycle.canonical import canonical_bytes, prepare
from lifecycle.models import Checkpoint
from lifecycle.services.log import checkpoint_note, log_key, log_vkey
from passports.models import Organisation
from passports.spreadsheet import DictWriter
from recycling.services.reporting import statistics_rows

CSV_COLUMNS = [
    "metric", "product_type", "recycler", "category", "element", "region", "plant", "model",
    "year", "numerator_kg", "denominator_kg", "rate_pct", "basis", "target_pct",
    "target_regime", "target_source", "target_met", "digest",
]  # fmt: skip


def audit_report(*, year: int, regime: str, reader: Organisation) -> dict:
    """The report body: statistics, the checkpoint current now, and when it was made."""
    checkpoint = Checkpoint.objects.order_by("-size").first()
    rows = statistics_rows({"year": year, "regime": regime}, reader)
    for row in rows:
        row["computed_at"] = row["computed_at"].isoformat() if row["computed_at"] else None
        row["detail"] = _floats_as_text(row["detail"])
    return {
        "report": "recovery-statistics/v1",
        "year": year,
        "regime": regime,
        "generated_at": timezone.now(),
        "statistics": rows,
        "checkpoint": checkpoint_note(checkpoint) if checkpoint else None,
    }


def _floats_as_text(value):
    """Signed data holds no floats: a lifetime's parameters in a detail become decimal strings."""
    if isinstance(value, float):
        return str(value)
    if isinstance(value, dict):
        return {key: _floats_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_floats_as_text(item) for item in value]
    return value


def report_sign(data: bytes) -> dict:
    """A detached Ed25519 signature by the log key, with the vkey that verifies it."""
    _, private = log_key()
    return {
        "algorithm": "Ed25519",
        "signature": base64.b64encode(private.sign(data)).decode("ascii"),
        "log_vkey": log_vkey(),
    }


def signed_json(report: dict) -> dict:
    """The report as plain JSON values, so any reader re-derives the signed bytes."""
    report = prepare(report)
    body = canonical_bytes(report)
    return {"report": report, **report_sign(body), "signed": "RFC 8785 bytes of report"}


def report_csv(report: dict) -> bytes:
    """One line per statistic, flattened for spreadsheets.

    Scope values come from declarations (a model, a plant), so cells a spreadsheet would run as
    formulas are neutralised here, before the bytes are signed: the signature covers what is
    served.
    """
    buffer = io.StringIO()
    writer = DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report["statistics"]:
        target = row["target"] or {}
        scope = row["scope"]
        writer.writerow(
            {
                "metric": row["metric"],
                "product_type": scope.get("product_type", ""),
                "recycler": scope.get("recycler", ""),
                "category": scope.get("category", ""),
                "element": scope.get("element", ""),
                "region": scope.get("region", ""),
                "plant": scope.get("plant", ""),
                "model": scope.get("model", ""),
                "year": row["period"]["year"],
                "numerator_kg": row["numerator_kg"],
                "denominator_kg": row["denominator_kg"],
                "rate_pct": row["rate_pct"] or "",
                "basis": row["basis"],
                "target_pct": target.get("percent", ""),
                "target_regime": target.get("regime", ""),
                "target_source": target.get("source", ""),
                "target_met": "" if row["target_met"] is None else row["target_met"],
                "digest": row["digest"],
            }
        )
    return buffer.getvalue().encode("utf-8")
