from __future__ import annotations

from django.apps import AppConfig


class SpineCareConfig(AppConfig):
    """The project itself: base templates, static files, system checks, ``seed_demo``."""

    name = "spinecare.web"
    label = "spinecare"
    verbose_name = "SpineCare"

    def ready(self) -> None:
        from spinecare.web import checks, kb

        checks.register()
        kb.connect_signals()
