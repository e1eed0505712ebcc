"""The default periodic jobs, stored with django-celery-beat so editors can change them in the admin."""

from django.db import migrations

DAILY_INGESTION = "Daily arXiv ingestion"


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # arXiv announces new papers around 20:00 US Eastern (00:00-01:00 UTC); run after that settles.
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=DAILY_INGESTION,
        defaults={
            "task": "papers.tasks.ingest_daily_categories",
            "crontab": crontab,
            "description": "Fetch the last days' papers of the categories in HOTPAPERS_ARXIV_CATEGORIES.",
        },
    )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=DAILY_INGESTION).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0003_ingestrun"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
