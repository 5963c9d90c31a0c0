"""The explicit tables between our battery values and the Battery Pass v1.2.0 vocabulary.

Pure data and pure functions (no Django): enumerations both ways, unit conversions done in
Decimal, and the URI forms some text values take. Nothing here guesses: a value without an
entry has no Battery Pass form, and the export names the property it leaves unfilled.
"""

import mimetypes
import re
from decimal import Decimal
from urllib.parse import quote, unquote, urlsplit

VERSION = "1.2.0"
# The document key holding the parts of our declaration the data model has no property for.
EXTENSION = "declarationExtension"

# Our battery chemistry -> (shortName, clearName) of MaterialComposition.batteryChemistry.
CHEMISTRIES: dict[str, tuple[str, str]] = {
    "NMC811": ("NMC811", "Lithium nickel manganese cobalt oxide (Ni:Mn:Co 8:1:1)"),
    "NMC622": ("NMC622", "Lithium nickel manganese cobalt oxide (Ni:Mn:Co 6:2:2)"),
    "NMC111": ("NMC111", "Lithium nickel manganese cobalt oxide (Ni:Mn:Co 1:1:1)"),
    "NCA": ("NCA", "Lithium nickel cobalt aluminium oxide"),
    "LFP": ("LFP", "Lithium iron phosphate"),
    "LMO": ("LMO", "Lithium manganese oxide"),
    "lead_acid": ("PbA", "Lead-acid"),
    "NiMH": ("NiMH", "Nickel-metal hydride"),
    "NiCd": ("NiCd", "Nickel-cadmium"),
    "sodium_ion": ("Na-ion", "Sodium-ion"),
    "other": ("other", "Other chemistry"),
}
CHEMISTRY_BY_SHORT_NAME = {short: ours for ours, (short, _) in CHEMISTRIES.items()}

# Battery categories: the data model's enumeration is ours without portable (which needs no
# passport, Art. 77(1)).
CATEGORIES = ("lmt", "ev", "industrial", "stationary")

# Passport status -> batteryStatus. Recycled and disposed batteries are waste that has been
# treated; the data model's list ends at Waste.
STATUSES = {
    "original": "Original",
    "reused": "Reused",
    "repurposed": "Repurposed",
    "remanufactured": "Remanufactured",
    "waste": "Waste",
    "recycled": "Waste",
    "disposed": "Waste",
}

# Carbon-footprint stages: ours -> lifecycleStage.
STAGES = {
    "raw_material_acquisition": "RawMaterialExtraction",
    "main_production": "MainProduction",
    "distribution": "Distribution",
    "end_of_life_and_recycling": "Recycling",
}
STAGE_BY_NAME = {name: ours for ours, name in STAGES.items()}

# Recycled content: element symbol -> recycledMaterial.
RECYCLED_MATERIALS = {"Co": "Cobalt", "Ni": "Nickel", "Li": "Lithium", "Pb": "Lead"}
RECYCLED_SYMBOL = {name: symbol for symbol, name in RECYCLED_MATERIALS.items()}

# Label slots of our declaration -> labelingSubject.
LABEL_SUBJECTS = {
    "separate_collection_symbol": "SeparateCollection",
    "cadmium_lead_symbols": "HazardousMaterial",
    "carbon_footprint_label": "CarbonFootPrint",
}
LABEL_SLOT = {subject: slot for slot, subject in LABEL_SUBJECTS.items()}

# Document kinds that fill one URI property each: kind -> (aspect, JSON path in it).
DOCUMENT_URIS = {
    "declaration_of_conformity": ("Labeling", "declarationOfConformity"),
    "test_report": ("Labeling", "resultOfTestReport"),
    "safety": ("Circularity", "safetyMeasures.safetyInstructions"),
    "waste_prevention": ("Circularity", "endOfLifeInformation.wastePrevention"),
    "separate_collection": ("Circularity", "endOfLifeInformation.separateCollection"),
    "end_of_life_information": ("Circularity", "endOfLifeInformation.informationOnCollection"),
}

# The three hazard classes the data model enumerates, recognised from CLP class names
# (Regulation (EC) No 1272/2008 Annex VI abbreviations) and H statements.
HAZARD_CLASSES = {
    "AcuteToxicity": (
        ("acute tox",),
        ("H300", "H301", "H302", "H310", "H311", "H312", "H330", "H331", "H332"),
    ),
    "SkinCorrosionOrIrritation": (("skin corr", "skin irrit"), ("H314", "H315")),
    "EyeDamageOrIrritation": (("eye dam", "eye irrit"), ("H318", "H319")),
}

# Internal resistance components: ours (milliohm) -> batteryComponent.
RESISTANCE_COMPONENTS = {"cell_mohm": "cell", "module_mohm": "module", "pack_mohm": "pack"}
MILLI = Decimal(1000)
HUNDRED = Decimal(100)

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_TEXT_URI = "data:text/plain,"


def hazard_class(ours: list[str]) -> str | None:
    """The first of a substance's CLP classes that the data model enumerates, if any."""
    for given in ours:
        lowered = given.strip().lower()
        for name, (prefixes, statements) in HAZARD_CLASSES.items():
            if lowered.startswith(prefixes) or given.strip().upper()[:4] in statements:
                return name
    return None


def mime_type(url: str) -> str | None:
    """The media type a document URL's file name states (".pdf" -> application/pdf)."""
    guessed, _ = mimetypes.guess_type(urlsplit(url).path, strict=True)
    return guessed


def text_uri(value: str) -> str:
    """A reference as a URI: itself when it is one, else an RFC 2397 data URI holding it."""
    return value if _URI.match(value) else _TEXT_URI + quote(value, safe="")


def text_from_uri(value: str) -> str:
    return unquote(value[len(_TEXT_URI) :]) if value.startswith(_TEXT_URI) else value


def share_percent(share: Decimal) -> Decimal:
    """A 0-1 share as the data model's percentage, exactly."""
    return share * HUNDRED


def percent_share(percent: Decimal) -> Decimal:
    return percent / HUNDRED


def passport_urn(passport_id) -> str:
    """batteryPassportIdentifier: the schema allows only [a-z0-9] after urn:<nid>:."""
    return f"urn:uuid:{passport_id.hex}"
