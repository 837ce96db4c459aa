"""Writing a pure-Python wheel directly (a zip with a .dist-info): no build tools needed, so
an export works wherever the grader is installed."""

import zipfile
from pathlib import Path

from grader import __version__


def write_wheel(
    outdir: Path, name: str, files: dict[str, Path], requires: list[str], summary: str
) -> Path:
    """Write a pure-Python wheel directly (a zip with a .dist-info): no build tools needed.

    ``files`` maps a path inside the wheel (``grader/api.py``) to the file to put there.
    """
    import base64
    import hashlib

    dist = f"{name.replace('-', '_')}-{__version__}"
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"{dist}-py3-none-any.whl"
    metadata = [
        "Metadata-Version: 2.1", f"Name: {name}", f"Version: {__version__}",
        f"Summary: {summary}", "Requires-Python: >=3.10",
        *(f"Requires-Dist: {r}" for r in requires),
    ]  # fmt: skip
    generated = {
        f"{dist}.dist-info/METADATA": "\n".join(metadata) + "\n",
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: neurograde\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist}.dist-info/entry_points.txt": "[console_scripts]\ngrade = grader.cli:main\n",
    }
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        items = [(arc, src.read_bytes()) for arc, src in sorted(files.items())]
        items += [(arc, text.encode()) for arc, text in generated.items()]
        for arc, data in items:
            wheel.writestr(arc, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{arc},sha256={digest.decode()},{len(data)}")
        record.append(f"{dist}.dist-info/RECORD,,")
        wheel.writestr(f"{dist}.dist-info/RECORD", "\n".join(record) + "\n")
    return path


def package_files(root: Path, package: str, exclude=lambda rel: False) -> dict[str, Path]:
    """Every file of a package folder, by its path in a wheel (caches left out)."""
    files = {}
    for path in sorted((root / package).rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and "__pycache__" not in rel and not rel.endswith(".pyc"):
            if not exclude(rel):
                files[rel] = path
    return files


def runtime_requires() -> list[str]:
    """neurograde's own dependencies (pyproject's, from the installed metadata), extras left out."""
    from importlib.metadata import requires

    return [r for r in requires("neurograde") or [] if "extra ==" not in r]
