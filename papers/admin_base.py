"""What every admin page editors use shares, in both apps: EditorAdmin and its inlines, display
helpers, and ToolPageAdmin for the pages of our own (paste arXiv ids, upload Markdown posts).

Neutral ground: it imports no app's admin, so digests may import it and papers imports nothing from
digests.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from .uploads import limit_upload

ARXIV_LINKS_HELP = "The paper on arXiv (abstract, PDF) and on this site."


def short(text, length=80):
    """The text on one line, cut to length: for changelist cells."""
    return Truncator(" ".join((text or "").split())).chars(length)


def link(url, text):
    return format_html('<a href="{}">{}</a>', url, text)


def arxiv_links(paper):
    return format_html(
        '<a href="{}">abs</a> · <a href="{}">pdf</a> · <a href="{}">site</a>',
        paper.abs_url,
        paper.pdf_url,
        paper.get_absolute_url(),
    )


class _EditorFields:
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Django 6 assumes https for a URL typed without a scheme; opt in now.
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class EditorAdmin(_EditorFields, admin.ModelAdmin):
    """This project's ModelAdmin defaults.

    help_texts = {name: text} explains read-only display methods, which have no model field to
    carry a help_text; they go to the form factory's Meta.help_texts, which Django also reads for
    read-only fields. Model fields keep their help_text on the model.
    """

    help_texts = {}

    def get_queryset(self, request):
        # Meta.ordering is ignored once a subclass annotates a count (GROUP BY); state it so
        # autocomplete answers stay ordered.
        queryset = super().get_queryset(request)
        return queryset if queryset.query.order_by else queryset.order_by(*self.model._meta.ordering)

    def get_form(self, request, obj=None, **kwargs):
        kwargs.setdefault("help_texts", self.help_texts)
        return super().get_form(request, obj, **kwargs)

    def save_formset(self, request, form, formset, change):
        """Inline rows with a unique position save in any new order, swaps included.

        The rows are saved one by one and each position is checked at once, so the rows that move
        or go away are first parked out of range (inside the admin's transaction).
        """
        if any(field.name == "position" for field in formset.model._meta.fields):
            leaving = [
                inline_form.instance.pk
                for inline_form in formset.initial_forms
                if formset._should_delete_form(inline_form) or "position" in inline_form.changed_data
            ]
            if leaving:
                formset.model._default_manager.filter(pk__in=leaving).update(position=F("position") + 10_000)
        super().save_formset(request, form, formset, change)


class LoadedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete select, showing its selected option from an object already loaded.

    Django's widget looks its selected option up with a query of its own, so an inline of n rows
    costs n queries. An EditorInline row hands its widget the related object that the inline's
    queryset selected (`loaded`); while the value is that object's, the widget shows it without a
    query. Any other value (a form shown again with its errors) is looked up as Django does.
    """

    loaded = None

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if self.loaded is None or selected != {str(getattr(self.loaded, self.field.target_field.attname))}:
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        option_value = getattr(self.loaded, self.field.target_field.attname)
        label = self.choices.field.label_from_instance(self.loaded)
        options.append(self.create_option(name, option_value, label, True, len(options)))
        return [(None, options, 0)]


class EditorInlineForm(forms.ModelForm):
    """An inline row's form: its autocomplete widgets show the objects its instance already holds."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # inside the admin's related-links wrapper
            if isinstance(widget, LoadedAutocompleteSelect):
                model_field = self.instance._meta.get_field(name)
                if model_field.is_cached(self.instance):
                    widget.loaded = model_field.get_cached_value(self.instance)


class EditorInline(_EditorFields):
    """This project's inline defaults: rows at a fixed query cost.

    Each inline states in get_queryset the select_related its rows need: the objects its
    autocomplete fields show (handed to their widgets, which then do not query per row) and what the
    row's __str__ reads (the admin prints it on every row).
    """

    form = EditorInlineForm
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = LoadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EditorTabularInline(EditorInline, admin.TabularInline):
    pass


class EditorStackedInline(EditorInline, admin.StackedInline):
    pass


class ToolPageAdmin(EditorAdmin):
    """An EditorAdmin with a page of its own under its changelist: a form that starts some work.

    tool_page = "ingest" serves /admin/<app>/<model>/ingest/ (URL name admin:<app>_<model>_ingest)
    from the template admin/<app>/<model>/ingest.html, which extends admin/tool_page.html. The
    subclass writes tool_page_view(request), ending in render_tool_page(request, form). Editors with
    has_tool_page_permission() (by default: may add) find the page linked, titled tool_page_title, on
    the changelist; adding a record means using the page, so the add view leads there.
    """

    tool_page = ""
    tool_page_title = ""
    tool_page_replaces_add = True  # False: records are also added by hand, and the changelist offers both
    tool_page_max_upload_bytes = None  # an upload page: bigger files are refused as they arrive (papers/uploads.py)
    change_list_template = "admin/tool_page_change_list.html"

    def has_tool_page_permission(self, request):
        return self.has_add_permission(request)

    def tool_page_view(self, request):
        raise NotImplementedError

    @property
    def tool_page_url_name(self):
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_{self.tool_page}"

    def get_urls(self):
        name = self.tool_page_url_name.removeprefix("admin:")
        view = self._tool_page_view
        if self.tool_page_max_upload_bytes:
            view = limit_upload(view, max_bytes=self.tool_page_max_upload_bytes)
        page = path(f"{self.tool_page}/", self.admin_site.admin_view(view), name=name)
        return [page, *super().get_urls()]

    def _tool_page_view(self, request):
        if not self.has_tool_page_permission(request):
            raise PermissionDenied
        return self.tool_page_view(request)

    def render_tool_page(self, request, form):
        context = {
            **self.admin_site.each_context(request),
            "title": self.tool_page_title,
            "opts": self.opts,
            "form": form,
            "has_view_permission": self.has_view_permission(request),
        }
        template = f"admin/{self.opts.app_label}/{self.opts.model_name}/{self.tool_page}.html"
        return TemplateResponse(request, template, context)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.tool_page_replaces_add:
            return super().add_view(request, form_url, extra_context)
        return redirect(self.tool_page_url_name)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "tool_page_keeps_add": not self.tool_page_replaces_add}
        if self.has_tool_page_permission(request):
            extra_context["tool_page"] = {"url": reverse(self.tool_page_url_name), "title": self.tool_page_title}
        return super().changelist_view(request, extra_context)
