"""A site full of XSS payloads, put there through the real input paths.

Payload number ``i`` enters as text marked with a letter per path, so a check can tell which path's
text reached a page; payloads travel in chunks of CHUNK (one paper, entry or digest holds a chunk), so a
few pages show them all:

- ``A{i}``: an arXiv API Atom feed (``papers_ingest_file``): titles, abstracts, authors, comments,
  journal refs;
- ``O{i}``: an OAI-PMH ListRecords answer in the arXiv format (``papers_ingest_file``), other papers;
- ``M{i}`` / ``N{i}`` / ``T{i}``: one seed-format Markdown post uploaded through the admin's import page
  (``markdown_imports_create`` and the import task): the entries' titles, authors and abstracts as shown,
  the embedded posts' oEmbed HTML (Tweet.text_html) and author names (``N``), the tags (``T``), the intro;
- ``D{i}``: small posts imported with ``digest_import_text``: digest titles and descriptions;
- ``E{i}``: an editor in the admin change form: the big digest's intro and every entry's note (Markdown,
  each payload at the start of its own paragraph: raw block HTML), and tag names through the tag admin;
- ``X{i}`` / ``Y{i}``, ``B{i}`` / ``C{i}``, ``H{i}``: dumps of posts uploaded through the admin's posts upload
  page (``post_dumps_create`` and the import task), in each platform's format: X posts' text and their
  authors' display names (``Y``), Bluesky posts' text and display names (``C``), Hacker News titles;
- ``W{i}``: the oEmbed answers of further X posts (the import's embed job against a local oEmbed server):
  the payload as the raw HTML of the blockquote's paragraph, which becomes the post's body, and the
  author name.

Every post links the paper of its chunk in the Atom feed, so each Atom paper's page shows a chunk of
each platform's posts.

The Markdown post's entries are the Atom feed's papers, so the digest page shows the post's text and the
paper pages show arXiv's. PostgreSQL cannot store NUL: payloads holding one are left out of the stored
paths (tests/security/test_xss_static.py sends them where they can go); XML 1.0 cannot carry most
control characters: those payloads are left out of the arXiv paths only.
"""

import contextlib
import datetime as dt
import io
import json
import time
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.test import TestCase, override_settings
from django.urls import reverse
from pytest_httpserver import HTTPServer
from werkzeug import Response

from digests.models import DailyDigest, DigestEntry, Tag
from digests.postformat import Post, PostEntry, PostTweet, render_post, snowflake_time
from digests.services.importing import digest_import_text
from papers.models import Paper
from papers.services.arxiv_ingest import papers_ingest_file
from tests.admin_utils import form_data
from tests.security.xss_payloads import PAYLOADS

CHUNK = 15
BIG_DATE = dt.date(2022, 3, 1)
BIG_SLUG = f"hot-papers-{BIG_DATE}"
SMALL_START = dt.date(2021, 1, 1)
SEARCH_WORD = "xsswitness"
HOSTILE_CATEGORY = "cs.CR"
FIRST_TWEET_ID = 1481443284304154625
DUMP_X_OFFSET, OEMBED_X_OFFSET = 3, 6  # the dumps' X posts sit between the Markdown post's ids
PUBLISHED = "2022-02-28T18:00:00Z"  # announced in the listing of Tuesday 2022-03-01
TITLE_MAX, DESCRIPTION_MAX, TAG_MAX, NAME_MAX = 200, 300, 100, 300


def stored(payloads=PAYLOADS):
    """(number, payload) for the payloads a database text column can hold (PostgreSQL refuses NUL)."""
    return [(index, payload) for index, payload in enumerate(payloads) if not payload.has_nul]


def xml_stored(payloads=PAYLOADS):
    return [(index, payload) for index, payload in stored(payloads) if payload.xml_ok]


def chunks(numbered, size=CHUNK):
    return [numbered[start : start + size] for start in range(0, len(numbered), size)]


def fitting(numbered, mark, limit, prefix=""):
    """Groups of marked one-line payloads, each group's text within `limit` characters (a payload never cut)."""
    groups, current = [], prefix
    members = []
    for index, payload in numbered:
        piece = f"{mark}{index:03d} {payload.one_line()}"
        candidate = f"{current} {piece}" if current else piece
        if members and len(candidate) > limit:
            groups.append((current, members))
            current, members = f"{prefix} {piece}" if prefix else piece, []
        else:
            current = candidate
        members.append(index)
    if members:
        groups.append((current, members))
    return groups


def atom_id(chunk_number):
    return f"2203.{10001 + chunk_number:05d}"


def oai_id(chunk_number):
    return f"2204.{10001 + chunk_number:05d}"


def small_slug(number):
    return f"hot-papers-{SMALL_START + dt.timedelta(days=number)}"


def joined(chunk, mark, *, lines=False):
    return " ".join(f"{mark}{index:03d} {payload.one_line() if lines else payload.text}" for index, payload in chunk)


def names(chunk, mark):
    """Author names for a chunk: three payloads a name (a name has 300 characters at most)."""
    return [text for text, _members in fitting(chunk, mark, NAME_MAX - 10)]


def atom_feed(payloads=PAYLOADS):
    entries = []
    for number, chunk in enumerate(chunks(xml_stored(payloads))):
        authors = "".join(f"<author><name>{escape(name)}</name></author>" for name in names(chunk, "A"))
        entries.append(
            f"""  <entry>
    <id>http://arxiv.org/abs/{atom_id(number)}v1</id>
    <updated>{PUBLISHED}</updated>
    <published>{PUBLISHED}</published>
    <title>{escape(joined(chunk, "A"))}</title>
    <summary>{escape(f"{SEARCH_WORD} " + joined(chunk, "A"))}</summary>
    {authors}
    <arxiv:comment>{escape(joined(chunk, "A"))}</arxiv:comment>
    <arxiv:journal_ref>{escape(joined(chunk, "A"))}</arxiv:journal_ref>
    <link href="http://arxiv.org/abs/{atom_id(number)}v1" rel="alternate" type="text/html"/>
    <arxiv:primary_category term="{HOSTILE_CATEGORY}" scheme="http://arxiv.org/schemas/atom"/>
    <category term="{HOSTILE_CATEGORY}" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
        ' xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
        '  <link href="http://export.arxiv.org/api/query?id_list=" rel="self" type="application/atom+xml"/>\n'
        "  <title>arXiv Query</title>\n  <id>http://arxiv.org/api/hostile</id>\n"
        f"  <updated>{PUBLISHED}</updated>\n"
        f"  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        f"  <opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>\n" + "".join(entries) + "</feed>\n"
    ).encode()


def oai_response(payloads=PAYLOADS):
    records = []
    for number, chunk in enumerate(chunks(xml_stored(payloads))):
        authors = "".join(
            f"<author><keyname>{escape(name)}</keyname><forenames>O</forenames></author>" for name in names(chunk, "O")
        )
        records.append(
            f"""<record><header><identifier>oai:arXiv.org:{oai_id(number)}</identifier>
<datestamp>2022-03-02</datestamp><setSpec>cs</setSpec></header><metadata>
<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{oai_id(number)}</id><created>2022-02-28</created>
<authors>{authors}</authors><title>{escape(joined(chunk, "O"))}</title><categories>{HOSTILE_CATEGORY} cs.AI</categories>
<comments>{escape(joined(chunk, "O"))}</comments><journal-ref>{escape(joined(chunk, "O"))}</journal-ref>
<abstract>{escape(f"{SEARCH_WORD} " + joined(chunk, "O"))}</abstract></arXiv></metadata></record>
"""
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n'
        "<responseDate>2022-03-02T00:00:00Z</responseDate>\n"
        '<request verb="ListRecords" metadataPrefix="arXiv" set="cs">https://oaipmh.arxiv.org/oai</request>\n'
        "<ListRecords>\n" + "".join(records) + "</ListRecords>\n</OAI-PMH>\n"
    ).encode()


def _tweet(index, payload):
    tweet_id = str(FIRST_TWEET_ID + index * 10_000_000)
    return PostTweet(
        tweet_id=tweet_id,
        lang="en",
        text_html=f"M{index:03d} {payload.one_line()}",
        author_name=f"N{index:03d} {payload.one_line()}"[:200],
        author_handle=f"user{index}",
        posted_on=snowflake_time(tweet_id).date(),
    )


def big_post(payloads=PAYLOADS):
    """One post holding every payload: tags, intro lines, entries (a chunk each) and a post per payload."""
    measured_at = dt.datetime(2022, 3, 2, 11, 10, 50, tzinfo=dt.UTC)
    entries = []
    for number, chunk in enumerate(chunks(stored(payloads))):
        entries.append(
            PostEntry(
                rank=number + 1,
                title=joined(chunk, "M", lines=True),
                # Names are joined by ", " in the format: a payload's own ", " would split it.
                authors=[name.replace(", ", ",").strip() for name in names(chunk, "M")],
                retweets=1000 - number,
                favorites=50,
                measured_at=measured_at,
                arxiv_id=atom_id(number),
                categories=[HOSTILE_CATEGORY],
                abstract=f"{SEARCH_WORD} " + joined(chunk, "M", lines=True),
                tweets=[_tweet(index, payload) for index, payload in chunk],
            )
        )
    post = Post(
        title=f"Hot Papers {BIG_DATE} {payloads[0].text}",
        generated_at=measured_at,
        slug=BIG_SLUG,
        tags=[f"T{index:03d} {payload.one_line()}"[:TAG_MAX].strip() for index, payload in stored(payloads)],
        description=payloads[1].text[:DESCRIPTION_MAX],
        intro="".join(f"M{index:03d} {payload.one_line()}\n\n" for index, payload in stored(payloads)),
        entries=entries,
    )
    return render_post(post)


def small_posts(payloads=PAYLOADS):
    """Posts of one entry each whose titles and descriptions hold the payloads, a few each."""
    posts = []
    for number, (title, members) in enumerate(fitting(stored(payloads), "D", TITLE_MAX - 30)):
        slug = small_slug(number)
        generated_at = dt.datetime.combine(SMALL_START + dt.timedelta(days=number + 1), dt.time(11), tzinfo=dt.UTC)
        description = " ".join(f"D{i:03d} {payloads[i].one_line()}" for i in members)[:DESCRIPTION_MAX]
        post = Post(
            title=f"Hot Papers {slug.removeprefix('hot-papers-')} {title}",
            generated_at=generated_at,
            slug=slug,
            description=description,
            entries=[
                PostEntry(
                    rank=1,
                    title=title,
                    authors=["Ada Lovelace"],
                    retweets=10,
                    favorites=5,
                    measured_at=generated_at,
                    arxiv_id=atom_id(number % len(chunks(xml_stored(payloads)))),
                    categories=[HOSTILE_CATEGORY],
                    abstract=description,
                )
            ],
        )
        posts.append((slug, render_post(post)))
    return posts


def _x_id(index, offset):
    return str(FIRST_TWEET_ID + index * 10_000_000 + offset)


def _paper_url(index, payloads):
    """The Atom paper whose chunk holds payload `index`."""
    for number, chunk in enumerate(chunks(stored(payloads))):
        if any(member == index for member, _payload in chunk):
            return f"https://arxiv.org/abs/{atom_id(number)}"
    raise ValueError(index)


def x_dump(payloads=PAYLOADS, *, mark="X", name_mark="Y", offset=DUMP_X_OFFSET, text=None):
    """An X API v2 search answer (as twarc2 saves it): a post per payload in its text, its author's name too."""
    tweets, users = [], []
    for index, payload in stored(payloads):
        url = _paper_url(index, payloads)
        body = f"{mark}{index:03d} {payload.text} https://t.co/p{index:03d}" if text is None else text(index)
        tweets.append(
            {
                "id": _x_id(index, offset),
                "author_id": f"9{index:04d}{offset}",
                "created_at": "2022-03-01T12:00:00.000Z",
                "lang": "en",
                "text": body,
                "entities": {
                    "urls": [{"start": 0, "end": 23, "url": f"https://t.co/p{index:03d}", "expanded_url": url}]
                },
                "public_metrics": {"retweet_count": 3, "reply_count": 0, "like_count": 5, "quote_count": 0},
            }
        )
        name = f"{name_mark}{index:03d} {payload.one_line()}"[:NAME_MAX]
        users.append({"id": f"9{index:04d}{offset}", "name": name, "username": f"xss{mark.lower()}{index}"})
    meta = {"newest_id": tweets[0]["id"], "oldest_id": tweets[-1]["id"], "result_count": len(tweets)}
    return json.dumps([{"data": tweets, "includes": {"users": users}, "meta": meta}]).encode()


def bluesky_dump(payloads=PAYLOADS):
    """A Bluesky searchPosts answer: a post per payload in its text (the link a facet), the name a payload too."""
    views = []
    for index, payload in stored(payloads):
        url = _paper_url(index, payloads)
        text = f"B{index:03d} {payload.text} "
        start = len(text.encode())
        text += url.removeprefix("https://")
        did = f"did:plc:xss{index:06d}"
        views.append(
            {
                "uri": f"at://{did}/app.bsky.feed.post/3lxss{index:08d}",
                "cid": f"bafyreixss{index:020d}",
                "author": {
                    "did": did,
                    "handle": f"xss{index}.bsky.social",
                    "displayName": f"C{index:03d} {payload.one_line()}"[:NAME_MAX],
                },
                "record": {
                    "$type": "app.bsky.feed.post",
                    "createdAt": "2022-03-01T12:00:00.000Z",
                    "langs": ["en"],
                    "text": text,
                    "facets": [
                        {
                            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
                            "index": {"byteStart": start, "byteEnd": len(text.encode())},
                        }
                    ],
                },
                "replyCount": 0,
                "repostCount": 2,
                "likeCount": 7,
                "quoteCount": 0,
                "indexedAt": "2022-03-01T12:00:00.000Z",
            }
        )
    return json.dumps({"hitsTotal": len(views), "posts": views}).encode()


def hackernews_dump(payloads=PAYLOADS):
    """A Hacker News search answer: a story per payload in its title."""
    hits = []
    created = int(dt.datetime(2022, 3, 1, 12, tzinfo=dt.UTC).timestamp())
    for index, payload in stored(payloads):
        object_id = str(39_000_000 + index)
        hits.append(
            {
                "_tags": ["story", f"author_xss{index}", f"story_{object_id}"],
                "author": f"xss{index}",
                "created_at": "2022-03-01T12:00:00Z",
                "created_at_i": created + index,
                "num_comments": 1,
                "objectID": object_id,
                "points": 9,
                "story_id": int(object_id),
                "title": f"H{index:03d} {payload.one_line()}",
                "url": _paper_url(index, payloads),
            }
        )
    return json.dumps({"hits": hits, "hitsPerPage": len(hits), "nbHits": len(hits), "nbPages": 1, "page": 0}).encode()


def oembed_answers(payloads=PAYLOADS):
    """{post URL: the oEmbed answer} for the W posts: the payload is the raw HTML of the quote's paragraph."""
    answers = {}
    for index, payload in stored(payloads):
        handle = f"xssw{index}"
        url = f"https://twitter.com/{handle}/status/{_x_id(index, OEMBED_X_OFFSET)}"
        answers[url] = {
            "url": url,
            "author_name": f"W{index:03d} {payload.one_line()}"[:NAME_MAX],
            "author_url": f"https://twitter.com/{handle}",
            "html": f'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">W{index:03d} {payload.text}</p>'
            f'&mdash; W (@{handle}) <a href="{url}?ref_src=twsrc%5Etfw">March 1, 2022</a></blockquote>\n',
            "type": "rich",
            "version": "1.0",
            "provider_name": "Twitter",
        }
    return answers


def _upload_dump(admin_client, name, data):
    upload = io.BytesIO(data)
    upload.name = name
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(reverse("admin:papers_tweet_upload"), {"file": upload})
    assert response.status_code == 302, _form_errors(response)


@contextlib.contextmanager
def oembed_server(payloads):
    """A local oEmbed endpoint for the import's embed job: the W posts' answers, 404 (deleted) for the rest."""

    def answer(request):
        found = answers.get(request.args.get("url", ""))
        if found is None:
            return Response('{"error": "not found"}', status=404, content_type="application/json")
        return Response(json.dumps(found), content_type="application/json")

    answers = oembed_answers(payloads)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/oembed").respond_with_handler(answer)
    server.start()
    try:
        with override_settings(OEMBED_URL=server.url_for("/oembed")):
            yield server
    finally:
        server.stop()


def editor_markdown(chunk):
    """What an editor types: each payload at the start of its own paragraph, so it is raw block HTML."""
    return "".join(f"E{index:03d}\n\n{payload.text}\n\n" for index, payload in chunk)


@dataclass
class HostileSite:
    payloads: list
    big_digest: DailyDigest = None
    small_digests: list = field(default_factory=list)
    atom_papers: list = field(default_factory=list)
    oai_papers: list = field(default_factory=list)
    editor_tags: list = field(default_factory=list)

    def markers(self, path, *, xml=False):
        """The markers of one input path's payloads (those the path could carry)."""
        numbered = xml_stored(self.payloads) if xml else stored(self.payloads)
        return [f"{path}{index:03d}" for index, _payload in numbered]


def build_hostile_site(*, admin_client, tmp_dir, payloads=PAYLOADS, timings=None):
    """Every payload through every input path (see the module docstring); returns what was made."""
    site = HostileSite(payloads=payloads)
    timings = {} if timings is None else timings
    began = time.perf_counter()

    def lap(name):
        nonlocal began
        timings[name] = round(time.perf_counter() - began, 2)
        began = time.perf_counter()

    # arXiv: a saved API feed and an OAI-PMH answer, as `ingest_arxiv --file` reads them.
    for name, body in (("hostile-feed.xml", atom_feed(payloads)), ("hostile-oai.xml", oai_response(payloads))):
        path = tmp_dir / name
        path.write_bytes(body)
        run = papers_ingest_file(path=path)
        assert run.status == run.Status.SUCCEEDED, run.error
    lap("arxiv")

    # An uploaded Markdown post, through the admin's import page and the import task.
    upload = io.BytesIO(big_post(payloads).encode())
    upload.name = f"{BIG_SLUG}.md"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(reverse("admin:digests_markdownimport_import"), {"files": [upload]})
    assert response.status_code == 302, response.content.decode()[:2000]
    site.big_digest = DailyDigest.objects.get(slug=BIG_SLUG)
    lap("upload")

    slugs = []
    for slug, text in small_posts(payloads):
        digest_import_text(text=text, name=f"{slug}.md")
        slugs.append(slug)
    site.small_digests = list(DailyDigest.objects.filter(slug__in=slugs).order_by("date"))
    lap("small posts")

    # An editor: the big digest's intro and every entry's note, in the admin change form.
    change_url = reverse("admin:digests_dailydigest_change", args=[site.big_digest.pk])
    data = form_data(admin_client.get(change_url))
    data["intro"] = editor_markdown(stored(payloads))
    by_paper = {atom_id(number): chunk for number, chunk in enumerate(chunks(stored(payloads)))}
    entries = {entry.pk: entry for entry in DigestEntry.objects.filter(digest=site.big_digest).select_related("paper")}
    for form_index in range(int(data["entries-TOTAL_FORMS"])):
        entry = entries[int(data[f"entries-{form_index}-id"])]
        data[f"entries-{form_index}-note"] = editor_markdown(by_paper[entry.paper.arxiv_id])
    response = admin_client.post(change_url, data)
    assert response.status_code == 302, _form_errors(response)
    for index, payload in stored(payloads)[:12]:
        name = f"E{index:03d} {payload.one_line()}"[:TAG_MAX].strip()
        response = admin_client.post(reverse("admin:digests_tag_add"), {"name": name, "slug": f"editor-tag-{index}"})
        assert response.status_code == 302, _form_errors(response)
        site.editor_tags.append(Tag.objects.get(slug=f"editor-tag-{index}"))
    lap("editor")

    # Posts from each platform, uploaded as dumps; the import's embed job fetches the new X posts'
    # oEmbed, which the local server answers for the W posts.
    with oembed_server(payloads):
        _upload_dump(admin_client, "hostile-x.json", x_dump(payloads))
        _upload_dump(admin_client, "hostile-bluesky.json", bluesky_dump(payloads))
        _upload_dump(admin_client, "hostile-hackernews.json", hackernews_dump(payloads))
        _upload_dump(
            admin_client,
            "hostile-x-oembed.json",
            x_dump(payloads, mark="W", name_mark="W", offset=OEMBED_X_OFFSET, text=lambda index: f"(embed {index})"),
        )
    lap("posts")

    site.big_digest.refresh_from_db()
    site.atom_papers = list(Paper.objects.filter(arxiv_id__startswith="2203.1").order_by("arxiv_id"))
    site.oai_papers = list(Paper.objects.filter(arxiv_id__startswith="2204.1").order_by("arxiv_id"))
    return site


def _form_errors(response):
    context = getattr(response, "context", None)
    if context and "adminform" in context:
        inline_errors = [formset.formset.errors for formset in context.get("inline_admin_formsets", [])]
        return f"{response.status_code}: {context['adminform'].form.errors} {inline_errors}"
    return f"{response.status_code}: {response.content.decode()[:1500]}"
