"""Every area's main pages pass the accessibility audit, on a phone and on a desktop, and the
main action of a form is reachable with the keyboard alone."""

import pytest

from tests.browser.accessibility import accessibility_problems

AREAS = {
    "manufacturer": [
        "/console/passports/",
        "/console/register/",
        "/console/import/",
        "/console/labels/",
        "/console/passports/{passport}/",
        "/console/passports/{passport}/health/",
    ],
    "recycler": [
        "/intake/scan/",
        "/intake/batches/",
        "/intake/batches/new/",
        "/intake/passports/{passport}/",
    ],
    "regulator": [
        "/dashboard/",
        "/dashboard/inventory/",
        "/dashboard/forecast/",
        "/dashboard/log/",
        "/dashboard/passports/{passport}/",
    ],
}


@pytest.mark.parametrize("kind", sorted(AREAS))
@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_area_pages_pass_the_audit(
    kind, phone, new_page, person, registered_battery, request, screenshot
):
    actor = request.getfixturevalue(kind)
    page = new_page(user=person(actor), phone=phone)
    for path in AREAS[kind]:
        response = page.goto(path.format(passport=registered_battery["id"]))
        assert response.status == 200, path
        assert accessibility_problems(page) == [], path
    assert page.console_errors == []


def test_registering_is_reachable_with_the_keyboard(new_page, person, manufacturer):
    page = new_page(user=person(manufacturer))
    page.goto("/console/register/")
    submit = page.locator("form button[type=submit]").last
    for _ in range(1000):  # every attribute of a battery has its input before the button
        page.keyboard.press("Tab")
        if submit.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the register button is not reachable with Tab")
