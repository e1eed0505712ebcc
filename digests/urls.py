from django.urls import path

from . import views

app_name = "digests"
urlpatterns = [
    path("", views.DigestListView.as_view(), name="digest-list"),
    path("digests/<slug:slug>.md", views.digest_markdown, name="digest-markdown"),
    path("digests/<slug:slug>/", views.DigestDetailView.as_view(), name="digest-detail"),
    path("tags/<slug:slug>/", views.TagDetailView.as_view(), name="tag-detail"),
]
