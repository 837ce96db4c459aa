"""Generate each stage's notebook from its lesson and its stub (grader.authoring.notebooks).

    python tools/build_notebooks.py            # (re)write every stage's <stage>.ipynb
    python tools/build_notebooks.py --check    # exit 1 if a committed notebook is stale
    python tools/build_notebooks.py --course DIR ...   # the stages of a teacher's course too

``--assignments-dir DIR`` reads the stages of a copy of the course instead of the
registry's (a test uses it on a temporary copy).
"""

import argparse
import sys
from pathlib import Path

from grader import course
from grader.authoring import notebooks


def course_stages(assignments_dir=None):
    """The stages to build: those of ``assignments_dir`` if given, else the registry's."""
    if assignments_dir is not None:
        return course.read_course(Path(assignments_dir))
    return course.stages()


def build_notebook(stage_name, assignments_dir=None):
    """The notebook of the stage called ``stage_name``."""
    stages = {stage.name: stage for stage in course_stages(assignments_dir)}
    return notebooks.build_notebook(stages[stage_name])


def stale_notebooks(assignments_dir=None):
    """The notebook paths whose committed bytes differ from what would be generated."""
    return [s.notebook for s in course_stages(assignments_dir) if not notebooks.is_current(s)]


def write_notebooks(assignments_dir=None):
    """Write every stage's notebook; returns the paths written."""
    return [notebooks.write(stage) for stage in course_stages(assignments_dir)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a notebook differs from its sources"
    )
    parser.add_argument(
        "--assignments-dir", type=Path, default=None, help="a course folder to read instead"
    )
    parser.add_argument("--course", type=Path, default=None, help="a teacher's course to add")
    args = parser.parse_args(argv)
    if args.course:
        course.use_course(args.course)
    if args.check:
        stale = stale_notebooks(args.assignments_dir)
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        if stale:
            print("run: python tools/build_notebooks.py", file=sys.stderr)
            return 1
        print(f"{len(course_stages(args.assignments_dir))} notebooks up to date")
        return 0
    for path in write_notebooks(args.assignments_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
