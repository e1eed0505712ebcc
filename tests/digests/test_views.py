import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from digests.models import DailyDigest, DigestEntryTweet, DigestTag
from digests.services.importing import digest_import_text
from tests.digests.factories import DailyDigestFactory, DigestEntryFactory, TagFactory
from tests.papers.factories import AuthorFactory, PaperFactory, TweetFactory

pytestmark = pytest.mark.django_db


def digest_with_entries(count, *, tweets=2, entry_kwargs=None, **digest_kwargs):
    digest = DailyDigestFactory(**digest_kwargs)
    for position in range(1, count + 1):
        DigestEntryFactory(digest=digest, position=position, with_tweets=tweets, **(entry_kwargs or {}))
    return digest


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# The home page


def test_home_features_the_newest_digest_then_lists_the_others_with_their_top_three(client):
    oldest = digest_with_entries(5, tweets=0, date=dt.date(2022, 1, 11))
    older = digest_with_entries(2, tweets=0, date=dt.date(2022, 1, 12))
    newest = digest_with_entries(7, tweets=0, date=dt.date(2022, 1, 13))
    featured_titles = [e.paper.title for e in newest.entries.order_by("position")[:5]]
    card_titles = [e.paper.title for e in oldest.entries.order_by("position")[:3]]

    response = client.get(reverse("digests:digest-list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Latest digest") < html.index(newest.title) < html.index(older.title) < html.index(oldest.title)
    assert "7 papers" in html and "5 papers" in html and "2 papers" in html
    assert all(title in html for title in featured_titles + card_titles)
    assert newest.entries.get(position=6).paper.title not in html
    assert oldest.entries.get(position=4).paper.title not in html
    assert "Read the digest: all 7 papers" in html
    # Titles on cards link to their place in the digest.
    assert f'{reverse("digests:digest-detail", args=[oldest.slug])}#paper-1"' in html
    assert 'and 2 more<span class="visually-hidden"> papers in' in html and html.count('class="card__more"') == 1


def test_home_leaves_out_drafts_scheduled_and_future_dated_digests(client):
    DailyDigestFactory(title="Draft digest", draft=True)
    DailyDigestFactory(
        title="Scheduled digest", status=DailyDigest.Status.SCHEDULED, publish_at=timezone.now() + dt.timedelta(days=1)
    )
    DailyDigestFactory(title="Future digest", published_at=timezone.now() + dt.timedelta(days=1))
    DailyDigestFactory(title="Live digest")

    html = client.get(reverse("digests:digest-list")).content.decode()

    assert "Live digest" in html
    assert "Draft digest" not in html and "Scheduled digest" not in html and "Future digest" not in html


def test_home_is_paginated_with_an_accessible_nav(client, settings):
    settings.HOTPAPERS_DIGESTS_PER_PAGE = 2
    for day in range(1, 6):
        DailyDigestFactory(date=dt.date(2022, 2, day))

    first = client.get(reverse("digests:digest-list"))
    last = client.get(reverse("digests:digest-list"), {"page": 3})

    assert [d.date.day for d in first.context["digests"]] == [5, 4]
    assert [d.date.day for d in last.context["digests"]] == [1]
    html = first.content.decode()
    assert 'aria-label="Pages"' in html and 'aria-current="page"' in html and 'rel="next"' in html
    assert client.get(reverse("digests:digest-list"), {"page": 4}).status_code == 404


def test_home_costs_the_same_queries_for_a_full_and_a_short_page(client):
    digest_with_entries(1, tweets=1)
    short_page = queries_for(client, reverse("digests:digest-list"))
    for _ in range(9):
        digest_with_entries(6, tweets=2)
    full_page = queries_for(client, reverse("digests:digest-list"))
    # count, digests, their top entries, the featured digest's entries, the trending window,
    # trending papers with their authorships and categories
    assert short_page == full_page == 8


# A digest


def test_digest_page_reads_like_the_seed(client):
    digest = DailyDigestFactory(date=dt.date(2022, 1, 13), intro="Today's *picks*.")
    paper = PaperFactory(
        title="HyperTransformer: Model Generation for  Few-Shot Learning", with_authors=2, with_categories=["cs.LG"]
    )
    DigestEntryFactory(digest=digest, paper=paper, position=1, retweets=1343, favorites=239, note="Worth **reading**.")
    DigestTag.objects.create(digest=digest, tag=TagFactory(name="arXiv", slug="arxiv"), position=1)

    response = client.get(digest.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "HyperTransformer: Model Generation for Few-Shot Learning" in html  # double space collapsed
    assert '<span class="entry__rank">1.</span>' in html
    assert "retweets: 1343, favorites: 239" in html
    assert '<time datetime="2022-01-14T11:10:50+00:00">01/14/2022 11:10:50</time>' in html
    assert f'href="{paper.abs_url}"' in html and f'href="{paper.pdf_url}"' in html
    assert reverse("papers:category-detail", args=["cs.LG"]) in html
    assert 'href="https://arxiv.org/list/cs.LG/recent"' in html
    for authorship in paper.authorships.all():
        assert reverse("papers:author-detail", args=[authorship.author.slug]) in html
    assert reverse("papers:paper-detail", args=[paper.arxiv_id]) in html
    assert digest.get_markdown_url() in html
    assert reverse("digests:tag-detail", args=["arxiv"]) in html
    assert "<em>picks</em>" in html and "<strong>reading</strong>" in html


def test_digest_page_quotes_posts_without_third_party_script_by_default(client):
    entry = DigestEntryFactory(with_tweets=2)
    tweet = entry.tweets.first()

    html = client.get(entry.digest.get_absolute_url()).content.decode()

    assert html.count('<blockquote class="post"') == 2
    assert 'lang="en" dir="ltr"' in html
    assert "(@ak92501)" in html
    assert f'<a class="post__date" href="{tweet.url}">' in html
    assert "January 13, 2022" in html
    assert "platform.twitter.com" not in html
    assert "twitter-tweet" not in html


def test_digest_page_loads_x_widgets_once_when_enabled(client, settings):
    settings.HOTPAPERS_LOAD_X_WIDGETS = True
    digest = digest_with_entries(3, tweets=2)

    html = client.get(digest.get_absolute_url()).content.decode()

    assert html.count("https://platform.twitter.com/widgets.js") == 1
    assert html.count('class="post twitter-tweet"') == 6


def test_hidden_posts_never_show(client):
    entry = DigestEntryFactory(with_tweets=2)
    hidden = entry.tweets.first()
    hidden.text_html = "Spam, spam, spam"
    hidden.is_hidden = True
    hidden.save()

    html = client.get(entry.digest.get_absolute_url()).content.decode()

    assert "Spam, spam, spam" not in html
    assert html.count('<blockquote class="post"') == 1


def test_a_post_embedded_twice_in_an_entry_shows_once(client):
    entry = DigestEntryFactory(with_tweets=1)
    DigestEntryTweet.objects.create(entry=entry, tweet=entry.tweets.first(), position=2)

    html = client.get(entry.digest.get_absolute_url()).content.decode()

    assert html.count('<blockquote class="post"') == 1


@pytest.mark.parametrize(
    "digest_kwargs",
    [
        {"draft": True},
        {"status": DailyDigest.Status.SCHEDULED, "publish_at": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)},
        {"published_at": dt.datetime(2099, 1, 1, tzinfo=dt.UTC)},
    ],
    ids=["draft", "scheduled", "future-dated"],
)
def test_unpublished_digests_are_404_for_readers(client, digest_kwargs):
    digest = DailyDigestFactory(**digest_kwargs)
    assert client.get(digest.get_absolute_url()).status_code == 404
    assert client.get(digest.get_markdown_url()).status_code == 404


def test_the_markdown_url_serves_the_seed_post_byte_for_byte(client, seed_path):
    digest = digest_import_text(text=seed_path.read_bytes(), name=seed_path.name).digest
    response = client.get(digest.get_markdown_url())
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.content == seed_path.read_bytes()


def test_editors_preview_unpublished_digests_marked_and_unindexed(client, django_user_model):
    draft = DigestEntryFactory(digest=DailyDigestFactory(draft=True)).digest
    client.force_login(django_user_model.objects.create_user("editor", password="x", is_staff=True))

    page = client.get(draft.get_absolute_url())
    markdown = client.get(draft.get_markdown_url())

    assert page.status_code == 200
    html = page.content.decode()
    assert "only editors can see it" in html and '<meta name="robots" content="noindex, nofollow">' in html
    assert markdown.status_code == 200 and b"draft: true" in markdown.content


def test_published_digests_carry_no_preview_banner_for_editors(client, django_user_model):
    digest = DigestEntryFactory().digest
    client.force_login(django_user_model.objects.create_user("editor", password="x", is_staff=True))
    assert "only editors can see it" not in client.get(digest.get_absolute_url()).content.decode()


def test_unknown_digest_is_404_with_the_site_chrome(client):
    response = client.get(reverse("digests:digest-detail", args=["no-such-digest"]))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert reverse("digests:digest-list") in response.content.decode()


def test_titles_and_names_are_escaped(client):
    paper = PaperFactory(title="<script>alert('t')</script> Attention", with_authors=0)
    entry = DigestEntryFactory(paper=paper, shown_authors=["<img src=x onerror=alert(1)>"])

    html = client.get(entry.digest.get_absolute_url()).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert('t')&lt;/script&gt; Attention" in html  # as text, escaped (nh3 serialises it)
    assert "<img src=x" not in html


def test_post_html_and_markdown_are_sanitized(client):
    entry = DigestEntryFactory(note='<script>alert(1)</script>[x](javascript:alert(2)) <img src=x onerror="alert(3)">')
    tweet = TweetFactory(
        text_html='Hi<script>alert(4)</script> <img src=x onerror="alert(5)"><a href="javascript:alert(6)">link</a>',
        url="javascript:alert(7)",
    )
    entry.entry_tweets.create(tweet=tweet, position=1)

    html = client.get(entry.digest.get_absolute_url()).content.decode()

    assert "<script>alert" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "Hi" in html and ">link</a>" in html


def test_snapshot_authors_link_to_known_authors_only(client):
    known = AuthorFactory(name="Known Author", slug="known-author")
    entry = DigestEntryFactory(shown_authors=["Known Author", "Stranger Person"], shown_categories=["math.OC"])

    html = client.get(entry.digest.get_absolute_url()).content.decode()

    assert f'<a href="{known.get_absolute_url()}">Known Author</a>' in html
    assert "Stranger Person" in html and 'href="/authors/stranger-person/"' not in html
    assert reverse("papers:category-detail", args=["math.OC"]) in html
    assert 'href="https://arxiv.org/list/math.OC/recent"' in html


def test_digest_page_links_its_neighbours(client):
    first = DailyDigestFactory(date=dt.date(2022, 3, 1))
    middle = DailyDigestFactory(date=dt.date(2022, 3, 2))
    DailyDigestFactory(date=dt.date(2022, 3, 3), draft=True)

    html = client.get(middle.get_absolute_url()).content.decode()

    assert 'rel="prev"' in html and first.get_absolute_url() in html
    assert 'rel="next"' not in html


@pytest.mark.parametrize(
    ("entry_kwargs", "expected"),
    [
        # one statement for the digest, its tags, neighbours and entries with their papers, authors,
        # categories and posts (digests.digest_page); the "why" lines are the entries' stored figures
        ({}, 1),
        # snapshots' author names and category codes are looked up in that same statement
        ({"shown_authors": ["Known Author", "Someone Else"], "shown_categories": ["cs.LG", "q-bio.NC"]}, 1),
    ],
    ids=["paper-metadata", "snapshots"],
)
def test_digest_page_costs_the_same_queries_for_3_and_30_entries(client, entry_kwargs, expected):
    AuthorFactory(name="Known Author")
    small = digest_with_entries(3, tweets=2, entry_kwargs=entry_kwargs)
    large = digest_with_entries(30, tweets=2, entry_kwargs=entry_kwargs)

    small_queries = queries_for(client, small.get_absolute_url())
    large_queries = queries_for(client, large.get_absolute_url())

    assert small_queries == large_queries == expected


# Tags


def test_tag_page_lists_published_digests_with_the_tag(client):
    tag = TagFactory(name="Machine Learning", slug="machine-learning")
    tagged = DailyDigestFactory(title="Tagged digest")
    draft = DailyDigestFactory(title="Draft tagged digest", draft=True)
    DailyDigestFactory(title="Untagged digest")
    for digest in (tagged, draft):
        DigestTag.objects.create(digest=digest, tag=tag, position=1)

    response = client.get(tag.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Tagged digest" in html
    assert "Draft tagged digest" not in html and "Untagged digest" not in html
    assert client.get(reverse("digests:tag-detail", args=["nope"])).status_code == 404


def test_tag_page_costs_constant_queries(client):
    tag = TagFactory()
    digest = digest_with_entries(3, tweets=0)
    DigestTag.objects.create(digest=digest, tag=tag, position=1)
    one = queries_for(client, tag.get_absolute_url())
    for _ in range(5):
        digest = digest_with_entries(4, tweets=0)
        DigestTag.objects.create(digest=digest, tag=tag, position=1)
    assert queries_for(client, tag.get_absolute_url()) == one == 4
