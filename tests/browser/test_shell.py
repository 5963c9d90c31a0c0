"""The page frame every area shares: sign-in, the header by role, and the Content Security
Policy holding with the vendored scripts."""

from tests.browser.accessibility import accessibility_problems
from tests.browser.conftest import PASSWORD


def test_signing_in_by_form_lands_a_manufacturer_in_the_console(
    new_page, manufacturer, person, screenshot
):
    user = person(manufacturer, "maker")
    page = new_page()
    page.goto("/accounts/login/")
    screenshot(page, "login")
    page.get_by_label("Username").fill("maker")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/**")
    assert page.get_by_text(user.organisation.name).first.is_visible()
    assert page.get_by_role("link", name="Register").is_visible()
    assert page.console_errors == []


def test_anonymous_landing_offers_sign_in(new_page, db):
    page = new_page(phone=True)
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.get_by_role("link", name="Sign in").first.is_visible()
    assert page.console_errors == []


def test_sign_in_and_landing_pass_the_accessibility_audit(new_page, db):
    page = new_page(phone=True)
    for path in ("/", "/accounts/login/"):
        page.goto(path)
        assert accessibility_problems(page) == [], path


def test_chinese_interface_follows_the_browser_and_the_switch_returns_to_english(
    new_page, manufacturer, person, screenshot
):
    page = new_page(user=person(manufacturer), locale="zh-CN")
    page.goto("/console/passports/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("link", name="注册").is_visible()
    assert page.get_by_role("button", name="退出登录").is_visible()
    screenshot(page, "console-zh")

    page.get_by_label("语言").select_option("en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.get_by_role("link", name="Register").is_visible()
    assert page.console_errors == []
