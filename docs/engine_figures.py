"""Render the engine's pictures for docs/engine.md: ``python docs/engine_figures.py`` (a minute or two).

engine-moves.png: age and smile at -4, -2, -1, 0, +1, +2, +4 on faces of about 250, 90 and 40 px;
engine-group.png: samples.group() with the engine's boxes; engine-curves.png: identity distance and the
smile measure against param, per move, on four faces.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from gp_widgets import samples  # noqa: E402
from gp_widgets.analysis import metrics  # noqa: E402
from gp_widgets.local.detect import detect_faces  # noqa: E402
from gp_widgets.local.edits import apply_edit  # noqa: E402

DOCS = Path(__file__).resolve().parent
PARAMS = (-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0)


def _box(face: dict[str, float]) -> tuple[float, float, float, float]:
    return (face["x"], face["y"], face["w"], face["h"])


def _crop(rgb: np.ndarray, box: tuple[float, float, float, float], px: int = 200) -> np.ndarray:
    h, w = rgb.shape[:2]
    x, y, bw, bh = box
    left, top = max(0, int((x - 0.25 * bw) * w)), max(0, int((y - 0.35 * bh) * h))
    right, bottom = min(w, int((x + 1.25 * bw) * w)), min(h, int((y + 1.2 * bh) * h))
    return np.asarray(Image.fromarray(rgb[top:bottom, left:right]).resize((px, px), Image.Resampling.LANCZOS))


def moves_figure() -> None:
    group = np.asarray(samples.group())
    faces = detect_faces(group)
    subjects = [(np.asarray(samples.portrait()), _box(detect_faces(np.asarray(samples.portrait()))[0]), "portrait"),
                (group, _box(faces[3]), f"group, {faces[3]['w'] * group.shape[1]:.0f} px face"),
                (group, _box(faces[-1]), f"group, {faces[-1]['w'] * group.shape[1]:.0f} px face")]
    fig = plt.figure(figsize=(len(PARAMS) * 1.6, 2 * len(subjects) * 1.7 + 0.3), dpi=100)
    blocks = fig.subfigures(2, 1, hspace=0.02)  # each move its own block, its titles above its rows
    for block, move in zip(blocks, ("age", "smile"), strict=True):
        axes = block.subplots(len(subjects), len(PARAMS))
        for r, (rgb, box, label) in enumerate(subjects):
            for c, p in enumerate(PARAMS):
                axes[r][c].imshow(_crop(apply_edit(rgb, box, move, p) if p else rgb, box))
                axes[r][c].set_xticks([])
                axes[r][c].set_yticks([])
                if r == 0:
                    axes[r][c].set_title(f"{move} {p:+g}", fontsize=9)
                if c == 0:
                    axes[r][c].set_ylabel(label, fontsize=7)
        block.subplots_adjust(left=0.03, right=0.995, bottom=0.01, top=0.93, wspace=0.03, hspace=0.06)
    fig.savefig(DOCS / "engine-moves.png")
    plt.close(fig)


def group_figure() -> None:
    img = samples.group()
    draw = ImageDraw.Draw(img)
    for i, f in enumerate(detect_faces(np.asarray(img))):
        x0, y0 = f["x"] * img.width, f["y"] * img.height
        draw.rectangle((x0, y0, x0 + f["w"] * img.width, y0 + f["h"] * img.height), outline=(255, 40, 40), width=3)
        draw.text((x0 + 2, y0 - 12), f"{i}: {f['w'] * img.width:.0f}px", fill=(255, 255, 255))
    img.resize((img.width // 2, img.height // 2), Image.Resampling.LANCZOS).save(DOCS / "engine-group.png")


def curves_figure() -> None:
    params = (-6.0, -4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0, 6.0)
    photos = samples.corpus(4)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), dpi=100)
    for i, img in enumerate(photos):
        rgb = np.asarray(img)
        box = _box(detect_faces(rgb)[0])
        for ax, move, metric in ((axes[0], "age", metrics.identity), (axes[1], "smile", metrics.identity),
                                 (axes[2], "smile", metrics.smile)):
            ps = params if ax is not axes[2] else tuple(p for p in params if abs(p) <= 3) + (-3.0, 3.0)
            ps = tuple(sorted(set(ps)))
            values = [0.0 if p == 0 else metrics.evaluate(metric, rgb, apply_edit(rgb, box, move, p), box).value
                      for p in ps]
            ax.plot(ps, values, marker="o", ms=3, label=f"face {i}")
    for ax, title in zip(axes, ("age: identity distance", "smile: identity distance", "smile: smile measure"),
                         strict=True):
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("param")
        ax.grid(alpha=0.3)
    for ax in axes[:2]:
        ax.axhline(0.6, color="k", lw=0.8, ls="--")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(DOCS / "engine-curves.png")
    plt.close(fig)


moves_figure()
group_figure()
curves_figure()
