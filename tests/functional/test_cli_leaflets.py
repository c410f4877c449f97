"""``spinecare leaflets`` and ``spinecare leaflet ID`` as a clinician runs them."""

from __future__ import annotations

import json

import pytest

from clirun import run
from spinecare.cli import context


@pytest.fixture(autouse=True)
def _fresh_kb_cache() -> None:
    context.get_kb.cache_clear()


def test_leaflets_lists_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["leaflets", "--json"], capsys)
    assert code == 0
    listed = json.loads(out)
    assert len(listed) >= 20
    urgent = next(lf for lf in listed if lf["id"] == "urgent-help")
    assert urgent["always_attach"] is True
    assert urgent["cites"]


def test_leaflet_prints_the_text_and_its_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["leaflet", "urgent-help", "--plain"], capsys)
    assert code == 0
    assert "When to get urgent help" in out
    assert "#" not in out.split("Leaflet urgent-help@")[0]
    assert "Sources:" in out
    assert "BASS" in out


def test_unknown_leaflet_is_a_user_error_with_a_suggestion(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(["leaflet", "urgent-hlp"], capsys)
    assert code == 2
    assert "urgent-help" in err
