"""Our EPCIS vocabulary: the CBV step and disposition of each event type, and our own URIs.

Where GS1 has no identifier for a thing we record (a place without a GLN, an organisation, a
material fraction, a treatment batch), the URI is one of our own under the resolver's base URL,
so it dereferences to this instance.
"""

from urllib.parse import quote, unquote

from django.conf import settings

from lifecycle.models import EventType as E

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
CBV_BIZSTEP = "https://ref.gs1.org/cbv/BizStep-"
SCHEMA_VERSION = "2.0"
PREFIX = "cmp"


def base() -> str:
    return f"{settings.RESOLVER_BASE_URL}/epcis"


def namespace() -> str:
    """Our extension namespace; extension keys are written `cmp:name`."""
    return f"{base()}/ns#"


def context() -> list:
    """The `@context` of every document we emit: GS1's, then our namespace and its JSON value."""
    return [
        EPCIS_CONTEXT,
        {PREFIX: namespace(), f"{PREFIX}:payload": {"@id": f"{PREFIX}:payload", "@type": "@json"}},
    ]


def own_step(name: str) -> str:
    """A business step CBV has no term for (reuse, repurposing, remanufacturing)."""
    return f"{base()}/bizstep/{name}"


# event type -> (EPCIS event type, action, bizStep, disposition); bare words are CBV terms.
MAPPING: dict[str, tuple[str, str | None, str, str | None]] = {
    E.REGISTERED: ("ObjectEvent", "ADD", "commissioning", "active"),
    E.PLACED_ON_MARKET: ("ObjectEvent", "OBSERVE", "shipping", "sellable_accessible"),
    E.PUT_INTO_SERVICE: ("ObjectEvent", "OBSERVE", "installing", "active"),
    E.HEALTH_REPORTED: ("ObjectEvent", "OBSERVE", "inspecting", "active"),
    E.REPAIRED: ("ObjectEvent", "OBSERVE", "repairing", "active"),
    E.OWNERSHIP_TRANSFERRED: ("ObjectEvent", "OBSERVE", "departing", "in_transit"),
    E.REUSED: ("ObjectEvent", "OBSERVE", "reusing", "active"),
    # The product ends and its successor begins (Art. 77(7)): inputs consumed, outputs made,
    # which is what a TransformationEvent records; the disposition is the successor's.
    E.REPURPOSED: ("TransformationEvent", None, "repurposing", "active"),
    E.REMANUFACTURED: ("TransformationEvent", None, "remanufacturing", "active"),
    E.COLLECTED: ("ObjectEvent", "OBSERVE", "receiving", "non_sellable_other"),
    E.RECYCLED: ("TransformationEvent", None, "creating_class_instance", None),
    E.DISPOSED: ("ObjectEvent", "DELETE", "destroying", "destroyed"),
}
OWN_STEPS = frozenset({"reusing", "repurposing", "remanufacturing"})
# Events that register a successor passport, rendered with it as their output EPC.
SUCCESSIONS = frozenset({E.REPURPOSED, E.REMANUFACTURED})


def step_word(value: str) -> str:
    """A business step as its bare word, from the word itself or a CBV or our own URI."""
    for prefix in (CBV_BIZSTEP, "urn:epcglobal:cbv:bizstep:", own_step("")):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def place_uri(code: str) -> str:
    """A place we know only by its ISO 3166 code (country `DE` or subdivision `DE-BY`)."""
    return f"{base()}/places/{code}"


def place_code(uri: str) -> str | None:
    prefix = place_uri("")
    return uri[len(prefix) :] if uri.startswith(prefix) and uri != prefix else None


def organisation_uri(organisation_id) -> str:
    """An organisation's premises, standing in for a GLN we do not record."""
    return f"{base()}/organisations/{organisation_id}"


def batch_uri(batch_id) -> str:
    return f"{base()}/batches/{batch_id}"


def fraction_class(counts_as: str, fraction: str) -> str:
    """The class of a material fraction: what it counts as and its name."""
    return f"{base()}/fractions/{counts_as}/{quote(fraction, safe='')}"


def fraction_of(uri: str) -> tuple[str, str] | None:
    """(counts_as, fraction name) from one of our fraction classes, or None."""
    prefix = f"{base()}/fractions/"
    if not uri.startswith(prefix):
        return None
    parts = uri[len(prefix) :].split("/")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], unquote(parts[1])
