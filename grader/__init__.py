"""neurograde's grader: hidden pytest suites run against a sandboxed submission."""

__version__ = "0.1.0"
