"""A periodic job that publishes scheduled digests on time, editable in the admin (django-celery-beat)."""

from django.db import migrations

PUBLISH_DUE = "Publish scheduled digests"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=PUBLISH_DUE,
        defaults={
            "task": "digests.tasks.publish_due_digests",
            "interval": every_minute,
            "description": "Publishes every scheduled digest whose publish time has come.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=PUBLISH_DUE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0005_entry_shown_arxiv_id"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
