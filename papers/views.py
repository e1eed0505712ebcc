from django.db.models import Prefetch
from django.views.generic import DetailView, ListView
from django.views.generic.detail import SingleObjectMixin

from digests.models import DailyDigest, DigestEntry

from .models import Author, Authorship, Category, Paper, PaperCategory, Tweet

PAPERS_PER_PAGE = 25


def papers_for_listing():
    """Papers with their authors and categories: three queries for a whole page."""
    return Paper.objects.prefetch_related(
        Prefetch("authorships", queryset=Authorship.objects.select_related("author")),
        Prefetch("paper_categories", queryset=PaperCategory.objects.select_related("category")),
    )


class PaperDetailView(DetailView):
    """A paper's metadata, the published digests it ranked in, and its visible posts.

    Queries: the paper (with its primary category), authorships with authors, categories,
    entries in published digests with their digest, and the visible posts.
    """

    template_name = "papers/paper_detail.html"
    context_object_name = "paper"
    slug_field = "arxiv_id"
    slug_url_kwarg = "arxiv_id"

    def get_queryset(self):
        published_entries = (
            DigestEntry.objects.filter(digest__in=DailyDigest.objects.published())
            .select_related("digest")
            .order_by("-digest__date")
        )
        return (
            papers_for_listing()
            .select_related("primary_category")
            .prefetch_related(
                Prefetch("digest_entries", queryset=published_entries, to_attr="published_entries"),
                Prefetch("tweets", queryset=Tweet.objects.filter(is_hidden=False), to_attr="visible_posts"),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["canonical_url"] = self.request.build_absolute_uri(self.object.get_absolute_url())
        return context


class PaperListDetailView(SingleObjectMixin, ListView):
    """One object (a category, an author) and its papers, newest first, paginated."""

    paginate_by = PAPERS_PER_PAGE
    parent_queryset = None

    def get(self, request, *args, **kwargs):
        self.object = self.get_object(queryset=self.parent_queryset)
        return super().get(request, *args, **kwargs)


class CategoryDetailView(PaperListDetailView):
    template_name = "papers/category_detail.html"
    slug_field = "code"
    slug_url_kwarg = "code"
    parent_queryset = Category.objects.all()

    def get_queryset(self):
        return papers_for_listing().filter(paper_categories__category=self.object)


class AuthorDetailView(PaperListDetailView):
    template_name = "papers/author_detail.html"
    parent_queryset = Author.objects.all()

    def get_queryset(self):
        return papers_for_listing().filter(authorships__author=self.object)
