"""Platforms: packaging the grader for where courses run, and the jobs that run there.

- ``gradescope``: the autograder zip (``setup.sh``, ``run_autograder``, a wheel);
  ``gradescope_results``: the job's last step in the image (a results.json in every case);
- ``prairielearn``: the external-grading files, and the grading job;
- ``github``: GitHub Actions annotations and job summary (GitHub Classroom's points);
- ``release``: the student bundle (stubs, notebooks, public tests, a workflow, a wheel);
- ``wheel``: writing a wheel without build tools.

Imports ``grader.api``, ``grader.course`` and ``grader.outputs``; imported only by the CLI.
"""
