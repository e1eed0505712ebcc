from django.urls import path, register_converter

from . import views


class ArxivIdConverter:
    """New-style ids ("2201.04182") and old-style ids that keep their slash ("hep-th/9901001")."""

    regex = r"\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Za-z\-]+)?/\d{7}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ArxivIdConverter, "arxiv_id")

app_name = "papers"
urlpatterns = [
    path("papers/<arxiv_id:arxiv_id>/", views.PaperDetailView.as_view(), name="paper-detail"),
    path("categories/<str:code>/", views.CategoryDetailView.as_view(), name="category-detail"),
    path("authors/<slug:slug>/", views.AuthorDetailView.as_view(), name="author-detail"),
]
