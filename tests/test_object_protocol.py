"""The worker's object protocol: objects stay in the worker, the grader reaches them by name.

Assignment 7's modules and assignment 10's Values are objects with methods; the
grader constructs them in the worker (a class called with keep=True), calls
their methods, reads and sets their attributes and dict items, and builds whole
graphs in one round trip with a Program. What comes back is plain data or a
handle; the names it may reach are course.toml's, and never a private one.
"""

import textwrap
import time

import numpy as np
import pytest

from grader.sandbox import client, wire
from grader.sandbox.client import Program, Session, StudentError, WorkerFault
from grader.sandbox.isolation import Limits

SOURCE = """
    import numpy as np

    class Scale:
        def __init__(self, factor):
            self.params = {"factor": np.array(factor, dtype=float)}
            self.grads = {}
            self.training = True
            self._secret = "kept"

        def forward(self, x):
            return self.params["factor"] * x

        def backward(self, dout):
            self.grads["factor"] = np.array(np.sum(dout))
            return dout * self.params["factor"]

        def children(self):
            return []

        def train(self, mode=True):
            self.training = mode
            return self

    class Value:
        def __init__(self, data):
            self.data = float(data)
            self.grad = 0.0
            self._parents = ()

        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data + other.data)
            out._parents = ((self, 1.0), (other, 1.0))
            return out

        __radd__ = __add__

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data)
            out._parents = ((self, other.data), (other, self.data))
            return out

        __rmul__ = __mul__

        def backward(self):
            order, seen, stack = [], set(), [(self, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    order.append(node)
                elif id(node) not in seen:
                    seen.add(id(node))
                    stack.append((node, True))
                    stack.extend((parent, False) for parent, _ in node._parents)
            self.grad = 1.0
            for node in reversed(order):
                for parent, local in node._parents:
                    parent.grad += local * node.grad

    class Liar:
        def forward(self, x):
            return LyingArray()

    class LyingArray(np.ndarray):
        def __new__(cls):
            return np.zeros(3).view(cls)

        def __eq__(self, other):
            return True

    class Slow:
        def forward(self, x):
            while True:
                pass
"""


@pytest.fixture
def student(tmp_path, monkeypatch):
    package = tmp_path / "submission"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "things.py").write_text(textwrap.dedent(SOURCE))
    names = {"forward", "backward", "children", "train", "params", "grads", "training", "data",
             "grad", "missing"}
    monkeypatch.setattr(client, "member_allowed",
                        lambda name: name in names or name in client.OPERATORS)
    session = Session(package, limits=Limits(call_seconds=5))
    yield session
    session.close()


def test_an_object_is_built_and_its_methods_called_by_handle(student):
    layer = student.call("things.Scale", 3.0, keep=True)
    assert isinstance(layer, wire.Ref) and layer.type == "Scale"
    assert np.array_equal(student.method(layer, "forward", np.arange(3.0)), [0.0, 3.0, 6.0])
    dx = student.method(layer, "backward", np.ones(3))
    assert np.array_equal(dx, [3.0, 3.0, 3.0])
    assert student.getattr(layer, "grads")["factor"] == 3.0
    assert student.method(layer, "train", False).type == "Scale"  # returns self: a handle
    assert student.getattr(layer, "training") is False


def test_a_weight_set_through_the_params_dict_is_used(student):
    layer = student.call("things.Scale", 1.0, keep=True)
    params = student.getattr(layer, "params", keep=True)
    student.setitem(params, "factor", np.array(5.0))
    assert np.array_equal(student.method(layer, "forward", np.ones(2)), [5.0, 5.0])
    student.setattr(layer, "training", False)
    assert student.getattr(layer, "training") is False


def test_a_program_builds_a_graph_in_one_round_trip(student):
    program = Program()
    a = program.call("things.Value", 2.0)
    b = program.call("things.Value", -3.0)
    c = program.method(a, "__mul__", b)
    d = program.method(c, "__add__", a)  # a is used twice: both contributions add up
    e = program.method(d, "__radd__", 10.0)  # 10 + d, the reflected operator
    program.method(e, "backward")
    program.getattr(e, "data", returns=True)
    program.getattr(a, "grad", returns=True)
    program.getattr(b, "grad", returns=True)
    before = student.stats.calls
    results = student.run(program)
    assert student.stats.calls == before + 1
    assert [results[i].unwrap() for i in sorted(results)] == [6.0, -2.0, 2.0]


def test_a_chain_100000_nodes_deep_is_built_by_repeating_an_operator(student):
    first = student.call("things.Value", 1.0, keep=True)
    last = student.repeat(first, "__add__", 1.0, times=100_000)
    student.method(last, "backward")
    assert student.getattr(last, "data") == 100_001.0
    assert student.getattr(first, "grad") == 1.0


def test_a_program_of_a_thousand_steps_is_one_round_trip(student):
    program = Program()
    node = program.call("things.Value", 0.5)
    for k in range(1000):
        node = program.method(node, "__mul__" if k % 2 else "__add__", 1.0)
    program.getattr(node, "data", returns=True)
    before = student.stats.calls
    assert student.run(program)[1001].unwrap() == 500.5
    assert student.stats.calls == before + 1


def test_a_program_stops_at_the_first_error_and_says_which_step(student):
    program = Program()
    a = program.call("things.Value", 1.0)
    program.method(a, "__add__", "not a number")  # float("not a number") raises ValueError
    program.getattr(a, "data", returns=True)
    results = student.run(program)
    assert list(results) == [1]
    with pytest.raises(StudentError, match="could not convert"):
        results[1].unwrap()


def test_names_outside_the_manifest_and_private_names_are_refused(student, monkeypatch):
    layer = student.call("things.Scale", 1.0, keep=True)
    for name in ("__class__", "_secret", "__dict__", "mro"):
        with pytest.raises(ValueError, match="course.toml"):
            student.getattr(layer, name)
    with pytest.raises(ValueError, match="course.toml"):
        Program().method(layer, "__init__")
    # The worker refuses private names even if the grader's own check were bypassed.
    monkeypatch.setattr(client, "member_allowed", lambda name: True)
    with pytest.raises(StudentError, match="private names"):
        student.getattr(layer, "_secret")
    with pytest.raises(StudentError, match="private names"):
        student.method(layer, "__reduce__")


def test_what_comes_back_is_data_or_a_handle_never_the_object(student):
    liar = student.call("things.Liar", keep=True)
    value = student.method(liar, "forward", np.ones(3))
    assert isinstance(value, wire.ArrayWithClass) and value.cls == "LyingArray"
    assert type(value.array) is np.ndarray  # a plain array: its __eq__ stayed in the worker


def test_a_hanging_method_is_not_waited_for_twice(student):
    student.default_limits = Limits(call_seconds=1)
    slow = student.call("things.Slow", keep=True)
    with pytest.raises(WorkerFault, match="timed out"):
        student.method(slow, "forward", np.ones(2))
    slow = student.call("things.Slow", keep=True)  # a fresh worker, a fresh object
    started = time.perf_counter()
    with pytest.raises(WorkerFault, match="not wait for it again"):
        student.method(slow, "forward", np.ones(2))
    assert time.perf_counter() - started < 1


def test_a_handle_from_a_dead_worker_is_refused(student):
    layer = student.call("things.Scale", 1.0, keep=True)
    slow = student.call("things.Slow", keep=True)
    with pytest.raises(WorkerFault):
        student.method(slow, "forward", np.ones(2), timeout=1)
    with pytest.raises(WorkerFault, match="lost"):
        student.method(layer, "forward", np.ones(2))
