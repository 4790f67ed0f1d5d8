"""Tiny models for the exercise and checker tests, with logits chosen so the rankings are known.

``passage_model``: at a blank the model is sure of "the" and fairly sure of a few function
words (``EASY``); the other words of PASSAGE get less and less likely in alphabetical order,
and the ``NEVER`` words are far less likely than any of them, also where a passage word stands.

``dog_model``: "the ___ barked at home ." After "the" the model likes cat, hat, bat and
puppy (what it proposes without the right-hand context); "barked" anywhere in the text makes
dog and puppy far better. So puppy "also fits" for dog, while cat and hat are plausible in form
but wrong in context. Every word of "the dog barked at home ." is what the model predicts
after the word before it, so the checker finds nothing to flag in it, and flags "cat".

``shop_model``: "she walked to the bakery and bought bread ." With the blank masked the model
likes bakery, shop and ocean equally after "the" (each fits the context as well as the answer);
with "bakery" in place it proposes "shop" far above anything else: shop means what bakery
means there, ocean does not.
"""

from __future__ import annotations

from pathlib import Path

from tests.tinymodels import WORDPIECE, wordpiece_tokenizer, write_model_folder

PASSAGE = (
    "The old fisherman walked to the harbour every morning. Anna sold him 12 fresh eggs and the "
    "warm bread. He thanked her and carried the basket to the boat. The sea was calm, the sky "
    "was clear, and the gulls were singing over the quiet water."
)
FUNCTION_PRIOR = {"the": 7.0, "and": 5.0, "was": 5.0, "to": 4.5}
# The other words, alphabetically, from fairly likely (3.0) down to barely (0.0) in equal steps.
_OTHERS = sorted(
    {w.strip(".,").lower() for w in PASSAGE.split()}
    - set(FUNCTION_PRIOR)
    - {"anna", "12", "he", "him", "her"}
)
PASSAGE_PRIOR = {**FUNCTION_PRIOR, **{w: 3.0 - 3.0 * k / (len(_OTHERS) - 1) for k, w in enumerate(_OTHERS)}}
EASY = ("the", "and", "was", "to")
NEVER = ("purple", "seven", "quickly", "banana", "slept", "upon")  # far less likely than any word

DOG_WORDS = [
    "the",
    "a",
    "dog",
    "cat",
    "hat",
    "bat",
    "puppy",
    "barked",
    "sat",
    "at",
    "on",
    "home",
    "mat",
    "ran",
]
DOG_TEXT = "the dog barked at home ."


def _passage_words() -> list[str]:
    words = []
    for raw in PASSAGE.lower().replace(".", " ").replace(",", " ").split():
        if raw not in words:
            words.append(raw)
    return words


def passage_model(folder: Path) -> Path:
    """A model over the words of PASSAGE (max length 256, so the passage fits one window)."""
    tok = wordpiece_tokenizer([*_passage_words(), *NEVER])
    prior = {**PASSAGE_PRIOR, **{word: -6.0 for word in NEVER}}
    # With a word of the passage in place (the answer, for the judge), the NEVER words are far
    # below everything: none of them means what a passage word means.
    unlike = {word: dict.fromkeys(NEVER, -12.0) for word in _passage_words()}
    return write_model_folder(
        folder, tok, WORDPIECE, model_id="tiny-passage", max_length=256, prior={"[MASK]": prior, **unlike}
    )


def dog_model(folder: Path) -> Path:
    """The model described in the module docstring."""
    tok = wordpiece_tokenizer(DOG_WORDS)
    return write_model_folder(
        folder,
        tok,
        WORDPIECE,
        model_id="tiny-dog",
        max_length=512,
        after={
            "[CLS]": {"the": 12.0},
            "the": {"cat": 3.0, "hat": 2.5, "bat": 2.0, "puppy": 2.0, "dog": 1.0},
            "dog": {"barked": 6.0},
            "cat": {"sat": 6.0},
            "puppy": {"barked": 6.0},
            "barked": {"at": 12.0},
            "at": {"home": 12.0},
            "home": {".": 12.0},
        },
        context={"barked": {"dog": 8.0, "puppy": 8.0}},
    )


SHOP_WORDS = ["she", "walked", "to", "the", "bakery", "shop", "ocean", "and", "bought", "bread"]
SHOP_TEXT = "she walked to the bakery and bought bread ."


def shop_model(folder: Path) -> Path:
    """The model described in the module docstring."""
    tok = wordpiece_tokenizer(SHOP_WORDS)
    return write_model_folder(
        folder,
        tok,
        WORDPIECE,
        model_id="tiny-shop",
        max_length=64,
        after={"the": {"bakery": 3.0, "shop": 3.0, "ocean": 3.0}},
        context={"bakery": {"shop": 12.0}},
    )
