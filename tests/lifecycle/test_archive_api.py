"""POST /api/v1/organisations/{id}/archive/: the backup archive, for its operator and regulators."""

import io
import zipfile

import pytest

from lifecycle.archive.verify import archive_verify
from lifecycle.services.log import log_vkey
from passports.models import Organisation, OrganisationKind
from tests.factories import declaration


def archive_url(organisation) -> str:
    return f"/api/v1/organisations/{organisation.pk}/archive/"


@pytest.fixture
def two_batteries(manufacturer):
    ids = []
    for serial in ("BAT-000001", "BAT-000002"):
        response = manufacturer.client.post(
            "/api/v1/passports/", declaration(serial=serial), format="json"
        )
        assert response.status_code == 201
        ids.append(response.json()["id"])
    return ids


def test_the_operator_downloads_a_signed_archive_of_its_passports(manufacturer, two_batteries):
    response = manufacturer.client.post(archive_url(manufacturer.organisation))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = archive_verify(response.content, log_vkey=log_vkey())
    assert sorted(archive.records) == sorted(two_batteries)


def test_a_client_asking_for_a_zip_gets_it_and_its_errors_as_json(
    manufacturer, other_manufacturer, two_batteries
):
    url = archive_url(manufacturer.organisation)

    found = manufacturer.client.post(url, HTTP_ACCEPT="application/zip")
    missing = other_manufacturer.client.post(url, HTTP_ACCEPT="application/zip")

    assert (found.status_code, found["Content-Type"]) == (200, "application/zip")
    assert (missing.status_code, missing["Content-Type"]) == (404, "application/json")
    assert missing.json()["errors"]


def test_a_regulator_downloads_any_operators_archive(manufacturer, regulator, two_batteries):
    response = regulator.client.post(archive_url(manufacturer.organisation))

    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
    assert {f"passports/{i}.json" for i in two_batteries} <= names
    assert {"manifest.json", "manifest.sig", "checkpoint.txt", "keys.json"} <= names


def test_another_organisation_gets_404(manufacturer, other_manufacturer, recycler, two_batteries):
    for outsider in (other_manufacturer, recycler):
        response = outsider.client.post(archive_url(manufacturer.organisation))

        assert response.status_code == 404
        assert response.json()["errors"]


def test_anonymous_gets_401(manufacturer, anonymous, two_batteries):
    response = anonymous.post(archive_url(manufacturer.organisation))

    assert response.status_code == 401


def test_an_organisation_without_passports_is_refused_naming_why(other_manufacturer):
    response = other_manufacturer.client.post(archive_url(other_manufacturer.organisation))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "organisation", "message": "Other Cells has no passports to archive."}
    ]


def test_an_archived_operators_copy_is_not_exported_again(regulator, db):
    archived = Organisation.objects.create(
        name="Gone GmbH", kind=OrganisationKind.ARCHIVED_OPERATOR
    )

    response = regulator.client.post(archive_url(archived))

    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "organisation"
