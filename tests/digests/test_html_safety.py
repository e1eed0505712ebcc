"""Hostile Markdown and HTML through every path that turns it into page HTML.

The checks parse the output (rather than grep it) and hold every tag, attribute and URL to
the allowlists in digests.html; running the sanitizer again must change nothing, which is
how mutation XSS (markup that changes meaning when re-parsed) would show.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from markdownx.utils import markdownify as markdownx_markdownify

from digests.html import render_markdown, sanitize_markdown_html, sanitize_post_html

MARKDOWN_TAGS = {
    *("a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p"),
    *("pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th"),
    *("thead", "tr", "ul"),
}
POST_TAGS = {"a", "br", "p", "span"}
SAFE_SCHEMES = {"", "http", "https", "mailto"}

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "script-src": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "onclick": '<p onclick="alert(1)">click</p>',
    "onmouseover-on-link": '<a href="https://ok.example" onmouseover="alert(1)">x</a>',
    "md-link-javascript": "[x](javascript:alert(1))",
    "md-link-mixed-case": "[x](JaVaScRiPt:alert(1))",
    "md-link-entity-colon": "[x](javascript&#58;alert(1))",
    "md-link-entity-letter": "[x](&#106;avascript:alert(1))",
    "md-link-data": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md-link-vbscript": "[x](vbscript:msgbox(1))",
    "md-reference-link": "[x][evil]\n\n[evil]: javascript:alert(1)",
    "md-autolink": "<javascript:alert(1)>",
    "md-image-javascript": "![x](javascript:alert(1))",
    "md-image-data": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "html-href-javascript": '<a href="javascript:alert(1)">x</a>',
    "html-href-mixed-case": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "html-href-entity-colon": '<a href="javascript&#58;alert(1)">x</a>',
    "html-href-hex-entities": '<a href="&#x6A;&#x61;vascript:alert(1)">x</a>',
    "html-href-tab": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "html-href-leading-space": '<a href=" javascript:alert(1)">x</a>',
    "html-img-data": '<img src="data:image/png;base64,iVBORw0KGgo=">',
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-onload": "<svg onload=alert(1)>",
    "svg-xlink": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "mxss-math-style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "mxss-noscript": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "mxss-svg-style": '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "mxss-nested-forms": "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "iframe-srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "object": '<object data="https://evil.example/x.swf"></object>',
    "embed": '<embed src="https://evil.example/x.swf">',
    "style": "<style>body{background:url(javascript:alert(1))}</style>",
    "style-attr": '<div style="background:url(javascript:alert(1))">x</div>',
    "style-attr-in-table": (
        '<table><tr><td style="text-align:left;background:url(javascript:alert(1))">x</td></tr></table>'
    ),
    "form": '<form action="https://evil.example"><input name="q"><button>Go</button></form>',
    "base": '<base href="https://evil.example/">',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "link-stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "html-title-breaks-quotes": """<a href="https://ok.example" title='x" onmouseover="alert(1)'>x</a>""",
    "md-title-breaks-quotes": '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    "md-alt-breaks-quotes": '![a" onerror="alert(1)](https://ok.example/x.png)',
    "comment": "<!--<script>alert(1)</script>-->",
    "target-blank": '<a href="https://ok.example" target="_blank">x</a>',
}


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def assert_safe(html, allowed_tags):
    parser = _Elements()
    parser.feed(html)
    parser.close()
    assert "<script" not in html.lower()
    for tag, attrs in parser.elements:
        assert tag in allowed_tags, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, html)
            assert name not in {"srcdoc", "formaction", "xlink:href", "target"}, (name, html)
            if name in {"href", "src"}:
                squeezed = "".join((value or "").split()).lower()
                assert urlsplit(squeezed).scheme in SAFE_SCHEMES, (value, html)
            assert name != "style", html
        if tag == "a" and "href" in attrs:
            assert set(attrs["rel"].split()) >= {"nofollow", "noopener", "noreferrer"}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_render_markdown_neutralises_hostile_input(source):
    html = render_markdown(source)

    assert_safe(html, MARKDOWN_TAGS)
    assert sanitize_markdown_html(html) == html


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_sanitize_post_html_neutralises_hostile_input(source):
    html = sanitize_post_html(source)

    assert_safe(html, POST_TAGS)
    assert sanitize_post_html(html) == html


@pytest.mark.parametrize("source", ["<script>alert(1)</script>", "[x](javascript:alert(1))", "<svg onload=alert(1)>"])
def test_the_check_catches_what_markdownx_alone_lets_through(source):
    # markdownx's own markdownify does not sanitize: the reason MARKDOWNX_MARKDOWNIFY_FUNCTION points at ours.
    with pytest.raises(AssertionError):
        assert_safe(markdownx_markdownify(source), MARKDOWN_TAGS)


def test_hostile_input_leaves_its_harmless_text_escaped_not_executed():
    assert render_markdown("a < b && c > d") == "<p>a &lt; b &amp;&amp; c &gt; d</p>"
    assert render_markdown("<script>alert(1)</script>") == ""
    assert render_markdown('<p onclick="alert(1)">click</p>') == "<p>click</p>"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "[Hot Papers](https://example.com/p)",
            '<p><a href="https://example.com/p" rel="nofollow noopener noreferrer">Hot Papers</a></p>',
        ),
        ("*em* and **strong** and `code`", "<p><em>em</em> and <strong>strong</strong> and <code>code</code></p>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("```\nx = 1 < 2\n```", "<pre><code>x = 1 &lt; 2\n</code></pre>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("## Heading", "<h2>Heading</h2>"),
        ("![chart](https://example.com/c.png)", '<p><img alt="chart" src="https://example.com/c.png"></p>'),
        ("H<sub>2</sub>O, <kbd>Ctrl</kbd>", "<p>H<sub>2</sub>O, <kbd>Ctrl</kbd></p>"),
        (
            "<https://arxiv.org/abs/2201.04182>",
            '<p><a href="https://arxiv.org/abs/2201.04182" rel="nofollow noopener noreferrer">'
            "https://arxiv.org/abs/2201.04182</a></p>",
        ),
    ],
)
def test_good_markdown_still_renders(source, expected):
    assert render_markdown(source) == expected


def test_tables_keep_their_column_alignment():
    html = render_markdown("| Paper | Likes |\n|:--|--:|\n| ViT | 12 |")

    # As align attributes: a style attribute would be an inline style, which the policy blocks.
    assert '<th align="left">Paper</th>' in html
    assert '<td align="right">12</td>' in html
    assert "style" not in html


def test_empty_input_renders_nothing():
    assert render_markdown("") == render_markdown(None) == ""
    assert sanitize_post_html(None) == ""


def test_post_html_keeps_links_breaks_and_language():
    html = sanitize_post_html(
        '<p lang="en" dir="ltr">New paper<br>abs: <a href="https://t.co/abc">https://t.co/abc</a></p>'
    )

    assert html == (
        '<p lang="en" dir="ltr">New paper<br>abs: '
        '<a href="https://t.co/abc" rel="nofollow noopener noreferrer">https://t.co/abc</a></p>'
    )


def test_post_html_drops_mailto_and_relative_tricks_it_has_no_use_for():
    assert "href" not in sanitize_post_html('<a href="mailto:x@example.com">x</a>')


# The real preview endpoint, as the admin's markdownx widget calls it.

MARKDOWNIFY_URL = "/markdownx/markdownify/"


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("editor", password="unused", is_staff=True)


def test_markdownify_url_is_where_markdownx_posts():
    assert reverse("markdownx_markdownify") == MARKDOWNIFY_URL


@pytest.mark.django_db
@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_markdownify_endpoint_sanitizes_for_staff(client, staff_user, source):
    client.force_login(staff_user)
    response = client.post(MARKDOWNIFY_URL, {"content": source})

    assert response.status_code == 200
    assert_safe(response.content.decode(), MARKDOWN_TAGS)


@pytest.mark.django_db
def test_markdownify_endpoint_renders_markdown_for_staff(client, staff_user):
    client.force_login(staff_user)
    response = client.post(MARKDOWNIFY_URL, {"content": "**bold** [x](https://example.com)"})

    assert response.content.decode() == (
        '<p><strong>bold</strong> <a href="https://example.com" rel="nofollow noopener noreferrer">x</a></p>'
    )
