"""Several blanks in one sentence, decoded jointly: accuracy and the work it takes.

Each held-out sentence of ``bench/heldout.jsonl`` (its blank filled back in) gets ``--blanks``
blanks: the held-out word and the longest other plain words (letters only, not the first word,
not next to another blank; the first of equal length wins). The engine fills them together, the
way the window fills the blanks near the cursor. Prints, over the sentences:

- top-1 / top-5: the original word (any case) first / among the first five candidates of its blank;
- all right: every blank's first candidate is its original word;
- the model's work per request: ``session.run`` calls, rows and batch cells (rows x padded
  length), which no other load on the machine changes, and the median wall time.

    python -m bench.joint [--limit 150] [--blanks 3] [--model ID|PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

HELDOUT = Path(__file__).resolve().parent / "heldout.jsonl"
_WORD = re.compile(r"[A-Za-z]+")


def blanked(text: str, answer: str, blanks: int) -> tuple[str, list[str]] | None:
    """The sentence with ``blanks`` words blanked (the held-out one first) and their words in text
    order; None when the sentence has too few plain words for that many blanks."""
    start = text.index("___")
    full = text[:start] + answer + text[start + 3 :]
    words = [m for m in _WORD.finditer(full)][1:]
    held = next((i for i, m in enumerate(words) if m.start() == start), None)
    if held is None:
        return None
    chosen = {held}
    for i in sorted(range(len(words)), key=lambda i: (-len(words[i].group()), i)):
        if len(chosen) == blanks:
            break
        if all(abs(i - j) > 1 for j in chosen):
            chosen.add(i)
    if len(chosen) < blanks:
        return None
    out, last = [], 0
    for i in sorted(chosen):
        out += [full[last : words[i].start()], "___"]
        last = words[i].end()
    out.append(full[last:])
    return "".join(out), [words[i].group() for i in sorted(chosen)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=150, help="sentences (the first ones that fit)")
    parser.add_argument("--blanks", type=int, default=3)
    parser.add_argument("--model", default=None, help="model id or folder (default: the bundled model)")
    args = parser.parse_args(argv)

    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.core.models.registry import ModelRegistry

    engine = ClozeEngine.load(ModelRegistry().resolve(args.model))
    runner = engine.decoder.runner
    items: list[tuple[str, list[str]]] = []
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        row: dict[str, Any] = json.loads(line)
        made = blanked(row["text"], row["answer"], args.blanks)
        if made is not None:
            items.append(made)
        if len(items) >= args.limit:
            break
    engine.fill(items[0][0])  # warm
    top1 = top5 = every = total = 0
    runs, rows, cells, seconds = [], [], [], []
    for text, answers in items:
        before = (runner.runs, runner.rows_run, runner.tokens_run)
        started = time.perf_counter()
        result = engine.fill(text, top_k=10)
        seconds.append(time.perf_counter() - started)
        runs.append(runner.runs - before[0])
        rows.append(runner.rows_run - before[1])
        cells.append(runner.tokens_run - before[2])
        firsts = []
        for blank, answer in zip(result.blanks, answers, strict=True):
            words = [c.word.casefold() for c in blank.candidates]
            top1 += bool(words[:1] == [answer.casefold()])
            top5 += answer.casefold() in words[:5]
            firsts.append(words[:1] == [answer.casefold()])
            total += 1
        every += all(firsts)
    n = len(items)
    print(f"{n} sentences x {args.blanks} blanks ({engine.folder.name})")
    print(
        f"top-1 {100 * top1 / total:.1f}%  top-5 {100 * top5 / total:.1f}%  all right {100 * every / n:.1f}%"
    )
    print(
        f"per request: runs {statistics.mean(runs):.1f}, rows {statistics.mean(rows):.1f}, "
        f"batch cells {statistics.mean(cells):.0f} (mean); wall {1000 * statistics.median(seconds):.0f} ms "
        f"(median; the machine may be shared, the cells are not)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
