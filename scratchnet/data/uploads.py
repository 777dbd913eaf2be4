"""Uploaded bytes to text, or one sentence saying why not.

Uploads come from strangers: a spreadsheet in the wrong encoding, a photo picked by mistake,
a file far too large. `read_text` turns any upload form into text or raises `DataError`, whose
message says what is wrong and what is accepted. The parsers built on it (points_csv.py,
run_file.py) raise nothing else, so a page keeps its data and run with a single `except DataError`.
"""

from __future__ import annotations

from typing import BinaryIO, TextIO

Source = bytes | bytearray | memoryview | str | BinaryIO | TextIO


class DataError(ValueError):
    """Bad user input; `str()` is one sentence saying what is wrong and what is accepted."""


_SIGNATURES = (  # binary formats people upload by mistake, named so the message can say which
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_text(data: Source, max_bytes: int, expected: str) -> str:
    """Any upload form to str, rejecting big, binary and non-UTF-8 input before any parsing.

    `expected` completes the messages ("upload {expected}"). A stream is read only up to
    max_bytes + 1, so a huge upload costs no more than the limit.
    """
    if hasattr(data, "read"):
        data = _read_limited(data, max_bytes)
    if isinstance(data, str):
        return _checked_str(data, max_bytes, expected)
    if isinstance(data, (bytes, bytearray, memoryview)):
        view = memoryview(data)
        if view.nbytes > max_bytes:
            raise _too_large(max_bytes, expected)
        return _decoded(view.tobytes(), expected)
    raise DataError(f"Expected the contents of a file (bytes or text), got {type(data).__name__}; "
                    f"upload {expected}.")


def quote(text: str, limit: int = 24) -> str:
    """A cell quoted for a message: short, one line, control characters escaped by repr."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def one_line(text: str) -> str:
    """A library's message squeezed into part of one of ours."""
    return " ".join(text.split())[:80]


def _read_limited(stream: BinaryIO | TextIO, max_bytes: int) -> bytes | str:
    try:
        return stream.read(max_bytes + 1)
    except (OSError, ValueError, TypeError) as err:
        raise DataError(f"The file could not be read ({type(err).__name__}); upload it again.") from None


def _too_large(max_bytes: int, expected: str) -> DataError:
    return DataError(f"The file is larger than {_size_text(max_bytes)}, the most accepted; upload {expected}.")


def _size_text(n: int) -> str:
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def _checked_str(text: str, max_bytes: int, expected: str) -> str:
    # characters never outnumber UTF-8 bytes, so the cheap length test rejects huge text first
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise _too_large(max_bytes, expected)
    if "\x00" in text:
        raise _binary_error(expected)
    return text.removeprefix("\ufeff")


def _decoded(raw: bytes, expected: str) -> str:
    if raw.startswith(_UTF16_BOMS):
        raise DataError(f"The file is UTF-16 text, not UTF-8; save it as UTF-8 (in Excel: 'CSV UTF-8') "
                        f"and upload {expected}.")
    for signature, what in _SIGNATURES:
        if raw.startswith(signature):
            raise DataError(f"The file is {what}, not text; upload {expected}.")
    if b"\x00" in raw:
        raise _binary_error(expected)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise DataError(f"The file is not UTF-8 text (byte 0x{raw[err.start]:02x} on line {line}, at offset "
                        f"{err.start}, is not valid UTF-8); save it as UTF-8 (in Excel: 'CSV UTF-8') and upload "
                        f"{expected}.") from None


def _binary_error(expected: str) -> DataError:
    return DataError(f"The file contains NUL bytes, so it is binary (or UTF-16) rather than UTF-8 text; "
                     f"upload {expected}.")
