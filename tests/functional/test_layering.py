"""The layering contract really fails the build when the core imports a framework."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def run_lint_imports(tmp_path: Path, inject: str | None) -> subprocess.CompletedProcess[str]:
    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "spinecare", src / "spinecare", ignore=shutil.ignore_patterns("kb")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if inject:
        target, line = inject.split("::")
        path = src / target
        path.write_text(path.read_text() + f"\n{line}\n")
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_contracts_hold_on_the_real_code(tmp_path: Path) -> None:
    """The unmodified package keeps every contract."""
    result = run_lint_imports(tmp_path, None)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("inject", "broken"),
    [
        ("spinecare/core/rules.py::import django", "Core and knowledge import no frameworks"),
        (
            "spinecare/knowledge/loader.py::import fhir.resources",
            "Core and knowledge import no frameworks",
        ),
        ("spinecare/core/facts.py::import spinecare.knowledge", "Adapters depend on the core"),
        ("spinecare/core/rules.py::import yaml", "Core is stdlib only"),
    ],
)
def test_contract_breaks_when_an_inner_layer_imports_outwards(
    tmp_path: Path, inject: str, broken: str
) -> None:
    """A stray framework or outward import in core/knowledge makes lint-imports fail."""
    result = run_lint_imports(tmp_path, inject)
    assert result.returncode != 0
    assert f"{broken}" in result.stdout
    assert "BROKEN" in result.stdout
