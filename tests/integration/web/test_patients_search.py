"""Patient search: by name, date of birth or MRN; live (htmx) and plain GET; audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from spinecare.web.audit.models import AuditEvent
from webfactories import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_kb() -> None:
    """Overrides conftest's: these pages use the KB as it is, so it is loaded once, not per test."""


@pytest.fixture
def patients(staff: dict[str, User]) -> None:
    make_patient(
        given_name="Jane", family_name="Smithson", mrn="MRN-100", date_of_birth=dt.date(1968, 3, 27)
    )
    make_patient(
        given_name="John", family_name="Smith", mrn="MRN-200", date_of_birth=dt.date(1955, 1, 2)
    )
    make_patient(
        given_name="Mary", family_name="Jones", mrn="XYZ-300", date_of_birth=dt.date(1968, 3, 27)
    )


@pytest.fixture
def signed_in(client: Client, staff: dict[str, User]) -> Client:
    client.force_login(staff["clinician"])
    return client


def _names(response: object) -> list[str]:
    return [p.family_name for p in response.context["results"]]  # type: ignore[attr-defined]


@pytest.mark.usefixtures("patients")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("smith", ["Smith", "Smithson"]),
        ("jane smith", ["Smithson"]),
        ("Smith, John", ["Smith"]),
        ("1968-03-27", ["Jones", "Smithson"]),
        ("27/03/1968", ["Jones", "Smithson"]),
        ("MRN-2", ["Smith"]),
        ("xyz-300", ["Jones"]),
        ("nobody-matches", []),
    ],
)
def test_search_by_name_dob_or_mrn(signed_in: Client, query: str, expected: list[str]) -> None:
    response = signed_in.get(reverse("patients:search"), {"q": query})

    assert response.status_code == 200
    assert sorted(_names(response)) == expected


@pytest.mark.usefixtures("patients")
def test_search_without_query_lists_recent_patients(signed_in: Client) -> None:
    response = signed_in.get(reverse("patients:search"))

    assert len(_names(response)) == 3
    assertContains(response, "most recently updated")


@pytest.mark.usefixtures("patients")
def test_search_page_works_without_javascript(signed_in: Client) -> None:
    """A plain GET form with a labelled field and a submit button; htmx only enhances it."""
    response = signed_in.get(reverse("patients:search"), {"q": "jones"})

    assertTemplateUsed(response, "patients/search.html")
    assertContains(response, '<form class="search-form" method="get"')
    assertContains(response, '<label for="id_q">')
    assertContains(response, '<button type="submit" class="button">Search</button>', html=True)
    assertContains(response, 'hx-get="/patients/"')
    assertContains(response, 'hx-trigger="input changed delay:300ms, search"')
    assertContains(response, 'value="jones"')
    assertContains(response, "JONES, Mary")


@pytest.mark.usefixtures("patients")
def test_live_search_returns_the_results_fragment(signed_in: Client) -> None:
    response = signed_in.get(
        reverse("patients:search"), {"q": "jones"}, headers={"HX-Request": "true"}
    )

    assertTemplateUsed(response, "patients/_results.html")
    assertNotContains(response, "<html")
    assertContains(response, 'hx-swap-oob="innerHTML"')
    assertContains(response, "1 patient found")
    assert "HX-Request" in response["Vary"]


@pytest.mark.usefixtures("patients")
def test_history_restore_gets_the_whole_page(signed_in: Client) -> None:
    response = signed_in.get(
        reverse("patients:search"),
        {"q": "jones"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assertTemplateUsed(response, "patients/search.html")


@pytest.mark.usefixtures("patients")
def test_search_is_audited_without_the_query(signed_in: Client, staff: dict[str, User]) -> None:
    """The audit event records who searched and how many results, never what was typed."""
    signed_in.get(reverse("patients:search"), {"q": "Smithson"})

    event = AuditEvent.objects.get(action="search")
    assert event.user == staff["clinician"]
    assert event.object_type == "patient"
    assert event.patient is None
    assert event.detail == {"results": 1}
    assert "Smithson" not in str(event.__dict__)


@pytest.mark.usefixtures("patients")
def test_no_match_suggests_creating_the_patient(signed_in: Client) -> None:
    response = signed_in.get(reverse("patients:search"), {"q": "Nobody"})

    assertContains(response, "No patient matches")
    assertContains(response, reverse("patients:create"))


def test_physio_without_create_permission_gets_no_create_link(
    client: Client, staff: dict[str, User]
) -> None:
    client.force_login(staff["physio"])

    response = client.get(reverse("patients:search"), {"q": "Nobody"})

    assertNotContains(response, reverse("patients:create"))


def test_search_query_count_does_not_grow_with_results(
    signed_in: Client, staff: dict[str, User], django_assert_max_num_queries: object
) -> None:
    for i in range(20):
        make_patient(family_name=f"Many{i}", physiotherapist=staff["physio"])

    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = signed_in.get(reverse("patients:search"), {"q": "many"})

    assert len(_names(response)) == 20
