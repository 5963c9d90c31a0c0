"""Prints a results file as a Markdown table, for the README's Performance section.

python -m bench.report bench/results/<timestamp>.json
"""

import json
import sys


def _number(value) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def markdown(record: dict) -> str:
    machine = record["machine"]
    lines = [
        f"Run of {record['started'][:16]} UTC on {machine['cpu_model']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, load average {machine['load_average_at_start'][0]:.1f} at "
        f"the start; Python {machine['python']}, PostgreSQL {machine['postgresql'].split()[0]}, "
        f"Redis {machine['redis']}.",
        "",
        "| id | figure | value | limit measured in the same run | ratio (IQR) | CPU ratio | goal "
        "| |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for workload in record["workloads"]:
        if "run" in workload and workload["run"] != record["started"][:16]:
            lines.append(f"| {workload['id']} | *(run of {workload['run']} UTC)* | | | | | | |")
        for f in workload["figures"]:
            limit = f"{_number(f['limit'])} {f['limit_name']}" if f["limit"] else "-"
            ratio = "-" if f["ratio"] is None else f"{f['ratio']:.2f}"
            paired = f.get("paired")
            cpu = "-"
            if paired:
                wall = paired["wall_ratio"]
                ratio += f" ({wall['q1']:.2f}-{wall['q3']:.2f}, n={wall['rounds']})"
                if paired["cpu_ratio"]["rounds"]:
                    cpu = f"{paired['cpu_ratio']['median']:.2f}"
            ok = {True: "pass", False: "**miss**", None: ""}[f["passed"]]
            if f.get("invalid"):
                ok = "**INVALID**"
            lines.append(
                f"| {f['workload']} | {f['name']} | {_number(f['value'])} {f['unit']} | {limit} "
                f"| {ratio} | {cpu} | {f['goal']} | {ok} |"
            )
    return "\n".join(lines)


def merged(records: list[dict]) -> dict:
    """The latest run of each workload, in B1..B7 order, with the first record's machine."""
    latest: dict[str, dict] = {}
    for record in sorted(records, key=lambda r: r["started"]):
        for workload in record["workloads"]:
            latest[workload["id"]] = {**workload, "run": record["started"][:16]}
    first = sorted(records, key=lambda r: r["started"])[-1]
    return {**first, "workloads": [latest[k] for k in sorted(latest)]}


if __name__ == "__main__":
    records = []
    for name in sys.argv[1:]:
        with open(name, encoding="utf-8") as results:
            records.append(json.load(results))
    print(markdown(merged(records)))
