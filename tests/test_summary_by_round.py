"""The earlier weeks' figures, read one row a round (handlers/summary_gm._figures_by_round),
as each round's figures by question key: the same whatever the number of keys (a dict
display up to four, zip beyond)."""

from __future__ import annotations

import pytest

from handlers.summary_gm import _by_round


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7])
def test_each_rounds_figures_by_key_in_the_rows_order(count: int) -> None:
    keys = [f"kpi:k{i}" for i in range(count - 1)] + ["confidence"]
    rows = [(*(None if (rid + i) % 3 == 0 else rid * 10.0 + i for i in range(count)), rid)
            for rid in (11, 12, 13)]
    found = _by_round(rows, keys)
    assert found == {row[-1]: {key: row[i] for i, key in enumerate(keys)} for row in rows}
    assert list(found[12]) == keys  # the keys in their order, None where none was given
    assert found[12]["confidence"] == (None if (12 + count - 1) % 3 == 0
                                       else 120.0 + count - 1)
