"""A research script as people write it: no ``if __name__ == "__main__":`` guard, a metric of its own, a study
and a calibration, run as a plain ``python script.py``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from gp_widgets import samples

pytestmark = pytest.mark.timeout(300)

SCRIPT = textwrap.dedent("""
    import os
    import gp_widgets as gp

    print("SCRIPT BODY", os.getpid(), flush=True)

    def brightness_change(original, variant, face_box):
        return float(variant.mean() - original.mean()) + 0.0 * os.getpid()

    def worker_pid(original, variant, face_box):
        return float(os.getpid())

    photos = [os.path.join(os.environ["PHOTOS"], name) for name in sorted(os.listdir(os.environ["PHOTOS"]))]
    study = gp.study(photos, ["smile"], [-1.0, 1.0], metrics=[gp.metrics.identity, brightness_change, worker_pid])
    study.result()
    frame = study.to_dataframe()
    print("CELLS", len(frame), "COMPLETE", int((frame.status == "complete").sum()), flush=True)
    print("BRIGHTNESS NAN", int(frame.brightness_change.isna().sum()), flush=True)
    print("WORKER PIDS", sorted(set(int(p) for p in frame.worker_pid.dropna())), flush=True)
    calibration = gp.calibrate(photos[:1], "smile", metric=brightness_change, threshold=1000.0, limit=1.0,
                               resolution=0.5, higher_is_better=False)
    print("CALIBRATED", len(calibration.photos), calibration.photos[0].error, flush=True)
""")


@pytest.mark.slow
def test_a_script_without_a_main_guard_runs_once_with_its_own_metric_on_the_pool(tmp_path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    samples.portrait().save(photos / "hopper.jpg", quality=90)
    samples.astronaut().save(photos / "astronaut.jpg", quality=90)
    script = tmp_path / "research.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("GP_API_KEY", "GP_BASE_URL")}
    env.update(PHOTOS=str(photos), XDG_CACHE_HOME=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=280)
    out = done.stdout
    assert done.returncode == 0, done.stderr[-3000:]
    assert out.count("SCRIPT BODY") == 1, out  # the workers did not run the script again
    assert "bootstrapping phase" not in done.stderr
    assert "CELLS 4 COMPLETE 4" in out and "BRIGHTNESS NAN 0" in out, out
    script_pid = int(out.split("SCRIPT BODY ")[1].split()[0])
    pids = [int(p) for p in out.split("WORKER PIDS [")[1].split("]")[0].split(",")]
    assert pids and script_pid not in pids  # the script's metric ran in the pool's processes
    assert "CALIBRATED 1 None" in out, out
