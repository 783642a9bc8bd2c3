#!/usr/bin/env bash
# Binder's environment, rebuilt from scratch: a FRESH virtualenv in a temp dir,
# `pip install -r binder/requirements.txt`, then binder/postBuild from the repo root (exactly
# what Binder does). binder/requirements.txt must mirror pyproject's runtime dependencies (checked
# first). Then, outside the repo (so the installed package is used, not the source tree) and with no
# GP_API_KEY: every module the demo notebooks import imports, and the local engine starts, finds the
# sample portrait's face and edits it. The notebooks themselves run once per `make test` (in the
# project's environment, whose dependencies are the same); running them here again would repeat it.
# Usage: bash binder/check.sh   (make binder-check)   PYTHON=python3.12 to pick the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
PYTHON="${PYTHON:-python3}"

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
echo "binder-check: environment ready in $((SECONDS - start))s"

# Use it: no key, isolated Jupyter dirs, no source tree on the path.
unset GP_API_KEY GP_BASE_URL PYTHONPATH
export JUPYTER_CONFIG_DIR="$WORK/jupyter/config" JUPYTER_DATA_DIR="$WORK/jupyter/data" \
       JUPYTER_RUNTIME_DIR="$WORK/jupyter/runtime" IPYTHONDIR="$WORK/ipython" \
       MPLCONFIGDIR="$WORK/matplotlib" JUPYTER_PLATFORM_DIRS=1 XDG_CACHE_HOME="$WORK/cache"
mkdir -p "$WORK/run"
cp -R notebooks "$WORK/run/"
cd "$WORK/run"
python - <<'PY'
import ast, glob, importlib, json

import gp_widgets as gp
assert "site-packages" in gp.__file__, f"gp_widgets imported from {gp.__file__}"
modules = set()
for path in sorted(glob.glob("notebooks/*.ipynb")):
    for cell in json.load(open(path))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module)
for name in sorted(modules):
    importlib.import_module(name)
print(f"binder-check: the notebooks' {len(modules)} imports import: {', '.join(sorted(modules))}")
import ipykernel, jupyterlab, voila  # noqa: F401,E401 -- what Binder serves the notebooks with

client = gp.connect()
assert client.backend == "local", client.backend
doc = client.wait_for_faces(client.upload(gp.samples.portrait()))
assert doc.faces, "no face found on the sample portrait"
variant = client.wait(client.edit(doc, "smile", param=1.0), timeout=120)
assert client.image(variant).size == client.image(doc).size
print(f"binder-check: local engine: {len(doc.faces)} face(s), smile +1 complete")
PY
echo "binder-check: passed in $((SECONDS - start))s total"
