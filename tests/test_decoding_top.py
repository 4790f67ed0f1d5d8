"""``_top``: the best allowed ids of a row, whichever path finds them."""

from __future__ import annotations

import numpy as np
import pytest

from cloze_app.core.engine.decoding import _top


@pytest.mark.parametrize("share", [0.9, 0.2, 0.01])
@pytest.mark.parametrize("count", [1, 2, 10, 60])
def test_the_best_allowed_ids_come_first_in_order(share: float, count: int) -> None:
    """A dense mask (a word's first piece) is settled by the row's best values; a sparse one
    (continuation pieces), whose ids seldom lead the row, is searched among its own ids."""
    rng = np.random.default_rng(count)
    for _ in range(20):
        values = rng.normal(size=3000).astype(np.float32)
        values[rng.random(3000) < 0.05] = -np.inf  # tokens the model has no output for
        allowed = rng.random(3000) < share
        allowed[np.argsort(-values)[:100]] &= share > 0.5  # the row's best are not allowed if sparse
        got = _top(values, allowed, count)
        usable = np.flatnonzero(allowed & np.isfinite(values))
        want = usable[np.argsort(-values[usable], kind="stable")][:count]
        assert got == [int(i) for i in want]


def test_nothing_allowed_or_nothing_asked_gives_nothing() -> None:
    values = np.arange(10, dtype=np.float32)
    assert _top(values, np.zeros(10, dtype=bool), 3) == []
    assert _top(values, np.ones(10, dtype=bool), 0) == []
    assert _top(values, np.eye(10, dtype=bool)[2], 3) == [2]
