"""Grading: pytest meets the student's code.

- ``submission``: finding and reading a submission (a .py or a notebook), never running it;
- ``session`` and ``proxy``: the student process seen as a module (``student.softmax(x)``);
- ``plugin``: the pytest plugin that turns test outcomes into ``TestResult``s;
- ``runner``: running a stage's suites against one submission (or collecting their points).

Imports the sandbox and ``grader.outputs.report``; imported by ``grader.api`` and, for the
proxy's types, by the suites (``grader.suites.checks``). Never imports upward (api, cli).
"""
