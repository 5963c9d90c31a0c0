"""The PerformanceAndDurability aspect: declared technical properties and, from health reports,
the battery's condition."""

from decimal import Decimal

from passports.battery_attributes import BY_NUMBER
from passports.batterypass import mapping as m
from passports.batterypass.builder import (
    IDLE_BOUNDS,
    IDLE_LOSS,
    IDLE_PATH,
    NO_HEALTH,
    Aspects,
    decimal_of,
    health_value,
)
from passports.tiers import allows, battery_attribute_tier


def performance_put(out: Aspects, a: dict, health: dict) -> None:
    p = "PerformanceAndDurability"
    t = "batteryTechicalProperties"
    power = a.get("original_power_capability")
    out.put(
        p,
        f"{t}.originalPowerCapability",
        62,
        [
            {"atSoC": Decimal(80), "powerCapabilityAt": decimal_of(power["at_80_pct_soc_w"])},
            {"atSoC": Decimal(20), "powerCapabilityAt": decimal_of(power["at_20_pct_soc_w"])},
        ]
        if power
        else None,
    )
    for number, name, ours in [
        (65, "ratedMaximumPower", "maximum_permitted_power_w"),
        (66, "powerCapabilityRatio", "power_energy_ratio_w_per_wh"),
        (52, "ratedCapacity", "rated_capacity_ah"),
        (77, "expectedNumberOfCycles", "expected_lifetime_cycles"),
        (71, "initialSelfDischarge", "initial_self_discharge_pct_per_month"),
        (67, "roundtripEfficiency", "initial_round_trip_efficiency_pct"),
        (76, "expectedLifetime", "expected_lifetime_years"),
        (61, "nominalVoltage", "nominal_voltage_v"),
        (59, "minimumVoltage", "minimum_voltage_v"),
        (60, "maximumVoltage", "maximum_voltage_v"),
        (83, "capacityThresholdForExhaustion", "capacity_threshold_for_exhaustion_pct"),
    ]:
        out.put(p, f"{t}.{name}", number, decimal_of(a.get(ours)))
    # Rated energy is not a longlist attribute of its own; it is public like #55.
    out.put(p, f"{t}.ratedEnergy", 55, decimal_of(a.get("rated_energy_kwh")))
    resistance = a.get("initial_internal_resistance")
    out.put(
        p,
        f"{t}.initialInternalResistance",
        74,
        [
            {"ohmicResistance": decimal_of(resistance[ours]) / m.MILLI, "batteryComponent": name}
            for ours, name in m.RESISTANCE_COMPONENTS.items()
            if ours in resistance
        ]
        if resistance
        else None,
    )
    test = a.get("cycle_life_test")
    out.put(p, f"{t}.lifetimeReferenceTest", 79, m.text_uri(test["reference"]) if test else None)
    out.put(p, f"{t}.cRateLifeCycleTest", 80, decimal_of(test["c_rate"]) if test else None)
    _idle_temperature(out, a.get("idle_temperature_range"))
    _condition(out, a, health)


def _idle_temperature(out: Aspects, idle: dict | None) -> None:
    """temperatureRangeIdleState, typed by v1.2.0 as one number in [-20, 60] for a range.

    The upper boundary is given (the one a battery at rest must be kept below), brought into
    the schema's bounds if it lies outside them, and the loss is listed in `missing`; the
    extension carries the range exactly.
    """
    p = "PerformanceAndDurability"
    if idle is None:
        out.put(p, "batteryTechicalProperties.temperatureRangeIdleState", 85, None)
        return
    upper = decimal_of(idle["upper_c"])
    out.put(p, "batteryTechicalProperties.temperatureRangeIdleState", 85,
            min(max(upper, IDLE_BOUNDS[0]), IDLE_BOUNDS[1]))  # fmt: skip
    if allows(out.tier, battery_attribute_tier(BY_NUMBER[85])):
        out.missing.append({"field": IDLE_PATH, "message": IDLE_LOSS.format(
            lower=idle["lower_c"], upper=idle["upper_c"])})  # fmt: skip


def _condition(out: Aspects, a: dict, health: dict) -> None:
    p, c = "PerformanceAndDurability", "batteryCondition"

    def timed(number: int, name: str, key: str, field: str) -> None:
        value, at = health_value(health, field)
        out.put(p, f"{c}.{name}", number, {key: value, "lastUpdate": at} if at else None,
                NO_HEALTH)  # fmt: skip

    def plain(number: int, name: str, field: str) -> None:
        out.put(p, f"{c}.{name}", number, health_value(health, field)[0], NO_HEALTH)

    plain(81, "energyThroughput", "energy_throughput_kwh")
    timed(82, "capacityThroughput", "capacityThroughputValue", "capacity_throughput_ah")
    timed(78, "numberOfFullCycles", "numberOfFullCyclesValue", "full_cycles")
    timed(57, "stateOfCertifiedEnergy", "stateOfCertifiedEnergyValue",
          "state_of_certified_energy_pct")  # fmt: skip
    timed(54, "capacityFade", "capacityFadeValue", "capacity_fade_pct")
    timed(56, "remainingEnergy", "remainingEnergyalue", "remaining_usable_energy_kwh")
    timed(53, "remainingCapacity", "remainingCapacityValue", "remaining_capacity_ah")
    accidents, at = health_value(health, "accidents")
    out.put(p, f"{c}.negativeEvents", 93,
            [{"negativeEvent": text, "lastUpdate": at} for text in accidents] if at else None,
            NO_HEALTH)  # fmt: skip
    times = {
        "timeExtremeHighTemp": "time_above_max_temperature_h",
        "timeExtremeLowTemp": "time_below_min_temperature_h",
        "timeExtremeHighTempCharging": "time_charging_above_max_temperature_h",
        "timeExtremeLowTempCharging": "time_charging_below_min_temperature_h",
    }
    read = {name: health_value(health, field) for name, field in times.items()}
    temperature = None
    if all(at for _, at in read.values()):
        temperature = {name: value for name, (value, _) in read.items()}
        temperature["lastUpdate"] = max(at for _, at in read.values())
    out.put(p, f"{c}.temperatureInformation", 87, temperature, NO_HEALTH)
    power, at = health_value(health, "remaining_power_capability_w")
    soc, _ = health_value(health, "remaining_power_capability_soc_pct")
    out.put(
        p,
        f"{c}.remainingPowerCapability",
        63,
        [
            {
                "remainingPowerCapabilityValue": {
                    "rPCLastUpdated": at,
                    "atSoC": soc,
                    "powerCapabilityAt": power,
                },
                "lastUpdate": at,
            }
        ]
        if at and soc is not None
        else None,
        NO_HEALTH,
    )
    plain(64, "powerFade", "power_fade_pct")
    plain(70, "roundTripEfficiencyFade", "round_trip_efficiency_fade_pct")
    evolution, _ = health_value(health, "self_discharge_evolution_pct")
    out.put(p, f"{c}.evolutionOfSelfDischarge", 73,
            {"evolutionOfSelfDischargeEntityValue": evolution} if evolution is not None else None,
            NO_HEALTH)  # fmt: skip
    timed(72, "currentSelfDischargingRate", "currentSelfDischargingRateEntity",
          "current_self_discharge_pct_per_month")  # fmt: skip
    increases = []
    for field, component in [
        ("internal_resistance_increase_cell_pct", "cell"),
        ("internal_resistance_increase_module_pct", "module"),
        ("internal_resistance_increase_pct", "pack"),
    ]:
        value, at = health_value(health, field)
        if at:
            increases.append({"internalResistanceIncreaseValue": value, "lastUpdate": at,
                              "batteryComponent": component})  # fmt: skip
    out.put(p, f"{c}.internalResistanceIncrease", 75, increases or None, NO_HEALTH)
    out.put(p, f"{c}.roundTripEfficiencyat50PerCentCycleLife", 68,
            decimal_of(a.get("round_trip_efficiency_at_50_pct_cycle_life_pct")))  # fmt: skip
    timed(69, "remainingRoundTripEnergyEfficiency", "remainingRoundTripEnergyEfficiencyValue",
          "remaining_round_trip_efficiency_pct")  # fmt: skip
    timed(58, "stateOfCharge", "stateOfChargeValue", "state_of_charge_pct")
