from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from digests.api import api
from digests.markdownx_views import ImageUploadView, MarkdownifyView
from digests.sitemaps import sitemaps as digest_sitemaps
from hotpapers_site.views import csp_report, favicon, healthz, robots_txt, staff_only
from papers.sitemaps import sitemaps as paper_sitemaps

admin.site.site_header = "Hot Papers admin"
admin.site.site_title = "Hot Papers admin"
admin.site.index_title = "Editor's desk"

sitemaps = {**digest_sitemaps, **paper_sitemaps}

urlpatterns = [
    path("admin/", admin.site.urls),
    # markdownx's views answer anyone by default; previews and uploads are for editors only.
    path("markdownx/upload/", staff_only(ImageUploadView.as_view()), name="markdownx_upload"),
    path("markdownx/markdownify/", staff_only(MarkdownifyView.as_view()), name="markdownx_markdownify"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("healthz", healthz, name="healthz"),
    path("csp-report", csp_report, name="csp-report"),
    path("favicon.ico", favicon, name="favicon"),
    path("api/", api.urls),
    path("", include("papers.urls")),
    path("", include("digests.urls")),
]

if settings.DEBUG:
    # Development only: production serves MEDIA_ROOT from the web server or object storage.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
