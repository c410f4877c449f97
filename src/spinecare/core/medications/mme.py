"""Total daily morphine milligram equivalents (MME) and the CDC 2022 opioid-safety flags.

Pure: ``calculate_mme(patient, kb, as_of=…, factor_set=…)`` reads no clock, no files.

Which orders count (shared/data/README.md, after the CDC opioid CDS logic): an opioid order
counts toward the current total when it is ``status = active``, ``intent = order``, category
``community``, and authored within two years before ``as_of`` (inclusive, not after ``as_of``).
Every order is listed with its daily dose, factor and MME; the ones that do not count say why.
Buprenorphine is never counted. Identical orders are each counted (no de-duplication). An order
whose medicine, factor or dose is unknown is reported and raises ``unknown_medication``: it is
never counted as zero without saying so.

Two flags look at single current opioid orders (buprenorphine aside), with the numbers from the
KB: ``acute_supply_long`` when the expected supply is in the CDS logic's acute window (more than
7 and less than 28 days; CDC 2022 rec. 6), and ``reassess_opioid_start`` when the order was
authored within the last 28 days of ``as_of`` (CDC 2022 rec. 7: evaluate within 1-4 weeks of a
start or an escalation), with the date each reassessment is due.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spinecare.core.errors import UserError
from spinecare.core.medications.dosing import MCG_PER_H, MG, daily_dose
from spinecare.core.medications.model import (
    RXNORM,
    FactorSet,
    FlagSpec,
    MedicationOrder,
    MmeFactor,
    MmeTable,
    OpioidProduct,
    PatientMedications,
    ValueSet,
    build,
)
from spinecare.core.medications.results import (
    INCOMPLETE,
    REASON_TEXT,
    Alert,
    Kind,
    MmeAssessment,
    NotCounted,
    OrderResult,
    ReadOnlyFlags,
)

if TYPE_CHECKING:
    from spinecare.core.knowledge_base import KnowledgeBase


# Value sets the calculator reads (the KB loader checks they exist).
VS_BENZODIAZEPINE = "benzodiazepine-medications"
VS_NALOXONE = "naloxone-medications"
VS_BUPRENORPHINE = "buprenorphine-medications"
VS_METHADONE = "methadone-medications"
VS_FENTANYL = "fentanyl-type-medications"
VS_OPIOID = "opioid-analgesics-with-ambulatory-misuse-potential"
VS_EXTENDED_RELEASE = "extended-release-opioid-with-ambulatory-misuse-potential"
EXCLUSION_CONDITIONS: Mapping[str, str] = {
    "sickle-cell-diseases": "sickle cell disease",
    "cdc-malignant-cancer-conditions": "cancer",
    "limited-life-expectancy-conditions": "limited life expectancy",
}
MISUSE_CONDITIONS: Mapping[str, str] = {
    "opioid-misuse-disorders": "opioid misuse or use disorder",
    "conditions-documenting-substance-misuse": "substance misuse",
}
REQUIRED_VALUESETS = (
    VS_BENZODIAZEPINE,
    VS_NALOXONE,
    VS_BUPRENORPHINE,
    VS_METHADONE,
    VS_FENTANYL,
    VS_OPIOID,
    VS_EXTENDED_RELEASE,
    *EXCLUSION_CONDITIONS,
    *MISUSE_CONDITIONS,
)

#: Flags the calculator raises; each needs a description in ``mme-factors.yaml``.
FLAG_IDS = (
    "mme_ge_50",
    "mme_ge_90",
    "opioid_and_benzodiazepine",
    "offer_naloxone",
    "methadone_caution",
    "fentanyl_caution",
    "extended_release_opioid",
    "acute_supply_long",
    "unknown_medication",
    "guideline_exclusion",
    "reassess_opioid_start",  # last: its alert is appended to the memoised ones
)
THRESHOLD_FLAGS = ("mme_ge_50", "mme_ge_90")
ACUTE_SUPPLY_FLAG = "acute_supply_long"
REASSESS_FLAG = "reassess_opioid_start"
#: The numbers each flag needs in ``mme-factors.yaml`` (FlagSpec fields); others take none.
FLAG_NUMBERS: Mapping[str, tuple[str, ...]] = {
    **dict.fromkeys(THRESHOLD_FLAGS, ("threshold_mme",)),
    ACUTE_SUPPLY_FLAG: ("supply_days_more_than", "supply_days_less_than"),
    REASSESS_FLAG: ("within_days",),
}


def flag_template_fields(flag_id: str) -> tuple[str, ...]:
    """The template fields a flag's title and detail may use.

    ``{total_mme}``, ``{count}`` and ``{details}``, and the flag's own numbers (e.g.
    ``{threshold_mme}``); ``reassess_opioid_start``: ``{details}``, ``{due}`` (the earliest date
    a reassessment is due) and ``{within_days}`` only (its text is per patient, not per total).
    """
    common = ("details", "due") if flag_id == REASSESS_FLAG else ("total_mme", "count", "details")
    return (*common, *FLAG_NUMBERS.get(flag_id, ()))


#: Facts reported beside the flags (not alerts).
STATE_IDS = ("has_active_benzodiazepine", "has_active_naloxone", "substance_misuse_history")

_EPSILON = 1e-9  # a total within this of a threshold is at the threshold (float sums)


@dataclass(frozen=True, slots=True)
class Drug:
    """What the calculator knows about one RxNorm code, under one factor set (precompiled)."""

    kind: str
    ingredient: str | None = None
    product: OpioidProduct | None = None
    factor: MmeFactor | None = None
    excluded: str | None = None  # a NotCounted reason that holds whenever the order is current
    note: str = ""
    extended_release: bool = False
    methadone: bool = False
    fentanyl: bool = False
    # an opioid whose current orders the rec. 6 and 7 flags look at: every opioid except
    # buprenorphine (not counted, and also a treatment for opioid use disorder, rec. 12)
    opioid_therapy: bool = False


@dataclass(frozen=True)
class MmeCalculator:
    """The KB's medication tables compiled for one factor set: one dict lookup per order."""

    factor_set: FactorSet
    table: MmeTable
    drugs: Mapping[str, Drug]
    conditions: Mapping[tuple[str, str], tuple[bool, str]]  # → (is exclusion, label)
    kb_version: str = ""
    kb_hash: str = ""
    alert_cache: dict[tuple[str, str, str, int], Alert] = field(default_factory=dict)
    table_ref: str = ""  # the table's id@version, recorded with every result
    thresholds: tuple[tuple[str, float], ...] = ()  # (flag id, MME/day), from the table
    flag_numbers: Mapping[str, dict[str, str]] = field(default_factory=dict)  # _flag_values()
    acute_supply: tuple[float, float] | None = None  # (more than, less than) days, from the table
    reassess_days: int | None = None  # reassess within this many days of authoring
    # as_of → (two years before, first authored date that is due a reassessment)
    earliest_cache: dict[dt.date, tuple[dt.date, dt.date]] = field(default_factory=dict)
    # authored → (" (authored …, reassess by …)", due date)
    due_cache: dict[dt.date, tuple[str, str]] = field(default_factory=dict)
    reassess_cache: dict[tuple[str, dt.date], Alert] = field(default_factory=dict)
    outcome_cache: dict[tuple[Any, ...], tuple[ReadOnlyFlags, tuple[Alert, ...]]] = field(
        default_factory=dict
    )

    def assess(self, patient: PatientMedications, *, as_of: dt.date) -> MmeAssessment:
        return assess(self, patient, as_of=as_of)


def two_years_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 2, day=28)


def compile_calculator(
    table: MmeTable,
    products: Mapping[str, OpioidProduct],
    valuesets: Mapping[str, ValueSet],
    factor_set: str | None = None,
    *,
    kb_version: str = "",
    kb_hash: str = "",
) -> MmeCalculator:
    """Precompile the per-code lookup for ``factor_set`` (default: the table's default)."""
    set_id = factor_set or table.default_set
    if set_id not in table.sets:
        raise UserError(
            f"unknown factor set '{set_id}'; known: {', '.join(sorted(table.sets))}",
            field="--factors",
        )
    fs = table.sets[set_id]

    def rx(vs_id: str) -> frozenset[str]:
        vs = valuesets.get(vs_id)
        return vs.codes_for(RXNORM) if vs else frozenset()

    er, methadone, fentanyl = rx(VS_EXTENDED_RELEASE), rx(VS_METHADONE), rx(VS_FENTANYL)
    buprenorphine = rx(VS_BUPRENORPHINE)
    drugs: dict[str, Drug] = {}
    # Opioids known only by a value set: we know it is an opioid, not its strength.
    for code in rx(VS_OPIOID) | methadone | fentanyl | er | buprenorphine:
        bup = code in buprenorphine
        drugs[code] = Drug(
            Kind.OPIOID,
            excluded=NotCounted.BUPRENORPHINE if bup else NotCounted.UNKNOWN_MEDICINE,
            note="" if bup else "an opioid whose strength is not in the KB product table",
            extended_release=code in er,
            methadone=code in methadone,
            fentanyl=code in fentanyl,
            opioid_therapy=not bup,
        )
    # Naloxone as rescue medication: the CDC value set also holds buprenorphine/naloxone
    # (e.g. Suboxone), whose naloxone is not for overdose reversal; those stay opioids.
    for code in rx(VS_NALOXONE) - buprenorphine - products.keys():
        drugs.setdefault(code, Drug(Kind.NALOXONE))
    for code in rx(VS_BENZODIAZEPINE):
        drugs[code] = Drug(Kind.BENZODIAZEPINE)
    for code, product in products.items():
        drugs[code] = _opioid(product, fs, table, er, methadone, fentanyl, buprenorphine)
    conditions: dict[tuple[str, str], tuple[bool, str]] = {}
    for groups, exclusion in ((MISUSE_CONDITIONS, False), (EXCLUSION_CONDITIONS, True)):
        for vs_id, label in groups.items():
            vs = valuesets.get(vs_id)
            for system, codes in vs.codes.items() if vs else ():
                for code in codes:
                    conditions[(system, code)] = (exclusion, label)
    thresholds = tuple(
        (fid, spec.threshold_mme)
        for fid in THRESHOLD_FLAGS
        if (spec := table.flags.get(fid)) is not None and spec.threshold_mme is not None
    )
    acute = table.flags.get(ACUTE_SUPPLY_FLAG)
    reassess = table.flags.get(REASSESS_FLAG)
    return MmeCalculator(
        fs,
        table,
        drugs,
        conditions,
        kb_version,
        kb_hash,
        table_ref=table.ref,
        thresholds=thresholds,
        flag_numbers={fid: _flag_values(spec) for fid, spec in table.flags.items()},
        acute_supply=(
            (acute.supply_days_more_than, acute.supply_days_less_than)
            if acute is not None
            and acute.supply_days_more_than is not None
            and acute.supply_days_less_than is not None
            else None
        ),
        reassess_days=reassess.within_days if reassess is not None else None,
    )


def _opioid(
    p: OpioidProduct,
    fs: FactorSet,
    table: MmeTable,
    er: frozenset[str],
    methadone: frozenset[str],
    fentanyl: frozenset[str],
    buprenorphine: frozenset[str],
) -> Drug:
    route = table.routes.get(p.dose_form, "")
    factor = fs.factors.get((p.ingredient, route))
    excluded: str | None = None
    note = ""
    if p.ingredient in fs.not_counted or p.rxcui in buprenorphine:
        excluded = NotCounted.BUPRENORPHINE
        why = fs.not_counted.get(p.ingredient)
        note = why.reason if why else ""
    elif factor is None:
        excluded = NotCounted.NO_FACTOR
        why = fs.no_factor.get(p.ingredient)
        note = why.reason if why else f"{fs.title}: none for {p.ingredient} by the {route} route"
    return Drug(
        Kind.OPIOID,
        ingredient=p.ingredient,
        product=p,
        factor=factor,
        excluded=excluded,
        note=note,
        extended_release=p.rxcui in er,
        methadone=p.ingredient == "methadone" or p.rxcui in methadone,
        fentanyl=p.ingredient == "fentanyl" or p.rxcui in fentanyl,
        opioid_therapy=excluded != NotCounted.BUPRENORPHINE,
    )


_UNKNOWN = Drug(Kind.UNKNOWN, excluded=NotCounted.UNKNOWN_MEDICINE)
_PER_UNIT = {"mg/day": MG, "mcg/h": MCG_PER_H}
_NO_FLAGS = dict.fromkeys((*FLAG_IDS, *STATE_IDS), False)
_ALERT_CACHE_SIZE = 4096
_REASSESS_CACHE_SIZE = 1024  # reassessment alerts: long texts, one per (medicine, date)
_new = object.__new__
_set = object.__setattr__
_ROUNDED: dict[float, float] = {}  # x → round(x, 6): daily doses and MMEs repeat a lot
_SHOWN: dict[float, str] = {}  # x → _fmt(x)


def _round6(value: float) -> float:
    """``round(value, 6)``, memoised (``_ROUNDED.get(x) or _round6(x)`` on the hot path)."""
    rounded = round(value, 6)
    if len(_ROUNDED) >= _ALERT_CACHE_SIZE:
        _ROUNDED.clear()
    _ROUNDED[value] = rounded
    return rounded


def _currency(order: MedicationOrder, as_of: dt.date, earliest: dt.date) -> str | None:
    if order.status != "active":
        return NotCounted.NOT_ACTIVE
    if order.intent != "order":
        return NotCounted.NOT_AN_ORDER
    if "community" not in order.categories:
        return NotCounted.NOT_COMMUNITY
    authored = order.authored_on
    if authored is None:
        return NotCounted.NO_AUTHORED_DATE
    if authored < earliest:
        return NotCounted.AUTHORED_OVER_2_YEARS
    if authored > as_of:
        return NotCounted.AUTHORED_AFTER_AS_OF
    return None


def _label(order: MedicationOrder) -> str:
    if order.name:
        return order.name
    return f"RxNorm {order.rxnorm}" if order.rxnorm else f"order {order.id}"


def assess(calc: MmeCalculator, patient: PatientMedications, *, as_of: dt.date) -> MmeAssessment:
    """Assess one patient's orders as of ``as_of`` with a compiled calculator.

    Written for speed (it runs for every patient of a file): one pass over the orders, the
    currency rule, the daily dose and factor inline, the flags' inputs gathered on the way.
    """
    windows = calc.earliest_cache.get(as_of)
    if windows is None:
        if len(calc.earliest_cache) > 64:
            calc.earliest_cache.clear()
        days = calc.reassess_days
        start = as_of - dt.timedelta(days=days) if days is not None else dt.date.max
        windows = calc.earliest_cache[as_of] = (two_years_before(as_of), start)
    earliest, recent_from = windows
    shortest, longest = calc.acute_supply or (math.inf, -math.inf)
    acute: list[tuple[MedicationOrder, float]] = []  # (order, supply days)
    recent: list[tuple[MedicationOrder, dt.date]] = []  # (order, authored on)
    drugs = calc.drugs
    results: list[OrderResult] = []
    total = 0.0
    opioid = naloxone = False
    benzo: list[str] = []
    cautions: dict[str, list[str]] = {}
    incomplete: list[str] = []
    for order in patient.orders:
        code = order.rxnorm
        drug = drugs.get(code) if code is not None else None
        if drug is None:
            drug = next((drugs[c] for c in order.other_rxnorm if c in drugs), _UNKNOWN)
        authored = order.authored_on
        if (
            order.status == "active"
            and order.intent == "order"
            and "community" in order.categories
            and authored is not None
            and earliest <= authored <= as_of
        ):
            reason = None  # the usual case, inline; _currency says why not
        else:
            reason = _currency(order, as_of, earliest)
        current = reason is None
        kind = drug.kind
        dose = factor = mme = None
        unit = None
        note = drug.note
        if kind == Kind.OPIOID:
            product = drug.product
            computed = (
                daily_dose(product.strength, product.strength_unit, order.dosages)
                if product is not None
                else None
            )
            if computed is not None:
                dose, unit = computed
                f = drug.factor
                if f is not None:
                    if _PER_UNIT.get(f.per) == unit:
                        factor = f.factor_for(dose)
                        mme = dose * factor
                    elif current:
                        reason = NotCounted.NO_FACTOR
                        note = f"the factor is per {f.per}, the dose is in {unit}"
            elif current and drug.excluded is None:
                reason = NotCounted.DOSE_UNKNOWN
            if reason is None:
                reason = drug.excluded
            if current:
                opioid = True
                if drug.methadone:
                    cautions.setdefault("methadone_caution", []).append(_label(order))
                if drug.fentanyl:
                    cautions.setdefault("fentanyl_caution", []).append(_label(order))
                if drug.extended_release:
                    cautions.setdefault("extended_release_opioid", []).append(_label(order))
                if drug.opioid_therapy:
                    supply = order.supply_days
                    if supply is not None and shortest < supply < longest:
                        acute.append((order, supply))
                    if authored is not None and authored >= recent_from:
                        recent.append((order, authored))
        elif current:
            if kind == Kind.BENZODIAZEPINE:
                benzo.append(_label(order))
                reason = NotCounted.NOT_AN_OPIOID
            elif kind == Kind.NALOXONE:
                naloxone = True
                reason = NotCounted.NOT_AN_OPIOID
            else:
                reason = drug.excluded
        if current and reason is not None and reason in INCOMPLETE:
            incomplete.append(f"{_label(order)} ({REASON_TEXT[reason]})")
        if reason is None and mme is not None:
            total += mme
        result = _new(OrderResult)  # build(OrderResult, {...}), inline
        _set(
            result,
            "__dict__",
            {
                "order": order,
                "kind": kind,
                "ingredient": drug.ingredient,
                "current": current,
                "counted": reason is None,
                "reason": reason,
                "daily_dose": None if dose is None else _ROUNDED.get(dose) or _round6(dose),
                "daily_dose_unit": unit,
                "factor": factor,
                "mme": None if mme is None else _ROUNDED.get(mme) or _round6(mme),
                "extended_release": drug.extended_release,
                "note": note,
            },
        )
        results.append(result)
    exclusions: list[str] = []
    misuse = False
    for c in patient.conditions:
        hit = calc.conditions.get((c.system, c.code))
        if hit is not None:
            if not hit[0]:
                misuse = True
            elif hit[1] not in exclusions:
                exclusions.append(hit[1])
    return _finish(calc, patient, as_of, total, results, opioid, naloxone, benzo, misuse,
                   cautions, incomplete, exclusions, acute, recent)  # fmt: skip


def _finish(
    calc: MmeCalculator,
    patient: PatientMedications,
    as_of: dt.date,
    total: float,
    results: list[OrderResult],
    opioid: bool,
    naloxone: bool,
    benzo: list[str],
    misuse: bool,
    cautions: dict[str, list[str]],
    incomplete: list[str],
    exclusions: list[str],
    acute: list[tuple[MedicationOrder, float]],
    recent: list[tuple[MedicationOrder, dt.date]],
) -> MmeAssessment:
    fired: dict[str, str] = {}
    for fid, threshold in calc.thresholds:
        if total >= threshold - _EPSILON:
            fired[fid] = ""
    if opioid and benzo:
        fired["opioid_and_benzodiazepine"] = ", ".join(benzo)
    if opioid and not naloxone:
        risks = []
        if "mme_ge_50" in fired:
            risks.append(f"total {_fmt(total)} MME/day")
        if benzo:
            risks.append("a benzodiazepine")
        if misuse:
            risks.append("a recorded substance misuse or use disorder")
        if risks:
            fired["offer_naloxone"] = ", ".join(risks)
    for fid, labels in cautions.items():
        fired[fid] = ", ".join(labels)
    if acute:
        fired[ACUTE_SUPPLY_FLAG] = "; ".join(f"{_label(o)}: {_fmt(d)}-day supply" for o, d in acute)
    if incomplete:
        fired["unknown_medication"] = "; ".join(incomplete)
    if exclusions:
        fired["guideline_exclusion"] = ", ".join(exclusions)
    # Flags and alerts depend only on these; most patients share a few combinations, so the
    # (read-only) flags mapping and the alerts tuple are memoised per combination. The
    # reassessment alert names each patient's own orders and dates: it is made apart (memoised
    # by its text) and appended, so that it does not split the memo.
    shown = _fmt(total) if fired else ""
    reassess = bool(recent)
    key = (tuple(fired.items()), shown, len(incomplete), bool(benzo), naloxone, misuse, reassess)
    cached = calc.outcome_cache.get(key)
    if cached is None:
        cached = _outcome(calc, fired, shown, len(incomplete), bool(benzo), naloxone, misuse,
                          reassess)  # fmt: skip
        if len(calc.outcome_cache) >= _ALERT_CACHE_SIZE:
            calc.outcome_cache.clear()
        calc.outcome_cache[key] = cached
    flags, alerts = cached
    if reassess:
        alerts = (*alerts, _reassess_alert(calc, recent))
    return build(
        MmeAssessment,
        {
            "patient_id": patient.patient_id,
            "as_of": as_of,
            "factor_set": calc.factor_set.id,
            "total_mme": _ROUNDED.get(total) or _round6(total),
            "total_complete": not incomplete,
            "prescriptions": tuple(results),
            "flags": flags,
            "alerts": alerts,
            "kb_version": calc.kb_version,
            "kb_hash": calc.kb_hash,
            "table": calc.table_ref,
        },
    )


def _outcome(
    calc: MmeCalculator,
    fired: dict[str, str],
    shown: str,
    count: int,
    benzo: bool,
    naloxone: bool,
    misuse: bool,
    reassess: bool,
) -> tuple[ReadOnlyFlags, tuple[Alert, ...]]:
    values = dict(_NO_FLAGS)
    for fid in fired:
        values[fid] = True
    values[REASSESS_FLAG] = reassess
    values["has_active_benzodiazepine"] = benzo
    values["has_active_naloxone"] = naloxone
    values["substance_misuse_history"] = misuse
    specs = calc.table.flags
    alerts = tuple(
        _alert(calc, specs[fid], shown, count, details)
        for fid, details in sorted(fired.items(), key=_flag_order)
    )
    return ReadOnlyFlags(values), alerts


_FLAG_RANK = {fid: i for i, fid in enumerate(FLAG_IDS)}


def _flag_order(item: tuple[str, str]) -> int:
    return _FLAG_RANK[item[0]]


def _fmt(value: float) -> str:
    """A number as alert texts show it: one decimal at most (memoised)."""
    shown = _SHOWN.get(value)
    if shown is None:
        if len(_SHOWN) >= _ALERT_CACHE_SIZE:
            _SHOWN.clear()
        shown = _SHOWN[value] = f"{round(value, 1):g}"
    return shown


def _due(calc: MmeCalculator, authored: dt.date) -> tuple[str, str]:
    """``(" (authored <date>, reassess by <date>)", "<due date>")`` for an order (memoised)."""
    text = calc.due_cache.get(authored)
    if text is None:
        if len(calc.due_cache) >= _ALERT_CACHE_SIZE:
            calc.due_cache.clear()
        due = (authored + dt.timedelta(days=calc.reassess_days or 0)).isoformat()
        text = calc.due_cache[authored] = (
            f" (authored {authored.isoformat()}, reassess by {due})",
            due,
        )
    return text


def _reassess_alert(calc: MmeCalculator, recent: list[tuple[MedicationOrder, dt.date]]) -> Alert:
    """``reassess_opioid_start``: each recent order with its due date; the earliest in the title.

    Most patients have one recent order: that alert is memoised by (medicine, date), in a small
    table of its own (the texts are long and many, so they stay out of ``alert_cache``).
    """
    spec = calc.table.flags[REASSESS_FLAG]
    if len(recent) != 1:
        details = "; ".join(_label(o) + _due(calc, day)[0] for o, day in recent)
        first = min(day for _, day in recent)
        return _new_alert(calc, spec, {"details": details, "due": _due(calc, first)[1]})
    order, day = recent[0]
    key = (_label(order), day)
    alert = calc.reassess_cache.get(key)
    if alert is None:
        text, due = _due(calc, day)
        alert = _new_alert(calc, spec, {"details": key[0] + text, "due": due})
        if len(calc.reassess_cache) >= _REASSESS_CACHE_SIZE:
            calc.reassess_cache.clear()
        calc.reassess_cache[key] = alert
    return alert


def _flag_values(spec: FlagSpec) -> dict[str, str]:
    """The template fields for a flag's own numbers (``{threshold_mme}``, ``{within_days}``…)."""
    return {
        name: _fmt(value)
        for name in FLAG_NUMBERS.get(spec.id, ())
        if (value := getattr(spec, name)) is not None
    }


def _new_alert(calc: MmeCalculator, spec: FlagSpec, values: dict[str, Any]) -> Alert:
    """The alert of ``spec`` with its template fields filled from ``values`` and its own numbers."""
    values.update(calc.flag_numbers.get(spec.id) or _flag_values(spec))
    return build(
        Alert,
        {
            "id": spec.id,
            "severity": spec.severity,
            "title": spec.title.format_map(values),
            "detail": spec.detail.format_map(values),
            "cites": spec.cites,
        },
    )


def _alert(calc: MmeCalculator, spec: FlagSpec, total: str, count: int, details: str) -> Alert:
    """The alert text for one flag (memoised: most patients share a few texts)."""
    key = (spec.id, total, details, count)
    cache = calc.alert_cache
    alert = cache.get(key)
    if alert is None:
        alert = _new_alert(calc, spec, {"total_mme": total, "count": count, "details": details})
        if len(cache) >= _ALERT_CACHE_SIZE:
            cache.clear()
        cache[key] = alert
    return alert


def calculator_for(kb: KnowledgeBase, factor_set: str | None = None) -> MmeCalculator:
    """The compiled calculator for ``kb`` and ``factor_set``, built once per KB object."""
    if kb.mme_factors is None:
        raise UserError("this knowledge base has no MME conversion table (medications/)")
    key = factor_set or kb.mme_factors.default_set
    cache: dict[str, MmeCalculator] = kb.__dict__.setdefault("_mme_calculators", {})
    if key not in cache:
        cache[key] = compile_calculator(
            kb.mme_factors,
            kb.opioid_products,
            kb.valuesets,
            key,
            kb_version=kb.version,
            kb_hash=kb.content_hash,
        )
    return cache[key]


def calculate_mme(
    patient: PatientMedications,
    kb: KnowledgeBase,
    *,
    as_of: dt.date,
    factor_set: str | None = None,
) -> MmeAssessment:
    """Total MME/day and opioid-safety flags for one patient as of ``as_of``."""
    return assess(calculator_for(kb, factor_set), patient, as_of=as_of)
