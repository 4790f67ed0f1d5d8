"""Render the bench results as Markdown for the terminal and ``docs/benchmarks.md``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cloze_app.core.atomic import atomic_write_text

DOCS_FILE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Section:
    """One heading with a sentence of context, a table, and notes under it."""

    title: str
    intro: str
    table: Sequence[str]
    notes: Sequence[str] = field(default_factory=tuple)


def render(
    *,
    date: str,
    command: str,
    machine: Sequence[str],
    models: Sequence[str],
    conditions: Sequence[str],
    sections: Sequence[Section],
    method: Sequence[str],
) -> str:
    """The whole report as Markdown."""
    out = [
        "# Benchmarks",
        "",
        "Cloze's claim is *fast and good, offline, on a laptop CPU*. These figures compare it with what a",
        "user would otherwise run: the Hugging Face `transformers` fill-mask pipeline (PyTorch) on the same",
        "weights. Every figure below comes from one run of one command; re-run it to get your own.",
        "",
        f"- **Date:** {date}",
        f"- **Command:** `{command}` (from the repository root; `./dev bench` installs the `bench` extra "
        "and runs the same)",
        "",
        "## Machine",
        "",
        *[f"- {line}" for line in machine],
        "",
        "## Models",
        "",
        *[f"- {line}" for line in models],
    ]
    if conditions:
        out += ["", "## Conditions", "", *[f"- {line}" for line in conditions]]
    for section in sections:
        out += ["", f"## {section.title}", "", section.intro, "", *section.table]
        if section.notes:
            out += ["", *[f"- {note}" for note in section.notes]]
    out += ["", "## Method", "", *[f"- {line}" for line in method], ""]
    return "\n".join(out)


def write_docs(text: str, path: Path = DOCS_FILE) -> Path:
    """Replace ``docs/benchmarks.md`` (atomically) with the report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    return path
