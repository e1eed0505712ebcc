"""The read-only JSON API under /api/ (django-ninja): digests, papers and their attention.

One NinjaAPI for the site, mounted in hotpapers_site/urls.py; its OpenAPI document is generated from
the schemas below and in papers.api, at /api/openapi.json. Readers' visibility rules hold as on the
pages: published digests only, visible posts only. Every endpoint runs a fixed number of queries.
"""

import datetime as dt

from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve, reverse
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import model_validator

import papers.urls  # noqa: F401  (registers the arxiv_id path converter the paper route uses)
from papers.api import AttentionOut, CursorPagination, ErrorOut, HistoryPointOut, PaperOut, absolute
from papers.api import router as papers_router
from papers.selectors import attach_attention, attention_history, papers_for_listing

from .html import render_markdown
from .selectors import digest_with_entries, digests_for_api, published_entries_for_paper

api = NinjaAPI(
    title="Hot Papers API",
    version="1",
    description=(
        "Read-only JSON for the published digests, their papers and the attention papers get on social "
        "media. No authentication; CORS is open for GET. Lists are newest first and paginated by cursor: "
        "follow `next` until it is null. Field names are stable snake_case."
    ),
    urls_namespace="api",
    docs_url=None,  # the interactive docs page would load scripts; the OpenAPI document is the reference
)
router = Router(tags=["digests"])


class TagOut(Schema):
    name: str
    slug: str = Field(description="Use it in ?tag= and /tags/<slug>/.")


class DigestOut(Schema):
    slug: str = Field(description='e.g. "hot-papers-2022-01-13".')
    date: dt.date = Field(description="The day whose papers the digest covers.")
    title: str
    description: str
    tags: list[TagOut]
    paper_count: int
    published_at: dt.datetime = Field(description="When it went live.")
    generated_at: dt.datetime | None = Field(description="When its entries and metrics were computed.")
    url: str = Field(description="The digest's page on this site.")
    markdown_url: str = Field(description="The digest as Markdown.")
    api_url: str = Field(description="The digest in the API, with its entries.")

    @staticmethod
    def resolve_tags(obj):
        return [digest_tag.tag for digest_tag in obj.digest_tags.all()]

    @staticmethod
    def resolve_paper_count(obj):
        return obj.paper_count if hasattr(obj, "paper_count") else len(obj.entries.all())

    @staticmethod
    def resolve_url(obj, context):
        return absolute(context, obj.get_absolute_url())

    @staticmethod
    def resolve_markdown_url(obj, context):
        return absolute(context, obj.get_markdown_url())

    @staticmethod
    def resolve_api_url(obj, context):
        return absolute(context, reverse("api:digest-detail", args=[obj.slug]))


class PostOut(Schema):
    source: str = Field(description='The platform: "x", "bluesky" or "hackernews".')
    external_id: str = Field(description="The post's id on its platform.")
    url: str
    author_handle: str = Field(description='Without the "@".')
    author_name: str
    lang: str
    text: str = Field(description="Plain text.")
    posted_at: dt.datetime | None
    reposts: int = Field(validation_alias="retweets")
    likes: int
    replies: int
    quotes: int
    metrics_at: dt.datetime | None = Field(description="When the counters were read.")


class EntryOut(Schema):
    rank: int = Field(validation_alias="position", description="Position in the digest, from 1.")
    arxiv_id: str = Field(description="The paper's base id.")
    arxiv_id_shown: str = Field(description='The id as the digest wrote it (may carry a version, "2201.04182v2").')
    title: str = Field(description="As the digest showed it.")
    authors: list[str] = Field(description="As the digest showed them.")
    categories: list[str] = Field(description="As the digest showed them.")
    abstract: str = Field(description="As the digest showed it.")
    retweets: int = Field(description="Reposts counted when the digest was built.")
    favorites: int = Field(description="Likes counted when the digest was built.")
    measured_at: dt.datetime | None = Field(description="When those counts were read.")
    note_markdown: str = Field(validation_alias="note", description="The editor's note as written (Markdown).")
    note_html: str = Field(description="The editor's note as sanitized HTML (empty without a note).")
    abs_url: str
    pdf_url: str
    paper_url: str = Field(description="The paper's page on this site.")
    paper_api_url: str
    posts: list[PostOut] = Field(description="The embedded posts, in order; hidden posts are left out.")

    @staticmethod
    def resolve_arxiv_id(obj):
        return obj.paper.arxiv_id

    @staticmethod
    def resolve_arxiv_id_shown(obj):
        return obj.shown_arxiv_id or obj.paper.arxiv_id

    @staticmethod
    def resolve_authors(obj):
        return obj.author_names

    @staticmethod
    def resolve_categories(obj):
        return obj.category_codes

    @staticmethod
    def resolve_note_html(obj):
        return render_markdown(obj.note) if obj.note else ""

    @staticmethod
    def resolve_abs_url(obj):
        return obj.paper.abs_url

    @staticmethod
    def resolve_pdf_url(obj):
        return obj.paper.pdf_url

    @staticmethod
    def resolve_paper_url(obj, context):
        return absolute(context, obj.paper.get_absolute_url())

    @staticmethod
    def resolve_paper_api_url(obj, context):
        return absolute(context, reverse("api:paper-detail", args=[obj.paper.arxiv_id]))

    @staticmethod
    def resolve_posts(obj):
        # A post embedded twice in one entry (an old generator's quirk) is listed once.
        return list({link.tweet_id: link.tweet for link in obj.entry_tweets.all()}.values())


class DigestDetailOut(DigestOut):
    intro_markdown: str = Field(validation_alias="intro", description="The editor's intro as written (Markdown).")
    intro_html: str = Field(description="The intro as sanitized HTML.")
    entries: list[EntryOut] = Field(description="The papers in rank order.")

    @staticmethod
    def resolve_intro_html(obj):
        return render_markdown(obj.intro) if obj.intro else ""

    @staticmethod
    def resolve_entries(obj):
        return obj.entries.all()


class AppearanceOut(Schema):
    slug: str = Field(description="The digest's slug.")
    date: dt.date
    title: str
    rank: int = Field(description="The paper's position in that digest.")
    retweets: int = Field(description="Reposts counted when that digest was built.")
    favorites: int
    measured_at: dt.datetime | None
    url: str
    api_url: str

    @staticmethod
    def resolve_slug(obj):
        return obj.digest.slug

    @staticmethod
    def resolve_date(obj):
        return obj.digest.date

    @staticmethod
    def resolve_title(obj):
        return obj.digest.title

    @staticmethod
    def resolve_rank(obj):
        return obj.position

    @staticmethod
    def resolve_url(obj, context):
        return absolute(context, obj.digest.get_absolute_url())

    @staticmethod
    def resolve_api_url(obj, context):
        return absolute(context, reverse("api:digest-detail", args=[obj.digest.slug]))


class PaperDetailOut(PaperOut):
    attention: AttentionOut
    history: list[HistoryPointOut] = Field(
        description="Attention over time from the posts' snapshots: one point per hour with a snapshot."
    )
    digests: list[AppearanceOut] = Field(description="The published digests the paper appeared in, newest first.")


class DigestFilters(Schema):
    date: dt.date | None = Field(None, description="The digest of this day (YYYY-MM-DD).")
    date_from: dt.date | None = Field(None, description="Digests of this day or later.")
    date_to: dt.date | None = Field(None, description="Digests of this day or earlier.")
    tag: str | None = Field(None, max_length=120, description="Digests carrying the tag with this slug.")

    @model_validator(mode="after")
    def dates_in_order(self):
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to")
        return self


@router.get(
    "/digests/",
    response={200: list[DigestOut]},
    url_name="digest-list",
    summary="Published digests, newest first",
)
@paginate(CursorPagination, key="date")
def digest_list(request, filters: Query[DigestFilters]):
    return digests_for_api(date=filters.date, date_from=filters.date_from, date_to=filters.date_to, tag=filters.tag)


@router.get(
    "/digests/{slug}/",
    response={200: DigestDetailOut, 404: ErrorOut},
    url_name="digest-detail",
    summary="A published digest with its entries in rank order",
)
def digest_detail(request, slug: str):
    try:
        return digest_with_entries(slug=slug)
    except Http404:
        raise HttpError(404, f"No published digest has the slug {slug!r}.") from None


@router.get(
    "/papers/{arxiv_id:arxiv_id}/",
    response={200: PaperDetailOut, 404: ErrorOut},
    url_name="paper-detail",
    summary="A paper with its attention, attention history and digests",
    description='Old-style ids keep their slash: /api/papers/hep-th/9901001/. Ids carry no version ("v2").',
    tags=["papers"],
)
def paper_detail(request, arxiv_id: str):
    paper = papers_for_listing().select_related("primary_category").filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise HttpError(404, f"No paper has the arXiv id {arxiv_id!r}.")
    attach_attention([paper])
    paper.history = attention_history(paper=paper)
    paper.digests = published_entries_for_paper(paper=paper)
    return paper


class IndexOut(Schema):
    name: str
    version: str
    openapi: str = Field(description="The OpenAPI 3 document describing every endpoint and field.")
    endpoints: dict[str, str] = Field(description="Each endpoint's URL; {placeholders} are path parameters.")


@api.get("/", response=IndexOut, url_name="index", summary="What this API offers", tags=["index"])
def index(request):
    def url(name, *args):
        return request.build_absolute_uri(reverse(f"api:{name}", args=args))

    return {
        "name": api.title,
        "version": api.version,
        "openapi": url("openapi-json"),
        "endpoints": {
            "digests": url("digest-list"),
            "digest": url("digest-detail", "SLUG").replace("SLUG", "{slug}"),
            "papers": url("paper-list"),
            "paper": url("paper-detail", "0000.00000").replace("0000.00000", "{arxiv_id}"),
        },
    }


# Last, so it only answers what no endpoint matched: a JSON 404 rather than the site's HTML one.
unknown = Router()


@unknown.get("/{path:rest}", include_in_schema=False, url_name="not-found")
def not_found(request, rest: str):
    if not request.path.endswith("/"):
        # What CommonMiddleware's APPEND_SLASH does for pages, which this catch-all would hide.
        try:
            match = resolve(f"{request.path}/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            query = f"?{request.GET.urlencode()}" if request.GET else ""
            return HttpResponsePermanentRedirect(f"{request.path}/{query}")
    index_url = request.build_absolute_uri(reverse("api:index"))
    raise HttpError(404, f"No API endpoint at {request.path}; {index_url} lists them.")


api.add_router("", router)
api.add_router("", papers_router)
api.add_router("", unknown)


class ApiCorsMiddleware:
    """Any origin may GET (or HEAD) the API, without credentials; other methods share nothing.

    Own code rather than django-cors-headers: that one adds Access-Control-Allow-Origin to the
    response of every method on a matching path (CORS_ALLOW_METHODS only shapes preflight answers),
    and a read-only anonymous API needs no more than these few lines.
    """

    prefix = "/api/"  # where hotpapers_site/urls.py mounts the API
    safe_methods = frozenset({"GET", "HEAD"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(self.prefix):
            return self.get_response(request)
        asked = request.headers.get("Access-Control-Request-Method", "").upper()
        if request.method == "OPTIONS" and asked in self.safe_methods:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Accept, If-None-Match"
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
            if request.method not in self.safe_methods:
                return response
        response["Access-Control-Allow-Origin"] = "*"
        return response
