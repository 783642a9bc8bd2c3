"""The test corpus made from the shipped portraits: distinct photos, each with one face dlib finds."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import gp_widgets as gp
from gp_widgets.analysis.faces import detect


def test_corpus_photos_are_distinct_and_deterministic() -> None:
    photos = gp.samples.corpus(72)
    digests = [hashlib.sha256(p.tobytes()).hexdigest() for p in photos]
    assert len(set(digests)) == 72
    assert digests[:5] == [hashlib.sha256(p.tobytes()).hexdigest() for p in gp.samples.corpus(5)]
    assert photos[0].tobytes() == gp.samples.portrait().tobytes()
    assert {p.mode for p in photos} == {"RGB"}
    assert len({p.size for p in photos}) > 5  # rescalings and crops


@pytest.mark.parametrize("n", [0, 73])
def test_corpus_size_is_bounded(n: int) -> None:
    with pytest.raises(ValueError, match="1 to 72"):
        gp.samples.corpus(n)


@pytest.mark.slow
def test_every_corpus_photo_has_one_face_for_the_detector() -> None:
    counts = [len(detect(np.asarray(photo))) for photo in gp.samples.corpus(72)]
    assert counts == [1] * 72
