"""Builds the demo's recorded day (digests/demo/recorded/) from a real corpus post. Run once; the output is committed.

    .venv/bin/python -m tests.demo_day            # rewrites digests/demo/recorded/ from ../shared/corpus

The corpus post of Friday 2020-12-18 becomes the arXiv listing of Friday 2022-01-14 (56 weeks later, so
weekdays and the times of day stay what they were): its 28 papers (real titles, authors, categories,
abstracts) as an arXiv API answer, submitted inside that listing's window, and its 31 real tweets as
X API v2 search pages with counters, plus what a real search returns besides (a retweet, which is never
a post of its own; a quote post; an account posting twice about one paper). So that the day cannot
collide with the corpus (whose papers and tweets load_demo also imports), papers get arXiv ids that
arXiv never issued (2201.99001 onwards) and tweets new ids at their shifted times: the links they
carry point nowhere real. A post's counters are a share of its entry's favorites (the corpus's retweet
totals are inflated, README of the corpus) with about one repost for three likes.

Pure Python (no Django): digests.postformat parses the post.
"""

import datetime as dt
import json
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from digests.postformat import parse_post, tweet_plain_text

ROOT = Path(__file__).resolve().parent.parent
CORPUS_POST = ROOT.parent / "shared" / "corpus" / "posts" / "2020-12-18---Hot-Papers.md"
OUTPUT = ROOT / "digests" / "demo" / "recorded"
DAY = dt.date(2022, 1, 14)
SHIFT = dt.timedelta(weeks=56)  # 2020-12-18 + 56 weeks = 2022-01-14, a Friday too
# The listing of Friday 2022-01-14 announces what was submitted from Wednesday 14:00 to Thursday 14:00 in
# New York (EST in January): 19:00 UTC to 19:00 UTC.
WINDOW_START = dt.datetime(2022, 1, 12, 19, 0, tzinfo=dt.UTC)
FEED_NAME = f"arxiv-{DAY.isoformat()}.xml"
DUMP_NAME = f"x-posts-{DAY.isoformat()}.json"
TWITTER_EPOCH_MS = 1288834974657
_TCO = re.compile(r"https://t\.co/[A-Za-z0-9]+")


def new_arxiv_id(rank):
    return f"2201.{99000 + rank:05d}"


def snowflake(when, low_bits):
    milliseconds = int(when.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((milliseconds << 22) | (low_bits & 0x3FFFFF))


def shifted_tweet(tweet):
    """(new id, new time) of a corpus tweet: its own time, 56 weeks later."""
    original = int(tweet.tweet_id)
    posted = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=(original >> 22) + TWITTER_EPOCH_MS)
    when = posted + SHIFT
    return snowflake(when, original), when


def build_feed(post):
    """An arXiv API answer (today's format) for the day's papers, submitted inside the day's window."""
    step = dt.timedelta(hours=23) / len(post.entries)
    out = [
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom"'
        ' xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>https://arxiv.org/api/hotpapersDemo2022011400000</id>\n"
        f"  <title>arXiv Query: search_query=&amp;id_list=&amp;start=0&amp;max_results={len(post.entries)}</title>\n"
        "  <updated>2022-01-14T01:00:00Z</updated>\n"
        f"  <opensearch:itemsPerPage>{len(post.entries)}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{len(post.entries)}</opensearch:totalResults>\n"
        "  <opensearch:startIndex>0</opensearch:startIndex>\n"
    ]
    for index, entry in enumerate(post.entries):
        arxiv_id = f"{new_arxiv_id(entry.rank)}v1"
        published = WINDOW_START + step * index + dt.timedelta(minutes=7)
        # The corpus keeps arXiv's wrapped titles with the line break dropped ("Semi-Supervised  Few-Shot").
        title = entry.title.replace("  ", "\n  ")
        out.append(
            "  <entry>\n"
            f"    <id>http://arxiv.org/abs/{arxiv_id}</id>\n"
            f"    <title>{escape(title)}</title>\n"
            f"    <updated>{published:%Y-%m-%dT%H:%M:%SZ}</updated>\n"
            f'    <link href="https://arxiv.org/abs/{arxiv_id}" rel="alternate" type="text/html"/>\n'
            f'    <link href="https://arxiv.org/pdf/{arxiv_id}" rel="related" type="application/pdf" title="pdf"/>\n'
            f"    <summary>{escape(entry.abstract)}</summary>\n"
        )
        for category in entry.categories:
            out.append(f'    <category term={quoteattr(category)} scheme="http://arxiv.org/schemas/atom"/>\n')
        out.append(f"    <published>{published:%Y-%m-%dT%H:%M:%SZ}</published>\n")
        if entry.categories:
            out.append(f"    <arxiv:primary_category term={quoteattr(entry.categories[0])}/>\n")
        for name in entry.authors:
            out.append(f"    <author>\n      <name>{escape(name)}</name>\n    </author>\n")
        out.append("  </entry>\n")
    out.append("</feed>\n")
    return "".join(out)


def build_dump(post, *, retrieved_at):
    """X API v2 search pages (as twarc2 saves them) with the day's posts and their counters, newest first."""
    users, tweets = {}, []

    def user(handle, name):
        if handle.lower() not in users:
            users[handle.lower()] = {"id": str(100_000_000 + len(users)), "name": name, "username": handle}
        return users[handle.lower()]["id"]

    def tweet(*, tweet_id, when, handle, name, lang, text, arxiv_ids, likes, retweets, **extra):
        urls = []
        links = _TCO.findall(text)
        for position, arxiv_id in enumerate(arxiv_ids):
            if position >= len(links):
                links.append(f"https://t.co/hp{tweet_id[-6:]}{position}")
                text = f"{text} {links[-1]}"
            start = text.index(links[position])
            urls.append(
                {
                    "start": start,
                    "end": start + len(links[position]),
                    "url": links[position],
                    "expanded_url": f"https://arxiv.org/abs/{arxiv_id}",
                    "display_url": f"arxiv.org/abs/{arxiv_id}",
                }
            )
        return {
            "id": tweet_id,
            "edit_history_tweet_ids": [tweet_id],
            "author_id": user(handle, name),
            "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "lang": lang,
            "text": text,
            "entities": {"urls": urls},
            "public_metrics": {
                "retweet_count": retweets,
                "reply_count": max(0, likes // 40),
                "like_count": likes,
                "quote_count": max(0, retweets // 25),
            },
            **extra,
        }

    for entry in post.entries:
        weights = [1 / (position + 1) for position in range(len(entry.tweets))]
        for share, corpus_tweet in zip(weights, entry.tweets, strict=True):
            tweet_id, when = shifted_tweet(corpus_tweet)
            likes = round(entry.favorites * share / sum(weights))
            tweets.append(
                tweet(
                    tweet_id=tweet_id,
                    when=when,
                    handle=corpus_tweet.author_handle,
                    name=corpus_tweet.author_name,
                    lang=corpus_tweet.lang,
                    text=tweet_plain_text(corpus_tweet.text_html),
                    arxiv_ids=[new_arxiv_id(entry.rank)],
                    likes=likes,
                    retweets=round(likes * 0.35),
                )
            )

    # What a real search returns besides: a retweet of the day's best post (never a post of its own: its
    # reposts are already the original's), a quote post of it (a post that counts), and one account
    # posting twice about a paper (only its better post counts).
    best = max(tweets, key=lambda t: t["public_metrics"]["like_count"])
    best_when = dt.datetime.strptime(best["created_at"], "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=dt.UTC)
    best_paper = best["entities"]["urls"][0]["expanded_url"].rsplit("/", 1)[1]
    retweet_when, quote_when = best_when + dt.timedelta(hours=1), best_when + dt.timedelta(hours=2)
    retweet = tweet(
        tweet_id=snowflake(retweet_when, 1),
        when=retweet_when,
        handle="hp_demo_fan",
        name="A fan (demo)",
        lang="en",
        text=f"RT @{users_handle(users, best['author_id'])}: {best['text']}"[:280],
        arxiv_ids=[best_paper],
        likes=0,
        retweets=best["public_metrics"]["retweet_count"],
        referenced_tweets=[{"type": "retweeted", "id": best["id"]}],
    )
    quote = tweet(
        tweet_id=snowflake(quote_when, 2),
        when=quote_when,
        handle="hp_demo_reader",
        name="A reader (demo)",
        lang="en",
        text="This one is worth the hype: the ablations are thorough.",
        arxiv_ids=[best_paper],
        likes=64,
        retweets=9,
        referenced_tweets=[{"type": "quoted", "id": best["id"]}],
    )
    second_paper = post.entries[1]
    first_post = next(t for t in tweets if t["entities"]["urls"][0]["display_url"].endswith(new_arxiv_id(2)))
    again_when = best_when + dt.timedelta(hours=5)
    again = tweet(
        tweet_id=snowflake(again_when, 3),
        when=again_when,
        handle=users_handle(users, first_post["author_id"]),
        name=next(u["name"] for u in users.values() if u["id"] == first_post["author_id"]),
        lang="en",
        text=f"Slides for {second_paper.title[:60]} are up.",
        arxiv_ids=[new_arxiv_id(2)],
        likes=21,
        retweets=4,
    )
    tweets.extend([retweet, quote, again])
    tweets.sort(key=lambda t: int(t["id"]), reverse=True)  # search answers are newest first

    pages = []
    for start in range(0, len(tweets), 20):
        chunk = tweets[start : start + 20]
        authors = {t["author_id"] for t in chunk}
        meta = {"newest_id": chunk[0]["id"], "oldest_id": chunk[-1]["id"], "result_count": len(chunk)}
        if start + 20 < len(tweets):
            meta["next_token"] = f"hotpapersdemo{start + 20:04d}"
        pages.append(
            {
                "data": chunk,
                "includes": {"users": [u for u in users.values() if u["id"] in authors]},
                "meta": meta,
                "__twarc": {
                    "url": "https://api.x.com/2/tweets/search/recent?query=url%3Aarxiv.org%20-is%3Aretweet",
                    "version": "2.14.0",
                    "retrieved_at": retrieved_at.isoformat().replace("+00:00", "Z"),
                },
            }
        )
    return pages


def users_handle(users, user_id):
    return next(u["username"] for u in users.values() if u["id"] == user_id)


def main(corpus_post=CORPUS_POST, output=OUTPUT):
    post = parse_post(corpus_post.read_bytes(), name=corpus_post.name)
    retrieved_at = post.generated_at + SHIFT  # when the corpus read its counters, 56 weeks later
    output.mkdir(parents=True, exist_ok=True)
    (output / FEED_NAME).write_text(build_feed(post), encoding="utf-8")
    pages = build_dump(post, retrieved_at=retrieved_at)
    (output / DUMP_NAME).write_text(json.dumps(pages, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    posts = sum(len(page["data"]) for page in pages)
    print(f"{output}: {len(post.entries)} papers, {posts} posts in {len(pages)} pages; counters read {retrieved_at}")


if __name__ == "__main__":
    sys.exit(main())
