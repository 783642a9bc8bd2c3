"""Image checks: sniffing by magic bytes, size and pixel caps, safe decoding, PNG encoding."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image

from gp_widgets.api.uploads import sniff
from gp_widgets.imaging import upright_size

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000

PNG = "image/png"


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


def inspect_upload(data: bytes) -> ImageInfo:
    """Validate an upload fully (type, caps, a complete decode) or raise ImageRejected."""
    if not data:
        raise ImageRejected(415, "invalid_image")
    if len(data) > MAX_BYTES:
        raise ImageRejected(413, "image_too_large")
    kind = sniff(data)
    if kind is None:
        raise ImageRejected(415, "unsupported_image")
    content_type = kind[0]
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
                width, height = upright_size(img)  # as the faces and edits see it
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected(413, "image_too_large") from None
        except Exception:  # PIL raises many types for corrupt or truncated files
            raise ImageRejected(415, "invalid_image") from None
    return ImageInfo(content_type, width, height)


def encode_png(rgb: np.ndarray) -> bytes:
    """Deterministic PNG bytes for an HxWx3 uint8 array."""
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
