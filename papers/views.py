from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.generic import DetailView, ListView
from django.views.generic.detail import SingleObjectMixin

from .forms import SearchForm
from .models import Author, Category
from .search import decorate, search_papers
from .selectors import (
    attention_window,
    categories_index,
    categories_with_papers,
    papers_by_author,
    papers_for_detail,
    papers_for_listing,
    papers_in_category,
    papers_sorted,
    related_papers,
)

PAPERS_PER_PAGE = 25
SEARCH_RESULTS_PER_PAGE = 20


class PaperDetailView(DetailView):
    """A paper's metadata, its visible posts, attention and related papers.

    Queries: the paper (with its primary category), authorships with authors, categories, the
    visible posts, and the related papers with their authorships and categories. What digests say
    about the paper (where it ranked, its attention chart) the template asks the digests app for
    ({% paper_digest_record %}: two more), so papers never imports digests.
    """

    template_name = "papers/paper_detail.html"
    context_object_name = "paper"
    slug_field = "arxiv_id"
    slug_url_kwarg = "arxiv_id"

    def get_queryset(self):
        return papers_for_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paper = self.object
        context["attention"] = sum(post.score for post in paper.visible_posts)
        context["related"] = list(related_papers(paper))
        return context


def listing_sort(request):
    return "hot" if request.GET.get("sort") == "hot" else "new"


class PaperListDetailView(SingleObjectMixin, ListView):
    """One object (a category, an author) and its papers with their attention, newest or hottest first."""

    paginate_by = PAPERS_PER_PAGE
    parent_queryset = None

    def get(self, request, *args, **kwargs):
        self.object = self.get_object(queryset=self.parent_queryset)
        self.sort = listing_sort(request)
        self.window = attention_window()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sort"] = self.sort
        context["window"] = self.window
        return context


class CategoryDetailView(PaperListDetailView):
    template_name = "papers/category_detail.html"
    slug_field = "code"
    slug_url_kwarg = "code"
    parent_queryset = Category.objects.all()

    def get_queryset(self):
        return papers_sorted(papers_in_category(category=self.object), sort=self.sort, window=self.window)


class AuthorDetailView(PaperListDetailView):
    template_name = "papers/author_detail.html"
    parent_queryset = Author.objects.all()

    def get_queryset(self):
        return papers_sorted(papers_by_author(author=self.object), sort=self.sort, window=self.window)


class CategoryListView(ListView):
    """Every category that has papers, grouped as arXiv groups them, with its paper count."""

    template_name = "papers/category_list.html"
    context_object_name = "categories"

    def get_queryset(self):
        return categories_index()


def search(request):
    """Full-text search with category and date filters (see papers.search), paginated."""
    form = SearchForm(request.GET or None)
    page_obj = None
    if form.is_valid() and not form.criteria.is_empty:
        paginator = Paginator(search_papers(papers_for_listing(), form.criteria), SEARCH_RESULTS_PER_PAGE)
        page_obj = paginator.get_page(request.GET.get("page"))
        decorate(page_obj.object_list, form.criteria)
    context = {
        "form": form,
        "page_obj": page_obj,
        "searched": page_obj is not None,
        "is_paginated": bool(page_obj and page_obj.has_other_pages()),
        "categories": categories_with_papers(),
    }
    return render(request, "papers/search.html", context)
