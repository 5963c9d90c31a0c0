"""An archive's records are never believed: the rows are rebuilt from the signed chain.

The attacker here edits a record, recomputes every digest and re-signs the manifest and the
checkpoint with a log key of their own, then imports with that key pinned: everything an
archive signature can prove holds, and the import must still refuse the record, naming the
field the signed events contradict.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from lifecycle.archive.importer import archive_import
from lifecycle.archive.verify import ArchiveRejected
from lifecycle.models import Event
from lifecycle.services.log import checkpoint_publish, log_integrate
from passports.models import CompositionEntry, Organisation, Passport
from tests.factories import declaration
from tests.lifecycle.archive_helpers import (
    export,
    forge_record,
    origin_vkey,
    populate,
    post_event,
)

HOST = "127.0.0.1:8000"
SUCCESSOR = {
    "model": "Home storage 60",
    "manufacturing_place": {
        "country": "DE",
        "facility": "Acme Second Life",
        "address": {"street": "Werkstr. 1", "city": "Berlin", "country": "DE"},
    },
    "documents": [{"kind": "test_report", "url": "https://acme.example.com/tests/1.pdf"}],
}


class RolledBack(Exception):
    pass


@pytest.fixture
def origin(make_actor, tmp_path, settings):
    """Instance A's archive of Acme Cells with its log key and its rows' state; A is then gone."""
    settings.RESOLVER_BASE_URL = f"http://{HOST}"
    made = {}
    with pytest.raises(RolledBack), transaction.atomic():
        manufacturer = make_actor("manufacturer", "Acme Cells", gs1_company_prefix="9506000")
        repairer = make_actor("repairer", "Fix It")
        made["ids"] = populate(manufacturer, repairer)
        made["path"] = tmp_path / "a.zip"
        made["data"] = export(manufacturer.organisation, made["path"])
        made["vkey"] = origin_vkey()
        made["repairer"] = str(repairer.organisation.pk)
        made["rows"] = list(
            Passport.objects.order_by("pk").values(
                "pk", "manufacturer", "holder", "status", "market_country",
                "placed_on_market_on", "head__health", "head__hash", "model", "mass_kg",
            )
        )  # fmt: skip
        raise RolledBack
    return made


def test_the_imported_rows_are_the_ones_the_origin_stored(origin):
    archive_import(data=origin["data"], host=HOST, log_vkey=origin["vkey"])

    rows = Passport.objects.order_by("pk").values(*origin["rows"][0])
    assert list(rows) == origin["rows"]
    # The replay carried the health reports.
    assert rows[0]["head__health"] or rows[1]["head__health"]


@pytest.mark.parametrize(
    "field, forged, named",
    [
        ("status", "recycled", "status 'recycled' is not what its signed events give ('original')"),
        ("market_country", "FR", "market_country 'FR' is not what its signed events give ('DE')"),
        (
            "placed_on_market_on",
            "2026-01-01",
            "placed_on_market_on '2026-01-01' is not what its signed events give (2026-06-01)",
        ),
        ("model", "Other model", "model 'Other model' is not what its signed events give"),
    ],
)
def test_a_forged_record_is_refused_naming_the_field(origin, field, forged, named):
    passport_id = origin["ids"][0]

    def change(record):
        record[field] = forged

    data, forged_vkey = forge_record(origin["data"], passport_id, change)

    with pytest.raises(ArchiveRejected) as caught:
        archive_import(data=data, host=HOST, log_vkey=forged_vkey)

    (problem,) = caught.value.problems
    assert problem.startswith(f"passport {passport_id} record: {named}")
    assert not Passport.objects.exists()
    assert not Event.objects.exists()
    assert not Organisation.objects.exists()


def test_a_record_handing_the_product_to_another_holder_is_refused(origin):
    passport_id = origin["ids"][0]

    def change(record):
        record["holder"] = origin["repairer"]

    data, forged_vkey = forge_record(origin["data"], passport_id, change)

    with pytest.raises(ArchiveRejected) as caught:
        archive_import(data=data, host=HOST, log_vkey=forged_vkey)

    assert caught.value.problems[0].startswith(
        f"passport {passport_id} record: holder '{origin['repairer']}' is not what its signed "
        "events give"
    )
    assert not Passport.objects.exists()


def test_a_forged_health_summary_is_refused(origin):
    passport_id = origin["ids"][0]

    def change(record):
        record["health"]["state_of_health_pct"]["value"] = "99"

    data, forged_vkey = forge_record(origin["data"], passport_id, change)

    with pytest.raises(ArchiveRejected) as caught:
        archive_import(data=data, host=HOST, log_vkey=forged_vkey)

    assert caught.value.problems[0].startswith(f"passport {passport_id} record: health ")
    assert not Passport.objects.exists()


def test_a_forged_composition_is_refused(origin):
    passport_id = origin["ids"][0]

    def change(record):
        record["composition"][0]["mass_kg"] = str(Decimal(record["composition"][0]["mass_kg"]) / 2)

    data, forged_vkey = forge_record(origin["data"], passport_id, change)

    with pytest.raises(ArchiveRejected) as caught:
        archive_import(data=data, host=HOST, log_vkey=forged_vkey)

    assert caught.value.problems == [
        f"passport {passport_id} record: composition is not what its signed declaration gives"
    ]
    assert not CompositionEntry.objects.exists()


def test_the_command_names_the_forged_field(origin, tmp_path, capsys):
    def change(record):
        record["status"] = "recycled"

    data, forged_vkey = forge_record(origin["data"], origin["ids"][0], change)
    path = tmp_path / "forged.zip"
    path.write_bytes(data)

    with pytest.raises(CommandError, match="archive refused, nothing imported"):
        call_command("import_archive", str(path), "--host", HOST, "--log-vkey", forged_vkey)

    assert f"FAIL passport {origin['ids'][0]} record: status 'recycled'" in capsys.readouterr().err
    assert not Passport.objects.exists()


def test_an_unpinned_log_key_is_refused_by_default(origin, capsys):
    with pytest.raises(CommandError, match="archive refused, nothing imported"):
        call_command("import_archive", str(origin["path"]), "--host", HOST)

    err = capsys.readouterr().err
    assert f"FAIL archive: its log key {origin['vkey']} is not pinned" in err
    assert "--trust-archive-key" in err
    assert not Passport.objects.exists()


def test_trusting_the_archive_key_imports_with_a_warning(origin, capsys):
    call_command("import_archive", str(origin["path"]), "--host", HOST, "--trust-archive-key")

    captured = capsys.readouterr()
    assert "WARNING: --trust-archive-key" in captured.err
    assert "imported 2 passports (5 events)" in captured.out
    assert Passport.objects.count() == 2


def test_the_placing_date_is_the_signed_events_date(origin):
    archive_import(data=origin["data"], host=HOST, log_vkey=origin["vkey"])

    placed = Passport.objects.get(pk=origin["ids"][0])
    assert placed.placed_on_market_on == dt.date(2026, 6, 1)
    assert placed.market_country == "DE"


@pytest.fixture
def repurposed(make_actor, tmp_path, settings):
    """Acme repurposes its own battery: its archive holds the original and the successor."""
    settings.RESOLVER_BASE_URL = f"http://{HOST}"
    made = {}
    with pytest.raises(RolledBack), transaction.atomic():
        manufacturer = make_actor("manufacturer", "Acme Cells", gs1_company_prefix="9506000")
        original = manufacturer.client.post(
            "/api/v1/passports/", declaration(serial="BAT-000009"), format="json"
        ).json()["id"]
        event = post_event(
            manufacturer.client, original, "repurposed",
            {"successor": SUCCESSOR, "application": "stationary"},
        )  # fmt: skip
        log_integrate()
        checkpoint_publish()
        made["data"] = export(manufacturer.organisation, tmp_path / "a.zip")
        made["vkey"] = origin_vkey()
        made["original"] = original
        made["successor"] = event["payload"]["successor"]["passport"]
        made["rows"] = dict(Passport.objects.values_list("pk", "status"))
        raise RolledBack
    return made


def test_a_successor_takes_the_status_its_predecessors_signed_event_gave_it(repurposed):
    archive_import(data=repurposed["data"], host=HOST, log_vkey=repurposed["vkey"])

    assert dict(Passport.objects.values_list("pk", "status")) == repurposed["rows"]
    successor = Passport.objects.get(pk=repurposed["successor"])
    assert successor.status == "repurposed"
    assert str(successor.predecessor_id) == repurposed["original"]


def test_a_successor_record_claiming_another_second_life_is_refused(repurposed):
    def change(record):
        record["status"] = "remanufactured"

    data, forged_vkey = forge_record(repurposed["data"], repurposed["successor"], change)

    with pytest.raises(ArchiveRejected) as caught:
        archive_import(data=data, host=HOST, log_vkey=forged_vkey)

    assert caught.value.problems == [
        f"passport {repurposed['successor']} record: status 'remanufactured' is not what its "
        "signed events give ('repurposed')"
    ]


def test_a_successor_without_its_predecessor_in_the_archive_imports(make_actor, tmp_path, settings):
    settings.RESOLVER_BASE_URL = f"http://{HOST}"
    with pytest.raises(RolledBack), transaction.atomic():
        manufacturer = make_actor("manufacturer", "Acme Cells", gs1_company_prefix="9506000")
        second_life = make_actor("repairer", "Second Life", country="NL")
        original = manufacturer.client.post(
            "/api/v1/passports/", declaration(serial="BAT-000009"), format="json"
        ).json()["id"]
        post_event(
            manufacturer.client, original, "ownership_transferred",
            {"to": str(second_life.organisation.pk)},
        )  # fmt: skip
        event = post_event(
            second_life.client, original, "repurposed",
            {"successor": SUCCESSOR, "application": "stationary"},
        )  # fmt: skip
        log_integrate()
        checkpoint_publish()
        data = export(second_life.organisation, tmp_path / "b.zip")
        vkey = origin_vkey()
        raise RolledBack

    archive_import(data=data, host=HOST, log_vkey=vkey)

    (successor,) = Passport.objects.all()
    assert str(successor.pk) == event["payload"]["successor"]["passport"]
    # The predecessor's chain is not here: the successor's own allows only a second-life status.
    assert successor.status == "repurposed"
    assert successor.predecessor_id is None
