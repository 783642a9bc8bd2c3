"""Rating designs from a study, a sweep-like table or a comparison on disk: pairs, sides, catch trials, ids."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from gp_widgets.ratings.design import RatingDesign, Stimulus, build_trials
from gp_widgets.ratings.sources import MissingPictureError, picture, rate_design
from gp_widgets.studies.compare import compare

from .on_disk import make_study


def test_2afc_of_a_study_pairs_params_of_one_photo_with_sides_counterbalanced(study):
    design = rate_design(study, "Which face smiles more?", "2afc", repeats=2, catch=3)
    tests = [t for t in design.trials if t.kind == "test"]
    assert len(tests) == 3 * 3 * 2  # 3 photos × C(3, 2) pairs × 2 showings
    for t in tests:
        a, b = design.stimuli[t.first], design.stimuli[t.second]
        assert (a.photo, a.face, a.move) == (b.photo, b.face, b.move) and a.param < b.param
    by_pair = Counter((t.first, t.second, t.left == t.first) for t in tests)
    assert set(by_pair.values()) == {1}  # each pair once with A on the left, once on the right
    catches = [t for t in design.trials if t.kind == "catch"]
    assert len(catches) == 3
    for t in catches:  # the obvious pair: lowest against highest param, the higher expected
        wanted = design.stimuli[t.left if t.expect == "left" else t.right]
        assert wanted.param == 1.0 and {design.stimuli[t.left].param, design.stimuli[t.right].param} == {-1.0, 1.0}


def test_same_seed_same_trials_and_the_saved_list_rebuilds_the_design(study, tmp_path):
    one = rate_design(study, "q", "2afc", seed=7)
    assert rate_design(study, "q", "2afc", seed=7).trials == one.trials
    assert rate_design(study, "q", "2afc", seed=8).trials != one.trials
    path = one.save(tmp_path / "study.2afc.rating.json")
    again = RatingDesign.load(path)
    assert again.trials == one.trials and again.stimuli == one.stimuli and again.id == one.id
    data = json.loads(path.read_text())
    data["trials"][0]["left"] = data["trials"][0]["right"]
    with pytest.raises(ValueError, match="do not match"):
        RatingDesign.from_json(data)


def test_a_saved_study_gets_its_trial_list_beside_it(study, tmp_path):
    path = study.save(tmp_path / "smile.parquet")
    design = rate_design(path, "q", "mos")
    assert design.path == str(tmp_path / "smile.mos.rating.json")
    assert RatingDesign.load(design.path).id == design.id


def test_comparison_pairs_a_and_b_at_the_same_param(tmp_path):
    a = make_study(tmp_path / "cache")
    b = make_study(tmp_path / "cache", prefix="w")
    design = rate_design(compare(a, b), "Which smiles more?", "2afc", repeats=1, catch=0)
    assert len(design.trials) == 3 * 3
    for t in design.trials:
        first, second = design.stimuli[t.first], design.stimuli[t.second]
        assert (first.condition, second.condition) == ("a", "b") and first.param == second.param
        assert first.variant_id.startswith("v") and second.variant_id.startswith("w")


def test_mos_and_same_person_catch_trials(study):
    mos = rate_design(study, "How natural?", "mos", repeats=1, catch=2)
    assert all(design_is_original(mos, t.left) and t.expect == 4 for t in mos.trials if t.kind == "catch")
    assert sum(t.kind == "test" for t in mos.trials) == 9
    same = rate_design(study, "Same person?", "same-person", repeats=1, catch=6)
    for t in same.trials:
        left, right = same.stimuli[t.left], same.stimuli[t.right]
        assert left.original
        if t.kind == "catch":
            assert right.original and t.expect == ("yes" if left.photo == right.photo else "no")
        else:
            assert right.photo == left.photo and not right.original


def design_is_original(design, stimulus_id):
    return design.stimuli[stimulus_id].original


def test_pictures_are_face_crops_from_the_cache_and_a_missing_one_is_a_clear_error(study, tmp_path):
    design = rate_design(study, "q", "2afc")
    data = picture(design, design.trials[0].left, side=100)
    assert data[:2] == b"\xff\xd8" and len(data) > 500
    design.cache_dirs = [str(tmp_path / "elsewhere")]
    with pytest.raises(MissingPictureError, match="cache_dir"):
        picture(design, design.trials[0].left)


def test_nothing_to_compare_is_refused():
    lone = [Stimulus("s0", 0, 0, "smile", 1.0, "1", "v")]
    with pytest.raises(ValueError, match="no two variants"):
        build_trials("2afc", lone)
    with pytest.raises(ValueError, match="design must be"):
        build_trials("ranking", lone)  # type: ignore[arg-type]


def test_a_sweep_and_its_saved_manifest_are_rated_like_a_study(tmp_path):
    from .on_disk import make_sweep

    sweep = make_sweep(tmp_path / "cache")
    design = rate_design(sweep, "Same person?", "same-person", repeats=1, catch=1)
    tests = [t for t in design.trials if t.kind == "test"]
    assert len(tests) == 3 and all(design.stimuli[t.left].doc_id == "doc9" for t in tests)
    assert picture(design, tests[0].right)[:2] == b"\xff\xd8"
    saved = rate_design(sweep.save(tmp_path / "sweep.json"), "Same person?", "same-person", repeats=1, catch=1)
    assert saved.trials == design.trials and saved.path == str(tmp_path / "sweep.same-person.rating.json")


def test_mos_with_the_original_beside_the_variant(study):
    from gp_widgets.ratings.ratings import Ratings

    from .simulate import rater, stimulus

    design = rate_design(study, "How natural is the right one?", "mos", repeats=1, catch=2, reference=True)
    for t in design.trials:
        left, right = design.stimuli[t.left], design.stimuli[t.right]
        assert left.original and left.photo == right.photo and right.original == (t.kind == "catch")
    rng = np.random.default_rng(0)
    table = Ratings(design, [rater(design, "r", lambda t, r: 5 - int(abs(stimulus(design, t).param) * 2), rng)]).mos()
    assert list(table["mean"]) == [3.0, 5.0, 3.0]


def test_more_catch_trials_than_obvious_pairs_reuse_them_on_both_sides(study):
    design = rate_design(study, "q", "2afc", catch=6)  # 3 photos: 3 obvious pairs, each shown twice
    catches = [t for t in design.trials if t.kind == "catch"]
    assert len(catches) == 6
    assert sorted(Counter((t.first, t.second) for t in catches).values()) == [2, 2, 2]
    for t in catches:
        wanted = design.stimuli[t.left if t.expect == "left" else t.right]
        assert wanted.param == 1.0
