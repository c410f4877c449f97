"""``follow_up(episode, kb, as_of=...) -> FollowUpReport``: response, red flags, proposals.

Pure: no I/O, no clock. Order of work:
1. Red flags first: the baseline record is evaluated at its date, the baseline merged with every
   visit's new findings (and questionnaires) is evaluated at the latest visit; a red flag that is
   new, or more urgent than at baseline, makes the report re-open the evaluation and lead.
2. Outcomes: each instrument with a minimal important change (``kb.instruments[id].mic``) that
   was measured at baseline and at a visit is compared with baseline and with the previous
   measurement, in the direction of ``tables/follow-up.yaml`` outcomes.
3. Episode status, from the outcome classes (definitions in the same table).
4. Facts for the ``followup_adjustment`` rules (declared in facts/followup.yaml), the rules,
   the goals of the baseline plan, and the schedule of contacts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spinecare.core.errors import UserError
from spinecare.core.evaluation.assessment import URGENCY_ORDER, Assessment, Basis, DataNeeded
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord, QuestionnaireResult
from spinecare.core.facts import normalise_facts
from spinecare.core.followup.episode import Episode, FollowUpVisit
from spinecare.core.followup.model import (
    Adjustment,
    Contact,
    FollowUpReport,
    GoalProgress,
    OutcomeChange,
    ProcedureRelief,
    RedFlagChange,
)
from spinecare.core.instruments.scoring import score, score_total
from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.core.rules import RuleResult, run_rules

CATEGORY = "followup_adjustment"
TABLE = "follow-up"
POOR_RESPONSES = frozenset({"no_effect", "worse", "not_tolerated"})
HOLD_URGENCIES = ("emergency", "urgent")
# Display order of proposals: safety first, then changes, then continuing and discharge.
ACTION_ORDER = (
    "reopen-evaluation",
    "review-worsening",
    "reassess-opioid",
    "step-down",
    "step-up",
    "progress-exercise",
    "continue",
    "discharge",
)
ACTIONS = frozenset(ACTION_ORDER)
_ROUND = 6


# ------------------------------------------------------------------ change against the MIC


def classify_change(
    baseline: float,
    current: float,
    *,
    mic_points: float | None,
    mic_percent: float | None,
    higher_is_worse: bool,
) -> str:
    """``improved`` / ``worse`` when the change reaches the MIC (points, or percent of the
    reference value), else ``no-important-change``. Either criterion suffices (Ostelo 2008:
    "10 points or 30 %"); a change below both is never important."""
    gain = (baseline - current) if higher_is_worse else (current - baseline)
    size = round(abs(gain), _ROUND)
    if size == 0:
        return "no-important-change"
    important = mic_points is not None and size >= mic_points
    if not important and mic_percent is not None and baseline > 0:
        important = round(size * 100 / baseline, _ROUND) >= mic_percent
    if not important:
        return "no-important-change"
    return "improved" if gain > 0 else "worse"


def _percent(change: float, reference: float) -> float | None:
    return round(change * 100 / reference, 1) if reference else None


# ------------------------------------------------------------------ main entry


def follow_up(
    episode: Episode, kb: KnowledgeBase, *, as_of: dt.date | None = None
) -> FollowUpReport:
    base = episode.baseline
    if base.evaluation_date is None:
        raise UserError(
            "the baseline record needs its evaluation_date", field="baseline.evaluation_date"
        )
    b_date = base.evaluation_date
    visits = sorted(
        (v for v in episode.visits if as_of is None or v.date <= as_of), key=lambda v: v.date
    )
    for i, v in enumerate(episode.visits):
        if v.date < b_date:
            raise UserError(
                "a follow-up visit is dated before the baseline", field=f"visits.{i}.date"
            )
    latest = visits[-1] if visits else None
    as_of = as_of or (latest.date if latest else b_date)
    table: Mapping[str, Any] = kb.tables.get(TABLE, {})
    profile = kb.profile(base.profile).id

    # Score the questionnaires first, so that a bad score names its place in the episode.
    outcomes = _outcomes(kb, table, base, visits)
    baseline_a = evaluate(base, kb, as_of=b_date)
    merged = merge_findings(base, visits)
    follow_a = (
        evaluate(merged, kb, as_of=latest.date if latest else b_date) if latest else baseline_a
    )
    red_flags = _red_flag_changes(baseline_a, follow_a) if latest else ()

    status, reason = episode_status(outcomes, table)
    facts = _facts(kb, table, episode, visits, follow_a, outcomes, status, red_flags, b_date)
    rules = kb.rules_for(profile, CATEGORY)
    results = run_rules(rules, facts)
    adjustments = _adjustments(kb, table, results, red_flags, visits)
    goals = _goals(kb, baseline_a, outcomes, visits)
    schedule = build_schedule(table, episode, base, visits, as_of)
    relief = _relief(table, episode, visits)
    needed = _data_needed(kb, follow_a, results)
    return FollowUpReport(
        patient_id=base.patient_id,
        as_of=as_of.isoformat(),
        profile=profile,
        baseline_date=b_date.isoformat(),
        visit_date=latest.date.isoformat() if latest else None,
        weeks_since_baseline=round((latest.date - b_date).days / 7, 1) if latest else None,
        red_flags=red_flags,
        outcomes=outcomes,
        episode_status=status,
        episode_status_reason=reason,
        adjustments=adjustments,
        goals=goals,
        schedule=schedule,
        procedure_relief=relief,
        data_needed=needed,
        facts=dict(facts),
        kb_version=kb.version,
        rules_fired=tuple(r.rule.ref for r in results if r.fired),
        rules_undecided=tuple(r.rule.ref for r in results if r.undecided),
        risk_group=follow_a.scores.get("start_back", {}).get("risk_group"),
    )


# ------------------------------------------------------------------ merging and red flags


def _deep_merge(a: dict[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v  # scalars and lists replace (a list is a complete new answer)
    return out


def merge_findings(base: EvaluationRecord, visits: Sequence[FollowUpVisit]) -> EvaluationRecord:
    """The baseline record with each visit's findings laid over it, in date order, and every
    visit's questionnaires added (dated with the visit), evaluated as of the latest visit."""
    data = base.model_dump(mode="json", exclude_unset=True)
    questionnaires = [
        q if q.date is not None else q.model_copy(update={"date": base.evaluation_date})
        for q in base.questionnaires
    ]
    for v in visits:
        if v.findings is not None:
            new = v.findings.model_dump(mode="json", exclude_unset=True)
            questionnaires += [
                q if q.date is not None else q.model_copy(update={"date": v.date})
                for q in v.findings.questionnaires
            ]
            new.pop("questionnaires", None)
            new.pop("evaluation_date", None)
            new.pop("profile", None)
            data = _deep_merge(data, new)
        questionnaires += [
            q if q.date is not None else q.model_copy(update={"date": v.date})
            for q in v.questionnaires
        ]
    data["questionnaires"] = [q.model_dump(mode="json", exclude_none=True) for q in questionnaires]
    if visits:
        data["evaluation_date"] = visits[-1].date.isoformat()
    return EvaluationRecord.model_validate(data)


def _rank(urgency: str) -> int:
    return URGENCY_ORDER.index(urgency) if urgency in URGENCY_ORDER else len(URGENCY_ORDER)


def _red_flag_changes(baseline: Assessment, follow: Assessment) -> tuple[RedFlagChange, ...]:
    before: dict[str, str] = {}
    for f in baseline.red_flags:
        if f.flag not in before or _rank(f.urgency) < _rank(before[f.flag]):
            before[f.flag] = f.urgency
    out: dict[str, RedFlagChange] = {}
    for f in follow.red_flags:
        was = before.get(f.flag)
        status = (
            "new"
            if was is None
            else "more-urgent"
            if _rank(f.urgency) < _rank(was)
            else "persisting"
        )
        change = RedFlagChange(f.flag, f.title, f.urgency, f.action, status, was, f.basis)
        if f.flag not in out or _rank(f.urgency) < _rank(out[f.flag].urgency):
            out[f.flag] = change
    # New and more urgent flags first, then by urgency.
    return tuple(sorted(out.values(), key=lambda c: (not c.leads, _rank(c.urgency), c.flag)))


# ------------------------------------------------------------------ outcomes


def _score_value(kb: KnowledgeBase, q: QuestionnaireResult, where: str) -> float:
    inst = kb.instruments.get(q.instrument)
    if inst is None:
        raise UserError(f"unknown instrument '{q.instrument}'", field=f"{where}.instrument")
    if q.answers is not None:
        try:
            return float(score(inst, q.answers).score)
        except UserError as exc:
            raise UserError(exc.message, field=f"{where}.{exc.field}") from None
    if q.score is not None:
        return float(score_total(inst, q.score, field=f"{where}.score")["score"])
    raise UserError("give either answers or a score", field=where)


def _series(
    kb: KnowledgeBase, base: EvaluationRecord, visits: Sequence[FollowUpVisit]
) -> dict[str, list[tuple[dt.date, float]]]:
    """Per instrument: (date, score) at baseline (latest baseline entry) and at each visit."""
    assert base.evaluation_date is not None
    out: dict[str, list[tuple[dt.date, float]]] = {}
    for i, q in enumerate(base.questionnaires):
        value = _score_value(kb, q, f"baseline.questionnaires.{i}")
        out[q.instrument] = [(base.evaluation_date, value)]  # the last baseline entry wins
    for vi, v in enumerate(visits):
        entries = [(f"visits.{vi}.questionnaires.{i}", q) for i, q in enumerate(v.questionnaires)]
        if v.findings is not None:
            entries += [
                (f"visits.{vi}.findings.questionnaires.{i}", q)
                for i, q in enumerate(v.findings.questionnaires)
            ]
        for where, q in entries:
            value = _score_value(kb, q, where)
            if q.instrument in out:
                series = out[q.instrument]
                if series[-1][0] == v.date and len(series) > 1:
                    series[-1] = (v.date, value)
                else:
                    series.append((v.date, value))
    return out


def _outcomes(
    kb: KnowledgeBase,
    table: Mapping[str, Any],
    base: EvaluationRecord,
    visits: Sequence[FollowUpVisit],
) -> tuple[OutcomeChange, ...]:
    specs: Mapping[str, Any] = table.get("outcomes", {})
    out = []
    for inst_id, series in _series(kb, base, visits).items():
        inst = kb.instruments[inst_id]
        if inst.mic is None or len(series) < 2 or inst_id not in specs:
            continue
        worse_up = bool(specs[inst_id].get("higher_is_worse", True))
        b, prev, cur = series[0][1], series[-2][1], series[-1][1]

        mic_points, mic_percent = inst.mic.points, inst.mic.percent

        def cls(
            ref: float,
            now: float,
            points: float | None = mic_points,
            percent: float | None = mic_percent,
            up: bool = worse_up,
        ) -> str:
            return classify_change(
                ref, now, mic_points=points, mic_percent=percent, higher_is_worse=up
            )

        out.append(
            OutcomeChange(
                instrument=inst_id,
                baseline=b,
                previous=prev,
                current=cur,
                date=series[-1][0].isoformat(),
                change_points=round(cur - b, 2),
                change_percent=_percent(cur - b, b),
                change_vs_previous_points=round(cur - prev, 2),
                change_vs_previous_percent=_percent(cur - prev, prev),
                classification=cls(b, cur),
                classification_vs_previous=cls(prev, cur),
                mic_points=inst.mic.points,
                mic_percent=inst.mic.percent,
                higher_is_worse=worse_up,
                cites=tuple(str(c) for c in inst.mic.cites),
            )
        )
    return tuple(out)


def episode_status(
    outcomes: Iterable[OutcomeChange], table: Mapping[str, Any]
) -> tuple[str | None, str]:
    """Episode status from the outcome classes; definitions in tables/follow-up.yaml."""
    outcomes = list(outcomes)
    if not outcomes:
        return (
            None,
            "No outcome measured both at baseline and at follow-up: repeat the questionnaires.",
        )
    specs: Mapping[str, Any] = table.get("outcomes", {})
    defs: Mapping[str, str] = table.get("episode_status", {})
    worse = [o.instrument for o in outcomes if o.classification == "worse"]
    improved = [o.instrument for o in outcomes if o.classification == "improved"]
    domains = {d for o in outcomes for d in specs.get(o.instrument, {}).get("domains", [])}
    for o in outcomes:
        cut = specs.get(o.instrument, {}).get("recovered_at_or_below")
        if cut is not None and o.current <= cut and not worse:
            return (
                "recovered",
                f"{o.instrument.upper()} {o.current:g} ≤ {cut:g}. {defs.get('recovered', '')}",
            )
    if worse:
        return (
            "non-responder",
            f"Worse by the MIC: {', '.join(worse)}. {defs.get('non-responder', '')}",
        )
    if improved and len(improved) == len(outcomes) and {"pain", "function"} <= domains:
        return (
            "responder",
            f"Improved by the MIC: {', '.join(improved)}. {defs.get('responder', '')}",
        )
    if improved:
        missing = sorted({"pain", "function"} - domains)
        extra = f" Not measured: {', '.join(missing)}." if missing else ""
        return (
            "partial",
            f"Improved by the MIC: {', '.join(improved)}.{extra} {defs.get('partial', '')}",
        )
    return "non-responder", f"No outcome improved by its MIC. {defs.get('non-responder', '')}"


# ------------------------------------------------------------------ facts for the rules


def _opioid_classes(kb: KnowledgeBase) -> frozenset[str]:
    drugs: Mapping[str, Any] = kb.tables.get("drugs", {}).get("drugs", {})
    with_class: dict[str, list[bool]] = {}
    for d in drugs.values():
        for c in d.get("classes", []):
            with_class.setdefault(c, []).append("opioid" in d.get("classes", []))
    return frozenset(c for c, flags in with_class.items() if all(flags)) | {"opioid"}


def is_opioid(kb: KnowledgeBase, treatment: str) -> bool:
    drugs: Mapping[str, Any] = kb.tables.get("drugs", {}).get("drugs", {})
    if treatment in drugs:
        return "opioid" in drugs[treatment].get("classes", [])
    return treatment in _opioid_classes(kb)


def is_medicine(kb: KnowledgeBase, treatment: str) -> bool:
    drugs_table: Mapping[str, Any] = kb.tables.get("drugs", {})
    return treatment in drugs_table.get("drugs", {}) or treatment in drugs_table.get("classes", {})


def _facts(
    kb: KnowledgeBase,
    table: Mapping[str, Any],
    episode: Episode,
    visits: Sequence[FollowUpVisit],
    follow_a: Assessment,
    outcomes: Sequence[OutcomeChange],
    status: str | None,
    red_flags: Sequence[RedFlagChange],
    b_date: dt.date,
) -> dict[str, Any]:
    raw: dict[str, Any] = dict(follow_a.facts)
    latest = visits[-1] if visits else None
    if status is not None:
        raw["episode_status"] = status
    for o in outcomes:
        raw[f"outcome_{o.instrument}_change_class"] = o.classification
    if outcomes:
        raw["any_outcome_worse"] = any(o.classification == "worse" for o in outcomes)
    if latest is not None:
        raw["weeks_since_baseline"] = round((latest.date - b_date).days / 7, 2)
        if any(f.leads for f in red_flags):
            raw["new_red_flag"] = True
        elif not any(d.priority == "high" for d in follow_a.data_needed):
            raw["new_red_flag"] = False  # unknown while a red-flag question is unanswered
    plan = episode.plan
    options = _plan_options(kb)
    phases: Mapping[str, Any] = kb.tables.get("treatment-options", {}).get("phases", {})
    phase: str | None = plan.phase_reached
    if phase is None and plan.accepted_options:
        reached = [str(options[o]["phase"]) for o in plan.accepted_options if o in options]
        if reached:
            phase = max(reached, key=lambda p: int(phases.get(p, {}).get("order", 0)))
    if phase is not None:
        raw["phase_reached"] = phase
    if plan.accepted_options is not None:
        exercise = set(table.get("exercise_options", []))
        raw["plan_includes_exercise"] = any(o in exercise for o in plan.accepted_options)
    changes = [d for d in (plan.opioid_started, *plan.opioid_escalations) if d is not None]
    if latest is not None:
        changes = [d for d in changes if d <= latest.date]
    if changes and latest is not None:
        last = max(changes)
        raw["weeks_since_opioid_change"] = round((latest.date - last).days / 7, 2)
        raw["opioid_reassessed_since_change"] = any(
            v.date > last and any(is_opioid(kb, r.treatment) for r in v.responses) for v in visits
        )
    if latest is not None:
        opioid = [r.response for r in latest.responses if is_opioid(kb, r.treatment)]
        if opioid:
            raw["opioid_response"] = opioid[-1]
        meds = [
            r
            for r in latest.responses
            if is_medicine(kb, r.treatment) and not is_opioid(kb, r.treatment)
        ]
        if meds:
            raw["medicine_without_benefit"] = any(r.response in POOR_RESPONSES for r in meds)
        elif plan.accepted_options is not None and not any(
            is_medicine(kb, o) and not is_opioid(kb, o) for o in plan.accepted_options
        ):
            raw["medicine_without_benefit"] = False
    return dict(normalise_facts(kb.facts, {k: v for k, v in raw.items() if v is not None}))


def _plan_options(kb: KnowledgeBase) -> dict[str, Mapping[str, Any]]:
    from spinecare.core.plan.compose import plan_options

    return plan_options(kb)


# ------------------------------------------------------------------ proposals


def _basis(res: RuleResult) -> Basis:
    rule = res.rule
    return Basis(
        rule=rule.ref,
        title=rule.title,
        findings=dict(res.supporting),
        cites=tuple(str(c) for c in rule.cites),
        rationale=rule.rationale,
    )


def _adjustments(
    kb: KnowledgeBase,
    table: Mapping[str, Any],
    results: Sequence[RuleResult],
    red_flags: Sequence[RedFlagChange],
    visits: Sequence[FollowUpVisit],
) -> tuple[Adjustment, ...]:
    hold = next((f for f in red_flags if f.leads and f.urgency in HOLD_URGENCIES), None)
    hold_text = f"On hold: act on the {hold.urgency} red flag first ({hold.title})." if hold else ""
    latest = visits[-1] if visits else None
    out = []
    for res in results:
        if not res.fired:
            continue
        then = res.rule.then
        details = {k: v for k, v in then.items() if k not in ("summary", "action")}
        summary = str(then["summary"])
        if then.get("taper_percent_per_month") is not None:
            taper = table.get("opioid_taper", {})
            details["taper_text"] = taper.get("text", "")
            details["abrupt_discontinuation"] = taper.get("abrupt_discontinuation", "never")
        if res.rule.id.endswith("stop-unhelpful-medicines") and latest is not None:
            details["medicines"] = [
                r.treatment
                for r in latest.responses
                if r.response in POOR_RESPONSES
                and is_medicine(kb, r.treatment)
                and not is_opioid(kb, r.treatment)
            ]
        action = str(then["action"])
        out.append(
            Adjustment(
                action=action,
                summary=summary,
                basis=_basis(res),
                details=details,
                on_hold=hold_text if action != "reopen-evaluation" else "",
            )
        )
    out.sort(key=lambda a: ACTION_ORDER.index(a.action) if a.action in ACTIONS else 99)
    return tuple(out)


# ------------------------------------------------------------------ goals


def _goals(
    kb: KnowledgeBase,
    baseline_a: Assessment,
    outcomes: Sequence[OutcomeChange],
    visits: Sequence[FollowUpVisit],
) -> tuple[GoalProgress, ...]:
    from spinecare.core.plan.compose import compose_plan

    plan = compose_plan(baseline_a, kb)
    by_inst = {o.instrument: o for o in outcomes}
    reports = {r.goal: r for v in visits for r in v.goal_reports}  # the latest report wins
    out = []
    for g in plan.goals:
        o = by_inst.get(g.measure) if g.measure else None
        if o is not None:
            gain = (o.baseline - o.current) if o.higher_is_worse else (o.current - o.baseline)
            if o.classification == "improved":
                status, detail = "met", "improved by at least the minimal important change"
            elif gain > 0:
                status = "on-track"
                detail = (
                    "better, but by less than the minimal important change (SpineCare: on track)"
                )
            else:
                status, detail = "not-met", "no improvement" if gain == 0 else "worse than baseline"
            out.append(
                GoalProgress(
                    g.id, g.title, g.measure, o.baseline, o.current, g.target, status,
                    f"{g.measure.upper()} {o.baseline:g} → {o.current:g}: {detail}",
                )
            )  # fmt: skip
        elif g.id in reports:
            r = reports[g.id]
            out.append(
                GoalProgress(
                    g.id, g.title, g.measure, g.baseline, None, g.target, r.status,
                    r.note or "reported by the clinician",
                )
            )  # fmt: skip
        else:
            status = "not-measured" if g.measure else "not-assessed"
            out.append(
                GoalProgress(
                    g.id, g.title, g.measure, g.baseline, None, g.target, status,
                    f"repeat the {g.measure.upper()} to judge this goal" if g.measure
                    else "record whether this goal is met at the next visit",
                )
            )  # fmt: skip
    return tuple(out)


# ------------------------------------------------------------------ schedule


def _status(start: dt.date, end: dt.date, done: bool, as_of: dt.date) -> str:
    if done:
        return "done"
    if as_of > end:
        return "overdue"
    return "due" if as_of >= start else "upcoming"


def build_schedule(
    table: Mapping[str, Any],
    episode: Episode,
    base: EvaluationRecord,
    visits: Sequence[FollowUpVisit],
    as_of: dt.date,
) -> tuple[Contact, ...]:
    """Routine contacts (SpineCare local policy), opioid reassessments (CDC 2022 Rec 7) and
    intervention relief check-ins, each with the questionnaires due and its status."""
    assert base.evaluation_date is not None
    b = base.evaluation_date
    window = dt.timedelta(days=int(table.get("window_days", 7)))
    local = "src.spinecare-follow-up-policy"
    function = [
        i
        for i in table.get("function_instruments", [])
        if any(q.instrument == i for q in base.questionnaires)
    ] or list(table.get("function_instruments", []))[:1]

    def visited(start: dt.date, end: dt.date) -> bool:
        return any(start <= v.date <= end for v in visits)

    out: list[Contact] = []
    for c in table.get("routine_contacts", []):
        due = b + dt.timedelta(weeks=float(c["weeks"]))
        start, end = due - window, due + window
        qs: list[str] = []
        for q in c.get("questionnaires", []):
            qs += function if q == "function" else [q]
        out.append(
            Contact(
                id=c["id"], kind="routine", title=c["title"], due=due.isoformat(),
                window_start=start.isoformat(), window_end=end.isoformat(),
                questionnaires=tuple(qs), purpose=c.get("purpose", ""),
                cites=tuple(c.get("cites", [])), status=_status(start, end, visited(start, end), as_of),
                local_policy=any(x.startswith(local) for x in c.get("cites", [])),
            )
        )  # fmt: skip
    plan = episode.plan
    spec = table.get("opioid_reassessment")
    if spec:
        labelled = [("start", plan.opioid_started)] if plan.opioid_started else []
        labelled += [("increase", d) for d in plan.opioid_escalations]
        for label, d in labelled:
            assert d is not None
            start = d + dt.timedelta(weeks=float(spec["earliest_weeks"]))
            end = d + dt.timedelta(weeks=float(spec["latest_weeks"]))
            done = any(start - window <= v.date <= end and v.responses for v in visits)
            out.append(
                Contact(
                    id=f"opioid-reassessment-{d.isoformat()}", kind="opioid-reassessment",
                    title=f"Opioid reassessment after the {label} on {d.isoformat()}",
                    due=end.isoformat(), window_start=start.isoformat(), window_end=end.isoformat(),
                    questionnaires=tuple(spec.get("questionnaires", [])), purpose=spec.get("text", ""),
                    cites=tuple(spec.get("cites", [])), status=_status(start, end, done, as_of),
                    local_policy=False,
                )
            )  # fmt: skip
    checkins: Mapping[str, Any] = table.get("procedure_checkins", {})
    for p in plan.procedures:
        pspec = checkins.get(p.procedure)
        if pspec is None:
            continue
        for days in pspec.get("checkin_days", []):
            due = p.date + dt.timedelta(days=int(days))
            start, end = max(p.date, due - window), due + window
            out.append(
                Contact(
                    id=f"{p.procedure}-{p.date.isoformat()}-day-{days}", kind="procedure-checkin",
                    title=f"{pspec['title']} on {p.date.isoformat()}: relief check-in at day {days}",
                    due=due.isoformat(), window_start=start.isoformat(), window_end=end.isoformat(),
                    questionnaires=("nrs",), purpose=pspec.get("threshold_text", ""),
                    cites=tuple(pspec.get("cites", [])),
                    status=_status(start, end, visited(start, end), as_of),
                    local_policy=any(x.startswith(local) for x in pspec.get("cites", [])),
                )
            )  # fmt: skip
    out.sort(key=lambda c: (c.due, c.id))
    return tuple(out)


def _relief(
    table: Mapping[str, Any], episode: Episode, visits: Sequence[FollowUpVisit]
) -> tuple[ProcedureRelief, ...]:
    checkins: Mapping[str, Any] = table.get("procedure_checkins", {})
    out = []
    for p in episode.plan.procedures:
        spec = checkins.get(p.procedure)
        if spec is None:
            continue
        reports = [
            r.percent_relief
            for v in visits
            if v.date >= p.date
            for r in v.responses
            if r.treatment == p.procedure and r.percent_relief is not None
        ]
        relief = reports[-1] if reports else None
        threshold = float(spec["relief_threshold_percent"])
        out.append(
            ProcedureRelief(
                procedure=p.procedure,
                date=p.date.isoformat(),
                percent_relief=relief,
                threshold_percent=threshold,
                meets_threshold=None if relief is None else relief >= threshold,
                threshold_text=spec.get("threshold_text", ""),
                cites=tuple(spec.get("cites", [])),
            )
        )
    return tuple(out)


# ------------------------------------------------------------------ data needed


def _data_needed(
    kb: KnowledgeBase, follow_a: Assessment, results: Sequence[RuleResult]
) -> tuple[DataNeeded, ...]:
    out = [d for d in follow_a.data_needed if d.priority == "high"]
    seen = {d.fact for d in out}
    needed: dict[str, set[str]] = {}
    for res in results:
        if res.undecided:
            for name in res.missing:
                if name not in seen:
                    needed.setdefault(name, set()).add(res.rule.title)
    out += [
        DataNeeded(
            fact=name,
            question=kb.facts[name].definition if name in kb.facts else name,
            needed_for=tuple(sorted(titles)),
            priority="normal",
        )
        for name, titles in sorted(needed.items())
    ]
    return tuple(out)
