"""Demo data for trying SpineCare out: ``manage.py seed_demo``.

Extension point: ``SEEDERS`` is the ordered list of functions the command runs. Each one must
be idempotent (running it again changes nothing) and return a line per thing it did or found.
Demo patients get their own function, appended here by the issue that adds them.
"""

from __future__ import annotations

from collections.abc import Callable

from spinecare.web.accounts.roles import Role
from spinecare.web.accounts.selectors import user_get_by_username
from spinecare.web.accounts.services import roles_ensure, user_create
from spinecare.web.demo_patients import demo_seed_evaluations, demo_seed_patients

# Published in the README; demo installs only (seed_demo refuses to run in production).
DEMO_PASSWORD = "spinecare-demo"  # noqa: S105

DEMO_USERS: tuple[tuple[str, Role, str, str], ...] = (
    # username, role, first name, last name
    ("demo", Role.CLINICIAN, "Dana", "Demo"),
    ("physio", Role.PHYSIOTHERAPIST, "Pat", "Physio"),
    ("frontdesk", Role.FRONT_DESK, "Frankie", "Desk"),
    ("admin", Role.ADMINISTRATOR, "Alex", "Admin"),
)


def demo_seed_roles() -> list[str]:
    roles_ensure()
    return [f"roles: {', '.join(Role.values)}"]


def demo_seed_users() -> list[str]:
    lines = []
    for username, role, first_name, last_name in DEMO_USERS:
        if user_get_by_username(username=username) is not None:
            lines.append(f"user {username}: exists, left unchanged")
            continue
        user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            first_name=first_name,
            last_name=last_name,
        )
        lines.append(f"user {username}: created ({role.label})")
    return lines


Seeder = Callable[[], list[str]]

SEEDERS: list[Seeder] = [
    demo_seed_roles,
    demo_seed_users,
    demo_seed_patients,  # ~25 synthetic patients (demo_patients.py)
    demo_seed_evaluations,  # their evaluations and assessments, dated relative to today
]
