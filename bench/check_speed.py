"""Time ``check_text`` on a 500-word text with the bundled model (target: 3 s, issue 12/14).

The text is the first 500 words of the held-out sentences (``bench/heldout.jsonl``, blanks
filled with their answers). Prints the median of ``--repeat`` runs after one warm-up run, the
rows the model ran, the token cells of its batches (rows times their padded length) and the
flags raised. The CPU seconds (every thread of the process) are the work done: on a busy
machine the wall time grows, they much less.

Each timed check starts with nothing remembered (``Decoder.reads`` cleared), as a first check
does. The "re-check after an edit" row then times what the window does when the user has changed
one word and checks again: only the rows of the edited sentence run, the others' values are
remembered from the check before.

``--compare`` also times, alternately in the same process (so a busy machine slows both alike),
the check as it was before rows were pruned: every candidate, gap and deletion scored, rows of
up to 64 tokens (``proofread.score_text_words(pruning=None, window=64)`` then ``judge``), and
prints the ratios.

    python -m bench.check_speed [--words 500] [--repeat 3] [--compare] [--force-gathered] [--model ID|PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HELDOUT = Path(__file__).resolve().parent / "heldout.jsonl"
BEFORE_WINDOW = 64  # the engine's row window the check used before it had its own


def sample_text(words: int) -> str:
    """About ``words`` words of held-out text, whole sentences, as paragraphs of five."""
    sentences, count = [], 0
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        sentence = row["text"].replace("___", row["answer"], 1)
        sentences.append(sentence)
        count += len(sentence.split())
        if count >= words:
            break
    return "\n\n".join(" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5))


def edit_one_word(text: str) -> str:
    """The text with one word in its middle changed, as a user fixing a flag does."""
    middle = text.index(" the ", len(text) // 2)
    return text[:middle] + " a " + text[middle + len(" the ") :]


def _measure(engine: Any, check: Callable[[], int]) -> tuple[float, int, int, int, float]:
    """Seconds, rows, token cells, flags and CPU seconds (all threads) of one run of ``check``."""
    runner = engine.decoder.runner
    rows, cells = runner.rows_run, runner.tokens_run
    started, cpu = time.perf_counter(), time.process_time()
    flags = check()
    return (
        time.perf_counter() - started,
        runner.rows_run - rows,
        runner.tokens_run - cells,
        flags,
        time.process_time() - cpu,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", default=None)
    parser.add_argument("--compare", action="store_true", help="also time the unpruned check, alternately")
    parser.add_argument(
        "--force-gathered",
        action="store_true",
        help="run the head only at the asked positions even when the load-time check refused it "
        "(to see what that graph would give; the bundled model passes the check)",
    )
    args = parser.parse_args()
    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.core.learn.checker import (
        CHUNK_WORDS,
        CheckerThresholds,
        check_text,
        checkable_words,
        judge,
    )
    from cloze_app.core.learn.proofread import score_text_words
    from cloze_app.core.models.registry import ModelRegistry

    engine = ClozeEngine.load(ModelRegistry().resolve(args.model))
    if args.force_gathered and not engine.decoder.runner.gathers:
        from cloze_app.core.engine.head_gather import load_gathered
        from cloze_app.core.engine.session import ModelRunner, create_session

        graph = load_gathered(engine.folder / "model.onnx")
        if graph is not None:
            session, _ = create_session(graph, engine.provider_report.active, 0)
            engine.decoder.runner = ModelRunner(session, engine.token_info.pad_id, engine.token_info.size)
    print(f"head at the asked positions only: {engine.decoder.runner.gathers}")
    text = sample_text(args.words)
    thresholds = CheckerThresholds.tuned()

    def now() -> int:
        engine.decoder.reads.clear()  # a first check: nothing remembered
        return len(check_text(engine, text, thresholds).flags)

    edited = edit_one_word(text)

    def recheck() -> tuple[float, int, int, int, float]:
        engine.decoder.reads.clear()
        check_text(engine, text, thresholds)  # the check before the edit (not timed)
        return _measure(engine, lambda: len(check_text(engine, edited, thresholds).flags))

    def before() -> int:
        engine.decoder.reads.clear()
        words = checkable_words(text)
        scores, _, _ = score_text_words(
            engine, text, words, chunk_words=CHUNK_WORDS, pruning=None, window=BEFORE_WINDOW
        )
        return len(judge(text, scores, thresholds))

    started = time.perf_counter()
    now()  # warm-up: loads the word lists (lemminflect, wordfreq, spelling)
    first = time.perf_counter() - started
    runs: dict[str, list[tuple[float, int, int, int, float]]] = {"now": [], "recheck": [], "before": []}
    for _ in range(max(1, args.repeat)):
        runs["now"].append(_measure(engine, now))
        runs["recheck"].append(recheck())
        if args.compare:
            runs["before"].append(_measure(engine, before))
    words = len(text.split())
    medians = {}
    for name, done in runs.items():
        if not done:
            continue
        seconds = statistics.median(r[0] for r in done)
        cpu = statistics.median(r[4] for r in done)
        medians[name] = (seconds, done[-1][1], done[-1][2])
        label = {
            "now": "check",
            "recheck": "re-check after one word is edited",
            "before": "before pruning (all rows, 64-token rows)",
        }[name]
        print(
            f"{label}, {words}-word text: {seconds:.2f} s median of {len(done)} "
            f"({cpu:.2f} s of CPU over all threads), {done[-1][1]} rows, {done[-1][2]} token cells, "
            f"{done[-1][3]} flags"
        )
    print(f"first run with word lists loading: {first:.2f} s")
    if "before" in medians:
        (s_now, r_now, c_now), (s_old, r_old, c_old) = medians["now"], medians["before"]
        print(
            f"ratios before/now (same run): time {s_old / s_now:.2f}x, rows {r_old / r_now:.2f}x, "
            f"token cells {c_old / c_now:.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
