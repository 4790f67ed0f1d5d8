"""The engine's start caches (issue 14): the kept optimized graph with its weights in a file
beside it, and the saved vocabulary analysis. Each is reused only for the exact model file, and a
damaged or missing piece costs the slow path, never an error."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from cloze_app.core import paths
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.engine.session import OPTIMIZED_DIR
from cloze_app.core.engine.vocab import TokenInfo, load_token_info, save_token_info

TEXT = "i saw the ___ there"
FLAGS = ("has_marker", "first_spaced", "first_glued", "continuation", "special")


def _scores(engine: ClozeEngine) -> list[tuple[str, float]]:
    return [(c.word, c.log_prob) for c in engine.fill(TEXT).blanks[0].candidates]


def _kept() -> tuple[list[Path], list[Path]]:
    folder = paths.cache_dir() / OPTIMIZED_DIR
    return sorted(folder.glob("*.onnx")), sorted(folder.glob("*.data"))


def test_the_kept_graph_keeps_its_weights_beside_it_and_predicts_exactly_the_same(
    tiny_model_dir: Path,
) -> None:
    first = ClozeEngine.load(tiny_model_dir, gather_head=False)  # optimizes and writes the copy
    graphs, weights = _kept()
    assert len(graphs) == 1 and len(weights) == 1
    assert weights[0].stat().st_size > graphs[0].stat().st_size  # the weights left the graph
    second = ClozeEngine.load(tiny_model_dir, gather_head=False)  # opens the copy
    assert _kept() == (graphs, weights)
    assert _scores(second) == _scores(first)


def test_a_kept_graph_whose_weights_are_gone_or_damaged_falls_back_to_the_model(
    tiny_model_dir: Path,
) -> None:
    want = _scores(ClozeEngine.load(tiny_model_dir, gather_head=False))
    graphs, weights = _kept()
    weights[0].unlink()
    assert _scores(ClozeEngine.load(tiny_model_dir, gather_head=False)) == want
    assert _kept() == ([], [])  # the graph that names missing weights is dropped
    ClozeEngine.load(tiny_model_dir, gather_head=False)  # and written again, whole
    graphs, weights = _kept()
    assert len(graphs) == 1 and len(weights) == 1
    weights[0].write_bytes(weights[0].read_bytes()[:10])  # truncated
    assert _scores(ClozeEngine.load(tiny_model_dir, gather_head=False)) == want


def test_a_changed_model_file_gets_a_new_kept_graph_and_the_old_one_goes(tiny_model_dir: Path) -> None:
    ClozeEngine.load(tiny_model_dir, gather_head=False)
    old = _kept()
    model = tiny_model_dir / "model.onnx"
    stat = model.stat()
    model.write_bytes(model.read_bytes())  # same bytes, a new modification time
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    ClozeEngine.load(tiny_model_dir, gather_head=False)
    new = _kept()
    assert len(new[0]) == 1 and len(new[1]) == 1
    assert not set(new[0]) & set(old[0]) and not set(new[1]) & set(old[1])


@pytest.mark.parametrize("folder", ["tiny_model_dir", "tiny_sp_model_dir", "tiny_bpe_model_dir"])
def test_a_damaged_vocabulary_analysis_is_redone(folder: str, request: pytest.FixtureRequest) -> None:
    path = request.getfixturevalue(folder)
    want = _scores(ClozeEngine.load(path))
    (saved,) = (paths.cache_dir() / "vocab").glob("*")
    for damage in (b"", b"garbage" * 100, saved.read_bytes()[:-50]):
        saved.write_bytes(damage)
        engine = ClozeEngine.load(path)
        assert _scores(engine) == want
        assert engine.token_info.size == len(engine.token_info.pieces)


def _analysis(pieces: tuple[bytes, ...]) -> TokenInfo:
    rng = np.random.default_rng(0)
    flags = {name: rng.random(len(pieces)) < 0.5 for name in FLAGS}
    return TokenInfo("bytelevel", len(pieces), pieces, mask_id=3, pad_id=1, prefix=(0,), suffix=(2,), **flags)


@pytest.mark.parametrize("every_byte", [False, True])
def test_a_saved_analysis_reads_back_whole_and_a_flipped_bit_is_seen(
    every_byte: bool, tmp_path: Path
) -> None:
    """Byte-level vocabularies can leave no byte free to join the pieces with (lengths are saved)."""
    pieces = tuple(bytes([i % 256, 65 + i % 26]) if i % 5 else b"" for i in range(700))
    if not every_byte:
        pieces = tuple(p.replace(b"\0", b"") for p in pieces)
    assert (len({b for p in pieces for b in p}) == 256) == every_byte
    wanted = _analysis(pieces)
    path = tmp_path / "analysis.vocab"
    save_token_info(wanted, path)
    read = load_token_info(path)
    assert read is not None and read.pieces == wanted.pieces
    assert (read.family, read.size, read.mask_id, read.pad_id, read.prefix, read.suffix) == (
        wanted.family, wanted.size, wanted.mask_id, wanted.pad_id, wanted.prefix, wanted.suffix,
    )  # fmt: skip
    for name in FLAGS:
        assert (getattr(read, name) == getattr(wanted, name)).all(), name
    data = bytearray(path.read_bytes())
    data[-1] ^= 1  # one bit of the last piece
    path.write_bytes(bytes(data))
    assert load_token_info(path) is None


def test_an_analysis_in_the_old_layout_is_replaced(tiny_model_dir: Path) -> None:
    folder = paths.cache_dir() / "vocab"
    folder.mkdir(parents=True)
    old = folder / "tiny-wp-0123456789abcdef01234567.npz"
    old.write_bytes(b"PK\x03\x04 an analysis saved by an older Cloze")
    engine = ClozeEngine.load(tiny_model_dir)
    assert not old.exists()
    assert [p.suffix for p in folder.iterdir()] == [".vocab"]
    assert engine.fill(TEXT).blanks[0].candidates


def test_the_truecase_list_reads_one_word_per_line_whatever_the_spacing_and_case(tmp_path: Path) -> None:
    from cloze_app.core.engine.engine import _read_truecase

    path = tmp_path / "truecase.txt"
    path.write_text(
        "Paris\r\n  LONDON  \n\n\tÖsterreich\nΟΔΥΣΣΕΥΣ\n   \nİstanbul\nnew york\n", encoding="utf-8"
    )
    want = {"i", "paris", "london", "österreich", "οδυσσευς", "i̇stanbul", "new york"}
    assert _read_truecase(path, english=True) == frozenset(want)
    assert _read_truecase(path, english=False) == frozenset(want - {"i"})
    assert _read_truecase(tmp_path / "missing.txt", english=True) == frozenset({"i"})
