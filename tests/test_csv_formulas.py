"""Every CSV the product writes shows a declared formula as text, and the import refuses one.

A manufacturer controls its passports' model and facility names, and those reach the audit
report a regulator opens in a spreadsheet; a cell starting with `=` would run there.
"""

import base64
import csv
import io
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from lifecycle.verify import parse_vkey
from passports.models import Passport
from passports.services.organisations import person_create
from tests.factories import BATTERY, declaration
from web.console.csv_format import COLUMNS

PAYLOAD = '=HYPERLINK("http://evil.example","x")'
PASSWORD = "a-long-test-password"


def sign_in(actor) -> Client:
    client = Client()
    username = f"{actor.organisation.kind}-{str(actor.organisation.id)[:6]}"
    client.force_login(
        person_create(organisation=actor.organisation, username=username, password=PASSWORD)
    )
    return client


def verify_detached(signature_b64: str, vkey: str, data: bytes) -> None:
    key = Ed25519PublicKey.from_public_bytes(parse_vkey(vkey).public_key)
    key.verify(base64.b64decode(signature_b64), data)


def runs_as_formula(cell: str) -> bool:
    """What a spreadsheet would evaluate; a number such as -1.5 is only a number."""
    if cell.startswith(("=", "+", "@", "\t", "\r")):
        return True
    if cell.startswith("-"):
        try:
            float(cell)
        except ValueError:
            return True
    return False


def assert_formulas_neutralised(content: bytes) -> None:
    """No cell would run, and the declared model and plant appear as quoted text."""
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert not [cell for row in rows for cell in row.values() if runs_as_formula(cell)]
    assert {(row["model"], row["plant"]) for row in rows} >= {("'" + PAYLOAD, "'" + PAYLOAD)}


@pytest.fixture
def declared_formula(manufacturer) -> dict:
    """A battery whose model and manufacturing facility are spreadsheet formulas."""
    item = declaration(
        model=PAYLOAD, manufacturing_place={**BATTERY["manufacturing_place"], "facility": PAYLOAD}
    )
    response = manufacturer.client.post("/api/v1/passports/", item, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_the_audit_report_csv_shows_a_declared_formula_as_text(declared_formula, regulator):
    response = regulator.client.get("/api/v1/audit/report?year=2026&format=csv")

    assert response.status_code == 200
    assert_formulas_neutralised(response.content)
    verify_detached(response["X-Report-Signature"], response["X-Log-Vkey"], response.content)


def test_the_dashboard_report_csv_shows_a_declared_formula_as_text(declared_formula, regulator):
    inspector = sign_in(regulator)
    query = {"download": "1", "year": "2026", "format": "csv"}

    response = inspector.get(reverse("web:dashboard-report"), query)
    detached = json.loads(
        inspector.get(reverse("web:dashboard-report"), query | {"part": "signature"}).content
    )

    assert response.status_code == 200
    assert_formulas_neutralised(response.content)
    verify_detached(detached["signature"], detached["log_vkey"], response.content)


def test_the_audit_report_command_writes_a_declared_formula_as_text(declared_formula, tmp_path):
    target = tmp_path / "report.csv"

    call_command("audit_report", year=2026, format="csv", output=str(target), stdout=io.StringIO())

    content = target.read_bytes()
    assert_formulas_neutralised(content)
    signature = json.loads((tmp_path / "report.csv.sig.json").read_text())
    verify_detached(signature["signature"], signature["log_vkey"], content)


# --- CSV import ---------------------------------------------------------------------------------


def csv_upload(client: Client, rows: list[dict[str, str]]):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    upload = io.BytesIO(buffer.getvalue().encode("utf-8"))
    upload.name = "passports.csv"
    return client.post(reverse("web:console-import"), {"file": upload})


def template_rows(client: Client) -> list[dict[str, str]]:
    response = client.get(reverse("web:console-import-template"))
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_the_import_refuses_cells_a_spreadsheet_would_run(manufacturer):
    maker = sign_in(manufacturer)
    (battery,) = template_rows(maker)
    rows = [{**battery, "serial": f"{battery['serial']}-{n}"} for n in range(3)]
    rows[0]["model"] = PAYLOAD
    rows[0]["batch"] = "-7"  # a number, not a formula: no problem reported
    rows[1]["manufacturing_facility"] = "\t@SUM(1+1)"
    rows[2]["batch"] = "-2+3"
    rows[2]["origin"] = f"Co:CD:1:{PAYLOAD}"

    response = csv_upload(maker, rows)

    assert response.status_code == 400
    assert not Passport.objects.exists()
    problems = response.context["check"].problems
    assert [(p.row, p.column, p.field) for p in problems] == [
        (2, "model", "model"),
        (3, "manufacturing_facility", "manufacturing_place.facility"),
        (4, "batch", "batch"),
        (4, "origin", "origin"),
    ]
    assert all("spreadsheets run such a cell as a formula" in p.message for p in problems)
