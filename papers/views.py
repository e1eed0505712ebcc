from django.views.generic import DetailView, ListView
from django.views.generic.detail import SingleObjectMixin

from .models import Author, Category
from .selectors import papers_by_author, papers_for_detail, papers_in_category

PAPERS_PER_PAGE = 25


class PaperDetailView(DetailView):
    """A paper's metadata, the published digests it ranked in, and its visible posts.

    Queries: the paper (with its primary category), authorships with authors, categories and the
    visible posts (papers.selectors.papers_for_detail), and the entries in published digests with their
    digest, which the template asks the digests app for ({% paper_digest_entries %}).
    """

    template_name = "papers/paper_detail.html"
    context_object_name = "paper"
    slug_field = "arxiv_id"
    slug_url_kwarg = "arxiv_id"

    def get_queryset(self):
        return papers_for_detail()

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
        return papers_in_category(category=self.object)


class AuthorDetailView(PaperListDetailView):
    template_name = "papers/author_detail.html"
    parent_queryset = Author.objects.all()

    def get_queryset(self):
        return papers_by_author(author=self.object)
