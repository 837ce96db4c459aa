"""Helpers shared by the hidden suites: ``gradcheck``, the finite-difference checker.

Each stage's reference implementation (the oracle of its tests) lives in the stage's own
folder, ``assignments/<stage>/hidden/reference.py``, and is loaded through the course
registry (``grader.course.get_stage(name).load_reference()``).
"""
