"""File uploads refused once they pass a size, while the request body is read.

Django streams every uploaded file to memory or a temporary file before a view sees it, however
big. UploadLimit stops storing an upload past max_bytes (checked against the request's length
first, then as the bytes arrive) and notes it on request.upload_refused ({"name": the file's
name, "bytes": how many it had or sent}), so the form can say why. limit_upload(view,
max_bytes=...) installs it before anything reads the body and then checks the CSRF token, in the
order Django's documentation gives for upload handlers.
"""

from functools import wraps

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.views.decorators.csrf import csrf_exempt, csrf_protect

# A multipart body carries more than the file: boundaries, headers, the other fields.
MULTIPART_SLACK = 64 * 1024


class UploadLimit(FileUploadHandler):
    def __init__(self, request=None, *, max_bytes):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.request_length = 0
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length or 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.request_length > self.max_bytes + MULTIPART_SLACK:
            self._refuse(self.request_length)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self._refuse(self.received)
        return raw_data  # the next handler stores it

    def file_complete(self, file_size):
        return None  # the next handler makes the file

    def _refuse(self, size):
        self.request.upload_refused = {"name": self.file_name, "bytes": size}
        # Read the rest without keeping it, so the editor gets the form back with the reason
        # rather than a reset connection.
        raise StopUpload(connection_reset=False)


def limit_upload(view, *, max_bytes):
    """The view, refusing uploads bigger than max_bytes (request.upload_refused); CSRF still checked."""
    protected = csrf_protect(view)

    @csrf_exempt  # only until the upload handlers are in place: protected() checks the token
    @wraps(view)
    def limited(request, *args, **kwargs):
        request.upload_handlers.insert(0, UploadLimit(request, max_bytes=max_bytes))
        return protected(request, *args, **kwargs)

    return limited
