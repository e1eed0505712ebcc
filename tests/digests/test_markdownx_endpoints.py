"""The markdownx widget's endpoints, through the real URLs: only staff reach them, and uploads store images only."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

MARKDOWNIFY_URL = "/markdownx/markdownify/"
UPLOAD_URL = "/markdownx/upload/"
AJAX = {"x-requested-with": "XMLHttpRequest"}

pytestmark = pytest.mark.django_db


def image_bytes(image_format="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, image_format)
    return buffer.getvalue()


def png(name="chart.png"):
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("editor", password="unused", is_staff=True)


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("reader", password="unused")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media_root):
    return sorted(p.relative_to(media_root).as_posix() for p in media_root.rglob("*") if p.is_file())


# Who may call them.


@pytest.mark.parametrize("url", [MARKDOWNIFY_URL, UPLOAD_URL])
def test_anonymous_visitors_get_403(client, media_root, url):
    response = client.post(url, {"content": "hi", "image": png()}, headers=AJAX)

    assert response.status_code == 403
    assert stored_files(media_root) == []


@pytest.mark.parametrize("url", [MARKDOWNIFY_URL, UPLOAD_URL])
def test_logged_in_readers_who_are_not_staff_get_403(client, reader, media_root, url):
    client.force_login(reader)
    response = client.post(url, {"content": "hi", "image": png()}, headers=AJAX)

    assert response.status_code == 403
    assert stored_files(media_root) == []


def test_staff_get_the_preview(client, staff_user):
    client.force_login(staff_user)
    response = client.post(MARKDOWNIFY_URL, {"content": "*hi*"})

    assert response.status_code == 200
    assert response.content == b"<p><em>hi</em></p>"


def test_the_preview_only_answers_post(client, staff_user):
    client.force_login(staff_user)

    assert client.get(MARKDOWNIFY_URL, {"content": "*hi*"}).status_code == 405


# Uploads through the mounted endpoint.


def test_staff_upload_a_small_png_into_media_root(client, staff_user, media_root):
    client.force_login(staff_user)
    response = client.post(UPLOAD_URL, {"image": png()}, headers=AJAX)

    assert response.status_code == 200
    (stored,) = stored_files(media_root)
    assert stored.startswith("markdownx/") and stored.endswith(".png")
    assert response.json() == {"image_code": f"![](/media/{stored})"}
    with Image.open(media_root / stored) as image:
        assert image.format == "PNG"


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("notes.txt", b"just text", "text/plain"),
        ("page.html", b"<script>alert(1)</script>", "text/html"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
    ],
)
def test_staff_uploads_of_other_types_are_refused(client, staff_user, media_root, name, content, content_type):
    client.force_login(staff_user)
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    response = client.post(UPLOAD_URL, {"image": upload}, headers=AJAX)

    assert response.status_code == 400
    assert stored_files(media_root) == []


# Uploads that lie about what they are (markdownx alone trusts the declared type and name).


@pytest.fixture
def post_upload(client, staff_user):
    client.force_login(staff_user)

    def post(upload, *, ajax=True):
        return client.post(UPLOAD_URL, {"image": upload}, headers=AJAX if ajax else {})

    return post


def test_a_real_gif_is_accepted_as_gif(post_upload, media_root):
    response = post_upload(SimpleUploadedFile("anim.gif", image_bytes("GIF"), content_type="image/gif"))

    assert response.status_code == 200
    (stored,) = stored_files(media_root)
    assert stored.endswith(".gif")


def test_text_declared_as_png_is_refused(post_upload, media_root):
    response = post_upload(SimpleUploadedFile("chart.png", b"not an image at all", content_type="image/png"))

    assert response.status_code == 400
    assert stored_files(media_root) == []


def test_html_declared_as_gif_is_refused(post_upload, media_root):
    # markdownx stores GIFs byte for byte under the uploaded name's extension: this would be served as HTML.
    upload = SimpleUploadedFile("evil.html", b"<script>alert(document.cookie)</script>", content_type="image/gif")
    response = post_upload(upload)

    assert response.status_code == 400
    assert stored_files(media_root) == []


def test_a_real_image_named_html_is_stored_under_its_real_extension(post_upload, media_root):
    response = post_upload(SimpleUploadedFile("evil.html", image_bytes("PNG"), content_type="image/png"))

    assert response.status_code == 200
    (stored,) = stored_files(media_root)
    assert stored.endswith(".png")


def test_an_image_whose_content_does_not_match_its_declared_type_is_refused(post_upload, media_root):
    response = post_upload(SimpleUploadedFile("photo.jpg", image_bytes("PNG"), content_type="image/jpeg"))

    assert response.status_code == 400
    assert stored_files(media_root) == []


def test_a_refused_upload_without_the_ajax_header_is_a_400_not_a_crash(post_upload, media_root):
    response = post_upload(SimpleUploadedFile("notes.txt", b"text", content_type="text/plain"), ajax=False)

    assert response.status_code == 400
    assert json.loads(response.content) == {"__all__": ["File type is not supported."]}


def test_a_preview_request_without_content_is_a_400_not_a_crash(client, staff_user):
    client.force_login(staff_user)

    assert client.post(MARKDOWNIFY_URL, {}).status_code == 400
