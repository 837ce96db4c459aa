"""GitHub Actions output (``grader.platforms.github``): annotations, the points line GitHub
Classroom reads, and the job summary."""

from grader.platforms import github


def test_github_annotations_and_points_line(wrong_neuron_report, tmp_path, monkeypatch):
    """An error annotation per failing test, the Classroom points notice, a job summary."""
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    lines = []
    github.write_github(wrong_neuron_report, "neuron.py", lines.append)
    report = wrong_neuron_report
    errors = [line for line in lines if line.startswith("::error file=neuron.py,")]
    assert len(errors) == sum(t.status != "passed" for t in report.tests)
    assert all("\n" not in line for line in lines)
    assert f"::notice title=Autograding complete::Points {report.score:g}/5" in lines
    assert "| test_neuron_output_known_value |" in summary.read_text()


def test_workflow_command_properties_are_escaped():
    """A file name with ``:`` and ``,`` cannot end the property list of a command early,
    and a message's newlines are encoded (one command per line)."""
    assert github._escape_property("a:b,c\n") == "a%3Ab%2Cc%0A"
    assert github._escape_data("50%\r\n") == "50%25%0D%0A"
