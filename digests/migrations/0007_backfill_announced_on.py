"""Backfill Paper.announced_on for papers stored before it existed.

A paper that appears in a digest takes the date of the first (earliest) digest it appeared in: that
is the day it was featured, even when arXiv's schedule would say otherwise. Any other paper with a
version-1 time takes the listing arXiv's schedule gives (papers.announcements). A date already set
(an editor's correction) is kept. It lives in digests because only digests knows both apps; papers
must not import digests.
"""

from django.db import migrations
from django.db.models import Exists, Min, OuterRef, Subquery

from papers.announcements import announced_on_for

BATCH = 2000


def backfill_announced_on(apps, schema_editor):
    Paper = apps.get_model("papers", "Paper")
    DigestEntry = apps.get_model("digests", "DigestEntry")

    entries = DigestEntry.objects.filter(paper=OuterRef("pk"))
    first_digest = entries.order_by().values("paper").annotate(first=Min("digest__date")).values("first")
    Paper.objects.filter(Exists(entries), announced_on__isnull=True).update(announced_on=Subquery(first_digest))

    # Read first, then write: SQLite gives no isolation between a running read and writes to its table.
    pending = Paper.objects.filter(announced_on__isnull=True, published__isnull=False).values_list("pk", "published")
    derived = [Paper(pk=pk, announced_on=announced_on_for(published)) for pk, published in pending]
    Paper.objects.bulk_update(derived, ["announced_on"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0006_publish_schedule"),
        ("papers", "0008_paper_announced_on"),
    ]

    operations = [migrations.RunPython(backfill_announced_on, migrations.RunPython.noop)]
