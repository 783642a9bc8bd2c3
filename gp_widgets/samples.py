"""Sample photos that ship inside installed packages (nothing is downloaded)."""

from __future__ import annotations

from PIL import Image


def portrait() -> Image.Image:
    """Grace Hopper, the public-domain portrait matplotlib ships (512x600, RGB)."""
    from matplotlib import cbook

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as image:
        return image.convert("RGB")


def astronaut() -> Image.Image:
    """Eileen Collins, the NASA portrait scikit-image ships (512x512, RGB)."""
    from skimage import data

    return Image.fromarray(data.astronaut()).convert("RGB")


def group(height: int = 360) -> Image.Image:
    """Two people side by side on one canvas, faces at similar sizes."""
    left = portrait()
    right = astronaut().crop((100, 0, 380, 300))  # the astronaut's head and shoulders
    left = left.resize((round(left.width * height / left.height), height), Image.Resampling.LANCZOS)
    right = right.resize((round(right.width * height / right.height), height), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (left.width + right.width, height), (255, 255, 255))
    canvas.paste(left, (0, 0))
    canvas.paste(right, (left.width, 0))
    return canvas
