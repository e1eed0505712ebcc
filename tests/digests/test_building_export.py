"""A built digest exports in the seed's format and imports back to the very same rows."""

import datetime as dt

import pytest

from digests.models import DailyDigest, DigestEntry, DigestEntryTweet, DigestTag, Tag
from digests.postformat import parse_post
from digests.services.building import digests_build
from digests.services.exporting import digest_export_markdown, post_tweet
from digests.services.importing import digest_import_text
from papers.models import Paper, Tweet
from tests.digests.building_days import AS_OF, DAY, day_paper, post

pytestmark = pytest.mark.django_db

OEMBED = (
    '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">HyperTransformer: Model Generation<br>abs: '
    '<a href="https://t.co/MFAMb3VnM1">https://t.co/MFAMb3VnM1</a></p>&mdash; AK (@ak92501) '
    '<a href="https://twitter.com/ak92501/status/1481443284304154625?ref_src=twsrc%5Etfw">January 13, 2022</a>'
    "</blockquote>\n"
    '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>\n'
)


def every_row():
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (DailyDigest, DigestEntry, DigestEntryTweet, DigestTag, Tag, Paper, Tweet)
    }


def built_day():
    """Two papers as arXiv gives them (a wrapped title, an abstract over lines) and posts as a dump stores them."""
    hyper = day_paper(
        "2201.04182", categories=["cs.LG", "cs.CV"], title="HyperTransformer: Model Generation for\n  Few-Shot Learning"
    )
    Paper.objects.filter(pk=hyper.pk).update(abstract="In this work we propose\n  a HyperTransformer.\n")
    post(
        hyper,
        score=1582,
        retweets=1343,
        handle="ak92501",
        author_name="AK",
        external_id="1481443284304154625",
        url="https://twitter.com/ak92501/status/1481443284304154625",
        text="HyperTransformer: Model Generation\nabs: https://t.co/MFAMb3VnM1 & more",
        text_html="",  # a dump has the text only; oEmbed is fetched later, or never without internet
        lang="en",
    )
    symbolic = day_paper("2201.04600", categories=["cs.LG"], title="Deep Symbolic Regression")
    post(
        symbolic,
        score=701,
        retweets=535,
        handle="HochreiterSepp",
        author_name="Sepp Hochreiter's lab",
        external_id="1481516573458419713",
        url="https://twitter.com/HochreiterSepp/status/1481516573458419713",
        text="ArXiv https://t.co/TQ6mPLX4wf: symbolic functions",
        text_html="",
        lang="",
    )
    digest = digests_build(day=DAY, as_of=AS_OF).digest
    Tweet.objects.filter(external_id="1481516573458419713").update(posted_at=None)  # a post whose time is unknown
    return digest


def test_a_built_digest_exports_in_the_seed_format():
    digest = built_day()

    text = digest_export_markdown(digest=digest)

    head, first, second = text.split("\n# ")
    assert head == (
        "---\n"
        "title: Hot Papers 2022-01-13\n"
        "date: 2022-01-14T11:10:50.Z\n"
        'template: "post"\n'
        "draft: true\n"
        'slug: "hot-papers-2022-01-13"\n'
        'category: "arXiv"\n'
        "tags:\n"
        '  - "arXiv"\n'
        '  - "Twitter"\n'
        '  - "Machine Learning"\n'
        '  - "Computer Vision and Pattern Recognition"\n'
        '  - "Computer Science"\n'
        'description: "Hot papers 2022-01-13"\n'
        f'socialImage: "{digest.social_image}"\n'
        "\n"
        "---\n"
    )
    assert first.splitlines()[:10] == [
        "1. HyperTransformer: Model Generation for  Few-Shot Learning",
        "",
        digest.entries.get(position=1).paper.authorships.first().author.name
        + ", "
        + digest.entries.get(position=1).paper.authorships.last().author.name,
        "",
        "- retweets: 1343, favorites: 239 (01/14/2022 11:10:50)",
        "",
        "- links: [abs](https://arxiv.org/abs/2201.04182) | [pdf](https://arxiv.org/pdf/2201.04182)",
        "- [cs.LG](https://arxiv.org/list/cs.LG/recent) | [cs.CV](https://arxiv.org/list/cs.CV/recent)",
        "",
        "In this work we propose a HyperTransformer.",
    ]
    assert (
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">HyperTransformer: Model Generation<br>abs: '
        "https://t.co/MFAMb3VnM1 &amp; more</p>&mdash; AK (@ak92501) "
        '<a href="https://twitter.com/ak92501/status/1481443284304154625?ref_src=twsrc%5Etfw">January 13, 2022</a>'
        "</blockquote>\n"
        '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>\n'
    ) in first
    # No language and no time stored: what oEmbed writes for an unknown language, the date the id encodes.
    assert (
        '<p lang="und" dir="ltr">ArXiv https://t.co/TQ6mPLX4wf: symbolic functions</p>&mdash; '
        "Sepp Hochreiter&#39;s lab (@HochreiterSepp) "
    ) in second
    assert ">January 13, 2022</a></blockquote>" in second
    assert parse_post(text, name="built.md").entries[1].retweets == 535


def test_a_built_digest_exports_and_reimports_to_the_same_rows():
    digest = built_day()
    text = digest_export_markdown(digest=digest)
    before = every_row()

    result = digest_import_text(text=text, name="hot-papers-2022-01-13.md")

    assert (result.created, result.changed) == (False, False)
    assert every_row() == before
    assert digest_export_markdown(digest=digest) == text


def test_excluded_entries_hidden_posts_and_other_platforms_stay_out_of_the_export():
    digest = built_day()
    DigestEntry.objects.filter(digest=digest, position=2).update(is_excluded=True)
    hyper = Paper.objects.get(arxiv_id="2201.04182")
    bluesky = post(hyper, score=300, source="bluesky", url="https://bsky.app/profile/a/post/1")
    hidden = post(hyper, score=290)
    entry = DigestEntry.objects.get(digest=digest, position=1)
    DigestEntryTweet.objects.create(entry=entry, tweet=bluesky, position=2)
    DigestEntryTweet.objects.create(entry=entry, tweet=hidden, position=3)
    Tweet.objects.filter(pk=hidden.pk).update(is_hidden=True)

    post_ = parse_post(digest_export_markdown(digest=digest), name="built.md")

    assert [e.arxiv_id for e in post_.entries] == ["2201.04182"]
    assert [t.tweet_id for t in post_.entries[0].tweets] == ["1481443284304154625"]


def test_an_embedded_post_is_written_from_its_oembed_blockquote_when_it_has_one():
    tweet = Tweet(
        source=Tweet.Source.X,
        external_id="1481443284304154625",
        author_handle="ak92501",
        author_name="Someone else now",
        url="https://twitter.com/ak92501/status/1481443284304154625",
        text="stored text",
        posted_at=dt.datetime(2022, 1, 14, 1, 0, tzinfo=dt.UTC),
    )
    tweet.oembed_html = OEMBED

    embedded = post_tweet(tweet)

    assert (embedded.author_name, embedded.posted_on, embedded.lang) == ("AK", dt.date(2022, 1, 13), "en")
    assert embedded.text_html.startswith("HyperTransformer: Model Generation<br>abs: <a href=")


@pytest.mark.parametrize(
    "oembed_html",
    [
        # 2015's shape: no ?ref_src on the status link, a protocol-relative script.
        '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Hugo</p>&mdash; Steve Francia (@spf13) '
        '<a href="https://twitter.com/spf13/status/666616452582129664">November 17, 2015</a></blockquote>',
        OEMBED.replace("1481443284304154625", "1481443284304154626"),  # another post's embed
    ],
    ids=["old-shape", "other-post"],
)
def test_an_oembed_blockquote_the_format_cannot_carry_falls_back_to_the_stored_text(oembed_html):
    tweet = Tweet(
        source=Tweet.Source.X,
        external_id="1481443284304154625",
        author_handle="ak92501",
        author_name="AK",
        text="stored text",
        lang="en",
        posted_at=dt.datetime(2022, 1, 13, 9, 0, tzinfo=dt.UTC),
    )
    tweet.oembed_html = oembed_html
    assert post_tweet(tweet).text_html == "stored text"
