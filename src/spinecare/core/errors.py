"""Error hierarchy.

``UserError`` is a problem with what somebody gave us (a file, a form, an answer). It is shown
without a traceback and maps to a CLI exit code or an HTTP 4xx. Anything else is our bug.
"""

from __future__ import annotations

from dataclasses import dataclass


class SpinecareError(Exception):
    """Base class for every error SpineCare raises on purpose."""


class UserError(SpinecareError):
    """Bad input. ``field`` names where (a key path such as ``items.3`` or ``history.onset``)."""

    exit_code = 2

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class ConditionError(UserError):
    """A rule condition that does not fit the fact vocabulary (raised while compiling)."""


@dataclass(frozen=True, slots=True)
class KBIssue:
    """One problem found while loading or checking the knowledge base."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class KnowledgeBaseError(SpinecareError):
    """The knowledge base does not validate. Carries every issue found, not just the first."""

    exit_code = 1

    def __init__(self, issues: list[KBIssue]) -> None:
        self.issues = issues
        lines = "\n".join(f"  - {issue}" for issue in issues)
        super().__init__(f"The knowledge base has {len(issues)} problem(s):\n{lines}")
