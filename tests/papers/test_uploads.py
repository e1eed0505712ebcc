"""Uploads refused past a size while the body is read (papers.uploads), before anything is stored."""

import pytest
from django.core.files.uploadhandler import StopUpload

from papers.uploads import MULTIPART_SLACK, UploadLimit


def test_an_upload_longer_than_the_limit_is_refused_at_its_file(rf):
    request = rf.post("/")
    handler = UploadLimit(request, max_bytes=10)
    handler.handle_raw_input(None, {}, 10 + MULTIPART_SLACK + 1, b"boundary")

    with pytest.raises(StopUpload) as stopped:
        handler.new_file("file", "huge.json", "application/json", None)

    assert stopped.value.connection_reset is False  # the editor gets the form back, not a reset connection
    assert request.upload_refused == {"name": "huge.json", "bytes": 10 + MULTIPART_SLACK + 1}


def test_the_limit_also_holds_for_a_body_longer_than_it_said(rf):
    request = rf.post("/")
    handler = UploadLimit(request, max_bytes=10)
    handler.handle_raw_input(None, {}, 5, b"boundary")
    handler.new_file("file", "liar.json", "application/json", None)

    assert handler.receive_data_chunk(b"123456", 0) == b"123456"
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"789012", 6)

    assert request.upload_refused == {"name": "liar.json", "bytes": 12}


def test_an_upload_within_the_limit_passes_through(rf):
    request = rf.post("/")
    handler = UploadLimit(request, max_bytes=10)
    handler.handle_raw_input(None, {}, 200, b"boundary")
    handler.new_file("file", "small.json", "application/json", None)

    assert handler.receive_data_chunk(b"0123456789", 0) == b"0123456789"
    assert handler.file_complete(10) is None  # the next handler makes the file
    assert not hasattr(request, "upload_refused")
