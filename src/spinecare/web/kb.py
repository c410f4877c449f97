"""The knowledge base the web application uses: loaded once per process, then cached.

``settings.SPINECARE_KB_PATH`` points at a KB folder; unset means the KB packaged with
SpineCare. Loading raises ``KnowledgeBaseError`` when the KB does not validate (nothing is
cached then, so the next call tries again).
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.knowledge import load_kb


@functools.cache
def get_kb() -> KnowledgeBase:
    return load_kb(settings.SPINECARE_KB_PATH)


def clear_kb_cache() -> None:
    get_kb.cache_clear()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "SPINECARE_KB_PATH":
        clear_kb_cache()


def connect_signals() -> None:
    setting_changed.connect(_on_setting_changed, dispatch_uid="spinecare.web.kb.setting_changed")
