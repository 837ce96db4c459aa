"""The sandbox: starting, isolating, limiting, talking to and killing the student process.

- ``levels``: the isolation levels, described by their capabilities, and the probe that
  finds the strongest one this machine allows;
- ``slots``: an exclusive uid per running student process, and its control groups;
- ``allowlist``: the student's root file system, built from nothing (the namespace levels);
- ``reaper``: the process-wide settings grading needs (``prepare_isolation``) and the
  processes a submission leaves behind;
- ``runtime_files``: the student's private import path (a copy of ``grader/student``);
- ``limits`` and ``process``: one student process, its limits and its pipes.

Imported by ``grader.grading`` and ``grader.api`` (and benchmarks and tests); it imports only
``grader.errors`` and ``grader.student.wire``, never the grading, outputs or platforms layers.
The code that runs on the untrusted side is not here: it is ``grader/student``.
"""
