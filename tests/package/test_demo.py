"""`gp-widgets demo`: the shipped notebooks, copies that are never overwritten, `--list`, and a
real JupyterLab started by the command that serves the copies with the news pop-up off."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gp_widgets import demo
from gp_widgets.cli import main

from .lab_server import serving

REPO_NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def _run_cli(*argv: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    return exit_info.value.code


def test_the_shipped_notebooks_are_the_repositorys():
    assert [p.name for p in demo.shipped_notebooks()] == [p.name for p in REPO_NOTEBOOKS]
    assert len(REPO_NOTEBOOKS) >= 4


def _shipped(tmp_path: Path, **notebooks: str) -> list[Path]:
    folder = tmp_path / "shipped"
    folder.mkdir(exist_ok=True)
    for name, text in notebooks.items():
        (folder / f"{name}.ipynb").write_text(text)
    return sorted(folder.glob("*.ipynb"))


def test_copies_what_is_missing_and_keeps_edited_copies(tmp_path):
    sources = demo.shipped_notebooks()
    folder = tmp_path / "work"
    folder.mkdir()
    edited = folder / sources[0].name
    edited.write_text('{"edited": true}')
    work = demo.plan(folder, sources)
    assert work.kept == (edited,)
    assert [p.name for p in work.to_copy] == [p.name for p in sources[1:]]
    assert work.notebooks == tuple(folder / p.name for p in sources)
    demo.copy_notebooks(work)
    assert edited.read_text() == '{"edited": true}'
    for src in sources[1:]:
        assert (folder / src.name).read_bytes() == src.read_bytes()
    again = demo.plan(folder, sources)
    assert again.to_copy == () and again.kept == (edited,)


def test_an_unedited_copy_follows_the_shipped_notebook_an_edited_one_stays(tmp_path):
    folder = tmp_path / "work"
    demo.copy_notebooks(demo.plan(folder, _shipped(tmp_path, a="a1", b="b1")))
    assert (folder / "a.ipynb").read_text() == "a1"
    (folder / "b.ipynb").write_text("b1, edited")
    sources = _shipped(tmp_path, a="a2", b="b2")  # a newer release
    work = demo.plan(folder, sources)
    assert [p.name for p in work.to_copy] == ["a.ipynb"] and work.kept == (folder / "b.ipynb",)
    demo.copy_notebooks(work)
    assert (folder / "a.ipynb").read_text() == "a2"
    assert (folder / "b.ipynb").read_text() == "b1, edited"
    assert demo.plan(folder, sources).to_copy == ()


def test_a_file_the_demo_did_not_write_is_never_overwritten(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "a.ipynb").write_text("mine")
    (folder / demo.RECORD).write_text("not json")
    work = demo.plan(folder, _shipped(tmp_path, a="a1"))
    assert work.to_copy == () and work.kept == (folder / "a.ipynb",)
    demo.copy_notebooks(work)
    assert (folder / "a.ipynb").read_text() == "mine"


def test_list_prints_the_notebooks_and_copies_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _run_cli("demo", "--list") == 0
    out = capsys.readouterr().out
    assert f"notebooks in {tmp_path / demo.DEFAULT_FOLDER}:" in out
    for nb in REPO_NOTEBOOKS:
        assert f"  {nb.name}\n" in out
    assert not (tmp_path / demo.DEFAULT_FOLDER).exists()


def test_list_marks_kept_copies(tmp_path, capsys):
    (tmp_path / REPO_NOTEBOOKS[1].name).write_text("{}")
    assert _run_cli("demo", str(tmp_path), "--list") == 0
    assert f"  {REPO_NOTEBOOKS[1].name}  (your copy, kept)" in capsys.readouterr().out


def test_serve_refuses_options_meant_for_jupyterlab(capsys):
    assert _run_cli("serve", "--no-browser") == 2
    assert "unrecognized arguments: --no-browser" in capsys.readouterr().err


def test_lab_opens_the_editor_notebook_not_the_launcher(tmp_path):
    command = demo.lab_command(tmp_path, ["--no-browser"], demo.FIRST)
    assert command[-2:] == ["--no-browser", "02_face_editor.ipynb"]
    assert demo.FIRST in [p.name for p in REPO_NOTEBOOKS]


def test_lab_env_uses_the_local_engine_and_the_demo_defaults():
    env = demo.lab_env({"GP_API_KEY": "secret-key", "JUPYTER_CONFIG_PATH": "/elsewhere", "HOME": "/h"})
    assert "GP_API_KEY" not in env and env["HOME"] == "/h"
    assert env["JUPYTER_CONFIG_PATH"].split(":") == [str(demo.JUPYTER_CONFIG), "/elsewhere"]


@pytest.mark.timeout(120)
@pytest.mark.slow
def test_demo_opens_jupyterlab_on_the_copies_without_news(tmp_path, jupyter_env):
    folder = tmp_path / "my demo"
    with serving([sys.executable, "-m", "gp_widgets.cli", "demo", str(folder)], jupyter_env, tmp_path) as lab:
        assert lab.notebooks() == [p.name for p in REPO_NOTEBOOKS]
        settings = lab.get("lab/api/settings/@jupyterlab/apputils-extension:notification")
        defaults = {k: v.get("default") for k, v in settings["schema"]["properties"].items()}
        assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False
        assert "fetchNews" not in settings["settings"], "the user's own settings were written to"
