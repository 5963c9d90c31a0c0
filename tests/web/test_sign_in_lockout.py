"""Sign-in lockout (django-axes): repeated failures lock a username, or an address, out."""

import pytest
from django.test import Client

from passports.services.organisations import person_create

PASSWORD = "a long passphrase of the user"


@pytest.fixture
def person(manufacturer):
    return person_create(organisation=manufacturer.organisation, username="ana", password=PASSWORD)


def sign_in(username: str, password: str, address: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password}
    )


def test_a_username_is_locked_out_after_the_failure_limit(person, settings):
    settings.AXES_FAILURE_LIMIT = 3
    answers = [sign_in("ana", "wrong", address=f"10.0.1.{n}").status_code for n in range(3)]

    assert answers == [200, 200, 429], "the failure that reaches the limit is refused at once"
    locked = sign_in("ana", PASSWORD, address="10.0.2.1")

    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert b"Too many failed sign-ins" in locked.content
    assert b'name="username"' in locked.content, "the page is still the sign-in form"
    assert "_auth_user_id" not in locked.wsgi_request.session


def test_an_address_is_locked_out_whatever_username_it_tries(person, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):
        sign_in(f"guess{n}", "wrong", address="10.0.3.1")

    assert sign_in("ana", PASSWORD, address="10.0.3.1").status_code == 429
    assert sign_in("ana", PASSWORD, address="10.0.3.2").status_code == 302
