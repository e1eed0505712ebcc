"""Keeping published digests as they were shown when arXiv updates a paper."""

from django.dispatch import receiver

from papers.models import Paper
from papers.signals import paper_metadata_changing

from .models import DailyDigest, DigestEntry


@receiver(paper_metadata_changing, sender=Paper, dispatch_uid="digests.freeze_shown_metadata")
def freeze_shown_metadata(sender, *, papers, records, **kwargs):
    """Copy the old value of every field about to change into published entries that relied on it."""
    entries = list(
        DigestEntry.objects.filter(paper__in=papers, digest__status=DailyDigest.Status.PUBLISHED)
        .select_related("paper")
        .prefetch_related("paper__authorships__author", "paper__paper_categories__category")
    )
    frozen = []
    for entry in entries:
        record = records[entry.paper.arxiv_id]
        changed = False
        if not entry.shown_title and entry.paper.title != record.title:
            entry.shown_title, changed = entry.paper.title, True
        if not entry.shown_abstract and entry.paper.abstract != record.abstract:
            entry.shown_abstract, changed = entry.paper.abstract, True
        if entry.shown_authors is None and entry.author_names != list(record.authors):
            entry.shown_authors, changed = entry.author_names, True
        if entry.shown_categories is None and entry.category_codes != list(record.categories):
            entry.shown_categories, changed = entry.category_codes, True
        if changed:
            frozen.append(entry)
    DigestEntry.objects.bulk_update(frozen, ["shown_title", "shown_abstract", "shown_authors", "shown_categories"])
