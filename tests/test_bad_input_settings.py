"""Settings under bad input: a start never fails. An unreadable file falls back to defaults with
a message and is kept as ``settings.json.broken``; values that cannot be used are named."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cloze_app.core import paths
from cloze_app.core.app.settings import (
    Settings,
    clamp_threads,
    cpu_count,
    default_model_id,
    load_settings,
    save_settings,
    settings_path,
)

UNREADABLE = {
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep nesting in an object": b'{"model": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "a 5,000-digit number": b'{"top_k": ' + b"9" * 5000 + b"}",
    "not UTF-8": b'{"model": "\xff\xfe"}',
    "cut off": b'{"model": "tiny", "top_',
    "a list": b"[1, 2]",
    "two megabytes": b'{"last_document": "' + b"x" * (2 << 20) + b'"}',
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_an_unreadable_settings_file_gives_defaults_a_message_and_a_broken_copy(case: str) -> None:
    raw = UNREADABLE[case]
    settings_path().write_bytes(raw)
    settings, message = load_settings()
    assert settings == Settings()
    assert message is not None and "using defaults" in message and "settings.json.broken" in message
    assert (paths.config_dir() / "settings.json.broken").read_bytes() == raw
    save_settings(settings)  # the next save does not touch the kept copy
    assert (paths.config_dir() / "settings.json.broken").read_bytes() == raw


@pytest.mark.parametrize("key", ["last_document", "model"])
@pytest.mark.parametrize("value", ["/" + "x" * 5000, "a\0b"])
def test_a_path_no_system_can_open_is_dropped_and_named(key: str, value: str) -> None:
    settings_path().write_text(json.dumps({key: value, "top_k": 7}))
    settings, message = load_settings()
    assert getattr(settings, key) == "" and settings.top_k == 7
    assert message is not None and key in message


def test_threads_above_the_cpu_count_are_clamped_with_a_message() -> None:
    settings_path().write_text(json.dumps({"threads": 1000}))
    settings, message = load_settings()
    assert settings.threads == cpu_count()
    assert message is not None and "1000" in message and "CPUs" in message


def test_threads_as_a_huge_float_fall_back_to_automatic() -> None:
    settings_path().write_text('{"threads": 1e9}')
    settings, message = load_settings()
    assert settings.threads == 0 and message is not None and "threads" in message


def test_clamp_threads_says_what_it_did_and_refuses_negatives() -> None:
    assert clamp_threads(0) == (0, None)
    assert clamp_threads(1) == (1, None)
    threads, note = clamp_threads(10_000)
    assert threads == cpu_count() and note is not None and "10000" in note
    with pytest.raises(ValueError, match="-3"):
        clamp_threads(-3)


def test_a_config_folder_that_cannot_be_created_still_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CLOZE_CONFIG_DIR", str(blocker / "config"))
    settings, message = load_settings()
    assert settings == Settings()
    with pytest.raises(OSError):
        save_settings(settings)  # callers say "could not be saved"; nothing crashes at start


def test_the_default_model_is_the_users_choice_only_when_installed(tiny_model_dir: Path) -> None:
    from cloze_app.core.models.registry import ModelRegistry

    registry = ModelRegistry([tiny_model_dir.parent])
    assert default_model_id(Settings(model="tiny-wp"), registry) == "tiny-wp"
    assert default_model_id(Settings(model="gone"), registry) == "tiny-wp"  # first installed
    assert default_model_id(Settings(model=""), registry) == "tiny-wp"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads unreadable files")
def test_an_unreadable_settings_file_is_a_message(tmp_path: Path) -> None:
    settings_path().write_text("{}")
    settings_path().chmod(0)
    settings, message = load_settings()
    assert settings == Settings() and message is not None


def test_a_second_broken_settings_file_keeps_the_first_copy() -> None:
    for raw in (b"first [", b"second ["):
        settings_path().write_bytes(raw)
        _settings, message = load_settings()
    assert (paths.config_dir() / "settings.json.broken").read_bytes() == b"first ["
    assert (paths.config_dir() / "settings.json.broken-2").read_bytes() == b"second ["
    assert message is not None and "settings.json.broken-2" in message


def test_negative_threads_in_the_settings_are_named_and_mean_automatic() -> None:
    settings_path().write_text(json.dumps({"threads": -3}))
    settings, message = load_settings()
    assert settings.threads == 0 and message is not None and "threads" in message
