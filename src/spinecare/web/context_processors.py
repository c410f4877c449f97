from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from spinecare.core.errors import KnowledgeBaseError
from spinecare.web.kb import get_kb


def knowledge_base(request: HttpRequest) -> dict[str, Any]:
    """``kb_label`` for the footer of every page: ``KB 0.1.0 (sha256 …)``, or None if invalid."""
    try:
        return {"kb_label": get_kb().label}
    except KnowledgeBaseError:
        return {"kb_label": None}
