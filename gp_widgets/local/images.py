"""Image checks: sniffing by magic bytes, size and pixel caps, safe decoding, PNG encoding."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000

PNG, JPEG = "image/png", "image/jpeg"
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))


class ImageRejected(Exception):
    """An upload refused with an HTTP status and an API error code."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status, self.code = status, code


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    """The content type from the leading bytes: PNG, JPEG or None."""
    for magic, content_type in _SIGNATURES:
        if data.startswith(magic):
            return content_type
    return None


def inspect_upload(data: bytes) -> ImageInfo:
    """Validate an upload fully (type, caps, a complete decode) or raise ImageRejected."""
    if not data:
        raise ImageRejected(415, "invalid_image")
    if len(data) > MAX_BYTES:
        raise ImageRejected(413, "image_too_large")
    content_type = sniff(data)
    if content_type is None:
        raise ImageRejected(415, "unsupported_image")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=["PNG" if content_type == PNG else "JPEG"]) as img:
                width, height = img.size  # header only; nothing decoded yet
                if width < 1 or height < 1:
                    raise ImageRejected(415, "invalid_image")
                if width * height > MAX_PIXELS:
                    raise ImageRejected(413, "image_too_large")
                img.load()
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected(413, "image_too_large") from None
        except Exception:  # PIL raises many types for corrupt or truncated files
            raise ImageRejected(415, "invalid_image") from None
    return ImageInfo(content_type, width, height)


def decode_rgb(data: bytes) -> np.ndarray:
    """Decode stored (already validated) bytes to an HxWx3 uint8 array, EXIF rotation ignored."""
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def encode_png(rgb: np.ndarray) -> bytes:
    """Deterministic PNG bytes for an HxWx3 uint8 array."""
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
