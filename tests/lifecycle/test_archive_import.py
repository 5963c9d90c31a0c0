"""Importing an archive in-process: what the importer writes and how the copy behaves.

The archive is made inside a transaction that is then rolled back, so the same database plays
the empty instance that imports it (on PostgreSQL too, with its bulk-insert path and triggers).
"""

import base64

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from lifecycle.archive.importer import archive_import
from lifecycle.archive.verify import ArchiveRejected
from lifecycle.models import ArchivedProof, Event, LogLeaf, PendingEvent
from lifecycle.services.log import log_integrate
from lifecycle.verify import verify_bundle
from passports.models import Organisation, OrganisationKind, Passport, SigningKey
from passports.services.keys import KeysArchived, signing_key_rotate
from tests.lifecycle.archive_helpers import export, origin_vkey, populate

HOST = "127.0.0.1:8000"


class RolledBack(Exception):
    pass


@pytest.fixture
def archived(make_actor, tmp_path, settings):
    """An archive of instance A's Acme Cells, A's log key, and A's events; A is then gone."""
    settings.RESOLVER_BASE_URL = f"http://{HOST}"
    made = {}
    with pytest.raises(RolledBack), transaction.atomic():
        manufacturer = make_actor("manufacturer", "Acme Cells", gs1_company_prefix="9506000")
        ids = populate(manufacturer, make_actor("repairer", "Fix It"))
        made["data"] = export(manufacturer.organisation, tmp_path / "a.zip")
        made["vkey"] = origin_vkey()
        made["ids"] = ids
        made["operator"] = manufacturer.organisation.pk
        made["events"] = [
            (bytes(e.envelope), bytes(e.signature))
            for e in Event.objects.filter(passport_id=ids[0]).order_by("seq")
        ]
        raise RolledBack
    assert not Passport.objects.exists()
    return made


def imported(archived) -> None:
    archive_import(data=archived["data"], host=HOST, log_vkey=archived["vkey"])


def test_import_recreates_passports_under_a_keyless_archived_operator(archived):
    imported(archived)

    operator = Organisation.objects.get(pk=archived["operator"])
    assert operator.kind == OrganisationKind.ARCHIVED_OPERATOR
    assert set(Passport.objects.values_list("archived_from", flat=True)) == {HOST}
    assert Passport.objects.filter(manufacturer=operator).count() == 2
    assert not SigningKey.objects.exclude(encrypted_private_key=b"").exists()
    assert SigningKey.objects.filter(organisation=operator).count() == 2  # one retired


def test_imported_events_keep_their_signed_bytes_and_origin_proofs(archived):
    imported(archived)

    events = Event.objects.filter(passport_id=archived["ids"][0]).order_by("seq")
    assert [(bytes(e.envelope), bytes(e.signature)) for e in events] == archived["events"]
    assert ArchivedProof.objects.count() == Event.objects.count() == 5


def test_the_served_bundle_verifies_against_the_origin_log_key(archived, regulator):
    imported(archived)

    bundle = regulator.client.get(f"/api/v1/passports/{archived['ids'][0]}/bundle/").json()

    checks = verify_bundle(bundle, archived["vkey"], [])
    assert checks and all(check.ok for check in checks)


def test_a_digital_link_resolves_to_the_imported_passport(archived, anonymous):
    imported(archived)

    response = anonymous.get("/01/09506000134352/21/BAT-000001", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["id"] == archived["ids"][0]


def test_the_events_api_serves_the_archived_envelopes(archived, regulator):
    imported(archived)

    results = regulator.client.get(f"/api/v1/passports/{archived['ids'][0]}/events/").json()

    served = [
        (base64.b64decode(e["envelope"]), base64.b64decode(e["signature"]))
        for e in results["results"]
    ]
    assert served == archived["events"]
    assert [e["inclusion"] for e in results["results"]] == ["archived"] * 4


def test_no_event_can_be_appended_to_an_imported_passport(archived, make_actor):
    imported(archived)
    repairer = make_actor("repairer", "Local Repairs")

    response = repairer.client.post(
        f"/api/v1/passports/{archived['ids'][0]}/events/",
        {
            "type": "health_reported",
            "occurred_at": "2026-06-01T10:00:00Z",
            "payload": {"state_of_health_pct": "90"},
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "passport"
    assert Event.objects.filter(passport_id=archived["ids"][0]).count() == 4


def test_this_instances_log_leaves_imported_events_out(archived):
    imported(archived)

    assert not PendingEvent.objects.exists()
    assert log_integrate() == 0
    assert log_integrate(everything=True) == 0
    assert not LogLeaf.objects.exists()


def test_an_archived_operators_key_is_never_rotated(archived):
    imported(archived)
    operator = Organisation.objects.get(pk=archived["operator"])

    with pytest.raises(KeysArchived):
        signing_key_rotate(organisation=operator)
    with pytest.raises(CommandError, match="archived operator"):
        call_command("rotate_key", str(operator.pk))


def test_a_live_organisation_with_the_same_id_is_not_taken_over(archived):
    Organisation.objects.create(
        pk=archived["operator"], name="Acme Cells", kind=OrganisationKind.MANUFACTURER
    )

    with pytest.raises(ArchiveRejected) as caught:
        imported(archived)

    assert caught.value.problems == [
        f"organisation {archived['operator']}: a live organisation here; only operators this "
        "instance does not run are imported"
    ]
    assert not Passport.objects.exists()


def test_statistics_here_leave_imported_passports_to_their_origin(archived, regulator):
    url = "/api/v1/supply/concentration?element=Co&product_type=battery"
    before = regulator.client.get(url).json()

    imported(archived)

    assert regulator.client.get(url).json() == before


def test_the_passport_page_says_it_is_an_archived_copy(archived, anonymous):
    imported(archived)

    page = anonymous.get(f"/p/{archived['ids'][0]}", HTTP_ACCEPT="text/html")

    assert page.status_code == 200
    assert f"Archived copy from {HOST}, served read-only" in page.content.decode()


def test_an_archived_operator_cannot_be_bootstrapped_with_a_key_and_token(db):
    with pytest.raises(CommandError, match="invalid choice: 'archived_operator'"):
        call_command("bootstrap_org", "Gone GmbH", "--kind", "archived_operator")

    assert not Organisation.objects.exists()
