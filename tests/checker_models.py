"""A tiny model that knows a learner's errors, for the checker tests (logits chosen in code).

At a masked position the model prefers a word by the word before it (``AFTER``):

* "she go to school every days ." -> "she" wants goes (grammar), "every" wants day (grammar);
* "their is a cat ." -> a sentence starts with there, she, i or he (word choice: their/there);
* "i recieve letters ." -> "i" wants receive; recieve is not an English word (spelling);
* "she is in house ." -> "in" wants the, and "the" wants house (missing word);
* "she is a the cat ." -> "a" wants cat, not the (extra word);
* "he hurt him ." -> "hurt" wants himself (grammar: a reflexive for its object pronoun);
* "i ever go to school ." -> "i" wants never (word choice: ever/never);
* "he has went to school ." -> "has" wants gone (grammar: a past for its past participle);
* "he can goes to school ." -> "can" wants go (grammar: a verb's base form after a modal);
* "he has go to school ." -> "has" wants gone (grammar: a past participle after "have");
* "yesterday we go to school ." -> "we" wants went (grammar: the past where the sentence says
  when, in the past; without "yesterday" went is another form of go, an ``inflection``).

Every word of ``CLEAN`` is the one the model wants after the word before it, so nothing in it
is flagged. ``SURE`` is how strongly the model prefers a word (natural log).
"""

from __future__ import annotations

from pathlib import Path

from tests.tinymodels import WORDPIECE, wordpiece_tokenizer, write_model_folder

SURE = 12.0
WORDS = [
    "she",
    "he",
    "i",
    "go",
    "goes",
    "went",
    "gone",
    "going",
    "to",
    "school",
    "every",
    "day",
    "days",
    "their",
    "there",
    "is",
    "are",
    "a",
    "an",
    "the",
    "cat",
    "house",
    "in",
    "on",
    "at",
    "receive",
    "letters",
    "ever",
    "never",
    "even",
    "him",
    "himself",
    "hurt",
    "has",
    "can",
    "we",
    "yesterday",
]
AFTER = {
    "[CLS]": {"she": SURE, "there": SURE, "i": SURE, "he": SURE, "yesterday": SURE, "we": SURE},
    "yesterday": {"we": SURE},
    # a little after "an" too, so that taking "an" out of "she is an cat" is no fix (a word no
    # entry names gets the vocabulary's uniform share, whose log is about as low as a margin of 4)
    "an": {"cat": 3.0},
    "we": {"went": SURE},
    "she": {"goes": SURE, "is": SURE},
    "he": {"hurt": SURE, "has": SURE, "can": SURE},
    "can": {"go": SURE},
    "has": {"gone": SURE},
    "gone": {"to": SURE},
    "hurt": {"himself": SURE},
    "himself": {".": SURE},
    "goes": {"to": SURE},
    "go": {"to": SURE},
    "to": {"school": SURE},
    "school": {"every": SURE},
    "every": {"day": SURE},
    "day": {".": SURE},
    "days": {".": SURE},
    "there": {"is": SURE},
    "their": {"is": SURE},
    "is": {"a": SURE, "in": SURE},
    "a": {"cat": SURE},
    "the": {"house": SURE, "cat": SURE},
    "cat": {".": SURE},
    "house": {".": SURE},
    "in": {"the": SURE},
    "i": {"receive": SURE, "never": SURE},
    "never": {"go": SURE},
    "receive": {"letters": SURE},
    "[UNK]": {"letters": SURE},
    "letters": {".": SURE},
}
ERRORS = {
    # text: (flagged span, kind, best fix)
    "she go to school every day .": ("go", "grammar", "goes"),
    "she goes to school every days .": ("every days", "grammar", "every day"),
    "their is a cat .": ("their", "word choice", "there"),
    "i recieve letters .": ("recieve", "spelling", "receive"),
    "she is in house .": ("house", "missing word", "the house"),
    "she is a the cat .": ("the cat", "extra word", "cat"),
}
# Candidates of the kinds added later: text: (flagged span, kind, best fix, the margin it needs)
MORE_ERRORS = {
    "he hurt him .": ("him", "grammar", "himself", "reference"),
    "i ever go to school .": ("ever", "word choice", "never", "confusable"),
    "he has went to school .": ("went", "grammar", "gone", "perfect"),
    "he can goes to school .": ("goes", "grammar", "go", "base"),
    "he has go to school .": ("go", "grammar", "gone", "perfect"),
    "yesterday we go to school .": ("go", "grammar", "went", "past"),
}
CLEAN = "she goes to school every day . there is a cat . she is in the house ."


def learner_model(folder: Path) -> Path:
    """The model described in the module docstring."""
    tok = wordpiece_tokenizer(WORDS)
    return write_model_folder(folder, tok, WORDPIECE, model_id="tiny-learner", max_length=128, after=AFTER)
