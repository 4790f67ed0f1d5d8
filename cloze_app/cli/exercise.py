"""``cloze exercise FILE``: make a cloze exercise; play it in the terminal, print it, or export it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from cloze_app.cli._common import add_model_arguments, open_engine, read_text_argument
from cloze_app.core.errors import InputError
from cloze_app.core.learn.answers import ExerciseSession, validate_choice
from cloze_app.core.learn.exercises import (
    DIFFICULTIES,
    Exercise,
    ExerciseItem,
    ExerciseOptions,
    make_exercise,
)
from cloze_app.core.learn.export import export_exercise
from cloze_app.core.learn.items import ExerciseEngine


def exercise_json(exercise: Exercise) -> str:
    """The exercise as JSON: the text, the blanked text and every item."""
    return json.dumps(
        {
            "difficulty": exercise.difficulty,
            "mode": exercise.mode,
            "text": exercise.text,
            "blanked": exercise.blanked(),
            "items": [asdict(item) for item in exercise.items],
        },
        ensure_ascii=False,
        indent=2,
    )


def _choices_line(item: ExerciseItem) -> str:
    return "   ".join(f"{chr(97 + k)}) {c}" for k, c in enumerate(item.choices))


def exercise_text(exercise: Exercise, key: bool = True) -> str:
    """The printable exercise: blanked text, choices per blank, then the answer key."""
    lines = [exercise.blanked(), ""]
    if any(item.is_multiple_choice for item in exercise.items):
        lines += [f"({item.number}) {_choices_line(item)}" for item in exercise.items] + [""]
    if key:
        lines.append("Answers: " + "  ".join(f"{item.number}. {item.answer}" for item in exercise.items))
    return "\n".join(lines)


def _resolve_choice(item: ExerciseItem, given: str) -> str:
    """A letter (``b``) picks that choice; anything else stays as typed."""
    letter = given.strip().lower()
    if item.is_multiple_choice and len(letter) == 1 and 0 <= ord(letter) - 97 < len(item.choices):
        return item.choices[ord(letter) - 97]
    return given


def play(
    engine: ExerciseEngine,
    exercise: Exercise,
    ask: Callable[[str], str] = input,
    say: Callable[[str], None] = print,
    form_credit: float = 0.5,
) -> ExerciseSession:
    """Ask each blank in turn: ``?`` for a hint, Enter to skip; then print the score.

    ``form_credit``: what the right word in the wrong form earns (0.5 or 0).
    """
    session = ExerciseSession(exercise, form_credit=form_credit)
    say(exercise.blanked())
    say("")
    say("Type the missing word; ? for a hint (first letter, then length), Enter to skip.")
    for item in exercise.items:
        sentence, lo, hi = exercise.sentence(item.number)
        say("")
        say(f"({item.number}) " + " ".join((sentence[:lo] + "_____" + sentence[hi:]).split()))
        if item.is_multiple_choice:
            say("    " + _choices_line(item))
        while True:
            given = _resolve_choice(item, ask(f"({item.number}) > "))
            if given.strip() == "?":
                say("    hint: " + session.hint(item.number))
                continue
            try:
                if given.strip():
                    validate_choice(exercise, item.number, given)
            except InputError as exc:
                say(f"    {exc}")
                continue
            break
        say("    " + session.answer(engine, item.number, given).message())
    say("")
    say(session.score().summary())
    return session


def run(args: argparse.Namespace) -> int:
    """Build the exercise, then export, print or play it."""
    if args.file != "-" and not Path(args.file).is_file():
        raise InputError(f"No such file: {args.file} (give a UTF-8 text file, or - to read standard input).")
    text = read_text_argument(args.file)
    options = ExerciseOptions(
        difficulty=args.difficulty,
        choices=args.choices,
        every_n=args.every or 0,
        max_blanks=args.blanks or 0,
        seed=args.seed,
    )
    title = Path(args.file).stem if args.file != "-" else "Cloze exercise"
    engine = open_engine(args)
    try:
        exercise = make_exercise(engine, text, options, title=title)
        if args.export:
            print(export_exercise(exercise, Path(args.export)))
        elif args.json:
            print(exercise_json(exercise))
        elif sys.stdin.isatty() and args.file != "-":
            play(engine, exercise, form_credit=0.5 if args.wrong_form == "half" else 0.0)
        else:
            print(exercise_text(exercise))
    finally:
        engine.close()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``exercise`` subcommand."""
    parser = subparsers.add_parser(
        "exercise",
        help="make a cloze exercise from a text",
        description="Make a cloze exercise from a text: the model chooses which words to blank. "
        "In a terminal it asks the blanks one by one; otherwise it prints the exercise with an "
        "answer key, or writes it with --export.",
    )
    parser.add_argument("file", metavar="FILE", help="a UTF-8 text file, or - for stdin")
    parser.add_argument(
        "--difficulty",
        choices=DIFFICULTIES,
        default="medium",
        help="easy, medium, hard (content words) or grammar (function words and verb forms); default: medium",
    )
    parser.add_argument(
        "--wrong-form",
        choices=("half", "none"),
        default="half",
        help="what the right word in the wrong form earns when playing (default: half a point)",
    )
    parser.add_argument(
        "--choices",
        type=int,
        default=0,
        metavar="N",
        help="multiple choice with N options (default: type the word)",
    )
    parser.add_argument("--every", type=int, metavar="N", help="classic mode: blank every N-th word")
    parser.add_argument("--blanks", type=int, metavar="N", help="at most N blanks")
    parser.add_argument("--seed", type=int, default=0, help="order of the choices (default: 0)")
    parser.add_argument(
        "--export", metavar="OUT", help="write out.apkg (Anki), out.csv or out.html (printable)"
    )
    parser.add_argument("--json", action="store_true", help="print the exercise as JSON")
    add_model_arguments(parser)
    parser.set_defaults(func=run)
