"""Every error the sources raise survives pickling as itself, with its fields: Celery's retries and results
carry exceptions pickled, and one that cannot be rebuilt is replaced by its nearest picklable base class."""

import pickle
from datetime import UTC, datetime

import pytest
from celery.exceptions import Retry
from celery.utils.serialization import get_pickleable_exception

from papers.sources.arxiv import (
    ArxivApiError,
    ArxivHttpError,
    ArxivParseError,
    ArxivUnavailable,
    InvalidArxivId,
    OaiError,
)
from papers.sources.dumps import DumpError
from papers.sources.posts import (
    AuthError,
    PostParseError,
    RateLimited,
    SourceHttpError,
    SourceUnavailable,
)
from papers.sources.x import StaleWatermark

RESET = datetime(2022, 1, 14, 11, 30, tzinfo=UTC)
ERRORS = [
    RateLimited("api.x.com is rate-limiting us (HTTP 429)", reset_at=RESET, retry_after=720.0),
    SourceUnavailable("hn.algolia.com gave no usable answer", retry_after=3.0),
    SourceHttpError(404, "https://publish.twitter.com/oembed", data={"error": "gone"}, body=b"{}", detail="gone"),
    AuthError(401, "https://api.x.com/2/tweets", detail="Unauthorized"),
    PostParseError("no created_at", where="data[3]"),
    StaleWatermark("1300000000000000000", "X refused since_id 1300000000000000000"),
    DumpError("not JSON", name="flat.jsonl", where="line 3"),
    ArxivUnavailable("arXiv gave no usable answer", retry_after=120.0),
    ArxivHttpError(404, "https://export.arxiv.org/api/query", b"<html>not here</html>"),
    ArxivApiError("malformed id", bad_id="2201.0418x"),
    ArxivParseError("an empty page"),
    OaiError("badResumptionToken", "expired"),
    InvalidArxivId(["not-an-id", "2201.x"]),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__)
def test_an_error_comes_back_from_pickle_as_itself_with_its_fields(error):
    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is type(error) and copy.args == error.args and str(copy) == str(error)
    assert vars(copy) == vars(error)
    assert get_pickleable_exception(error) is error  # what Celery does with an exception it carries


def test_a_celery_retry_carries_the_rate_limit_itself_with_its_reset_time():
    limited = ERRORS[0]

    retry = Retry(exc=limited, when=720)

    assert retry.exc is limited and retry.exc.reset_at == RESET and retry.exc.retry_after == 720.0
