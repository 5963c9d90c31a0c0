"""generate_fleet: valid, verifiable passports with lives, and aggregates equal to a rebuild."""

import json

import pytest
from django.core.management import call_command

from lifecycle.canonical import canonical_bytes
from lifecycle.models import Event
from lifecycle.services.audit import log_audit
from lifecycle.services.bundle import passport_bundle
from lifecycle.services.log import log_vkey
from lifecycle.verify import verify_bundle
from passports.declaration import PassportDeclaration
from passports.models import Passport, PassportStatus
from passports.representation import passport_full
from recycling.fleet import fleet_generate, fleet_organisations
from recycling.models import Batch, CollectionItem, DirtyBucket
from recycling.services.aggregation import aggregates_differences

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fleet():
    return fleet_generate(passports=150, seed=5)


def test_fleet_writes_every_passport_with_its_life(fleet):
    makers, _, _ = fleet_organisations()
    passports = Passport.objects.filter(manufacturer__in=makers.values())

    assert fleet.passports == passports.count() == 150
    assert fleet.events == Event.objects.filter(passport__in=passports).count()
    assert {p.product_type for p in passports} == {"battery", "pv_module", "magnet"}
    assert passports.exclude(market_country="").exists()
    assert fleet.collections > 0 and CollectionItem.objects.exists()
    assert fleet.batches == Batch.objects.count() > 0
    assert passports.filter(status=PassportStatus.RECYCLED).count() == (
        Batch.objects.filter(inputs__passport__isnull=False).count()
    )


def test_fleet_declarations_pass_validation_unchanged(fleet):
    for passport in Passport.objects.order_by("serial")[:40]:
        request = json.loads(bytes(passport.declaration))
        for entry in request["composition"]:
            entry.pop("critical")
        checked = PassportDeclaration(data=request, context={})

        assert checked.is_valid(), checked.errors
        assert canonical_bytes(checked.validated_data) == bytes(passport.declaration)


def test_fleet_chains_and_log_verify(fleet):
    findings, counts = log_audit()

    assert findings == []
    assert counts
    for passport in Passport.objects.filter(status=PassportStatus.RECYCLED)[:3]:
        bundle = json.loads(
            json.dumps(passport_bundle(passport=passport, representation=passport_full(passport)))
        )
        checks = verify_bundle(bundle, log_vkey(), [])
        assert all(check.ok for check in checks), [c for c in checks if not c.ok][:3]
        assert len(bundle["events"]) >= 4  # registered, placed, collected, recycled


def test_fleet_aggregates_equal_a_full_rebuild(fleet):
    assert not DirtyBucket.objects.exists()
    assert aggregates_differences() == []


def test_generate_fleet_command_extends_the_fleet(capsys):
    call_command("generate_fleet", passports=30, seed=2, skip_checks=True)
    call_command("generate_fleet", passports=20, seed=2, skip_checks=True)

    output = capsys.readouterr().out
    assert "20 passports (50 in the fleet)" in output
    assert aggregates_differences() == []
