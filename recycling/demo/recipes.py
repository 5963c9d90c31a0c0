"""The demo recyclers' treatment lines and the output fractions of each recipe."""

from dataclasses import dataclass, field
from decimal import Decimal

from passports.models import ProductType
from recycling.demo.organisations import NORDIC_SPEC, RHEIN_SPEC, OrganisationSpec
from recycling.models import (
    CountsAs,
)

REST = "rest"  # mass the declaration leaves undeclared (cathode oxygen, electronics, wiring)


LOSS = "loss"  # a fraction that leaves as declared loss (evaporation, combustion, off-gas)


# Short names keep the recipe tables readable.
RECYCLED, ENERGY, BACKFILL, DISPOSED, INTERMEDIATE = (
    CountsAs.RECYCLING,
    CountsAs.ENERGY_RECOVERY,
    CountsAs.BACKFILLING,
    CountsAs.DISPOSAL,
    CountsAs.INTERMEDIATE,
)


PRECURSOR, CATHODE = "cathode precursor plant", "cathode material plant"


LANDFILL, HAZARDOUS = "landfill", "hazardous waste landfill"


@dataclass(frozen=True)
class Fraction:
    """An output fraction of a treatment recipe: which share of each input substance it takes.

    Its mass is the input-derived mass times `factor`, which adds what reagents bring (sulphate
    and water of crystallisation, carbonate, oxygen). A LOSS fraction is declared as the batch's
    loss instead of being recorded; the `remainder` fraction takes whatever is left.
    """

    name: str
    counts_as: str
    destination: str = ""
    shares: dict[str, tuple[float, float]] = field(default_factory=dict)
    factor: Decimal = Decimal(1)
    since: int = 0
    until: int = 9999
    remainder: bool = False


@dataclass(frozen=True)
class Route:
    """A recycler's treatment line; `refinery` names the line that takes its intermediate."""

    key: str
    recycler: OrganisationSpec
    process_route: str
    site_region: str
    recipe: str
    days: int = 21
    refinery: str = ""
    assay: tuple[str, ...] = ()
    offset_days: int = 0


# Salts leached from black mass. The factors are salt-to-metal mass ratios (NiSO4.6H2O,
# CoSO4.7H2O, MnSO4.H2O, Li2CO3, FePO4): only the metal originates from the batteries. Lithium
# recovery rose when the refiner added a carbonate precipitation step in 2024.
# fmt: off
BATTERY_SALTS: tuple[Fraction, ...] = (
    Fraction("nickel sulphate hexahydrate", RECYCLED, PRECURSOR, {"Ni": (0.93, 0.97)},
             Decimal("4.48")),
    Fraction("cobalt sulphate heptahydrate", RECYCLED, PRECURSOR, {"Co": (0.93, 0.97)},
             Decimal("4.77")),
    Fraction("manganese sulphate monohydrate", RECYCLED, PRECURSOR, {"Mn": (0.85, 0.93)},
             Decimal("3.08")),
    Fraction("lithium carbonate", RECYCLED, CATHODE, {"Li": (0.45, 0.6)}, Decimal("5.32"),
             until=2023),
    Fraction("lithium carbonate", RECYCLED, CATHODE, {"Li": (0.75, 0.85)}, Decimal("5.32"),
             since=2024),
    Fraction("iron phosphate", RECYCLED, CATHODE, {"Fe": (0.85, 0.92), "P": (0.85, 0.92)},
             Decimal("1.74")),
)


RECIPES: dict[str, tuple[Fraction, ...]] = {
    # Discharge, dismantling, shredding and leaching on one site.
    "battery_hydromet": (
        Fraction("steel scrap", RECYCLED, "steel works",
                 {"steel": (0.93, 0.97), REST: (0.08, 0.12)}),
        Fraction("aluminium scrap", RECYCLED, "aluminium remelter", {"Al": (0.85, 0.92)}),
        Fraction("copper scrap", RECYCLED, "copper smelter",
                 {"Cu": (0.88, 0.93), REST: (0.06, 0.1)}),
        Fraction("plastics", ENERGY, "waste-to-energy plant", {"plastics": (0.85, 0.92)},
                 until=2023),
        Fraction("plastics regrind", RECYCLED, "compounder", {"plastics": (0.6, 0.75)}, since=2024),
        Fraction("separator film", ENERGY, "waste-to-energy plant", {"separator": (0.85, 0.92)}),
        Fraction("recovered electrolyte solvents", RECYCLED, "solvent refiner",
                 {"electrolyte": (0.5, 0.65)}, since=2025),
        *BATTERY_SALTS,
        Fraction("copper cement", RECYCLED, "copper smelter", {"Cu": (0.03, 0.06)}),
        Fraction("graphite", ENERGY, "cement kiln", {"graphite": (0.85, 0.9)}, until=2023),
        Fraction("graphite concentrate", RECYCLED, "anode material plant",
                 {"graphite": (0.82, 0.9), "carbon_black": (0.7, 0.85)}, since=2024),
        Fraction("evaporated electrolyte", LOSS, shares={"electrolyte": (0.85, 0.95)}, until=2024),
        Fraction("evaporated electrolyte", LOSS, shares={"electrolyte": (0.3, 0.4)}, since=2025),
        Fraction("decomposed binder", LOSS, shares={"binder": (0.8, 0.9)}),
        Fraction("leach residue and fines", DISPOSED, HAZARDOUS, remainder=True),
    ),
    # Smelting whole modules: Ni, Co and Cu report to the alloy, Li, Al and Mn to the slag;
    # graphite, electrolyte and plastics burn as reductant and fuel.
    "battery_pyro": (
        Fraction("Ni-Co-Cu alloy", RECYCLED, "nickel refinery", {
            "Ni": (0.94, 0.97), "Co": (0.94, 0.97), "Cu": (0.88, 0.93), "steel": (0.85, 0.92),
            "Fe": (0.3, 0.5)}),
        Fraction("slag", BACKFILL, "road construction aggregate", {
            "Li": (0.85, 0.95), "Al": (0.8, 0.9), "Mn": (0.85, 0.95), "P": (0.8, 0.9),
            "Fe": (0.4, 0.6), REST: (0.15, 0.25)}),
        Fraction("combustion and off-gas", LOSS, shares={
            "graphite": (0.97, 1), "electrolyte": (0.97, 1), "plastics": (0.97, 1),
            "separator": (0.97, 1), "binder": (0.97, 1), "carbon_black": (0.97, 1),
            REST: (0.45, 0.6)}),
        Fraction("flue dust", DISPOSED, HAZARDOUS, remainder=True),
    ),
    # Discharge, shredding and sieving; the black mass goes to the hydrometallurgical refiner.
    "battery_shredder": (
        Fraction("steel scrap", RECYCLED, "steel works",
                 {"steel": (0.93, 0.97), REST: (0.06, 0.1)}),
        Fraction("aluminium scrap", RECYCLED, "aluminium remelter", {"Al": (0.84, 0.9)}),
        Fraction("copper scrap", RECYCLED, "copper smelter",
                 {"Cu": (0.82, 0.88), REST: (0.06, 0.1)}),
        Fraction("plastics and separator", ENERGY, "waste-to-energy plant",
                 {"plastics": (0.85, 0.92), "separator": (0.85, 0.92)}),
        Fraction("recovered electrolyte solvents", RECYCLED, "solvent refiner",
                 {"electrolyte": (0.5, 0.6)}, since=2026),
        Fraction("black mass", INTERMEDIATE, RHEIN_SPEC.name, {
            "Li": (0.94, 0.97), "Ni": (0.95, 0.98), "Co": (0.95, 0.98), "Mn": (0.95, 0.98),
            "Fe": (0.9, 0.95), "P": (0.9, 0.95), "graphite": (0.93, 0.97),
            "carbon_black": (0.9, 0.95), "binder": (0.6, 0.75), "Al": (0.03, 0.05),
            "Cu": (0.02, 0.04), REST: (0.4, 0.5)}),
        Fraction("evaporated electrolyte", LOSS, shares={"electrolyte": (0.85, 0.95)}, until=2025),
        Fraction("evaporated electrolyte", LOSS, shares={"electrolyte": (0.35, 0.45)}, since=2026),
        Fraction("decomposed binder", LOSS, shares={"binder": (0.2, 0.3)}),
        Fraction("fines and dust", DISPOSED, HAZARDOUS, remainder=True),
    ),
    # Leaching black mass, whose REST is its graphite, carbon, binder and cathode oxygen.
    "black_mass_refinery": (
        *BATTERY_SALTS,
        Fraction("copper cement", RECYCLED, "copper smelter", {"Cu": (0.85, 0.92)}),
        Fraction("graphite residue", ENERGY, "cement kiln", {REST: (0.7, 0.8)}, until=2024),
        Fraction("graphite concentrate", RECYCLED, "anode material plant", {REST: (0.68, 0.75)},
                 since=2025),
        Fraction("leach residue", DISPOSED, HAZARDOUS, remainder=True),
    ),
    # Frame removal and crushing: the silver and silicon end up in the fines.
    "pv_crushing": (
        Fraction("aluminium frames", RECYCLED, "aluminium remelter", {"Al": (0.95, 0.98)}),
        Fraction("glass cullet", RECYCLED, "glass wool plant", {"glass": (0.85, 0.92)}),
        Fraction("cables and junction boxes", RECYCLED, "cable granulator",
                 {"plastics": (0.6, 0.8), "Cu": (0.2, 0.3)}),
        Fraction("mixed fines (Si, Ag, polymers)", ENERGY, "cement kiln", {
            "Si": (0.9, 0.95), "Ag": (0.9, 0.95), "encapsulant": (0.9, 0.95),
            "backsheet": (0.9, 0.95), "Cu": (0.5, 0.6)}),
        Fraction("residue", DISPOSED, LANDFILL, remainder=True),
    ),
    # Thermal delamination: clean flat glass, and a cell fraction for the refiner.
    "pv_delamination": (
        Fraction("aluminium frames", RECYCLED, "aluminium remelter", {"Al": (0.95, 0.98)}),
        Fraction("flat glass", RECYCLED, "flat glass plant", {"glass": (0.93, 0.97)}),
        Fraction("cables and junction boxes", RECYCLED, "cable granulator",
                 {"plastics": (0.6, 0.8), "Cu": (0.2, 0.3)}),
        Fraction("cell fraction (Si, Ag, Cu)", INTERMEDIATE, RHEIN_SPEC.name, {
            "Si": (0.92, 0.96), "Ag": (0.92, 0.96), "Cu": (0.6, 0.7), "glass": (0.01, 0.02)}),
        Fraction("pyrolysed polymers", LOSS,
                 shares={"encapsulant": (0.95, 1), "backsheet": (0.95, 1)}),
        Fraction("residue", DISPOSED, LANDFILL, remainder=True),
    ),
    "pv_cell_refinery": (
        Fraction("silver", RECYCLED, "precious metals refiner", {"Ag": (0.9, 0.96)}),
        Fraction("silicon powder", RECYCLED, "silicon alloy producer", {"Si": (0.8, 0.9)}),
        Fraction("copper", RECYCLED, "copper smelter", {"Cu": (0.85, 0.92)}),
        Fraction("leach residue", DISPOSED, LANDFILL, remainder=True),
    ),
    "pv_thin_film": (
        Fraction("glass cullet", RECYCLED, "container glass plant", {"glass": (0.9, 0.95)}),
        Fraction("aluminium", RECYCLED, "aluminium remelter", {"Al": (0.92, 0.97)}),
        Fraction("copper", RECYCLED, "copper smelter", {"Cu": (0.8, 0.9)}),
        Fraction("semiconductor concentrate (Cd, Te)", RECYCLED, "CdTe module maker",
                 {"Cd": (0.9, 0.95), "Te": (0.9, 0.95)}),
        Fraction("encapsulant and plastics", ENERGY, "waste-to-energy plant",
                 {"encapsulant": (0.85, 0.95), "plastics": (0.8, 0.9)}),
        Fraction("leach residue", DISPOSED, HAZARDOUS, remainder=True),
    ),
    # Hydrogen processing of magnet scrap: the alloy powder goes back into sintered magnets.
    "magnet_hpms": (
        Fraction("recycled NdFeB alloy powder", RECYCLED, "sintered magnet maker", {
            "Nd": (0.85, 0.93), "Pr": (0.85, 0.93), "Dy": (0.85, 0.93), "Tb": (0.85, 0.93),
            "Fe": (0.85, 0.93), "B": (0.85, 0.93), "Co": (0.85, 0.93)}),
        Fraction("nickel coating flakes", RECYCLED, "nickel refinery",
                 {"nickel_plating": (0.7, 0.85)}),
        Fraction("burnt-off coating", LOSS, shares={"epoxy_coating": (0.9, 1)}),
        Fraction("oxidised fines", DISPOSED, LANDFILL, remainder=True),
    ),
    # Leaching and solvent extraction to separated rare-earth oxides (Nd2O3, Dy2O3 ratios).
    "magnet_hydromet": (
        Fraction("NdPr oxide", RECYCLED, "magnet alloy maker",
                 {"Nd": (0.9, 0.95), "Pr": (0.9, 0.95)}, Decimal("1.166")),
        Fraction("Dy-Tb oxide", RECYCLED, "magnet alloy maker",
                 {"Dy": (0.8, 0.9), "Tb": (0.8, 0.9)}, Decimal("1.148")),
        Fraction("iron oxide", BACKFILL, "mine backfill", {"Fe": (0.9, 0.96)}, Decimal("1.43")),
        Fraction("burnt-off coating", LOSS, shares={"epoxy_coating": (0.9, 1)}),
        Fraction("leach residue", DISPOSED, LANDFILL, remainder=True),
    ),
}


ROUTES: dict[str, Route] = {route.key: route for route in (
    Route("rhein_battery", RHEIN_SPEC, "hydrometallurgical", "DE-NW", "battery_hydromet",
          days=28, assay=("Co", "Ni", "Li"), offset_days=7),
    Route("nordic_smelter", NORDIC_SPEC, "pyrometallurgical", "SE-AC", "battery_pyro"),
    Route("nordic_shredder", NORDIC_SPEC, "mechanical", "SE-AC", "battery_shredder",
          refinery="rhein_black_mass"),
    Route("rhein_black_mass", RHEIN_SPEC, "hydrometallurgical", "DE-NW", "black_mass_refinery",
          days=25),
    Route("nordic_pv_crushing", NORDIC_SPEC, "mechanical", "SE-AC", "pv_crushing"),
    Route("nordic_pv_delamination", NORDIC_SPEC, "mechanical", "SE-AC", "pv_delamination",
          refinery="rhein_pv_cells"),
    Route("rhein_pv_cells", RHEIN_SPEC, "hydrometallurgical", "DE-NW", "pv_cell_refinery",
          days=25),
    Route("rhein_thin_film", RHEIN_SPEC, "hydrometallurgical", "DE-NW", "pv_thin_film",
          days=28, offset_days=7),
    Route("nordic_magnets", NORDIC_SPEC, "direct_recycling", "SE-AC", "magnet_hpms"),
    Route("rhein_magnets", RHEIN_SPEC, "hydrometallurgical", "DE-NW", "magnet_hydromet",
          days=28, assay=("Nd", "Pr", "Dy"), offset_days=7),
)}


# The lines that take a category's waste from a year on; a period's products go to them in
# turn. Nordic smelts batteries until its shredder, feeding Rhein's refinery, takes over.
TREATMENT_PLAN: dict[tuple[str, str], tuple[tuple[int, tuple[str, ...]], ...]] = {
    (ProductType.BATTERY, "lithium"): (
        (2022, ("rhein_battery", "nordic_smelter")),
        (2024, ("rhein_battery", "nordic_shredder", "nordic_smelter")),
        (2026, ("rhein_battery", "nordic_shredder")),
    ),
    (ProductType.PV_MODULE, "c_si"): (
        (2022, ("nordic_pv_crushing",)),
        (2024, ("nordic_pv_delamination", "nordic_pv_crushing")),
        (2026, ("nordic_pv_delamination",)),
    ),
    (ProductType.PV_MODULE, "thin_film"): ((2022, ("rhein_thin_film",)),),
    (ProductType.MAGNET, "ndfeb"): (
        (2022, ("rhein_magnets",)),
        (2023, ("nordic_magnets", "rhein_magnets")),
    ),
}
# fmt: on
