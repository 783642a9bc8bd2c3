"""Turning what a user has (path, bytes, file, PIL image, array) into an upload body."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from .errors import InvalidInputError

__all__ = ["Photo", "UploadFile", "to_upload", "sniff"]

Photo = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, Any]

_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
}
_OTHER = {b"GIF8": "a GIF", b"RIFF": "a RIFF/WebP file", b"BM": "a BMP", b"II*\x00": "a TIFF", b"MM\x00*": "a TIFF",
          b"%PDF": "a PDF"}


@dataclass(frozen=True)
class UploadFile:
    filename: str
    content: bytes
    content_type: str


def sniff(data: bytes) -> tuple[str, str] | None:
    """``(content_type, extension)`` for PNG or JPEG bytes, judged by content; else None."""
    for magic, kind in _SIGNATURES.items():
        if data.startswith(magic):
            return kind
    return None


def _describe(data: bytes) -> str:
    """What the bytes are, to finish the sentence "this one is …"."""
    if not data:
        return "empty"
    return next((name for magic, name in _OTHER.items() if data.startswith(magic)), "in an unrecognised format")


def _encode_png(image: Any) -> bytes:
    from PIL import Image

    if not isinstance(image, Image.Image):
        import numpy as np

        array = np.asarray(image)
        if array.dtype.kind == "f":
            array = (np.clip(array, 0.0, 1.0) * 255).round().astype(np.uint8)
        if array.dtype != np.uint8 or array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
            raise InvalidInputError(
                "an array photo must be uint8 (or float in [0, 1]) of shape HxW, HxWx3 or HxWx4, "
                f"got {array.dtype} {array.shape}"
            )
        image = Image.fromarray(array)
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def to_upload(photo: Photo, filename: str | None = None) -> UploadFile:
    """Read or encode ``photo``; anything that is not PNG/JPEG is refused before sending."""
    name = filename
    if isinstance(photo, (str, os.PathLike)):
        path = Path(photo)
        if not path.is_file():
            raise InvalidInputError(f"no such file: {path}")
        data, name = path.read_bytes(), name or path.name
    elif isinstance(photo, (bytes, bytearray, memoryview)):
        data = bytes(photo)
    elif hasattr(photo, "read"):
        data = photo.read()
        if not isinstance(data, bytes):
            raise InvalidInputError("file objects must be opened in binary mode ('rb')")
        name = name or Path(str(getattr(photo, "name", "") or "")).name or None
    elif type(photo).__module__.startswith(("PIL.", "numpy")):
        data = _encode_png(photo)
    else:
        raise InvalidInputError(
            f"cannot upload a {type(photo).__name__}: give a path, bytes, a binary file, a PIL image or a numpy array"
        )
    kind = sniff(data)
    if kind is None:
        raise InvalidInputError(f"only PNG and JPEG photos can be uploaded; this one is {_describe(data)}")
    content_type, ext = kind
    return UploadFile(filename=name or f"photo.{ext}", content=data, content_type=content_type)
