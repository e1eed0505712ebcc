"""How the commands word what building a digest did (digests.services.building.BuildResult)."""


def describe_build(result):
    """One line, e.g. "Built the draft of 2022-01-13: 8 papers (3 new, 5 kept, 2 pinned), 14 embedded posts."."""
    digest = result.digest
    what = "draft" if digest.status == digest.Status.DRAFT else f"{digest.get_status_display().lower()} digest"
    verb = "Built" if result.changed else "Nothing changed in"
    detail = [f"{result.new} new", f"{result.kept} kept", f"{result.pinned} pinned"]
    if result.removed:
        detail.append(f"{result.removed} removed")
    if result.excluded:
        detail.append(f"{result.excluded} excluded")
    line = (
        f"{verb} the {what} of {digest.date.isoformat()}: {_count(result.papers, 'paper')} ({', '.join(detail)}), "
        f"{_count(result.embedded_posts, 'embedded post')}."
    )
    if result.scheduled_for is not None:
        line += f" It goes live by itself at {result.scheduled_for:%Y-%m-%d %H:%M} UTC (HOTPAPERS_AUTO_PUBLISH_TIME)."
    return line


def _count(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"
