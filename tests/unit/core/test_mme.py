"""The MME calculator on hand-checkable cases (shared/data README "handcheck"; CDC 2022 table).

Each case is small enough to check with a pencil: daily dose × factor, summed over the orders
that count. The calculator is compiled from the packaged medication tables alone.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from kbcopy import edit
from spinecare.core.medications.dosing import daily_dose, doses_per_day
from spinecare.core.medications.mme import (
    MmeCalculator,
    assess,
    compile_calculator,
    two_years_before,
)
from spinecare.core.medications.model import (
    ICD10CM,
    Coding,
    Dosage,
    MedicationOrder,
    PatientMedications,
    build,
)
from spinecare.core.medications.results import Kind, MmeAssessment, NotCounted, OrderResult
from spinecare.knowledge import default_kb_path
from spinecare.knowledge.medications import FACTORS, load_medications

AS_OF = dt.date(2025, 6, 1)
OXY10 = "1049683"  # oxycodone hydrochloride 10 MG Oral Tablet
OXY10_ER = "1049502"  # 12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet
OXY_SOLUTION = "1049604"  # oxycodone hydrochloride 1 MG/ML Oral Solution
FENTANYL25 = "245134"  # 72 HR fentanyl 0.025 MG/HR Transdermal System
METHADONE10 = "864706"  # methadone hydrochloride 10 MG Oral Tablet
TRAMADOL50 = "835603"  # tramadol hydrochloride 50 MG Oral Tablet
HYDROMORPHONE2 = "897696"  # hydromorphone hydrochloride 2 MG Oral Tablet
MORPHINE15 = "892582"  # morphine sulfate 15 MG Oral Tablet
MORPHINE10_RECTAL = "892516"  # morphine sulfate 10 MG Rectal Suppository
MEPERIDINE50 = "861467"  # meperidine hydrochloride 50 MG Oral Tablet
BUPRENORPHINE2 = "351264"  # buprenorphine 2 MG Sublingual Tablet
ALPRAZOLAM = "308048"  # alprazolam 0.5 MG Oral Tablet
NALOXONE_SPRAY = "1725059"  # naloxone hydrochloride 40 MG/ML Nasal Spray
IBUPROFEN = "197806"  # not in any SpineCare medication table


@cache
def calculator(factor_set: str = "cdc2022") -> MmeCalculator:
    issues: list = []
    data = load_medications(default_kb_path(), issues)
    assert not issues, issues
    assert data.mme is not None
    return compile_calculator(data.mme, data.products, data.valuesets, factor_set)


def order(
    code: str | None = OXY10,
    *,
    per_day: float | None = 3,
    dose: float | None = 1,
    unit: str | None = "tablet",
    ident: str = "rx",
    **changes: object,
) -> MedicationOrder:
    base = MedicationOrder(
        id=ident,
        rxnorm=code,
        name=f"RxNorm {code}",
        status="active",
        intent="order",
        categories=("community",),
        authored_on=dt.date(2025, 5, 22),
        dosages=(Dosage(per_day, dose, unit),),
        supply_days=30,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def run(*orders: MedicationOrder, factors: str = "cdc2022", **patient: object) -> MmeAssessment:
    record = PatientMedications("p1", tuple(orders), **patient)  # type: ignore[arg-type]
    return assess(calculator(factors), record, as_of=AS_OF)


def only(a: MmeAssessment) -> OrderResult:
    assert len(a.prescriptions) == 1
    return a.prescriptions[0]


# ----------------------------------------------------------------------------- hand checks


def test_oxycodone_10mg_every_8_hours_is_45_mme() -> None:
    """1 tablet of 10 mg every 8 h = 30 mg/day × 1.5 = 45 MME/day (both factor sets)."""
    for factors in ("cdc2022", "cdc2016"):
        a = run(
            order(per_day=doses_per_day(frequency=1, period=8, period_unit="h")), factors=factors
        )
        r = only(a)
        assert (r.daily_dose, r.daily_dose_unit, r.factor, r.mme) == (30, "mg", 1.5, 45)
        assert r.counted
        assert r.ingredient == "oxycodone"
        assert a.total_mme == 45
        assert a.total_complete


def test_dose_in_mg_is_taken_as_written() -> None:
    """A dose of 10 mg (not 1 tablet) three times a day is also 30 mg/day = 45 MME."""
    assert run(order(dose=10, unit="mg")).total_mme == 45
    assert run(order(dose=10000, unit="mcg")).total_mme == 45


def test_fentanyl_25_mcg_per_hour_patch_is_60_mme_whatever_the_interval() -> None:
    """A 25 mcg/hr patch is 25 × 2.4 = 60 MME/day, changed every 72 h or not."""
    for per_day in (1 / 3, 1.0, None):
        a = run(order(FENTANYL25, per_day=per_day, unit="patch"))
        r = only(a)
        assert r.daily_dose == pytest.approx(25)
        assert r.daily_dose_unit == "mcg/h"
        assert r.factor == 2.4
        assert r.mme == pytest.approx(60)
    assert run(order(FENTANYL25, dose=25, unit="mcg/h")).total_mme == pytest.approx(60)
    assert run(order(FENTANYL25, dose=2, unit="{patch}")).total_mme == pytest.approx(120)


@pytest.mark.parametrize(
    ("mg_per_day", "mme_2022", "mme_2016"),
    [
        (30, 141, 240),  # 10 mg every 8 h: 30 × 4.7; 30 × 8
        (20, 94, 80),  # top of the 2016 band 1-20: × 4
        (40, 188, 320),  # top of the band 21-40: × 8
        (60, 282, 600),  # top of the band 41-60: × 10
        (70, 329, 840),  # ≥ 61: × 12
    ],
)
def test_methadone_under_both_factor_sets(
    mg_per_day: float, mme_2022: float, mme_2016: float
) -> None:
    """Methadone: 4.7 in 2022; 4 / 8 / 10 / 12 by the order's mg/day in 2016."""
    methadone = order(METHADONE10, per_day=mg_per_day / 10)
    assert run(methadone).total_mme == pytest.approx(mme_2022)
    assert run(methadone, factors="cdc2016").total_mme == pytest.approx(mme_2016)
    assert run(methadone).flags["methadone_caution"]


def test_tramadol_50mg_every_6_hours() -> None:
    """200 mg/day × 0.2 = 40 MME (2022); × 0.1 = 20 MME (2016)."""
    tramadol = order(TRAMADOL50, per_day=doses_per_day(frequency=1, period=6, period_unit="h"))
    assert run(tramadol).total_mme == 40
    assert run(tramadol, factors="cdc2016").total_mme == 20


def test_hydromorphone_factor_changed_in_2022() -> None:
    """2 mg every 4 h = 12 mg/day: × 5 = 60 (2022), × 4 = 48 (2016)."""
    hm = order(HYDROMORPHONE2, per_day=6)
    assert run(hm).total_mme == 60
    assert run(hm, factors="cdc2016").total_mme == 48


def test_two_identical_orders_both_count() -> None:
    """No de-duplication: two identical 45 MME orders make 90 (the CDC logic counts 45)."""
    a = run(order(ident="a"), order(ident="b"))
    assert [r.counted for r in a.prescriptions] == [True, True]
    assert a.total_mme == 90
    assert a.flags["mme_ge_50"]
    assert a.flags["mme_ge_90"]


def test_liquid_dose_in_ml() -> None:
    """5 mL of 1 mg/mL oxycodone 4 times a day = 20 mg/day = 30 MME."""
    assert run(order(OXY_SOLUTION, per_day=4, dose=5, unit="mL")).total_mme == 30


# ----------------------------------------------------------------------------- what counts


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "stopped"}, NotCounted.NOT_ACTIVE),
        ({"status": "completed"}, NotCounted.NOT_ACTIVE),
        ({"intent": "plan"}, NotCounted.NOT_AN_ORDER),
        ({"categories": ("inpatient",)}, NotCounted.NOT_COMMUNITY),
        ({"categories": ()}, NotCounted.NOT_COMMUNITY),
        ({"authored_on": None}, NotCounted.NO_AUTHORED_DATE),
        ({"authored_on": dt.date(2023, 5, 31)}, NotCounted.AUTHORED_OVER_2_YEARS),
        ({"authored_on": dt.date(2025, 6, 2)}, NotCounted.AUTHORED_AFTER_AS_OF),
    ],
)
def test_orders_that_are_not_current_are_listed_not_counted(
    changes: dict[str, object], reason: str
) -> None:
    """Stopped, planned, inpatient, undated, old or future orders: listed with the reason."""
    a = run(order(**changes))
    r = only(a)
    assert not r.counted
    assert not r.current
    assert r.reason == reason
    assert r.mme == 45  # still worked out, for the clinician to see
    assert a.total_mme == 0
    assert a.total_complete  # not current, so nothing is missing from the total
    assert not any(a.flags.values())


def test_the_two_year_window_is_inclusive() -> None:
    """Authored exactly two years before the evaluation date, or on it: counted."""
    assert run(order(authored_on=dt.date(2023, 6, 1))).total_mme == 45
    assert run(order(authored_on=AS_OF)).total_mme == 45
    assert two_years_before(dt.date(2024, 2, 29)) == dt.date(2022, 2, 28)


def test_as_of_is_a_parameter() -> None:
    """The same order counts on one evaluation date and not on another (no clock)."""
    record = PatientMedications("p1", (order(authored_on=dt.date(2023, 1, 1)),))
    calc = calculator()
    assert assess(calc, record, as_of=dt.date(2024, 1, 1)).total_mme == 45
    assert assess(calc, record, as_of=AS_OF).total_mme == 0


def test_buprenorphine_is_listed_not_counted() -> None:
    """Buprenorphine has no MME factor and is never counted (CDC 2022)."""
    a = run(order(BUPRENORPHINE2, per_day=2))
    r = only(a)
    assert r.kind == Kind.OPIOID
    assert r.ingredient == "buprenorphine"
    assert not r.counted
    assert r.reason == NotCounted.BUPRENORPHINE
    assert r.current
    assert r.mme is None
    assert a.total_mme == 0
    assert a.total_complete
    assert not a.flags["unknown_medication"]


def test_unknown_medicine_is_reported_never_silently_zero() -> None:
    """A code not in the KB: listed as unknown, the total flagged as incomplete."""
    a = run(order(IBUPROFEN), order(ident="oxy"))
    unknown = a.prescriptions[0]
    assert unknown.kind == Kind.UNKNOWN
    assert unknown.reason == NotCounted.UNKNOWN_MEDICINE
    assert not unknown.counted
    assert unknown.current
    assert a.total_mme == 45
    assert not a.total_complete
    assert a.flags["unknown_medication"]
    alert = next(x for x in a.alerts if x.id == "unknown_medication")
    assert "1 current order" in alert.title
    assert f"RxNorm {IBUPROFEN}" in alert.detail
    assert run(order(None)).flags["unknown_medication"]  # no RxNorm code at all


def test_a_second_rxnorm_coding_is_used_when_the_first_is_unknown() -> None:
    assert run(order(IBUPROFEN, other_rxnorm=(OXY10,))).total_mme == 45


def test_opioid_without_a_factor_is_reported() -> None:
    """Meperidine (no CDC factor) and rectal morphine (no factor by that route): incomplete."""
    for code in (MEPERIDINE50, MORPHINE10_RECTAL):
        a = run(order(code))
        r = only(a)
        assert r.reason == NotCounted.NO_FACTOR
        assert r.daily_dose is not None
        assert r.mme is None
        assert a.flags["unknown_medication"]
        assert not a.total_complete


def test_dose_that_cannot_be_worked_out_is_reported() -> None:
    """mL of a tablet, no timing, an unknown unit: the dose is unknown, not zero."""
    for changes in ({"unit": "mL"}, {"per_day": None}, {"unit": "scoop"}, {"dose": None}):
        a = run(order(**changes))  # type: ignore[arg-type]
        assert only(a).reason == NotCounted.DOSE_UNKNOWN
        assert a.flags["unknown_medication"]
    assert run(replace(order(), dosages=())).flags["unknown_medication"]


# ----------------------------------------------------------------------------- flags


def test_thresholds_at_50_and_90() -> None:
    """At or above 50 and 90 MME/day (morphine 15 mg: 45, 60, 90 MME)."""
    below = run(order(MORPHINE15, per_day=3))
    assert below.total_mme == 45
    assert not below.flags["mme_ge_50"]
    at_50 = run(order(MORPHINE15, dose=50, unit="mg", per_day=1))
    assert at_50.flags["mme_ge_50"]
    assert not at_50.flags["mme_ge_90"]
    at_90 = run(order(MORPHINE15, per_day=6))
    assert at_90.flags["mme_ge_50"]
    assert at_90.flags["mme_ge_90"]
    ids = [x.id for x in at_90.alerts]
    assert ids == ["mme_ge_50", "mme_ge_90", "offer_naloxone", "reassess_opioid_start"]
    first = at_90.alerts[0]
    assert first.title.startswith("Total 90 MME/day")
    assert first.severity == "warning"
    assert "src.cdc-2022#recommendation-4" in first.cites


def test_benzodiazepine_with_an_opioid() -> None:
    """Opioid + benzodiazepine: the co-prescription flag, and offer naloxone."""
    a = run(order(), order(ALPRAZOLAM, ident="benzo"))
    benzo = a.prescriptions[1]
    assert benzo.kind == Kind.BENZODIAZEPINE
    assert not benzo.counted
    assert benzo.reason == NotCounted.NOT_AN_OPIOID
    assert a.total_mme == 45
    assert a.flags["has_active_benzodiazepine"]
    assert a.flags["opioid_and_benzodiazepine"]
    assert a.flags["offer_naloxone"]
    alone = run(order(ALPRAZOLAM))
    assert alone.flags["has_active_benzodiazepine"]
    assert not alone.flags["opioid_and_benzodiazepine"]
    stopped = run(order(), order(ALPRAZOLAM, status="stopped"))
    assert not stopped.flags["has_active_benzodiazepine"]


def test_naloxone_present_means_no_offer() -> None:
    a = run(order(per_day=6), order(NALOXONE_SPRAY, ident="n", unit="spray"))
    assert a.flags["mme_ge_90"]
    assert a.flags["has_active_naloxone"]
    assert not a.flags["offer_naloxone"]
    assert a.prescriptions[1].kind == Kind.NALOXONE


def test_substance_use_disorder_means_offer_naloxone() -> None:
    a = run(order(per_day=1), conditions=(Coding(ICD10CM, "F11.20"),))
    assert a.total_mme == 15
    assert a.flags["substance_misuse_history"]
    assert a.flags["offer_naloxone"]


def test_extended_release_and_cautions() -> None:
    a = run(order(OXY10_ER, per_day=2), order(FENTANYL25, ident="f", unit="patch"))
    assert a.flags["extended_release_opioid"]
    assert a.flags["fentanyl_caution"]
    assert a.prescriptions[0].extended_release
    assert a.total_mme == pytest.approx(90)


def test_guideline_exclusion_for_sickle_cell_or_cancer() -> None:
    a = run(order(), conditions=(Coding(ICD10CM, "D57.00"), Coding(ICD10CM, "C50.911")))
    assert a.flags["guideline_exclusion"]
    alert = next(x for x in a.alerts if x.id == "guideline_exclusion")
    assert "sickle cell disease, cancer" in alert.detail
    assert alert.severity == "info"


# ----------------------------------------------------------------------------- rec. 5, 6 and 7


def test_tapering_guidance_with_50_mme_or_more() -> None:
    """CDC 2022 rec. 5 (about 10 % a month, never abruptly) is in the 50 MME/day alert."""
    a = run(order(MORPHINE15, per_day=4, authored_on=dt.date(2025, 1, 1)))
    assert a.total_mme == 60
    alert = next(x for x in a.alerts if x.id == "mme_ge_50")
    assert "10 % per month" in alert.detail
    assert "never stop abruptly" in alert.detail
    assert "src.cdc-2022#recommendation-5" in alert.cites


def test_acute_supply_window_comes_from_the_kb() -> None:
    """More than 7 and less than 28 days (CDS logic), reassess within 28 days: the YAML's."""
    calc = calculator()
    spec = calc.table.flags["acute_supply_long"]
    assert (spec.supply_days_more_than, spec.supply_days_less_than) == (7, 28)
    assert calc.acute_supply == (7, 28)
    assert calc.table.flags["reassess_opioid_start"].within_days == 28
    assert calc.reassess_days == 28


@pytest.mark.parametrize(
    ("supply", "fires"),
    [(10, True), (8, True), (27.5, True), (7, False), (28, False), (30, False), (None, False)],
)
def test_acute_prescription_longer_than_needed(supply: float | None, fires: bool) -> None:
    """CDC 2022 rec. 6, with the CDS window: an acute supply of more than 7 and less than 28
    days fires; 7 days or less, and 28 days or more (subacute or chronic), do not."""
    a = run(order(supply_days=supply, authored_on=dt.date(2025, 1, 1)))
    assert a.total_mme == 45
    assert a.flags["acute_supply_long"] is fires
    assert any(x.id == "acute_supply_long" for x in a.alerts) is fires


def test_acute_supply_alert_text_and_sources() -> None:
    a = run(order(supply_days=10, authored_on=dt.date(2025, 1, 1)))
    [alert] = [x for x in a.alerts if x.id == "acute_supply_long"]
    assert alert.title == "Acute opioid prescription for more than 7 days"
    assert f"RxNorm {OXY10}: 10-day supply" in alert.detail
    assert "not from a 2022 cut-off" in alert.detail
    assert alert.severity == "warning"
    assert alert.cites == ("src.cdc-2022#recommendation-6", "src.cdc-opioid-cds#REC06")


def test_acute_supply_only_for_current_opioids() -> None:
    """A stopped order, a benzodiazepine, or buprenorphine (also OUD treatment): no flag."""
    old = dt.date(2025, 1, 1)
    assert not run(order(supply_days=10, status="stopped")).flags["acute_supply_long"]
    assert not run(order(ALPRAZOLAM, supply_days=10, authored_on=old)).flags["acute_supply_long"]
    bup = run(order(BUPRENORPHINE2, supply_days=10, authored_on=dt.date(2025, 5, 22)))
    assert not bup.flags["acute_supply_long"]
    assert not bup.flags["reassess_opioid_start"]


def test_reassess_within_4_weeks_of_an_opioid_order() -> None:
    """CDC 2022 rec. 7: an order authored 10 days before the evaluation date is due a
    reassessment by authored + 28 days; one authored 60 days before is not flagged."""
    a = run(order(authored_on=AS_OF - dt.timedelta(days=10)))  # 2025-05-22
    assert a.flags["reassess_opioid_start"]
    [alert] = [x for x in a.alerts if x.id == "reassess_opioid_start"]
    assert alert.title == "Reassess benefits and risks by 2025-06-19"
    assert f"RxNorm {OXY10} (authored 2025-05-22, reassess by 2025-06-19)" in alert.detail
    assert "last 28 days" in alert.detail
    assert alert.severity == "info"
    assert alert.cites == ("src.cdc-2022#recommendation-7",)
    old = run(order(authored_on=AS_OF - dt.timedelta(days=60)))
    assert not old.flags["reassess_opioid_start"]
    assert not old.alerts


def test_reassess_window_edges_and_as_of() -> None:
    """28 days before (due today) fires, 29 does not; the window moves with as_of (no clock)."""
    assert run(order(authored_on=AS_OF - dt.timedelta(days=28))).flags["reassess_opioid_start"]
    assert not run(order(authored_on=AS_OF - dt.timedelta(days=29))).flags["reassess_opioid_start"]
    record = PatientMedications("p1", (order(authored_on=dt.date(2025, 3, 1)),))
    calc = calculator()
    assert assess(calc, record, as_of=dt.date(2025, 3, 15)).flags["reassess_opioid_start"]
    assert not assess(calc, record, as_of=AS_OF).flags["reassess_opioid_start"]
    stopped = run(order(status="stopped", authored_on=dt.date(2025, 5, 30)))
    assert not stopped.flags["reassess_opioid_start"]


def test_reassess_lists_every_recent_order_and_the_earliest_due_date() -> None:
    a = run(
        order(ident="a", authored_on=dt.date(2025, 5, 30)),
        order(MORPHINE15, ident="b", name="morphine 15 mg", authored_on=dt.date(2025, 5, 10)),
        order(ident="c", authored_on=dt.date(2024, 1, 1)),  # current, but not recent
    )
    [alert] = [x for x in a.alerts if x.id == "reassess_opioid_start"]
    assert alert.title.endswith("by 2025-06-07")
    assert alert.detail.endswith(
        f"RxNorm {OXY10} (authored 2025-05-30, reassess by 2025-06-27); "
        "morphine 15 mg (authored 2025-05-10, reassess by 2025-06-07)."
    )
    assert a.alerts[-1] is alert  # the reassessment reminder comes last


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    within_days: 28\n", "", "flag 'reassess_opioid_start' needs within_days"),
        ("    supply_days_more_than: 7\n", "", "needs supply_days_more_than"),
        ("supply_days_more_than: 7", "supply_days_more_than: 30", "must be below"),
        (
            "  - id: mme_ge_90\n",
            "  - id: mme_ge_90\n    within_days: 3\n",
            "within_days: not used by 'mme_ge_90'",
        ),
        ('risks by {due}"', 'risks by {due} at {total_mme}"', "bad template field"),
        (
            "Orders: {details}.\n    cites:\n      - src.cdc-2022#recommendation-6",
            "Orders: {details}, {due}.\n    cites:\n      - src.cdc-2022#recommendation-6",
            "bad template field",
        ),
    ],
)
def test_flag_numbers_and_template_fields_are_checked(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    """The KB loader refuses a flag without its numbers, with another flag's, or with a
    template field it cannot fill ({due} is the reassessment's, {total_mme} is not)."""
    for folder in ("medications", "valuesets"):
        shutil.copytree(default_kb_path() / folder, tmp_path / folder)
    edit(tmp_path / FACTORS, old, new)
    issues: list = []
    load_medications(tmp_path, issues)
    assert any(expected in str(i) for i in issues), issues


def test_no_medicines() -> None:
    a = run()
    assert a.total_mme == 0
    assert a.total_complete
    assert not a.alerts
    assert not any(a.flags.values())


# ----------------------------------------------------------------------------- helpers


def test_doses_per_day() -> None:
    assert doses_per_day(frequency=1, period=8, period_unit="h") == 3
    assert doses_per_day(frequency=1, frequency_max=2, period=1, period_unit="d") == 2
    assert doses_per_day(period=6, period_unit="h") == 4  # no frequency: once per period
    assert doses_per_day(frequency=1, period=1, period_unit="wk") == pytest.approx(1 / 7)
    assert doses_per_day(times_of_day=3, frequency=9, period=1, period_unit="d") == 3
    assert doses_per_day(frequency=1, period=8, period_unit="fortnight") is None
    assert doses_per_day(frequency=1) is None
    assert doses_per_day(frequency=1, period=0, period_unit="h") is None


def test_daily_dose_sums_instructions() -> None:
    dosages = (Dosage(2, 1, "tablet"), Dosage(1, 2, "{tbl}"))
    assert daily_dose(10, "MG", dosages) == (40, "mg")
    assert daily_dose(10, "MG", ()) is None
    assert daily_dose(0.025, "MG/HR", (Dosage(None, 1, "mg"),)) is None


def test_build_equals_the_dataclass_constructor() -> None:
    """The fast constructor makes the same frozen object as the generated __init__."""
    made = order()
    fields = {name: getattr(made, name) for name in made.__dataclass_fields__}
    fast = build(MedicationOrder, dict(fields))
    assert fast == made
    assert hash(fast) == hash(made)
    assert repr(fast) == repr(made)
    with pytest.raises(AttributeError):
        fast.status = "stopped"  # type: ignore[misc]


def test_to_dict_has_the_documented_keys() -> None:
    d = run(order(), order(ALPRAZOLAM, ident="b")).to_dict()
    assert {"patient_id", "total_mme", "prescriptions", "flags", "alerts"} <= set(d)
    assert d["as_of"] == "2025-06-01"
    rx = d["prescriptions"][0]
    assert rx["order"]["id"] == "rx"
    assert rx["order"]["authored_on"] == "2025-05-22"
    assert rx["mme"] == 45
    assert rx["counted"] is True
    assert rx["reason"] is None


def test_flags_are_read_only_and_shared() -> None:
    """Results with the same flags share one read-only mapping (memoised)."""
    first, second = run(order(ident="a")), run(order(ident="b"))
    assert first.flags is second.flags
    with pytest.raises(TypeError, match="read-only"):
        first.flags["mme_ge_50"] = True  # type: ignore[index]
    assert first.flags == {**first.flags}
