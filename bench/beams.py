"""How much of a wide search the engine's beam keeps, and the work it saves.

For each sentence (held-out text, ``bench/heldout.jsonl``, or SWORDS contexts), the engine fills
the blank (top 10) with a wide beam (8 first pieces of two-piece words, 4 next; 4 of three-piece
words, 2 next) and with each setting below. Prints each setting's batch cells and
``session.run`` calls per request (no other load on the machine changes them) and how often its
list matches the wide one's: the same ten words, the same first five in order, the same best.

    python -m bench.beams [--set heldout|swords] [--limit 200] [--model ID|PATH]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.throughput import EVAL_DIR, swords_text

HELDOUT = Path(__file__).resolve().parent / "heldout.jsonl"


def settings() -> dict[str, object]:
    from cloze_app.core.engine.decoding import BeamWidths

    return {
        "wide": BeamWidths(first2=8, next2=4, first3=4, next3=2),
        "default": BeamWidths(),
        "three-piece words too (2 first, 1 next)": BeamWidths(first3=2, next3=1),
        "two-piece words: 3 first pieces": BeamWidths(first2=3),
        "two-piece words: 4 first pieces": BeamWidths(first2=4),
    }


def texts(which: str, limit: int) -> list[str]:
    if which == "swords":
        rows = [json.loads(line) for line in (EVAL_DIR / "swords_dev.jsonl").read_text().splitlines()]
        return [swords_text(r) for r in rows[:: max(1, len(rows) // limit)][:limit]]
    rows = [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines()]
    return [r["text"] for r in rows[:limit]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("heldout", "swords"), default="heldout")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--model", default=None, help="model id or folder (default: the bundled model)")
    args = parser.parse_args(argv)

    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.core.models.registry import ModelRegistry

    engine = ClozeEngine.load(ModelRegistry().resolve(args.model))
    runner = engine.decoder.runner
    items = texts(args.set, args.limit)
    lists: dict[str, list[list[str]]] = {}
    print(f"{len(items)} {args.set} sentences, top 10 ({engine.folder.name})")
    print("| beam | batch cells per request | runs per request | same 10 words | same first 5 | same best |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, beam in settings().items():
        engine.decoder.beam = beam  # type: ignore[assignment]
        cells, runs = runner.tokens_run, runner.runs
        lists[name] = [[c.word for c in engine.fill(t, top_k=10).blanks[0].candidates] for t in items]
        wide, got = lists["wide"], lists[name]
        same = [
            sum(set(a) == set(b) for a, b in zip(wide, got, strict=True)),
            sum(a[:5] == b[:5] for a, b in zip(wide, got, strict=True)),
            sum(a[:1] == b[:1] for a, b in zip(wide, got, strict=True)),
        ]
        work = f"{(runner.tokens_run - cells) / len(items):.0f} | {(runner.runs - runs) / len(items):.2f}"
        print(f"| {name} | {work} | " + " | ".join(f"{k}/{len(items)}" for k in same) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
