"""Late submissions: the due date (``parse_due``), the late policy (``parse_late_policy``) and
what they make of one submission (``assess``).

The policy's syntax (``grade batch --late-policy``), parts separated by commas or spaces:

    10%/day                 10% of the points possible off per started day late
    2%/hour                 the same per started hour
    ..., cap 50%            the penalty never exceeds 50% of the points possible
    ..., max 3 days         later than 3 days (or hours): not accepted, the score is 0

e.g. ``10%/day, cap 50%`` or ``10%/day max 3 days``. As in Canvas's own late policy, the
percentage is of the points possible, and a score never goes below 0.

The time a submission was handed in comes, best first, from Gradescope's
``submission_metadata.yml`` (``:created_at:``) or the file's modification time (the
weakest: a copy or an unzip may change it). Canvas does not put a time in its file names,
but marks late ones ``_LATE_``: such a submission is late whatever the file time says
(at least one day or hour), and its ``time_source`` says so; the marker is never dropped.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from grader.errors import GraderError

UNITS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
_UNIT = r"(?P<{}>day|hour|d|h)s?"
_RATE = re.compile(r"^(?P<rate>\d+(?:\.\d+)?)\s*%\s*(?:/|per\s+)" + _UNIT.format("unit") + "$")
_CAP = re.compile(r"^cap\s+(?P<cap>\d+(?:\.\d+)?)\s*%$")
_MAX = re.compile(r"^max\s+(?P<max>\d+)\s*" + _UNIT.format("unit") + "$")
_PARTS = re.compile(r"\s*,\s*|\s+(?=cap\b|max\b)")
POLICY_HELP = (
    "How late work loses points: 'P%/day' or 'P%/hour' (of the points possible, per started "
    "day or hour), optionally ', cap C%' (the penalty never exceeds C%) and ', max N days' "
    "(later than that: 0). E.g. '10%/day, cap 50%'. Needs --due, except for Canvas's _LATE_ "
    "files (one day)."
)


class LatePolicyError(GraderError):
    """A --due or --late-policy that cannot be read (the message shows the syntax)."""


@dataclass(frozen=True)
class LatePolicy:
    """Points off for lateness: ``rate`` percent of the points possible per started ``unit``,
    at most ``cap`` percent; later than ``max_units`` units, the score is 0."""

    text: str
    rate: float
    unit: str = "day"
    cap: float | None = None
    max_units: int | None = None


@dataclass
class Lateness:
    """What the due date and the policy make of one submission. ``late`` is None when it
    cannot be told (no due date, no Canvas marker); ``units`` are started days (or hours)
    late; ``penalty`` is in points; ``source`` says where the time came from."""

    late: bool | None = None
    units: int = 0
    penalty: float = 0.0
    source: str = ""


def _unit(word: str) -> str:
    return "day" if word.startswith("d") else "hour"


def parse_late_policy(text: str) -> LatePolicy:
    """The policy written as ``10%/day, cap 50%, max 3 days`` (see the module's doc)."""
    parts = [p for p in _PARTS.split(text.strip().lower()) if p]
    rate = _RATE.match(parts[0]) if parts else None
    if rate is None:
        raise LatePolicyError(f"late policy {text!r}: it starts with a rate such as 10%/day "
                              f"or 2%/hour. {POLICY_HELP}")  # fmt: skip
    fields = {"rate": float(rate["rate"]), "unit": _unit(rate["unit"])}
    for part in parts[1:]:
        cap, most = _CAP.match(part), _MAX.match(part)
        if cap and "cap" not in fields:
            fields["cap"] = float(cap["cap"])
        elif most and "max_units" not in fields:
            if _unit(most["unit"]) != fields["unit"]:
                raise LatePolicyError(f"late policy {text!r}: 'max' counts the rate's unit "
                                      f"({fields['unit']}s)")  # fmt: skip
            fields["max_units"] = int(most["max"])
        else:
            raise LatePolicyError(f"late policy {text!r}: cannot read {part!r}. {POLICY_HELP}")
    return LatePolicy(text=text.strip(), **fields)


def parse_due(text: str) -> datetime:
    """A due date as ISO 8601 (``2025-03-01T23:59``, ``2025-03-01 23:59+01:00``, ``...Z``);
    without an offset it is this machine's local time. A date alone means its end (23:59:59)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        due = datetime.fromisoformat(value)
    except ValueError:
        raise LatePolicyError(f"due date {text!r}: write it as 2025-03-01T23:59 (local time) "
                              "or with an offset, 2025-03-01T23:59+01:00") from None  # fmt: skip
    if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        due = due.replace(hour=23, minute=59, second=59)
    return due if due.tzinfo else due.astimezone()


def parse_gradescope_time(text: str) -> datetime | None:
    """Gradescope's ``:created_at:`` (Ruby's ``2023-09-14 22:09:17.367463000 -07:00``), or None."""
    match = re.match(r"^['\"]?(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?\s*"
                     r"(Z|[+-]\d\d:?\d\d)?['\"]?$", text.strip())  # fmt: skip
    if not match:
        return None
    day, clock, fraction, offset = match.groups()
    stamp = f"{day}T{clock}.{(fraction or '0')[:6].ljust(6, '0')}"
    when = datetime.fromisoformat(stamp)
    if offset in (None, "Z"):
        return when.replace(tzinfo=timezone.utc)
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = int(offset[1:3]), int(offset[-2:])
    return when.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))


def assess(
    submitted: datetime | None,
    time_source: str,
    late_marker: bool,
    due: datetime | None,
    policy: LatePolicy | None,
    score: float,
    max_score: float,
) -> Lateness:
    """How late one submission is and the points it loses (never more than its score)."""
    unit = UNITS[policy.unit if policy else "day"]
    result = Lateness(source=time_source if due and submitted else "")
    if due is not None and submitted is not None:
        late_by = submitted - due
        result.late = late_by > timedelta(0)
        result.units = math.ceil(late_by / unit) if result.late else 0
    if late_marker:  # Canvas's word that it was late: it stands, at least one unit
        result.source = "Canvas _LATE_ file name" + (f", {time_source}" if result.source else "")
        result.late, result.units = True, max(1, result.units)
    if policy is None or not result.late:
        return result
    if policy.max_units is not None and result.units > policy.max_units:
        result.penalty = score
    else:
        percent = policy.rate * result.units
        percent = min(percent, policy.cap) if policy.cap is not None else percent
        result.penalty = min(score, round(max_score * percent / 100, 4))
    result.penalty = max(0.0, result.penalty)
    return result
