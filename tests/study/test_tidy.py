"""Tidy study tables: columns and types, Parquet and CSV round trips with their manifest, refusing torn saves."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from gp_widgets.studies.tidy import (
    COLUMNS,
    FORMAT,
    StudyFileError,
    load_table,
    manifest_path,
    metric_definition,
    new_manifest,
    save_table,
    to_dataframe,
    url_host,
)


class Identity:
    """Descriptor distance of the face before and after."""

    name = "identity"
    unit = "distance"
    higher_is_better = False
    role = "identity"


ROWS = [
    {"photo": 0, "face": 0, "move": "smile", "param": 1.0, "status": "complete", "error_code": None,
     "variant_id": "v1", "seconds": 0.5, "identity": 0.31, "mad_face": 0.02},
    {"photo": 0, "face": 0, "move": "smile", "param": -1.0, "status": "failed", "error_code": "internal_error",
     "variant_id": "v2", "seconds": None},
    {"photo": 1, "face": 0, "move": "age", "param": 1.0, "status": "complete", "error_code": None,
     "variant_id": "v3", "seconds": 0.7, "identity": math.nan, "mad_face": 0.05},
]
METRICS = ["identity", "mad_face"]


def manifest(base_url: str = "https://user:secret@api.generative.photos:8443/api/v0") -> dict:
    return new_manifest(spec={"moves": ["smile", "age"], "params": [-1.0, 1.0], "faces": "largest"},
                        metrics=[metric_definition(Identity())], backend="remote", host=url_host(base_url),
                        photos=[{"index": 0, "sha256": "ab"}, {"index": 1, "sha256": "cd"}])


def test_dataframe_has_one_row_per_cell_and_a_float_column_per_metric() -> None:
    frame = to_dataframe(ROWS, METRICS)
    assert list(frame.columns) == [*COLUMNS, *METRICS]
    assert len(frame) == 3
    assert frame["identity"].dtype == "float64" and math.isnan(frame.loc[1, "identity"])
    assert frame.loc[1, "error_code"] == "internal_error" and pd.isna(frame.loc[0, "error_code"])


def test_manifest_names_the_host_never_the_key_or_credentials() -> None:
    data = manifest()
    assert data["format"] == FORMAT and data["host"] == "api.generative.photos:8443"
    assert "secret" not in json.dumps(data) and "user" not in data["host"]
    assert data["metrics"] == [{"name": "identity", "unit": "distance", "higher_is_better": False,
                                "role": "identity", "moves": [],
                                "definition": "Descriptor distance of the face before and after."}]
    assert data["version"] and data["created"].endswith("+00:00")


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_round_trip_keeps_rows_types_and_manifest(tmp_path, suffix: str) -> None:
    frame = to_dataframe(ROWS, METRICS)
    path = save_table(frame, manifest(), tmp_path / f"study{suffix}")
    back, meta = load_table(path)
    pd.testing.assert_frame_equal(back, frame)
    assert meta["cells"] == [[0, 0, "smile", 1.0, "v1"], [0, 0, "smile", -1.0, "v2"], [1, 0, "age", 1.0, "v3"]]
    assert meta["spec"]["faces"] == "largest"
    assert not list(tmp_path.glob(".tmp-*"))


def test_only_parquet_and_csv(tmp_path) -> None:
    with pytest.raises(ValueError, match="parquet or .csv"):
        save_table(to_dataframe(ROWS, METRICS), manifest(), tmp_path / "study.xlsx")


def test_a_csv_whose_manifest_is_from_another_save_is_refused(tmp_path) -> None:
    path = save_table(to_dataframe(ROWS, METRICS), manifest(), tmp_path / "study.csv")
    path.write_text(path.read_text().replace("0.31", "0.99"))
    with pytest.raises(StudyFileError, match="does not match its manifest"):
        load_table(path)
    manifest_path(path).unlink()
    with pytest.raises(StudyFileError, match="no manifest"):
        load_table(path)


def test_a_damaged_or_foreign_parquet_is_refused(tmp_path) -> None:
    path = save_table(to_dataframe(ROWS, METRICS), manifest(), tmp_path / "study.parquet")
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(StudyFileError, match="not a readable Parquet"):
        load_table(path)
    foreign = tmp_path / "other.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(foreign)
    with pytest.raises(StudyFileError, match="no gp_widgets study manifest"):
        load_table(foreign)


def test_metric_definition_of_a_builtin_shaped_object() -> None:
    class Builtin:
        name, unit, higher_is_better, role, doc = "smile", "per IOD", True, "target", "mouth-corner lift"

    assert metric_definition(Builtin())["definition"] == "mouth-corner lift"
