"""A periodic job that builds the day's draft digest after the morning collection (django-celery-beat).

07:30 New York time, Monday to Friday: arXiv's listing dated that day went out the evening before,
and its posts have been collected overnight. Editable in the admin (Periodic tasks).
"""

from django.db import migrations

BUILD_DAILY = "Build the day's digest"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    weekday_mornings, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="7",
        day_of_week="1-5",
        day_of_month="*",
        month_of_year="*",
        timezone="America/New_York",
    )
    PeriodicTask.objects.get_or_create(
        name=BUILD_DAILY,
        defaults={
            "task": "digests.tasks.build_daily_digest",
            "crontab": weekday_mornings,
            "description": "Builds (or refreshes) the draft digest of today's arXiv listing from the ranking; "
            "editors' pins, exclusions, notes and moves are kept, and published digests are left alone.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=BUILD_DAILY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0008_entry_curation_and_snapshot"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
