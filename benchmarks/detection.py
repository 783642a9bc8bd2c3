"""The engine's face detector on a labelled set built from the shipped samples (``detection_set``).

* ``detect_recall``: the share of true faces with a detection at IoU >= 0.3 (target >= 0.95).
* ``detect_false_positives``: detections matching no true face, over the whole set (target <= 1).

The smoke size runs the first eight cases (one portrait's variants) only.
"""

from __future__ import annotations

import itertools
from typing import Any

from . import detection_set
from ._common import check_size, metric

KEYS = ("detect_recall", "detect_false_positives")


def run(size: str = "full") -> dict[str, Any]:
    from gp_widgets.local.detect import detect_faces

    limit = None if check_size(size) == "full" else 8
    cases = list(itertools.islice(detection_set.cases(), limit))
    score = detection_set.evaluate(detect_faces, cases)
    detail = {"images": len(cases), "faces": score.faces, "found": score.found, "detector": "hog"}
    return {
        "detect_recall": metric(score.recall, 0.95, ">=", "", missed=list(score.missed), **detail),
        "detect_false_positives": metric(score.false_positives, 1, "<=", "",
                                         images_with_false_positives=list(score.false_in),
                                         no_face_images=sum(1 for c in cases if not c.truth)),
    }
