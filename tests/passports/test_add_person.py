"""Creating the people who sign in to the web interface for an organisation."""

import pytest
from django.core.management import CommandError, call_command

from passports.models import User


def test_person_signs_in_for_the_organisation(manufacturer, monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "cobalt-traceability-2027")
    call_command(
        "add_person", str(manufacturer.organisation.id), "anna", password_from="NEW_PASSWORD"
    )
    person = User.objects.get(username="anna")
    assert person.organisation == manufacturer.organisation
    assert person.check_password("cobalt-traceability-2027")
    assert not person.is_service_account


def test_weak_password_is_refused_and_nobody_is_created(manufacturer, monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="too common"):
        call_command(
            "add_person", str(manufacturer.organisation.id), "anna", password_from="NEW_PASSWORD"
        )
    assert not User.objects.filter(username="anna").exists()


def test_username_of_another_organisation_is_refused(manufacturer, recycler, monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "cobalt-traceability-2027")
    org = str(manufacturer.organisation.id)
    call_command("add_person", org, "anna", password_from="NEW_PASSWORD")
    with pytest.raises(CommandError, match="another organisation"):
        call_command(
            "add_person", str(recycler.organisation.id), "anna", password_from="NEW_PASSWORD"
        )


def test_unknown_organisation_is_named(db):
    with pytest.raises(CommandError, match="No organisation has the id 'nope'"):
        call_command("add_person", "nope", "anna", password_from="X")
