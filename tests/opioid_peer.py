"""The opioid-peer reference data (``../shared/data/opioid-peer``) and how to compare with it.

Used by the comparison tests and by ``benchmarks/bench_mme.py``. Each ``*.expected.jsonl`` line
gives, for one patient, the counted order ids, their daily doses and MMEs under both factor
sets, the totals, and the benzodiazepine / naloxone / threshold flags (see its README).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

#: ``<repo>/../shared/data/opioid-peer``: the shared folder sits beside the repository.
DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "opioid-peer"
AS_OF = "2025-06-01"
FACTOR_SETS = ("cdc2022", "cdc2016")
TOLERANCE = 0.1  # MME, as the README says


def available(name: str) -> bool:
    return (DATA / f"{name}.ndjson").is_file() and (DATA / f"{name}.expected.jsonl").is_file()


def expected(name: str) -> Iterator[dict[str, Any]]:
    with (DATA / f"{name}.expected.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def compare(result: Mapping[str, Any], exp: Mapping[str, Any], factor_set: str) -> list[str]:
    """Every difference between one ``spinecare mme --json`` line and the expected line."""
    pid = exp["patient_id"]
    problems: list[str] = []

    def differ(what: str, got: object, want: object) -> None:
        problems.append(f"{pid}: {what}: got {got!r}, expected {want!r}")

    if result["patient_id"] != pid:
        differ("patient_id", result["patient_id"], pid)
        return problems
    counted = [p for p in result["prescriptions"] if p["counted"]]
    want = exp["opioid_rx_counted"]
    ids = [p["order"]["id"] for p in counted]
    if ids != [o["id"] for o in want]:
        differ("counted orders", ids, [o["id"] for o in want])
    else:
        for got_rx, want_rx in zip(counted, want, strict=True):
            if got_rx["order"]["rxnorm"] != want_rx["rxnorm"]:
                differ(f"{want_rx['id']}.rxnorm", got_rx["order"]["rxnorm"], want_rx["rxnorm"])
            for key in ("ingredient", "daily_dose_unit"):
                if got_rx[key] != want_rx[key]:
                    differ(f"{want_rx['id']}.{key}", got_rx[key], want_rx[key])
            if abs(got_rx["daily_dose"] - want_rx["daily_dose"]) > 1e-6:
                differ(f"{want_rx['id']}.daily_dose", got_rx["daily_dose"], want_rx["daily_dose"])
            if abs(got_rx["mme"] - want_rx[f"mme_{factor_set}"]) > TOLERANCE:
                differ(f"{want_rx['id']}.mme", got_rx["mme"], want_rx[f"mme_{factor_set}"])
    total = exp[f"total_mme_{factor_set}"]
    if abs(result["total_mme"] - total) > TOLERANCE:
        differ("total_mme", result["total_mme"], total)
    flags = result["flags"]
    pairs = [
        ("has_active_benzodiazepine", "has_active_benzodiazepine"),
        ("has_active_naloxone", "has_active_naloxone"),
        ("opioid_and_benzodiazepine", "opioid_and_benzodiazepine"),
    ]
    if factor_set == "cdc2022":
        pairs += [("mme_ge_50", "ge_50_mme_cdc2022"), ("mme_ge_90", "ge_90_mme_cdc2022")]
    for ours, theirs in pairs:
        if flags[ours] != exp[theirs]:
            differ(f"flags.{ours}", flags[ours], exp[theirs])
    if factor_set == "cdc2016":  # thresholds of the 2016 totals, derived from them
        for ours, limit in (("mme_ge_50", 50), ("mme_ge_90", 90)):
            if flags[ours] != (total >= limit):
                differ(f"flags.{ours}", flags[ours], total >= limit)
    return problems
