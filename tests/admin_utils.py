"""Checks shared by the admin tests of both apps."""

from django.contrib.admin.utils import help_text_for_field
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def changelist_queries(client, model):
    """How many queries the model's admin changelist costs (asserting it renders)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def fields_without_help_text(model_admin, request, obj=None):
    """Names of the fields an editor sees on the change form (inlines included) that explain nothing."""
    missing = []
    forms = [(model_admin.model, model_admin.get_form(request, obj), model_admin.get_readonly_fields(request, obj))]
    for inline in model_admin.get_inline_instances(request, obj):
        formset = inline.get_formset(request, obj)
        forms.append((inline.model, formset.form, inline.get_readonly_fields(request, obj)))
    for model, form, readonly in forms:
        for name, field in form.base_fields.items():
            if not field.help_text and not field.widget.is_hidden:
                missing.append(f"{model.__name__}.{name}")
        for name in readonly:
            if not (form._meta.help_texts or {}).get(name) and not help_text_for_field(name, model):
                missing.append(f"{model.__name__}.{name} (read-only)")
    return missing
