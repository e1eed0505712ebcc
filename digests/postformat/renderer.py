"""A Post back to seed-format Markdown, byte for byte as the original generator wrote it."""

import datetime as dt
import json
import re

from .types import MONTHS, escape_author_name

SCRIPT_LINE = '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'

# Titles the generator wrote unquoted; anything YAML could misread is written as a quoted string.
_PLAIN_TITLE = re.compile(r"[A-Za-z0-9][^\"'#:\\\n]*(?<! )")


def render_post(post):
    """The post as seed-format Markdown; parse_post(render_post(post)) == post."""
    parts = [_render_front_matter(post), "\n" * post.leading_blank_lines]
    if post.intro:
        parts.append(post.intro if post.intro.endswith("\n") else post.intro + "\n")
    parts.extend(_render_entry(entry) for entry in post.entries)
    return "".join(parts)


def quote(value):
    return json.dumps(value, ensure_ascii=False)


def _render_front_matter(post):
    title = post.title if _PLAIN_TITLE.fullmatch(post.title) else quote(post.title)
    tags = "".join(f"  - {quote(tag)}\n" for tag in post.tags)
    return (
        "---\n"
        f"title: {title}\n"
        f"date: {post.generated_at.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S}.Z\n"
        'template: "post"\n'
        f"draft: {'true' if post.draft else 'false'}\n"
        f"slug: {quote(post.slug)}\n"
        'category: "arXiv"\n'
        f"tags:\n{tags}"
        f"description: {quote(post.description)}\n"
        f"socialImage: {quote(post.social_image)}\n"
        "\n"
        "---\n"
    )


def _render_entry(entry):
    categories = " | ".join(f"[{code}](https://arxiv.org/list/{code}/recent)" for code in entry.categories)
    tweets = "".join(_render_tweet(tweet) for tweet in entry.tweets)
    return (
        f"\n# {entry.rank}. {entry.title}\n\n"
        f"{', '.join(entry.authors)}\n\n"
        f"- retweets: {entry.retweets}, favorites: {entry.favorites} "
        f"({entry.measured_at.astimezone(dt.UTC):%m/%d/%Y %H:%M:%S})\n\n"
        f"- links: [abs](https://arxiv.org/abs/{entry.arxiv_id}) | [pdf](https://arxiv.org/pdf/{entry.arxiv_id})\n"
        f"- {categories}\n\n"
        f"{entry.abstract}\n\n"
        f"{tweets}\n\n"
    )


def _render_tweet(tweet):
    posted_on = tweet.posted_on
    date = f"{MONTHS[posted_on.month - 1]} {posted_on.day}, {posted_on.year}"
    link = f"https://twitter.com/{tweet.author_handle}/status/{tweet.tweet_id}?ref_src=twsrc%5Etfw"
    return (
        f'<blockquote class="twitter-tweet"><p lang="{tweet.lang}" dir="{tweet.text_dir}">{tweet.text_html}</p>'
        f"&mdash; {escape_author_name(tweet.author_name)} (@{tweet.author_handle}) "
        f'<a href="{link}">{date}</a></blockquote>\n'
        f"{SCRIPT_LINE}\n\n"
    )
