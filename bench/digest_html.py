"""The rendered HTML of every published digest (and its papers' pages) saved, or compared with a saved set.

A change that speeds up rendering must not change a byte readers get: save the pages before it,
then compare after. It renders in this process with production settings and the page cache off,
on bench/serve.py's database (the corpus and the seed post imported there: run serve.py once first).

    .venv/bin/python bench/digest_html.py save /tmp/pages-before
    .venv/bin/python bench/digest_html.py compare /tmp/pages-before   # exit 1 and the first differing line
"""

import argparse
import difflib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from serve import manage, production_env  # noqa: E402


def pages():
    """(file name, path) of every published digest's page and of each paper page they link."""
    from digests.models import DailyDigest, DigestEntry

    for digest in DailyDigest.objects.published().order_by("date"):
        yield f"digest-{digest.slug}.html", digest.get_absolute_url()
    papers = DigestEntry.objects.shown().filter(digest__in=DailyDigest.objects.published())
    for arxiv_id in papers.values_list("paper__arxiv_id", flat=True).distinct().order_by("paper__arxiv_id"):
        yield f"paper-{arxiv_id.replace('/', '_')}.html", f"/papers/{arxiv_id}/"


def render_all():
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for name, path in pages():
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: status {response.status_code}")
        yield name, response.content


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["save", "compare"])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hotpapers-pages-static-") as static_root:
        redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
        env = production_env(static_root=static_root, redis_url=redis_url, page_cache=False)
        manage(env, "collectstatic", "--noinput")  # the pages name the hashed files of the manifest
        os.environ.update(env)
        import django

        django.setup()
        if args.action == "save":
            args.folder.mkdir(parents=True, exist_ok=True)
            count = 0
            for name, content in render_all():
                (args.folder / name).write_bytes(content)
                count += 1
            print(f"{count} pages saved in {args.folder}")
            return 0
        seen, differing = set(), []
        for name, content in render_all():
            seen.add(name)
            saved = args.folder / name
            if not saved.exists():
                differing.append(f"{name}: not in the saved set")
            elif saved.read_bytes() != content:
                diff = difflib.unified_diff(
                    saved.read_text().splitlines(), content.decode().splitlines(), "before", "after", n=0, lineterm=""
                )
                differing.append(f"{name}:\n" + "\n".join(list(diff)[:8]))
        gone = [path.name for path in args.folder.glob("*.html") if path.name not in seen]
        differing += [f"{name}: no longer rendered" for name in gone]
        print(f"{len(seen)} pages rendered, {len(differing)} differ from {args.folder}")
        for line in differing[:10]:
            print(line)
        return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
