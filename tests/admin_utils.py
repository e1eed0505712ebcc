"""Checks shared by the admin tests of both apps."""

from html.parser import HTMLParser

from django.contrib.admin.utils import help_text_for_field
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def changelist_queries(client, model):
    """How many queries the model's admin changelist costs (asserting it renders)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def change_form_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def open_change_form(client, obj):
    """GETs the object's admin change form (asserting it renders), content types uncached.

    The admin looks content types up through a process-wide cache; emptied first, a query count
    does not depend on which test ran before.
    """
    ContentType.objects.clear_cache()
    response = client.get(change_form_url(obj))
    assert response.status_code == 200
    return response


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


class _FormFields(HTMLParser):
    """Collects what a browser would submit from a page's form: inputs, checked boxes, selects, textareas.

    A multiple select sends the list of its selected options, and nothing when none is selected; so
    does a list of checkboxes sharing a name (one ticked box: its value alone).
    """

    def __init__(self):
        super().__init__()
        self.data, self._select, self._multiple, self._textarea = {}, None, False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            value = attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")
            if attrs.get("type") == "checkbox" and name in self.data:  # a list of boxes: all ticked ones
                previous = self.data[name]
                self.data[name] = [*(previous if isinstance(previous, list) else [previous]), value]
            else:
                self.data[name] = value
        elif tag == "select" and name:
            self._select, self._multiple = name, "multiple" in attrs
            if not self._multiple:
                self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            if self._multiple:
                self.data.setdefault(self._select, []).append(attrs.get("value", ""))
            else:
                self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n") if not self.data[self._textarea] else data


def form_data(response):
    """The POST data a browser would send back from a rendered admin form, unchanged."""
    parser = _FormFields()
    parser.feed(response.content.decode())
    parser.data.pop("csrfmiddlewaretoken", None)
    return {key: value for key, value in parser.data.items() if "__prefix__" not in key}
