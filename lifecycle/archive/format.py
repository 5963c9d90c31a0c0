"""The archive's layout, shared by the writer, the verifier and the importer.

A zip file whose members are:

- ``manifest.json``: format, origin (host, resolver base URL, the log's verifier key), the
  exporting organisation, every organisation the passports name, the checkpoint's size and
  root, the passport ids, and the SHA-256 of every other member.
- ``manifest.sig``: a C2SP signed note by the origin's log key whose text is
  ``passport-archive/v1``, the origin host, the organisation id and ``sha256 <hex>`` of
  ``manifest.json``, one per line.
- ``checkpoint.txt``: the origin log's signed checkpoint every proof leads to.
- ``keys.json``: the public JWKs, active and retired, of every organisation named.
- ``passports/<id>.json``: a passport bundle (``passport-bundle/v1``) that ``lifecycle/verify.py``
  checks on its own: the passport, its signed events, their keys and inclusion proofs.
- ``records/<id>.json``: the stored passport row as the origin had it (declaration bytes,
  derived state, composition, origin, event ids). Only the declaration bytes and event ids are
  used: an importer rebuilds the row from the signed declaration and events, and refuses a
  record that differs from what they give.

Pure: no Django, so an auditor can read an archive with the verifier alone.
"""

ARCHIVE_FORMAT = "passport-archive/v1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
CHECKPOINT = "checkpoint.txt"
KEYS = "keys.json"


def bundle_member(passport_id: str) -> str:
    return f"passports/{passport_id}.json"


def record_member(passport_id: str) -> str:
    return f"records/{passport_id}.json"


def signed_text(*, host: str, organisation_id: str, manifest_sha256: str) -> str:
    """The text of manifest.sig's note: what the origin's log key vouches for."""
    return f"{ARCHIVE_FORMAT}\n{host}\n{organisation_id}\nsha256 {manifest_sha256}\n"
