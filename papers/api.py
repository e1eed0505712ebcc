"""The papers part of the read-only JSON API: paper schemas, cursor pagination and GET /api/papers/.

digests.api mounts this router on the site's one NinjaAPI and serves /api/papers/<arxiv_id>/ (a paper
with the digests it appeared in: the papers app imports nothing from digests).
"""

import base64
import binascii
import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from ninja.pagination import PaginationBase, paginate
from pydantic import model_validator

from .selectors import attach_attention, papers_matching

router = Router(tags=["papers"])


class CursorPagination(PaginationBase):
    """Newest first, by `key` then primary key; `next` is the URL of the following page.

    A cursor is the position of a page's last item, so pages never shift or repeat when new items
    arrive. Rows with an empty key come last. `prepare(items)` may add to a page before it renders.
    """

    class Input(Schema):
        cursor: str | None = Field(None, description="Where to start: pass on the `next` URL of the previous page.")
        page_size: int = Field(20, ge=1, le=100, description="Items per page, 1 to 100 (default 20).")

    class Output(Schema):
        next: str | None = Field(description="URL of the next page; null on the last page.")
        results: list[Any]

    items_attribute = "results"

    def __init__(self, *, key, prepare=None, **kwargs):
        self.key, self.prepare = key, prepare
        super().__init__(**kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params):
        field = queryset.model._meta.get_field(self.key)
        items = queryset.order_by(F(self.key).desc(nulls_last=True), "-pk")
        if pagination.cursor:
            value, pk = _decode_cursor(pagination.cursor, field)
            if value is None:
                items = items.filter(**{f"{self.key}__isnull": True, "pk__lt": pk})
            else:
                items = items.filter(
                    Q(**{f"{self.key}__lt": value})
                    | Q(**{self.key: value, "pk__lt": pk})
                    | Q(**{f"{self.key}__isnull": True})
                )
        page = list(items[: pagination.page_size + 1])
        more, page = len(page) > pagination.page_size, page[: pagination.page_size]
        if self.prepare:
            self.prepare(page)
        next_url = None
        if more:
            query = request.GET.copy()
            query["cursor"] = _encode_cursor(getattr(page[-1], self.key), page[-1].pk)
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return {"next": next_url, "results": page}


def _encode_cursor(value, pk):
    text = json.dumps([value.isoformat() if value is not None else None, pk])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_cursor(cursor, field):
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return (field.to_python(value) if value is not None else None), int(pk)
    except (ValueError, TypeError, binascii.Error, DjangoValidationError) as error:
        raise ValidationError(
            [{"loc": ["query", "cursor"], "msg": "Not a cursor this API gave out.", "type": "value_error"}]
        ) from error


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in a sentence.")


class CountersOut(Schema):
    """Counters summed over visible posts, as the posts' counters were last read."""

    posts: int = Field(description="Visible posts counted.")
    reposts: int = Field(description="Reposts (retweets) of those posts, summed.")
    likes: int = Field(description="Likes (favorites), summed.")
    replies: int = Field(description="Replies, summed.")
    quotes: int = Field(description="Quote posts, summed.")


class SourceAttentionOut(CountersOut):
    source: str = Field(description='The platform: "x", "bluesky" or "hackernews".')


class AttentionOut(CountersOut):
    """Sums over the paper's visible posts, as their counters were last read."""

    by_source: list[SourceAttentionOut] = Field(description="The same sums per platform.")

    @staticmethod
    def resolve_by_source(obj):
        return [{"source": source, **vars(counters)} for source, counters in obj.by_source.items()]


class HistoryPointOut(CountersOut):
    measured_at: dt.datetime = Field(description="When the last snapshot summed here was taken.")


def absolute(context, path):
    return context["request"].build_absolute_uri(path)


class PaperOut(Schema):
    arxiv_id: str = Field(description='Base id without version: "2201.04182" or "hep-th/9901001".')
    version: int | None = Field(description="Latest arXiv version known.")
    title: str = Field(description="As arXiv gives it (line-wrap spaces kept).")
    authors: list[str] = Field(description="Author names in order.")
    primary_category: str | None = Field(description='arXiv code, e.g. "cs.LG".')
    categories: list[str] = Field(description="Every category code, primary first.")
    abstract: str
    published: dt.datetime | None = Field(description="When version 1 appeared on arXiv.")
    updated: dt.datetime | None = Field(description="When the latest version appeared.")
    announced_on: dt.date | None = Field(
        description="The day of the arXiv listing that first announced it: the day whose digest it belongs to."
    )
    comment: str = Field(description="The authors' arXiv comment.")
    journal_ref: str
    doi: str = Field(description="Without the resolver prefix.")
    abs_url: str = Field(description="The paper on arXiv.")
    pdf_url: str
    url: str = Field(description="The paper's page on this site.")
    api_url: str = Field(description="This paper in the API, with its history and digests.")
    attention: AttentionOut

    @staticmethod
    def resolve_authors(obj):
        return [authorship.author.name for authorship in obj.authorships.all()]

    @staticmethod
    def resolve_primary_category(obj):
        return obj.primary_category.code if obj.primary_category else None

    @staticmethod
    def resolve_categories(obj):
        return [paper_category.category.code for paper_category in obj.paper_categories.all()]

    @staticmethod
    def resolve_url(obj, context):
        return absolute(context, obj.get_absolute_url())

    @staticmethod
    def resolve_api_url(obj, context):
        return absolute(context, reverse("api:paper-detail", args=[obj.arxiv_id]))


class PaperFilters(Schema):
    category: str | None = Field(None, max_length=32, description='Papers listed in this category, e.g. "cs.LG".')
    announced_from: dt.date | None = Field(None, description="Announced by arXiv on or after this day (YYYY-MM-DD).")
    announced_to: dt.date | None = Field(None, description="Announced on or before this day.")
    q: str | None = Field(None, max_length=200, description="Words that must all appear in the title or abstract.")

    @model_validator(mode="after")
    def dates_in_order(self):
        if self.announced_from and self.announced_to and self.announced_from > self.announced_to:
            raise ValueError("announced_from must not be after announced_to")
        return self


@router.get(
    "/papers/",
    response={200: list[PaperOut]},
    url_name="paper-list",
    summary="Papers, newest first",
    description="Every paper known, newest announcement first (same day: latest stored first), with its attention.",
)
@paginate(CursorPagination, key="announced_on", prepare=attach_attention)
def paper_list(request, filters: Query[PaperFilters]):
    return papers_matching(
        category=filters.category,
        announced_from=filters.announced_from,
        announced_to=filters.announced_to,
        text=filters.q,
    )
