"""Django system checks: ``manage.py check`` (and runserver) fail when the KB does not validate."""

from __future__ import annotations

from typing import Any

from django.core import checks

from spinecare.core.errors import KnowledgeBaseError
from spinecare.web.kb import get_kb

KB_INVALID = "spinecare.E001"
KB_LOADER_FAILED = "spinecare.E002"


def check_knowledge_base(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """One Error per issue when the knowledge base does not load and validate."""
    try:
        get_kb()
    except KnowledgeBaseError as exc:
        return [
            checks.Error(
                f"Knowledge base: {issue}",
                hint="Fix the file, then run `spinecare kb validate` or `manage.py check`.",
                id=KB_INVALID,
            )
            for issue in exc.issues
        ]
    except OSError as exc:
        return [checks.Error(f"Knowledge base could not be read: {exc}", id=KB_INVALID)]
    except Exception as exc:  # a loader bug: fail the check with a message, not a traceback
        return [
            checks.Error(
                f"Loading the knowledge base crashed: {type(exc).__name__}: {exc}",
                hint="This is a bug in SpineCare; `spinecare kb validate` shows the traceback.",
                id=KB_LOADER_FAILED,
            )
        ]
    return []


def register() -> None:
    checks.register(check_knowledge_base, "spinecare")
