"""The ``grade`` command line: parses options and calls the library."""

import click

from grader import __version__
from grader.course import STAGES, get_stage


@click.group()
@click.version_option(__version__, prog_name="grade")
def main():
    """neurograde: grade NumPy neural-network assignments in a sandbox."""


@main.command(name="list")
def list_stages():
    """List the course's stages and the functions each one asks for."""
    for name in STAGES:
        click.echo(f"{name}: {', '.join(get_stage(name).functions())}")
