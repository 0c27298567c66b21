import os

import pytest

from reelcart.artifacts import atomic_path, file_identity, stable_hash, write_text_atomic


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.json"
    write_text_atomic(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half-written")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temp file left behind
    write_text_atomic(target, "new")
    assert target.read_text() == "new"


def test_temp_name_keeps_extension_for_ffmpeg(tmp_path):
    with atomic_path(tmp_path / "reel-1.mp4") as tmp:
        assert tmp.suffix == ".mp4" and tmp.parent == tmp_path and tmp.name.startswith(".reel-1.")
        tmp.write_bytes(b"x")


def test_file_identity_changes_with_content(tmp_path):
    f = tmp_path / "v.bin"
    f.write_bytes(os.urandom(4096))
    first = file_identity(f)
    f.write_bytes(os.urandom(4096))
    assert file_identity(f) != first
    assert stable_hash({"a": 1, "b": 2}) == stable_hash({"b": 2, "a": 1})


def test_outputs_get_normal_permissions(tmp_path):
    target = tmp_path / "manifest.json"
    write_text_atomic(target, "{}")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
