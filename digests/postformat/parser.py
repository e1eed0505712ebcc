"""Seed-format Markdown to a Post, refusing whatever could not be rendered back to the same text."""

import datetime as dt
import html
import json
import re

from papers.sources.arxiv import WRITTEN_ID

from .lines import LineReader
from .renderer import SCRIPT_LINE
from .types import MONTHS, Post, PostEntry, PostFormatError, PostTweet, escape_author_name

# arXiv ids as links show them: new style (2201.04182) or old style (hep-th/9901001, math.GT/0309136),
# with an optional version; the grammar is the one papers/sources/arxiv/ids.py owns.
ARXIV_ID = re.compile(WRITTEN_ID)
_CODE = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?"
_HANDLE = r"[A-Za-z0-9_]{1,50}"

# Front matter keys in the generator's order, with the kind of value each takes.
_FRONT_MATTER = (
    ("title", "title"),
    ("date", "date"),
    ("template", "post"),
    ("draft", "bool"),
    ("slug", "string"),
    ("category", "arXiv"),
    ("tags", "list"),
    ("description", "string"),
    ("socialImage", "string"),
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.Z")
_KEY_LINE = re.compile(r"([A-Za-z][A-Za-z0-9_]*):(?: (.*))?")
_LIST_ITEM = re.compile(r"  - (.*)")
_HEADING = re.compile(r"# (\d+)\. (.*)")
_LOOKS_LIKE_HEADING = re.compile(r"#+ *\d")
_LOOKS_LIKE_ENTRY_PART = re.compile(r"- retweets:|- links:|<blockquote|<script")
_METRICS = re.compile(r"- retweets: (\d+), favorites: (\d+) \((\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2}):(\d{2})\)")
_LINKS = re.compile(r"- links: \[abs\]\(https://arxiv\.org/abs/(\S+)\) \| \[pdf\]\(https://arxiv\.org/pdf/(\S+)\)")
_CATEGORY_LINK = re.compile(rf"\[({_CODE})\]\(https://arxiv\.org/list/({_CODE})/recent\)")
_BLOCKQUOTE = re.compile(
    r'<blockquote class="twitter-tweet"><p lang="([A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*)" dir="(ltr|rtl)">(.*)</p>'
    rf"&mdash; (.*) \(@({_HANDLE})\) "
    rf'<a href="https://twitter\.com/({_HANDLE})/status/([1-9][0-9]{{0,19}})\?ref_src=twsrc%5Etfw">'
    r"([A-Z][a-z]+) ([1-9][0-9]?), ([0-9]{4})</a></blockquote>"
)

# The blockquote's parts in order, to say which one a malformed blockquote lacks.
_BLOCKQUOTE_PARTS = (
    (
        re.compile(r'^<blockquote class="twitter-tweet"><p lang="[^"]+" dir="(?:ltr|rtl)">'),
        "opening blockquote and <p>",
    ),
    (re.compile(r"</p>&mdash; "), "'</p>&mdash; ' after the text"),
    (
        re.compile(rf" \(@{_HANDLE}\) <a href=\"https://twitter\.com/{_HANDLE}/status/\d+\?ref_src=twsrc%5Etfw\">"),
        "author handle and status link",
    ),
    (re.compile(r">[A-Z][a-z]+ [1-9]\d?, \d{4}</a></blockquote>$"), "date and closing '</a></blockquote>'"),
)


def decode_post(data, *, name):
    """The text of a post file: UTF-8 only (a leading byte-order mark is dropped), LF line ends."""
    if isinstance(data, bytes | bytearray):
        data = bytes(data)
        if not data.strip():
            raise PostFormatError("the file is empty", name=name)
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise PostFormatError("the file is UTF-16 encoded; save it as UTF-8", name=name, line=1)
        if b"\x00" in data:
            line = data.count(b"\n", 0, data.index(b"\x00")) + 1
            raise PostFormatError("the file is binary (it holds NUL bytes), not Markdown text", name=name, line=line)
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise PostFormatError(
                f"the file is not UTF-8 (byte 0x{data[exc.start]:02X} is not valid UTF-8); save it as UTF-8",
                name=name,
                line=line,
            ) from None
    text = data.removeprefix("\ufeff")
    if not text.strip():
        raise PostFormatError("the file is empty", name=name)
    for char, problem in (
        ("\x00", "the file is binary (it holds NUL bytes), not Markdown text"),
        ("\r", "the file has CR (Windows) line endings; save it with LF line endings"),
    ):
        if char in text:
            raise PostFormatError(problem, name=name, line=text.count("\n", 0, text.index(char)) + 1)
    return text


def parse_post(data, *, name):
    """Parse one post (bytes or text) into a Post; raise PostFormatError naming the file and line."""
    text = decode_post(data, name=name)
    reader = LineReader(text, error=lambda message, line: PostFormatError(message, name=name, line=line))
    post = _parse_front_matter(reader)
    _parse_intro(reader, post)
    while not reader.at_end():
        post.entries.append(_parse_entry(reader, rank=len(post.entries) + 1))
    if reader.unterminated:
        raise reader.error("the last line has no line break: is the file truncated?", line=len(reader.lines))
    _check_duplicates(post, reader)
    return post


def parse_blockquote(html, *, name="the embed"):
    """One tweet's oEmbed blockquote (its first line, as X's oEmbed gives it; the script line may follow) as a
    PostTweet; PostFormatError when it is not a blockquote the format can carry byte for byte."""
    line = html.replace("\r\n", "\n").split("\n", 1)[0].strip()
    reader = LineReader(line + "\n", error=lambda message, line: PostFormatError(message, name=name, line=line))
    tweet = _parse_tweet(reader, reader.next("the blockquote"))
    tweet.line = 0
    return tweet


def _parse_front_matter(reader):
    if reader.next("the front matter") != "---":
        raise reader.error("the file does not start with front matter (a '---' line)", line=1)
    if reader.find("---") is None:
        raise reader.error("the front matter opened here is never closed by a '---' line", line=1)
    values, lines = {}, {}
    for key, kind in _FRONT_MATTER:
        lines[key] = reader.line_number
        values[key] = _front_matter_value(reader, key, kind)
    reader.expect_blank("after the front matter's last key")
    if reader.next("the end of the front matter") != "---":
        raise reader.error(f"expected the closing '---' of the front matter, found {_shorten(reader.last)!r}")
    return Post(
        title=values["title"],
        generated_at=values["date"],
        draft=values["draft"],
        slug=values["slug"],
        tags=values["tags"],
        description=values["description"],
        social_image=values["socialImage"],
        lines=lines,
    )


def _front_matter_value(reader, key, kind):
    line = reader.next(f"the front matter key '{key}:'")
    match = _KEY_LINE.fullmatch(line)
    if match is None:
        raise reader.error(f"front matter line does not parse (expected '{key}: ...'): {_shorten(line)!r}")
    if match[1] != key:
        raise reader.error(f"front matter key '{match[1]}:' found where '{key}:' was expected")
    value = match[2]
    if kind == "list":
        if value:
            raise reader.error(
                f"'{key}:' must be followed by one '  - \"item\"' line per item, not {_shorten(value)!r}"
            )
        items = []
        while (item := _LIST_ITEM.fullmatch(reader.peek() or "")) is not None:
            reader.next("a list item")
            items.append(_unquote(reader, item[1], f"a {key} item"))
        return items
    if not value:
        raise reader.error(f"front matter key '{key}:' has no value")
    if kind == "date":
        return _parse_date(reader, value)
    if kind == "bool":
        if value not in ("true", "false"):
            raise reader.error(f"'{key}:' must be true or false, not {_shorten(value)!r}")
        return value == "true"
    if kind == "title":
        title = _unquote(reader, value, f"'{key}:'") if value.startswith('"') else value
        if not title.strip():
            raise reader.error("the title is empty")
        return title
    string = _unquote(reader, value, f"'{key}:'")
    if kind in ("post", "arXiv") and string != kind:
        raise reader.error(f"'{key}:' must be \"{kind}\", not {_shorten(value)}")
    return string


def _unquote(reader, value, what):
    try:
        string = json.loads(value) if len(value) >= 2 and value[0] == value[-1] == '"' else None
    except ValueError:
        string = None
    if not isinstance(string, str):
        raise reader.error(f"{what} must be a double-quoted string, not {_shorten(value)!r}")
    return string


def _parse_date(reader, value):
    match = _DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        return dt.datetime(*map(int, match.groups()), tzinfo=dt.UTC)
    except ValueError:
        raise reader.error(f"'date:' must be a UTC time like 2022-01-14T11:10:50.Z, not {_shorten(value)!r}") from None


def _parse_intro(reader, post):
    """Blank lines and Markdown between the front matter and the first entry's heading."""
    start = reader.index
    end = reader.find_match(_LOOKS_LIKE_HEADING)
    has_entries = end is not None
    end = end if has_entries else len(reader.lines)
    body = reader.lines[start:end]
    if has_entries:
        if not body or body[-1]:
            raise reader.error("expected a blank line before the first entry's heading", line=end + 1)
        body = body[:-1]  # the blank line every entry starts with
    blanks = next((i for i, line in enumerate(body) if line), len(body))
    for offset, line in enumerate(body[blanks:]):
        if _LOOKS_LIKE_ENTRY_PART.match(line):
            raise reader.error(
                f"this looks like part of an entry, but no '# 1. title' heading comes before it: {_shorten(line)!r}",
                line=start + blanks + offset + 1,
            )
    post.leading_blank_lines = blanks
    post.intro = "".join(line + "\n" for line in body[blanks:])
    reader.index = end - 1 if has_entries else end


def _parse_entry(reader, *, rank):
    reader.expect_blank(f"before entry {rank}'s heading")
    heading_line = reader.line_number
    reader.context = (rank, heading_line)
    match = _HEADING.fullmatch(reader.next("an entry heading"))
    if match is None:
        raise reader.error(f"entry heading does not parse (expected '# {rank}. title'): {_shorten(reader.last)!r}")
    if int(match[1]) != rank:
        raise reader.error(f"entry rank {int(match[1])} is out of sequence (expected {rank})")
    title = match[2]
    if not title.strip():
        raise reader.error(f"entry {rank} has an empty title")
    reader.expect_blank("after the title")
    authors = _parse_authors(reader, reader.next("the authors line"))
    reader.expect_blank("after the authors")
    retweets, favorites, measured_at = _parse_metrics(reader, reader.next("the metrics line"))
    reader.expect_blank("after the metrics line")
    arxiv_id = _parse_links(reader, reader.next("the links line"))
    categories = _parse_categories(reader, reader.next("the categories line"))
    reader.expect_blank("after the categories")
    abstract = reader.next("the abstract")
    reader.expect_blank("after the abstract")
    tweets = []
    while reader.next("an embedded tweet or the blank lines that end the entry"):
        tweets.append(_parse_tweet(reader, reader.last))
        if reader.next("the widgets.js script line") != SCRIPT_LINE:
            raise reader.error(f"expected the widgets.js script line after the tweet, found {_shorten(reader.last)!r}")
        reader.expect_blank("after the widgets.js script line")
    reader.expect_blank(f"at the end of entry {rank} (an entry ends with two blank lines)")
    reader.context = None
    if reader.peek() == "" and reader.peek(1) in ("", None):
        raise reader.error(f"extra blank lines after entry {rank}", line=reader.line_number)
    return PostEntry(
        rank=rank,
        title=title,
        authors=authors,
        retweets=retweets,
        favorites=favorites,
        measured_at=measured_at,
        arxiv_id=arxiv_id,
        categories=categories,
        abstract=abstract,
        tweets=tweets,
        line=heading_line,
    )


def _parse_authors(reader, line):
    authors = line.split(", ") if line else []
    if any(not author or author != author.strip() for author in authors):
        raise reader.error(f"authors line does not parse (names joined by ', '): {_shorten(line)!r}")
    return authors


def _parse_metrics(reader, line):
    match = _METRICS.fullmatch(line)
    try:
        if match is None:
            raise ValueError(line)
        month, day, year, hour, minute, second = map(int, match.groups()[2:])
        measured_at = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    except ValueError:
        raise reader.error(
            "metrics line does not parse (expected '- retweets: R, favorites: F (MM/DD/YYYY HH:MM:SS)'): "
            f"{_shorten(line)!r}"
        ) from None
    return int(match[1]), int(match[2]), measured_at


def _parse_links(reader, line):
    match = _LINKS.fullmatch(line)
    if match is None:
        raise reader.error(
            "links line does not parse (expected '- links: [abs](https://arxiv.org/abs/ID) | "
            f"[pdf](https://arxiv.org/pdf/ID)'): {_shorten(line)!r}"
        )
    abs_id, pdf_id = match.groups()
    for arxiv_id in (abs_id, pdf_id):
        if not ARXIV_ID.fullmatch(arxiv_id):
            raise reader.error(f"not an arXiv id in the links line: {_shorten(arxiv_id)!r}")
    if abs_id != pdf_id:
        raise reader.error(f"the abs link is for {abs_id} but the pdf link is for {pdf_id}")
    return abs_id


def _parse_categories(reader, line):
    if not line.startswith("- "):
        raise reader.error(f"categories line does not parse (expected '- [cs.LG](...) | ...'): {_shorten(line)!r}")
    categories = []
    for part in line[2:].split(" | ") if line[2:] else []:
        match = _CATEGORY_LINK.fullmatch(part)
        if match is None or match[1] != match[2]:
            raise reader.error(f"category link does not parse: {_shorten(part)!r}")
        categories.append(match[1])
    return categories


def _parse_tweet(reader, line):
    match = _BLOCKQUOTE.fullmatch(line)
    if match is None:
        missing = next((what for part, what in _BLOCKQUOTE_PARTS if not part.search(line)), "a well-formed whole")
        raise reader.error(f"embedded tweet is not a Twitter oEmbed blockquote (no {missing}): {_shorten(line)!r}")
    lang, text_dir, text_html, escaped_name, handle, link_handle, tweet_id, month, day, year = match.groups()
    if handle != link_handle:
        raise reader.error(f"the tweet is by @{handle} but its status link is under @{link_handle}")
    author_name = html.unescape(escaped_name)
    if escape_author_name(author_name) != escaped_name:
        raise reader.error(f"the tweet author's name is not HTML-escaped as oEmbed writes it: {escaped_name!r}")
    try:
        posted_on = dt.date(int(year), MONTHS.index(month) + 1, int(day))
    except ValueError:
        raise reader.error(f"the tweet's date does not parse: '{month} {day}, {year}'") from None
    return PostTweet(
        tweet_id=tweet_id,
        lang=lang,
        text_dir=text_dir,
        text_html=text_html,
        author_name=author_name,
        author_handle=handle,
        posted_on=posted_on,
        line=reader.line_number - 1,
    )


def _check_duplicates(post, reader):
    """A paper appears once per post (a tweet may repeat: the generator embedded reposts as their original)."""
    ranks = {}
    for entry in post.entries:
        if entry.arxiv_id in ranks:
            raise reader.error(
                f"paper {entry.arxiv_id} is listed twice (entries {ranks[entry.arxiv_id]} and {entry.rank})",
                line=entry.line,
            )
        ranks[entry.arxiv_id] = entry.rank


def _shorten(text, limit=80):
    return text if len(text) <= limit else text[: limit - 1] + "…"
