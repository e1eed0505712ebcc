"""Big synthetic dumps of social posts in the platforms' real formats, for tests and benchmarks.

``x_dump(n_posts, n_papers, seed=...)`` builds X API v2 response pages (as ``twarc2 search`` saves them) whose
posts link arXiv papers the way real ones do: abs, pdf (with ``.pdf`` and versions), ``export.`` and ``www.``
hosts, an unwound shortener, several papers in one post, media self links, retweets (never posts) and quote
posts. It also says what a correct import must find: ``SyntheticDump.links`` maps every original post id to the
arXiv ids it links, and ``paper_ids`` lists every paper id used (each linked at least once when
``n_posts >= n_papers``). Deterministic for a given seed.

``bluesky_dump`` and ``hackernews_dump`` do the same for Bluesky ``searchPosts`` answers and Hacker News search
answers.
"""

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = ["SyntheticDump", "bluesky_dump", "hackernews_dump", "paper_ids", "x_dump", "x_dump_pages"]

START = datetime(2022, 1, 13, 0, 0, tzinfo=UTC)
SNOWFLAKE_EPOCH_MS = 1288834974657


@dataclass
class SyntheticDump:
    source: str
    pages: list[dict]
    paper_ids: list[str]
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)  # original post id -> arXiv ids it links
    retweets: int = 0  # reposts in the pages, which must never be stored

    @property
    def post_count(self) -> int:
        return len(self.links)

    def as_json(self) -> bytes:
        """The pages as one JSON array."""
        return json.dumps(self.pages, separators=(",", ":")).encode()

    def as_jsonl(self) -> bytes:
        """One page a line, as ``twarc2 search`` writes them."""
        return "".join(json.dumps(page, separators=(",", ":")) + "\n" for page in self.pages).encode()


def paper_ids(n_papers: int) -> list[str]:
    """``n_papers`` distinct new-style arXiv ids (YYMM.NNNNN from 2201), 99,999 a month."""
    return [
        f"{22 + (index // 99999) // 12:02d}{1 + (index // 99999) % 12:02d}.{index % 99999 + 1:05d}"
        for index in range(n_papers)
    ]


def _paper_url(arxiv_id: str, rng: random.Random) -> str:
    version = rng.choice(("", "", "v1", "v2"))
    return rng.choice(
        (
            f"https://arxiv.org/abs/{arxiv_id}{version}",
            f"https://arxiv.org/abs/{arxiv_id}{version}",
            f"https://arxiv.org/pdf/{arxiv_id}{version}.pdf",
            f"https://arxiv.org/pdf/{arxiv_id}{version}",
            f"http://export.arxiv.org/abs/{arxiv_id}",
            f"https://www.arxiv.org/abs/{arxiv_id}",
        )
    )


def _snowflake(when: datetime, sequence: int) -> str:
    return str(((int(when.timestamp() * 1000) - SNOWFLAKE_EPOCH_MS) << 22) | (sequence & 0x3FFFFF))


def _papers_for(index: int, ids: list[str], rng: random.Random) -> tuple[str, ...]:
    first = ids[index % len(ids)]
    extra = rng.choices(ids, k=rng.choice((0, 0, 0, 1, 2)))
    return tuple(dict.fromkeys((first, *extra)))


def x_dump(
    n_posts: int,
    n_papers: int,
    *,
    seed: int = 0,
    page_size: int = 100,
    retweet_every: int = 10,
    quote_every: int = 7,
    n_authors: int | None = None,
) -> SyntheticDump:
    """X API v2 pages with ``n_posts`` original posts (plus a retweet every ``retweet_every`` posts; 0: none)."""
    rng = random.Random(seed)
    ids = paper_ids(n_papers)
    users = [
        {"id": str(1_000_000 + number), "name": f"Reader {number}", "username": f"reader_{number}"}
        for number in range(n_authors or max(1, n_posts // 5))
    ]
    tweets, links, retweets = [], {}, 0
    step = timedelta(days=6) / max(n_posts, 1)
    for index in range(n_posts):
        when = START + step * index
        tweet_id = _snowflake(when, index)
        author = users[index % len(users)]
        papers = _papers_for(index, ids, rng)
        urls, text = [], [f"Paper {index}: worth a read"]
        for position, arxiv_id in enumerate(papers):
            tco = f"https://t.co/{index:06d}{position:02d}x"
            entity = {"start": 0, "end": 23, "url": tco, "display_url": f"arxiv.org/abs/{arxiv_id}"}
            if rng.random() < 0.1:  # a shortener X unwinds
                entity.update(expanded_url=f"https://bit.ly/p{index}x{position}", unwound_url=_paper_url(arxiv_id, rng))
                entity["status"] = 200
            else:
                entity["expanded_url"] = _paper_url(arxiv_id, rng)
            urls.append(entity)
            text.append(tco)
        if rng.random() < 0.3:  # a picture: a link to the post itself, not to a paper
            urls.append(
                {
                    "start": 0,
                    "end": 23,
                    "url": f"https://t.co/m{index}",
                    "expanded_url": f"https://twitter.com/{author['username']}/status/{tweet_id}/photo/1",
                    "display_url": f"pic.twitter.com/m{index}",
                    "media_key": f"3_{tweet_id}",
                }
            )
        tweet = {
            "id": tweet_id,
            "edit_history_tweet_ids": [tweet_id],
            "author_id": author["id"],
            "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "lang": "en",
            "text": " ".join(text),
            "entities": {"urls": urls},
            "public_metrics": {
                "retweet_count": int(rng.paretovariate(1.2)) - 1,
                "reply_count": rng.randrange(5),
                "like_count": int(rng.paretovariate(1.0) * 3) - 3,
                "quote_count": rng.randrange(3),
            },
        }
        if quote_every and index % quote_every == quote_every - 1 and tweets:
            tweet["referenced_tweets"] = [{"type": "quoted", "id": tweets[-1]["id"]}]
        tweets.append(tweet)
        links[tweet_id] = papers
        if retweet_every and index % retweet_every == retweet_every - 1:
            retweets += 1
            original = tweets[-1]
            fan = users[(index + 1) % len(users)]
            tweets.append(
                {
                    "id": _snowflake(when + step / 2, index + 2_000_000),
                    "edit_history_tweet_ids": [],
                    "author_id": fan["id"],
                    "created_at": (when + step / 2).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "lang": "en",
                    "text": f"RT @{author['username']}: {original['text']}",
                    "entities": original["entities"],
                    "referenced_tweets": [{"type": "retweeted", "id": tweet_id}],
                    "public_metrics": {**original["public_metrics"], "like_count": 0, "reply_count": 0},
                }
            )
    tweets.reverse()  # search answers are newest first
    pages = []
    for start in range(0, len(tweets), page_size):
        chunk = tweets[start : start + page_size]
        authors = {tweet["author_id"] for tweet in chunk}
        meta = {"newest_id": chunk[0]["id"], "oldest_id": chunk[-1]["id"], "result_count": len(chunk)}
        if start + page_size < len(tweets):
            meta["next_token"] = f"synthetic{start + page_size:08d}"
        pages.append(
            {
                "data": chunk,
                "includes": {"users": [user for user in users if user["id"] in authors]},
                "meta": meta,
                "__twarc": {
                    "url": "https://api.x.com/2/tweets/search/recent",
                    "version": "2.14.0",
                    "retrieved_at": (START + timedelta(days=7)).isoformat(),
                },
            }
        )
    return SyntheticDump(source="x", pages=pages, paper_ids=ids, links=links, retweets=retweets)


def x_dump_pages(n_posts: int, n_papers: int, seed: int = 0, **options) -> list[dict]:
    """Just the pages of ``x_dump``."""
    return x_dump(n_posts, n_papers, seed=seed, **options).pages


def bluesky_dump(n_posts: int, n_papers: int, *, seed: int = 0, page_size: int = 100) -> SyntheticDump:
    """Bluesky ``searchPosts`` answers; papers linked through link facets, external cards and the text."""
    rng = random.Random(seed)
    ids = paper_ids(n_papers)
    views, links = [], {}
    step = timedelta(days=6) / max(n_posts, 1)
    for index in range(n_posts):
        when = START + step * index
        did = f"did:plc:synthetic{index % max(1, n_posts // 5):06d}"
        uri = f"at://{did}/app.bsky.feed.post/3l{index:011d}"
        papers = _papers_for(index, ids, rng)
        text, facets = f"Post {index}:", []
        for arxiv_id in papers:
            shown = f"arxiv.org/abs/{arxiv_id}"
            start = len(text.encode()) + 1
            text += f" {shown}"
            facets.append(
                {
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": _paper_url(arxiv_id, rng)}],
                    "index": {"byteStart": start, "byteEnd": start + len(shown.encode())},
                }
            )
        record = {
            "$type": "app.bsky.feed.post",
            "createdAt": when.isoformat().replace("+00:00", "Z"),
            "langs": ["en"],
            "text": text,
            "facets": facets,
        }
        views.append(
            {
                "uri": uri,
                "cid": f"bafyrei{index:020d}",
                "author": {
                    "did": did,
                    "handle": f"reader{index % max(1, n_posts // 5)}.bsky.social",
                    "displayName": f"Reader {index}",
                },
                "record": record,
                "replyCount": rng.randrange(4),
                "repostCount": rng.randrange(20),
                "likeCount": rng.randrange(100),
                "quoteCount": rng.randrange(2),
                "indexedAt": record["createdAt"],
            }
        )
        links[uri] = papers
    views.reverse()
    pages = []
    for start in range(0, len(views), page_size):
        page = {"hitsTotal": len(views), "posts": views[start : start + page_size]}
        if start + page_size < len(views):
            page["cursor"] = str(start + page_size)
        pages.append(page)
    return SyntheticDump(source="bluesky", pages=pages, paper_ids=ids, links=links)


def hackernews_dump(n_posts: int, n_papers: int, *, seed: int = 0, page_size: int = 100) -> SyntheticDump:
    """Hacker News ``search_by_date`` answers of stories whose URL is an arXiv paper."""
    rng = random.Random(seed)
    ids = paper_ids(n_papers)
    hits, links = [], {}
    for index in range(n_posts):
        created = int((START + timedelta(minutes=index)).timestamp())
        arxiv_id = ids[index % len(ids)]
        object_id = str(29_000_000 + index)
        hits.append(
            {
                "_tags": ["story", f"author_user{index % 50}", f"story_{object_id}"],
                "author": f"user{index % 50}",
                "created_at": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "created_at_i": created,
                "num_comments": rng.randrange(50),
                "objectID": object_id,
                "points": rng.randrange(1, 300),
                "story_id": int(object_id),
                "title": f"Paper {arxiv_id} [pdf]",
                "url": _paper_url(arxiv_id, rng),
            }
        )
        links[object_id] = (arxiv_id,)
    hits.reverse()
    pages = []
    total_pages = -(-len(hits) // page_size)
    for number, start in enumerate(range(0, len(hits), page_size)):
        pages.append(
            {
                "hits": hits[start : start + page_size],
                "hitsPerPage": page_size,
                "nbHits": len(hits),
                "nbPages": total_pages,
                "page": number,
                "query": "arxiv.org",
                "params": f"query=arxiv.org&tags=story&page={number}",
            }
        )
    return SyntheticDump(source="hackernews", pages=pages, paper_ids=ids, links=links)
