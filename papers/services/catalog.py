"""Authors and categories looked up or created in bulk: a fixed number of queries per call."""

import hashlib

from django.utils.text import slugify

from papers.models import Author, Category


def slug_candidates(name, *, fallback_prefix, max_length):
    """The preferred slug, then a stable fallback that no other name can produce (a hash of the name)."""
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    base = slugify(name)[:max_length]
    if not base:  # names in scripts slugify cannot transliterate (e.g. CJK)
        return f"{fallback_prefix}-{digest}", f"{fallback_prefix}-{digest}"
    return base, f"{base}-{digest}"


def named_rows(model, *, names, fallback_prefix):
    """Map each name to its row of `model` (unique `name` and `slug`), creating the missing ones.

    Names are sorted, so of two names with the same slug the first keeps the short one; a row whose
    slug (or name, from a concurrent worker) is taken is skipped, then retried with its fallback
    slug. No query asks which slugs exist: three queries in all, five after a clash.
    """
    wanted = sorted(set(names))
    if not wanted:
        return {}
    found = model.objects.in_bulk(wanted, field_name="name")
    missing = [name for name in wanted if name not in found]
    if missing:
        max_length = model._meta.get_field("slug").max_length - 9  # room for the "-<hash>" fallback
        candidates = {
            name: slug_candidates(name, fallback_prefix=fallback_prefix, max_length=max_length) for name in missing
        }
        for choice in (0, 1):
            model.objects.bulk_create(
                [model(name=name, slug=candidates[name][choice]) for name in missing], ignore_conflicts=True
            )
            found.update(model.objects.in_bulk(missing, field_name="name"))
            missing = [name for name in missing if name not in found]
            if not missing:
                break
    return found


def authors_for_names(*, names):
    """Map each name to its Author, creating the missing ones (one Author per distinct name)."""
    return named_rows(Author, names=names, fallback_prefix="author")


def categories_for_codes(*, codes):
    """Map each code to its Category; codes missing from the taxonomy are created and flagged."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    found = Category.objects.in_bulk(wanted, field_name="code")
    missing = [code for code in wanted if code not in found]
    if missing:
        Category.objects.bulk_create(
            [Category(code=code, in_taxonomy=False) for code in missing], ignore_conflicts=True
        )
        found.update(Category.objects.in_bulk(missing, field_name="code"))
    return found
