"""django-celery-beat's periodic-task admin, whose "Run selected tasks" tells the editor when the queue is down."""

from django.contrib import admin, messages
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

from .queueing import BROKER_ERRORS, QueueUnavailable, broker_ping


class QueueAwarePeriodicTaskAdmin(PeriodicTaskAdmin):
    @admin.action(description="Run selected tasks")
    def run_tasks(self, request, queryset):
        if not self.celery_app.conf.task_always_eager and broker_ping() is False:
            self.message_user(request, str(QueueUnavailable()), messages.ERROR)
            return None
        try:
            return super().run_tasks(request, queryset)
        except BROKER_ERRORS:
            self.message_user(request, str(QueueUnavailable()), messages.ERROR)
            return None


admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, QueueAwarePeriodicTaskAdmin)
