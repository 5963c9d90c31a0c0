"""Supply security from declared origins: where an element comes from, how concentrated its
supply is, how much of a market's comes from outside it, and how much is recycled.

Element mass by origin country is the composition entry's mass times each origin share of the
same passport and substance, summed in SQL, grouped by country (and market); mass whose origin
no passport declared is "undeclared", never dropped. Each figure carries the products and
manufacturers behind it, so a non-regulator is shown only figures that keep them anonymous
(recycling/disclosure.py).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from django.conf import settings
from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Sum

from passports import reference
from passports.models import CompositionEntry, Organisation, OriginShare, Passport
from passports.substances import is_element
from recycling import supply_math
from recycling.disclosure import Population, combined, suppressed
from recycling.services.small_cells import disclosure_rule, population_read, sees_small_cells

MASS = DecimalField(max_digits=28, decimal_places=12)
OTHER = "other"
SIX = Decimal("0.000001")


@dataclass
class Cell:
    """Element mass and the products and manufacturers it comes from."""

    mass: Decimal = Decimal(0)
    products: int = 0
    manufacturers: set[str] = field(default_factory=set)

    @property
    def population(self) -> Population:
        return Population(self.products, frozenset(self.manufacturers))


@dataclass
class OriginTable:
    """One element's mass by origin country for one slice of passports (one market, say)."""

    countries: dict[str, Cell] = field(default_factory=dict)
    total: Cell = field(default_factory=Cell)
    undeclared: Cell = field(default_factory=Cell)


def country_groups() -> dict[str, list[str]]:
    """Named groups of countries (reference/country_groups.json), such as the EU."""
    return reference.load("country_groups")["groups"]


def watch_countries_default() -> list[str]:
    """The countries whose share is reported when a request names none (SUPPLY_WATCH_COUNTRIES)."""
    return list(settings.SUPPLY_WATCH_COUNTRIES)


def _passport_filter(prefix: str, product_type, market, year) -> Q:
    # Archived copies of another instance's passports are counted by their origin, not here.
    q = Q(**{f"{prefix}archived_from": ""})
    if product_type:
        q &= Q(**{f"{prefix}product_type": product_type})
    if market:
        q &= Q(**{f"{prefix}market_country": market})
    if year:
        q &= Q(**{f"{prefix}manufactured_at__year": year})
    return q


def origin_tables(
    *,
    element: str,
    product_type: str | None = None,
    market: str | None = None,
    year: int | None = None,
    by_market: bool = False,
) -> dict[str, OriginTable]:
    """Element mass by origin country, keyed by market ("" for all markets unless by_market).

    Four grouped queries whatever the number of passports: declared mass by country, the
    manufacturers behind each country, all the element's mass, and the passports declaring no
    origin for it.
    """
    if not is_element(element):
        raise ValueError(f"{element!r} is not an element symbol.")
    market_key = ["passport__market_country"] if by_market else []
    # No ordering: Meta.ordering would otherwise join the DISTINCT and GROUP BY columns.
    origins = OriginShare.objects.order_by().filter(
        _passport_filter("passport__", product_type, market, year),
        substance=element,
        passport__composition__substance=element,
    )
    tables: dict[str, OriginTable] = defaultdict(OriginTable)

    def table(row: dict) -> OriginTable:
        return tables[row["passport__market_country"] if by_market else ""]

    declared = origins.values(*market_key, "country").annotate(
        mass=Sum(F("passport__composition__mass_kg") * F("share"), output_field=MASS),
        products=Count("passport", distinct=True),
    )
    for row in declared:
        cell = table(row).countries.setdefault(row["country"], Cell())
        cell.mass, cell.products = Decimal(row["mass"] or 0), row["products"]
    for row in origins.values(*market_key, "country", "passport__manufacturer_id").distinct():
        table(row).countries[row["country"]].manufacturers.add(
            str(row["passport__manufacturer_id"])
        )

    entries = CompositionEntry.objects.order_by().filter(
        _passport_filter("passport__", product_type, market, year), substance=element
    )

    def grouped(queryset, **annotations) -> list[dict]:
        # values() with no field would group by every column: aggregate the whole slice instead.
        if by_market:
            return list(queryset.values(*market_key).annotate(**annotations))
        return [queryset.aggregate(**annotations)]

    for row in grouped(
        entries, mass=Sum("mass_kg", output_field=MASS), products=Count("passport", distinct=True)
    ):
        cell = table(row).total
        cell.mass, cell.products = Decimal(row["mass"] or 0), row["products"]
    for row in entries.values(*market_key, "passport__manufacturer_id").distinct():
        table(row).total.manufacturers.add(str(row["passport__manufacturer_id"]))

    undeclared = entries.exclude(
        Exists(OriginShare.objects.filter(passport=OuterRef("passport"), substance=element))
    )
    for row in grouped(undeclared, products=Count("passport", distinct=True)):
        table(row).undeclared.products = row["products"]
    for row in undeclared.values(*market_key, "passport__manufacturer_id").distinct():
        table(row).undeclared.manufacturers.add(str(row["passport__manufacturer_id"]))
    for each in tables.values():
        declared_mass = sum((cell.mass for cell in each.countries.values()), Decimal(0))
        # Shares that add up to less than 1 leave the rest undeclared too.
        each.undeclared.mass = max(each.total.mass - declared_mass, Decimal(0))
    return dict(tables)


def world_supply(element: str) -> list[dict]:
    """The world's production concentration for the element, per stage, with source and year."""
    answer = []
    for entry in reference.load("world_supply")["entries"]:
        if element not in entry["elements"]:
            continue
        world = supply_math.world_concentration(entry["countries"], entry["world_total_t"])
        answer.append(
            {
                "commodity": entry["commodity"],
                "stage": entry["stage"],
                "year": entry["year"],
                "unit": entry["unit"],
                "source": entry["source"],
                "status": entry["status"],
                "note": entry.get("world_total_note", ""),
                "shares": [
                    {"country": country, "share": _fraction(share)}
                    for country, share in sorted(world.shares.items(), key=lambda kv: -kv[1])
                ],
                "other_share": _fraction(world.other),
                "hhi": _index(world.hhi),
                "hhi_max": _index(world.hhi_max),
                "top_country": world.top_country,
                "top_share": _fraction(world.top_share),
            }
        )
    return answer


def _fraction(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _index(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _kg(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(SIX), "f")


def sees_all(reader: Organisation | None) -> bool:
    """Whether this reader sees every figure, small cells included (regulators do)."""
    return reader is not None and sees_small_cells(reader)


def _withheld(population: Population, all_shown: bool) -> str | None:
    """Why a figure resting on this whole population is withheld, or None."""
    return None if all_shown else disclosure_rule().reason(population)


def _complement_reason(
    *, element: str, all_shown: bool, product_type=None, market=None, year=None
) -> str | None:
    """Why a filtered figure is withheld because of what it leaves out of a wider one.

    A reader could subtract the figure for DE from the figure for all markets and learn what the
    other markets' few products hold; so every wider query (one or more filters dropped) minus
    this one must pass the rule too, unless it is empty.
    """
    if all_shown:
        return None
    given = {"product_type": product_type, "market": market, "year": year}
    narrow = _passport_filter("", product_type, market, year)
    names = [name for name, value in given.items() if value]
    rule = disclosure_rule()
    for size in range(1, len(names) + 1):
        for dropped in combinations(names, size):
            wider = {name: (None if name in dropped else value) for name, value in given.items()}
            rest = (
                Passport.objects.order_by()
                .filter(_passport_filter("", **wider), composition__substance=element)
                .exclude(narrow)
                .values_list("pk", "manufacturer_id")
                .distinct()
            )
            rows = list(rest)
            if not rows:
                continue
            population = Population(len(rows), frozenset(str(m) for _, m in rows))
            reason = rule.reason(population)
            if reason:
                return f"Withheld: beside the wider figure it would reveal a remainder. {reason}"
    return None


def supply_concentration(
    *,
    element: str,
    all_shown: bool,
    product_type: str | None = None,
    market: str | None = None,
    year: int | None = None,
    watch: Iterable[str] = (),
) -> dict:
    """Shares by origin country, the HHI and top share of the declared mass, the share from
    watched countries, each beside the world's, as the reader may see them."""
    watch = sorted(set(watch))
    table = origin_tables(element=element, product_type=product_type, market=market, year=year).get(
        "", OriginTable()
    )
    answer = {
        "element": element,
        "scope": {"product_type": product_type, "market": market, "year": year},
        "watch": watch,
        "world": world_supply(element),
        "population": population_read(table.total.population),
        "suppressed": False,
    }
    reason = _withheld(table.total.population, all_shown) or _complement_reason(
        element=element, all_shown=all_shown, product_type=product_type, market=market, year=year
    )
    if reason:
        answer.update(
            total_kg=None, declared_share=None, countries=[], hhi=None, top_country=None,
            top_share=None, watch_share=None, watch_share_of_declared=None, suppressed=True,
            reason=reason, basis=None,
        )  # fmt: skip
        return answer
    ordered = sorted(table.countries.items(), key=lambda kv: (-kv[1].mass, kv[0]))
    names = [country for country, _ in ordered]
    cells = [cell for _, cell in ordered]
    if table.undeclared.mass > 0:
        names.append(supply_math.UNDECLARED)
        cells.append(table.undeclared)
    reasons = (
        suppressed([cell.population for cell in cells], disclosure_rule()) if not all_shown else {}
    )
    # What the reader sees: suppressed rows folded into one "other" row, counted as one origin.
    published = {
        name: float(cell.mass)
        for i, (name, cell) in enumerate(zip(names, cells, strict=True))
        if i not in reasons and name != supply_math.UNDECLARED
    }
    folded = [cells[i] for i in reasons]
    if folded:
        published[OTHER] = float(sum((cell.mass for cell in folded), Decimal(0)))
    undeclared_shown = (
        float(table.undeclared.mass)
        if supply_math.UNDECLARED in names and names.index(supply_math.UNDECLARED) not in reasons
        else 0.0
    )
    figures = supply_math.concentration(published, undeclared_shown)
    rows = []
    for i, (name, cell) in enumerate(zip(names, cells, strict=True)):
        row = {"country": name, "population": population_read(cell.population)}
        if i in reasons:
            row.update(mass_kg=None, share=None, share_of_declared=None, suppressed=True,
                       reason=reasons[i])  # fmt: skip
        else:
            row.update(
                mass_kg=_kg(cell.mass),
                share=_fraction(figures.shares.get(name, 0.0)),
                share_of_declared=_fraction(figures.declared_shares.get(name)),
                suppressed=False,
            )
        row["watched"] = name in watch
        rows.append(row)
    if folded:
        rows.append(
            {
                "country": OTHER,
                "population": population_read(combined(cell.population for cell in folded)),
                "mass_kg": _kg(sum((cell.mass for cell in folded), Decimal(0))),
                "share": _fraction(figures.shares.get(OTHER, 0.0)),
                "share_of_declared": _fraction(figures.declared_shares.get(OTHER)),
                "suppressed": False,
                "watched": False,
            }
        )
    watched = supply_math.share_from(figures.shares, watch)
    answer.update(
        total_kg=_kg(table.total.mass),
        declared_share=_fraction(figures.declared_share) if table.total.mass else None,
        countries=rows,
        hhi=_index(figures.hhi),
        top_country=figures.top_country,
        top_share=_fraction(figures.top_share),
        watch_share=_fraction(watched) if watch and table.total.mass else None,
        watch_share_of_declared=_fraction(supply_math.share_from(figures.declared_shares, watch))
        if watch and figures.declared_shares
        else None,
        basis="published_rows" if folded else "declared_origin",
    )
    return answer


def supply_import_dependence(
    *,
    element: str,
    all_shown: bool,
    group: list[str],
    group_name: str | None = None,
    product_type: str | None = None,
    market: str | None = None,
    year: int | None = None,
) -> dict:
    """Per market: the element mass from inside the market (or its group), from outside, and
    undeclared; import dependence is the outside share."""
    tables = origin_tables(
        element=element, product_type=product_type, market=market, year=year, by_market=True
    )
    rule = disclosure_rule()
    markets = []
    for code in sorted(tables):
        if not code:
            continue  # not yet placed on any market
        table = tables[code]
        home = {code, *group}
        inside, outside = Cell(), Cell()
        for country, cell in table.countries.items():
            part = inside if country in home else outside
            part.mass += cell.mass
            part.manufacturers |= cell.manufacturers
            part.products += cell.products  # a product with origins on both sides counts twice
        split = supply_math.import_dependence(
            {c: float(cell.mass) for c, cell in table.countries.items()},
            code,
            group,
            float(table.undeclared.mass),
        )
        row = {
            "market": code,
            "population": population_read(table.total.population),
            "total_kg": _kg(table.total.mass),
            "inside_kg": _kg(inside.mass),
            "outside_kg": _kg(outside.mass),
            "undeclared_kg": _kg(table.undeclared.mass),
            "inside_share": _fraction(split.share(split.inside)),
            "outside_share": _fraction(split.share(split.outside)),
            "undeclared_share": _fraction(split.share(split.undeclared)),
            "import_dependence": _fraction(split.dependence),
            "import_dependence_of_declared": _fraction(split.dependence_of_declared),
            "suppressed": False,
        }
        reason = _withheld(table.total.population, all_shown)
        if reason is None and not all_shown:
            parts = [inside, outside, table.undeclared]
            hidden = suppressed([p.population for p in parts if p.mass > 0], rule)
            if hidden:
                reason = next(iter(hidden.values()))
        if reason:
            # Three parts add up to the market's total: hiding one means hiding them all.
            for name in row:
                if name not in ("market", "population"):
                    row[name] = None
            row.update(suppressed=True, reason=reason)
        markets.append(row)
    return {
        "element": element,
        "scope": {"product_type": product_type, "market": market, "year": year},
        "group": {"name": group_name, "countries": sorted(group)},
        "markets": markets,
        "world": world_supply(element),
    }


def supply_recycled_share(
    *,
    element: str,
    all_shown: bool,
    product_type: str | None = None,
    market: str | None = None,
    year: int | None = None,
) -> dict:
    """Shares of the element's declared mass that are pre-consumer recycled, post-consumer
    recycled and primary (composition's recycled shares, weighted by mass)."""
    if not is_element(element):
        raise ValueError(f"{element!r} is not an element symbol.")
    entries = CompositionEntry.objects.order_by().filter(
        _passport_filter("passport__", product_type, market, year), substance=element
    )
    sums = entries.aggregate(
        total=Sum("mass_kg", output_field=MASS),
        pre=Sum(F("mass_kg") * F("recycled_share_pre_consumer"), output_field=MASS),
        post=Sum(F("mass_kg") * F("recycled_share_post_consumer"), output_field=MASS),
        products=Count("passport", distinct=True),
    )
    makers = entries.values_list("passport__manufacturer_id", flat=True).distinct()
    population = Population(sums["products"], frozenset(str(m) for m in makers))
    total, pre, post = (Decimal(sums[k] or 0) for k in ("total", "pre", "post"))
    figures = supply_math.RecycledShare(float(total), float(pre), float(post))
    answer = {
        "element": element,
        "scope": {"product_type": product_type, "market": market, "year": year},
        "population": population_read(population),
        "total_kg": _kg(total),
        "pre_consumer_kg": _kg(pre),
        "post_consumer_kg": _kg(post),
        "primary_kg": _kg(max(total - pre - post, Decimal(0))),
        "pre_consumer_share": _fraction(figures.share(figures.pre_consumer)),
        "post_consumer_share": _fraction(figures.share(figures.post_consumer)),
        "recycled_share": _fraction(figures.share(figures.pre_consumer + figures.post_consumer)),
        "primary_share": _fraction(figures.share(figures.primary)),
        "world": world_supply(element),
        "suppressed": False,
    }
    reason = _withheld(population, all_shown) or _complement_reason(
        element=element, all_shown=all_shown, product_type=product_type, market=market, year=year
    )
    if reason:
        for name in list(answer):
            if name.endswith(("_kg", "_share")):
                answer[name] = None
        answer.update(suppressed=True, reason=reason)
    return answer
