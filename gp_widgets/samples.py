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


_CROPS = {"portrait": (None, (0.16, 0.08, 0.84, 0.78)),
          "astronaut": ((0.18, 0.0, 0.72, 0.5), (0.26, 0.04, 0.62, 0.4))}
"""Two framings (left, top, right, bottom, relative; None = whole) of each shipped portrait. The astronaut is
always cropped: at some scales dlib's detector also finds a face in the mission patch of the whole photo."""


def _variation(base: str, mirror: bool, scale: float, brightness: float, tight: bool) -> Image.Image:
    from PIL import ImageEnhance, ImageOps

    image = portrait() if base == "portrait" else astronaut()
    crop = _CROPS[base][tight]
    if crop is not None:
        left, top, right, bottom = crop
        image = image.crop((round(left * image.width), round(top * image.height),
                            round(right * image.width), round(bottom * image.height)))
    if mirror:
        image = ImageOps.mirror(image)
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    if brightness != 1.0:
        image = ImageEnhance.Brightness(image).enhance(brightness)
    return image


def corpus(n: int = 12) -> list[Image.Image]:
    """``n`` distinct test photos (at most 72) made from the two shipped portraits: crops, mirror images,
    rescalings and brightness changes; the two plain portraits first, then a fixed shuffle of the rest.

    Each has one frontal face that dlib's detector finds. It exercises a study's machinery; a real study
    brings its own folder of photos (two people are no sample of faces).
    """
    import itertools
    import random

    combos = list(itertools.product(("portrait", "astronaut"), (False, True), (1.0, 1.5, 1.2), (1.0, 0.8, 1.2),
                                    (False, True)))
    first, rest = combos[:1] + combos[36:37], combos[1:36] + combos[37:]
    random.Random(14).shuffle(rest)
    order = first + rest
    if not 0 < n <= len(order):
        raise ValueError(f"corpus() makes 1 to {len(order)} photos, asked for {n}")
    return [_variation(*combo) for combo in order[:n]]
