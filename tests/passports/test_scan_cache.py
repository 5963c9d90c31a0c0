"""Public scans answered from the scan cache: no database on a hit or a 304, never stale."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from passports import scan_cache
from passports.models import AccessRecord, Passport

LINK = "/01/09506000134352/21/BAT-000001"
ACCEPTS = ["application/json", "text/html", "application/linkset+json"]
# Everything the resolver sets on a public answer, which the cached answer must repeat.
HEADERS = (
    "Content-Type",
    "ETag",
    "Cache-Control",
    "Link",
    "Vary",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Content-Language",
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def headers(response) -> dict:
    return {name: response.get(name) for name in HEADERS}


def head_now(passport_id: str) -> str:
    return Passport.objects.get(pk=passport_id).head_hash


def place_on_market(manufacturer, passport_id: str):
    return manufacturer.client.post(
        f"/api/v1/passports/{passport_id}/events/",
        {
            "type": "placed_on_market",
            "occurred_at": timezone.now() - dt.timedelta(hours=1),
            "payload": {"country": "DE"},
        },
        format="json",
    )


@pytest.fixture
def answered_here(settings):
    """Answers refilled after a write are for the address the test client scans at."""
    settings.RESOLVER_BASE_URL = "http://testserver"


@pytest.mark.parametrize("accept", ACCEPTS)
def test_second_public_scan_touches_no_database(
    anonymous, registered_battery, accept, django_assert_num_queries
):
    first = anonymous.get(LINK, HTTP_ACCEPT=accept)

    with django_assert_num_queries(0):
        again = anonymous.get(LINK, HTTP_ACCEPT=accept)

    assert first.status_code == again.status_code == 200
    assert headers(again) == headers(first)
    if accept == "text/html":
        # The page is the same but for the CSRF token of the language form, given per reader.
        assert CSRF.sub("", again.content.decode()) == CSRF.sub("", first.content.decode())
    else:
        assert again.content == first.content


def test_scan_by_passport_id_is_cached_too(
    anonymous, registered_battery, django_assert_num_queries
):
    url = f"/p/{registered_battery['id']}"
    first = anonymous.get(url, HTTP_ACCEPT="application/json")

    with django_assert_num_queries(0):
        again = anonymous.get(url, HTTP_ACCEPT="application/json")

    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_revalidation_is_304_without_the_database(
    anonymous, registered_battery, accept, django_assert_num_queries
):
    first = anonymous.get(LINK, HTTP_ACCEPT=accept)

    with django_assert_num_queries(0):
        again = anonymous.get(LINK, HTTP_ACCEPT=accept, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again["Link"] == first["Link"]


def test_link_type_redirect_comes_from_the_cached_linkset(
    anonymous, registered_battery, django_assert_num_queries
):
    anonymous.get(LINK, HTTP_ACCEPT="application/linkset+json")

    with django_assert_num_queries(0):
        followed = anonymous.get(LINK + "?linkType=gs1:dpp")

    assert followed.status_code == 307
    assert followed["Location"].endswith(f"/api/v1/passports/{registered_battery['id']}/")


def test_cached_page_gives_each_reader_a_csrf_token_for_its_own_cookie(
    anonymous, registered_battery, client
):
    anonymous.get(LINK, HTTP_ACCEPT="text/html")

    page = client.get(LINK, HTTP_ACCEPT="text/html")

    token = CSRF.search(page.content.decode()).group(1)
    assert "\x00" not in token
    assert "csrftoken" in page.cookies
    assert page.cookies["csrftoken"].value != token  # masked, as Django always sends it


def test_language_form_of_a_cached_page_passes_the_csrf_check(anonymous, registered_battery, db):
    from django.test import Client

    anonymous.get(LINK, HTTP_ACCEPT="text/html")  # fills the cache
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(LINK, HTTP_ACCEPT="text/html")

    switched = reader.post(
        "/i18n/setlang/",
        {
            "language": "zh-hans",
            "next": LINK,
            "csrfmiddlewaretoken": CSRF.search(page.content.decode()).group(1),
        },
    )

    assert switched.status_code == 302


def test_bad_purpose_is_refused_from_the_cache_as_from_the_database(anonymous, registered_battery):
    anonymous.get(LINK, HTTP_ACCEPT="application/json")

    refused = anonymous.get(LINK + "?purpose=" + "x" * 5000, HTTP_ACCEPT="application/json")

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "purpose"


def test_page_is_cached_per_language(anonymous, registered_battery, django_assert_num_queries):
    english = anonymous.get(LINK, HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en")
    chinese = anonymous.get(LINK, HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="zh-hans")

    with django_assert_num_queries(0):
        english_again = anonymous.get(LINK, HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en")
        chinese_again = anonymous.get(LINK, HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english_again["Content-Language"] == "en"
    assert chinese_again["Content-Language"] == "zh-hans"
    assert english_again["ETag"] == english["ETag"] != chinese_again["ETag"] == chinese["ETag"]
    assert CSRF.sub("", chinese_again.content.decode()) == CSRF.sub("", chinese.content.decode())
    assert CSRF.sub("", english_again.content.decode()) != CSRF.sub(
        "", chinese_again.content.decode()
    )


def test_after_an_event_the_next_scan_shows_the_new_state(
    anonymous,
    manufacturer,
    registered_battery,
    answered_here,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    before = anonymous.get(LINK, HTTP_ACCEPT="application/json")

    with django_capture_on_commit_callbacks(execute=True):
        assert place_on_market(manufacturer, registered_battery["id"]).status_code == 201
    # Refilled when the event committed: the first scan after it is already a hit.
    with django_assert_num_queries(0):
        after = anonymous.get(LINK, HTTP_ACCEPT="application/json")

    assert after["ETag"] != before["ETag"]
    assert after.json()["head_hash"] != before.json()["head_hash"]
    assert after.json()["head_hash"] == head_now(registered_battery["id"])


def test_a_changed_passport_is_not_served_stale_when_the_refill_is_lost(
    anonymous, manufacturer, registered_battery, monkeypatch, django_capture_on_commit_callbacks
):
    from passports.tasks import public_answers_fill

    lost = []
    monkeypatch.setattr(public_answers_fill, "delay", lost.append)
    before = anonymous.get(LINK, HTTP_ACCEPT="text/html")

    with django_capture_on_commit_callbacks(execute=True):
        assert place_on_market(manufacturer, registered_battery["id"]).status_code == 201
    after = anonymous.get(LINK, HTTP_ACCEPT="text/html")

    assert lost == [registered_battery["id"]]
    assert after["ETag"] != before["ETag"]


def test_after_a_manufacturer_rename_scans_show_the_new_name(
    anonymous, manufacturer, registered_battery, django_capture_on_commit_callbacks
):
    before = anonymous.get(LINK, HTTP_ACCEPT="application/json")

    with django_capture_on_commit_callbacks(execute=True):
        manufacturer.organisation.name = "Acme Cells Europe"
        manufacturer.organisation.save()
    after = anonymous.get(LINK, HTTP_ACCEPT="application/json")

    assert before.json()["manufacturer"]["name"] == "Acme Cells"
    assert after.json()["manufacturer"]["name"] == "Acme Cells Europe"
    assert after["ETag"] != before["ETag"]


def test_restricted_reader_is_never_served_from_the_cache(anonymous, recycler, registered_battery):
    public = anonymous.get(LINK, HTTP_ACCEPT="application/json")
    anonymous.get(LINK, HTTP_ACCEPT="application/json")

    first = recycler.client.get(LINK, HTTP_ACCEPT="application/json")
    second = recycler.client.get(LINK, HTTP_ACCEPT="application/json")

    assert first.status_code == second.status_code == 200
    assert "ETag" not in second
    assert second.json() != public.json()  # the legitimate-interest tier sees more
    reads = AccessRecord.objects.filter(passport_id=registered_battery["id"], via="resolver")
    assert reads.count() == 2


def test_answer_built_before_a_change_is_never_served_after_it(anonymous, registered_battery):
    passport_id = registered_battery["id"]
    where = "http://testserver"
    _, stamp = scan_cache.public_answer_find(passport_id, kind="json", language="en", where=where)
    # A reader took its stamp, then a write committed and refreshed before the reader stored.
    anonymous.get(LINK, HTTP_ACCEPT="application/json")
    scan_cache.public_answer_refresh(passport_ids=[passport_id])
    response = anonymous.get(LINK, HTTP_ACCEPT="application/json")
    scan_cache.public_answer_store(
        passport_id,
        kind="json",
        language="en",
        where=where,
        stamp=stamp,
        response=response,
        etag=response["ETag"],
        links={},
    )

    entry, _ = scan_cache.public_answer_find(passport_id, kind="json", language="en", where=where)

    assert entry is None or entry["stamp"] != list(stamp)


@pytest.fixture
def cache_down(settings):
    """The scan cache points at a Redis nobody listens on."""
    settings.CACHES = {
        **settings.CACHES,
        "scans": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        },
    }


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_unreachable_cache_falls_back_to_the_database(
    cache_down, anonymous, registered_battery, accept
):
    first = anonymous.get(LINK, HTTP_ACCEPT=accept)
    again = anonymous.get(LINK, HTTP_ACCEPT=accept, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert again.status_code == 304


def test_events_are_recorded_while_the_cache_is_down(
    cache_down, anonymous, manufacturer, registered_battery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        posted = place_on_market(manufacturer, registered_battery["id"])

    assert posted.status_code == 201
    scanned = anonymous.get(LINK, HTTP_ACCEPT="application/json").json()
    assert scanned["head_hash"] == head_now(registered_battery["id"])


def test_unknown_identifier_is_still_a_404(anonymous, db):
    response = anonymous.get("/01/09506000134352/21/NOPE-1", HTTP_ACCEPT="application/json")

    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "path"


def test_after_a_batch_of_events_the_next_scan_shows_the_new_state(
    anonymous, manufacturer, registered_battery, django_capture_on_commit_callbacks
):
    before = anonymous.get(LINK, HTTP_ACCEPT="application/json")
    batch = {
        "events": [
            {
                "passport": registered_battery["id"],
                "type": "placed_on_market",
                "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
                "payload": {"country": "DE"},
            }
        ]
    }

    with django_capture_on_commit_callbacks(execute=True):
        answer = manufacturer.client.post("/api/v1/events/batch", batch, format="json")
    after = anonymous.get(LINK, HTTP_ACCEPT="application/json")

    assert answer.status_code == 201, answer.json()
    assert after.json()["head_hash"] != before.json()["head_hash"]
    assert after.json()["head_hash"] == head_now(registered_battery["id"])


def test_pages_asked_for_with_a_made_up_query_are_not_kept(
    anonymous, registered_battery, monkeypatch
):
    from django.core.cache import caches

    from passports.scan_cache import ALIAS

    cache = caches[ALIAS]
    kept = []
    keep = cache.set
    monkeypatch.setattr(cache, "set", lambda key, *a, **k: (kept.append(key), keep(key, *a, **k)))

    for n in range(5):
        page = anonymous.get(LINK, {"q": n}, HTTP_ACCEPT="text/html")
        assert page.status_code == 200
    pages_with_query = [key for key in kept if ":answer:" in key and ":html:" in key]
    anonymous.get(LINK, HTTP_ACCEPT="text/html")
    pages = [key for key in kept if ":answer:" in key and ":html:" in key]

    assert pages_with_query == []
    assert len(pages) == 1  # the plain scan's page


def test_a_filled_passport_is_scanned_by_its_link_without_the_database(
    anonymous, registered_battery, settings, django_assert_num_queries
):
    from passports.scan_fill import public_answers_fill

    settings.RESOLVER_BASE_URL = "http://testserver"
    scan_cache._KNOWN.clear()  # as in a process that has not seen this passport yet
    public_answers_fill(passport_id=registered_battery["id"])
    scan_cache._KNOWN.clear()

    with django_assert_num_queries(0):
        first = anonymous.get(LINK, HTTP_ACCEPT="application/json")

    assert first.status_code == 200
    assert first.json()["id"] == registered_battery["id"]


def test_each_cached_page_masks_the_readers_own_secret_afresh(
    anonymous, registered_battery, client
):
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token

    anonymous.get(LINK, HTTP_ACCEPT="text/html")  # fills the cache
    first = client.get(LINK, HTTP_ACCEPT="text/html")
    secret = first.cookies["csrftoken"].value
    second = client.get(LINK, HTTP_ACCEPT="text/html")

    tokens = [CSRF.search(page.content.decode()).group(1) for page in (first, second)]
    assert tokens[0] != tokens[1]
    for token in tokens:
        assert len(token) == 64 and set(token) <= set(CSRF_ALLOWED_CHARS)
        assert _unmask_cipher_token(token) == secret


def test_a_write_to_a_passport_nobody_scanned_writes_nothing_to_the_cache(
    manufacturer, registered_battery, monkeypatch
):
    from django.core.cache import caches

    cache = caches[scan_cache.ALIAS]
    writes = []
    monkeypatch.setattr(cache, "set_many", lambda *args, **kwargs: writes.append(args))

    response = place_on_market(manufacturer, registered_battery["id"])

    assert response.status_code == 201
    assert writes == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_retires_its_answers_once(manufacturer, registered_battery, monkeypatch):
    # Outside a transaction the write has committed: one retirement serves, not two in a row.
    from django.core.cache import caches

    cache = caches[scan_cache.ALIAS]
    reads = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(keys) or get_many(keys))

    response = place_on_market(manufacturer, registered_battery["id"])

    assert response.status_code == 201
    assert reads == [[scan_cache._token_key(registered_battery["id"])]]
