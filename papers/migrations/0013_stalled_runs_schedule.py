"""The sweep that marks failed the runs whose worker died, stored with django-celery-beat (editable in the admin).

Every 5 minutes: a run is declared dead only after the broker's visibility timeout and a margin
(HOTPAPERS_RUN_STALLED_AFTER), so sweeping more often would find nothing more.
"""

from django.db import migrations

NAME = "Fail stalled runs"
TASK = "papers.tasks.fail_stalled_runs"
DESCRIPTION = (
    "Mark failed the ingestion and post runs still 'running' whose worker shows no sign of life for longer "
    "than the broker's visibility timeout (CELERY_BROKER_VISIBILITY_TIMEOUT) and a margin: their worker died."
)


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_5_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "interval": every_5_minutes, "description": DESCRIPTION}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0012_ingest_run_progress"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
