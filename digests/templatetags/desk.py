"""The editor's desk on the admin index: {% desk_dashboard %} (see digests.admin_dashboard)."""

from django import template

from digests.admin_dashboard import desk_dashboard as dashboard_selector

register = template.Library()


@register.inclusion_tag("admin/digests/desk_dashboard.html", takes_context=True)
def desk_dashboard(context):
    request = context["request"]
    return {
        "dashboard": dashboard_selector(),
        "can_change_digests": request.user.has_perm("digests.change_dailydigest"),
        "can_see_schedules": request.user.has_perm("django_celery_beat.view_periodictask"),
    }
