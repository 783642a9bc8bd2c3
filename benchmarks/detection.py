"""The engine's face detector on a labelled set built from the shipped samples (``detection_set``),
through the engine's HTTP API: each picture is uploaded (PNG) to a fresh local engine and its faces are read
back with ``wait_for_faces``, as a user's photo is.

* ``detect_recall``: the share of true faces with a detection at IoU >= 0.3 (target >= 0.95).
* ``detect_false_positives``: detections matching no true face, over the whole set (target <= 1).

The set holds mirrored, rotated, darker, grey and JPEG portraits, group pictures with small heads (faces
down to 32 px, on up to 12 MP) and photos without a face. The smoke size runs the first eight cases (one
portrait's variants) only.
"""

from __future__ import annotations

import io
import itertools
import tempfile
from typing import Any

import numpy as np
from PIL import Image

from . import detection_set
from ._common import check_size, metric

KEYS = ("detect_recall", "detect_false_positives")


def run(size: str = "full") -> dict[str, Any]:
    from gp_widgets.api import Client
    from gp_widgets.local.process import start_engine

    limit = None if check_size(size) == "full" else 8
    cases = list(itertools.islice(detection_set.cases(), limit))
    with tempfile.TemporaryDirectory() as data_dir:
        engine = start_engine(data_dir=data_dir)
        try:
            with Client(api_key=engine.api_key, base_url=engine.base_url, timeout=120.0) as client:

                def detector(rgb: np.ndarray) -> list[dict[str, float]]:
                    buf = io.BytesIO()
                    Image.fromarray(rgb).save(buf, "PNG", compress_level=1)
                    doc = client.wait_for_faces(client.upload(buf.getvalue()), timeout=120.0)
                    return [{"x": f.x, "y": f.y, "w": f.w, "h": f.h} for f in doc.faces]

                score = detection_set.evaluate(detector, cases)
        finally:
            engine.stop()
    detail = {"images": len(cases), "faces": score.faces, "found": score.found, "detector": "hog",
              "through": "engine HTTP API"}
    return {
        "detect_recall": metric(score.recall, 0.95, ">=", "", missed=list(score.missed), **detail),
        "detect_false_positives": metric(score.false_positives, 1, "<=", "",
                                         images_with_false_positives=list(score.false_in),
                                         no_face_images=sum(1 for c in cases if not c.truth)),
    }
