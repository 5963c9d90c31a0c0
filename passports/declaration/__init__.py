"""Validation of a passport declaration: shape per product type and the cross-field rules.

- fields.py: the field kinds (exact quantities, shares, strict objects, addresses, symbols);
- battery.py, pv_module.py, magnet.py: each product type's attributes;
- passport.py: the declaration every product shares (PassportDeclaration);
- rules.py: cross-field rules, the mandatory-by-category rule, the stored form.

The names below are the package's public interface; import them from here.
"""

from passports.declaration.battery import (
    BATTERY_CATEGORIES,
    BATTERY_CHEMISTRIES,
    BATTERY_COMPONENTS,
    BatteryAttributes,
)
from passports.declaration.fields import (
    StrictSerializer,
    country,
    decimal_text,
    normalised,
    percent,
    quantity,
    share,
)
from passports.declaration.magnet import MAGNET_APPLICATIONS, MAGNET_TYPES, MagnetAttributes
from passports.declaration.passport import (
    ATTRIBUTE_SCHEMAS,
    DOCUMENT_KINDS,
    CarbonFootprint,
    CompositionItem,
    DocumentItem,
    OriginItem,
    PassportDeclaration,
)
from passports.declaration.pv_module import PV_TECHNOLOGIES, PvModuleAttributes
from passports.declaration.rules import (
    declaration_rule_errors,
    mandatory_errors,
    normalise_declaration,
    normalise_tree,
)

__all__ = [
    "ATTRIBUTE_SCHEMAS", "BATTERY_CATEGORIES", "BATTERY_CHEMISTRIES", "BATTERY_COMPONENTS",
    "DOCUMENT_KINDS", "MAGNET_APPLICATIONS", "MAGNET_TYPES", "PV_TECHNOLOGIES",
    "BatteryAttributes", "CarbonFootprint", "CompositionItem", "DocumentItem",
    "MagnetAttributes", "OriginItem", "PassportDeclaration", "PvModuleAttributes",
    "StrictSerializer", "country", "decimal_text", "declaration_rule_errors",
    "mandatory_errors", "normalise_declaration", "normalise_tree", "normalised", "percent",
    "quantity", "share",
]  # fmt: skip
