"""URLs reversed once per process: a page names the same few dozen URLs on every request.

Reversing one costs more than most of what a template does around it (the resolver, the script prefix
and the language are looked up each time); the result depends only on the name, the arguments, the
script prefix and the URLconf, which key the memo.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def cached_reverse(name, *args):
    """reverse(name, args=args), computed once per process for each name, arguments and script prefix."""
    return _reverse(name, args, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


# Bounded: the arguments are slugs and ids, one entry per distinct page linked.
@functools.lru_cache(maxsize=8192)
def _reverse(name, args, script_prefix, urlconf):
    return reverse(name, args=args, urlconf=urlconf)
