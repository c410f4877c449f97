"""``referral_letter(...)``: a structured letter to the spinal surgeon, as data and as text.

Pure: built from the evaluation record, its Assessment and the surgical referral decision; the
clinic's name and address are not known in the core (the web or PDF layer passes them in).
Every section is always present; a finding that was not recorded says so instead of vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from spinecare.core.evaluation.assessment import Assessment
from spinecare.core.evaluation.record import EvaluationRecord, Sides
from spinecare.core.knowledge_base import Citation, KnowledgeBase
from spinecare.core.surgery.referral import SurgicalReferralDecision

SECTION_IDS = (
    "reason",
    "history",
    "examination",
    "imaging",
    "treatments",
    "outcome_scores",
    "medications",
    "question",
)
NOT_RECORDED = "not recorded"
ROOTS = ("L2", "L3", "L4", "L5", "S1")
URGENCY_LABEL = {
    "emergency": "EMERGENCY — same day",
    "urgent": "URGENT",
    "elective": "Routine (elective)",
    "not-indicated": "No surgical referral indicated by the guideline rules",
}


@dataclass(frozen=True, slots=True)
class Clinic:
    name: str
    address: tuple[str, ...] = ()
    phone: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "address": list(self.address), "phone": self.phone}


@dataclass(frozen=True, slots=True)
class LetterSection:
    id: str
    title: str
    lines: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "lines": list(self.lines)}


@dataclass(frozen=True)
class ReferralLetter:
    date: str
    patient_id: str | None
    profile: str
    urgency: str
    urgency_label: str
    recipient: str
    subject: str
    sections: tuple[LetterSection, ...]
    citations: tuple[str, ...]
    kb_version: str
    clinic: Clinic | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def section(self, section_id: str) -> LetterSection:
        return next(s for s in self.sections if s.id == section_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "patient_id": self.patient_id,
            "profile": self.profile,
            "urgency": self.urgency,
            "urgency_label": self.urgency_label,
            "recipient": self.recipient,
            "subject": self.subject,
            "clinic": self.clinic.to_dict() if self.clinic else None,
            "sections": [s.to_dict() for s in self.sections],
            "citations": list(self.citations),
            "kb_version": self.kb_version,
            **self.extra,
        }


def referral_letter(
    record: EvaluationRecord,
    assessment: Assessment,
    decision: SurgicalReferralDecision,
    kb: KnowledgeBase,
    *,
    clinic: Clinic | None = None,
) -> ReferralLetter:
    top = decision.top
    recipient = (
        "On-call spinal surgeon"
        if decision.urgency in ("emergency", "urgent")
        else "Consultant spinal surgeon"
    )
    subject = top.summary if top else "Request for a spinal surgical opinion"
    sections = (
        LetterSection("reason", "Reason for referral and urgency", _reason(decision, assessment)),
        LetterSection("history", "History", _history(record, assessment)),
        LetterSection("examination", "Examination", _exam(record, assessment)),
        LetterSection("imaging", "Imaging", _imaging(record)),
        LetterSection("treatments", "Treatments tried and response", _treatments(record)),
        LetterSection("outcome_scores", "Outcome scores", _scores(assessment, kb)),
        LetterSection("medications", "Current medicines and allergies", _medicines(record)),
        LetterSection("question", "Question to the surgeon", _question(decision)),
    )
    cites: list[str] = []
    for r in (*decision.referrals, *decision.not_indicated):
        cites += [_cite(kb, c) for c in r.basis.cites if _cite(kb, c) not in cites]
    return ReferralLetter(
        date=assessment.as_of,
        patient_id=record.patient_id,
        profile=decision.profile,
        urgency=decision.urgency,
        urgency_label=URGENCY_LABEL[decision.urgency],
        recipient=recipient,
        subject=subject,
        sections=sections,
        citations=tuple(cites),
        kb_version=kb.version,
        clinic=clinic,
    )


def _cite(kb: KnowledgeBase, text: str) -> str:
    """``src.nice-ng59#1.3-x`` → ``NICE NG59, 1.3-x`` (the source's short name)."""
    c = Citation.parse(text)
    src = kb.sources.get(c.source)
    name = (src.short or src.title) if src else c.source
    return f"{name}, {c.section}" if c.section else name


def _yes_no(value: bool | None) -> str:
    return NOT_RECORDED if value is None else ("yes" if value else "no")


def _words(items: Iterable[str]) -> str:
    return ", ".join(i.replace("_", " ") for i in items)


def _reason(d: SurgicalReferralDecision, a: Assessment) -> tuple[str, ...]:
    lines = [f"Urgency: {URGENCY_LABEL[d.urgency]}"]
    for r in d.referrals:
        lines.append(f"{r.summary} ({r.procedure_title}).")
        if r.action:
            lines.append(f"Action: {r.action}")
        lines += [f"- {reason}" for reason in r.reasons]
    if not d.referrals:
        lines.append("The guideline rules do not indicate a surgical referral; opinion requested.")
    if d.provisional:
        lines.append(
            "Provisional: a more urgent referral could apply once these are recorded: "
            + _words(d.data_needed)
        )
    for r in d.not_indicated:
        lines.append(f"Not indicated: {r.summary}.")
    for f in a.red_flags:
        lines.append(f"Red flag: {f.title} ({f.urgency}).")
    return tuple(lines)


def _history(record: EvaluationRecord, a: Assessment) -> tuple[str, ...]:
    p, h = record.patient, record.history
    who = [
        f"age {p.age}" if p.age is not None else "age not recorded",
        p.sex or "sex not recorded",
    ]
    if p.occupation:
        who.append(p.occupation)
    if p.work_status:
        who.append(p.work_status.replace("_", " "))
    lines = ["Patient: " + "; ".join(who) + "."]
    weeks = a.facts.get("symptom_duration_weeks")
    if h.onset_date:
        lines.append(f"Onset: {h.onset_date.isoformat()} ({weeks:g} weeks).")
    else:
        lines.append(f"Onset: {NOT_RECORDED}.")
    if h.pain_sites is not None:
        side = f"; side: {h.pain_side}" if h.pain_side else ""
        leg = (
            "; leg pain worse than back pain"
            if h.leg_pain_worse_than_back
            else "; back pain at least as bad as leg pain"
            if h.leg_pain_worse_than_back is False
            else ""
        )
        lines.append(f"Pain: {_words(h.pain_sites)}{side}{leg}.")
    else:
        lines.append(f"Pain sites: {NOT_RECORDED}.")
    if h.aggravating:
        lines.append(f"Worse with: {_words(h.aggravating)}.")
    if h.easing:
        lines.append(f"Eased by: {_words(h.easing)}.")
    if h.walking_distance_m is not None:
        lines.append(f"Walking distance before leg symptoms: {h.walking_distance_m} m.")
    if h.relief_sitting_or_flexion is not None:
        lines.append(
            f"Relief by sitting or bending forward: {_yes_no(h.relief_sitting_or_flexion)}."
        )
    ces = {
        "urinary retention": h.urinary_retention,
        "urinary incontinence": h.urinary_incontinence,
        "bowel dysfunction": h.bowel_dysfunction,
        "saddle sensory change": h.saddle_sensory_change,
        "new sexual dysfunction": h.new_sexual_dysfunction,
        "bilateral leg symptoms": h.bilateral_leg_symptoms,
        "progressive weakness": h.progressive_weakness,
    }
    lines.append(
        "Cauda equina and deficit screen: " + "; ".join(f"{k} {_yes_no(v)}" for k, v in ces.items())
    )
    if p.prior_spine_surgery is None:
        lines.append(f"Previous spinal surgery: {NOT_RECORDED}.")
    elif not p.prior_spine_surgery:
        lines.append("Previous spinal surgery: none.")
    else:
        ops = [
            " ".join(
                x for x in (s.procedure, s.level or "", s.date.isoformat() if s.date else "") if x
            )
            for s in p.prior_spine_surgery
        ]
        lines.append("Previous spinal surgery: " + "; ".join(ops) + ".")
    present = [k.replace("_", " ") for k, v in p.comorbidities.model_dump().items() if v is True]
    if p.comorbidities.egfr is not None:
        present.append(f"eGFR {p.comorbidities.egfr:g}")
    lines.append("Comorbidities: " + (", ".join(present) if present else "none recorded") + ".")
    return tuple(lines)


def _sides(pair: Sides[Any] | None, fmt: Any = str) -> str:
    if pair is None:
        return NOT_RECORDED
    return f"left {fmt(pair.left) if pair.left is not None else '—'}, right {fmt(pair.right) if pair.right is not None else '—'}"


def _exam(record: EvaluationRecord, a: Assessment) -> tuple[str, ...]:
    x = record.exam
    lines = []
    grades = {(r, s): getattr(x.myotomes[r], s) for r in x.myotomes for s in ("left", "right")}
    weak = [f"{r} {s} {g}/5" for (r, s), g in sorted(grades.items()) if g is not None and g < 5]
    complete = sum(g is not None for g in grades.values()) == 2 * len(ROOTS)
    if not grades:
        lines.append(f"Power (MRC): {NOT_RECORDED}.")
    else:
        rest = "all other myotomes 5/5" if complete else "grid incomplete"
        lines.append(f"Power (MRC): {', '.join(weak) or 'no weakness'}; {rest}.")
    sens = [
        f"{r} {s} {getattr(x.dermatomes[r], s)}"
        for r in sorted(x.dermatomes)
        for s in ("left", "right")
        if getattr(x.dermatomes[r], s) not in (None, "normal")
    ]
    lines.append(
        "Sensation: "
        + (", ".join(sens) if sens else ("normal where tested" if x.dermatomes else NOT_RECORDED))
        + "."
    )
    refl = [f"{name} {_sides(x.reflexes[name])}" for name in sorted(x.reflexes)]
    lines.append("Reflexes: " + ("; ".join(refl) if refl else NOT_RECORDED) + ".")

    def slr(v: Any) -> str:
        angle = f"{v.angle}°" if v.angle is not None else "angle not recorded"
        pain = {True: " reproduces leg pain", False: " no leg pain", None: ""}[
            v.reproduces_leg_pain
        ]
        return angle + pain

    lines.append(f"Straight-leg raise: {_sides(x.slr, slr)}.")
    if x.crossed_slr.left is not None or x.crossed_slr.right is not None:
        lines.append(f"Crossed straight-leg raise: {_sides(x.crossed_slr, _yes_no)}.")
    if x.femoral_nerve_stretch.left is not None or x.femoral_nerve_stretch.right is not None:
        lines.append(f"Femoral nerve stretch: {_sides(x.femoral_nerve_stretch, _yes_no)}.")
    lines.append(f"Saddle sensation: {x.saddle_sensation or NOT_RECORDED}.")
    lines.append(f"Anal tone: {(x.anal_tone or NOT_RECORDED).replace('_', ' ')}.")
    if x.gait:
        lines.append(f"Gait: {x.gait.replace('_', ' ')}.")
    for root in a.localisation:
        lines.append(
            f"Localisation: {root.root} {root.side} ({'; '.join(root.supporting)}) — imaging {root.imaging}."
        )
    if not a.localisation:
        lines.append("Localisation: no nerve root localised from the examination.")
    return tuple(lines)


def _imaging(record: EvaluationRecord) -> tuple[str, ...]:
    if not record.imaging:
        return ("No imaging recorded.",)
    lines = []
    for study in record.imaging:
        when = study.date.isoformat() if study.date else "date not recorded"
        found = []
        for f in study.findings:
            parts = [f.kind.replace("_", " ")]
            parts += [
                v
                for v in (
                    f.herniation_type,
                    f.level,
                    f.side,
                    f.location,
                    f"grade {f.grade}" if f.grade else None,
                )
                if v
            ]
            if f.compresses_root:
                parts.append(f"compressing {f.compresses_root}")
            found.append(" ".join(parts))
        lines.append(
            f"{study.modality.replace('_', ' ').upper()} ({when}): "
            + ("; ".join(found) if found else "no findings recorded")
            + "."
        )
    w = record.surgical_workup
    if w.imaging_consistent_with_symptoms is not None:
        lines.append(
            f"Referring clinician's judgement — imaging consistent with the symptoms: {_yes_no(w.imaging_consistent_with_symptoms)}."
        )
    return tuple(lines)


def _treatments(record: EvaluationRecord) -> tuple[str, ...]:
    lines = []
    weeks = record.prior_conservative_care_weeks
    lines.append(
        "Non-surgical care for this episode: "
        + (f"{weeks:g} weeks." if weeks is not None else f"{NOT_RECORDED}.")
    )
    tried = record.patient.prior_treatments
    if tried is None:
        lines.append(f"Treatments tried: {NOT_RECORDED}.")
    elif not tried:
        lines.append("Treatments tried: none.")
    for t in tried or []:
        bits = [t.treatment]
        if t.weeks is not None:
            bits.append(f"{t.weeks:g} weeks")
        bits.append((t.response or "response not recorded").replace("_", " "))
        if t.percent_relief is not None:
            bits.append(f"{t.percent_relief:g} % relief")
        lines.append("- " + " — ".join(bits) + ".")
    return tuple(lines)


def _scores(a: Assessment, kb: KnowledgeBase) -> tuple[str, ...]:
    lines = []
    for iid, res in a.scores.items():
        inst = kb.instruments.get(iid)
        name = inst.name if inst else iid
        extra = [str(res[k]).replace("_", " ") for k in ("band", "risk_group") if res.get(k)]
        lines.append(
            f"{name}: {res['score']:g}" + (f" ({', '.join(extra)})" if extra else "") + "."
        )
    return tuple(lines) or ("No outcome questionnaires recorded.",)


def _medicines(record: EvaluationRecord) -> tuple[str, ...]:
    p = record.patient
    if p.medications is None:
        lines = [f"Medicines: {NOT_RECORDED}."]
    elif not [m for m in p.medications if m.active]:
        lines = ["Medicines: none."]
    else:
        lines = [
            f"- {m.name}" + (f" {m.dose}" if m.dose else "") for m in p.medications if m.active
        ]
    if p.allergies is None:
        lines.append(f"Allergies: {NOT_RECORDED}.")
    else:
        lines.append("Allergies: " + (", ".join(p.allergies) or "no known drug allergies") + ".")
    return tuple(lines)


def _question(d: SurgicalReferralDecision) -> tuple[str, ...]:
    lines = [r.question for r in d.referrals if r.question]
    adr = d.disc_replacement
    if adr is not None:
        lines.append(f"Lumbar disc replacement (label check): {adr.summary}.")
        lines += [f"- caution: {c}" for c in adr.cautions]
    return tuple(lines) or ("Please advise whether any surgical treatment is appropriate.",)


def letter_text(letter: ReferralLetter) -> str:
    """The letter as plain text (for printing, e-mail or the clipboard)."""
    out = []
    if letter.clinic:
        out += [letter.clinic.name, *letter.clinic.address]
        if letter.clinic.phone:
            out.append(f"Tel. {letter.clinic.phone}")
        out.append("")
    out += [
        f"Date: {letter.date}",
        f"To: {letter.recipient}",
        f"Patient: {letter.patient_id or '(no id)'}",
        f"Urgency: {letter.urgency_label}",
        f"Re: {letter.subject}",
        "",
    ]
    for s in letter.sections:
        out.append(s.title.upper())
        out += list(s.lines)
        out.append("")
    if letter.citations:
        out.append("Sources: " + "; ".join(letter.citations))
    out.append(
        f"Prepared with SpineCare decision support (KB {letter.kb_version}, profile {letter.profile})."
    )
    return "\n".join(out) + "\n"
