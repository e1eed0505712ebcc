"""A copy of each post's ranking fields on its links to papers, kept by database triggers.

What the ranking reads of a post sits on each of its rows in the link table of ``Tweet.papers``
(papers_tweet_papers): the platform, the handle lowercased, reposts + likes, reposts, the time (posted,
else stored) and whether it is hidden; and an index holds them in the ranking's order (a paper's posts
by account, each account's best first), so digests.ranking reads a day without a join or a sort.

The columns are the database's, not Django's: the many-to-many field keeps its automatic link model
(the admin's paper picker needs one), which writes the two ids and leaves the rest to the defaults
and the triggers. Posts and links are written in many ways (the ORM, bulk UPDATE ... FROM VALUES,
COPY, INSERT ... SELECT unnest, the admin), so the copy is kept by the database, not by each writer:

- a link inserted or updated takes its post's fields (on PostgreSQL before the row is written; on
  SQLite, which cannot change NEW, by an UPDATE of the new row right after);
- a post whose ranking fields change rewrites its links, which the first trigger then fills.

The migration papers/0015 adds the columns (`add_columns`). `install` (re)creates the triggers; every
`migrate` runs it again, as SQLite drops a table's triggers when a migration rebuilds the table (a
rebuild of the link table itself, for a change to the many-to-many field, would drop the columns too:
such a migration has to add them back). `stale_links`
counts the links whose copy differs from their post; `refill` rewrites every link
(`manage.py check_link_columns [--fix]`).
"""

from django.db import connection as default_connection

MIGRATION = "0015_post_links_ranking_columns"  # the migration that added the columns

# What each copied column holds, read from the post (`post`).
_COPIED = {
    "source": "post.source",
    "handle_key": "LOWER(post.author_handle)",
    "score": "post.retweets + post.likes",
    "retweets": "post.retweets",
    "posted": "COALESCE(post.posted_at, post.created_at)",
    "is_hidden": "post.is_hidden",
}
# The post's columns those are read from: a change to any of them rewrites its links.
_POST_COLUMNS = ("source", "author_handle", "retweets", "likes", "posted_at", "created_at", "is_hidden")

_COLUMNS = ", ".join(_COPIED)

# The columns as added (PostgreSQL, SQLite); `posted` is filled by the trigger on every insert.
_TYPES = {
    "source": ("varchar(16) NOT NULL DEFAULT ''", "varchar(16) NOT NULL DEFAULT ''"),
    "handle_key": ("varchar(100) NOT NULL DEFAULT ''", "varchar(100) NOT NULL DEFAULT ''"),
    "score": ("integer NOT NULL DEFAULT 0", "integer NOT NULL DEFAULT 0"),
    "retweets": ("integer NOT NULL DEFAULT 0", "integer NOT NULL DEFAULT 0"),
    "posted": ("timestamp with time zone NULL", "datetime NULL"),
    "is_hidden": ("boolean NOT NULL DEFAULT false", "bool NOT NULL DEFAULT 0"),
}
INDEX = "papers_tweet_papers_ranking"
# The ranking's read order; the visible posts only. PostgreSQL can read it alone (an index-only scan).
_INDEX = {
    "postgresql": f"CREATE INDEX {INDEX} ON papers_tweet_papers "
    "(paper_id, source, handle_key, score DESC, posted, tweet_id) INCLUDE (retweets) WHERE NOT is_hidden",
    "sqlite": f"CREATE INDEX {INDEX} ON papers_tweet_papers "
    "(paper_id, source, handle_key, score DESC, posted, tweet_id, retweets) WHERE NOT is_hidden",
}
_VALUES = ", ".join(_COPIED.values())

_POSTGRESQL = [
    f"""
CREATE OR REPLACE FUNCTION papers_tweet_papers_copy_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT {_VALUES} INTO {", ".join(f"NEW.{c}" for c in _COPIED)}
    FROM papers_tweet post WHERE post.id = NEW.tweet_id;
    RETURN NEW;
END $$
""",
    """
CREATE OR REPLACE TRIGGER papers_tweet_papers_copy_post BEFORE INSERT OR UPDATE ON papers_tweet_papers
FOR EACH ROW EXECUTE FUNCTION papers_tweet_papers_copy_post()
""",
    """
CREATE OR REPLACE FUNCTION papers_tweet_rewrite_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE papers_tweet_papers SET tweet_id = NEW.id WHERE tweet_id = NEW.id;  -- filled by copy_post
    RETURN NULL;
END $$
""",
    f"""
CREATE OR REPLACE TRIGGER papers_tweet_rewrite_links AFTER UPDATE OF {", ".join(_POST_COLUMNS)} ON papers_tweet
FOR EACH ROW WHEN ({" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _POST_COLUMNS)})
EXECUTE FUNCTION papers_tweet_rewrite_links()
""",
]

# SQLite's recursive_triggers is off (Django leaves it so): the UPDATE a link trigger makes of its own
# row does not fire it again.
_SQLITE_FILL = (
    f"UPDATE papers_tweet_papers SET ({_COLUMNS}) = "
    f"(SELECT {_VALUES} FROM papers_tweet post WHERE post.id = NEW.tweet_id) WHERE id = NEW.id;"
)
_SQLITE = [
    "DROP TRIGGER IF EXISTS papers_tweet_papers_copy_post_insert",
    f"CREATE TRIGGER papers_tweet_papers_copy_post_insert AFTER INSERT ON papers_tweet_papers BEGIN {_SQLITE_FILL} END",
    "DROP TRIGGER IF EXISTS papers_tweet_papers_copy_post_update",
    f"CREATE TRIGGER papers_tweet_papers_copy_post_update AFTER UPDATE ON papers_tweet_papers BEGIN {_SQLITE_FILL} END",
    "DROP TRIGGER IF EXISTS papers_tweet_rewrite_links",
    f"""
CREATE TRIGGER papers_tweet_rewrite_links AFTER UPDATE OF {", ".join(_POST_COLUMNS)} ON papers_tweet
WHEN {" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _POST_COLUMNS)}
BEGIN UPDATE papers_tweet_papers SET tweet_id = NEW.id WHERE tweet_id = NEW.id; END
""",
]

_DROP = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS papers_tweet_papers_copy_post ON papers_tweet_papers",
        "DROP FUNCTION IF EXISTS papers_tweet_papers_copy_post()",
        "DROP TRIGGER IF EXISTS papers_tweet_rewrite_links ON papers_tweet",
        "DROP FUNCTION IF EXISTS papers_tweet_rewrite_links()",
    ],
    "sqlite": [statement for statement in _SQLITE if statement.startswith("DROP")],
}


def add_columns(connection):
    """The migration's work: the columns, the triggers, every link filled, then the index."""
    position = 0 if connection.vendor == "postgresql" else 1
    with connection.cursor() as cursor:
        for column, types in _TYPES.items():
            cursor.execute(f"ALTER TABLE papers_tweet_papers ADD COLUMN {column} {types[position]}")
    install(connection)
    refill(connection)
    with connection.cursor() as cursor:
        cursor.execute(_INDEX[connection.vendor])


def drop_columns(connection):
    uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {INDEX}")
        for column in _TYPES:
            cursor.execute(f"ALTER TABLE papers_tweet_papers DROP COLUMN {column}")


def install(connection=default_connection):
    """Create (or replace) the triggers on this database."""
    statements = {"postgresql": _POSTGRESQL, "sqlite": _SQLITE}.get(connection.vendor)
    if statements is None:
        raise NotImplementedError(f"no link-column triggers for {connection.vendor}")
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def uninstall(connection=default_connection):
    with connection.cursor() as cursor:
        for statement in _DROP[connection.vendor]:
            cursor.execute(statement)


def refill(connection=default_connection):
    """Copy every post's fields onto its links again (the link trigger does the copying). Returns the links."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE papers_tweet_papers SET tweet_id = tweet_id")
        return cursor.rowcount


def stale_links(connection=default_connection):
    """How many links hold a copy that differs from their post (0 when the triggers did their work)."""
    differs = " OR ".join(f"link.{column} IS DISTINCT FROM {value}" for column, value in _COPIED.items())
    if connection.vendor == "sqlite":
        differs = differs.replace("IS DISTINCT FROM", "IS NOT")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM papers_tweet_papers link JOIN papers_tweet post ON post.id = link.tweet_id "
            f"WHERE {differs}"
        )
        return cursor.fetchone()[0]
