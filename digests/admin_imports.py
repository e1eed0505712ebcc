"""Admin for Markdown uploads: an "Import Markdown posts" page under the MarkdownImport list.

Imported by digests/admin.py, as each app's admin.py imports its tool pages.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from papers.admin_base import ToolPageAdmin, link, short
from papers.queueing import QueueUnavailable

from .models import DailyDigest, MarkdownImport
from .services.uploads import MAX_UPLOAD_BYTES, markdown_imports_create, markdown_imports_requeue
from .tasks import queue_markdown_imports


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
class MarkdownImportAdmin(ToolPageAdmin):
    list_display = ["filename", "status", "digest_link", "short_message", "created_by", "created_at", "finished_at"]
    list_display_links = ["filename"]
    list_filter = ["status"]
    search_fields = ["filename", "message"]
    date_hierarchy = "created_at"
    list_select_related = ["digest", "created_by"]
    fields = ["filename", "status", "message", "digest", "created_by", "created_at", "finished_at", "content"]
    readonly_fields = fields
    actions = ["import_again"]
    tool_page = "import"
    tool_page_title = "Import Markdown posts"

    # An import is a record of what happened: it is made by uploading (adding leads to the upload
    # page), never edited by hand.
    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Import the selected files again (queued or failed ones)", permissions=["add"])
    def import_again(self, request, queryset):
        selected = list(queryset)  # before the retry changes statuses a status filter may select on
        try:
            requeued = markdown_imports_requeue(imports=selected)
            queue_markdown_imports(import_ids=requeued)
        except QueueUnavailable as exc:
            self.message_user(request, f"{exc} The files stay queued: import them again later.", messages.ERROR)
            return
        count = len(requeued)
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
        return link(url, obj.digest.slug)

    @admin.display(description="Message")
    def short_message(self, obj):
        return short(obj.message, 120)

    def has_add_permission(self, request):
        # An import creates, rewrites and publishes digests: it needs the rights to do that by hand.
        return super().has_add_permission(request) and request.user.has_perms(DIGEST_WRITE_PERMISSIONS)

    def tool_page_view(self, request):
        form = MarkdownUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                imports = markdown_imports_create(files=form.cleaned_data["files"], user=request.user)
                queue_markdown_imports(import_ids=[markdown_import.pk for markdown_import in imports])
            except ValidationError as exc:
                form.add_error("files", exc)
            except QueueUnavailable as exc:
                messages.error(
                    request,
                    f"{exc} The files were saved as queued imports: select them in this list and choose "
                    "“Import the selected files again” once the queue is back.",
                )
                view = "changelist" if self.has_view_permission(request) else "import"
                return redirect(f"admin:digests_markdownimport_{view}")
            else:
                self._report(request, imports)
                if self.has_view_permission(request):
                    return redirect("admin:digests_markdownimport_changelist")
                return redirect("admin:digests_markdownimport_import")
        return self.render_tool_page(request, form)

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
