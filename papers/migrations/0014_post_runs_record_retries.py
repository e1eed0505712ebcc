"""Run records say which requests failed along the way, by kind (PostCollectionRun.retries, IngestRun.retries)."""

from django.db import migrations, models

RETRIES_HELP = (
    "Requests that failed during the run, by kind (HTTP 503, timeout, HTTP 429, ...): each was tried again, by "
    "the client or by the next run of the job."
)


class Migration(migrations.Migration):
    dependencies = [("papers", "0013_stalled_runs_schedule")]

    operations = [
        migrations.AddField(
            model_name="postcollectionrun",
            name="retries",
            field=models.JSONField(blank=True, default=dict, help_text=RETRIES_HELP),
        ),
        migrations.AddField(
            model_name="ingestrun",
            name="retries",
            field=models.JSONField(blank=True, default=dict, help_text=RETRIES_HELP),
        ),
    ]
