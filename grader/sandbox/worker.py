"""The worker: the only process that imports and runs the student's code.

It runs inside the sandbox (see isolation.py), reads requests from one pipe
and writes answers to another, in the format of wire.py. It sends back data
only: arrays, numbers, strings and the structure around them; any other object
the student returns (a cache, a generator) stays here and goes back as a
handle. It never judges anything: the grader compares on its own side, with
expected values that never come here.

Everything in this file is the grader's code, but it runs beside the student's,
so nothing it sends is trusted: a student who rewrites it can only change the
data the grader then checks.

Objects (a module of assignment 7, a Value of assignment 10) stay here too:
the grader constructs them by calling a class (`call` with keep), then calls
their methods, reads and sets their attributes and the items of their dicts
by handle (`method`, `getattr`, `setattr`, `getitem`, `setitem`), one request
at a time or as a `program` of steps that name earlier steps' results; and
`repeat` applies one method to its own result again and again (a chain of
100,000 Values, built by the student's own operators). Only public names and
the arithmetic operators a Value needs can be reached; the grader checks the
names against course.toml before it sends them.

Usage: python worker.py SUBMISSION_PARENT PACKAGE REQUEST_FD RESPONSE_FD DATA_DIR
"""

import importlib
import os
import sys
import time
import traceback
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import wire  # noqa: E402

MAX_ITEMS = 100_000  # items taken from a generator
MAX_STEPS = 500_000  # steps of one program
# The dunder methods the object protocol may call: a Value's arithmetic, and calling an object.
OPERATORS = frozenset({
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__rtruediv__", "__pow__", "__neg__", "__call__"})
OBJECT_OPS = ("method", "getattr", "setattr", "getitem", "setitem", "repeat")
MAX_REPEAT = 10_000_000


class Worker:
    def __init__(self, parent, package, request_fd, response_fd, data_dir):
        self.package = package
        self.submission_dir = os.path.realpath(os.path.join(parent, package))
        self.request = os.fdopen(request_fd, "rb", buffering=0)
        self.response_fd = response_fd
        self.data_dir = data_dir
        self.kept = {}
        self.data = {}  # loaded once per worker: MNIST is read from disk, not sent
        self.next_id = 1
        sys.path.insert(0, parent)

    # ------------------------------------------------------------ plumbing

    def read_exactly(self, n):
        # Into a bytearray: the arrays decoded from it are then writable without a copy.
        buffer = bytearray(n)
        view = memoryview(buffer)
        done = 0
        while done < n:
            got = self.request.readinto(view[done:])
            if not got:
                raise EOFError
            done += got
        return buffer

    def keep(self, value):
        ref = wire.Ref(self.next_id, type(value).__name__)
        self.kept[self.next_id] = value
        self.next_id += 1
        return ref

    def send(self, body):
        try:
            header, arrays = wire.encode(body, ref_of=self.keep)
        except Exception as error:  # e.g. nested too deeply
            header, arrays = wire.encode({"fault": f"cannot send the result: {error}"})
        wire.write_message(self.response_fd, header, arrays)

    def resolve(self, node, decode_child):
        if "$ref" in node:
            if node["$ref"] not in self.kept:
                raise LookupError("this value is no longer kept by the worker")
            return self.kept[node["$ref"]]
        if "$data" in node:
            name = os.path.basename(str(node["$data"]))
            if name not in self.data:
                path = os.path.join(self.data_dir, name + ".npy")
                self.data[name] = np.load(path, allow_pickle=False)
            return self.data[name]
        if "$rng" in node:
            return np.random.default_rng(node["$rng"])
        if "$dtype" in node:
            return np.dtype(str(node["$dtype"]))
        if "$fn" in node:
            return DeferredFunction(str(node["$fn"]), decode_child(node.get("args")))
        if "$step" in node:
            return StepResult(int(node["$step"]))
        raise ValueError("unknown node")

    # ------------------------------------------------------------ requests

    def serve(self):
        while True:
            try:
                body, arrays = wire.read_message(self.read_exactly,
                                                 max_header=wire.MAX_REQUEST_HEADER_BYTES)
            except EOFError:
                return
            started = time.perf_counter()
            sequence = _sequence_of(body)  # read first: decoding the rest may fail
            try:
                request = wire.decode(body, arrays, resolve=self.resolve,
                                      max_nodes=wire.MAX_REQUEST_NODES)
                answer = self.handle(request)
            except Exception as error:  # the grader's own request failed here
                answer = {"fault": f"{type(error).__name__}: {error}"}
            answer["seconds"] = time.perf_counter() - started
            answer["seq"] = sequence  # the grader matches answers to requests by it
            self.send(answer)

    def handle(self, request):
        op = request["op"]
        if op == "ping":
            return {"value": "pong"}
        if op == "drop":
            for ref_id in request["ids"]:
                self.kept.pop(ref_id, None)
            return {"value": None}
        if op == "get":
            return {"value": self.kept[request["id"]]}
        if op == "batch":
            return {"value": [self.call(call) for call in request["calls"]]}
        if op in ("call", "attr", "signature"):
            return self.call(request)
        if op in OBJECT_OPS:
            return self.on_object(request)
        if op == "program":
            return self.program(request)
        raise ValueError(f"unknown op {op!r}")

    def on_object(self, request, results=None):
        """A method call, attribute or item of an object kept here; student errors become data."""
        started = time.perf_counter()
        try:
            obj = _resolved(request["ref"], results)
            name = request.get("name")
            if request["op"] in ("method", "getattr", "setattr", "repeat"):
                _check_member(name)
            if request["op"] == "repeat":  # x = x.name(*args), times over: a deep graph
                times = request.get("times")
                if type(times) is not int or not 0 <= times <= MAX_REPEAT:
                    raise ValueError("repeat needs 0 <= times <= MAX_REPEAT")
                args = [_resolved(a, results) for a in request.get("args", [])]
                value = obj
                for _ in range(times):
                    value = getattr(value, name)(*args)
            elif request["op"] == "method":
                args = [_resolved(a, results) for a in request.get("args", [])]
                kwargs = {k: _resolved(v, results) for k, v in request.get("kwargs", {}).items()}
                with warnings.catch_warnings(record=True), \
                        np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
                    warnings.simplefilter("always")
                    value = getattr(obj, name)(*args, **kwargs)
            elif request["op"] == "getattr":
                value = getattr(obj, name)
            elif request["op"] == "setattr":
                setattr(obj, name, _resolved(request["value"], results))
                value = None
            elif request["op"] == "getitem":
                value = obj[_resolved(request["key"], results)]
            else:
                obj[_resolved(request["key"], results)] = _resolved(request["value"], results)
                value = None
            answer = {"value": self.keep(value) if request.get("keep") else value}
        except BaseException as error:  # noqa: B036 -- sys.exit and KeyboardInterrupt too
            answer = {"error": self.describe(error)}
        answer["seconds"] = time.perf_counter() - started
        return answer

    def program(self, request):
        """Steps run in order, each on the results of earlier ones; stops at the first error.

        Returns the answers of the steps marked "return" (and of a step that failed),
        each with its step's index: {"value": [[index, answer], ...]}.
        """
        steps = request["steps"]
        if not isinstance(steps, list) or len(steps) > MAX_STEPS:
            raise ValueError("a program is a list of at most MAX_STEPS steps")
        results, answers = [], []
        for index, step in enumerate(steps):
            if step["op"] == "call":
                step = dict(step, args=[_resolved(a, results) for a in step.get("args", [])],
                            kwargs={k: _resolved(v, results)
                                    for k, v in step.get("kwargs", {}).items()})
                answer = self.call(dict(step, keep=False))
            elif step["op"] in OBJECT_OPS:
                answer = self.on_object(dict(step, keep=False), results)
            else:
                raise ValueError(f"a program step cannot be {step['op']!r}")
            if "error" in answer:
                answers.append([index, answer])
                break
            results.append(answer["value"])
            if step.get("return"):
                value = answer["value"]
                answers.append([index, {"value": self.keep(value) if step.get("keep") else value}])
        return {"value": answers}

    def call(self, request):
        """Run one request against the student's code; student errors become data."""
        started = time.perf_counter()
        answer_warnings = None
        try:
            target = self.lookup(request["target"])
            if request["op"] == "attr":
                value = target
            elif request["op"] == "signature":
                value = wire.describe_signature(target)
            else:
                args = list(request.get("args", []))
                kwargs = dict(request.get("kwargs", {}))
                args = [a.build(args) if isinstance(a, DeferredFunction) else a for a in args]
                kwargs = {k: (v.build(args) if isinstance(v, DeferredFunction) else v)
                          for k, v in kwargs.items()}
                with warnings.catch_warnings(record=True) as caught, \
                        np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
                    warnings.simplefilter("always")
                    value = target(*args, **kwargs)
                    if request.get("iterate"):
                        value = take(value, request["iterate"])
                if caught:
                    answer_warnings = [f"{w.category.__name__}: {w.message}" for w in caught[:20]]
            keep_index = request.get("keep_index")
            if request.get("keep"):
                value = self.keep(value)
            elif keep_index is not None and type(value) is tuple and keep_index < len(value):
                # forward's (out, cache): the cache stays here, private to the student
                kept = self.keep(value[keep_index])
                value = value[:keep_index] + (kept,) + value[keep_index + 1:]
            answer = {"value": value}
            if request.get("return_args"):
                answer["args_after"] = args
            if answer_warnings:
                answer["warnings"] = answer_warnings
        except BaseException as error:  # noqa: B036 -- sys.exit and KeyboardInterrupt too
            answer = {"error": self.describe(error)}
        answer["seconds"] = time.perf_counter() - started
        return answer

    def lookup(self, target):
        module_name, _, attribute = target.partition(".")
        module = importlib.import_module(f"{self.package}.{module_name}")
        if not attribute:
            return module
        value = module
        for part in attribute.split("."):
            value = getattr(value, part)
        return value

    def describe(self, error):
        frames = traceback.extract_tb(error.__traceback__)
        student = [f for f in frames
                   if os.path.realpath(f.filename).startswith(self.submission_dir)]
        lines = traceback.format_list(student)
        if isinstance(error, SyntaxError) and error.filename:
            lines.append(f'  File "{os.path.basename(error.filename)}", line {error.lineno}\n'
                         f"    {(error.text or '').strip()}\n")
        text = "".join(lines).replace(self.submission_dir + os.sep, "")
        return {
            "type": type(error).__name__,
            "message": str(error)[:2000],
            "traceback": text[-4000:],
            "not_implemented": isinstance(error, NotImplementedError),
            "function": student[-1].name if student else None,  # where it was raised
            "import_error": isinstance(error, (ImportError, SyntaxError)),
            "missing_module": getattr(error, "name", None)
            if isinstance(error, ModuleNotFoundError) else None,
        }


class StepResult:
    """{"$step": k} in a program: the result of its step k, filled in when the step has run."""

    def __init__(self, index):
        self.index = index


def _resolved(value, results):
    """A program's argument with every StepResult replaced by that step's result.

    Containers are rebuilt only when they hold a StepResult: a kept dict passed by
    handle must stay that very dict (the callee may update it in place).
    """
    if isinstance(value, StepResult):
        if results is None or not 0 <= value.index < len(results):
            raise LookupError(f"step {value.index} has no result (yet)")
        return results[value.index]
    if type(value) in (list, tuple):
        items = [_resolved(v, results) for v in value]
        if any(new is not old for new, old in zip(items, value)):
            return type(value)(items)
    elif type(value) is dict:
        items = {k: _resolved(v, results) for k, v in value.items()}
        if any(items[k] is not v for k, v in value.items()):
            return items
    return value


def _check_member(name):
    """Only public names and the operators of OPERATORS: never __class__, __globals__, ..."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"not a member name: {name!r}")
    if name.startswith("_") and name not in OPERATORS:
        raise ValueError(f"the object protocol does not reach private names ({name})")


class DeferredFunction:
    """A known test function, built once the call's other arguments are decoded.

    Functions cannot cross the wire, so the grader names one of these and its
    parameters; the worker builds it here. Some close over another argument of
    the same call (gradient_check's f reads the very dict it perturbs).
    """

    def __init__(self, name, args):
        self.name, self.args = name, args or {}

    def build(self, call_args):
        a = self.args
        if self.name == "cubic_sum":  # f(x) = sum(c * x**3); df/dx = 3 c x**2
            c = a["c"]
            return lambda x: float(np.sum(c * x**3))
        if self.name == "scaled_sin":  # f(x) = c * sin(x), array valued
            c = a["c"]
            return lambda x: c * np.sin(x)
        if self.name == "params_cubic_sum":  # f() = sum_k sum(c_k * params[k]**3)
            params = call_args[a["params_arg"]]
            coefficients = a["c"]
            return lambda: float(sum(np.sum(coefficients[k] * params[k] ** 3) for k in params))
        if self.name == "matrix_product":  # f(x) = x @ A: the output's shape is not x's
            A = a["A"]
            return lambda x: x @ A
        raise ValueError(f"unknown test function {self.name!r}")


def _sequence_of(body):
    """The request's number, from its encoded form ({"$dict": [[key, value], ...]})."""
    pairs = body.get("$dict") if isinstance(body, dict) else None
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, list) and len(pair) == 2 and pair[0] == "seq":
            return pair[1]
    return None


def take(value, limit):
    items = []
    for item in value:
        items.append(item)
        if len(items) >= limit:
            break
    return items


class ImportPolicy:
    """Without the sandbox: refuse imports the assignment's rubric does not allow.

    Only a hook (student code could remove it, so the report says the policy was
    not enforced); in the sandbox the filesystem itself holds nothing else.
    """

    def __init__(self, allowed, package):
        self.allowed = set(allowed) | {package, "wire"}
        self.allowed |= set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names)

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.split(".")[0]
        if top in self.allowed or top.startswith("_"):
            return None
        raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


def main():
    parent, package, request_fd, response_fd, data_dir = sys.argv[1:6]
    allowed = os.environ.get("NNKIT_ALLOWED_IMPORTS")
    if allowed is not None:
        sys.meta_path.insert(0, ImportPolicy(allowed.split(","), package))
    worker = Worker(parent, package, int(request_fd), int(response_fd), data_dir)
    worker.serve()


if __name__ == "__main__":
    main()
