"""The knowledge base page: release, profiles, sources and every rule readable by a clinician."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django import Settings
from pytest_django.asserts import assertContains, assertNotContains

from spinecare.web.kb import get_kb

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Client, staff: dict[str, User]) -> Client:
    client.force_login(staff["clinician"])
    return client


def _rule_html(html: str, rule_id: str) -> str:
    return html.split(f'<article class="rule panel" id="{rule_id}"', 1)[1].split("</article>", 1)[0]


def test_release_facts(signed_in: Client) -> None:
    kb = get_kb()

    response = signed_in.get(reverse("clinic:kb"))

    assertContains(response, "<h1>Knowledge base</h1>")
    assertContains(response, f"KB {kb.version}")
    assertContains(response, kb.release_date)
    assertContains(response, kb.content_hash)
    assertContains(
        response, f'<span class="badge badge--{kb.status}">{kb.status}</span>', html=True
    )
    assertContains(response, f"Showing all {len(kb.rules)} rules")


def test_every_rule_has_an_anchor_and_its_parts(signed_in: Client) -> None:
    """Each rule: title, id anchor, version, status, When, Then, strength, evidence, rationale."""
    kb = get_kb()

    html = signed_in.get(reverse("clinic:kb")).content.decode()

    for rule in kb.rules:
        part = _rule_html(html, rule.id)
        assert rule.version in part, rule.id
        assert "<h4>When</h4>" in part
        assert "<h4>Then</h4>" in part
        assert "Strength" in part
        assert "Evidence quality" in part
        for cite in rule.cites:
            assert f'href="#{cite.source}"' in part, (rule.id, cite)
    for source_id in kb.sources:
        assert f'<li id="{source_id}">' in html


def test_a_red_flag_rule_reads_as_text(signed_in: Client) -> None:
    """The condition tree as nested text with fact definitions; Then with action and urgency."""
    kb = get_kb()
    rule = next(r for r in kb.rules if r.category == "red_flag" and "any" in r.when.source)
    leaf = next(c for c in rule.when.source["any"] if "fact" in c)
    spec = kb.facts[leaf["fact"]]

    part = _rule_html(signed_in.get(reverse("clinic:kb")).content.decode(), rule.id)

    assert '<span class="condition__group">any of:</span>' in part
    assert spec.definition.replace("'", "&#x27;").replace('"', "&quot;") in part
    assert f'<span class="urgency urgency--{rule.then["urgency"]}">' in part
    action_start = " ".join(str(rule.then["action"]).split())[:40]
    assert action_start in " ".join(part.split()).replace("&#x27;", "'")
    source = kb.sources[rule.cites[0].source]
    assert (source.short or source.title) in part


def test_categories_grouped_with_a_contents_list(signed_in: Client) -> None:
    kb = get_kb()

    html = signed_in.get(reverse("clinic:kb")).content.decode()

    for category in {r.category for r in kb.rules}:
        assert f'<section id="category-{category}"' in html
        assert f'href="#category-{category}"' in html
    if any(r.category == "red_flag" for r in kb.rules):
        assert "Red flags" in html


def test_profiles_list_disabled_rules_with_reasons(signed_in: Client) -> None:
    kb = get_kb()

    response = signed_in.get(reverse("clinic:kb"))

    html = " ".join(response.content.decode().split())
    for profile in kb.profiles.values():
        assertContains(response, f'id="profile-{profile.id}"')
        for rule_id, reason in profile.disabled.items():
            assert f'href="#{rule_id}"' in html
            assert " ".join(reason.split())[:60].replace("'", "&#x27;") in html


def test_filter_by_profile_keeps_the_rules_in_force(signed_in: Client) -> None:
    kb = get_kb()
    profile = next((p for p in kb.profiles.values() if p.disabled), None)
    if profile is None:
        pytest.skip("no profile in this KB switches a rule off")
    off = next(iter(profile.disabled))

    response = signed_in.get(reverse("clinic:kb"), {"profile": profile.id})

    in_force = kb.rules_for(profile.id)
    assertContains(response, f"Showing the {len(in_force)} rules in force")
    assertNotContains(response, f'<article class="rule panel" id="{off}"')
    assertContains(response, f'<option value="{profile.id}" selected>')
    all_rules = signed_in.get(reverse("clinic:kb")).content.decode()
    assert f'<article class="rule panel" id="{off}"' in all_rules
    assert f'Switched off under <a href="#profile-{profile.id}">' in all_rules


def test_unknown_profile_shows_all_rules_and_says_why(signed_in: Client) -> None:
    response = signed_in.get(reverse("clinic:kb"), {"profile": "atlantis"})

    assert response.status_code == 200
    assertContains(response, "Select a valid choice")
    assertContains(response, f"Showing all {len(get_kb().rules)} rules")


def test_broken_kb_is_reported(
    signed_in: Client, settings: Settings, broken_kb: tuple[Path, str]
) -> None:
    settings.SPINECARE_KB_PATH = broken_kb[0]

    response = signed_in.get(reverse("clinic:kb"))

    assert response.status_code == 200
    assertContains(response, "The knowledge base does not validate")


@pytest.mark.parametrize("role", ["physio", "front_desk", "administrator"])
def test_every_role_may_read_the_kb(client: Client, staff: dict[str, User], role: str) -> None:
    """The KB holds no patient data: every signed-in role may read it."""
    client.force_login(staff[role])

    assert client.get(reverse("clinic:kb")).status_code == 200


def test_kb_page_costs_few_queries(
    signed_in: Client, django_assert_max_num_queries: object
) -> None:
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        signed_in.get(reverse("clinic:kb"))
