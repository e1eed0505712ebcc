from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from .models import Author, Authorship, Category, Paper, PaperCategory, Tweet, TweetMetrics
from .page_cache import page_cache_bump

# Sent with sender=Paper just before papers_upsert() overwrites papers' metadata, inside the
# same transaction. Arguments: papers (the Paper rows, still holding their old values) and
# records (arxiv_id -> the PaperRecord about to be written). The digests app listens so a
# published digest keeps showing what it showed.
paper_metadata_changing = Signal()


def _retire_cached_pages(sender, **kwargs):
    page_cache_bump(using=kwargs.get("using"))


# Every row a public page shows. Bulk writes send no signals: the services that write in bulk call
# page_cache_bump() themselves. Deletes are watched on the main rows only: a delete listener on a
# link table would turn the services' one-query deletes into fetch-then-delete, and the admin saves
# the parent row (a post_save here) whenever it deletes an inline.
for _model in (Category, Author, Paper, Authorship, PaperCategory, Tweet, TweetMetrics):
    post_save.connect(_retire_cached_pages, sender=_model, dispatch_uid=f"papers.page_cache.save.{_model.__name__}")
for _model in (Category, Author, Paper, Tweet):
    post_delete.connect(_retire_cached_pages, sender=_model, dispatch_uid=f"papers.page_cache.del.{_model.__name__}")
m2m_changed.connect(_retire_cached_pages, sender=Tweet.papers.through, dispatch_uid="papers.page_cache.tweet_papers")
