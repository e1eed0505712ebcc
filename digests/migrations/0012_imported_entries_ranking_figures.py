"""Imported entries get the ranking's figures behind their totals, as of their digest's build time.

Pages used to count an imported entry's posts and accounts on every request; imports now store them
(digests.services.importing_rows.ranking_figures) and pages read them like a built entry's. This
stores them for the entries imported before, by the same rule (digests.ranking.rank_papers, which
reads the posts tables only), with the same time the pages used.
"""

from django.db import migrations
from django.utils import timezone


def store_figures(apps, schema_editor):
    from digests.ranking import rank_papers

    DigestEntry = apps.get_model("digests", "DigestEntry")
    waiting = DigestEntry.objects.filter(post_count=0, score__gt=0).select_related("digest").order_by("digest_id")
    by_digest = {}
    for entry in waiting:
        by_digest.setdefault(entry.digest_id, []).append(entry)
    changed = []
    for entries in by_digest.values():
        digest = entries[0].digest
        as_of = digest.generated_at or digest.published_at or timezone.now()
        ranked = rank_papers(paper_ids=[entry.paper_id for entry in entries], as_of=as_of)
        for entry in entries:
            standing = ranked.get(entry.paper_id)
            if standing is not None and standing.post_count:
                entry.post_count, entry.account_count = standing.post_count, standing.account_count
                entry.sources = list(standing.sources)
                changed.append(entry)
    DigestEntry.objects.bulk_update(changed, ["post_count", "account_count", "sources"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("digests", "0011_history"), ("papers", "0011_social_schedules")]

    operations = [migrations.RunPython(store_figures, migrations.RunPython.noop)]
