"""URLs reversed once per process still follow the script prefix and the URLconf in force."""

from django.urls import reverse, set_script_prefix

from papers.reversed_urls import cached_reverse


def test_a_cached_url_is_the_reversed_one_with_arguments():
    assert cached_reverse("papers:paper-detail", "2201.04182") == reverse("papers:paper-detail", args=["2201.04182"])
    assert cached_reverse("digests:archive-month", 2022, 1) == reverse("digests:archive-month", args=[2022, 1])


def test_a_cached_url_follows_the_script_prefix():
    home = cached_reverse("digests:digest-list")
    set_script_prefix("/mounted/")
    try:
        assert cached_reverse("digests:digest-list") == "/mounted" + home
    finally:
        set_script_prefix("/")
    assert cached_reverse("digests:digest-list") == home
