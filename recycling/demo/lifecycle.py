"""The products' use before end of life: sale, putting into service, health reports and
collection, each drawn from the product's own random stream and recorded as signed events."""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from lifecycle.models import EventType
from lifecycle.payloads import payload_schema
from lifecycle.services.events import event_record
from passports.models import Organisation, Passport, PassportStatus, ProductType
from recycling.demo.common import jitter, kg
from recycling.demo.organisations import COLLECTOR_SPEC, NORDIC_SPEC, RHEIN_SPEC, OrganisationSpec
from recycling.services.collections import collection_record

COLLECTION_START = date(2021, 1, 1)  # the demo's take-back schemes report from 2021 on


# Where products are sold, per battery category or product family: a few markets, each large
# enough that its collection rates describe more than a handful of products. Forklift packs
# (PL), e-bike and power-tool packs (NL) go where the demo's take-back schemes do not report,
# so a stream of one or two products a year publishes no rate; magnets reach Europe in
# German-built motors.
MARKETS: dict[str, tuple[tuple[str, int], ...]] = {
    "ev": (("DE", 65), ("SE", 35)),
    "stationary": (("DE", 100),),
    "industrial": (("PL", 100),),
    "lmt": (("NL", 100),),
    "portable": (("NL", 100),),
    ProductType.PV_MODULE: (("DE", 65), ("FR", 35)),
    ProductType.MAGNET: (("DE", 100),),
}


# Chinese makers sell at home as well; their home market has no demo take-back scheme.
HOME_MARKET_SHARE: dict[str, float] = {"CN": 0.3}


# The take-back schemes the demo collectors serve; products sold elsewhere stay in use.
COLLECTION_REGIONS: dict[str, tuple[str, ...]] = {
    "DE": ("DE-BY", "DE-NW", "DE-BW", "DE-NI"),
    "FR": ("FR-IDF", "FR-ARA"),
    "SE": ("SE-AB", "SE-O"),
}


# Share of end-of-life products that reach a take-back scheme: EV and industrial packs go back
# almost whole through dealers, magnets are hidden in host products, and small electronics are
# the worst collected of all.
COLLECTION_PROBABILITY: dict[str, float] = {
    ProductType.BATTERY: 0.9,
    ProductType.PV_MODULE: 0.8,
    ProductType.MAGNET: 0.6,
    "consumer_electronics": 0.3,
}


# Service life as a share of the declared expected lifetime (low, high, most likely): packs
# often retire early with the vehicle, PV parks are sometimes repowered before 25 years, and
# wind turbines run their full design life.
SERVICE_LIFE: dict[str, tuple[float, float, float]] = {
    ProductType.BATTERY: (0.5, 1.2, 0.8),
    ProductType.PV_MODULE: (0.35, 1.0, 0.6),
    ProductType.MAGNET: (0.5, 1.1, 0.8),
    "wind_generator": (0.8, 1.2, 1.0),
}


# Waste from before the schemes reported was stored (garages, depots) and handed in over the
# schemes' first years, not all at once.
BACKLOG_DAYS = 1800


# Warranty returns and accident damage; a wind turbine's generator is not among them.
EARLY_FAILURE: dict[str, float] = {ProductType.BATTERY: 0.05, ProductType.PV_MODULE: 0.05,
                                   ProductType.MAGNET: 0.05, "wind_generator": 0.0}  # fmt: skip


# Every battery in use for over a year reports its state (its management system does), so each
# dynamic attribute of its passport has a value; other families report now and then.
HEALTH_PROBABILITY: dict[str, float] = {
    ProductType.BATTERY: 1.0,
    ProductType.PV_MODULE: 0.15,
    ProductType.MAGNET: 0.1,
}


# What a battery is put into service for, per category.
APPLICATIONS = {
    "ev": "Traction battery of a passenger car",
    "stationary": "Home energy storage",
    "industrial": "Forklift truck",
    "lmt": "E-bike",
    "portable": "Cordless power tool",
}


@dataclass
class LifePlan:
    """What happens to one demo product before treatment: sale, a health report, collection."""

    passport: Passport
    stream: str = ""
    placed: date | None = None
    in_service: date | None = None
    country: str = ""
    health: date | None = None
    collected: date | None = None
    region: str = ""
    collector: OrganisationSpec | None = None
    weighed_kg: Decimal | None = None


def at(day: date, hour: int) -> datetime:
    """An aware UTC time on a day; the demo's events happen during working hours."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def validated_payload(event_type: str, product_type: str, payload: dict) -> dict:
    """The payload as the events API would accept it, so the demo holds nothing it would refuse."""
    checked = payload_schema(event_type, product_type)(data=payload)
    checked.is_valid(raise_exception=True)
    return dict(checked.validated_data)


def life_plan(seed: int, passport: Passport, today: date) -> LifePlan:
    """Draws one product's life from its own random stream, independent of every other product."""
    rng = random.Random(f"{seed}:{passport.gtin}:{passport.serial}")
    plan = LifePlan(passport)
    placed = passport.manufactured_at + timedelta(days=rng.randint(14, 150))
    stream = passport.attributes.get("category") or passport.product_type
    plan.stream = stream
    markets = MARKETS[stream]
    country = rng.choices([c for c, _ in markets], weights=[w for _, w in markets])[0]
    if rng.random() < HOME_MARKET_SHARE.get(passport.manufacturer.country, 0):
        country = passport.manufacturer.country
    # Recent products may still be in the maker's stock; a few are kept as reference samples.
    if placed >= today or rng.random() < 0.03:
        return plan
    plan.placed, plan.country = placed, country
    key = passport.attributes.get("application", passport.product_type)
    low, high, mode = SERVICE_LIFE.get(key, SERVICE_LIFE[passport.product_type])
    years = passport.attributes["expected_lifetime_years"] * rng.triangular(low, high, mode)
    end = placed + timedelta(days=max(180, int(365.25 * years)))
    early = EARLY_FAILURE.get(key, EARLY_FAILURE[passport.product_type])
    if rng.random() < early and (today - placed).days > 200:
        # Warranty returns and accident damage end some young products' lives early.
        end = placed + timedelta(days=rng.randint(180, (today - placed).days - 3))
    if end < COLLECTION_START:
        end = max(COLLECTION_START + timedelta(days=rng.randint(0, BACKLOG_DAYS)), placed)
    probability = COLLECTION_PROBABILITY.get(key, COLLECTION_PROBABILITY[passport.product_type])
    if (
        end < today - timedelta(days=2)
        and country in COLLECTION_REGIONS
        and rng.random() < probability
    ):
        plan.collected = end
        plan.region = rng.choice(COLLECTION_REGIONS[country])
        # Recyclers take back directly in Sweden and, for some dealers, in Germany.
        if country == "SE" or (country == "DE" and rng.random() < 0.25):
            plan.collector = NORDIC_SPEC if country == "SE" else RHEIN_SPEC
        else:
            plan.collector = COLLECTOR_SPEC
        if rng.random() < 0.6:
            plan.weighed_kg = kg(passport.mass_kg * jitter(rng, 0.97, 1.0))
    last = (plan.collected or today) - timedelta(days=1)
    if rng.random() < HEALTH_PROBABILITY[passport.product_type] and (last - placed).days > 365:
        plan.health = placed + timedelta(days=int((last - placed).days * rng.uniform(0.5, 0.9)))
    if passport.product_type == ProductType.BATTERY:
        # Its own stream, so the draws above stay what earlier demos drew.
        service = random.Random(f"{seed}:service:{passport.gtin}:{passport.serial}")
        in_service = placed + timedelta(days=service.randint(3, 60))
        if in_service < min(plan.health or last, last):
            plan.in_service = in_service
    return plan


def health_payload(rng: random.Random, passport: Passport, years: Decimal) -> dict:
    """A plausible state of health after some years of use, per product family."""
    attributes = passport.attributes
    one = Decimal("0.1")
    if passport.product_type == ProductType.BATTERY:
        # LFP fades more slowly; stationary and industrial packs cycle far more often.
        fade = jitter(rng, 0.8, 1.6) if attributes["chemistry"] == "LFP" else jitter(rng, 1.3, 2.5)
        cycles = {"stationary": (200, 330), "industrial": (250, 400)}.get(
            attributes["category"], (60, 180)
        )
        health = {
            "state_of_health_pct": max(Decimal(60), 100 - years * fade).quantize(one),
            "full_cycles": int(years * rng.randint(*cycles)),
        }
        # Drawn after the two values above, so they stay what earlier demos reported.
        return health | battery_condition(rng, attributes, health, years)
    if passport.product_type == ProductType.PV_MODULE:
        degradation = (years * jitter(rng, 0.4, 0.8)).quantize(one)
        rated = Decimal(attributes.get("pmax_w") or attributes["rated_power_w"])
        return {
            "degradation_pct": degradation,
            "pmax_stc_w": (rated * (100 - degradation) / 100).quantize(one),
        }
    return {"remanence_loss_pct": (years * jitter(rng, 0.05, 0.2)).quantize(Decimal("0.01"))}


def battery_condition(rng: random.Random, attributes: dict, health: dict, years: Decimal) -> dict:
    """Every other dynamic value of the longlist, consistent with the state of health and cycles.

    A battery management system reports these together; the demo derives them from the rated
    values so that, say, the remaining capacity is the rated capacity times the state of health.
    """
    one, two = Decimal("0.1"), Decimal("0.01")
    soh, cycles = health["state_of_health_pct"], health["full_cycles"]
    capacity_ah = Decimal(attributes["rated_capacity_ah"])
    energy_kwh = Decimal(attributes["rated_energy_kwh"])
    power_w = Decimal(attributes["original_power_capability"]["at_80_pct_soc_w"])
    efficiency = Decimal(attributes["initial_round_trip_efficiency_pct"])
    self_discharge = Decimal(attributes["initial_self_discharge_pct_per_month"])
    power_fade = ((100 - soh) * jitter(rng, 1.1, 1.4)).quantize(one)
    efficiency_fade = (years * jitter(rng, 0.2, 0.4)).quantize(one)
    discharge_growth = (years * jitter(rng, 2, 5)).quantize(one)
    resistance = ((100 - soh) * jitter(rng, 1.5, 2.5)).quantize(one)
    hot, cold = (
        (years * jitter(rng, 2, 12)).quantize(one),
        (years * jitter(rng, 1, 8)).quantize(one),
    )
    return {
        "state_of_certified_energy_pct": soh,
        "state_of_charge_pct": Decimal(rng.randrange(20, 91, 5)),
        "capacity_fade_pct": 100 - soh,
        "remaining_capacity_ah": (capacity_ah * soh / 100).quantize(one),
        "remaining_usable_energy_kwh": (energy_kwh * soh / 100).quantize(two),
        "energy_throughput_kwh": (energy_kwh * cycles).quantize(one),
        "capacity_throughput_ah": (capacity_ah * cycles).quantize(one),
        "remaining_power_capability_w": (power_w * (100 - power_fade) / 100).quantize(Decimal(1)),
        "remaining_power_capability_soc_pct": Decimal(80),
        "power_fade_pct": power_fade,
        "remaining_round_trip_efficiency_pct": efficiency - efficiency_fade,
        "round_trip_efficiency_fade_pct": efficiency_fade,
        "current_self_discharge_pct_per_month": (
            self_discharge * (100 + discharge_growth) / 100
        ).quantize(two),
        "self_discharge_evolution_pct": discharge_growth,
        "internal_resistance_increase_pct": resistance,
        "internal_resistance_increase_cell_pct": (resistance * jitter(rng, 0.8, 0.95)).quantize(
            one
        ),
        "time_above_max_temperature_h": hot,
        "time_below_min_temperature_h": cold,
        "time_charging_above_max_temperature_h": (hot / 4).quantize(one),
        "time_charging_below_min_temperature_h": (cold / 4).quantize(one),
        # Most packs have nothing to report; an empty list says so, which no report is not.
        "accidents": ["Minor collision; pack inspected, no damage found."]
        if rng.random() < 0.05
        else [],
    }


def market_and_health_record(
    seed: int, plans: list[LifePlan], organisations: dict[OrganisationSpec, Organisation]
) -> None:
    """Places products on the market and posts health reports, both as their manufacturer."""
    by_id = {o.pk: o for o in organisations.values()}
    for plan in plans:
        passport = plan.passport
        if plan.placed is None or passport.placed_on_market_on is not None:
            continue
        maker = by_id[passport.manufacturer_id]
        event_record(
            passport_id=passport.pk,
            actor=maker,
            event_type=EventType.PLACED_ON_MARKET,
            occurred_at=at(plan.placed, 9),
            payload=validated_payload(
                EventType.PLACED_ON_MARKET, passport.product_type, {"country": plan.country}
            ),
        )
        if plan.in_service is not None:
            event_record(
                passport_id=passport.pk,
                actor=maker,
                event_type=EventType.PUT_INTO_SERVICE,
                occurred_at=at(plan.in_service, 10),
                payload=validated_payload(
                    EventType.PUT_INTO_SERVICE,
                    passport.product_type,
                    {"date": plan.in_service, "application": APPLICATIONS[plan.stream]},
                ),
            )
        if plan.health is not None:
            rng = random.Random(f"{seed}:health:{passport.serial}")
            years = Decimal((plan.health - plan.placed).days) / Decimal("365.25")
            payload = health_payload(rng, passport, years)
            event_record(
                passport_id=passport.pk,
                actor=maker,
                event_type=EventType.HEALTH_REPORTED,
                occurred_at=at(plan.health, 11),
                payload=validated_payload(
                    EventType.HEALTH_REPORTED, passport.product_type, payload
                ),
            )


def collections_record(
    plans: list[LifePlan], organisations: dict[OrganisationSpec, Organisation]
) -> None:
    """One collection per collector, region and quarter, dated when its last product came in."""
    rounds: dict[tuple, list[LifePlan]] = {}
    for plan in plans:
        if plan.collected is None or plan.passport.status != PassportStatus.ORIGINAL:
            continue
        quarter = (plan.collected.month - 1) // 3
        key = (plan.collected.year, quarter, plan.collector.name, plan.region)
        rounds.setdefault(key, []).append(plan)
    for key in sorted(rounds):
        members = rounds[key]
        collection_record(
            collector=organisations[members[0].collector],
            region=members[0].region,
            collected_at=at(max(p.collected for p in members), 10),
            items=[(p.passport, p.weighed_kg) for p in members],
        )
