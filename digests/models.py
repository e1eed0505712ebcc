"""Daily digests: one post per day listing the papers that drew the most attention."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField
from simple_history.models import HistoricalRecords

from digests import ranking
from papers.models import Paper, Tweet


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text='Topic as readers see it, e.g. "Machine Learning".')
    slug = models.SlugField(
        max_length=120,
        unique=True,
        help_text="Used in the tag's URL, /tags/<slug>/. Filled from the name; keep it stable.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("digests:tag-detail", args=[self.slug])


class DailyDigestQuerySet(models.QuerySet):
    def published(self, *, now=None):
        """What readers may see: published, and not dated in the future.

        A scheduled digest whose time has come is published, whether or not the beat job has
        recorded it yet (digests_publish_due sets its status later; nothing readers see changes).
        """
        return self.filter(self.published_q(now=now))

    @staticmethod
    def published_q(*, now=None, prefix=""):
        """The rule as a Q, for queries that reach digests through a relation (prefix "digest__")."""
        now = now or timezone.now()
        return models.Q(**{f"{prefix}status": DailyDigest.Status.PUBLISHED, f"{prefix}published_at__lte": now}) | (
            models.Q(**{f"{prefix}status": DailyDigest.Status.SCHEDULED, f"{prefix}publish_at__lte": now})
        )

    def due(self, *, now=None):
        """Scheduled digests whose publish time has come, still to be recorded as published."""
        return self.filter(status=DailyDigest.Status.SCHEDULED, publish_at__lte=now or timezone.now())


class DailyDigest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    date = models.DateField(unique=True, help_text="The day whose papers this digest covers.")
    slug = models.SlugField(max_length=100, unique=True, help_text='URL name, e.g. "hot-papers-2022-01-13".')
    title = models.CharField(max_length=200, help_text='Headline, e.g. "Hot Papers 2022-01-13".')
    description = models.CharField(max_length=300, blank=True, help_text="One line for search engines and feeds.")
    tags = models.ManyToManyField(Tag, through="DigestTag", related_name="digests", blank=True)
    social_image = models.CharField(
        max_length=300, blank=True, help_text="Path or URL of the image shown when the digest is shared."
    )
    intro = MarkdownxField(blank=True, help_text="Markdown shown above the first paper.")
    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        help_text="Draft: editors only. Scheduled: goes live by itself at its publish time. Published: public.",
    )
    publish_at = models.DateTimeField(null=True, blank=True, help_text="For a scheduled digest: when it goes live.")
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When it went live (for a scheduled digest: when it will, its publish time)."
    )
    generated_at = models.DateTimeField(
        null=True, blank=True, help_text="When its entries and metrics were computed (the front matter date)."
    )
    leading_blank_lines = models.PositiveSmallIntegerField(
        default=0,
        help_text="Extra blank lines after the front matter in the imported file, kept so exports are exact.",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When this digest was first stored.")
    modified_at = models.DateTimeField(auto_now=True, help_text="When this digest last changed.")

    objects = DailyDigestQuerySet.as_manager()
    history = HistoricalRecords()  # who changed what and when, viewable and revertible in the admin

    class Meta:
        ordering = ["-date"]
        get_latest_by = "date"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="digest_published_has_published_at",
                violation_error_message="A published digest needs the time it went live (Published at).",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="scheduled") | models.Q(publish_at__isnull=False),
                name="digest_scheduled_has_publish_at",
                violation_error_message="A scheduled digest needs a publish time: choose when it should go live.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A scheduled digest goes live at its publish time: readers' dates (feeds, pages) read
        # published_at, so it says that time from the moment the digest is scheduled.
        if self.status == self.Status.SCHEDULED:
            self.published_at = self.publish_at
        elif self.status == self.Status.DRAFT:
            self.published_at = None
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("digests:digest-detail", args=[self.slug])

    def get_markdown_url(self):
        return reverse("digests:digest-markdown", args=[self.slug])

    @property
    def is_public(self):
        """Whether readers may see it now: the rule of DailyDigest.objects.published(), for one digest."""
        now = timezone.now()
        if self.status == self.Status.PUBLISHED:
            return self.published_at is not None and self.published_at <= now
        if self.status == self.Status.SCHEDULED:
            return self.publish_at is not None and self.publish_at <= now
        return False


class DigestTag(models.Model):
    digest = models.ForeignKey(DailyDigest, on_delete=models.CASCADE, related_name="digest_tags")
    tag = models.ForeignKey(
        Tag,
        on_delete=models.PROTECT,
        related_name="digest_tags",
        help_text="Search by name; add a missing tag with the + button.",
    )
    position = models.PositiveSmallIntegerField(help_text="Order among the digest's tags, from 1.")

    class Meta:
        ordering = ["digest", "position"]
        constraints = [
            models.UniqueConstraint(fields=["digest", "position"], name="digesttag_unique_position"),
            models.UniqueConstraint(fields=["digest", "tag"], name="digesttag_unique_tag"),
        ]

    def __str__(self):
        return f"{self.tag} on {self.digest}"


class DigestEntryQuerySet(models.QuerySet):
    @staticmethod
    def shown_q(prefix=""):
        """The rule as a Q, for queries that reach entries through a relation (prefix "entries__")."""
        return models.Q(**{f"{prefix}is_excluded": False})

    def shown(self):
        """Entries readers see, exports write and counts count: every one an editor has not excluded."""
        return self.filter(self.shown_q())


class DigestEntry(models.Model):
    """One paper in a digest, with what readers were shown.

    A published digest is a historical record. The Paper row holds arXiv's latest
    metadata; the shown_* fields keep what this digest showed where it differs
    (empty/null means "same as the paper"). The score, post_count, account_count and
    sources fields are the ranking's figures when the entry was built (the "why" line).
    An excluded entry stays as the record of an editor's decision and is never shown.
    """

    digest = models.ForeignKey(
        DailyDigest, on_delete=models.CASCADE, related_name="entries", help_text="The digest this entry belongs to."
    )
    paper = models.ForeignKey(
        Paper,
        on_delete=models.PROTECT,
        related_name="digest_entries",
        help_text="Search by arXiv id, title or author.",
    )
    position = models.PositiveSmallIntegerField(help_text="Rank in the digest, from 1.")
    retweets = models.PositiveIntegerField(default=0, help_text="Reposts counted when the digest was built.")
    favorites = models.PositiveIntegerField(default=0, help_text="Likes counted when the digest was built.")
    measured_at = models.DateTimeField(null=True, blank=True, help_text="When those counts were read.")
    score = models.PositiveIntegerField(
        default=0, help_text="The paper's score when the digest was built: reposts + likes of its counted posts."
    )
    post_count = models.PositiveIntegerField(
        default=0, help_text="Visible posts about the paper when the digest was built."
    )
    account_count = models.PositiveIntegerField(
        default=0, help_text="Accounts among those posts (each account counts once, by its best post)."
    )
    sources = models.JSONField(
        default=list, blank=True, help_text='Platforms of the counted posts when the digest was built, e.g. ["x"].'
    )
    ranked_post_ids = models.JSONField(
        default=list,
        blank=True,
        help_text="The posts the ranking chose to embed at the last build (post ids, best first). An entry whose "
        "embedded posts differ has been edited by hand, and a rebuild keeps that choice.",
    )
    is_pinned = models.BooleanField(
        default=False, help_text="Stays in the digest and at its place when the digest is rebuilt."
    )
    is_excluded = models.BooleanField(
        default=False,
        help_text="Never shown, exported or counted; kept as the record of your decision, so a rebuild never "
        "adds the paper again.",
    )
    is_manually_placed = models.BooleanField(
        default=False, help_text="Moved by an editor: a rebuild keeps it at this position."
    )
    note = MarkdownxField(blank=True, help_text="Editor's note in Markdown, shown under the abstract.")
    shown_title = models.TextField(blank=True, help_text="Title as this digest showed it, if not the paper's.")
    shown_authors = models.JSONField(
        null=True, blank=True, help_text="Author names as this digest showed them, if not the paper's."
    )
    shown_abstract = models.TextField(blank=True, help_text="Abstract as this digest showed it, if not the paper's.")
    shown_categories = models.JSONField(
        null=True, blank=True, help_text="Category codes as this digest showed them, if not the paper's."
    )
    shown_arxiv_id = models.CharField(
        max_length=50,
        blank=True,
        help_text='The id as this digest wrote it in its links (e.g. "math.GT/0309136" or "2201.04182v2"), '
        "if not the paper's base id.",
    )
    tweets = models.ManyToManyField(Tweet, through="DigestEntryTweet", related_name="digest_entries", blank=True)

    objects = DigestEntryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["digest", "position"]
        verbose_name_plural = "digest entries"
        constraints = [
            models.UniqueConstraint(fields=["digest", "position"], name="digestentry_unique_position"),
            models.UniqueConstraint(fields=["digest", "paper"], name="digestentry_unique_paper"),
            models.CheckConstraint(condition=models.Q(position__gte=1), name="digestentry_position_from_one"),
        ]

    def __str__(self):
        return f"{self.digest.slug} #{self.position}: {self.paper.arxiv_id}"

    @property
    def has_ranking_snapshot(self):
        """Whether the ranking's figures are stored (digests_build); an imported entry has its totals only."""
        return bool(self.post_count) or not self.score

    @property
    def why_line(self):
        """Why the paper is here, from what was true when the digest was built (digests.ranking.why_line).

        Pages may set it for entries without a snapshot (digests.selectors.entries_with_why_lines).
        """
        if self._why_line is not None:
            return self._why_line
        if not self.has_ranking_snapshot:
            return f"Score {self.score:,} (reposts + likes)"
        return ranking.why_line(
            ranking.RankedPaper(
                paper_id=self.paper_id,
                arxiv_id="",
                score=self.score,
                retweets=self.retweets,
                favorites=self.favorites,
                post_count=self.post_count,
                account_count=self.account_count,
                sources=tuple(self.sources or ()),
                embedded_post_ids=(),
            )
        )

    @why_line.setter
    def why_line(self, line):
        self._why_line = line

    _why_line = None

    # What the entry shows: its own snapshot where it has one, else the paper's.
    # Callers prefetch paper__authorships__author and paper__paper_categories__category.

    @property
    def title(self):
        return self.shown_title or self.paper.title

    @property
    def abstract(self):
        return self.shown_abstract or self.paper.abstract

    @property
    def author_names(self):
        if self.shown_authors is not None:
            return list(self.shown_authors)
        return [a.author.name for a in self.paper.authorships.all()]

    @property
    def category_codes(self):
        if self.shown_categories is not None:
            return list(self.shown_categories)
        return [pc.category.code for pc in self.paper.paper_categories.all()]


class DigestEntryTweet(models.Model):
    entry = models.ForeignKey(DigestEntry, on_delete=models.CASCADE, related_name="entry_tweets")
    tweet = models.ForeignKey(
        Tweet, on_delete=models.PROTECT, related_name="entry_tweets", help_text="Search by handle, text or post id."
    )
    position = models.PositiveSmallIntegerField(help_text="Order of the embedded posts, from 1.")

    class Meta:
        ordering = ["entry", "position"]
        constraints = [
            # No (entry, tweet) uniqueness: the old generator sometimes embedded one post twice in
            # an entry, and a published digest keeps what it showed. Reader pages show it once.
            models.UniqueConstraint(fields=["entry", "position"], name="digestentrytweet_unique_position"),
        ]

    def __str__(self):
        return f"{self.tweet} in {self.entry}"


class MarkdownImport(models.Model):
    """One seed-format Markdown file uploaded in the admin, and what importing it did."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    filename = models.CharField(max_length=255, help_text="Name of the uploaded file.")
    content = models.TextField(help_text="The uploaded Markdown, exactly as received.")
    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        default=Status.QUEUED,
        db_index=True,
        help_text="Queued and running imports are in the background; a failed one says why in its message.",
    )
    message = models.TextField(blank=True, help_text="What the import did, or why it failed (file and line).")
    digest = models.ForeignKey(
        DailyDigest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="markdown_imports",
        help_text="The digest this file created or updated.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who uploaded the file.",
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the file was uploaded.")
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When the import finished or failed.")

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"
