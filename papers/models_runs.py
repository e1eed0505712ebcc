"""Run records: what each ingestion or collection job asked for, what it changed, and how it ended.

Freshness monitoring reads these, and a failed run leaves here the point the next one resumes from.
papers.models imports this module (after Tweet, which the post runs name), so import the models from there.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .models import Tweet

RETRIES_HELP = (
    "Requests that failed during the run, by kind (HTTP 503, timeout, HTTP 429, ...): each was tried again, by "
    "the client or by the next run of the job."
)


def retries_text(retries):
    """A run's failed requests as people read them: "3 × HTTP 503, 2 × timeout" (most first), "" for none."""
    counted = sorted((retries or {}).items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{count} × {kind}" for kind, count in counted if count)


class IngestRun(models.Model):
    """One ingestion job's record: what it asked for, what it changed, how it ended.

    Freshness monitoring reads these; an OAI harvest that failed keeps its last resumption
    token here so the next run resumes from it. A category window or harvest run by workers is one
    task per response page (papers.tasks.ingest_arxiv_page): each records here its progress and a
    heartbeat, so a run whose worker died is seen and marked failed (papers.services.stalled_runs).
    """

    class Kind(models.TextChoices):
        IDS = "ids", "arXiv ids"
        CATEGORY = "category", "Category window"
        OAI = "oai", "OAI-PMH harvest"
        FILE = "file", "Feed file"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(
        max_length=16,
        choices=Kind.choices,
        help_text="What the job ingested: given ids, a category window, an OAI-PMH harvest or a feed file.",
    )
    parameters = models.JSONField(default=dict, help_text="What the run was asked for (ids, category, dates, set).")
    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        default=Status.RUNNING,
        db_index=True,
        help_text="Running, succeeded, or failed (the error says why).",
    )
    started_at = models.DateTimeField(auto_now_add=True, help_text="When the run began.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it ended; empty while it runs.")
    pages = models.PositiveIntegerField(default=0, help_text="Response pages stored.")
    created = models.PositiveIntegerField(default=0, help_text="Papers new to Hot Papers.")
    updated = models.PositiveIntegerField(default=0, help_text="Papers replaced by a newer arXiv version.")
    unchanged = models.PositiveIntegerField(default=0, help_text="Papers already stored at this version or newer.")
    failed = models.PositiveIntegerField(default=0, help_text="Requested ids arXiv did not return.")
    retries = models.JSONField(default=dict, blank=True, help_text=RETRIES_HELP)
    error = models.TextField(blank=True, help_text="Why the run failed, or which ids arXiv did not return.")
    resumption_token = models.CharField(
        max_length=500,
        blank=True,
        help_text="The next page not yet stored: the OAI-PMH resumption token, or the API start offset; "
        "empty once the last page is stored. A failed harvest resumes from it.",
    )
    total = models.PositiveIntegerField(
        null=True, blank=True, help_text="Results the source announced for the whole run, when it says."
    )
    heartbeat_at = models.DateTimeField(
        default=timezone.now,
        help_text="The last sign of life of the worker running it (a page begun or stored). A run still "
        "running with none for longer than the broker's visibility timeout lost its worker: it is marked failed.",
    )
    page_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the page being fetched now was begun; empty between pages."
    )
    restarts = models.PositiveIntegerField(
        default=0,
        help_text="Pages begun again because the worker fetching them died (the broker handed them to another).",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The editor who asked for this run in the admin; empty for scheduled runs.",
    )
    outcome_shown = models.BooleanField(
        default=False, help_text="Whether the editor who asked for the run has been told how it ended."
    )

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def retries_summary(self):
        return retries_text(self.retries)


class PostCollectionRun(models.Model):
    """One social-post job: a search of a platform, a counter refresh, a dump file, or oEmbed fetches.

    A search run starts from the watermark the last successful one reached (X since_id, Bluesky post time,
    Hacker News created_at_i) and records the one it reached; a failed run keeps in `cursor` the next page
    not yet stored, and the next run of its kind resumes from there.
    """

    class Kind(models.TextChoices):
        SEARCH = "search", "Search"
        REFRESH = "refresh", "Counter refresh"
        DUMP = "dump", "Dump file"
        OEMBED = "oembed", "oEmbed fetch"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    source = models.CharField(
        max_length=16,
        choices=Tweet.Source.choices,
        blank=True,
        help_text="The platform searched or refreshed; empty for a dump that holds several.",
    )
    kind = models.CharField(
        max_length=16, choices=Kind.choices, help_text="Search, counter refresh, dump file or oEmbed fetch."
    )
    query = models.CharField(max_length=500, blank=True, help_text="The search query, or the dump's file name.")
    parameters = models.JSONField(default=dict, blank=True, help_text="Anything else the run was asked for.")
    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        default=Status.RUNNING,
        db_index=True,
        help_text="Skipped: the platform has no credentials configured. Failed: the error says why.",
    )
    watermark_from = models.CharField(
        max_length=100, blank=True, help_text="Where the search started: the previous run's watermark."
    )
    watermark_to = models.CharField(
        max_length=100,
        blank=True,
        help_text="The newest post seen (X id, Bluesky time, HN epoch); the next run's start once this one succeeded.",
    )
    cursor = models.CharField(
        max_length=1000, blank=True, help_text="The next page not yet stored; a failed run resumes from it."
    )
    resumed_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The failed run this one continued.",
    )
    started_at = models.DateTimeField(auto_now_add=True, help_text="When the run began (or was queued).")
    heartbeat_at = models.DateTimeField(
        default=timezone.now,
        help_text="When it began running. A run still running long after (beyond the broker's visibility "
        "timeout) lost its worker: it is marked failed.",
    )
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it ended; empty while it runs.")
    pages = models.PositiveIntegerField(default=0, help_text="Response pages (or lookup batches) stored.")
    created = models.PositiveIntegerField(default=0, help_text="Posts new to Hot Papers.")
    updated = models.PositiveIntegerField(default=0, help_text="Posts whose counters, links or fields changed.")
    unchanged = models.PositiveIntegerField(default=0, help_text="Posts seen again with nothing new.")
    skipped = models.PositiveIntegerField(
        default=0, help_text="Reposts (never stored) and new posts that link no arXiv paper."
    )
    vanished = models.PositiveIntegerField(
        default=0, help_text="Refresh: stored posts the platform no longer returns (deleted); left as they are."
    )
    snapshots = models.PositiveIntegerField(default=0, help_text="Counter snapshots written.")
    missing_arxiv_ids = models.JSONField(
        default=list, blank=True, help_text="arXiv ids the posts link that were not papers here: queued for arXiv."
    )
    retries = models.JSONField(default=dict, blank=True, help_text=RETRIES_HELP)
    error = models.TextField(blank=True, help_text="Why the run failed or was skipped.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The editor who asked for this run in the admin; empty for scheduled runs.",
    )
    outcome_shown = models.BooleanField(
        default=False, help_text="Whether the editor who asked for the run has been told how it ended."
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"
        indexes = [models.Index(fields=["source", "kind", "-started_at"], name="postrun_source_kind_started")]

    def __str__(self):
        what = self.get_source_display() or "Posts"
        return f"{what} {self.get_kind_display().lower()} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def retries_summary(self):
        return retries_text(self.retries)


class PostDump(models.Model):
    """The bytes of a dump file an editor uploaded, kept until its import run has stored them."""

    run = models.OneToOneField(
        PostCollectionRun,
        on_delete=models.CASCADE,
        related_name="dump",
        help_text="The import run of this file.",
    )
    name = models.CharField(max_length=255, help_text="The uploaded file's name.")
    data = models.BinaryField(help_text="The file as uploaded.")
    uploaded_at = models.DateTimeField(auto_now_add=True, help_text="When the file was uploaded.")

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.name} ({len(self.data or b'')} bytes)"
