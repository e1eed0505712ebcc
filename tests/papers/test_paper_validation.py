"""Paper.arxiv_id accepts only a base id: the admin refuses the rest with a message, and migration 0007
reports stored ids that would not validate."""

import importlib.util
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from papers.models import Paper
from papers.validators import validate_base_arxiv_id
from tests.admin_utils import form_data
from tests.papers.factories import PaperFactory

VERSIONED_MESSAGE = "Enter the base id without a version: 2201.04182 (the version is stored separately)."


def error_of(value):
    with pytest.raises(ValidationError) as caught:
        validate_base_arxiv_id(value)
    return " ".join(caught.value.messages)


@pytest.mark.parametrize("value", ["2201.04182", "0706.0001", "hep-th/9901001", "math/0309136"])
def test_a_base_id_is_valid(value):
    validate_base_arxiv_id(value)


def test_a_versioned_id_is_refused_naming_its_base():
    assert error_of("2201.04182v2") == VERSIONED_MESSAGE
    assert error_of("hep-th/9901001v3") == (
        "Enter the base id without a version: hep-th/9901001 (the version is stored separately)."
    )


@pytest.mark.parametrize(
    ("value", "base"),
    [
        ("math.GT/0309136", "math/0309136"),
        ("https://arxiv.org/abs/2201.04182", "2201.04182"),
        ("arXiv:2201.04182", "2201.04182"),
        (" 2201.04182", "2201.04182"),
        ("HEP-TH/9901001", "hep-th/9901001"),
    ],
)
def test_another_way_of_writing_a_base_id_is_refused_naming_it(value, base):
    assert error_of(value) == f"Enter the base id as arXiv files it: {base}."


@pytest.mark.parametrize("value", ["hello", "", "2213.04182", "1501.0001", "2201.04182V2", "hep-th/0804001"])
def test_what_is_no_arxiv_id_is_refused_with_the_expected_forms(value):
    message = error_of(value)
    assert message.startswith("Enter an arXiv base id, e.g. 2201.04182 (from 2015), 0706.0001")
    assert "hep-th/9901001" in message


# The admin


ADD_URL = "/admin/papers/paper/add/"


def add_form_data(admin_client, **fields):
    data = form_data(admin_client.get(ADD_URL))
    data.update(title="A paper", **fields)
    return data


@pytest.mark.django_db
def test_the_admin_add_form_refuses_a_versioned_id_and_writes_nothing(admin_client):
    response = admin_client.post(ADD_URL, add_form_data(admin_client, arxiv_id="2201.04182v2"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["arxiv_id"] == [VERSIONED_MESSAGE]
    assert VERSIONED_MESSAGE in response.content.decode()
    assert not Paper.objects.exists()
    assert admin_client.get(reverse("admin:papers_paper_changelist")).status_code == 200


@pytest.mark.django_db
def test_the_admin_add_form_refuses_garbage_with_the_expected_forms(admin_client):
    response = admin_client.post(ADD_URL, add_form_data(admin_client, arxiv_id="abc/123"))

    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["arxiv_id"]
    assert error.startswith("Enter an arXiv base id, e.g. 2201.04182")
    assert not Paper.objects.exists()


@pytest.mark.django_db
def test_the_admin_add_form_accepts_a_base_id(admin_client):
    response = admin_client.post(ADD_URL, add_form_data(admin_client, arxiv_id="2201.04182"))

    assert response.status_code == 302
    assert Paper.objects.get().arxiv_id == "2201.04182"


@pytest.mark.django_db
def test_the_admin_change_form_refuses_a_versioned_id_and_keeps_the_row(admin_client):
    paper = PaperFactory(arxiv_id="2201.04182", title="Kept")
    url = reverse("admin:papers_paper_change", args=[paper.pk])
    data = form_data(admin_client.get(url))
    data.update(arxiv_id="2201.04182v2", title="Changed")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["arxiv_id"] == [VERSIONED_MESSAGE]
    paper.refresh_from_db()
    assert (paper.arxiv_id, paper.title) == ("2201.04182", "Kept")
    assert admin_client.get(reverse("admin:papers_paper_changelist")).status_code == 200


# Migration 0007 (found by name, so a renumbering at merge does not break this test)


def load_migration():
    [path] = Path(settings.BASE_DIR, "papers", "migrations").glob("*_arxiv_id_validator.py")
    spec = importlib.util.spec_from_file_location(f"papers.migrations.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_the_migration_reports_every_stored_id_that_would_not_validate_and_changes_nothing():
    # save() does not run validators: these are rows written before the validator existed.
    Paper.objects.bulk_create(
        Paper(arxiv_id=arxiv_id, title=arxiv_id)
        for arxiv_id in ["2201.04182", "2201.04182v2", "math.GT/0309136", "hep-th/9901001", "junk"]
    )
    migration = load_migration()

    found = migration.invalid_arxiv_ids(apps)
    out = io.StringIO()
    migration.report_invalid_arxiv_ids(apps, None, out=out)

    assert [arxiv_id for arxiv_id, _reason in found] == ["2201.04182v2", "junk", "math.GT/0309136"]
    assert dict(found)["2201.04182v2"] == VERSIONED_MESSAGE
    report = out.getvalue()
    assert "WARNING: 3 stored paper ids would not validate (nothing was changed" in report
    assert f"'2201.04182v2': {VERSIONED_MESSAGE}" in report
    assert "'math.GT/0309136': Enter the base id as arXiv files it: math/0309136." in report
    assert "'junk': Enter an arXiv base id" in report
    assert "'2201.04182':" not in report and "hep-th/9901001'" not in report
    assert Paper.objects.count() == 5 and Paper.objects.filter(arxiv_id="2201.04182v2").exists()


@pytest.mark.django_db
def test_the_migration_is_silent_when_every_id_is_valid():
    PaperFactory(arxiv_id="2201.04182")
    out = io.StringIO()
    load_migration().report_invalid_arxiv_ids(apps, None, out=out)
    assert out.getvalue() == ""
