"""An imported passport's public endpoints: no credential is offered, and nothing answers 5xx.

This instance holds only the public halves of an archived operator's keys, so whatever would
sign on its behalf must say so instead of failing.
"""

import uuid
from collections import defaultdict

import pytest

from lifecycle.archive.importer import archive_import
from passports.linkset import GS1_VOC, UNTP_DPP_LINK_TYPE
from passports.models import Organisation
from tests.lifecycle.test_archive_forged import HOST, origin  # noqa: F401  (the fixture)
from tests.test_permission_matrix import MATRIX, call

LINKSET = "/01/09506000134352/21/BAT-000001?linkType=linkset"


@pytest.fixture
def imported(origin):  # noqa: F811
    archive_import(data=origin["data"], host=HOST, log_vkey=origin["vkey"])
    return origin


class _Probe:
    """Stands in for a client to learn which matrix endpoints are reads."""

    def get(self, *args, **kwargs):
        return "GET"

    def post(self, *args, **kwargs):
        return "POST"

    def delete(self, *args, **kwargs):
        return "DELETE"


def _method(name: str, world) -> str:
    try:
        return call(name, _Probe(), world, 0)
    except RuntimeError:
        # The row reads the log's size from the database to build its address (the tile
        # rows), which collection may not do; those rows are reads of the log.
        return "GET"


def _reads() -> list[str]:
    world = defaultdict(lambda: "probe")
    return [name for name in MATRIX if _method(name, world) == "GET"]


def test_the_credential_of_an_archived_passport_is_a_json_409_saying_why(imported, anonymous):
    for query in ("", "?format=json"):
        response = anonymous.get(f"/api/v1/passports/{imported['ids'][0]}/credential{query}")

        assert response.status_code == 409
        (error,) = response.json()["errors"]
        assert error["field"] == "passport"
        assert f"read-only archived copy from {HOST}" in error["message"]
        assert "no signing key" in error["message"]


def test_the_linkset_of_an_archived_passport_offers_no_credential(imported, anonymous):
    links = anonymous.get(LINKSET).json()["linkset"][0]

    assert UNTP_DPP_LINK_TYPE not in links
    assert f"{GS1_VOC}dpp" in links  # the passport data is still offered


def test_the_page_of_an_archived_passport_has_no_credential_button(imported, anonymous):
    page = anonymous.get(f"/p/{imported['ids'][0]}", HTTP_ACCEPT="text/html").content.decode()

    assert "Archived copy from" in page
    assert "/credential" not in page


@pytest.mark.parametrize("endpoint", _reads())
def test_no_read_endpoint_fails_on_an_archived_passport(imported, endpoint, anonymous, regulator):
    operator = Organisation.objects.get(pk=imported["rows"][0]["manufacturer"])
    # Ids the matrix's own world has (a token, an alert, a delivery) are nobody's here.
    world = defaultdict(uuid.uuid4, passport=imported["ids"][0], owner_org=operator.pk)

    for index, client in enumerate((anonymous, regulator.client)):
        response = call(endpoint, client, world, index)

        assert response.status_code < 500, (endpoint, response.status_code)
