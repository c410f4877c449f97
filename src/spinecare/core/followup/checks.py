"""Load-time check of a ``followup_adjustment`` rule's ``then`` (used by knowledge.then_checks).

Besides the shape, it enforces the safety property of every opioid step-down: a rule that steps
an opioid down must give a taper rate, and that rate may not exceed the cited maximum in
tables/follow-up.yaml (CDC 2022 Rec 5: about 10 % per month, never abrupt).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spinecare.core.followup.engine import ACTIONS, TABLE, is_opioid
from spinecare.core.knowledge_base import KnowledgeBase, Rule


def check_adjustment(kb: KnowledgeBase, rule: Rule) -> list[str]:
    from spinecare.core.plan.compose import plan_options

    then: Mapping[str, Any] = rule.then
    out: list[str] = []
    action = then.get("action")
    if action not in ACTIONS:
        out.append(f"then.action: must be one of {', '.join(sorted(ACTIONS))}")
    option = then.get("option")
    if option is not None and option not in plan_options(kb):
        out.append(f"then.option: '{option}' is not a plan option")
    phase = then.get("phase")
    phases = kb.tables.get("treatment-options", {}).get("phases", {})
    if phase is not None and phase not in phases:
        out.append(f"then.phase: '{phase}' is not a phase of tables/treatment-options.yaml")
    drug_class = then.get("drug_class")
    classes = kb.tables.get("drugs", {}).get("classes", {})
    if drug_class is not None and drug_class not in classes:
        out.append(f"then.drug_class: '{drug_class}' is not a class of tables/drugs.yaml")
    rate = then.get("taper_percent_per_month")
    opioid = drug_class is not None and is_opioid(kb, str(drug_class))
    if opioid and action == "step-down" and rate is None:
        out.append("then.taper_percent_per_month: an opioid step-down must be a taper with a rate")
    if rate is not None:
        limit = kb.tables.get(TABLE, {}).get("opioid_taper", {}).get("max_percent_per_month")
        if not isinstance(rate, int | float) or isinstance(rate, bool) or rate <= 0:
            out.append("then.taper_percent_per_month: a positive number")
        elif limit is None or rate > limit:
            out.append(
                f"then.taper_percent_per_month: {rate} exceeds the cited maximum "
                f"({limit} % per month, tables/follow-up.yaml opioid_taper)"
            )
    return out
