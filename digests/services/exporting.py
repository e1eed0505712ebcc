"""Digests back to seed-format Markdown."""


def digest_export_markdown(*, digest):
    raise NotImplementedError
