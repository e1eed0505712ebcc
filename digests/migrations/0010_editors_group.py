"""The "Editors" group: curate, schedule and publish digests and moderate posts; nothing else.

Editors may add, change and delete digests, their entries, tags and embedded posts, upload Markdown,
see everything the papers app stores, correct a paper (its announcement date, say) and hide a post
(change on social posts). They get nothing of auth (users, groups) or django_celery_beat (schedules).
Running it again puts the group's permissions back to this list.
"""

from django.db import migrations

GROUP = "Editors"

DIGESTS = {
    "dailydigest": ["add", "change", "delete", "view"],
    "digestentry": ["add", "change", "delete", "view"],
    "digestentrytweet": ["add", "change", "delete", "view"],
    "digesttag": ["add", "change", "delete", "view"],
    "tag": ["add", "change", "delete", "view"],
    "markdownimport": ["add", "view"],
}
# On top of viewing every papers model.
PAPERS = {"paper": ["change"], "tweet": ["change"]}


def _ensure_permissions(apps):
    """Permissions are made after migrating (post_migrate); a fresh database needs them now."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_editors_group(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    wanted = {("digests", f"{action}_{model}") for model, actions in DIGESTS.items() for action in actions}
    wanted |= {("papers", f"{action}_{model}") for model, actions in PAPERS.items() for action in actions}
    wanted |= {("papers", f"view_{model._meta.model_name}") for model in apps.get_app_config("papers").get_models()}

    permissions = [
        permission
        for permission in Permission.objects.filter(content_type__app_label__in=["digests", "papers"]).select_related(
            "content_type"
        )
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
    if missing:
        raise RuntimeError(f"Editors group: no such permissions: {sorted(missing)}")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(permissions)


def delete_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("papers", "0009_paper_search_vector"),
        ("digests", "0009_build_schedule"),
    ]

    operations = [migrations.RunPython(create_editors_group, delete_editors_group)]
