"""How `chaoslab compare` shows the change in request counts."""

from chaoslab.compare import _count_delta


def test_a_count_change_is_shown_whole_like_the_counts_themselves():
    # The lab's 5/s and 20/s cpu-stress runs: 36.8 and 80.0 slow requests, shown as 37 and 80.
    assert _count_delta(36.8, 80.0) == "+43"
    assert _count_delta(9.6, 2.0) == "-8"


def test_counts_that_show_the_same_are_unchanged():
    assert _count_delta(30.2, 29.9) == "="
    assert _count_delta(None, 3.0) == ""
