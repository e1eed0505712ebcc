"""Social cards: the PNG a shared link shows (og:image), drawn with Pillow.

A digest's card shows its date and its top titles. Cards are cached by a fingerprint of exactly
what they draw, so editing a digest's titles, order or date makes a new card (and a new
`?v=` in the page's og:image URL) while an unchanged digest is drawn once.
"""

import functools
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFont

CARD_VERSION = 1  # bump when the drawing changes: every fingerprint changes with it
WIDTH, HEIGHT = 1200, 630
MARGIN = 72
CARD_TITLES = 4
CACHE_SECONDS = 30 * 24 * 3600
BACKGROUND = (19, 20, 23)
SURFACE = (34, 37, 42)
TEXT = (233, 231, 228)
MUTED = (170, 171, 178)
ACCENT = (255, 143, 107)
_FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\s*")


@dataclass(frozen=True)
class CardContent:
    heading: str
    subheading: str
    titles: tuple[str, ...]

    @property
    def fingerprint(self):
        parts = [str(CARD_VERSION), settings.HOTPAPERS_SITE_NAME, self.heading, self.subheading, *self.titles]
        text = "\x1f".join(parts)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def plain_title(title):
    """A title without LaTeX markup, for a picture: "$\\mathrm{QAC}^0$ Complexity" -> "QAC^0 Complexity"."""
    text = _LATEX_COMMAND.sub("", title.replace("$", ""))
    return " ".join(text.replace("{", "").replace("}", "").split())


def digest_card_content(digest, titles, paper_count):
    count = f"{paper_count} paper{'s' if paper_count != 1 else ''}"
    return CardContent(
        heading=f"{digest.date:%A}, {digest.date:%B} {digest.date.day}, {digest.date.year}",
        subheading=f"{count} people shared most",
        titles=tuple(plain_title(title) for title in titles[:CARD_TITLES]),
    )


def site_card_content():
    return CardContent(
        heading="The arXiv papers people shared most",
        subheading="One digest a day, with the posts that shared them",
        titles=(),
    )


@functools.cache
def _font(size, bold=False):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _FONT_DIRS:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size=size)  # Pillow's own font: cards never fail for want of fonts


def _fit(draw, text, font, width):
    """The text, cut with an ellipsis where it would pass `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(draw, text, font, width, lines):
    """Up to `lines` lines of the text within `width` pixels, the last one cut with an ellipsis."""
    words, out = text.split(), []
    while words and len(out) < lines:
        line = words.pop(0)
        while words and draw.textlength(f"{line} {words[0]}", font=font) <= width:
            line = f"{line} {words.pop(0)}"
        out.append(line)
    if words:
        out[-1] = _fit(draw, f"{out[-1]} {' '.join(words)}", font, width)
    return [_fit(draw, line, font, width) for line in out]


def render_card(content):
    """The card as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 14, HEIGHT], fill=ACCENT)
    inner = WIDTH - 2 * MARGIN
    draw.ellipse([MARGIN, 56, MARGIN + 40, 96], fill=ACCENT)
    draw.text((MARGIN + 56, 58), settings.HOTPAPERS_SITE_NAME, font=_font(34, bold=True), fill=TEXT)
    y = 140
    for line in _wrap(draw, content.heading, _font(56, bold=True), inner, 2):
        draw.text((MARGIN, y), line, font=_font(56, bold=True), fill=TEXT)
        y += 68
    draw.text((MARGIN, y + 4), content.subheading, font=_font(30), fill=MUTED)
    y += 72
    title_font = _font(30)
    for rank, title in enumerate(content.titles, start=1):
        if y > HEIGHT - 80:
            break
        draw.text((MARGIN, y), f"{rank}.", font=_font(30, bold=True), fill=ACCENT)
        for line in _wrap(draw, title, title_font, inner - 56, 1):
            draw.text((MARGIN + 56, y), line, font=title_font, fill=TEXT)
        y += 52
    draw.rectangle([MARGIN, HEIGHT - 40, WIDTH - MARGIN, HEIGHT - 38], fill=SURFACE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def card_png(content):
    """The card's PNG, drawn once per fingerprint (kept in the cache; a cache that is down only costs a redraw)."""
    key = f"social-card:{content.fingerprint}"
    try:
        png = cache.get(key)
    except Exception:  # a cache that is down or frozen must not break a card
        png = None
    if png is None:
        png = render_card(content)
        try:
            cache.set(key, png, CACHE_SECONDS)
        except Exception:  # as above: the card is drawn again next time
            pass
    return png


@functools.cache
def site_card_png():
    return render_card(site_card_content())
