"""Registering passports: store the declaration and sign its genesis event, all or nothing."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from lifecycle.canonical import prepare, prepared_bytes, sha256_hex
from lifecycle.models import Event, EventType
from lifecycle.services.chain import event_sign
from lifecycle.tasks import enqueue_on_commit, integrate_log
from passports.bulk import rows_insert, unsaved_row
from passports.models import CompositionEntry, Organisation, OriginShare, Passport, PassportHead
from passports.services.keys import Signer, signer_for


@dataclass
class RegistrationConflict(Exception):
    """Declarations whose identifiers already belong to a passport, by index in the request."""

    conflicts: list[tuple[int, str, str]]  # (index, field, message)


@dataclass
class UnknownPredecessor(Exception):
    """Declarations that name a predecessor passport that does not exist."""

    indexes: list[int]


def passports_register(*, organisation: Organisation, declarations: list[dict]) -> list[Passport]:
    """Stores validated declarations and their signed genesis events in one transaction."""
    _check_identifiers_free(declarations)
    predecessors = _predecessors(declarations)
    signer = signer_for(organisation=organisation)
    passports, entries, origins, events = [], [], [], []
    for declaration in declarations:
        rows = registration_rows(
            organisation=organisation,
            signer=signer,
            declaration=declaration,
            predecessor_id=predecessors.get(declaration["predecessor"]),
        )
        passports.append(rows.passport)
        entries.extend(rows.composition)
        origins.extend(rows.origin)
        events.append(rows.genesis)
    try:
        with transaction.atomic():
            rows_insert(Passport, passports)
            rows_insert(PassportHead, [p.head for p in passports])
            rows_insert(CompositionEntry, entries)
            rows_insert(OriginShare, origins)
            rows_insert(Event, events)
    except IntegrityError as exc:
        # Another request registered the same identifiers between our check and our insert.
        _check_identifiers_free(declarations)
        raise RegistrationConflict([(0, "gtin", "The identifiers were just registered.")]) from exc
    enqueue_on_commit(integrate_log)
    return passports


@dataclass
class RegistrationRows:
    """The unsaved rows one registration writes (children as rows_insert values)."""

    passport: Passport
    composition: list[SimpleNamespace]
    origin: list[SimpleNamespace]
    genesis: Event


def registration_rows(
    *,
    organisation: Organisation,
    signer: Signer,
    declaration: dict,
    predecessor_id: uuid.UUID | None = None,
    passport_id: uuid.UUID | None = None,
) -> RegistrationRows:
    """Builds (without saving) a passport from a validated declaration and signs its genesis."""
    passport_id = passport_id or uuid.uuid4()
    # Prepared once: its bytes are signed, its attributes and footprint are stored.
    prepared = prepare(declaration)
    declaration_bytes = prepared_bytes(prepared)
    genesis = event_sign(
        passport_id=passport_id,
        seq=0,
        prev=None,
        event_type=EventType.REGISTERED,
        actor=organisation,
        signer=signer,
        payload={
            "product_type": declaration["product_type"],
            "gtin": declaration["gtin"],
            "serial": declaration["serial"],
            "gbt_code": declaration["gbt_code"],
            "declaration_sha256": sha256_hex(declaration_bytes),
        },
    )
    passport, composition, origin = passport_declared(
        passport_id=passport_id,
        organisation=organisation,
        declaration=declaration,
        declaration_bytes=declaration_bytes,
        predecessor_id=predecessor_id,
        prepared=prepared,
        child=unsaved_row,
    )
    PassportHead(passport=passport, seq=0, hash=genesis.hash)  # cached as passport.head
    return RegistrationRows(
        passport=passport, composition=composition, origin=origin, genesis=genesis
    )


def passport_declared(
    *,
    passport_id: uuid.UUID,
    organisation: Organisation,
    declaration: dict,
    declaration_bytes: bytes,
    predecessor_id: uuid.UUID | None,
    prepared: dict | None = None,
    child: Callable[[type, dict], object] = lambda model, values: model(**values),
) -> tuple[Passport, list, list]:
    """The unsaved passport row and children a declaration gives, before any event moves it.

    Shared by registration and by the archive importer, which rebuilds each archived row from
    its signed declaration rather than trusting the row the archive carries. `prepared` is
    the declaration as canonicalisation prepared it, if the caller has it; `child` builds a
    child row from its model and values (model instances unless the caller only inserts them).
    """
    prepared = prepared or {
        "attributes": prepare(declaration["attributes"]),
        "carbon_footprint": prepare(declaration["carbon_footprint"]),
    }
    place = declaration["manufacturing_place"]
    passport = Passport(
        id=passport_id,
        manufacturer=organisation,
        holder=organisation,
        product_type=declaration["product_type"],
        gtin=declaration["gtin"],
        serial=declaration["serial"],
        gbt_code=declaration["gbt_code"],
        model=declaration["model"],
        batch=declaration["batch"],
        manufactured_at=declaration["manufactured_at"],
        manufacturing_country=place["country"],
        manufacturing_facility=place["facility"],
        mass_kg=declaration["mass_kg"],
        attributes=prepared["attributes"],
        carbon_footprint=prepared["carbon_footprint"],
        documents=declaration["documents"],
        predecessor_id=predecessor_id,
        declaration=declaration_bytes,
    )
    composition = [
        child(CompositionEntry, {"passport_id": passport_id, "position": i, **item})
        for i, item in enumerate(declaration["composition"])
    ]
    origin = [
        child(OriginShare, {"passport_id": passport_id, "position": i, **item})
        for i, item in enumerate(declaration["origin"])
    ]
    return passport, composition, origin


def _check_identifiers_free(declarations: list[dict]) -> None:
    conflicts: list[tuple[int, str, str]] = []
    seen_pairs: dict[tuple[str, str], int] = {}
    seen_codes: dict[str, int] = {}
    for index, item in enumerate(declarations):
        if item["gtin"]:
            pair = (item["gtin"], item["serial"])
            if pair in seen_pairs:
                first = seen_pairs[pair]
                conflicts.append((index, "serial", f"Same GTIN and serial as item {first}."))
            seen_pairs.setdefault(pair, index)
        if item["gbt_code"]:
            if item["gbt_code"] in seen_codes:
                conflicts.append(
                    (index, "gbt_code", f"Same GB/T code as item {seen_codes[item['gbt_code']]}.")
                )
            seen_codes.setdefault(item["gbt_code"], index)
    for gtin, serial, code in _taken(seen_pairs, seen_codes):
        if (gtin, serial) in seen_pairs:
            conflicts.append(
                (
                    seen_pairs[(gtin, serial)],
                    "serial",
                    f"A passport for GTIN {gtin} serial {serial} already exists.",
                )
            )
        if code in seen_codes:
            conflicts.append((seen_codes[code], "gbt_code", f"GB/T code {code} already exists."))
    if conflicts:
        raise RegistrationConflict(sorted(conflicts))


def _taken(pairs, codes) -> list[tuple]:
    """(gtin, serial, gbt_code) of stored passports holding any of these identifiers."""
    if not pairs and not codes:
        return []
    if connection.vendor == "postgresql":
        # The exact pairs, joined to the unique (gtin, serial) index. A superset query (any of
        # the GTINs and any of the serials) reads every passport of those products: seconds
        # once a product line has a million passports.
        gtins, serials = zip(*pairs, strict=True) if pairs else ((), ())
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.gtin, p.serial, p.gbt_code FROM passports_passport p "
                "JOIN unnest(%s::varchar[], %s::varchar[]) AS w(gtin, serial) "
                "ON p.gtin = w.gtin AND p.serial = w.serial "
                "UNION SELECT gtin, serial, gbt_code FROM passports_passport "
                "WHERE gbt_code = ANY(%s::varchar[])",
                [list(gtins), list(serials), list(codes)],
            )
            return cursor.fetchall()
    # A superset query (any of the GTINs, any of the serials), narrowed to exact pairs after.
    query = Q(gtin__in={g for g, _ in pairs}, serial__in={s for _, s in pairs})
    if codes:
        query |= Q(gbt_code__in=list(codes))
    return list(Passport.objects.filter(query).values_list("gtin", "serial", "gbt_code"))


def _predecessors(declarations: list[dict]) -> dict:
    wanted = {d["predecessor"] for d in declarations if d["predecessor"]}
    found = set(Passport.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [
        i for i, d in enumerate(declarations) if d["predecessor"] and d["predecessor"] not in found
    ]
    if missing:
        raise UnknownPredecessor(missing)
    return {pk: pk for pk in found}
