from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = "Digests"

    def ready(self):
        from papers.services.freshness import job_register

        from . import receivers  # noqa: F401  (connects the receivers)
        from .models import DailyDigest

        # A build stamps its digest's generated_at; weekday mornings only, so Friday's build must last
        # until Monday's (72 hours) without paging anyone.
        job_register(
            name="build_digest",
            runs=lambda: DailyDigest.objects.exclude(generated_at=None),
            at="generated_at",
            max_age_hours=75,
            tasks=["digests.tasks.build_daily_digest"],
        )
