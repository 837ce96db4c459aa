"""What one student process may use (``Limits``) and what it runs (``LoadRequest``)."""

from dataclasses import dataclass, field


@dataclass
class Limits:
    """What one student process may use. Times in seconds, sizes in MiB."""

    timeout: float = 10.0  # wall time of one call
    load_timeout: float = 30.0  # wall time to start and run the submission's top level
    memory_mb: int = 1024  # address space (numpy alone needs ~150)
    cpu_seconds: int = 120  # CPU time of the whole process
    file_size_mb: int = 16  # largest file it may write (stdout included)
    open_files: int = 64
    processes: int = 0  # RLIMIT_NPROC; 0 = unset (64 at the root and uid levels, per slot uid)
    output_bytes: int = 8 * 1024  # stdout/stderr kept for the feedback, per stream
    reply_mb: int = 64  # largest reply (one returned value) the grader accepts
    total_seconds: float = 300.0  # wall time all calls into one submission may take together


@dataclass
class LoadRequest:
    """The submission as the child runs it: its top-level code, already split into cells."""

    stage: str
    filename: str
    cells: list[str]
    source_bytes: bytes = field(default=b"", repr=False)  # copied into the work directory
