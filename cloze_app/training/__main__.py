"""Command line: python -m cloze_app.training corpus|train|export|eval [options]."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    commands = ("corpus", "train", "export", "eval")
    if not args or args[0] not in commands:
        print(f"usage: python -m cloze_app.training {{{'|'.join(commands)}}} [--help]", file=sys.stderr)
        return 2
    cmd, rest = args[0], args[1:]
    if cmd == "corpus":
        from .corpus import main as run
    elif cmd == "train":
        from .train import main as run
    elif cmd == "export":
        from .export import main as run
    else:
        from .evaluate import main as run
    return run(rest)


if __name__ == "__main__":
    raise SystemExit(main())
