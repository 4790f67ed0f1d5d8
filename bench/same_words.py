"""Does an engine change keep every answer? This tree's words against another revision's.

Runs the bundled model's ``fill`` (top 10, with log-probabilities to 4 decimals) on every held-out
sentence, every SWORDS context, three-blank versions of held-out sentences (as ``bench.joint``
makes them) and paragraphs of four held-out sentences, and ``score_options`` on the one-blank
ones, first with this tree's ``cloze_app``, then with revision ``--before``'s (extracted to a
temporary folder and imported instead, ``python -P``). Prints how many answers are the same and
the first that differ. A speed change meant to keep the words should print no difference.

    python -m bench.same_words --before REV [--limit 300] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.memory import REPO, child_env

OPTIONS = ("the", "a", "house", "beautiful")


def texts(limit: int) -> list[str]:
    from bench.joint import HELDOUT, blanked
    from bench.throughput import EVAL_DIR, swords_text

    held = [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    swords = [json.loads(line) for line in (EVAL_DIR / "swords_dev.jsonl").read_text().splitlines() if line]
    out = [h["text"] for h in held[:limit]] + [swords_text(s) for s in swords[:limit]]
    out += [b[0] for h in held[:limit] if (b := blanked(h["text"], h["answer"], 3))]
    # Paragraphs: a held-out sentence and the next three filled in (long texts run their rows
    # differently on several threads).
    filled = [h["text"].replace("___", h["answer"], 1) for h in held]
    out += [
        held[i]["text"] + " " + " ".join(filled[i + 1 : i + 4])
        for i in range(0, min(limit, len(held) - 3), 4)
    ]
    return out


def answers(model: Path, items: list[str], threads: int) -> list[Any]:
    """Each text's candidates per blank (word, log-probability) and, with one blank, the best option."""
    from cloze_app.core.engine.engine import ClozeEngine

    engine = ClozeEngine.load(model, threads=threads)
    out: list[Any] = []
    for text in items:
        result = engine.fill(text, top_k=10)
        out.append([[(c.word, round(c.log_prob, 4)) for c in b.candidates] for b in result.blanks])
        if len(result.blanks) == 1:
            out.append([s.option for s in engine.score_options(text, list(OPTIONS))])
    return out


def run_child(root: Path | None, model: Path, limit: int, threads: int, out: Path) -> None:
    command = [sys.executable, "-P", "-m", "bench.same_words", "--child", str(out), "--model", str(model)]
    command += ["--limit", str(limit), "--threads", str(threads)]
    env = child_env()
    if root is not None:  # the other revision's cloze_app first; bench stays this tree's
        env["PYTHONPATH"] = f"{root}:{env['PYTHONPATH']}"
    subprocess.run(command, cwd=REPO, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.same_words", description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="git revision to compare with")
    parser.add_argument("--limit", type=int, default=500, help="held-out sentences and SWORDS contexts each")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--model", type=Path, default=None, help="model folder (default: bundled)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from bench.models import DEFAULT_MODEL

    model = (args.model or DEFAULT_MODEL).resolve()
    if args.child:
        import cloze_app

        print(f"bench: answering with {Path(cloze_app.__file__).parent}", file=sys.stderr, flush=True)
        args.child.write_text(json.dumps(answers(model, texts(args.limit), args.threads)), encoding="utf-8")
        return 0
    if not args.before:
        parser.error("--before REV is needed")
    from bench.coldstart import extract_revision

    with tempfile.TemporaryDirectory(prefix="cloze-same-") as tmp:
        root = Path(tmp) / "before"
        extract_revision(args.before, root)
        now, old = Path(tmp) / "now.json", Path(tmp) / "before.json"
        run_child(None, model, args.limit, args.threads, now)
        run_child(root, model, args.limit, args.threads, old)
        mine, theirs = json.loads(now.read_text()), json.loads(old.read_text())
    items = texts(args.limit)
    same = sum(a == b for a, b in zip(mine, theirs, strict=True))
    print(f"{len(items)} texts, {len(mine)} answers: {same} the same as {args.before}'s")
    shown = 0
    for a, b in zip(mine, theirs, strict=True):
        if a != b and shown < 5:
            shown += 1
            print(f"- this tree: {json.dumps(a)[:300]}\n  {args.before}: {json.dumps(b)[:300]}")
    return 0 if same == len(mine) else 1


if __name__ == "__main__":
    raise SystemExit(main())
