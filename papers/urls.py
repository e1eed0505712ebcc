from django.urls import path, register_converter
from django.views.generic import RedirectView

from . import feeds, views
from .sources.arxiv import BASE_ID, WRITTEN_ID, normalize_arxiv_id


class ArxivIdConverter:
    """A base id as ``Paper.arxiv_id`` stores it: "2201.04182", or old style with its slash, "hep-th/9901001"."""

    regex = BASE_ID

    def to_python(self, value):
        normalize_arxiv_id(value)  # a month arXiv never numbered (InvalidArxivId is a ValueError) is a 404
        return value

    def to_url(self, value):
        return value


class WrittenArxivIdConverter:
    """An id as people write it, with a version or a subject class ("2201.04182v2", "math.GT/0309136").

    It resolves to the base id, so the route that uses it redirects to the paper's one canonical URL.
    """

    regex = WRITTEN_ID

    def to_python(self, value):
        return normalize_arxiv_id(value).base

    def to_url(self, value):
        return value


register_converter(ArxivIdConverter, "arxiv_id")
register_converter(WrittenArxivIdConverter, "written_arxiv_id")

app_name = "papers"
urlpatterns = [
    path("papers/<arxiv_id:arxiv_id>/", views.PaperDetailView.as_view(), name="paper-detail"),
    # Tried only when the route above does not match: /papers/2201.04182v2/ -> /papers/2201.04182/.
    path(
        "papers/<written_arxiv_id:arxiv_id>/",
        RedirectView.as_view(pattern_name="papers:paper-detail", permanent=True, query_string=True),
        name="paper-detail-written",
    ),
    path("categories/<str:code>/", views.CategoryDetailView.as_view(), name="category-detail"),
    path("authors/<slug:slug>/", views.AuthorDetailView.as_view(), name="author-detail"),
    # Reader pages beyond a single paper: the lists, search and feeds.
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("search/", views.search, name="search"),
    path("feeds/categories/<str:code>.atom", feeds.CategoryPapersFeed(), name="category-feed"),
]
