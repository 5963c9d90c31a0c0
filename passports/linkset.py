"""The GS1 resolver's vocabulary and a passport's RFC 9264 linkset (which links, of which type)."""

from django.urls import reverse

from passports.identifiers import digital_link
from passports.models import Passport

GS1_VOC = "https://gs1.org/voc/"
# The GS1 Web Vocabulary is published under several addresses that name the same terms.
GS1_NAMESPACES = ("gs1:", GS1_VOC, "https://www.gs1.org/voc/", "https://ref.gs1.org/voc/")
# `linkset` since GS1-Conformant Resolver 1.2; `all` is what 1.0 and 1.1 clients send.
LINKSET_REQUESTS = ("linkset", "all")
LINKSET = "application/linkset+json"
# The UN Transparency Protocol's link types, among them its Digital Product Passport credential.
UNTP_LINK_TYPES = "https://test.uncefact.org/vocabulary/linkTypes/"
UNTP_DPP_LINK_TYPE = UNTP_LINK_TYPES + "dpp"
# The prefixes a `linkType` may be written with, as the resolver description file lists them.
LINK_TYPE_PREFIXES = {"gs1:": GS1_VOC, "untp:": UNTP_LINK_TYPES}


def link_type(requested: str) -> str:
    """The linkset key a requested link type names: `gs1:pip` and every GS1 address of it alike.

    Anything else (an IANA relation such as `icon`) is looked up as given.
    """
    for namespace in GS1_NAMESPACES:
        if requested.startswith(namespace):
            return GS1_VOC + requested[len(namespace) :]
    for prefix, namespace in LINK_TYPE_PREFIXES.items():
        if requested.startswith(prefix):
            return namespace + requested[len(prefix) :]
    return requested


def linkset(request, passport: Passport) -> dict:
    """An RFC 9264 linkset naming where to find this product's information.

    Keys are GS1 Web Vocabulary link types as full URIs, as the GS1 resolver standard writes
    them, or IANA-registered relations.
    """
    anchor = digital_link(gtin=passport.gtin, serial=passport.serial, passport_id=passport.id)

    def url(name: str, **kwargs) -> str:
        return request.build_absolute_uri(reverse(name, kwargs={"pk": passport.id, **kwargs}))

    page = {"href": anchor, "title": "Product passport", "type": "text/html"}
    links = {
        "anchor": anchor,
        f"{GS1_VOC}defaultLink": [page],
        # The page behind the QR code is the product information page people read.
        f"{GS1_VOC}pip": [page],
        # GS1's link type for a Digital Product Passport: the passport itself, as data.
        f"{GS1_VOC}dpp": [
            {"href": url("passport-detail"), "title": "Passport data", "type": "application/json"}
        ],
        f"{GS1_VOC}traceability": [
            {
                "href": url("passport-events"),
                "title": "Signed lifecycle events",
                "type": "application/json",
            }
        ],
    }
    if passport.product_type == "battery":
        # The Battery Pass v1.2.0 document: GS1's type for sustainability and circularity.
        links[f"{GS1_VOC}sustainabilityInfo"] = [
            {
                "href": url("passport-batterypass"),
                "title": "Battery Pass v1.2.0",
                "type": "application/json",
            }
        ]
    # The passport as a UNTP Digital Product Passport: a verifiable credential of the public tier.
    # An archived copy has no key here to sign one, so it offers none.
    if not passport.archived_from:
        links[UNTP_DPP_LINK_TYPE] = [
            {
                "href": url("passport-credential"),
                "title": "Digital Product Passport (UNTP verifiable credential)",
                "type": "application/vc+jwt",
            }
        ]
    # IANA `icon` ("an icon representing the link's context"): the QR code is a picture that
    # stands for this product's identifier. It was `describedby`, which promises a document
    # describing the product, which an image of its address is not.
    links["icon"] = [
        {"href": url("passport-qr", fmt="svg"), "title": "QR code", "type": "image/svg+xml"},
        {"href": url("passport-qr", fmt="png"), "title": "QR code", "type": "image/png"},
    ]
    return {"linkset": [links]}
