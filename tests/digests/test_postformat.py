"""The seed-format parser and renderer (pure Python: no database)."""

import dataclasses
import datetime as dt

import pytest

from digests.postformat import (
    PostFormatError,
    parse_post,
    render_post,
    snowflake_time,
    tweet_plain_text,
    tweet_posted_at,
)
from tests.digests.post_samples import (
    SEED_BYTES,
    SEED_TEXT,
    line_of,
    make_entry,
    make_post,
    make_tweet,
    post_bytes,
    seed_with,
)


def test_the_seed_parses_into_its_front_matter():
    post = parse_post(SEED_BYTES, name="seed.md")

    assert post.title == "Hot Papers 2022-01-13"
    assert post.generated_at == dt.datetime(2022, 1, 14, 11, 10, 50, tzinfo=dt.UTC)
    assert post.draft is False
    assert post.slug == "hot-papers-2022-01-13"
    assert post.tags == ["arXiv", "Twitter", "Machine Learning", "Computer Science"]
    assert post.description == "Hot papers 2022-01-13"
    assert post.social_image == "/media/flying-marine.jpg"
    assert (post.intro, post.leading_blank_lines) == ("", 0)
    assert [entry.rank for entry in post.entries] == list(range(1, 9))


def test_an_entry_keeps_its_title_exactly_and_splits_authors_metrics_links_and_categories():
    entry = parse_post(SEED_BYTES, name="seed.md").entries[0]

    assert entry.title == "HyperTransformer: Model Generation for Supervised and Semi-Supervised  Few-Shot Learning"
    assert entry.authors == ["Andrey Zhmoginov", "Mark Sandler", "Max Vladymyrov"]
    assert (entry.retweets, entry.favorites) == (1343, 239)
    assert entry.measured_at == dt.datetime(2022, 1, 14, 11, 10, 50, tzinfo=dt.UTC)
    assert entry.arxiv_id == "2201.04182"
    assert entry.categories == ["cs.LG", "cs.CV"]
    assert entry.abstract.startswith("In this work we propose a HyperTransformer")
    assert entry.line == line_of(SEED_TEXT, "# 1. HyperTransformer")
    assert len(entry.tweets) == 2


def test_an_embedded_tweet_parses_into_its_parts():
    tweet = parse_post(SEED_BYTES, name="seed.md").entries[0].tweets[0]

    assert tweet.tweet_id == "1481443284304154625"
    assert (tweet.lang, tweet.text_dir) == ("en", "ltr")
    assert tweet.text_html.startswith("HyperTransformer: Model Generation")
    assert tweet.text_html.endswith('<a href="https://t.co/KTCN45rXnt">pic.twitter.com/KTCN45rXnt</a>')
    assert (tweet.author_name, tweet.author_handle) == ("AK", "ak92501")
    assert tweet.url == "https://twitter.com/ak92501/status/1481443284304154625"
    assert tweet.posted_on == dt.date(2022, 1, 13)
    assert tweet.line == line_of(SEED_TEXT, "1481443284304154625")


def test_rendering_the_seed_gives_back_its_exact_bytes():
    assert render_post(parse_post(SEED_BYTES, name="seed.md")).encode("utf-8") == SEED_BYTES


def test_every_corpus_post_renders_back_to_its_exact_bytes(corpus_dir):
    for path in sorted(corpus_dir.glob("*.md")):
        data = path.read_bytes()
        assert render_post(parse_post(data, name=path.name)).encode("utf-8") == data, path.name


def test_text_and_bytes_parse_alike_and_a_utf8_byte_order_mark_is_dropped():
    from_bytes = parse_post(SEED_BYTES, name="seed.md")

    assert parse_post(SEED_TEXT, name="seed.md") == from_bytes
    assert parse_post(b"\xef\xbb\xbf" + SEED_BYTES, name="seed.md") == from_bytes


def test_extra_blank_lines_after_the_front_matter_are_kept():
    text = seed_with("---\n\n# 1.", "---\n\n\n# 1.")
    post = parse_post(text, name="first.md")

    assert post.leading_blank_lines == 1
    assert render_post(post) == text


def test_a_post_without_entries_ends_right_after_the_front_matter():
    text = SEED_TEXT[: SEED_TEXT.index("\n# 1.")]
    post = parse_post(text, name="empty.md")

    assert post.entries == []
    assert text.endswith('socialImage: "/media/flying-marine.jpg"\n\n---\n')
    assert render_post(post) == text


def test_markdown_between_the_front_matter_and_the_first_entry_is_the_intro():
    text = seed_with("---\n\n# 1.", "---\n\nA quiet day.\n\n*Enjoy.*\n\n# 1.")
    post = parse_post(text, name="intro.md")

    assert post.intro == "A quiet day.\n\n*Enjoy.*\n"
    assert post.leading_blank_lines == 1
    assert render_post(post) == text


def test_a_draft_round_trips():
    post = parse_post(seed_with("draft: false", "draft: true"), name="draft.md")

    assert post.draft is True
    assert "draft: true\n" in render_post(post)


@pytest.mark.parametrize("arxiv_id", ["hep-th/9901001", "math.GT/0309136", "0706.0001", "2201.04182v2"])
def test_old_style_and_versioned_arxiv_ids_parse_and_render(arxiv_id):
    data = post_bytes(make_post(entries=[make_entry(1, arxiv_id)]))
    post = parse_post(data, name="old.md")

    assert post.entries[0].arxiv_id == arxiv_id
    assert f"[abs](https://arxiv.org/abs/{arxiv_id}) | [pdf](https://arxiv.org/pdf/{arxiv_id})" in data.decode()
    assert post_bytes(post) == data


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("Jamie O'Hare", "Jamie O&#39;Hare"),
        ('Ranjit "enough!" Jhala', "Ranjit &quot;enough!&quot; Jhala"),
        ("Salt & <Pepper>", "Salt &amp; &lt;Pepper&gt;"),
        ("فلان", "فلان"),
    ],
)
def test_tweet_author_names_are_escaped_as_oembed_writes_them_and_round_trip(name, written):
    data = post_bytes(make_post(entries=[make_entry(1, "2201.00001", tweets=[make_tweet(name=name)])]))

    assert f"&mdash; {written} (@ak92501)" in data.decode()
    assert parse_post(data, name="names.md").entries[0].tweets[0].author_name == name
    assert post_bytes(parse_post(data, name="names.md")) == data


def test_an_author_name_escaped_otherwise_than_oembed_does_is_refused():
    text = seed_with("&mdash; AK (@ak92501)", "&mdash; Jamie O'Hare (@ak92501)")

    with pytest.raises(PostFormatError, match="not HTML-escaped as oEmbed writes it") as caught:
        parse_post(text, name="names.md")
    assert caught.value.line == line_of(text, "Jamie O'Hare")


def test_a_right_to_left_tweet_keeps_its_direction():
    tweet = make_tweet(lang="ar", text_dir="rtl", text_html="ورقة جديدة")
    post = parse_post(post_bytes(make_post(entries=[make_entry(1, "2201.00001", tweets=[tweet])])), name="rtl.md")

    assert (post.entries[0].tweets[0].lang, post.entries[0].tweets[0].text_dir) == ("ar", "rtl")


def test_a_tweet_posted_at_comes_from_its_snowflake_id():
    assert snowflake_time("1481443284304154625") == dt.datetime(2022, 1, 13, 1, 49, 37, 520000, tzinfo=dt.UTC)
    assert tweet_posted_at("1481443284304154625", dt.date(2022, 1, 13)) == snowflake_time("1481443284304154625")


def test_a_tweet_whose_id_disagrees_with_its_date_is_posted_at_midnight_of_the_date_shown():
    tweet = make_tweet("20", posted_on=dt.date(2006, 3, 21))

    assert tweet.posted_at == dt.datetime(2006, 3, 21, tzinfo=dt.UTC)
    data = post_bytes(make_post(entries=[make_entry(1, "2201.00001", tweets=[tweet])]))
    assert ">March 21, 2006</a>" in data.decode()
    assert parse_post(data, name="old-tweet.md").entries[0].tweets[0].posted_on == dt.date(2006, 3, 21)


def test_tweet_plain_text_keeps_line_breaks_drops_tags_and_decodes_entities():
    html = 'it&#39;s &quot;new&quot; &amp; good<br>abs: <a href="https://t.co/x">https://t.co/x</a><br/>end'

    assert tweet_plain_text(html) == 'it\'s "new" & good\nabs: https://t.co/x\nend'


def test_a_tweet_embedded_twice_in_one_entry_is_kept_twice_by_the_parser():
    block = SEED_TEXT[SEED_TEXT.index("<blockquote") : SEED_TEXT.index("</script>\n\n") + len("</script>\n\n")]
    text = seed_with(block, block + block)

    post = parse_post(text, name="twice.md")
    assert [t.tweet_id for t in post.entries[0].tweets] == ["1481443284304154625"] * 2 + ["1481787736264634368"]
    assert render_post(post) == text


def test_a_title_yaml_could_misread_is_written_quoted_and_read_back():
    post = make_post(title='Hot Papers: "best of" 2022-01-20')
    data = post_bytes(post)

    assert 'title: "Hot Papers: \\"best of\\" 2022-01-20"\n' in data.decode()
    assert parse_post(data, name="quoted.md") == post


def test_rendering_a_parsed_post_and_parsing_it_again_gives_the_same_post():
    post = make_post(
        entries=[
            make_entry(1, "2201.00001", tweets=[make_tweet(), make_tweet("1481787736264634368", name="hardmaru")]),
            make_entry(2, "2201.00002", authors=[], categories=[], abstract=""),
        ],
        tags=[],
        draft=True,
    )

    assert parse_post(post_bytes(post), name="built.md") == post


def test_a_format_error_names_the_file_and_the_line():
    text = seed_with("- retweets: 1343, favorites: 239", "- retweets: 1343 favorites: 239")

    with pytest.raises(PostFormatError) as caught:
        parse_post(text, name="hot-papers-x.md")
    error = caught.value
    line = line_of(text, "- retweets: 1343 favorites")
    assert (error.name, error.line) == ("hot-papers-x.md", line)
    assert str(error).startswith(f"hot-papers-x.md, line {line}: metrics line does not parse")
    assert isinstance(error, ValueError)


def test_post_dataclasses_compare_by_content_not_by_line():
    entry = make_entry(1, "2201.00001")

    assert dataclasses.replace(entry, line=99) == entry
