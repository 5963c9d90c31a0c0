"""Supply security from declared origins, on three batteries computed by hand.

P1 (Acme, placed in DE, made 2025): 10 kg Co from CD 0.5, FR 0.2, AU 0.3; 10 % pre-consumer
    and 20 % post-consumer recycled.
P2 (Acme, placed in FR, made 2025): 5 kg Co from CD; 40 % post-consumer recycled.
P3 (Other, placed in DE, made 2024): 5 kg Co, no declared origin.

Co: 20 kg; CD 10 (0.5), AU 3 (0.15), FR 2 (0.10), undeclared 5 (0.25). Of the 15 kg declared:
CD 2/3, AU 1/5, FR 2/15, so HHI = 10,000 x (100 + 9 + 4) / 225 = 5022.2, top CD 0.666667.
DE market: 15 kg, 5 undeclared; outside DE 10 kg (0.666667); outside the EU 8 kg (0.533333).
Recycled: pre 1 kg (0.05), post 2 + 2 kg (0.2), primary 15 kg (0.75).
"""

import csv
import datetime as dt
import io

import pytest

from lifecycle.services.events import event_record
from passports.models import Passport
from tests.factories import declaration

PLACED_AT = dt.datetime(2025, 6, 1, 8, tzinfo=dt.UTC)


def battery(actor, serial: str, *, gtin: str, made: str, co: dict, origin: list, market: str):
    composition = [{"substance": "Co", **co}, {"substance": "Ni", "mass_kg": "45.6"}]
    body = declaration(serial=serial, gtin=gtin, manufactured_at=made, composition=composition,
                       origin=origin)  # fmt: skip
    response = actor.client.post("/api/v1/passports/", body, format="json")
    assert response.status_code == 201, response.json()
    event_record(
        passport_id=response.json()["id"], actor=actor.organisation,
        event_type="placed_on_market", occurred_at=PLACED_AT, payload={"country": market},
    )  # fmt: skip
    return response.json()["id"]


@pytest.fixture
def three_batteries(manufacturer, make_actor):
    other = make_actor("manufacturer", "Other Cells", country="FR", gs1_company_prefix="9506001")
    battery(manufacturer, "P1", gtin="09506000134352", made="2025-02-01",
            co={"mass_kg": "10", "recycled_share_pre_consumer": "0.1",
                "recycled_share_post_consumer": "0.2"},
            origin=[{"substance": "Co", "country": "CD", "share": "0.5"},
                    {"substance": "Co", "country": "FR", "share": "0.2"},
                    {"substance": "Co", "country": "AU", "share": "0.3"}],
            market="DE")  # fmt: skip
    battery(manufacturer, "P2", gtin="09506000134352", made="2025-03-01",
            co={"mass_kg": "5", "recycled_share_post_consumer": "0.4"},
            origin=[{"substance": "Co", "country": "CD", "share": "1"}], market="FR")  # fmt: skip
    battery(other, "P3", gtin="09506001000007", made="2024-05-01", co={"mass_kg": "5"},
            origin=[], market="DE")  # fmt: skip
    assert Passport.objects.count() == 3


def get(actor, path: str, **params):
    return actor.client.get(f"/api/v1/supply/{path}", params)


def by_country(answer: dict) -> dict:
    return {row["country"]: row for row in answer["countries"]}


def test_concentration_matches_the_hand_computed_shares_and_hhi(regulator, three_batteries):
    response = get(regulator, "concentration", element="Co", watch="CN,CD")

    assert response.status_code == 200, response.json()
    answer = response.json()
    rows = by_country(answer)
    assert {c: r["share"] for c, r in rows.items()} == {
        "CD": 0.5, "AU": 0.15, "FR": 0.1, "undeclared": 0.25
    }  # fmt: skip
    assert rows["CD"]["mass_kg"] == "10.000000"
    assert rows["undeclared"]["mass_kg"] == "5.000000"
    assert rows["undeclared"]["population"] == {"products": 1, "manufacturers": 1}
    assert answer["total_kg"] == "20.000000"
    assert answer["declared_share"] == 0.75
    assert answer["hhi"] == pytest.approx(5022.2)
    assert (answer["top_country"], answer["top_share"]) == ("CD", 0.666667)
    assert answer["watch_share"] == 0.5
    assert answer["watch_share_of_declared"] == 0.666667
    assert answer["world"][0]["top_country"] == "CD"
    assert answer["world"][0]["source"].startswith("USGS Mineral Commodity Summaries 2024")


def test_concentration_filters_by_year_market_and_product_type(regulator, three_batteries):
    made_2025 = get(regulator, "concentration", element="Co", year=2025).json()
    in_germany = get(regulator, "concentration", element="Co", market="DE").json()
    magnets = get(regulator, "concentration", element="Co", product_type="magnet").json()

    assert "undeclared" not in by_country(made_2025)
    assert made_2025["total_kg"] == "15.000000"
    assert by_country(in_germany)["undeclared"]["share"] == pytest.approx(5 / 15, abs=1e-6)
    assert magnets["total_kg"] == "0.000000" and magnets["countries"] == []


def test_import_dependence_counts_the_eu_as_home(regulator, three_batteries):
    alone = get(regulator, "import-dependence", element="Co", market="DE").json()
    eu = get(regulator, "import-dependence", element="Co", market="DE", group="EU").json()

    (germany,) = alone["markets"]
    assert germany["import_dependence"] == 0.666667
    assert germany["undeclared_share"] == 0.333333
    assert germany["import_dependence_of_declared"] == 1.0
    (germany_in_eu,) = eu["markets"]
    assert germany_in_eu["inside_kg"] == "2.000000"
    assert germany_in_eu["import_dependence"] == 0.533333
    assert eu["group"]["name"] == "EU" and "FR" in eu["group"]["countries"]


def test_import_dependence_lists_every_market_when_none_is_named(regulator, three_batteries):
    answer = get(regulator, "import-dependence", element="Co").json()

    assert [m["market"] for m in answer["markets"]] == ["DE", "FR"]
    france = answer["markets"][1]
    assert (france["total_kg"], france["import_dependence"]) == ("5.000000", 1.0)


def test_recycled_share_is_weighted_by_mass(regulator, three_batteries):
    answer = get(regulator, "recycled-share", element="Co").json()

    assert answer["pre_consumer_kg"] == "1.000000"
    assert answer["post_consumer_kg"] == "4.000000"
    assert (answer["pre_consumer_share"], answer["post_consumer_share"]) == (0.05, 0.2)
    assert (answer["recycled_share"], answer["primary_share"]) == (0.25, 0.75)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"element": "Xx"}, "element"),
        ({"element": "Co", "market": "ZZ"}, "market"),
        ({"element": "Co", "watch": "CD,QQ"}, "watch"),
        ({"element": "Co", "year": "soon"}, "year"),
        ({}, "element"),
    ],
)
def test_invalid_filters_are_400s_naming_the_field(regulator, params, field):
    response = regulator.client.get("/api/v1/supply/concentration", params)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_unknown_group_country_is_a_400(regulator):
    response = get(regulator, "import-dependence", element="Co", group="EU27")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "group"


@pytest.mark.parametrize("path", ["concentration", "import-dependence", "recycled-share"])
def test_anonymous_callers_are_refused(anonymous, path):
    response = anonymous.get(f"/api/v1/supply/{path}", {"element": "Co"})

    assert response.status_code == 401
    assert "errors" in response.json()


def test_small_origin_rows_are_folded_for_non_regulators(manufacturer, three_batteries, settings):
    settings.DISCLOSURE_MIN_PRODUCTS = 2
    settings.DISCLOSURE_MIN_MANUFACTURERS = 1

    answer = get(manufacturer, "concentration", element="Co").json()

    rows = by_country(answer)
    # AU, FR and the undeclared row each describe one product: folded into "other".
    assert rows["CD"]["share"] == 0.5
    for name in ("AU", "FR", "undeclared"):
        assert rows[name]["suppressed"] is True and rows[name]["share"] is None
    assert rows["other"]["mass_kg"] == "10.000000"
    assert answer["basis"] == "published_rows"
    assert answer["hhi"] == pytest.approx(5000)


def test_too_few_products_withhold_everything_from_non_regulators(manufacturer, three_batteries):
    concentration = get(manufacturer, "concentration", element="Co").json()
    dependence = get(manufacturer, "import-dependence", element="Co", market="DE").json()
    recycled = get(manufacturer, "recycled-share", element="Co").json()

    assert concentration["suppressed"] is True and concentration["hhi"] is None
    assert concentration["countries"] == []
    assert dependence["markets"][0]["import_dependence"] is None
    assert recycled["suppressed"] is True and recycled["recycled_share"] is None
    assert concentration["world"]  # the world's figures are public reference data


def test_csv_downloads_neutralise_formulas(regulator, three_batteries):
    response = get(regulator, "concentration", element="Co", format="csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    shares = {row["country"]: row["share"] for row in rows if row["row"] == "country"}
    assert shares == {"CD": "0.5", "AU": "0.15", "FR": "0.1", "undeclared": "0.25"}
    (summary,) = [row for row in rows if row["row"] == "summary"]
    assert summary["hhi"] == "5022.2" and summary["world_top_country"] == "CD"
    for path in ("import-dependence", "recycled-share"):
        download = get(regulator, path, element="Co", format="csv")
        assert download.status_code == 200
        assert len(list(csv.DictReader(io.StringIO(download.content.decode())))) >= 1


def test_csv_cells_that_look_like_formulas_are_written_as_text():
    from recycling.api.supply import csv_response

    response = csv_response([{"a": "=HYPERLINK(1)", "b": "-1.5"}], ["a", "b"], "x.csv")

    assert response.content.decode().splitlines()[1] == "'=HYPERLINK(1),-1.5"


def test_a_market_whose_remainder_is_small_is_withheld_so_it_cannot_be_subtracted(
    other_manufacturer, three_batteries, settings
):
    settings.DISCLOSURE_MIN_PRODUCTS = 2
    settings.DISCLOSURE_MIN_MANUFACTURERS = 1

    everywhere = get(other_manufacturer, "concentration", element="Co").json()
    germany = get(other_manufacturer, "concentration", element="Co", market="DE").json()

    # All markets hold three batteries and DE two; FR's one would be their difference.
    assert everywhere["suppressed"] is False
    assert germany["suppressed"] is True
    assert "remainder" in germany["reason"]
    assert germany["total_kg"] is None
