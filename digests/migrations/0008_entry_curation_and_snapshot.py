"""Entries keep what an editor decided (pinned, excluded, moved) and the ranking's figures at build time.

Entries stored before this had only their totals: their score becomes retweets + favorites (what the
ranking rule makes of the counted posts). A scheduled digest's published_at becomes its publish time,
as DailyDigest.save() now keeps it, so readers' dates are right from the moment it goes live.
"""

from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    DigestEntry = apps.get_model("digests", "DigestEntry")
    DailyDigest = apps.get_model("digests", "DailyDigest")
    DigestEntry.objects.update(score=F("retweets") + F("favorites"))
    DailyDigest.objects.filter(status="scheduled").update(published_at=F("publish_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0007_backfill_announced_on"),
    ]

    operations = [
        migrations.AddField(
            model_name="digestentry",
            name="account_count",
            field=models.PositiveIntegerField(
                default=0, help_text="Accounts among those posts (each account counts once, by its best post)."
            ),
        ),
        migrations.AddField(
            model_name="digestentry",
            name="is_excluded",
            field=models.BooleanField(
                default=False,
                help_text="Never shown, exported or counted; kept as the record of your decision, so a rebuild never adds the paper again.",
            ),
        ),
        migrations.AddField(
            model_name="digestentry",
            name="is_manually_placed",
            field=models.BooleanField(
                default=False, help_text="Moved by an editor: a rebuild keeps it at this position."
            ),
        ),
        migrations.AddField(
            model_name="digestentry",
            name="is_pinned",
            field=models.BooleanField(
                default=False, help_text="Stays in the digest and at its place when the digest is rebuilt."
            ),
        ),
        migrations.AddField(
            model_name="digestentry",
            name="post_count",
            field=models.PositiveIntegerField(
                default=0, help_text="Visible posts about the paper when the digest was built."
            ),
        ),
        migrations.AddField(
            model_name="digestentry",
            name="ranked_post_ids",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="The posts the ranking chose to embed at the last build (post ids, best first). An entry whose embedded posts differ has been edited by hand, and a rebuild keeps that choice.",
            ),
        ),
        migrations.AddField(
            model_name="digestentry",
            name="score",
            field=models.PositiveIntegerField(
                default=0,
                help_text="The paper's score when the digest was built: reposts + likes of its counted posts.",
            ),
        ),
        migrations.AddField(
            model_name="digestentry",
            name="sources",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='Platforms of the counted posts when the digest was built, e.g. ["x"].',
            ),
        ),
        migrations.AlterField(
            model_name="dailydigest",
            name="published_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When it went live (for a scheduled digest: when it will, its publish time).",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="dailydigest",
            name="status",
            field=models.CharField(
                choices=[("draft", "Draft"), ("scheduled", "Scheduled"), ("published", "Published")],
                db_index=True,
                default="draft",
                help_text="Draft: editors only. Scheduled: goes live by itself at its publish time. Published: public.",
                max_length=16,
            ),
        ),
        migrations.AlterConstraint(
            model_name="dailydigest",
            name="digest_published_has_published_at",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "published"), _negated=True), ("published_at__isnull", False), _connector="OR"
                ),
                name="digest_published_has_published_at",
                violation_error_message="A published digest needs the time it went live (Published at).",
            ),
        ),
        migrations.AlterConstraint(
            model_name="dailydigest",
            name="digest_scheduled_has_publish_at",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "scheduled"), _negated=True), ("publish_at__isnull", False), _connector="OR"
                ),
                name="digest_scheduled_has_publish_at",
                violation_error_message="A scheduled digest needs a publish time: choose when it should go live.",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
