"""Whole-site backups: every paper, post, counter snapshot, tag and digest in one JSON Lines file, and back.

The file's format is papers.services.backup_format's; its sections come from both apps, in the order
their references need (a paper names categories and authors, a post papers, a digest papers and posts):
category, author, paper, post, tag, digest. Not in it: user accounts, change history, job run
records, uploads in progress and beat schedules (migrations and the admin make those).

Export reads one consistent snapshot of the database (a repeatable-read transaction on PostgreSQL)
and streams: a chunk of rows at a time, whatever the number of posts. Import reads the file twice:
first to check every record (fields, references, duplicates, the end line's counts) without
writing, then to write it all in one transaction, a chunk at a time. It restores into a database
without papers, posts or digests (the category taxonomy that migrations load may be there); with
merge=True into any database, the file's records replacing the stored ones with the same keys and
records equal to what is stored left alone, so importing a file twice changes nothing.
"""

import dataclasses
import gzip
import zlib
from collections import defaultdict

from django.db import IntegrityError, connection, transaction

from digests.models import DailyDigest, Tag
from papers.models import Author, Paper, Tweet, TweetMetrics
from papers.page_cache import page_cache_bump
from papers.services import backup_papers
from papers.services.backup_format import FORMAT, VERSION, BackupError, decode, encode

from . import backup_digests

SECTIONS = (*backup_papers.SECTIONS, *backup_digests.SECTIONS)
_BY_KIND = {section.kind: section for section in SECTIONS}
_GZIP_MAGIC = b"\x1f\x8b"
# What makes a database not empty: rows a restore would mix with its own (categories do not count:
# the taxonomy migration loads them into every database).
_CONTENT = (
    ("papers", Paper),
    ("authors", Author),
    ("posts", Tweet),
    ("counter snapshots", TweetMetrics),
    ("tags", Tag),
    ("digests", DailyDigest),
)


@dataclasses.dataclass
class ImportResult:
    records: dict[str, int] = dataclasses.field(default_factory=dict)  # kind -> records in the file
    written: dict[str, int] = dataclasses.field(default_factory=dict)  # kind -> records created or replaced

    @property
    def unchanged(self):
        return {kind: count - self.written.get(kind, 0) for kind, count in self.records.items()}


def backup_export(*, stream):
    """Write the whole backup to `stream` (a binary file); return {kind: records written}."""
    counts = {}
    # Inside a caller's transaction (a test's), its snapshot is the one read.
    own_snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if own_snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        stream.write(encode({"format": FORMAT, "version": VERSION}))
        for section in SECTIONS:
            counts[section.kind] = 0
            for record in section.export(None):
                stream.write(encode({"kind": section.kind, **record}))
                counts[section.kind] += 1
        stream.write(encode({"kind": "end", "counts": counts}))
    return counts


def open_backup(path):
    """The file at `path` for reading, gunzipped when it is gzip."""
    file = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    if file.read(2) == _GZIP_MAGIC:
        file.close()
        return gzip.open(path, "rb")
    file.seek(0)
    return file


def backup_check(*, path):
    """Check the whole file without writing; return {kind: records}. BackupError names the first bad line."""
    counts = {section.kind: 0 for section in SECTIONS}
    for section, *_ in _records(path):
        counts[section.kind] += 1
    return counts


def backup_import(*, path, merge=False):
    """Restore the backup at `path` in one transaction; BackupError (nothing written) when it cannot."""
    result = ImportResult(records=backup_check(path=path))
    try:
        _restore(path, merge=merge, result=result)
    except IntegrityError as error:
        # Only a merge can meet this: a stored row holding a key the file gives another record
        # (an author's slug, a digest's slug).
        raise BackupError(f"the database refused the file's rows: {str(error).strip()}") from error
    return result


def _restore(path, *, merge, result):
    with transaction.atomic():
        if not merge:
            _refuse_content()
        pending = []
        for section, key, value, record in _records(path):
            if pending and (pending[0][0] is not section or len(pending) >= section.chunk_size):
                _write(pending, merge=merge, result=result)
                pending = []
            pending.append((section, key, value, record))
        if pending:
            _write(pending, merge=merge, result=result)
        page_cache_bump()  # bulk writes send no signals


def _write(pending, *, merge, result):
    section = pending[0][0]
    if merge:
        # Records equal to what is stored are left alone: a second import writes nothing.
        raw_keys = [tuple(record[name] for name in section.key_fields) for _, _, _, record in pending]
        stored = {tuple(record[name] for name in section.key_fields): record for record in section.export(raw_keys)}
        pending = [
            item
            for item, raw_key in zip(pending, raw_keys, strict=True)
            if stored.get(raw_key) != {k: v for k, v in item[3].items() if k != "kind"}
        ]
    if pending:
        section.restore([value for _, _, value, _ in pending])
    result.written[section.kind] = result.written.get(section.kind, 0) + len(pending)


def _refuse_content():
    found = [(what, model.objects.count()) for what, model in _CONTENT]
    found = [f"{count:,} {what}" for what, count in found if count]
    if found:
        raise BackupError(
            f"the database is not empty (it holds {', '.join(found)}): a backup restores into an empty "
            "database. Restore into a new one, or pass --merge to write the file's records over the stored "
            "ones with the same keys and keep the rest."
        )


def _records(path):
    """(section, key, value, record) for every record of the file, each checked; BackupError at the first bad one."""
    known = defaultdict(set)
    order = [section.kind for section in SECTIONS]
    current = 0  # index in `order` of the section being read
    counts = dict.fromkeys(order, 0)
    ended, number = False, 0
    with open_backup(path) as file:
        for number, line in enumerate(_lines(file), start=1):
            record = decode(line, number=number)
            if number == 1:
                _check_header(record)
                continue
            if ended:
                raise BackupError(f"line {number}: records after the end line")
            kind = record.get("kind")
            if kind == "end":
                _check_end(record, counts, number=number)
                ended = True
                continue
            section = _BY_KIND.get(kind)
            if section is None:
                raise BackupError(f"line {number}: unknown kind {kind!r} (expected one of {', '.join(order)})")
            if order.index(kind) < current:
                raise BackupError(
                    f"line {number} ({section.label(record)}): a {kind} after the {order[current]} records; "
                    f"the file's sections go {', '.join(order)}"
                )
            current = order.index(kind)
            try:
                key, value = section.load(record, known)
            except BackupError as error:
                raise BackupError(f"line {number} ({section.label(record)}): {error}") from None
            counts[kind] += 1
            yield section, key, value, record
    if number == 0:
        raise BackupError("the file is empty: not a Hot Papers backup")
    if not ended:
        raise BackupError("the file stops before its end line: it was cut short (a partial copy or a full disk?)")


def _lines(file):
    """The file's lines; a damaged or cut gzip stream is a BackupError like any other bad file."""
    lines = iter(file)
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except (EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise BackupError(f"the gzip stream is damaged or cut short ({error})") from None
        yield line


def _check_header(record):
    if record.get("format") != FORMAT:
        raise BackupError(f'line 1: not a Hot Papers backup (its first line should say "format": {FORMAT!r})')
    version = record.get("version")
    if version != VERSION:
        raise BackupError(
            f"line 1: the file is backup format version {version!r}; this Hot Papers reads version {VERSION}"
        )


def _check_end(record, counts, *, number):
    stated = record.get("counts")
    if not isinstance(stated, dict):
        raise BackupError(f"line {number}: the end line has no 'counts'")
    for kind, count in counts.items():
        if stated.get(kind, 0) != count:
            raise BackupError(
                f"line {number}: the end line counts {stated.get(kind, 0)} {kind} records, the file holds {count}"
            )
