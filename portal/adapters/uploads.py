"""Checking an uploaded proof of participation hours: a phone photo (JPEG/PNG) or a PDF (such as a
signed attendance sheet).

`inspect_upload` either returns a `CheckedFile` that is safe to store and to show to staff, or
raises `UploadRejected` with a short code that the web layer translates next to the field.

- The type is decided by the content (magic bytes), never by the file name or the declared type.
- Images are fully decoded and re-encoded: what we keep holds pixels only (no EXIF, GPS, XMP,
  comments, text chunks or ICC profile), upright, and at most `DOWNSCALE_TO` pixels on a side.
- PDFs are kept byte for byte, but only when pypdf can read them, they are not encrypted and they
  hold no active content (JavaScript, XFA forms, launch, link, submit and import actions, remote
  go-tos, media, embedded files, additional actions).
- The original file name is only ever shown (`display_name`), never used as a path.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow and pypdf are imported when a file is checked (a faster start-up)
    from PIL import Image
    from pypdf import PdfReader

# Content type → the extension we store it under.
ALLOWED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

# Extensions a file name may end in (the content must still be one of ALLOWED).
ALLOWED_NAME_EXTENSIONS = frozenset({".pdf", ".jpg", ".jpeg", ".png"})

MAX_NAME_BYTES = 255
DISPLAY_NAME_CHARS = 120
# Phones make 12 MP photos; 3000 px on the longer side keeps a sheet readable but light.
DOWNSCALE_TO = 3000
JPEG_QUALITY = 85
# Upper bound on the PDF dictionaries/arrays walked when looking for active content: far above
# any real attendance sheet or scan, low enough that a crafted file cannot keep us busy.
MAX_PDF_NODES = 200_000

_PDF_MAGIC = b"%PDF-"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Bidirectional controls: they can make "gpj.exe" display as "exe.jpg".
_BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
# Cc: control characters (NUL, newline, …). Zl/Zp: line and paragraph separators, which break a
# displayed line like a newline does. Cs: lone surrogates (cannot be encoded, never a real name).
_BAD_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")

# PDF names that mean active content, as dictionary keys: /JS (the code of an action), /AA
# (additional actions: on open, on page view, on a form field…), /JavaScript and /EmbeddedFiles
# (in the /Names tree), /EF (the file inside a file specification), /XFA (an XML form, which
# carries its own scripts), /URI (a link action's target, or the document's base URI) …
_PDF_ACTIVE_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/RichMedia",
        "/XFA",
        "/URI",
    }
)
# … and as values: action types that run code, open or send something elsewhere, or play media
# (/S /JavaScript, /S /Launch, /S /URI, /S /SubmitForm, /S /ImportData, /S /GoToR, /S /GoToE,
# /S /Rendition, /Type /EmbeddedFile, /Subtype /RichMedia, /Sound, /Movie). An /OpenAction that
# is such an action is caught here; one that is a plain destination is fine.
_PDF_ACTIVE_VALUES = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/RichMedia",
        "/URI",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/Rendition",
        "/Sound",
        "/Movie",
    }
)
# Safety net over the raw bytes, for objects the walk above does not reach (e.g. not linked from
# the catalog but found by a lenient viewer). A name ends at whitespace or a delimiter, so that
# e.g. Apple's harmless /AAPL:Keywords does not count as /AA.
_PDF_ACTIVE_BYTES = re.compile(
    rb"/(?:JS|JavaScript|AA|Launch|EmbeddedFiles?|RichMedia|XFA|URI|SubmitForm|ImportData"
    rb"|GoToR|GoToE|Rendition)(?=[\s\x00()<>\[\]{}/%]|\Z)"
)


@dataclass(frozen=True)
class CheckedFile:
    data: bytes  # images: re-encoded without any metadata; PDF: the original bytes
    content_type: str  # decided by content: application/pdf | image/jpeg | image/png
    extension: str  # ".pdf" | ".jpg" | ".png" (from the content)
    display_name: str  # the original name, only for display (never a path)
    size: int  # len(data)
    sha256: str  # hex of data


class UploadRejected(Exception):
    """The upload is refused; `code` says why (see the module functions for the codes)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def inspect_upload(
    data: bytes,
    filename: str,
    declared_type: str | None,
    *,
    max_bytes: int,
    max_pixels: int = 40_000_000,
    max_side: int = 12_000,
) -> CheckedFile:
    """Check an upload and return what may be stored, or raise UploadRejected.

    Codes, in the order they are checked: file_empty, file_too_large, file_name_long,
    file_name_chars, file_name_path, file_name_extension, file_type, then per type
    file_corrupt / file_pixels (images) or file_corrupt / file_pdf_encrypted / file_pdf_active.

    `declared_type` (the browser's Content-Type for the part) is deliberately ignored: the
    content decides, so a .jpg name with PNG content is accepted as PNG.
    """
    del declared_type  # never trusted; kept in the signature so callers pass what they have
    if not data:
        raise UploadRejected("file_empty")
    if len(data) > max_bytes:
        raise UploadRejected("file_too_large")
    _check_name(filename)

    content_type = _sniff(data)
    if content_type is None:
        raise UploadRejected("file_type")
    if content_type == "application/pdf":
        _check_pdf(data)
        stored = data
    else:
        stored = _clean_image(data, content_type, max_pixels=max_pixels, max_side=max_side)

    return CheckedFile(
        data=stored,
        content_type=content_type,
        extension=ALLOWED[content_type],
        display_name=display_name(filename),
        size=len(stored),
        sha256=hashlib.sha256(stored).hexdigest(),
    )


def display_name(filename: str) -> str:
    """A version of the original name that is safe to show: NFC, trimmed, at most
    DISPLAY_NAME_CHARS characters, the extension kept when shortening."""
    name = unicodedata.normalize("NFC", filename)
    # Normally only called after the checks passed; drop such characters anyway, to be safe.
    name = "".join(c for c in name if not _is_bad_char(c)).strip()
    if len(name) <= DISPLAY_NAME_CHARS:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) + 2 > DISPLAY_NAME_CHARS:
        return name[: DISPLAY_NAME_CHARS - 1] + "…"
    keep = DISPLAY_NAME_CHARS - len(ext) - 2  # room for "…" and "."
    return stem[:keep].rstrip() + "…." + ext


def harmless_name(filename: str, limit: int = 60) -> str:
    """A refused file's name, made harmless to echo next to its error (control and direction
    characters dropped, the end kept, where the extension is); "?" when nothing is left."""
    cleaned = "".join(c for c in filename if c.isprintable() and not _is_bad_char(c))
    return cleaned[-limit:] or "?"


# ------------------------------------------------------------------------------------ names


def _is_bad_char(c: str) -> bool:
    return c in _BIDI_CONTROLS or unicodedata.category(c) in _BAD_CATEGORIES


def _check_name(filename: str) -> None:
    # surrogatepass: a lone surrogate must not crash the length check (it is refused just below).
    if len(filename.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise UploadRejected("file_name_long")
    if any(_is_bad_char(c) for c in filename):
        raise UploadRejected("file_name_chars")
    if (
        "/" in filename
        or "\\" in filename
        or ".." in re.split(r"[/\\]", filename)
        or _WINDOWS_DRIVE.match(filename)  # C:\x and the drive-relative C:x
    ):
        raise UploadRejected("file_name_path")
    if _last_extension(filename) not in ALLOWED_NAME_EXTENSIONS:
        raise UploadRejected("file_name_extension")


def _last_extension(filename: str) -> str:
    """ ".pdf" for "Scan.PDF", ".exe" for "scan.pdf.exe", "" without a dot. Surrounding spaces
    are ignored ("scan.pdf " counts as .pdf: display_name trims them)."""
    _, dot, ext = filename.strip().rpartition(".")
    return "." + ext.lower() if dot else ""


# ------------------------------------------------------------------------------------- type


def _sniff(data: bytes) -> str | None:
    if data.startswith(_PDF_MAGIC):
        return "application/pdf"
    if data.startswith(_JPEG_MAGIC):
        return "image/jpeg"
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    return None


# ----------------------------------------------------------------------------------- images


def _clean_image(data: bytes, content_type: str, *, max_pixels: int, max_side: int) -> bytes:
    from PIL import Image

    fmt = "JPEG" if content_type == "image/jpeg" else "PNG"
    try:
        # Only the plugin the magic bytes chose: Pillow must not guess another format.
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            # Image.open only read the header: refuse huge images before decoding anything.
            width, height = image.size
            if width > max_side or height > max_side or width * height > max_pixels:
                raise UploadRejected("file_pixels")
            image.load()  # the full decode: raises on truncated or broken data
            return _reencode(image, fmt)
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own limit, checked inside Image.open. The warning is only raised when warnings
        # are errors (as under pytest); otherwise Pillow just logs it and our check above refuses.
        raise UploadRejected("file_pixels") from exc
    except Exception as exc:  # Pillow raises many types (OSError, ValueError, SyntaxError, …)
        raise UploadRejected("file_corrupt") from exc


def _reencode(image: Image.Image, fmt: str) -> bytes:
    from PIL import Image, ImageOps

    try:
        # Turn the pixels the way the phone's EXIF orientation says, so the photo stays upright.
        upright = ImageOps.exif_transpose(image)
    except Exception:  # unreadable EXIF: the pixels decoded fine, keep them as they are
        upright = image.copy()

    clean = upright.convert("RGB") if fmt == "JPEG" else _png_mode(upright)
    if max(clean.size) > DOWNSCALE_TO:
        if clean.mode == "1":
            clean = clean.convert("L")  # Pillow resizes 1-bit images without smoothing
        clean.thumbnail((DOWNSCALE_TO, DOWNSCALE_TO), Image.Resampling.LANCZOS)

    # Drop every piece of metadata carried along from the original (exif, xmp, comment, icc,
    # text chunks, dpi, …): the encoders read some of them from .info when saving.
    clean.info = {}
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return out.getvalue()


def _png_mode(image: Image.Image) -> Image.Image:
    """Keep the PNG's own mode where PNG can store it; palette and transparency-key images become
    RGBA (or RGB), so that transparency survives losing .info and downscaling stays smooth."""
    if "transparency" in image.info or image.mode == "PA":
        return image.convert("RGBA")
    if image.mode == "P":
        return image.convert("RGB")
    if image.mode in {"1", "L", "LA", "RGB", "RGBA", "I", "I;16"}:
        return image
    return image.convert("RGBA")


# ------------------------------------------------------------------------------------- PDFs


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadRejected("file_pdf_encrypted")
        if len(reader.pages) == 0:
            raise UploadRejected("file_corrupt")
        active = _pdf_has_active_content(reader)
    except UploadRejected:
        raise
    except Exception as exc:  # pypdf raises many types on broken input, not only PdfReadError
        raise UploadRejected("file_corrupt") from exc
    if active or _PDF_ACTIVE_BYTES.search(data):
        raise UploadRejected("file_pdf_active")


def _pdf_has_active_content(reader: PdfReader) -> bool:
    """Walk every dictionary and array reachable from the document catalog (names tree, pages,
    annotations, form fields, outlines, …) looking for active-content names. pypdf resolves
    object streams and #-escaped names (/J#53 is /JS), which a byte search would miss."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    stack: list[object] = [reader.trailer.raw_get("/Root")]
    seen: set[tuple[int, int]] = set()
    nodes = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # stream dictionaries too (stream data is skipped)
            nodes += 1
            # dict.items gives the raw values: references stay references, so `seen` works.
            for key, value in dict.items(obj):
                if key in _PDF_ACTIVE_KEYS:
                    return True
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            nodes += 1
            stack.extend(obj)  # list iteration: raw values, references stay references
        elif isinstance(obj, NameObject) and obj in _PDF_ACTIVE_VALUES:
            return True
        if nodes > MAX_PDF_NODES:
            raise UploadRejected("file_corrupt")  # too complex to check: not a proof we accept
    return False
