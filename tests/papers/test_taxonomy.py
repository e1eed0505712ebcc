import importlib
import re
from collections import Counter

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from papers.models import Category, PaperCategory
from papers.taxonomy import GROUPS, TAXONOMY, TAXONOMY_CODES, sync_taxonomy
from tests.papers.factories import PaperFactory

migration = importlib.import_module("papers.migrations.0002_category_taxonomy")

CODE = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z-]+)?$")


def test_every_code_appears_once_with_a_name_and_a_known_group():
    assert len(TAXONOMY) == len(TAXONOMY_CODES) == 155
    for code, name, group in TAXONOMY:
        assert CODE.match(code), code
        assert name and name == name.strip(), code
        assert group in GROUPS, code


def test_groups_hold_the_number_of_categories_arxiv_lists():
    assert Counter(group for _code, _name, group in TAXONOMY) == {
        "Computer Science": 40,
        "Economics": 3,
        "Electrical Engineering and Systems Science": 4,
        "Mathematics": 32,
        "Physics": 51,
        "Quantitative Biology": 10,
        "Quantitative Finance": 9,
        "Statistics": 6,
    }


def test_archive_prefixes_match_their_groups():
    prefixes = {
        "cs": "Computer Science",
        "econ": "Economics",
        "eess": "Electrical Engineering and Systems Science",
        "math": "Mathematics",
        "q-bio": "Quantitative Biology",
        "q-fin": "Quantitative Finance",
        "stat": "Statistics",
    }
    for code, _name, group in TAXONOMY:
        assert group == prefixes.get(code.split(".")[0], "Physics"), code


def test_every_category_the_corpus_links_to_is_in_the_taxonomy(corpus_dir):
    pattern = re.compile(r"arxiv\.org/list/([^/\s)]+)/")
    codes = {code for path in corpus_dir.glob("*.md") for code in pattern.findall(path.read_text(encoding="utf-8"))}

    assert len(codes) >= 100
    assert codes - TAXONOMY_CODES == set()


@pytest.fixture
def taxonomy(db):
    # Migrations load it, but a transactional test's flush empties the table of a reused test database.
    sync_taxonomy(Category)


@pytest.mark.django_db
def test_the_migration_is_applied_and_loads_the_whole_taxonomy():
    assert ("papers", "0002_category_taxonomy") in MigrationLoader(connection).applied_migrations
    Category.objects.all().delete()

    migration.load_taxonomy(apps, schema_editor=None)

    assert Category.objects.filter(in_taxonomy=True).count() == len(TAXONOMY)
    assert Category.objects.values_list("name", "group").get(code="cs.LG") == ("Machine Learning", "Computer Science")
    assert Category.objects.get(code="q-fin.TR").name == "Trading and Market Microstructure"


def test_syncing_adopts_rows_an_importer_created_and_leaves_others_alone(taxonomy):
    Category.objects.filter(code="cs.LG").update(name="", group="", in_taxonomy=False)
    legacy = Category.objects.create(code="astro-ph", name="", in_taxonomy=False)

    sync_taxonomy(Category)

    assert Category.objects.values_list("name", "group", "in_taxonomy").get(code="cs.LG") == (
        "Machine Learning",
        "Computer Science",
        True,
    )
    legacy.refresh_from_db()
    assert legacy.in_taxonomy is False


def test_syncing_again_changes_nothing(taxonomy):
    before = list(Category.objects.order_by("code").values_list("pk", "code", "name", "group", "in_taxonomy"))

    sync_taxonomy(Category)

    assert list(Category.objects.order_by("code").values_list("pk", "code", "name", "group", "in_taxonomy")) == before


def test_reversing_removes_only_categories_no_paper_uses_and_forward_restores_them(taxonomy):
    PaperFactory(with_categories=["hep-th", "gr-qc"])
    legacy = Category.objects.create(code="chao-dyn", in_taxonomy=False)

    migration.unload_taxonomy(apps, schema_editor=None)

    assert set(Category.objects.values_list("code", flat=True)) == {"hep-th", "gr-qc", "chao-dyn"}
    assert PaperCategory.objects.count() == 2

    migration.load_taxonomy(apps, schema_editor=None)

    assert Category.objects.filter(in_taxonomy=True).count() == len(TAXONOMY)
    assert Category.objects.filter(pk=legacy.pk, in_taxonomy=False).exists()
