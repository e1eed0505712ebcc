from django.views.generic import DetailView

from .models import Author, Category, Paper


class PaperDetailView(DetailView):
    template_name = "papers/paper_detail.html"
    context_object_name = "paper"
    slug_field = "arxiv_id"
    slug_url_kwarg = "arxiv_id"

    def get_queryset(self):
        return Paper.objects.select_related("primary_category").prefetch_related(
            "authorships__author", "paper_categories__category"
        )


class CategoryDetailView(DetailView):
    model = Category
    template_name = "papers/category_detail.html"
    context_object_name = "category"
    slug_field = "code"
    slug_url_kwarg = "code"


class AuthorDetailView(DetailView):
    model = Author
    template_name = "papers/author_detail.html"
    context_object_name = "author"
