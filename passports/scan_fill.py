"""Renders a passport's public answers into the scan cache, as an anonymous scan would get them.

Filled for the address printed in the QR codes (RESOLVER_BASE_URL): the JSON and the page in
every language, and the linkset. Scans at other addresses or with other queries fill their own
entries on first use.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import translation

from passports import resolver, scan_cache
from passports.identifiers import digital_link
from passports.models import Passport

ACCEPT = {"json": "application/json", "html": "text/html", "linkset": resolver.LINKSET}


def public_answers_fill(
    *, passport_id: str, base_url: str = "", languages: list[str] | None = None
) -> int:
    """Renders and stores the public answers of one passport; returns how many were stored.

    `base_url` is the scheme and host the answers are for (the resolver's own by default);
    `languages` those of the pages (every configured language by default).
    """
    base = urlsplit(base_url or settings.RESOLVER_BASE_URL)
    codes = languages or [code for code, _ in settings.LANGUAGES]
    wanted = [("linkset", "")] + [(kind, code) for kind in ("json", "html") for code in codes]
    # The stamp first, the database after: a change committed in between retires these entries.
    _, stamp = scan_cache.public_answer_find(passport_id, kind="linkset", language="", where="")
    if stamp is None:
        return 0
    passport = resolver._scanned(Passport.objects.filter(pk=passport_id))
    if passport is None:
        return 0
    if passport.gtin:
        # With the answers, so the first scan by GTIN and serial does not ask the database either.
        scan_cache.passport_id_remember(
            gtin=passport.gtin, serial=passport.serial, passport_id=passport.pk
        )
    link = urlsplit(
        digital_link(gtin=passport.gtin, serial=passport.serial, passport_id=passport.pk)
    )
    factory = RequestFactory()
    stored = 0
    for kind, language in wanted:
        request = factory.get(
            link.path,
            HTTP_ACCEPT=ACCEPT[kind],
            HTTP_HOST=base.netloc,
            secure=base.scheme == "https",
        )
        request.user = AnonymousUser()
        with translation.override(language or settings.LANGUAGE_CODE):
            request.LANGUAGE_CODE = language or translation.get_language()
            response = resolver._answer(request, passport, stamp=stamp)
        stored += response.status_code == 200
    return stored
