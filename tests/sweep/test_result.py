"""The sweep's result without widgets: a script runs a sweep and builds figures and a table, no ipywidgets."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from gp_widgets.api.constants import CellStatus
from gp_widgets.sweeps import CellRecord, RunStats, SweepResult, SweepSpec
from gp_widgets.sweeps.spec import Cell

SCRIPT = textwrap.dedent("""
    import asyncio, json, sys
    import matplotlib
    matplotlib.use("Agg")
    import gp_widgets as gp
    from gp_widgets.sweeps import SweepResult, start_sweep

    async def main():
        client = gp.AsyncClient(api_key=sys.argv[1], base_url=sys.argv[2])
        run = start_sweep(gp.samples.portrait(), moves=["smile"], params=[0, 1], client=client, cache_dir=sys.argv[3])
        records = await run
        result = run.data
        result.savefig(sys.argv[3] + "/sheet.png", dpi=60)
        result.plot_metrics().savefig(sys.argv[3] + "/metrics.png")
        frame = result.to_dataframe()
        path = result.save(sys.argv[3] + "/sweep.json")
        again = SweepResult.load(path)
        again.to_figure(dpi=60)
        print(json.dumps({"statuses": [r["status"] for r in records], "rows": len(frame),
                          "same": again.to_records() == records,
                          "widgets": "ipywidgets" in sys.modules}))

    asyncio.run(main())
""")


@pytest.mark.slow
def test_a_script_sweeps_and_draws_without_ipywidgets(engine, tmp_path) -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT, engine.api_key, engine.base_url, str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"statuses": ["complete", "complete"], "rows": 2, "same": True, "widgets": False}
    assert (tmp_path / "sheet.png").stat().st_size > 1000 and (tmp_path / "metrics.png").stat().st_size > 1000


def test_manifest_round_trip_keeps_records_stats_and_cache_place(tmp_path) -> None:
    spec = SweepSpec.build(["smile", "age"], [-1, 1])
    result = SweepResult(spec, stats=RunStats(uploads=1, puts=4, gets=9, polled_variants=3, notice_delays=[0.2, 0.4]))
    result.records[0].status, result.records[0].variant_id = CellStatus.complete, "v0"
    result.records[0].metrics = {"mad_face": 0.1}
    result.records[3].status, result.records[3].error_code = CellStatus.failed, "invalid_param"
    loaded = SweepResult.load(result.save(tmp_path / "m.json"))
    assert loaded.to_records() == result.to_records()
    assert loaded.stats.to_dict() == result.stats.to_dict()
    assert loaded.tile(loaded.records[3], 32) == "invalid_param" and loaded.tile(loaded.records[1], 32) is None
    assert not list(tmp_path.glob(".tmp-*"))


def test_records_must_match_the_spec() -> None:
    spec = SweepSpec.build(["smile"], [0, 1])
    with pytest.raises(ValueError, match="do not match"):
        SweepResult(spec, records=[CellRecord(Cell(0, 0, "smile", 0.0))])
