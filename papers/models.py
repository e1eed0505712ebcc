"""arXiv papers, their authors and categories, and the social posts that cite them."""

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from .fields import ArxivIdField

ARXIV_ABS_URL = "https://arxiv.org/abs/{}"
ARXIV_PDF_URL = "https://arxiv.org/pdf/{}"
ARXIV_LIST_URL = "https://arxiv.org/list/{}/recent"


class Category(models.Model):
    code = models.CharField(max_length=32, unique=True, help_text='arXiv code, e.g. "cs.LG".')
    name = models.CharField(max_length=200, blank=True, help_text='Human name, e.g. "Machine Learning".')
    group = models.CharField(max_length=100, blank=True, help_text='Top-level group, e.g. "Computer Science".')
    in_taxonomy = models.BooleanField(
        default=True,
        help_text="False when the code was met in data but is missing from arXiv's published taxonomy.",
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        return reverse("papers:category-detail", args=[self.code])

    @property
    def arxiv_url(self):
        return ARXIV_LIST_URL.format(self.code)


class Author(models.Model):
    name = models.CharField(max_length=300, unique=True, help_text="Name exactly as arXiv lists it.")
    slug = models.SlugField(
        max_length=320,
        unique=True,
        help_text="Used in the author's URL, /authors/<slug>/. Filled from the name; keep it stable.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("papers:author-detail", args=[self.slug])


class Paper(models.Model):
    arxiv_id = ArxivIdField(
        max_length=40,
        unique=True,
        help_text='Base id without version: "2201.04182" or "hep-th/9901001".',
    )
    version = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Latest arXiv version we know.")
    title = models.TextField(help_text="As arXiv gives it; line-wrap spaces are kept so exports stay exact.")
    abstract = models.TextField(blank=True, help_text="As arXiv gives it.")
    primary_category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="primary_papers",
        help_text="The category arXiv lists first; normally also the first of the paper's categories.",
    )
    categories = models.ManyToManyField(Category, through="PaperCategory", related_name="papers", blank=True)
    authors = models.ManyToManyField(Author, through="Authorship", related_name="papers", blank=True)
    published = models.DateTimeField(null=True, blank=True, help_text="When version 1 appeared on arXiv.")
    updated = models.DateTimeField(null=True, blank=True, help_text="When the latest version appeared on arXiv.")
    announced_on = models.DateField(
        null=True,
        blank=True,
        db_index=True,
        help_text="Date of the arXiv listing that first announced the paper: the day whose digest it belongs to. "
        "Filled from arXiv's schedule (14:00 New York cutoff, holidays ignored); correct it when arXiv differed.",
    )
    comment = models.TextField(blank=True, help_text="The authors' arXiv comment (pages, figures, venue).")
    journal_ref = models.TextField(blank=True, help_text="Journal reference, once the paper is published.")
    doi = models.CharField(
        max_length=200, blank=True, help_text='DOI without the resolver prefix, e.g. "10.1000/xyz123".'
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When this paper was first stored here.")
    modified_at = models.DateTimeField(auto_now=True, help_text="When this row last changed.")

    class Meta:
        ordering = ["-published", "-arxiv_id"]
        get_latest_by = "published"

    def __str__(self):
        return f"{self.arxiv_id}: {' '.join(self.title.split())}"

    def get_absolute_url(self):
        return reverse("papers:paper-detail", args=[self.arxiv_id])

    @property
    def abs_url(self):
        return ARXIV_ABS_URL.format(self.arxiv_id)

    @property
    def pdf_url(self):
        return ARXIV_PDF_URL.format(self.arxiv_id)


class Authorship(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(
        Author,
        on_delete=models.PROTECT,
        related_name="authorships",
        help_text="Search by name; add a missing author with the + button.",
    )
    position = models.PositiveSmallIntegerField(help_text="Order in the author list, from 1.")

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="authorship_unique_position"),
        ]

    def __str__(self):
        return f"{self.author} on {self.paper.arxiv_id} (#{self.position})"


class PaperCategory(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="paper_categories")
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="paper_categories",
        help_text="An arXiv category the paper is listed in.",
    )
    position = models.PositiveSmallIntegerField(help_text="Order as arXiv lists the categories, from 1.")

    class Meta:
        ordering = ["paper", "position"]
        verbose_name_plural = "paper categories"
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="papercategory_unique_position"),
            models.UniqueConstraint(fields=["paper", "category"], name="papercategory_unique_category"),
        ]

    def __str__(self):
        return f"{self.paper.arxiv_id} in {self.category.code}"


class TweetQuerySet(models.QuerySet):
    """Visibility of social posts: the one rule every reader-facing query uses."""

    @staticmethod
    def visible_q(prefix=""):
        """The rule as a Q, for queries that reach posts through a relation (prefix "tweet__")."""
        return models.Q(**{f"{prefix}is_hidden": False})

    def visible(self):
        """Posts readers may see: not hidden by an editor."""
        return self.filter(self.visible_q())


class Tweet(models.Model):
    """A social post that links to one or more papers, whatever the platform."""

    class Source(models.TextChoices):
        X = "x", "X / Twitter"
        BLUESKY = "bluesky", "Bluesky"
        HACKERNEWS = "hackernews", "Hacker News"

    class LearnedVia(models.TextChoices):
        MARKDOWN = "markdown", "Markdown import"
        DUMP = "dump", "Uploaded dump"
        API = "api", "Live API"

    class LinkStatus(models.TextChoices):
        LINKED = "linked", "Linked to its papers"
        PENDING = "pending", "Waiting for arXiv"
        UNKNOWN = "unknown", "arXiv does not know its ids"

    source = models.CharField(
        max_length=16, choices=Source.choices, default=Source.X, help_text="The platform the post lives on."
    )
    external_id = models.CharField(max_length=200, help_text="The post's id on its platform.")
    learned_via = models.CharField(
        max_length=16, choices=LearnedVia.choices, help_text="How we first learned of the post."
    )
    url = models.URLField(max_length=500, help_text="Link to the post on its platform.")
    author_id = models.CharField(
        max_length=200, blank=True, help_text="The account's id on its platform (X user id, Bluesky DID, HN user)."
    )
    author_handle = models.CharField(max_length=100, help_text='Handle without the "@".')
    author_name = models.CharField(max_length=200, blank=True, help_text="Display name of the account.")
    lang = models.CharField(max_length=16, blank=True, help_text='Language code the platform gives, e.g. "en".')
    text_dir = models.CharField(max_length=3, default="ltr", help_text='Text direction of the post: "ltr" or "rtl".')
    text = models.TextField(blank=True, help_text="Plain text of the post.")
    text_html = models.TextField(
        blank=True, help_text="The post's body as its oEmbed HTML gives it (sanitized when shown)."
    )
    posted_at = models.DateTimeField(null=True, blank=True, help_text="When the post was published.")
    quoted_id = models.CharField(
        max_length=200, blank=True, help_text="The id of the post this one quotes (a quote post is a post of its own)."
    )
    reply_to_id = models.CharField(max_length=200, blank=True, help_text="The id of the post this one answers.")
    links = models.JSONField(
        default=list, blank=True, help_text="Every URL the post carries (expanded links, cards, URLs in its text)."
    )
    link_status = models.CharField(
        max_length=16,
        choices=LinkStatus.choices,
        default=LinkStatus.LINKED,
        db_index=True,
        help_text="Linked to every paper it names; waiting for arXiv's metadata; or arXiv does not know its ids.",
    )
    pending_arxiv_ids = models.JSONField(
        default=list, blank=True, help_text="arXiv ids the post links that are being fetched from arXiv."
    )
    unknown_arxiv_ids = models.JSONField(
        default=list, blank=True, help_text="arXiv ids the post links that arXiv returned nothing for."
    )
    oembed_html = models.TextField(
        blank=True, help_text="The embed blockquote X's oEmbed gave for the post (without its script)."
    )
    oembed_fetched_at = models.DateTimeField(
        null=True, blank=True, help_text="When oEmbed was last asked for the post; empty until then."
    )
    oembed_error = models.CharField(
        max_length=500, blank=True, help_text="Why the last oEmbed request failed; the post shows its stored text."
    )
    retweets = models.PositiveIntegerField(default=0, help_text="Reposts when the counters were last read.")
    likes = models.PositiveIntegerField(default=0, help_text="Likes when the counters were last read.")
    replies = models.PositiveIntegerField(default=0, help_text="Replies when the counters were last read.")
    quotes = models.PositiveIntegerField(default=0, help_text="Quote posts when the counters were last read.")
    metrics_at = models.DateTimeField(
        null=True, blank=True, help_text="When the counters were read (the newest snapshot: when they last changed)."
    )
    is_hidden = models.BooleanField(default=False, help_text="Hide spam or off-topic posts from every page.")
    papers = models.ManyToManyField(
        Paper, related_name="tweets", blank=True, help_text="The arXiv papers the post links to."
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When we first stored the post.")

    objects = TweetQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_at"]
        get_latest_by = "posted_at"
        verbose_name = "social post"
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="tweet_unique_source_external_id"),
            models.CheckConstraint(condition=models.Q(text_dir__in=["ltr", "rtl"]), name="tweet_text_dir_valid"),
        ]
        indexes = [
            models.Index(Lower("author_handle"), name="tweet_author_handle_ci"),
            models.Index(fields=["source", "posted_at"], name="tweet_source_posted_at"),
        ]

    def __str__(self):
        return f"@{self.author_handle} {self.source}:{self.external_id}"


class TweetMetrics(models.Model):
    """A post's counters at one moment: the popularity history behind rankings."""

    tweet = models.ForeignKey(
        Tweet, on_delete=models.CASCADE, related_name="metrics", help_text="The post these counters belong to."
    )
    measured_at = models.DateTimeField(help_text="When the counters were read.")
    retweets = models.PositiveIntegerField(default=0, help_text="Reposts counted at that time.")
    likes = models.PositiveIntegerField(default=0, help_text="Likes counted at that time.")
    replies = models.PositiveIntegerField(default=0, help_text="Replies counted at that time.")
    quotes = models.PositiveIntegerField(default=0, help_text="Quote posts counted at that time.")

    class Meta:
        ordering = ["tweet", "-measured_at"]
        get_latest_by = "measured_at"
        verbose_name_plural = "tweet metrics"
        constraints = [
            models.UniqueConstraint(fields=["tweet", "measured_at"], name="tweetmetrics_unique_time"),
        ]

    def __str__(self):
        return f"{self.tweet} at {self.measured_at:%Y-%m-%d %H:%M}"


# Run records live beside the models they describe; imported here so Django registers them with the app.
from .models_runs import IngestRun, PostCollectionRun, PostDump  # noqa: E402

__all__ = [
    "Author",
    "Authorship",
    "Category",
    "IngestRun",
    "Paper",
    "PaperCategory",
    "PostCollectionRun",
    "PostDump",
    "Tweet",
    "TweetMetrics",
]
