"""Settings: a JSON file in the config dir; anything broken or old falls back with a message."""

from __future__ import annotations

import json
from dataclasses import replace

from cloze_app.core import paths
from cloze_app.core.app.settings import Settings, load_settings, save_settings, settings_path
from cloze_app.core.learn.checker import default_preset_name


def test_no_file_means_defaults_and_no_message() -> None:
    assert load_settings() == (Settings(), None)


def test_saved_settings_load_back() -> None:
    chosen = replace(Settings(), model="my-model", provider="CUDAExecutionProvider", top_k=7, font_size=15)
    save_settings(chosen)
    assert settings_path().parent == paths.config_dir()
    assert load_settings() == (chosen, None)


def test_a_broken_file_falls_back_keeps_a_copy_and_says_so() -> None:
    path = settings_path()
    path.write_text('{"top_k": 3,', encoding="utf-8")
    settings, message = load_settings()
    assert settings == Settings()
    assert message is not None and "could not be read" in message and "defaults" in message
    assert (path.parent / "settings.json.broken").read_text(encoding="utf-8") == '{"top_k": 3,'


def test_a_file_that_is_not_an_object_falls_back() -> None:
    settings_path().write_text("[1, 2, 3]", encoding="utf-8")
    settings, message = load_settings()
    assert settings == Settings() and message


def test_unknown_and_mistyped_keys_are_named_and_the_rest_kept() -> None:
    settings_path().write_text(
        json.dumps({"top_k": 5, "font_size": "huge", "threads": True, "colour": "red", "version": 0}),
        encoding="utf-8",
    )
    settings, message = load_settings()
    assert settings.top_k == 5 and settings.font_size == Settings().font_size
    assert settings.threads == 0
    assert message is not None
    for key in ("font_size", "threads", "colour"):
        assert key in message


def test_numbers_out_of_range_are_clamped() -> None:
    settings_path().write_text(
        json.dumps({"top_k": 10_000, "font_size": 1, "debounce_ms": -5}), encoding="utf-8"
    )
    settings, _ = load_settings()
    assert (settings.top_k, settings.font_size, settings.debounce_ms) == (50, 6, 0)


def test_the_check_sensitivity_round_trips_and_defaults_to_the_default_preset() -> None:
    assert Settings().check_sensitivity == default_preset_name()
    chosen = replace(Settings(), check_sensitivity="Eager")
    save_settings(chosen)
    assert load_settings() == (chosen, None)


def test_an_unknown_or_mistyped_check_sensitivity_falls_back_to_the_default_and_is_named() -> None:
    for junk in ("Paranoid", "", 3, None, ["Eager"]):
        settings_path().write_text(json.dumps({"check_sensitivity": junk, "top_k": 7}), encoding="utf-8")
        settings, message = load_settings()
        assert settings.check_sensitivity == default_preset_name() and settings.top_k == 7
        assert message is not None and "check_sensitivity" in message


def test_a_check_sensitivity_in_another_case_is_accepted_as_the_preset() -> None:
    settings_path().write_text(json.dumps({"check_sensitivity": "balanced"}), encoding="utf-8")
    assert load_settings() == (replace(Settings(), check_sensitivity="Balanced"), None)


def test_the_settings_name_the_checkers_presets_as_the_checker_does() -> None:
    # settings reads checker_presets.json itself (importing the checker loads numpy at start)
    from cloze_app.core.app import settings as settings_module
    from cloze_app.core.learn.checker import checker_presets, find_preset

    assert settings_module.default_preset_name() == default_preset_name()
    for preset in checker_presets():
        for asked in (preset.name, preset.name.upper(), f" {preset.name.lower()} "):
            assert settings_module.preset_name(asked) == find_preset(asked).name == preset.name
    assert settings_module.preset_name("no such preset") == find_preset("no such preset").name
