"""Admin for arXiv ingestion: the record of every run, and a page to ingest pasted ids or URLs."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from .models import IngestRun
from .services.arxiv_ingest import arxiv_ingest_enqueue
from .sources.arxiv import ArxivError, InvalidArxivId, parse_id_list


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
class IngestRunAdmin(admin.ModelAdmin):
    """Ingestion jobs write these records; editors read them, and start new runs from here."""

    list_display = ["started_at", "kind", "status", "summary", "pages", "finished_at"]
    list_filter = ["kind", "status", ("started_at", admin.DateFieldListFilter)]
    date_hierarchy = "started_at"
    search_fields = ["error", "resumption_token"]
    readonly_fields = [field.name for field in IngestRun._meta.fields if not field.primary_key]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:papers_ingestrun_ingest")

    @admin.display(description="created / updated / unchanged / failed")
    def summary(self, obj):
        return f"{obj.created} / {obj.updated} / {obj.unchanged} / {obj.failed}"

    def get_urls(self):
        ingest = path("ingest/", self.admin_site.admin_view(self.ingest_view), name="papers_ingestrun_ingest")
        return [ingest, *super().get_urls()]

    def ingest_view(self, request):
        if not request.user.has_perm("papers.change_paper"):
            raise PermissionDenied
        form = ArxivIdsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    ids = arxiv_ingest_enqueue(ids=form.cleaned_data["ids"])
            except ArxivError as exc:  # only when the job ran eagerly, in this request
                messages.error(request, f"arXiv ingestion failed: {exc}")
            else:
                self._report(request, ids)
            return redirect("admin:papers_ingestrun_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Ingest papers from arXiv",
            "opts": self.opts,
            "form": form,
        }
        return TemplateResponse(request, "admin/papers/ingestrun/ingest.html", context)

    def _report(self, request, ids):
        noun = "paper" if len(ids) == 1 else "papers"
        run = IngestRun.objects.filter(kind=IngestRun.Kind.IDS).first()
        if run is not None and run.parameters.get("ids") == ids:  # eager mode: the run has finished
            level = (
                messages.SUCCESS if run.status == IngestRun.Status.SUCCEEDED and not run.failed else messages.WARNING
            )
            detail = f": {run.created} created, {run.updated} updated, {run.unchanged} unchanged, {run.failed} failed"
            messages.add_message(request, level, f"Ingested {len(ids)} {noun}{detail}. {run.error}".strip())
        else:
            messages.success(request, f"Queued {len(ids)} {noun} for ingestion; the run appears below when done.")
