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


def group(width: int = 1600, height: int = 900) -> Image.Image:
    """A group photo made from the two shipped portraits: seven people in three rows on a wall, faces from
    about 200 px (front) down to about 36 px (back, as a crowd's far heads are), some mirrored. Each person
    is a head-and-shoulders cut-out blended in with a soft edge, so there are no pasted rectangles.

    Faces, largest first: two of 200-250 px in front, three of 70-100 px behind, two of about 40 px at the back.
    """
    import numpy as np
    from PIL import ImageDraw, ImageFilter, ImageOps

    rng = np.random.default_rng(7)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    wall = np.array([196, 186, 170], np.float32) + np.array([-70, -72, -66], np.float32) * ramp
    wall = wall + rng.normal(0, 4, (height, width, 1)).astype(np.float32)
    canvas = Image.fromarray(np.clip(np.broadcast_to(wall, (height, width, 3)), 0, 255).astype(np.uint8))
    # each portrait, its head-and-shoulders crop and its face's width as a share of the portrait's width
    people = {"hopper": (portrait(), (0.1, 0.12, 0.9, 1.0), 0.36), "collins": (astronaut(), (0.2, 0.0, 0.7, 0.5), 0.18)}
    # (who, mirrored, face width relative to the canvas width, centre x, top y): back row first
    cast = (("collins", False, 0.0225, 0.30, 0.14), ("hopper", True, 0.0225, 0.70, 0.15),
            ("hopper", False, 0.05, 0.16, 0.26), ("collins", True, 0.055, 0.50, 0.24),
            ("collins", False, 0.045, 0.84, 0.27),
            ("hopper", False, 0.125, 0.30, 0.40), ("collins", False, 0.125, 0.72, 0.38))
    for who, mirrored, face, cx, top in cast:
        image, crop, share = people[who]
        left, top_, right, bottom = crop
        person = image.crop((round(left * image.width), round(top_ * image.height), round(right * image.width),
                             round(bottom * image.height)))
        if mirrored:
            person = ImageOps.mirror(person)
        scale = face * width / (share * image.width)
        person = person.resize((max(1, round(person.width * scale)), max(1, round(person.height * scale))),
                               Image.Resampling.LANCZOS)
        mask = Image.new("L", person.size, 0)
        inset = person.width / 12
        ImageDraw.Draw(mask).ellipse((inset, inset, person.width - inset, person.height * 1.6), fill=255)
        mask = mask.filter(ImageFilter.GaussianBlur(max(1.0, person.width / 20)))
        canvas.paste(person, (round(cx * width - person.width / 2), round(top * height)), mask)
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
