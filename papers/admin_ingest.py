"""Admin for arXiv ingestion: the record of every run, and a page to ingest pasted ids or URLs.

Imported by papers/admin.py, as each app's admin.py imports its tool pages.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect

from .admin_base import ToolPageAdmin
from .models import IngestRun
from .queueing import QueueUnavailable
from .services.arxiv_ingest import ingest_runs_take_finished, papers_ingest_ids_prepare
from .sources.arxiv import ArxivError, InvalidArxivId, parse_id_list
from .tasks import queue_ingest_arxiv_ids


class ArxivIdsForm(forms.Form):
    ids = forms.CharField(
        label="arXiv ids or URLs",
        widget=forms.Textarea(
            attrs={"rows": 6, "cols": 60, "placeholder": "2201.04182\nhttps://arxiv.org/abs/2201.04600v2"}
        ),
        help_text="One or more, separated by commas, spaces or new lines: 2201.04182, arXiv:2201.04182v2, "
        "hep-th/9901001 or https://arxiv.org/abs/2201.04182. Known papers are refreshed if arXiv has a newer version.",
    )

    def clean_ids(self):
        try:
            return [str(arxiv_id) for arxiv_id in parse_id_list(self.cleaned_data["ids"])]
        except InvalidArxivId as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(IngestRun)
class IngestRunAdmin(ToolPageAdmin):
    """Ingestion jobs write these records; editors read them, and start new runs from here."""

    list_display = ["started_at", "kind", "status", "summary", "pages", "failed_requests", "finished_at"]
    list_filter = ["kind", "status", ("started_at", admin.DateFieldListFilter)]
    date_hierarchy = "started_at"
    search_fields = ["error", "resumption_token"]
    readonly_fields = [field.name for field in IngestRun._meta.fields if not field.primary_key]
    tool_page = "ingest"
    tool_page_title = "Ingest papers from arXiv"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_tool_page_permission(self, request):
        return request.user.has_perm("papers.change_paper")

    @admin.display(description="created / updated / unchanged / failed")
    def summary(self, obj):
        return f"{obj.created} / {obj.updated} / {obj.unchanged} / {obj.failed}"

    @admin.display(description="failed requests (retried)")
    def failed_requests(self, obj):
        return obj.retries_summary or "-"

    def tool_page_view(self, request):
        form = ArxivIdsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    ids = papers_ingest_ids_prepare(ids=form.cleaned_data["ids"])
                    queue_ingest_arxiv_ids(ids=ids, requested_by_id=request.user.pk)
            except ArxivError:
                pass  # only when the job ran eagerly, in this request: its run records the failure
            except QueueUnavailable as exc:
                messages.error(request, str(exc))
            else:
                noun = "paper" if len(ids) == 1 else "papers"
                messages.info(request, f"Queued {len(ids)} {noun} for ingestion from arXiv.")
            return redirect("admin:papers_ingestrun_changelist")
        return self.render_tool_page(request, form)

    def changelist_view(self, request, extra_context=None):
        # The runs this editor started, finished since they last looked: say how each went.
        for run in ingest_runs_take_finished(user=request.user):
            announce_run(request, run)
        return super().changelist_view(request, extra_context)


def announce_run(request, run):
    ids = run.parameters.get("ids", [])
    what = f"{len(ids)} id{'' if len(ids) == 1 else 's'} ({', '.join(ids[:3])}{', …' if len(ids) > 3 else ''})"
    counts = f"{run.created} created, {run.updated} updated, {run.unchanged} unchanged, {run.failed} failed"
    if run.status == IngestRun.Status.FAILED:
        messages.error(request, f"Ingesting {what} failed: {run.error}")
    elif run.failed:
        messages.warning(request, f"Ingested {what}: {counts}. {run.error}")
    else:
        messages.success(request, f"Ingested {what}: {counts}.")
