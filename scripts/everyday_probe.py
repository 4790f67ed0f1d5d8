"""The checker on everyday chat: how many flags each preset raises on text people write every day.

The checker is tuned on edited text (Wikipedia, Austen) with made errors; users also paste
messages, emails and notes. This reads ``chitchat-dataset`` (open-domain chat from the BYU PCC
lab, MIT license; https://github.com/BYU-PCCL/chitchat-dataset), a data-only wheel fetched with
``pip download --no-deps`` into the git-ignored ``data/chitchat/`` on the first run, keeps the
messages that look carefully written (a capital first, an end mark last, at least eight words,
every lower-case word in the spelling list, none of the chat spellings "im", "dont", "u", ...),
shuffles them with a fixed seed and checks the first ``--messages`` as one text, a message a line.

Most flags on this text are false alarms, not all: people slip in chat too ("Any relation to to
Salazar", "more common then"). So the figures are flags per 100 words, an upper bound on the
false alarms; ``--list`` prints every flag in its message to read them by hand. Not used for
tuning except where a script says so (``tune_checker.MINIMA``).

    python scripts/everyday_probe.py [--messages 400] [--list] [--preset Balanced]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DATA = REPO / "data" / "chitchat"
PACKAGE = "chitchat-dataset==0.9.0"
MEMBER = "chitchat_dataset/dataset.json"
CHAT_SPELLINGS = re.compile(
    r"\b(im|dont|doesnt|cant|wont|didnt|isnt|thats|ive|youre|u|ur|lol|haha)\b", re.IGNORECASE
)


def wheel() -> Path:
    """The dataset's wheel, downloaded (without dependencies) on the first run."""
    found = sorted(DATA.glob("chitchat_dataset-*.whl"))
    if not found:
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", PACKAGE, "-d", str(DATA)],
            check=True,
        )
        found = sorted(DATA.glob("chitchat_dataset-*.whl"))
    return found[-1]


def careful_messages() -> list[str]:
    """The messages that look carefully written, in a fixed shuffled order."""
    from cloze_app.core.learn import spelling

    with zipfile.ZipFile(wheel()) as archive:
        conversations = json.loads(archive.read(MEMBER))
    kept = []
    for conversation in conversations.values():
        for turn in conversation["messages"]:
            for message in turn:
                text = " ".join(message["text"].split())
                words = re.findall(r"[A-Za-z']+", text)
                if len(words) < 8 or not text[0].isupper() or text[-1] not in ".!?":
                    continue
                if CHAT_SPELLINGS.search(text) or " i " in f" {text} ":
                    continue
                if all(spelling.is_known(w) for w in words if not w[0].isupper()):
                    kept.append(text)
    random.Random(0).shuffle(kept)
    return kept


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--preset", default=None, help="one preset (default: each)")
    parser.add_argument("--list", action="store_true", help="print every flag in its message")
    parser.add_argument("--model", default=None, help="model id or folder (default: the bundled model)")
    args = parser.parse_args(argv)

    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.core.learn.checker import check_text, checker_presets, fix_kinds
    from cloze_app.core.models.registry import ModelRegistry

    engine = ClozeEngine.load(ModelRegistry().resolve(args.model))
    text = "\n".join(careful_messages()[: args.messages])
    for preset in checker_presets():
        if args.preset and preset.name.lower() != args.preset.lower():
            continue
        report = check_text(engine, text, preset.thresholds)
        kinds = Counter(fix_kinds(report, preset.thresholds))  # words by their best fix's kind
        per_100 = 100.0 * len(report.flags) / max(1, report.words_total)
        listed = ", ".join(f"{k} {n}" for k, n in kinds.most_common())
        print(
            f"{preset.name}: {len(report.flags)} flags in {report.words_total} checked words of "
            f"{args.messages} messages ({per_100:.2f} per 100); words by the kind of their fix: {listed}"
        )
        if args.list:
            for flag in report.flags:
                start = text.rfind("\n", 0, flag.start) + 1
                end = text.find("\n", flag.end)
                end = len(text) if end < 0 else end
                fixes = ", ".join(s.word for s in flag.suggestions[:3])
                print(
                    f"  {flag.kind}: {flag.word} -> {fixes} | "
                    f"{text[start : flag.start]}[{flag.word}]{text[flag.end : end]}"
                )


if __name__ == "__main__":
    main()
