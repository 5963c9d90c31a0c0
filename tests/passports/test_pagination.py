"""List endpoints answer pages of at most API_MAX_PAGE_SIZE items, whatever `limit` asks."""

from django.urls import get_resolver
from rest_framework.generics import GenericAPIView

from passports.api.pagination import Pagination
from tests.factories import declaration


def register(actor, count: int) -> None:
    body = {"passports": [declaration(serial=f"PAGE-{n}") for n in range(count)]}
    response = actor.client.post("/api/v1/passports/bulk/", body, format="json")
    assert response.status_code == 201, response.json()


def test_a_huge_limit_is_cut_to_the_maximum_page_size(manufacturer, settings):
    settings.API_MAX_PAGE_SIZE = 2
    register(manufacturer, 3)

    page = manufacturer.client.get("/api/v1/passports/?limit=100000").json()

    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert "limit=2" in page["next"] and "offset=2" in page["next"]


def test_the_default_page_size_applies_without_a_limit(manufacturer, settings):
    settings.API_PAGE_SIZE = 1
    register(manufacturer, 2)

    page = manufacturer.client.get("/api/v1/passports/").json()

    assert len(page["results"]) == 1
    assert page["previous"] is None
    follow = manufacturer.client.get(page["next"]).json()
    assert len(follow["results"]) == 1
    assert follow["next"] is None


def test_only_a_page_of_reads_is_written_to_the_access_log(manufacturer, settings):
    from passports.models import AccessRecord

    settings.API_MAX_PAGE_SIZE = 2
    register(manufacturer, 3)
    before = AccessRecord.objects.count()

    manufacturer.client.get("/api/v1/passports/?limit=100000")

    assert AccessRecord.objects.count() - before <= 2


def test_a_huge_limit_is_cut_on_other_lists_too(make_actor, settings):
    settings.API_MAX_PAGE_SIZE = 2
    actor = make_actor("manufacturer", "First")
    make_actor("recycler", "Second")
    make_actor("regulator", "Third")

    page = actor.client.get("/api/v1/organisations/?limit=100000").json()

    assert page["count"] == 3
    assert len(page["results"]) == 2


def list_views() -> list[type]:
    """Every DRF view class behind a URL that pages its answers."""
    found = []

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
                continue
            view = getattr(pattern.callback, "cls", None)
            if view and issubclass(view, GenericAPIView) and view.pagination_class is not None:
                found.append(view)

    walk(get_resolver().url_patterns)
    return found


def test_every_paged_list_uses_the_capped_pagination():
    views = list_views()

    assert len(views) >= 5
    for view in views:
        assert issubclass(view.pagination_class, Pagination), view
