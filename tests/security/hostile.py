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
  each payload at the start of its own paragraph: raw block HTML), and tag names through the tag admin.

The Markdown post's entries are the Atom feed's papers, so the digest page shows the post's text and the
paper pages show arXiv's. PostgreSQL cannot store NUL: payloads holding one are left out of the stored
paths (tests/security/test_xss_static.py sends them where they can go); XML 1.0 cannot carry most
control characters: those payloads are left out of the arXiv paths only.
"""

import datetime as dt
import io
import time
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.test import TestCase
from django.urls import reverse

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
