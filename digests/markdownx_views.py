"""markdownx's two editor endpoints, hardened. Mount them behind staff_only (hotpapers_site/urls.py).

markdownx as shipped trusts the client: an upload's declared content type decides whether it
is an image, the uploaded name decides the stored file's extension, GIFs are stored byte for
byte, so "evil.html" declared as image/gif lands in MEDIA_ROOT as HTML. A missing preview
field is a 500. Here Pillow decides what an upload is, the stored name gets that format's
extension, and every failure is a 400 with a JSON body the widget can show.
"""

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from markdownx import forms as markdownx_forms
from markdownx import views as markdownx_views
from PIL import Image

from .html import render_markdown

# Pillow format name -> (content type, extension) for the raster formats editors may upload.
IMAGE_FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}


class ImageForm(markdownx_forms.ImageForm):
    def clean(self):
        upload = super().clean()  # declared content type and size, checked by markdownx
        image_format = self._detect_format(upload)
        content_type, extension = IMAGE_FORMATS[image_format]
        if content_type != upload.content_type:
            raise ValidationError("The file's content does not match its declared type.", code="type_mismatch")
        # markdownx names the stored file after the upload's extension; only ours may reach the disk.
        upload.name = f"image.{extension}"
        return upload

    @staticmethod
    def _detect_format(upload):
        try:
            upload.seek(0)
            with Image.open(upload) as image:
                image_format = image.format
                image.verify()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise ValidationError("The file is not an image.", code="not_an_image") from exc
        finally:
            upload.seek(0)
        if image_format not in IMAGE_FORMATS:
            raise ValidationError("This image format is not accepted.", code="unsupported_format")
        return image_format


class ImageUploadView(markdownx_views.ImageUploadView):
    """Always answers JSON: the stored image's Markdown on success, the errors with a 400 otherwise."""

    form_class = ImageForm

    def form_invalid(self, form):
        return JsonResponse(form.errors, status=400)

    def form_valid(self, form):
        return JsonResponse({"image_code": f"![]({form.save(commit=True)})"})


class MarkdownifyView(markdownx_views.MarkdownifyView):
    """The widget's live preview, rendered by the same sanitizing function as the pages."""

    def post(self, request, *args, **kwargs):
        content = request.POST.get("content")
        if content is None:
            return HttpResponseBadRequest("Missing 'content'.", content_type="text/plain")
        return HttpResponse(render_markdown(content))
