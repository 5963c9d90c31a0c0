"""Who sees small cells, and the thresholds in force: the Django side of recycling/disclosure.py."""

from django.conf import settings

from passports.models import Organisation, OrganisationKind
from recycling.disclosure import Population, Rule


def disclosure_rule() -> Rule:
    """The thresholds in force (settings DISCLOSURE_MIN_PRODUCTS, DISCLOSURE_MIN_MANUFACTURERS)."""
    return Rule(
        min_products=settings.DISCLOSURE_MIN_PRODUCTS,
        min_manufacturers=settings.DISCLOSURE_MIN_MANUFACTURERS,
    )


def sees_small_cells(organisation: Organisation) -> bool:
    """Regulators see every figure; everyone else only what describes enough to stay anonymous."""
    return organisation.kind == OrganisationKind.REGULATOR


def population_of(row: dict) -> Population | None:
    """The population of a statistic row, None where none was counted."""
    if "product_count" not in row:
        return None
    return Population(row["product_count"], frozenset(row.get("manufacturers", ())))


def population_read(population: Population | None) -> dict | None:
    """As published: how many products and manufacturers, never which."""
    if population is None:
        return None
    return {"products": population.products, "manufacturers": len(population.manufacturers)}
