"""Keeping published digests as they were shown when arXiv updates a paper; retiring cached pages on edits."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from papers.models import Paper
from papers.page_cache import page_cache_bump
from papers.signals import paper_metadata_changing

from .models import DailyDigest, DigestEntry, DigestEntryTweet, DigestTag, Tag


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


def _retire_cached_pages(sender, **kwargs):
    page_cache_bump(using=kwargs.get("using"))


# Every row a digest page shows. Bulk writes send no signals: their services bump themselves. Deletes
# are watched on digests and tags only, as in papers.signals (the admin saves the digest whenever it
# deletes an entry, a tag line or an embedded post, and the import service bumps after its deletes).
for _model in (DailyDigest, DigestTag, DigestEntry, DigestEntryTweet, Tag):
    post_save.connect(_retire_cached_pages, sender=_model, dispatch_uid=f"digests.page_cache.save.{_model.__name__}")
for _model in (DailyDigest, Tag):
    post_delete.connect(_retire_cached_pages, sender=_model, dispatch_uid=f"digests.page_cache.del.{_model.__name__}")
