"""How the backup commands word what a file holds."""

_PLURALS = {"category": "categories"}


def describe_counts(counts):
    """{kind: count} as "155 categories, 2 papers, 1 post"."""
    return ", ".join(
        f"{count:,} {kind if count == 1 else _PLURALS.get(kind, kind + 's')}" for kind, count in counts.items()
    )
