"""Admin for Markdown uploads: an "Import Markdown posts" page under the MarkdownImport list.

Imported from DigestsConfig.ready(), so it registers whatever digests/admin.py does.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from .models import DailyDigest, MarkdownImport
from .services.uploads import MAX_UPLOAD_BYTES, markdown_import_enqueue, markdown_import_retry


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".md"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_file_clean(item, initial) for item in data]
        return [single_file_clean(data, initial)]


DIGEST_WRITE_PERMISSIONS = ("digests.add_dailydigest", "digests.change_dailydigest")


class MarkdownUploadForm(forms.Form):
    files = MultipleFileField(
        label="Markdown posts",
        help_text=(
            f"One or more seed-format .md files (UTF-8 with LF line ends, up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB "
            "each). Each creates its day's digest, or updates it if it exists (same slug); front matter "
            "<code>draft: true</code> makes a draft."
        ),
    )


@admin.register(MarkdownImport)
class MarkdownImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "status", "digest_link", "short_message", "created_by", "created_at", "finished_at"]
    list_display_links = ["filename"]
    list_filter = ["status"]
    search_fields = ["filename", "message"]
    date_hierarchy = "created_at"
    list_select_related = ["digest", "created_by"]
    fields = ["filename", "status", "message", "digest", "created_by", "created_at", "finished_at", "content"]
    readonly_fields = fields
    actions = ["import_again"]

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        upload = path("import/", self.admin_site.admin_view(self.import_view), name=name)
        return [upload, *super().get_urls()]

    # An import is a record of what happened: it is made by uploading, never edited by hand.
    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:digests_markdownimport_import")

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Import the selected files again (queued or failed ones)", permissions=["add"])
    def import_again(self, request, queryset):
        selected = list(queryset)  # before the retry changes statuses a status filter may select on
        count = markdown_import_retry(imports=selected)
        skipped = len(selected) - count
        note = f" ({skipped} already done, left alone)" if skipped else ""
        self.message_user(request, f"Queued {count} file{'' if count == 1 else 's'} again{note}.", messages.SUCCESS)

    @admin.display(description="Digest", ordering="digest__date")
    def digest_link(self, obj):
        if obj.digest is None:
            return "—"
        if self.admin_site.is_registered(DailyDigest):
            url = reverse("admin:digests_dailydigest_change", args=[obj.digest.pk])
        else:
            url = obj.digest.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, obj.digest.slug)

    @admin.display(description="Message")
    def short_message(self, obj):
        return Truncator(obj.message).chars(120)

    def has_add_permission(self, request):
        # An import creates, rewrites and publishes digests: it needs the rights to do that by hand.
        return super().has_add_permission(request) and request.user.has_perms(DIGEST_WRITE_PERMISSIONS)

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = MarkdownUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                imports = markdown_import_enqueue(files=form.cleaned_data["files"], user=request.user)
            except ValidationError as exc:
                form.add_error("files", exc)
            else:
                self._report(request, imports)
                if self.has_view_permission(request):
                    return redirect("admin:digests_markdownimport_changelist")
                return redirect("admin:digests_markdownimport_import")
        context = {
            **self.admin_site.each_context(request),
            "title": "Import Markdown posts",
            "opts": self.opts,
            "form": form,
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/digests/markdownimport/import.html", context)

    def _report(self, request, imports):
        count = len(imports)
        messages.success(request, f"Queued {count} file{'' if count == 1 else 's'}.")
        # With eager tasks (no Redis) the imports are already over: say how each went.
        finished = MarkdownImport.objects.filter(
            pk__in=[i.pk for i in imports], status__in=[MarkdownImport.Status.DONE, MarkdownImport.Status.FAILED]
        ).order_by("pk")
        for markdown_import in finished:
            if markdown_import.status == MarkdownImport.Status.DONE:
                messages.success(request, f"{markdown_import.filename}: {markdown_import.message}")
            else:
                messages.error(request, markdown_import.message)
