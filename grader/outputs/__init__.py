"""Outputs: what a grading leaves for people and other tools, made inert on the way out.

- ``report``: the ``Report`` and ``TestResult`` dataclasses, and the text rendering;
- ``formats``: one registry of document formats, ``render(report, fmt)``;
- ``feedback``, ``gradebook``, ``summary``, ``class_folder``: a batch run's output folder;
- ``inert``: student text made harmless for a terminal, Markdown, HTML, CSV, XML, a file name.

Imports only ``grader.errors`` and the standard library; imported by the grading layer (a
test's result is a ``TestResult``), ``grader.api``, ``grader.batch``, the platforms and the CLI.
"""
