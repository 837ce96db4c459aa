"""What the student process can see at the levels with ``allowlist_fs``: a root file system
built from nothing but the folders and files listed here (``allowlist``), mounted in the
order ``jail_steps`` gives (the student runtime performs the mounts)."""

import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Device nodes a Python program may open; everything else of /dev stays out.
DEVICES = ("null", "zero", "full", "random", "urandom")
WORK_MB = 16  # size of the student's private work folder and /tmp (both in memory)


@dataclass(frozen=True)
class Allowlist:
    """The student's whole file system at the namespace levels, built from nothing.

    ``folders`` and ``files`` come back read-only at their own paths (so that the
    interpreter, NumPy and the runtime find themselves where they were); ``empty`` are
    folders inside those that are covered by an empty, read-only tmpfs (package folders
    inside the standard library). Besides these the new root holds only a private work
    folder, a private ``/tmp``, a minimal ``/dev`` and a new ``/proc``.
    """

    folders: tuple[str, ...]
    files: tuple[str, ...]
    empty: tuple[str, ...]

    def lines(self) -> list[str]:
        """What the student process can read, one line each (for ``grade doctor``)."""
        return [
            *(f"{f}/ (read-only)" for f in self.folders),
            *(f"{f} (read-only)" for f in self.files),
            *(f"{f}/ (empty)" for f in self.empty),
            "/dev: " + ", ".join(DEVICES),
            "/proc: its own processes only (new PID namespace)",
            f"/tmp and its work folder: private, empty, {WORK_MB} MiB in memory",
        ]


_ALLOWLIST: dict[str, Allowlist] = {}


def allowlist(runtime: Path) -> Allowlist:
    """What running the student needs, and nothing else (computed once per process):
    the interpreter's standard library (its own package folders emptied), NumPy's
    folder and its bundled libraries, the student runtime, and the system library
    folder the interpreter loads its C libraries from."""
    if str(runtime) in _ALLOWLIST:
        return _ALLOWLIST[str(runtime)]
    numpy_dir = Path(np.__file__).resolve().parent
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    dynload = Path(sysconfig.get_config_var("DESTSHARED") or stdlib / "lib-dynload").resolve()
    folders = {stdlib, dynload, numpy_dir, numpy_dir.parent / "numpy.libs", runtime.resolve()}
    files = {Path("/etc/ld.so.cache")}
    for library in _mapped_libraries():
        if library.name.startswith(("libc.so", "ld-linux", "libm.so")):
            folders.add(library.parent)  # the system's library folder: lazy imports need it
        elif library.name.startswith("libpython"):
            files.add(library)
    # Nested folders stay listed: NumPy may live inside a package folder that is emptied.
    folders = {f for f in folders if f.is_dir() and f != Path("/")}
    files = {f for f in files if f.is_file()}
    empty = {
        package
        for folder in folders
        for package in (*folder.glob("site-packages"), *folder.glob("dist-packages"),
                        *folder.glob("python3*/site-packages"))  # fmt: skip
        if package.is_dir() and package != numpy_dir
    }
    result = Allowlist(
        tuple(sorted(map(str, folders))), tuple(sorted(map(str, files))),
        tuple(sorted(map(str, empty))),
    )  # fmt: skip
    _ALLOWLIST[str(runtime)] = result
    return result


def world_traversable(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & 0o001)
    except OSError:
        return False


def _mapped_libraries() -> set[Path]:
    """The shared libraries mapped into this process (which has NumPy loaded)."""
    try:
        with open("/proc/self/maps") as handle:
            names = {line.split(None, 5)[-1].strip() for line in handle if ".so" in line}
    except OSError:
        return set()
    return {Path(n).resolve() for n in names if n.startswith("/") and Path(n).is_file()}


def jail_steps(runtime: Path, workdir: Path, submission_bytes: int = 0) -> list[list]:
    """The mounts that build the student's root, in order (parents before children):
    ``["tmpfs", path, options]``, ``["bind", path]`` (read-only), ``["devices", path,
    names]``, ``["work", path, options]`` (the private work folder)."""
    plan = allowlist(runtime)
    tmp = Path(tempfile.gettempdir()).resolve()
    steps = [(1, "tmpfs", "/tmp", f"mode=1777,size={WORK_MB}m"),
             (1, "devices", "/dev", list(DEVICES))]  # fmt: skip
    if tmp != Path("/tmp"):
        steps.append((len(tmp.parts), "tmpfs", str(tmp), f"mode=1777,size={WORK_MB}m"))
    steps += [(len(Path(p).parts), "bind", p) for p in (*plan.folders, *plan.files)]
    steps += [(len(Path(p).parts), "tmpfs", p, "mode=755,size=4k") for p in plan.empty]
    # Room for the submission's own file (up to 20 MiB) on top of what the student may write.
    work_kb = WORK_MB * 1024 + submission_bytes // 1024 + 1
    steps.append((len(workdir.parts), "work", str(workdir), f"mode=700,size={work_kb}k"))
    return [list(step[1:]) for step in sorted(steps, key=lambda s: s[0])]
