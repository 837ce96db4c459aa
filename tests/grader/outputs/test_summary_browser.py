"""The class summary page as a teacher sees it: rendered by a real headless Chromium, with
the layout measured in the page (``getBoundingClientRect``) by a probe script added to a
copy of it, and read back from the DOM Chromium dumps. Chromium is required: without it
this test fails (CI installs it: ``apt-get install -y chromium``)."""

import html
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from grader.batch import BatchResult, ClassSettings, Graded, Problem
from grader.outputs import class_folder
from grader.outputs.report import Report
from grader.outputs.report import TestResult as Outcome  # not "Test*": pytest would collect it
from grader.outputs.roster import Roster, RosterStudent

# The probe: where each label, bar and list is drawn, and the students table the page
# shows (the one CSS leaves visible), printed into the DOM as JSON.
PROBE = """<script>window.addEventListener("load", () => {  // after the URL's #fragment
const box = (e) => { const r = e.getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
const svg = document.querySelector("svg.histogram");
const shown = [...document.querySelectorAll("table.students")].filter(t => t.offsetParent);
const out = {
  svg: box(svg),
  texts: [...svg.querySelectorAll("text")].map(t => ({cls: t.getAttribute("class"),
          text: t.textContent, box: box(t)})),
  bars: [...svg.querySelectorAll("rect.bar")].map(box),
  attention: box(document.querySelector("ul.attention")),
  attentionItems: [...document.querySelectorAll("ul.attention li")].map(li => li.textContent),
  counts: document.querySelector("p.counts").textContent,
  shown: shown.map(t => t.id),
  rows: shown.length ? [...shown[0].querySelectorAll("tbody tr")].map(tr =>
        ({cells: [...tr.cells].map(c => c.textContent),
          href: tr.querySelector("a") ? tr.querySelector("a").getAttribute("href") : null})) : [],
};
const pre = document.createElement("pre"); pre.id = "probe";
pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});</script>"""


def chromium() -> str:
    """Debian's Chromium: a system program, looked for in the system's folders as well as
    on PATH (CI runs the venv's pytest with a minimal PATH)."""
    folders = [*os.environ.get("PATH", "").split(os.pathsep), "/usr/bin", "/usr/local/bin"]
    for name in ("chromium", "chromium-browser", "google-chrome"):
        for folder in filter(None, folders):
            found = Path(folder) / name
            if found.is_file() and os.access(found, os.X_OK):
                return str(found)
    pytest.fail("Chromium is needed to check the summary page: apt-get install -y chromium")


def render(page: Path, fragment: str, profile: Path) -> dict:
    """The probe's measurements of ``page`` opened at ``#fragment`` in headless Chromium."""
    probe = page.with_name("probe.html")
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    done = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,2000",
         f"--user-data-dir={profile}", "--dump-dom", f"{probe.as_uri()}#{fragment}"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, (done.returncode, done.stderr[-2000:])
    return json.loads(html.unescape(found.group(1)))


def outcome(score: float) -> Report:
    first = Outcome("t1", score, 1, "passed" if score else "failed")
    report = Report("neuron", "x.py", tests=[first, Outcome("t2", 1, 1, "passed")])
    report.total()
    return report


@pytest.fixture
def class_with_tall_bar_and_absentees(tmp_path) -> Path:
    """Seven students at 100% (the tallest bar, whose label used to be drawn above the
    picture), one at 50%, one that could not run, a roster student who handed in nothing
    and a folder with no submission: the output folder written."""
    graded = [Graded(f"s{i}", outcome(1), False) for i in range(7)]
    graded.append(Graded("half", outcome(0), False))
    broken = Report("neuron", "x.py", status="not_runnable", problem="SyntaxError: line 3")
    broken.tests = [Outcome("t1", 0, 1, "error"), Outcome("t2", 0, 1, "error")]
    broken.total()
    graded.append(Graded("broken", broken, False))
    roster = Roster([RosterStudent(g.student) for g in graded] + [RosterStudent("eve", "Eve")])
    result = BatchResult("neuron", graded, [Problem("dave", "no neuron.py in dave")],
                         settings=ClassSettings(roster))  # fmt: skip
    out = tmp_path / "out"
    class_folder.write_all(result, out)
    return out


def test_summary_page_in_a_browser(tmp_path, class_with_tall_bar_and_absentees):
    """In Chromium: every histogram label (counts, both axes' ticks and titles) and bar is
    drawn inside the SVG's box, the tallest bar's count included; the not-graded list
    comes before the histogram and names each student with the reason; the header counts
    the students not graded; the students table shows one row per student, links each
    graded one to their feedback page (which exists), and sorts by score when that
    column's link is followed."""
    out = class_with_tall_bar_and_absentees
    page = out / "summary.html"
    layout = render(page, "", tmp_path / "profile")
    svg = layout["svg"]
    assert svg["right"] - svg["left"] > 300 and svg["bottom"] - svg["top"] > 150
    for item in layout["texts"] + [{"box": b, "text": "bar"} for b in layout["bars"]]:
        b = item["box"]
        inside = (svg["left"] <= b["left"] and b["right"] <= svg["right"]
                  and svg["top"] <= b["top"] and b["bottom"] <= svg["bottom"])  # fmt: skip
        assert inside, (item, svg)
    texts = {t["cls"]: [] for t in layout["texts"]}
    for t in layout["texts"]:
        texts[t["cls"]].append(t["text"])
    assert texts["count"] == ["1", "1", "7"]  # could not run (0%), half (50%), the tallest
    assert texts["x-tick"] == [str(n) for n in range(0, 101, 10)]
    assert texts["y-tick"][0] == "0" and int(texts["y-tick"][-1]) >= 7
    assert texts["x-title"] == ["score (%)"] and texts["y-title"] == ["students"]
    tallest = max(layout["bars"], key=lambda b: b["bottom"] - b["top"])
    label = next(t["box"] for t in layout["texts"] if t["cls"] == "count" and t["text"] == "7")
    assert label["bottom"] <= tallest["top"] + 1 and label["top"] >= svg["top"]

    assert layout["attention"]["bottom"] <= svg["top"]
    items = layout["attentionItems"]
    assert [i.split(":")[0] for i in items] == ["eve", "dave", "broken"]
    assert "missing" in items[0] and "no submission" in items[0]
    assert "no neuron.py in dave" in items[1] and "SyntaxError: line 3" in items[2]
    assert "11 students: 9 graded (1 could not run), 2 not graded (1 missing)" in layout["counts"]

    assert layout["shown"] == ["by-student"]
    rows = layout["rows"]
    assert len(rows) == 11
    for row in rows:
        student = row["cells"][0].split(" ")[0]
        if student in ("eve", "dave"):
            assert row["href"] is None and row["cells"][1] == ("0/2" if student == "eve" else "")
        else:
            assert row["href"] == f"feedback/{student}.html", row
            assert (out / row["href"]).is_file()

    by_score = render(page, "by-score", tmp_path / "profile")
    assert by_score["shown"] == ["by-score"]
    percents = [r["cells"][2] for r in by_score["rows"]]
    numbers = [float(p.rstrip("%")) for p in percents if p]
    assert numbers == sorted(numbers) and percents[-1] == ""  # dave, not graded, last
    assert by_score["rows"][0]["cells"][0].split(" ")[0] in ("broken", "eve")
