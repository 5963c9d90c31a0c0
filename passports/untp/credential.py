"""A passport as a UNTP Digital Product Passport: a W3C Verifiable Credential (data model 2.0).

The credential is built from the passport's public tier only (passports/tiers.py), because a
credential travels: whoever holds a copy can pass it on, so it may carry nothing a stranger
scanning the QR code could not already read. Field names follow the UNTP DPP data model
(credentialSubject.product, materialsProvenance, conformityClaim, traceabilityInformation).

What the public tier withholds stays out. In particular the composition (each substance's
mass) is legitimate-interest data here, so a material's `massFraction` is stated only where
the public tier itself gives a concentration: a battery's declared hazardous substances and a
PV module's lead and cadmium content. Origin shares (how much of a substance comes from a
country) have no UNTP property; they are given as `originShare`, a term outside the UNTP
vocabulary that the VC 2.0 base context maps to its issuer-dependent namespace.
"""

from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse

from passports.models import AccessTier, Passport, ProductType
from passports.representation import passport_full
from passports.tiers import filter_representation
from passports.untp.did import organisation_did

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://test.uncefact.org/vocabulary/untp/dpp/working/",
]
GS1_GTIN_SCHEME = {
    "type": ["IdentifierScheme"],
    "id": "https://id.gs1.org/01/",
    "name": "Global Trade Item Number (GTIN)",
}
PRODUCT_NAMES = {
    ProductType.BATTERY: "Battery",
    ProductType.PV_MODULE: "Photovoltaic module",
    ProductType.MAGNET: "Permanent magnet",
}
EU_COMMISSION = {"id": "https://commission.europa.eu/", "name": "European Commission"}
BATTERY_REGULATION = {
    "type": ["Regulation"],
    "id": "https://eur-lex.europa.eu/eli/reg/2023/1542/oj",
    "name": "Regulation (EU) 2023/1542 concerning batteries and waste batteries",
    "jurisdictionCountry": "EU",
    "administeredBy": EU_COMMISSION,
    "effectiveDate": "2023-08-17",
}
CRM_ACT = {
    "type": ["Regulation"],
    "id": "https://eur-lex.europa.eu/eli/reg/2024/1252/oj",
    "name": "Regulation (EU) 2024/1252 (Critical Raw Materials Act)",
    "jurisdictionCountry": "EU",
    "administeredBy": EU_COMMISSION,
    "effectiveDate": "2024-05-23",
}
# The regulation whose recycled-content rules a product type answers to, if any.
RECYCLED_CONTENT_REGULATION = {ProductType.BATTERY: BATTERY_REGULATION, ProductType.MAGNET: CRM_ACT}
GS1_VOC = "https://gs1.org/voc/"
# Public documents: the name a link shows and its GS1 Web Vocabulary link type.
DOCUMENT_LINKS = {
    "declaration_of_conformity": ("EU declaration of conformity", "certificationInfo"),
    "carbon_footprint_study": ("Carbon footprint study", "sustainabilityInfo"),
    "user_information": ("Information for users", "instructions"),
    "waste_prevention": ("Waste prevention", "sustainabilityInfo"),
    "separate_collection": ("Separate collection", "recyclingInfo"),
    "end_of_life_information": ("End-of-life information", "recyclingInfo"),
}


def absolute(path: str) -> str:
    """A path of this service as an absolute URL under RESOLVER_BASE_URL."""
    return settings.RESOLVER_BASE_URL + path


def number(text: str | None) -> int | float | None:
    """A stored decimal text as a JSON number (the UNTP schema types fractions as numbers)."""
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def credential_url(passport: Passport) -> str:
    """Where the credential is served; also its id, since it is one credential per key."""
    return absolute(reverse("passport-credential", kwargs={"pk": passport.id}))


def passport_credential(passport: Passport, *, issued_at: str) -> dict:
    """The unsecured UNTP DPP credential of a passport's public tier, issued at `issued_at`.

    Expects the passport with its manufacturer, composition and origin loaded
    (representation.with_related).
    """
    public = filter_representation(passport_full(passport), AccessTier.PUBLIC)
    issuer = organisation_did(passport.manufacturer_id)
    return {
        "@context": CONTEXT,
        "type": ["VerifiableCredential", "DigitalProductPassport"],
        "id": credential_url(passport),
        "issuer": {
            "type": ["CredentialIssuer"],
            "id": issuer,
            "name": passport.manufacturer.name,
        },
        "validFrom": issued_at,
        "credentialSubject": {
            "type": ["ProductPassport"],
            "id": public["identifiers"]["digital_link"],
            "product": _product(public, issuer),
            "granularityLevel": "item",
            "materialsProvenance": _materials(public),
            "conformityClaim": _claims(public, passport),
            "traceabilityInformation": [_traceability(public, passport)],
        },
    }


def _product(public: dict, issuer: str) -> dict:
    identifiers = public["identifiers"]
    product = {
        "type": ["Product"],
        "id": identifiers["digital_link"],
        "name": f"{PRODUCT_NAMES[public['product_type']]} {public['model']}",
        "description": _description(public),
        "productionDate": public["manufactured_at"],
        "countryOfProduction": public["manufacturing_place"]["country"],
        "producedByParty": {"id": issuer, "name": public["manufacturer"]["name"]},
        "dimensions": {"weight": {"value": number(public["mass_kg"]), "unit": "KGM"}},
        # The product type's own public attributes, as the passport states them.
        "characteristics": {"type": ["Characteristics"], **public["attributes"]},
        "furtherInformation": [_document_link(doc) for doc in public["documents"]],
    }
    if identifiers["gtin"]:
        product["registeredId"] = f"{identifiers['gtin']}.21.{identifiers['serial']}"
        product["idScheme"] = GS1_GTIN_SCHEME
        product["serialNumber"] = identifiers["serial"]
    return product


def _document_link(doc: dict) -> dict:
    name, link_type = DOCUMENT_LINKS.get(doc["kind"], ("Further information", "pip"))
    return {
        "linkURL": doc["url"],
        "linkName": doc.get("title") or name,
        "linkType": GS1_VOC + link_type,
    }


def _description(public: dict) -> str:
    attributes = public["attributes"]
    detail = attributes.get("chemistry") or attributes.get("technology")
    detail = detail or attributes.get("magnet_type") or ""
    name = PRODUCT_NAMES[public["product_type"]]
    return f"{name} {public['model']}" + (f" ({detail})" if detail else "")


def _recycled_fractions(public: dict) -> dict[str, int | float]:
    fractions = {}
    for item in public["recycled_content"]:
        total = Decimal(item["pre_consumer_share"]) + Decimal(item["post_consumer_share"])
        fractions[item["substance"]] = number(total)
    return fractions


def _materials(public: dict) -> list[dict]:
    """One material per substance and origin country, then the hazardous substances."""
    recycled = _recycled_fractions(public)
    origins: dict[str, list[dict]] = {}
    for item in public["origin"]:
        origins.setdefault(item["substance"], []).append(item)
    named = [*public["critical_raw_materials"], *origins, *recycled]
    materials = []
    for substance in dict.fromkeys(named):
        common = {"type": ["Material"], "name": substance}
        if substance in recycled:
            common["recycledMassFraction"] = recycled[substance]
        for item in origins.get(substance) or [{}]:
            material = dict(common)
            if item:
                material["originCountry"] = item["country"]
                material["originShare"] = number(item["share"])
            materials.append(material)
    return materials + _hazardous(public)


def _hazardous(public: dict) -> list[dict]:
    attributes = public["attributes"]
    found = []
    for item in attributes.get("hazardous_substances") or []:
        if isinstance(item, dict):  # batteries declare each with its concentration
            if not item.get("name"):
                continue
            material = {"type": ["Material"], "name": item["name"], "hazardous": True}
            fraction = number(item.get("concentration_pct"))
            if fraction is not None:
                material["massFraction"] = number(Decimal(str(fraction)) / 100)
            found.append(material)
        else:  # PV modules name them only
            found.append({"type": ["Material"], "name": str(item), "hazardous": True})
    mass = number(public["mass_kg"])
    for key, name in (("lead_g", "Pb"), ("cadmium_g", "Cd")):
        grams = number(attributes.get(key))
        if grams and mass:
            fraction = Decimal(str(grams)) / 1000 / Decimal(str(mass))
            found.append(
                {
                    "type": ["Material"],
                    "name": name,
                    "hazardous": True,
                    "massFraction": number(round(fraction, 8)),
                    "mass": {"value": grams, "unit": "GRM"},
                }
            )
    return found


def _claim(public: dict, name: str, **fields) -> dict:
    subject = public["identifiers"]["digital_link"]
    return {"type": ["Claim", "Declaration"], "id": f"{subject}#{name}", **fields}


def _claims(public: dict, passport: Passport) -> list[dict]:
    claims = []
    footprint = public.get("carbon_footprint") or {}
    value = number(footprint.get("kg_co2e_per_kwh"))
    if value is not None:
        claim = _claim(
            public,
            "carbon-footprint",
            description="Carbon footprint of the battery over its life cycle, per kWh of "
            "total energy it provides over its service life (Art. 7).",
            conformityTopic="environment.emissions",
            referenceRegulation=BATTERY_REGULATION,
            declaredValue=[
                {
                    "metricName": "Carbon footprint per functional unit",
                    "metricValue": {"value": value, "unit": "kg CO2e/kWh"},
                    **(
                        {"score": footprint["performance_class"]}
                        if footprint.get("performance_class")
                        else {}
                    ),
                }
            ],
        )
        if footprint.get("study_url"):
            claim["conformityEvidence"] = {
                "linkURL": footprint["study_url"],
                "linkName": "Carbon footprint study",
            }
        claims.append(claim)
    if public["recycled_content"]:
        claim = _claim(
            public,
            "recycled-content",
            description="Share of each substance recovered from waste, pre- and "
            "post-consumer, as declared by the manufacturer.",
            conformityTopic="circularity.content",
            declaredValue=[
                {
                    "metricName": f"Recycled {item['substance']} ({stage}-consumer share)",
                    "metricValue": {"value": number(item[f"{stage}_consumer_share"]), "unit": "1"},
                }
                for item in public["recycled_content"]
                for stage in ("pre", "post")
            ],
        )
        regulation = RECYCLED_CONTENT_REGULATION.get(passport.product_type)
        if regulation:
            claim["referenceRegulation"] = regulation
        claims.append(claim)
    for doc in public["documents"]:
        if doc["kind"] == "declaration_of_conformity":
            claims.append(
                _claim(
                    public,
                    "declaration-of-conformity",
                    description="EU declaration of conformity drawn up by the manufacturer.",
                    conformityTopic="governance.compliance",
                    referenceRegulation=BATTERY_REGULATION
                    if passport.product_type == ProductType.BATTERY
                    else None,
                    conformityEvidence={
                        "linkURL": doc["url"],
                        "linkName": "EU declaration of conformity",
                    },
                )
            )
    if public["critical_raw_materials"]:
        claims.append(
            _claim(
                public,
                "critical-raw-materials",
                description="The product contains these critical raw materials: "
                + ", ".join(public["critical_raw_materials"])
                + ".",
                conformityTopic="governance.transparency",
                referenceRegulation=CRM_ACT,
            )
        )
    return [{key: value for key, value in claim.items() if value is not None} for claim in claims]


def _traceability(public: dict, passport: Passport) -> dict:
    """Links to the passport's life: its signed event chain and the EPCIS query for it."""
    link = public["identifiers"]["digital_link"]
    events = absolute(reverse("passport-events", kwargs={"pk": passport.id}))
    epcis = absolute("/api/v1/epcis/events?MATCH_anyEPC=" + quote(link, safe=""))
    return {
        "type": ["TraceabilityPerformance"],
        "valueChainProcess": "Product life cycle",
        "traceabilityEvent": [
            {
                "linkURL": events,
                "linkName": "Signed lifecycle events of this passport",
                "linkType": GS1_VOC + "traceability",
            },
            {
                "linkURL": epcis,
                "linkName": "EPCIS 2.0 events of this product",
                "linkType": GS1_VOC + "epcis",
            },
        ],
    }
