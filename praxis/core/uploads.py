"""Checking an uploaded file before it is stored: its size, and its type decided by its content.

One definition for every upload of personal or practice data — support attachments now, the notes app's
files next (issue 8, R-DOC-4). The name and the `Content-Type` a browser sends are the uploader's claims;
what counts is what the bytes are (`filetype` reads the signature; plain text is UTF-8 without NUL bytes).
A file that is none of the allowed types, or too large, is refused with a message and never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import filetype
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .errors import ServiceError

# type → (content type served, extension given to downloads)
ALLOWED = {
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "jpeg": ("image/jpeg", "jpg"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "txt": ("text/plain; charset=utf-8", "txt"),
}
_BY_MIME = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg",
            ALLOWED["docx"][0]: "docx", ALLOWED["xlsx"][0]: "xlsx"}
HEAD = 8192  # enough of the file for every signature above (a zip's first entry names a docx/xlsx)


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    content_type: str
    extension: str
    size: int
    name: str  # the uploaded name, cut to its last path part and 200 characters: shown, never a path


def _kind_of(head: bytes) -> str | None:
    guess = filetype.guess(head)
    if guess is not None:
        return _BY_MIME.get(guess.mime)
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end of the head is fine
        if exc.start < len(head) - 4:
            return None
    return "txt"


def check_upload(upload: Any, *, max_bytes: int, allowed: tuple[str, ...] = tuple(ALLOWED)) -> CheckedUpload:
    """Raise `ServiceError` unless `upload` (a Django `UploadedFile` or any file with `size` and `read`)
    is at most `max_bytes` and its content one of `allowed`."""
    name = str(getattr(upload, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    size = getattr(upload, "size", None)
    if size is None or size > max_bytes:
        raise ServiceError("file_too_large", _("%(name)s is larger than %(limit)s.")
                           % {"name": name, "limit": filesizeformat(max_bytes)}, field="attachments")
    if size == 0:
        raise ServiceError("file_empty", _("%(name)s is empty.") % {"name": name}, field="attachments")
    upload.seek(0)
    head = upload.read(HEAD)
    upload.seek(0)
    kind = _kind_of(head)
    if kind is None or kind not in allowed:
        raise ServiceError(
            "file_type", _("%(name)s is not a file type we accept (PDF, PNG, JPEG, Word, Excel or text).")
            % {"name": name}, field="attachments")
    content_type, extension = ALLOWED[kind]
    return CheckedUpload(kind=kind, content_type=content_type, extension=extension, size=size, name=name)
