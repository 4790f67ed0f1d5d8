"""The checker's word lists load once, however many threads ask at the same time."""

from __future__ import annotations

import threading
import time

import pytest

from cloze_app.core.learn import checker, confusion


def test_word_lists_load_once_when_a_check_starts_during_the_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    inside = threading.Event()

    def slow_alternatives(word: str) -> object:
        loads.append(word)
        inside.set()
        time.sleep(0.05)  # a load in progress while the others arrive
        return ()

    monkeypatch.setattr(checker, "_word_lists_loaded", False)
    monkeypatch.setattr(confusion, "alternatives", slow_alternatives)
    threads = [threading.Thread(target=checker.warm_up) for _ in range(4)]
    threads[0].start()
    inside.wait(5)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert loads == ["house", "went", "their"]  # one warm-up's loads, never two side by side
    checker.warm_up()
    assert len(loads) == 3
