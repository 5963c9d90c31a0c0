"""Digests of the records behind a statistic, so a regulator can recompute it."""

import hashlib
import json


def records_digest(records) -> str:
    """SHA-256 over the sorted, compact JSON list of the record ids used."""
    text = json.dumps(sorted(str(r) for r in records), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
