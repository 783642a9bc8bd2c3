"""Pure image helpers for what goes to the browser: fit, downscale, compress (no I/O, no loop)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

__all__ = ["Encoded", "fit_size", "to_rgb", "encode_for_browser", "PHOTO_MAX_SIDE", "THUMB_MAX_SIDE"]

PHOTO_MAX_SIDE = 768
THUMB_MAX_SIDE = 160


@dataclass(frozen=True)
class Encoded:
    """Compressed bytes ready for an ``ipywidgets.Image``, with their format and pixel size."""

    data: bytes
    format: str
    width: int
    height: int


def fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size that fits ``max_side`` keeping the aspect ratio (never upscales)."""
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def to_rgb(image: Image.Image) -> Image.Image:
    """Upright RGB (EXIF orientation applied, alpha flattened on white)."""
    image = ImageOps.exif_transpose(image)
    if image.mode == "RGB":
        return image
    if "A" in image.getbands() or image.mode == "P":
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def encode_for_browser(image: Image.Image, max_side: int = PHOTO_MAX_SIDE, quality: int = 85) -> Encoded:
    """Downscale to ``max_side`` and compress as JPEG: what a canvas or thumbnail needs, sent once."""
    rgb = to_rgb(image)
    size = fit_size(*rgb.size, max_side)
    if size != rgb.size:
        rgb = rgb.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return Encoded(out.getvalue(), "jpeg", *size)
