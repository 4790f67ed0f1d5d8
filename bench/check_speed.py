"""Time ``check_text`` on a 500-word text with the bundled model (target: 3 s, issue 12/14).

The text is the first 500 words of the held-out sentences (``bench/heldout.jsonl``, blanks
filled with their answers). Prints the median of ``--repeat`` runs after one warm-up run, the
rows the model ran and the flags raised.

    python -m bench.check_speed [--words 500] [--repeat 3] [--model ID|PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

HELDOUT = Path(__file__).resolve().parent / "heldout.jsonl"


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", default=None)
    parser.add_argument(
        "--force-gathered",
        action="store_true",
        help="run the head only at the asked positions even when the load-time check refused it "
        "(to see what that graph would give; the bundled model's probe differs by up to 1.9 nats)",
    )
    args = parser.parse_args()
    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.core.learn.checker import check_text
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
    started = time.perf_counter()
    check_text(engine, text)  # warm-up: loads the word lists (lemminflect, wordfreq, spelling)
    first = time.perf_counter() - started
    times, rows = [], 0
    for _ in range(max(1, args.repeat)):
        before = engine.decoder.runner.rows_run
        started = time.perf_counter()
        report = check_text(engine, text)
        times.append(time.perf_counter() - started)
        rows = engine.decoder.runner.rows_run - before
    words = len(text.split())
    print(
        f"check, {words}-word text: {statistics.median(times):.2f} s median of {len(times)} "
        f"(first run with word lists loading: {first:.2f} s), {rows} rows, {len(report.flags)} flags"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
