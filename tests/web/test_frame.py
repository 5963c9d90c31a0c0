"""The frame around every page: landing, role areas, error pages and the language switch."""

from django.test import Client

from passports.services.organisations import person_create


def signed_in(actor) -> Client:
    client = Client()
    client.force_login(
        person_create(organisation=actor.organisation, username="p", password="x-long-pass")
    )
    return client


def test_anonymous_sees_the_landing_page(db):
    response = Client().get("/")
    assert response.status_code == 200
    assert b"Scan the QR code" in response.content


def test_people_land_in_their_organisations_area(manufacturer, make_actor):
    assert signed_in(manufacturer).get("/").url == "/console/passports/"


def test_another_kinds_area_is_forbidden_with_a_page(manufacturer):
    response = signed_in(manufacturer).get("/dashboard/")
    assert response.status_code == 403
    assert b"another kind of organisation" in response.content


def test_anonymous_is_sent_to_sign_in(db):
    response = Client().get("/console/passports/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_language_follows_the_browser_and_the_switch(db):
    client = Client()
    assert b'lang="zh-hans"' in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert b'lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content


def test_a_refused_user_agent_gets_the_forbidden_page_not_a_server_error(db, settings):
    import re

    settings.DISALLOWED_USER_AGENTS = [re.compile(r"^bad-crawler")]

    response = Client(raise_request_exception=False).get("/", HTTP_USER_AGENT="bad-crawler/2")

    # Refused by the common middleware, before the authentication middleware gives a user.
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
