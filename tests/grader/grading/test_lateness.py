"""Late work (``grader.grading.lateness``): the policy's syntax, due dates, Gradescope's
times, and the penalty one submission gets."""

from datetime import datetime, timedelta, timezone

import pytest

from grader.grading.lateness import (
    LatePolicy,
    LatePolicyError,
    assess,
    parse_due,
    parse_gradescope_time,
    parse_late_policy,
)

DUE = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_policy_syntax():
    """Rates per day or hour, a cap and a maximum, with commas or spaces; anything else
    is an error that shows the syntax."""
    assert parse_late_policy("10%/day") == LatePolicy("10%/day", 10.0, "day")
    assert parse_late_policy("10%/day, cap 50%") == LatePolicy("10%/day, cap 50%", 10, "day", 50)
    assert parse_late_policy("2.5% per hour max 48 hours") == LatePolicy(
        "2.5% per hour max 48 hours", 2.5, "hour", None, 48)  # fmt: skip
    for bad in ("", "ten percent", "10%/day, cap", "10%/day, max 3 hours", "10%/week"):
        with pytest.raises(LatePolicyError, match="late policy"):
            parse_late_policy(bad)


def test_due_dates_and_gradescope_times():
    """ISO due dates with an offset or Z, a date alone as its last second, local time
    without an offset; Gradescope's Ruby time with nanoseconds and offset."""
    assert parse_due("2025-03-01T12:00Z") == DUE
    assert parse_due("2025-03-01 13:00+01:00") == DUE
    assert parse_due("2025-03-01").hour == 23 and parse_due("2025-03-01").tzinfo is not None
    with pytest.raises(LatePolicyError, match="due date"):
        parse_due("next friday")
    assert parse_gradescope_time("2025-03-01 07:00:00.123456789 -05:00") == DUE + timedelta(
        microseconds=123456)  # fmt: skip
    assert parse_gradescope_time("not a time") is None


def test_penalties():
    """Per started day, capped, zero after the maximum, never more than the score; on time
    is not late; no due date is unknown unless Canvas marked the file late."""
    policy = parse_late_policy("10%/day, cap 25%")
    late = lambda hours, **kw: assess(DUE + timedelta(hours=hours), "t", False, DUE,  # noqa: E731
                                      kw.get("policy", policy), kw.get("score", 8), 10)  # fmt: skip
    assert (late(-1).late, late(-1).penalty) == (False, 0)
    assert (late(1).units, late(1).penalty) == (1, 1.0)
    assert (late(49).units, late(49).penalty) == (3, 2.5)  # 30% capped at 25%
    assert late(1, score=0.5).penalty == 0.5  # not below 0
    strict = parse_late_policy("10%/day, max 2 days")
    assert late(50, policy=strict).penalty == 8  # later than 2 days: 0
    unknown = assess(None, "", False, None, policy, 8, 10)
    assert (unknown.late, unknown.penalty, unknown.source) == (None, 0, "")
    marked = assess(None, "", True, None, policy, 8, 10)
    assert (marked.late, marked.units, marked.penalty) == (True, 1, 1.0)
    assert marked.source == "Canvas _LATE_ file name"
