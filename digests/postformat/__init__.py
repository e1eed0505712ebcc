"""The seed-format Markdown of a Hot Papers post, parsed to plain dataclasses and rendered back byte for byte.

Pure Python, no Django: ``parse_post(data, name=...)`` gives a ``Post`` or raises ``PostFormatError``
naming the file and line; ``render_post(post)`` gives the text back. Every post the original generator
wrote (the seed and the corpus) renders to exactly the text it was parsed from, and the parser refuses
what it could not render back the same way rather than import it approximately.

The format, as the generator wrote it::

    ---                                       front matter: these keys, in this order
    title: Hot Papers 2022-01-13
    date: 2022-01-14T11:10:50.Z               generation time, UTC
    template: "post"
    draft: false
    slug: "hot-papers-2022-01-13"
    category: "arXiv"
    tags:
      - "arXiv"
    description: "Hot papers 2022-01-13"
    socialImage: "/media/flying-marine.jpg"

    ---
                                              per entry: a blank line,
    # 1. <title>                              the title as arXiv wrote it (line-wrap spaces kept),
                                              blank, authors joined by ", ", blank,
    - retweets: R, favorites: F (MM/DD/YYYY HH:MM:SS)
                                              blank, the links and category lines,
    - links: [abs](https://arxiv.org/abs/ID) | [pdf](https://arxiv.org/pdf/ID)
    - [cs.LG](https://arxiv.org/list/cs.LG/recent) | ...
                                              blank, the abstract on one line, blank,
    <blockquote ...>...</blockquote>          per tweet: its oEmbed blockquote, the widgets.js
    <script async src=...></script>           script line and a blank line;
                                              then two more blank lines.

A post without entries ends right after the closing ``---``. Optional blank lines and Markdown
(``leading_blank_lines``, ``intro``) may stand between the front matter and the first entry.
"""

from .parser import decode_post, parse_blockquote, parse_post
from .renderer import render_post
from .types import (
    Post,
    PostEntry,
    PostFormatError,
    PostTweet,
    escape_author_name,
    snowflake_time,
    tweet_plain_text,
    tweet_posted_at,
    tweet_url,
)

__all__ = [
    "Post",
    "PostEntry",
    "PostFormatError",
    "PostTweet",
    "decode_post",
    "parse_blockquote",
    "escape_author_name",
    "parse_post",
    "render_post",
    "snowflake_time",
    "tweet_plain_text",
    "tweet_posted_at",
    "tweet_url",
]
