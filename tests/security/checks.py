"""Static checks of what the site sends: HTML parsed as a browser parses it (html5lib), feeds as XML, API JSON.

Each function returns a list of problems (empty when the output is safe), so one test can report every
hole of a page at once. The rules are the ones a browser enforces on markup that would run or load
something: no script element but our own (JSON-LD, /static/ files), no on* handler, no javascript:/
vbscript:/data: URL in any attribute a browser follows, no frame, object, embed, base, meta refresh,
style element or dangerous CSS, no SVG that animates or imports markup, no resource from another host.
"""

import json
import re
from urllib.parse import urlsplit

import html5lib
from lxml import etree

HTML_NS = "http://www.w3.org/1999/xhtml"
SVG_NS = "http://www.w3.org/2000/svg"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
XLINK_NS = "http://www.w3.org/1999/xlink"
ATOM_NS = "http://www.w3.org/2005/Atom"

FORBIDDEN_HTML = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "portal",
    "style",
    "isindex",
    "noembed",
    "xmp",
    "plaintext",
    "listing",
}
FORBIDDEN_SVG = {"script", "foreignObject", "animate", "set", "animateMotion", "animateTransform", "handler"}
FORBIDDEN_MATHML = {"maction", "annotation-xml"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "cite",
    "codebase",
    "ping",
    "lowsrc",
    "dynsrc",
    "manifest",
    "icon",
    "srcset",
    "to",
    "values",
    "from",
    "by",
    f"{{{XLINK_NS}}}href",
}
# Attributes whose URL the browser fetches by itself (links and form targets wait for a click).
LOADING_ATTRIBUTES = {"src", "data", "poster", "background", "codebase", "lowsrc", "dynsrc", "srcset", "manifest"}
BAD_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:")
BAD_CSS = ("url(", "expression", "javascript:", "behavior", "-moz-binding", "@import", "image-set(")
LOCAL_HOSTS = {None, "", "127.0.0.1", "localhost", "testserver"}
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def squeezed(value):
    """A URL as a browser's URL parser reads its scheme (WHATWG URL): leading and trailing C0 controls and
    spaces stripped, tabs and new lines removed anywhere, lower case."""
    return _TAB_OR_NEWLINE.sub("", (value or "").strip("".join(map(chr, range(0x21))))).lower()


def _name(tag):
    """(namespace, local name) of an html5lib etree tag."""
    if isinstance(tag, str) and tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return HTML_NS, tag


def _is_own_script(element):
    """Our scripts: JSON data blocks that parse, and files from this site (/static/..., the admin's /admin/jsi18n/)."""
    kind = (element.get("type") or "").strip().lower()
    text = element.text or ""
    if kind in ("application/ld+json", "application/json"):
        try:
            json.loads(text)
        except ValueError:
            return False
        return "<" not in text  # json_ld escapes <, > and & so the data can never close the element
    src = (element.get("src") or "").strip()
    return src.startswith("/") and not src.startswith("//") and not text.strip()


def html_problems(html, *, fragment=False, where=""):
    """Every way the HTML could run script or load something foreign, as readable strings."""
    parse = html5lib.parseFragment if fragment else html5lib.parse
    tree = parse(html, treebuilder="etree", namespaceHTMLElements=True)
    problems = []

    def problem(text, element):
        snippet = etree_snippet(element)
        problems.append(f"{where}: {text}: {snippet}" if where else f"{text}: {snippet}")

    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        namespace, tag = _name(element.tag)
        if namespace == HTML_NS and tag == "script" or namespace == SVG_NS and tag == "script":
            if not (namespace == HTML_NS and _is_own_script(element)):
                problem("script element", element)
        elif namespace == HTML_NS and tag in FORBIDDEN_HTML:
            problem(f"<{tag}> element", element)
        elif namespace == SVG_NS and tag in FORBIDDEN_SVG:
            problem(f"SVG <{tag}> element", element)
        elif namespace == MATHML_NS and tag in FORBIDDEN_MATHML:
            problem(f"MathML <{tag}> element", element)
        if namespace == HTML_NS and tag == "meta" and (element.get("http-equiv") or "").strip().lower() == "refresh":
            problem("<meta http-equiv=refresh>", element)
        if namespace == HTML_NS and tag == "link":
            rel = (element.get("rel") or "").lower().split()
            if "import" in rel or ("stylesheet" in rel and urlsplit(element.get("href") or "").hostname):
                problem("a <link> that loads markup or a foreign stylesheet", element)
        if namespace == SVG_NS and tag == "use":
            target = element.get("href") or element.get(f"{{{XLINK_NS}}}href") or ""
            if target and not target.startswith("#"):
                problem("SVG <use> of another document", element)
        for attribute, value in element.attrib.items():
            _attr_namespace, name = _name(attribute)
            name = name.lower()
            if name.startswith("on"):
                problem(f"event handler {name}", element)
            if name in ("srcdoc", "formaction"):
                problem(f"{name} attribute", element)
            if attribute in URL_ATTRIBUTES or name in URL_ATTRIBUTES:
                url = squeezed(value)
                candidates = [part.strip().split(" ")[0] for part in url.split(",")] if name == "srcset" else [url]
                if any(candidate.startswith(BAD_SCHEMES) for candidate in candidates):
                    problem(f"{name}={value!r}", element)
                if name in LOADING_ATTRIBUTES and urlsplit((value or "").strip()).hostname not in LOCAL_HOSTS:
                    problem(f"{name} loads from another host: {value!r}", element)
            if name == "style" and any(token in re.sub(r"\s+", "", value or "").lower() for token in BAD_CSS):
                problem(f"style={value!r}", element)
    return problems


def etree_snippet(element, limit=160):
    namespace, tag = _name(element.tag)
    attributes = " ".join(f'{_name(key)[1]}="{value}"' for key, value in element.attrib.items())
    text = (element.text or "").strip()[:60]
    snippet = f"<{tag}{' ' + attributes if attributes else ''}>{text}"
    return snippet if len(snippet) <= limit else snippet[: limit - 1] + "…"


def page_text(html):
    """The text a reader sees (and the values of attributes), to check that an injected marker arrived."""
    tree = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    parts = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        parts.append(element.text or "")
        parts.append(element.tail or "")
        parts.extend(element.attrib.values())
    return " ".join(parts)


def feed_problems(body, *, where=""):
    """A feed (Atom or RSS) must parse as XML, and every HTML it carries must pass html_problems."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        return [f"{where}: not XML: {error}"]
    problems = []
    if root.tag == f"{{{ATOM_NS}}}feed":
        for element in root.iter(f"{{{ATOM_NS}}}summary", f"{{{ATOM_NS}}}content", f"{{{ATOM_NS}}}title"):
            kind = element.get("type", "text")
            if kind == "html":
                problems += html_problems(element.text or "", fragment=True, where=f"{where} <{element.tag}>")
            elif kind == "xhtml":
                markup = etree.tostring(element, encoding="unicode")
                problems += html_problems(markup, fragment=True, where=f"{where} <{element.tag}>")
        for link in root.iter(f"{{{ATOM_NS}}}link"):
            if squeezed(link.get("href")).startswith(BAD_SCHEMES):
                problems.append(f"{where}: link href {link.get('href')!r}")
    elif root.tag == "rss":
        for description in root.iter("description"):
            problems += html_problems(description.text or "", fragment=True, where=f"{where} <description>")
        for link in root.iter("link"):
            if squeezed(link.text).startswith(BAD_SCHEMES):
                problems.append(f"{where}: link {link.text!r}")
    else:
        problems.append(f"{where}: neither Atom nor RSS: <{root.tag}>")
    return problems


def json_problems(data, *, where=""):
    """API JSON: every *_html field passes html_problems; every *url field is http(s) or a site path."""
    problems = []

    def walk(value, path):
        if isinstance(value, dict):
            for key, item in value.items():
                here = f"{path}.{key}"
                if isinstance(item, str) and key.endswith("_html"):
                    problems.extend(html_problems(item, fragment=True, where=f"{where}{here}"))
                elif isinstance(item, str) and key.endswith("url") and item:
                    parts = urlsplit(item.strip())
                    if parts.scheme not in ("http", "https") and not (
                        parts.scheme == "" and item.startswith("/") and not item.startswith("//")
                    ):
                        problems.append(f"{where}{here}: not an http(s) URL: {item!r}")
                else:
                    walk(item, here)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")

    walk(data, "")
    return problems
