"""Document autosave: atomic snapshots that survive a crash, and honest loading of bad files."""

from __future__ import annotations

from pathlib import Path

from cloze_app.core import paths
from cloze_app.core.app.autosave import AutosavedDocument, AutosaveStore, autosave_path


def test_a_snapshot_round_trips(tmp_path: Path) -> None:
    store = AutosaveStore(tmp_path / "a.autosave")
    store.save(AutosavedDocument(text="héllo ___\nworld", path="/x/y.md", modified=True, cursor=4))
    loaded = store.load()
    assert loaded is not None
    assert (loaded.text, loaded.path, loaded.modified, loaded.cursor) == (
        "héllo ___\nworld",
        "/x/y.md",
        True,
        4,
    )
    assert loaded.saved_at > 0
    assert not loaded.closed_cleanly


def test_the_default_place_follows_cloze_home() -> None:
    assert autosave_path().is_relative_to(paths.data_dir())


def test_background_saves_are_written_in_order(tmp_path: Path) -> None:
    store = AutosaveStore(tmp_path / "a.autosave")
    for i in range(20):
        store.save_in_background(AutosavedDocument(text=f"version {i}"))
    store.close()
    loaded = store.load()
    assert loaded is not None and loaded.text == "version 19"
    assert [p.name for p in tmp_path.iterdir()] == ["a.autosave"]  # no temporary files left behind


def test_a_missing_snapshot_loads_as_none_and_a_broken_one_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "a.autosave"
    assert AutosaveStore(path).load() is None
    path.write_text('{"format": 1, "path": "/x"', encoding="utf-8")  # cut off inside the header
    store = AutosaveStore(path)
    assert store.load() is None and store.problem
    assert not path.exists() and (tmp_path / "a.autosave.broken").is_file()  # see test_bad_input_autosave


def test_odd_fields_fall_back_but_the_text_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.autosave"
    path.write_text('{"format": 1, "path": 7, "cursor": -3, "saved_at": "noon"}\nkeep me\n', encoding="utf-8")
    loaded = AutosaveStore(path).load()
    assert loaded == AutosavedDocument(text="keep me\n", path="", modified=True, saved_at=0.0, cursor=0)


def test_text_with_newlines_and_json_like_content_round_trips(tmp_path: Path) -> None:
    store = AutosaveStore(tmp_path / "a.autosave")
    text = '{"format": 2}\n\nline two\r\n\u2029 emoji \U0001f600 and a lone \ud800'
    store.save(AutosavedDocument(text=text))
    loaded = store.load()
    assert loaded is not None and loaded.text == text


def test_clear_forgets_the_snapshot(tmp_path: Path) -> None:
    store = AutosaveStore(tmp_path / "a.autosave")
    store.save_in_background(AutosavedDocument(text="x"))
    store.clear()
    assert store.load() is None
