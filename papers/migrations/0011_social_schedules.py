"""The default social-post jobs, stored with django-celery-beat so editors can change them in the admin.

Collecting from a platform without credentials costs one log line and a skipped run record, so all three
are scheduled; an operator who never sets up X can disable its entry in the admin.
"""

from django.db import migrations

EVERY_15_MINUTES = (
    ("Collect X posts", "papers.tasks.collect_x_posts", "Search X for new posts linking arXiv (needs X_BEARER_TOKEN)."),
    (
        "Collect Bluesky posts",
        "papers.tasks.collect_bluesky_posts",
        "Search Bluesky for new posts linking arXiv (needs BLUESKY_HANDLE and BLUESKY_APP_PASSWORD).",
    ),
    (
        "Collect Hacker News posts",
        "papers.tasks.collect_hackernews_posts",
        "Search Hacker News for new stories whose URL is on arxiv.org (no key needed).",
    ),
    (
        "Fetch X embeds",
        "papers.tasks.fetch_tweet_oembeds",
        "Fetch the oEmbed HTML of X posts that have none yet (posts show their stored text until then).",
    ),
)
HOURLY = (
    (
        "Refresh post counters",
        "papers.tasks.refresh_post_counters",
        "Read again the counters of posts younger than HOTPAPERS_REFRESH_MAX_AGE_DAYS (a snapshot when they "
        "changed), and ask arXiv again for papers posts still wait for.",
    ),
)
NAMES = [name for name, _, _ in EVERY_15_MINUTES + HOURLY]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    quarter, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    for name, task, description in EVERY_15_MINUTES:
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "interval": quarter, "description": description}
        )
    # At minute 40, away from the collections' start and the daily arXiv run (02:30).
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="40", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    for name, task, description in HOURLY:
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": hourly, "description": description}
        )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0010_tweet_collection"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
