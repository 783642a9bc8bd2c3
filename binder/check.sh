#!/usr/bin/env bash
# Rebuild the Binder environment from scratch and run every demo notebook in it:
# a FRESH virtualenv in a temp dir, `pip install -r binder/requirements.txt`, then
# binder/postBuild from the repo root (exactly what Binder does), plus nbclient to
# execute. Every notebooks/*.ipynb then runs top to bottom with no GP_API_KEY (local
# engine), from a temp copy (nothing is written back), outside the repo (so the
# installed package is used, not the source tree). Fails on any error.
# Usage: bash binder/check.sh   (make binder-check)   PYTHON=python3.12 to pick the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
PYTHON="${PYTHON:-python3}"
CELL_TIMEOUT="${CELL_TIMEOUT:-120}"

shopt -s nullglob
notebooks=(notebooks/*.ipynb)
if [ "${#notebooks[@]}" -eq 0 ]; then
  echo "binder-check: notebooks/ holds no notebooks; nothing to check."
  exit 0
fi

# binder/requirements.txt must mirror pyproject's runtime dependencies (base, local, analysis, study, demo).
"$PYTHON" - <<'PY'
import re, sys, tomllib
def name(req): return re.split(r"[\s<>=!~;\[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")
proj = tomllib.load(open("pyproject.toml", "rb"))["project"]
want = {name(r) for r in proj["dependencies"] + proj["optional-dependencies"]["local"] + proj["optional-dependencies"]["analysis"] + proj["optional-dependencies"]["study"] + proj["optional-dependencies"]["demo"]} - {name(proj["name"])}  # an extra may pull in another
lines = [l.split("#")[0].strip() for l in open("binder/requirements.txt")]
have = {name(l) for l in lines if l}
if want != have:
    sys.exit(f"binder-check: binder/requirements.txt drifted from pyproject.toml: "
             f"missing {sorted(want - have)}, extra {sorted(have - want)}")
PY

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gp-binder-check.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
start=$SECONDS
echo "binder-check: fresh virtualenv in $WORK/venv ($("$PYTHON" --version))"
"$PYTHON" -m venv "$WORK/venv"
export VIRTUAL_ENV="$WORK/venv" PATH="$WORK/venv/bin:$PATH"
hash -r
python -m pip install -q -r binder/requirements.txt
PIP_QUIET=1 bash binder/postBuild
python -m pip install -q nbclient ipykernel
echo "binder-check: environment ready in $((SECONDS - start))s"

# Run the notebooks: no key, isolated Jupyter dirs, no source tree on the path.
unset GP_API_KEY GP_BASE_URL PYTHONPATH
export JUPYTER_CONFIG_DIR="$WORK/jupyter/config" JUPYTER_DATA_DIR="$WORK/jupyter/data" \
       JUPYTER_RUNTIME_DIR="$WORK/jupyter/runtime" IPYTHONDIR="$WORK/ipython" \
       MPLCONFIGDIR="$WORK/matplotlib" JUPYTER_PLATFORM_DIRS=1
mkdir -p "$WORK/run"
cp -R notebooks "$WORK/run/"
rm -rf "$WORK/run/notebooks/.ipynb_checkpoints"
cd "$WORK/run/notebooks"
CELL_TIMEOUT="$CELL_TIMEOUT" python - <<'PY'
import glob, os, re, sys, time
import nbformat
from nbclient import NotebookClient

import gp_widgets
assert "site-packages" in gp_widgets.__file__, f"gp_widgets imported from {gp_widgets.__file__}"
failed = []
for path in sorted(glob.glob("*.ipynb")):
    nb = nbformat.read(path, as_version=4)
    t0 = time.monotonic()
    try:
        NotebookClient(nb, timeout=int(os.environ["CELL_TIMEOUT"]), kernel_name="python3",
                       resources={"metadata": {"path": os.getcwd()}}).execute()
        print(f"  ok    {path:40s} {time.monotonic() - t0:6.1f}s", flush=True)
    except Exception as e:  # noqa: BLE001 -- CellExecutionError, CellTimeoutError, kernel death
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(e))  # no terminal colours in logs
        print(f"  FAIL  {path:40s} {time.monotonic() - t0:6.1f}s\n{text}", flush=True)
        failed.append(path)
if failed:
    sys.exit(f"binder-check: {len(failed)} notebook(s) failed: {', '.join(failed)}")
PY
echo "binder-check: all notebooks ran in $((SECONDS - start))s total"
