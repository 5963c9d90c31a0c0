"""What every aspect builder of the export shares: the collector, exact numbers, health values
and the `missing` messages, those of the two v1.2.0 schema defects included."""

from decimal import Decimal

from passports.battery_attributes import BY_NUMBER
from passports.batterypass import mapping as m
from passports.tiers import allows, battery_attribute_tier

NO_VALUE = "Not declared for this battery."
NO_HEALTH = "No health report has given this value yet."

# Two properties whose v1.2.0 types cannot hold the attribute (see the README): the document
# still validates, and these `missing` entries say what was lost. They are the only entries a
# complete passport's document has.
WARRANTY_PATH = "GeneralProductInformation.warrentyPeriod"
WARRANTY_LOSS = (
    "The data model types warrentyPeriod as a month of the year ('--MM', xsd:gMonth), which "
    "cannot hold a period of {months} months: it is given as '--12', and the exact period is "
    f"in {m.EXTENSION}.attributes.warranty."
)
IDLE_PATH = "PerformanceAndDurability.batteryTechicalProperties.temperatureRangeIdleState"
IDLE_BOUNDS = (Decimal(-20), Decimal(60))
IDLE_LOSS = (
    "The data model types temperatureRangeIdleState as one number (-20 to 60) for a range: "
    "it is given the upper boundary, and the range ({lower} to {upper} degrees Celsius) is in "
    f"{m.EXTENSION}.attributes.idle_temperature_range."
)
SCHEMA_DEFECTS = (WARRANTY_PATH, IDLE_PATH)


class Aspects:
    """Collects the aspects and what each reader could not be given."""

    def __init__(self, tier: str):
        self.tier = tier
        self.aspects: dict[str, dict] = {}
        self.missing: list[dict[str, str]] = []
        self.withheld: list[str] = []

    def put(self, aspect: str, path: str, number: int, value, reason: str = NO_VALUE) -> None:
        """Sets aspect.path to value if the reader may see attribute #number and it exists."""
        if not allows(self.tier, battery_attribute_tier(BY_NUMBER[number])):
            self.withheld.append(f"{aspect}.{path}")
            return
        if value is None or value == "":
            self.missing.append({"field": f"{aspect}.{path}", "message": reason})
            return
        target = self.aspects.setdefault(aspect, {})
        *parents, leaf = path.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value


def decimal_of(value) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def health_value(health: dict, field: str) -> tuple[Decimal | None, str | None]:
    entry = health.get(field)
    if entry is None:
        return None, None
    value = entry["value"]
    return (value if isinstance(value, list) else decimal_of(value)), entry["at"]
