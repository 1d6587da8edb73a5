"""How a worker is started: the sandbox around it and the limits on it.

The sandbox is bubblewrap (Debian's `bubblewrap`), chosen over a hand-rolled
`unshare` because it sets up the mount, PID, network, IPC and UTS namespaces
in one audited setuid-free binary and dies with its parent. The worker sees:

    /usr /lib* /bin /etc/alternatives  read-only (the system)
    the Python environment              read-only (interpreter and site-packages)
    /sandbox/submission                 read-only (the student's package)
    /opt/worker                         read-only (worker.py and wire.py, nothing else of the grader)
    /data                               read-only (training inputs; never test labels)
    /tmp                                empty scratch, the working directory

and not the reference, the grader, the rubric, the results folder, the
network (only a private loopback), nor the grader's processes (its own PID
namespace). When the grader runs as root the worker also drops to an
unprivileged uid with no capabilities (setpriv), so the process-count limit
applies and no file outside the scratch space is writable.

Without bubblewrap (or where namespaces are refused) the worker runs as a
plain child process with the same resource limits, and the grader says so in
every report: the student's code could then read files the grader can read.
"""

import functools
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

WORKER_DIR = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "wire.py")
UNPRIVILEGED_UID_BASE = 61000  # + the batch slot, so parallel students never share a uid


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker; the rubric sets them per assignment and task."""

    wall_seconds: float = 10.0  # one call, enforced from outside
    memory_bytes: int = 2 * 2**30  # address space
    cpu_seconds: int = 600  # the worker's whole life
    processes: int = 64  # threads count too (BLAS)
    file_bytes: int = 64 * 2**20  # largest file it may write
    output_bytes: int = 64 * 2**10  # stdout + stderr kept
    threads: int = 2  # BLAS threads

    def with_(self, **changes):
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


@functools.lru_cache(maxsize=1)
def sandbox_mode():
    """'bwrap-root', 'bwrap-user' or 'none', probed once per process."""
    if os.environ.get("GRADER_SANDBOX") == "none":
        return "none"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "none"
    mode = "bwrap-root" if os.geteuid() == 0 else "bwrap-user"
    try:
        ok = subprocess.run(_probe_args(mode) + ["/bin/true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return mode if ok else "none"


def sandbox_description(mode=None):
    mode = mode or sandbox_mode()
    return {
        "bwrap-root": "bubblewrap sandbox, unprivileged uid, no network, private filesystem view",
        "bwrap-user": "bubblewrap sandbox (user namespace), no network, private filesystem view",
        "none": ("NO SANDBOX: bubblewrap is missing or namespaces are refused; the student's code "
                 "runs as your user and could read any file you can (resource limits still apply)"),
    }[mode]


def _probe_args(mode):
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--die-with-parent", "--ro-bind", "/", "/"]
    if mode == "bwrap-user":
        args.insert(1, "--unshare-user")
    return args


def _bwrap_args(mode, env, submission, data_dir, slot):
    python_roots = sorted({os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
                           sys.prefix, sys.base_prefix})
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv",
            "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    if mode == "bwrap-user":
        args.insert(1, "--unshare-user")
    for system_dir in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/alternatives",
                       "/etc/ld.so.cache"):
        if os.path.exists(system_dir):
            args += ["--ro-bind", system_dir, system_dir]
    made = set()

    def bind(source, destination):
        # bwrap makes missing parents 0700, which the unprivileged uid cannot cross.
        for parent in reversed(Path(destination).parents):
            if str(parent) != "/" and parent not in made:
                made.add(parent)
                args.extend(["--perms", "0755", "--dir", str(parent)])
        args.extend(["--ro-bind", str(source), str(destination)])

    for root in python_roots:
        bind(root, root)
    bind(submission, "/sandbox/submission")
    for name in WORKER_FILES:
        bind(WORKER_DIR / name, f"/opt/worker/{name}")
    if data_dir is not None and Path(data_dir).is_dir():
        bind(data_dir, "/data")
    for key, value in env.items():
        args += ["--setenv", key, value]
    args += ["--chdir", "/tmp"]
    if mode == "bwrap-root":
        uid = str(UNPRIVILEGED_UID_BASE + slot)
        args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"]
    else:
        args += ["--"]
    return args


def worker_command(submission, data_dir, request_fd, response_fd, limits, slot=0, mode=None):
    """argv, env and working directory to start a worker.

    Args:
        submission: the student's package directory.
        data_dir: folder of .npy arrays the worker may load by name, or None.
        request_fd, response_fd: the pipe ends the worker reads and writes.
        limits: Limits.
        slot: batch slot (0, 1, ...): selects the unprivileged uid.
    """
    mode = mode or sandbox_mode()
    threads = str(limits.threads)
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads,
           "MKL_NUM_THREADS": threads}
    python = [sys.executable, "-I", "-B"]
    if mode == "none":
        # No mount namespace: expose the package under the neutral name through a symlink.
        parent = Path(os.environ.get("TMPDIR", "/tmp")) / f"grader-submission-{os.getpid()}-{slot}"
        parent.mkdir(exist_ok=True)
        link = parent / "submission"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(Path(submission).resolve())
        argv = python + [str(WORKER_DIR / "worker.py"), str(parent), "submission",
                         str(request_fd), str(response_fd), str(data_dir or "/nonexistent")]
        return argv, env, str(parent)
    argv = _bwrap_args(mode, env, Path(submission).resolve(), data_dir, slot) + python + [
        "/opt/worker/worker.py", "/sandbox", "submission", str(request_fd), str(response_fd), "/data"]
    return argv, None, None


def apply_limits(limits):
    """Set the worker's rlimits; runs in the child between fork and exec."""
    def set_limit(kind, value):
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass  # cannot raise a hard limit the parent does not have; keep what we have

    set_limit(resource.RLIMIT_AS, limits.memory_bytes)
    set_limit(resource.RLIMIT_CPU, limits.cpu_seconds)
    set_limit(resource.RLIMIT_FSIZE, limits.file_bytes)
    set_limit(resource.RLIMIT_CORE, 0)
    set_limit(resource.RLIMIT_NOFILE, 256)
    # A per-uid count: after setpriv the worker's own uid holds nothing else. Without
    # the sandbox it counts all of this user's processes, so leave room for them.
    processes = limits.processes
    if sandbox_mode() != "bwrap-root":
        processes += _processes_of_this_user()
    set_limit(resource.RLIMIT_NPROC, processes)


def _processes_of_this_user():
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return count
