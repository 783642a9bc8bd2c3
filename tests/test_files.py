"""The one atomic write and the one cache-dir lookup."""

from __future__ import annotations

import os

import pytest

from gp_widgets import files
from gp_widgets.local.config import default_data_dir
from gp_widgets.runs.cache import default_cache_dir


def test_write_atomic_replaces_whole_files_and_fsyncs(tmp_path, monkeypatch) -> None:
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    target = tmp_path / "deep" / "er" / "x.json"
    files.write_atomic(target, b"one")
    files.write_atomic(target, b"two")
    assert target.read_bytes() == b"two" and len(synced) == 2
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "x.bin"
    files.write_atomic(target, b"old")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        files.write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["x.bin"]


def test_every_cache_folder_hangs_off_one_lookup(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert files.cache_home() == tmp_path / "gp_widgets"
    assert default_cache_dir().parent == default_data_dir().parent == files.cache_home()
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert files.cache_home() == tmp_path / "home" / ".cache" / "gp_widgets"


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_what_the_user_saves_follows_the_umask_and_caches_stay_private(tmp_path, mask) -> None:
    old = os.umask(mask)
    try:
        assert files.umask() == mask
        files.write_atomic(tmp_path / "table.parquet", b"rows", private=False)
        files.write_atomic(tmp_path / "variant.png", b"pixels")
    finally:
        os.umask(old)
    assert (tmp_path / "table.parquet").stat().st_mode & 0o777 == 0o666 & ~mask
    assert (tmp_path / "variant.png").stat().st_mode & 0o777 == 0o600
