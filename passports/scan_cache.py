"""Public resolver answers kept in the cache, so a public scan and its 304 touch no database.

What is kept, per passport: the rendered public answer (JSON, the HTML page per language, the
linkset) with its content type, ETag and links, and the GTIN + serial -> passport id mapping.
Entries are stamped with the passport's generation token and a token for all organisations;
a write replaces the token after commit (`public_answer_refresh`), so an answer built from the
state before the write is never served again, and refills the answers for the canonical
resolver address. A reader takes the stamp before it reads the database, so an answer built
from a row read before a commit can only be stored under the stamp the commit replaced.

The cache is a hint: if it is unreachable or empty, the resolver answers from the database.
Keys carry a version (a digest of the code, templates and translations that shape the
answer, or SCAN_CACHE_VERSION), so a deployment never serves answers rendered by the last one.
"""

import functools
import hashlib
import logging
import os
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

logger = logging.getLogger(__name__)
# Every cache call is guarded: an unreachable Redis, or settings without the `scans` cache,
# mean the database answers, never an error for the reader or the writer.

ALIAS = "scans"
# Answers are refilled on every change; the expiry only bounds the memory of unscanned ones.
ANSWER_SECONDS = 7 * 24 * 3600
# Longer than an answer lives, so an answer never outlives the token it was stamped with.
TOKEN_SECONDS = 30 * 24 * 3600
KINDS = ("json", "html", "linkset")
# The per-request CSRF token in a cached page's forms, put back for each reader.
CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CSRF_PLACEHOLDER = b"\x00csrf\x00"
# What shapes a public answer besides the passport: a change to any of it is a new version.
VERSIONED = (("passports", "*.py"), ("web", "*.py"), ("web", "*.html"), ("locale", "*.mo"))


@functools.cache
def _code_version() -> str:
    """A digest of the files that render answers, and the static manifest if there is one."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    files = [p for folder, pattern in VERSIONED for p in (root / folder).rglob(pattern)]
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    for path in sorted(files) + ([manifest] if manifest.exists() else []):
        digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _version() -> str:
    return getattr(settings, "SCAN_CACHE_VERSION", "") or _code_version()


def _token_key(passport_id) -> str:
    return f"scan:{_version()}:gen:{passport_id}"


def _organisations_key() -> str:
    return f"scan:{_version()}:orgs"


def _id_key(gtin: str, serial: str) -> str:
    # Hashed: a serial may hold characters some cache backends refuse in keys.
    return f"scan:{_version()}:id:{hashlib.sha256(f'{gtin}/{serial}'.encode()).hexdigest()[:32]}"


def _answer_key(passport_id, *, kind: str, language: str, where: str) -> str:
    place = hashlib.sha256(where.encode()).hexdigest()[:24]
    return f"scan:{_version()}:answer:{passport_id}:{kind}:{language}:{place}"


def answer_place(request, kind: str) -> str:
    """What besides the passport an answer depends on: the address it was asked at.

    Links are absolute, so every answer depends on scheme and host; the page also links back to
    its own path and query (sign-in and language forms), so a page depends on those too.
    """
    origin = f"{request.scheme}://{request.get_host()}"
    return origin + request.get_full_path() if kind == "html" else origin


def servable(request) -> bool:
    """Whether this request may be answered from the cache: an anonymous caller, no session.

    A token or a session may raise the tier, and a restricted read must be recorded each time;
    a session may also carry messages for the page. Only the CSRF and language cookies, which
    the page handles per reader, are allowed.
    """
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    allowed = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    return all(name in allowed for name in request.COOKIES)


# GTIN + serial -> id never changes, so each process also keeps the mappings it has seen: a
# scan then costs one cache round trip, which is most of a hit's cost. Bounded; cleared when full.
_KNOWN: dict[tuple[str, str, str], str] = {}
KNOWN_MAX = 200_000


def passport_id_find(*, gtin: str, serial: str) -> str | None:
    """The passport id a GS1 Digital Link names, if this process or the cache knows it."""
    local = (_version(), gtin, serial)
    known = _KNOWN.get(local)
    if known is not None:
        return known
    try:
        known = caches[ALIAS].get(_id_key(gtin, serial))
    except Exception as exc:  # noqa: BLE001 - an unreachable cache only means the database answers
        logger.warning("scan cache unavailable: %s", exc)
        return None
    if known is not None:
        _known_keep(local, known)
    return known


def _known_keep(local: tuple[str, str, str], passport_id: str) -> None:
    if len(_KNOWN) >= KNOWN_MAX:
        _KNOWN.clear()
    _KNOWN[local] = passport_id


def passport_id_remember(*, gtin: str, serial: str, passport_id) -> None:
    """Keeps the GTIN + serial -> id mapping, which never changes for a passport."""
    _known_keep((_version(), gtin, serial), str(passport_id))
    try:
        caches[ALIAS].set(_id_key(gtin, serial), str(passport_id), TOKEN_SECONDS)
    except Exception as exc:  # noqa: BLE001
        logger.warning("scan cache unavailable: %s", exc)


def public_answer_find(
    passport_id, *, kind: str, language: str, where: str
) -> tuple[dict | None, tuple | None]:
    """(the cached answer or None, the stamp an answer built now must be stored with).

    One round trip on a hit. The stamp is None when the cache cannot be used at all.
    """
    token_key, orgs_key = _token_key(passport_id), _organisations_key()
    answer_key = _answer_key(passport_id, kind=kind, language=language, where=where)
    try:
        cache = caches[ALIAS]
        found = cache.get_many([token_key, orgs_key, answer_key])
        if token_key not in found or orgs_key not in found:
            # A fresh token only if none exists: a writer's newer one must not be replaced.
            cache.add(token_key, uuid.uuid4().hex, TOKEN_SECONDS)
            cache.add(orgs_key, uuid.uuid4().hex, TOKEN_SECONDS)
            found = cache.get_many([token_key, orgs_key, answer_key])
    except Exception as exc:  # noqa: BLE001
        logger.warning("scan cache unavailable: %s", exc)
        return None, None
    stamp = (found.get(token_key), found.get(orgs_key))
    if None in stamp:
        return None, None
    entry = found.get(answer_key)
    if entry is not None and tuple(entry["stamp"]) == stamp:
        return entry, stamp
    return None, stamp


def public_answer_store(
    passport_id, *, kind: str, language: str, where: str, stamp: tuple, response, etag, links
) -> None:
    """Keeps a public answer as sent, less the reader's CSRF token, under its stamp.

    A page asked for with a query string is not kept: the page embeds its own address, so
    every made-up query would be one more 20 KB entry, and a scan carries no query anyway.
    """
    if kind == "html" and "?" in where:
        return
    body = bytes(response.content)
    if kind == "html":
        body = CSRF_FIELD.sub(rb"\g<1>" + CSRF_PLACEHOLDER + rb"\g<2>", body)
    entry = {
        "stamp": list(stamp),
        "status": response.status_code,
        "content_type": response["Content-Type"],
        "body": body,
        "etag": etag,
        "links": links,
    }
    key = _answer_key(passport_id, kind=kind, language=language, where=where)
    try:
        caches[ALIAS].set(key, entry, ANSWER_SECONDS)
    except Exception as exc:  # noqa: BLE001
        logger.warning("scan cache unavailable: %s", exc)


def page_body(entry: dict, request) -> bytes:
    """A cached page with this reader's CSRF token in its forms."""
    return entry["body"].replace(CSRF_PLACEHOLDER, csrf_token(request).encode())


CSRF_INDEX = {char: at for at, char in enumerate(CSRF_ALLOWED_CHARS)}
# 248 = 4 x 62: bytes below it map evenly onto the 62 characters; the rest are drawn again.
CSRF_BYTE_LIMIT = len(CSRF_ALLOWED_CHARS) * (256 // len(CSRF_ALLOWED_CHARS))


def _csrf_string() -> str:
    """CSRF_SECRET_LENGTH characters of CSRF_ALLOWED_CHARS, uniform, from the system's CSPRNG.

    Django draws each character with a read of its own (64 reads for a new reader's token, a
    sixth of a cached page's CPU); this reads the same source once and rejects the bytes that
    would bias the draw.
    """
    drawn: list[str] = []
    while len(drawn) < CSRF_SECRET_LENGTH:
        drawn += [
            CSRF_ALLOWED_CHARS[byte % len(CSRF_ALLOWED_CHARS)]
            for byte in os.urandom(CSRF_SECRET_LENGTH + 8)
            if byte < CSRF_BYTE_LIMIT
        ]
    return "".join(drawn[:CSRF_SECRET_LENGTH])


def csrf_token(request) -> str:
    """This reader's masked CSRF token, as django.middleware.csrf.get_token gives it.

    The same contract with the CSRF middleware: the reader's secret (a new one when the
    request brought none) is set for the cookie, which the middleware then sends; the token
    is that secret masked by a fresh one, so no two pages carry the same token.
    """
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = _csrf_string()
        request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _csrf_string()
    count = len(CSRF_ALLOWED_CHARS)
    return mask + "".join(
        CSRF_ALLOWED_CHARS[(CSRF_INDEX[s] + CSRF_INDEX[m]) % count]
        for s, m in zip(secret, mask, strict=False)
    )


def _tokens_replace(passport_ids) -> list[str] | None:
    """Gives the scanned ones among these passports new tokens; returns them (None: no cache).

    A passport with no token (never scanned, or not since it expired) has nothing to retire.
    """
    keys = {_token_key(pk): str(pk) for pk in passport_ids}
    try:
        cache = caches[ALIAS]
        scanned = [keys[key] for key in cache.get_many(list(keys))]
        if scanned:  # most writes are to passports nobody scanned: no round trip to make
            cache.set_many({_token_key(pk): uuid.uuid4().hex for pk in scanned}, TOKEN_SECONDS)
    except Exception as exc:  # noqa: BLE001
        # Stale answers would outlive an outage: the version or a flush retires them.
        logger.warning("scan cache unavailable, answers of %s not refreshed: %s", keys, exc)
        return None
    return scanned


def public_answer_refresh(*, passport_ids) -> None:
    """Retires the cached answers of these passports and refills those people scan.

    Called after the commit that changed them (chain head, status, successor). Passports
    nobody scans are not refilled, so a bulk of writes to them queues no rendering.
    """
    scanned = _tokens_replace(passport_ids)
    from passports.tasks import public_answers_fill

    for pk in scanned or ():
        try:
            public_answers_fill.delay(pk)
        except Exception:  # noqa: BLE001 - the next scan fills the cache instead
            logger.exception("could not queue the refill of passport %s's answers", pk)


def public_answer_refresh_on_commit(*, passport_ids) -> None:
    """Retires these passports' answers now and again, with a refill, once the write commits.

    Now as well: a reader in the same transaction (a test, a service reading back what it
    wrote) must not be answered from before the write. A reader in another transaction may
    store the old state under the token given now; the one given at commit retires that.
    """
    ids = [str(pk) for pk in passport_ids]
    if not transaction.get_connection().in_atomic_block:
        # The write has committed already and on_commit would run at once: retiring twice
        # back to back would only repeat the cache's round trips.
        public_answer_refresh(passport_ids=ids)
        return
    _tokens_replace(ids)
    transaction.on_commit(lambda: public_answer_refresh(passport_ids=ids))


def organisations_refresh() -> None:
    """Retires every cached answer: an organisation's name or country appears in them."""
    try:
        caches[ALIAS].set(_organisations_key(), uuid.uuid4().hex, TOKEN_SECONDS)
    except Exception as exc:  # noqa: BLE001
        logger.warning("scan cache unavailable, organisation change not applied: %s", exc)


def organisation_saved(sender, instance, created: bool, **kwargs) -> None:
    """post_save of Organisation: a renamed manufacturer or holder retires every answer.

    A signal because every path that renames (the admin, an archive import, the shell) saves
    the row, and none of them should have to know about this cache.
    """
    if not created:
        organisations_refresh()  # now and at commit, as public_answer_refresh_on_commit does
        transaction.on_commit(organisations_refresh)
