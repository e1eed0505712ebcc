from django.urls import path, register_converter

from . import feeds, views


class MonthConverter:
    """Two-digit months, 01 to 12: /archive/2022/01/."""

    regex = "0[1-9]|1[0-2]"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):02d}"


register_converter(MonthConverter, "month")

app_name = "digests"
urlpatterns = [
    path("", views.DigestListView.as_view(), name="digest-list"),
    path("digests/<slug:slug>.md", views.digest_markdown, name="digest-markdown"),
    path("digests/<slug:slug>/card.png", views.digest_social_card, name="digest-card"),
    path("digests/<slug:slug>/", views.DigestDetailView.as_view(), name="digest-detail"),
    path("tags/<slug:slug>/", views.TagDetailView.as_view(), name="tag-detail"),
    path("archive/", views.ArchiveIndexView.as_view(), name="archive"),
    path("archive/<int:year>/", views.DigestYearArchiveView.as_view(), name="archive-year"),
    path("archive/<int:year>/<month:month>/", views.DigestMonthArchiveView.as_view(), name="archive-month"),
    path("trending/", views.TrendingView.as_view(), name="trending"),
    path("feeds/", views.FeedsView.as_view(), name="feeds"),
    path("feeds/trending.atom", feeds.TrendingPapersFeed(), name="trending-feed"),
    path("feeds/digests.atom", feeds.DigestsAtomFeed(), name="feed-atom"),
    path("feeds/digests.rss", feeds.DigestsFeed(), name="feed-rss"),
    path("social-card.png", views.site_social_card, name="site-card"),
]
