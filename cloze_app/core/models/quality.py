"""One line on how good a model is, for choosing between models: from its ``eval.json``.

``scripts/eval_model.sh`` writes ``eval.json`` beside a trained model (held-out masked-word
accuracy per source, BLiMP pair accuracy); a converted model has only the int8/fp32 agreement
its install check stored in the manifest. Nothing here runs the model.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

EVAL_FILE = "eval.json"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def quality_line(folder: Path, extra: dict[str, str] | None = None, short: bool = False) -> str:
    """E.g. ``52% top-1, 71% top-5 on held-out Wikipedia words; BLiMP 73%``.

    Args:
        folder: the model folder (``eval.json`` is read when present and well formed).
        extra: the manifest's extra fields (``agreement_top5`` after a conversion).
        short: for a table column: ``52% top-1, BLiMP 73%``.

    Returns:
        The line, or ``"not evaluated"`` when nothing is known.
    """
    try:
        data = json.loads((Path(folder) / EVAL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    parts: list[str] = []
    if isinstance(data, dict):
        scores = data.get("int8") or data.get("fp32") or data
        scores = scores if isinstance(scores, dict) else {}
        heldout = scores.get("heldout")
        source, where = (heldout.get("wikipedia") if isinstance(heldout, dict) else None), "Wikipedia"
        if not isinstance(source, dict):
            source, where = scores.get("heldout_all"), "all sources"
        if isinstance(source, dict):
            top1, top5 = _number(source.get("top1")), _number(source.get("top5"))
            if top1 is not None and top5 is not None:
                long = f"{top1:.0%} top-1, {top5:.0%} top-5 on held-out {where} words"
                parts.append(f"{top1:.0%} top-1" if short else long)
        blimp = scores.get("blimp")
        accuracy = _number(blimp.get("accuracy")) if isinstance(blimp, dict) else None
        if accuracy is not None:
            parts.append(f"BLiMP {accuracy:.0%}")
    agreement = (extra or {}).get("agreement_top5")
    if not parts and agreement:
        with contextlib.suppress(ValueError):
            kept = float(agreement)
            parts.append(
                f"int8 keeps {kept:.0%}"
                if short
                else f"int8 keeps {kept:.0%} of the original's top-5 (not evaluated)"
            )
    return (", " if short else "; ").join(parts) or "not evaluated"
