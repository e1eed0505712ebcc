from django.conf import settings


def site(request):
    return {
        "site_name": settings.HOTPAPERS_SITE_NAME,
        "load_x_widgets": settings.HOTPAPERS_LOAD_X_WIDGETS,
    }
