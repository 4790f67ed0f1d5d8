"""The user's text as tokens with slots: each slot is a blank or a word we score in place.

A slot's content (mask tokens, a candidate's pieces, or the word itself) is spliced into the
token sequence when a row is rendered; rows longer than the model's window are cut around the
slot of interest, never away from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tokenizers import Tokenizer

from cloze_app.core.engine.session import Row
from cloze_app.core.engine.vocab import BYTELEVEL, SENTENCEPIECE, TokenInfo
from cloze_app.core.errors import InferenceError


@dataclass(frozen=True)
class Slot:
    """Where a blank or word sits: pieces go before ``tokens[at]``."""

    start: int
    end: int
    at: int
    spaced: bool  # white space before it (chooses ▁/Ġ word-start pieces)
    original: tuple[int, ...]  # the pieces in the text (a blank: one mask token)


@dataclass(frozen=True)
class Document:
    """Tokens of the text with the slots taken out."""

    tokens: tuple[int, ...]
    slots: tuple[Slot, ...]

    def render(
        self,
        info: TokenInfo,
        contents: Sequence[Sequence[int]],
        target: int,
        window: int,
        *,
        cut_right: bool = False,
    ) -> tuple[list[int], int]:
        """Ids of one row (specials included) and where the target slot's content starts.

        Only tokens near the target are looked at, so a row costs O(window), not O(text).
        """
        special = len(info.prefix) + len(info.suffix)
        budget = max(window - special, len(contents[target]) + 1)
        at = self.slots[target].at
        lo = max(0, at - budget)
        hi = at if cut_right else min(len(self.tokens), at + budget)
        body: list[int] = []
        target_start = -1
        index = _first_slot_at_or_after(self.slots, lo)
        position = lo
        while index < len(self.slots) and self.slots[index].at <= hi:
            slot = self.slots[index]
            if index == target and cut_right:
                break
            body.extend(self.tokens[position : slot.at])
            if index == target:
                target_start = len(body)
            body.extend(contents[index])
            position = slot.at
            index += 1
        if cut_right:
            body.extend(self.tokens[position:at])
            target_start = len(body)
            body.extend(contents[target])
        else:
            body.extend(self.tokens[position:hi])
        if target_start < 0:
            raise InferenceError("Internal error: the slot to predict fell outside its own window.")
        length = len(contents[target])
        if len(body) > budget:
            left = max(0, target_start - (budget - length) // 2)
            right = min(len(body), left + budget)
            left = max(0, right - budget)
            body = body[left:right]
            target_start -= left
        return [*info.prefix, *body, *info.suffix], target_start + len(info.prefix)

    def row(
        self,
        info: TokenInfo,
        contents: Sequence[Sequence[int]],
        target: int,
        offsets: Sequence[int],
        window: int,
        *,
        cut_right: bool = False,
    ) -> Row:
        """A row reading predictions at ``offsets`` inside the target slot's content."""
        ids, start = self.render(info, contents, target, window, cut_right=cut_right)
        return Row(tuple(ids), tuple(start + o for o in offsets))


def _first_slot_at_or_after(slots: Sequence[Slot], position: int) -> int:
    lo, hi = 0, len(slots)
    while lo < hi:
        mid = (lo + hi) // 2
        if slots[mid].at < position:
            lo = mid + 1
        else:
            hi = mid
    return lo


def encode_with_blanks(
    tok: Tokenizer, info: TokenInfo, text: str, spans: Sequence[tuple[int, int]], mask_token: str
) -> Document:
    """Tokenize ``text`` with each blank span replaced by the mask token; one slot per blank."""
    pieces = []
    previous = 0
    for start, end in spans:
        pieces.append(text[previous:start])
        pieces.append(mask_token)
        previous = end
    pieces.append(text[previous:])
    ids = tok.encode("".join(pieces), add_special_tokens=False).ids
    tokens: list[int] = []
    slots: list[Slot] = []
    for token in ids:
        if token == info.mask_id:
            if tokens and _bare_marker(info, tokens[-1]):
                tokens.pop()  # a mask token without lstrip leaves its space as a lone ▁ / Ġ
            if len(slots) < len(spans):
                start, end = spans[len(slots)]
                spaced = start > 0 and text[start - 1].isspace()
                slots.append(Slot(start, end, len(tokens), spaced, (info.mask_id,)))
            continue
        tokens.append(token)
    if len(slots) != len(spans):
        raise InferenceError(
            f"Found {len(slots)} of {len(spans)} blanks after tokenizing; a blank may be glued to "
            "other characters. Put spaces around it."
        )
    return Document(tuple(tokens), tuple(slots))


def encode_with_words(
    tok: Tokenizer, info: TokenInfo, text: str, spans: Sequence[tuple[int, int]]
) -> tuple[Document, list[int]]:
    """Tokenize ``text`` and make each word span a slot holding its own pieces.

    Returns the document and, for each span, the index of its slot (-1 when the span matched no
    token of its own, e.g. it lies inside a longer token).
    """
    encoding = tok.encode(text, add_special_tokens=False)
    ids, offsets = encoding.ids, encoding.offsets
    tokens: list[int] = []
    slots: list[Slot] = []
    slot_of = [-1] * len(spans)
    i = 0
    for span_index, (start, end) in enumerate(spans):
        while i < len(ids) and offsets[i][1] <= start:
            tokens.append(ids[i])
            i += 1
        first = i
        while i < len(ids) and offsets[i][0] < end:
            i += 1
        word_ids = ids[first:i]
        if not word_ids or offsets[first][0] < start - 1 or offsets[i - 1][1] > end:
            tokens.extend(word_ids)
            continue
        spaced = start > 0 and text[start - 1].isspace()
        slot_of[span_index] = len(slots)
        slots.append(Slot(start, end, len(tokens), spaced, tuple(word_ids)))
    tokens.extend(ids[i:])
    return Document(tuple(tokens), tuple(slots)), slot_of


def _bare_marker(info: TokenInfo, token: int) -> bool:
    return (
        info.family in (SENTENCEPIECE, BYTELEVEL)
        and bool(info.has_marker[token])
        and info.pieces[token]
        in (
            b"",
            b" ",
        )
    )
