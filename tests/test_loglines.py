"""The operator's log about many people: a count and the first few keys per kind."""

from __future__ import annotations

from bot.loglines import outcomes


def test_outcomes_are_counted_most_common_first_each_with_its_first_keys():
    results = {f"d{i:04d}": "unreachable" if i % 4 == 3 else "prompted" for i in range(10)}
    results["zoe"] = "away"
    assert outcomes(results) == (
        "prompted 8 (d0000, d0001, d0002, d0004, d0005 and 3 more); "
        "unreachable 2 (d0003, d0007); away 1 (zoe)")
    # Thousands stay one short line.
    line = outcomes({f"d{i:05d}": "prompted" for i in range(5000)})
    assert line == "prompted 5,000 (d00000, d00001, d00002, d00003, d00004 and 4,995 more)"
