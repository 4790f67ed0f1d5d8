"""An English model suggests a word of several pieces only when it is a word: in the dictionary, one
of the model's names, or a number ("ofing" is out, "football" and "1990s" are in)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cloze_app.core import paths
from cloze_app.core.engine.decoding import BeamWidths
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.engine.known_words import KnownWords, _sorted_words, dictionary_words
from tests.conftest import BUNDLED_MODEL, WORDS
from tests.tinymodels import WORDPIECE, wordpiece_tokenizer, write_model_folder

# At a [MASK]: cat > foot > dog. Two masks in place, the first piece is cat or foot; after cat the
# model wants "##ing" (cating, not a word), after foot "##ball" (football) a little less.
PREFERENCES = {
    "prior": {"[MASK]": {"cat": 3.0, "foot": 2.5, "dog": 2.0}},
    "after": {"cat": {"##ing": 9.0}, "foot": {"##ball": 8.0}},
}


def model(tmp_path: Path, languages: tuple[str, ...] = ("en",), names: str = "") -> ClozeEngine:
    folder = write_model_folder(
        tmp_path / "-".join(languages),
        wordpiece_tokenizer(WORDS, ["ball", "ing"]),
        WORDPIECE,
        languages=languages,
        **PREFERENCES,  # type: ignore[arg-type]
    )
    if names:
        (folder / "truecase.txt").write_text(names, encoding="utf-8")
    engine = ClozeEngine.load(folder, threads=1)
    engine.decoder.beam = BeamWidths(first2=1)  # one first piece tried: the known words choose it
    return engine


def suggested(engine: ClozeEngine) -> list[str]:
    return [c.word for c in engine.fill("i saw the ___ there", top_k=20).blanks[0].candidates]


def test_an_english_model_tries_first_pieces_that_make_words_and_suggests_only_words(tmp_path: Path) -> None:
    found = suggested(model(tmp_path))
    assert "football" in found
    assert "cating" not in found
    assert found[:4] == ["cat", "foot", "football", "dog"]


def test_another_languages_model_keeps_every_piece_pair(tmp_path: Path) -> None:
    found = suggested(model(tmp_path, languages=("de",)))
    assert "cating" in found  # its best first piece, continued
    assert "football" not in found  # one first piece was tried: cat


def test_the_models_names_count_as_words(tmp_path: Path) -> None:
    found = suggested(model(tmp_path, names="cating\n"))
    assert "Cating" in found  # a name, written with its capital


def test_numbers_and_a_missing_word_list(tmp_path: Path) -> None:
    decoder = model(tmp_path).decoder
    known = KnownWords(decoder.info, decoder.pieces, decoder.tok.token_to_id, words=lambda: ["football"])
    assert known.known("Football") and known.known("1990s") and known.known("19th")
    assert not known.known("ofing")
    foot = decoder.tok.token_to_id("foot")
    assert [decoder.info.word((foot, int(i))) for i in known.endings(foot, True)] == ["football"]
    nothing = KnownWords(decoder.info, decoder.pieces, decoder.tok.token_to_id, words=list)  # no list
    assert nothing.known("ofing")
    assert len(nothing.endings(foot, True)) == decoder.info.continuation.sum()


def test_the_dictionary_has_inflections_and_american_spellings_and_no_pieces() -> None:
    words = dictionary_words()
    _sorted_words.cache_clear()
    again = dictionary_words()  # now from the sorted copy in the cache folder
    assert list(again) == list(words) == sorted(words)
    assert {"football", "coffees", "urbanization", "inured", "favorite", "traveled"} <= set(words)
    assert not {"ofing", "coffeees", "thevil", "wayus"} & set(words)
    (kept,) = (paths.cache_dir() / "words").glob("en-*.txt")
    kept.write_bytes(kept.read_bytes()[: kept.stat().st_size // 2])  # a damaged copy
    _sorted_words.cache_clear()
    assert list(dictionary_words()) == list(words)  # built again, not read half
    assert kept.stat().st_size > 100_000


def test_the_bundled_models_pairs_are_the_tokenizers_own_splits() -> None:
    """The WordPiece shortcut (greedy longest match) finds exactly the pairs the tokenizer makes."""
    engine = ClozeEngine.load(BUNDLED_MODEL)
    decoder = engine.decoder
    fast = decoder.known
    assert fast is not None
    names = BUNDLED_MODEL / "truecase.txt"
    slow = KnownWords(decoder.info, decoder.pieces, decoder.tok.token_to_id, lambda: dictionary_words(names))
    slow._split_so = lambda head, text, first, piece, spaced: (  # type: ignore[method-assign]
        decoder.pieces(head + text, spaced) == (first, piece)
    )
    firsts = np.flatnonzero(decoder.info.first_spaced)[::23].tolist()
    pairs = 0
    for first in firsts:
        found = fast.endings(first, True).tolist()
        assert found == slow.endings(first, True).tolist(), decoder.info.word((first,))
        pairs += len(found)
    assert pairs > 1000  # the sample holds many known two-piece words
    _, doc = engine._blanks_doc("The ___ of the city is large.")
    found = decoder.generate(doc, [[decoder.info.mask_id]], [0])[0]  # every word the search finds
    several = [s.word for s in found if len(s.ids) > 1]
    assert "urbanization" in several and all(fast.known(w) for w in several)
