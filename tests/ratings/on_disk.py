"""A study on disk without a service: pictures in a variant cache, records pointing at them."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from gp_widgets.api.constants import CellStatus
from gp_widgets.studies.study import Study, StudyPhoto
from gp_widgets.sweeps.records import CellRecord
from gp_widgets.sweeps.spec import Cell

PARAMS = (-1.0, 0.0, 1.0)


def _png(seed: int, param: float | None) -> bytes:
    rng = np.random.default_rng(seed)
    image = Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    draw = ImageDraw.Draw(image)
    mouth = 0 if param is None else int(param * 10)
    draw.ellipse((60, 30, 100, 90), fill=(220, 180, 150))
    draw.arc((68, 55 - mouth, 92, 75 + mouth), 0, 180, fill=(120, 0, 0), width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def make_study(root, photos: int = 3, params=PARAMS, prefix: str = "v", identity_slope: float = 0.4) -> Study:
    """A finished study of ``photos`` photos × smile × ``params`` whose pictures are in ``root``'s cache."""
    team = root / "127.0.0.1_1-abc" / "team-x"
    team.mkdir(parents=True, exist_ok=True)
    study_photos, records = [], []
    for p in range(photos):
        (team / f"doc{p}.bin").write_bytes(_png(p, None))
        study_photos.append(StudyPhoto(p, f"photo{p}.png", f"sha{p}", f"doc{p}", ((0.35, 0.2, 0.3, 0.6),), (0,)))
        for param in params:
            vid = f"{prefix}{p}_{param:g}"
            (team / f"{vid}.bin").write_bytes(_png(p, param))
            records.append(CellRecord(Cell(p, 0, "smile", param), CellStatus.complete, vid, seconds=1.0,
                                      metrics={"identity": identity_slope * abs(param) + 0.01 * p}))
    metrics = [{"name": "identity", "unit": "", "role": "identity", "higher_is_better": False}]
    return Study(("smile",), tuple(params), "largest", metrics, [f"photo{p}.png" for p in range(photos)],
                 study_photos, records, cache_dir=str(root))


def make_sweep(root, params=PARAMS):
    """A finished one-photo sweep of smile × ``params`` whose pictures (and original) are in ``root``'s cache."""
    from gp_widgets.runs.cache import VariantCache
    from gp_widgets.sweeps.records import SourceImage
    from gp_widgets.sweeps.result import SweepResult
    from gp_widgets.sweeps.spec import SweepSpec

    cache = VariantCache("http://127.0.0.1:1", "key", root)
    cache.put("doc9", _png(9, None))
    spec = SweepSpec(("smile",), tuple(params))
    records = []
    for cell in spec.cells:
        vid = f"sw_{cell.param:g}"
        cache.put(vid, _png(9, cell.param))
        records.append(CellRecord(cell, CellStatus.complete, vid, metrics={"identity": abs(cell.param)}))
    inputs = [SourceImage(0, "doc9", "sha9", 160, 120, ((0.35, 0.2, 0.3, 0.6),))]
    return SweepResult(spec, records, inputs, cache, metric_names=("identity",))
