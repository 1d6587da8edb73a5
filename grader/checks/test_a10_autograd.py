"""Assignment 10, unit checks: autograd.py, its Value operation by operation, graphs, the MLP.

The student's Values stay in the worker; the grader builds every graph there
through the object protocol, one operation a step (a Program: the whole graph in
one round trip), with the student's own operators and their reflected forms
(`c + a` is a.__radd__(c)), runs the student's backward, and reads back data and
grads as numbers. The same graph is evaluated here by the reference (the oracle)
and, for the hints, by a trusted twin of an engine with each known mistake.
"""

import itertools
import math

import numpy as np
import pytest

from ..compare import CheckFailed, as_float, describe, expect_array
from ..hints import sentence_of
from ..sandbox import wire
from ..sandbox.client import Program
from .support import CASES, check_signature, expected, seed_for

CLASSES = ["autograd.Neuron", "autograd.Layer", "autograd.MLP", "autograd.train_value_mlp"]
DEEP = 100_000  # nodes of the deep chain (SPEC: no recursion)
DEEP_FACTOR = 1.00001  # each node multiplies by it: d last / d first = 1.00001 ** 100,000 = e
DEEP_SECONDS = 60

# ---------------------------------------------------------------- graphs as data
#
# A graph is a list of nodes in creation order; node k is ("leaf", number) or
# (op, input index, operand), the operand a node index (binary ops) or a number.
# The last node is the output. NODE_METHOD says which member builds it.

BINARY = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "div": "__truediv__"}
WITH_NUMBER = {"add_c": "__add__", "radd_c": "__radd__", "sub_c": "__sub__",
               "rsub_c": "__rsub__", "mul_c": "__mul__", "rmul_c": "__rmul__",
               "div_c": "__truediv__", "rdiv_c": "__rtruediv__", "pow": "__pow__"}
UNARY = {"neg": "__neg__", "relu": "relu", "tanh": "tanh", "exp": "exp", "log": "log",
         "sigmoid": "sigmoid"}


def _local(op, x, operand):
    """(data, [(input position, d out / d input)]): the right derivatives, IEEE floats."""
    with np.errstate(all="ignore"):
        x, y = np.float64(x), np.float64(operand) if operand is not None else None
        if op in ("add", "add_c", "radd_c"):
            return x + y, [1.0, 1.0]
        if op == "sub" or op == "sub_c":
            return x - y, [1.0, -1.0]
        if op == "rsub_c":
            return y - x, [-1.0]
        if op in ("mul", "mul_c", "rmul_c"):
            return x * y, [y, x]
        if op in ("div", "div_c"):
            return x / y, [1.0 / y, -x / (y * y)]
        if op == "rdiv_c":
            return y / x, [-y / (x * x)]
        if op == "pow":
            return x ** y, [y * x ** (y - 1)]
        if op == "neg":
            return -x, [-1.0]
        if op == "relu":
            return max(x, 0.0) if not np.isnan(x) else x, [1.0 if x > 0 else 0.0]
        if op == "tanh":
            return np.tanh(x), [1.0 - np.tanh(x) ** 2]
        if op == "exp":
            return np.exp(x), [np.exp(x)]
        if op == "log":
            return np.log(x), [1.0 / x]
        if op == "sigmoid":
            s = 1.0 / (1.0 + np.exp(-x))
            return s, [s * (1.0 - s)]
    raise ValueError(op)


def _mistaken_local(op, x, operand, mistake, right):
    """The local derivatives of an engine with this mistake (right where it does not apply)."""
    with np.errstate(all="ignore"):
        x = np.float64(x)
        if mistake == "power_rule_swapped" and op == "pow":
            return [x * np.float64(operand) ** (x - 1)]
        if mistake == "power_rule_factor_missing" and op == "pow":
            return [x ** (np.float64(operand) - 1)]
        if mistake == "mul_derivative_swapped" and op in ("mul", "mul_c", "rmul_c"):
            return [x, np.float64(operand)]
        if mistake == "sigmoid_derivative_wrong" and op == "sigmoid":
            return [1.0 / (1.0 + np.exp(-x))]
        if mistake == "exp_log_derivatives_swapped" and op == "exp":
            return [1.0 / x]
        if mistake == "exp_log_derivatives_swapped" and op == "log":
            return [np.exp(x)]
        if mistake == "exp_derivative_from_input" and op == "exp":
            return [x]
        if mistake == "tanh_derivative_wrong" and op == "tanh":
            return [1.0 - x * x]
        if mistake == "relu_derivative_wrong" and op == "relu":
            return [max(x, 0.0)]
    return right


MISTAKES = ("grad_assigned_not_added", "backward_not_seeded", "backward_forward_order",
            "node_visited_twice", "power_rule_swapped", "exp_log_derivatives_swapped",
            "exp_derivative_from_input", "tanh_derivative_wrong", "relu_derivative_wrong",
            "power_rule_factor_missing", "mul_derivative_swapped", "sigmoid_derivative_wrong")


def evaluate(graph, mistake=None):
    """The graph evaluated here: [output data, output grad, grad of each leaf] (float64).

    With a mistake of MISTAKES, as an engine with that mistake would give it: the
    traversal is the reference's (a depth-first topological sort from the output,
    inputs in order), so the twin of a mistake in that order is exact.
    """
    data, inputs = [], []
    for node in graph:
        if node[0] == "leaf":
            data.append(np.float64(node[1]))
            inputs.append([])
            continue
        op, i, operand = node
        other = data[operand] if op in BINARY else operand
        value, locals_ = _local(op, data[i], other)
        locals_ = _mistaken_local(op, data[i], other, mistake, locals_)
        sources = [i, operand] if op in BINARY else [i]
        data.append(np.float64(value))
        inputs.append(list(zip(sources, locals_)))
    out = len(graph) - 1
    order = _topological(inputs, out, twice=mistake == "node_visited_twice")
    grad = [np.float64(0.0)] * len(graph)
    if mistake != "backward_not_seeded":
        grad[out] = np.float64(1.0)
    walk = order if mistake == "backward_forward_order" else list(reversed(order))
    with np.errstate(all="ignore"):
        for node in walk:
            for source, local in inputs[node]:
                if mistake == "grad_assigned_not_added":
                    grad[source] = local * grad[node]
                else:
                    grad[source] = grad[source] + local * grad[node]
    leaves = [k for k, node in enumerate(graph) if node[0] == "leaf"]
    return np.array([data[out], grad[out]] + [grad[k] for k in leaves], dtype=np.float64)


def _topological(inputs, out, twice=False):
    """Node indices, each after its inputs, of the nodes `out` depends on.

    The graph's nodes are numbered in the order they were made, each after its inputs,
    so increasing index is already a topological order: the twin needs no search.
    twice: the mistake of a depth-first search that checks "visited" only when it pushes
    a node, not when it pops one, so a node pushed twice before it was expanded is
    listed twice.
    """
    if twice:
        return _listed_twice(inputs, out)
    needed = {out}
    for node in range(out, -1, -1):
        if node in needed:
            needed.update(source for source, _ in inputs[node])
    return sorted(needed)


def _listed_twice(inputs, out):
    order, seen, pending = [], set(), [(out, False)]
    while pending:
        node, expanded = pending.pop()
        if expanded:
            order.append(node)
        else:
            seen.add(node)
            pending.append((node, True))
            pending.extend((source, False) for source, _ in inputs[node] if source not in seen)
    return order


REFLECTED = {"rsub_c": "sub_c", "rdiv_c": "div_c"}  # the number on the wrong side


def alternatives_of(graph):
    """{mistake: [what an engine with it gives]} for the hints."""
    alternatives = {mistake: [evaluate(graph, mistake)] for mistake in MISTAKES}
    if any(node[0] in REFLECTED for node in graph):
        swapped = [(REFLECTED.get(node[0], node[0]),) + tuple(node[1:]) for node in graph]
        alternatives["reflected_operator_wrong"] = [evaluate(swapped)]
    return alternatives


def build_locally(autograd, graph):
    """The graph built with a Value class on this side (the reference, for the oracle)."""
    nodes = []
    for node in graph:
        if node[0] == "leaf":
            nodes.append(autograd.Value(node[1]))
            continue
        op, i, operand = node
        if op in BINARY:
            nodes.append(getattr(nodes[i], BINARY[op])(nodes[operand]))
        elif op in WITH_NUMBER:
            nodes.append(getattr(nodes[i], WITH_NUMBER[op])(operand))
        else:
            nodes.append(getattr(nodes[i], UNARY[op])())
    nodes[-1].backward()
    leaves = [nodes[k] for k, node in enumerate(graph) if node[0] == "leaf"]
    return [nodes[-1].data, nodes[-1].grad] + [leaf.grad for leaf in leaves]


def graph_program(graph, program=None, backward=True):
    """A Program that builds the graph in the worker and returns its numbers.

    Returns (program, [the steps whose values are evaluate()'s entries]).
    """
    program = program or Program()
    steps = []
    for node in graph:
        if node[0] == "leaf":
            steps.append(program.call("autograd.Value", float(node[1])))
            continue
        op, i, operand = node
        if op in BINARY:
            steps.append(program.method(steps[i], BINARY[op], steps[operand]))
        elif op in WITH_NUMBER:
            steps.append(program.method(steps[i], WITH_NUMBER[op], operand))
        else:
            steps.append(program.method(steps[i], UNARY[op]))
    if backward:
        program.method(steps[-1], "backward")
    returned = [program.getattr(steps[-1], "data", returns=True),
                program.getattr(steps[-1], "grad", returns=True)]
    returned += [program.getattr(steps[k], "grad", returns=True)
                 for k, node in enumerate(graph) if node[0] == "leaf"]
    return program, returned


def returned(results, steps, what):
    """The values of these program steps, in order; the student's error if one failed first."""
    values = []
    for step in steps:
        index = step.index if isinstance(step, wire.Step) else step
        if index not in results:
            failed = [results[k] for k in sorted(results) if results[k].error is not None]
            if failed:
                failed[0].unwrap()  # the student's error, with its traceback
            raise CheckFailed(f"{what}: step {index} of the graph has no result")
        values.append(results[index].unwrap())
    return values


def run_graphs(student, graphs, what):
    """Each graph built and differentiated in the worker: a list of float64 arrays."""
    program, returned = Program(), []
    for graph in graphs:
        program, steps = graph_program(graph, program)
        returned.append(steps)
    results = student.run(program)
    arrays = []
    for number, steps in enumerate(returned):
        values = []
        for step in steps:
            if step.index not in results:
                failed = [results[k] for k in sorted(results) if results[k].error is not None]
                if failed:
                    failed[0].unwrap()  # the student's error, with its traceback
                raise CheckFailed(f"{what}: the graph {number} could not be evaluated")
            values.append(as_float(results[step.index].unwrap(),
                                   f"{what}: data or grad of graph {number}"))
        arrays.append(np.array(values, dtype=np.float64))
    return arrays


def expect_graphs(student, request, graphs, what, label="graphs"):
    """The graphs' numbers in the worker against the reference's, with the hints' twins."""
    want = expected(request, label,
                    lambda R: [build_locally(R.autograd, graph) for graph in graphs])
    got = run_graphs(student, graphs, what)
    for graph, values, right in zip(graphs, got, want):
        expect_array(values, np.asarray(right, dtype=np.float64),
                     f"{what} {_describe(graph)}: [output data, output grad, grad of each "
                     "leaf]", rtol=1e-6, atol=1e-9,
                     context={"alternatives": alternatives_of(graph)})


def _describe(graph):
    """A graph as an expression a student can read (small graphs only)."""
    names = []
    for node in graph:
        if node[0] == "leaf":
            names.append(f"{node[1]:.4g}")
            continue
        op, i, operand = node
        a = names[i]
        b = names[operand] if op in BINARY else (f"{operand:.4g}" if operand is not None else "")
        text = {"add": f"({a} + {b})", "sub": f"({a} - {b})", "mul": f"{a} * {b}",
                "div": f"{a} / {b}", "add_c": f"({a} + {b})", "radd_c": f"({b} + {a})",
                "sub_c": f"({a} - {b})", "rsub_c": f"({b} - {a})", "mul_c": f"{a} * {b}",
                "rmul_c": f"{b} * {a}", "div_c": f"{a} / {b}", "rdiv_c": f"{b} / {a}",
                "pow": f"{a} ** {b}", "neg": f"-{a}"}.get(op, f"{a}.{op}()")
        names.append(text)
    text = names[-1]
    return text if len(text) <= 120 else f"of {len(graph)} nodes"


# ---------------------------------------------------------------- one operation at a time

OPERATIONS = {  # name -> how to make a graph of it from one or two random numbers
    "add": lambda a, b: [("leaf", a), ("leaf", b), ("add", 0, 1)],
    "radd": lambda a, b: [("leaf", a), ("radd_c", 0, b)],
    "sub": lambda a, b: [("leaf", a), ("leaf", b), ("sub", 0, 1)],
    "rsub": lambda a, b: [("leaf", a), ("rsub_c", 0, b)],
    "mul": lambda a, b: [("leaf", a), ("leaf", b), ("mul", 0, 1)],
    "rmul": lambda a, b: [("leaf", a), ("rmul_c", 0, b)],
    "truediv": lambda a, b: [("leaf", a), ("leaf", b), ("div", 0, 1)],
    "rtruediv": lambda a, b: [("leaf", a), ("rdiv_c", 0, b)],
    "number_operand": lambda a, b: [("leaf", a), ("add_c", 0, b), ("mul_c", 1, b),
                                    ("sub_c", 2, a), ("div_c", 3, b)],
    "pow": lambda a, b: [("leaf", abs(a) + 0.5),
                         ("pow", 0, [2, 3, -1, 0.5, 1.5][int(10 * abs(b)) % 5])],
    "neg": lambda a, b: [("leaf", a), ("neg", 0, None)],
    "relu": lambda a, b: [("leaf", a), ("relu", 0, None)],
    "tanh": lambda a, b: [("leaf", a), ("tanh", 0, None)],
    "exp": lambda a, b: [("leaf", a), ("exp", 0, None)],
    "log": lambda a, b: [("leaf", abs(a) + 0.1), ("log", 0, None)],
    "sigmoid": lambda a, b: [("leaf", a), ("sigmoid", 0, None)],
}


def _operands(rng, count=4):
    """Pairs of numbers away from 0 (a divisor), of both signs."""
    a = rng.uniform(0.3, 2.0, count) * rng.choice([-1, 1], count)
    b = rng.uniform(0.3, 2.0, count) * rng.choice([-1, 1], count)
    return [(round(float(x), 6), round(float(y), 6)) for x, y in zip(a, b)]


@pytest.mark.parametrize("function", CLASSES)
def test_signature(student, request, function):
    """Neuron, Layer, MLP and train_value_mlp take the SPEC's parameters."""
    module, name = function.split(".")
    check_signature(student, request, module, name)


def test_value_leaf(student):
    """Value(data): data is a float, grad is 0.0."""
    program = Program()
    a = program.call("autograd.Value", 3)
    steps = [program.getattr(a, "data", returns=True), program.getattr(a, "grad", returns=True)]
    data, grad = returned(student.run(program), steps, "Value(3)")
    is_float = type(data) is float or (isinstance(data, wire.Scalar)
                                        and data.array.dtype.kind == "f")
    if not is_float or float(as_float(data, "Value(3).data")) != 3.0:
        raise CheckFailed(f"Value(3).data is {data!r} ({describe(data)}): it should be the float "
                          "3.0 (store float(data))")
    if grad != 0.0:
        raise CheckFailed(f"Value(3).grad is {grad!r}: it should be 0.0 at creation")


@CASES
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_operation(student, request, rng, operation, case):
    """One operation's value and local derivatives, a Value or a number on either side."""
    graphs = [OPERATIONS[operation](a, b) for a, b in _operands(rng)]
    expect_graphs(student, request, graphs, operation)


def test_pow_with_a_value_exponent_raises(student):
    """Value ** Value raises TypeError (the SPEC's exponent is a number); Value ** 3 works."""
    program = Program()
    a = program.call("autograd.Value", 2.0)
    cube = program.method(a, "__pow__", 3)
    program.method(cube, "backward")
    steps = [program.getattr(cube, "data", returns=True), program.getattr(a, "grad", returns=True)]
    data, grad = (as_float(v, "Value(2.0) ** 3") for v in returned(student.run(program), steps,
                                                                    "Value(2.0) ** 3"))
    if not (math.isclose(data, 8.0) and math.isclose(grad, 12.0)):
        raise CheckFailed(f"Value(2.0) ** 3 gives data {data:.6g} and grad {grad:.6g}, expected "
                          "8 and 12")
    program = Program()
    a = program.call("autograd.Value", 2.0)
    b = program.call("autograd.Value", 3.0)
    power = program.method(a, "__pow__", b, returns=True)
    results = student.run(program)
    if power.index not in results:
        returned(results, [power], "Value(2.0) ** Value(3.0)")  # Value itself failed
    result = results[power.index]
    if result.error is None:
        raise CheckFailed("Value(2.0) ** Value(3.0) did not raise: a Value exponent should "
                          "raise TypeError (only number exponents are supported)")
    if result.error.type != "TypeError":
        raise CheckFailed(f"Value(2.0) ** Value(3.0) raised {result.error.type}, expected "
                          "TypeError")


EDGES = [  # PyTorch's inf and nan where the math has them, and no overflow
    [("leaf", 0.0), ("log", 0, None)],
    [("leaf", -1.0), ("log", 0, None)],
    [("leaf", 1000.0), ("exp", 0, None)],
    [("leaf", -1000.0), ("exp", 0, None)],
    [("leaf", 0.0), ("rdiv_c", 0, 1.0)],
    [("leaf", 1.0), ("leaf", 0.0), ("div", 0, 1)],
    [("leaf", 0.0), ("pow", 0, -1)],
    [("leaf", 0.0), ("pow", 0, 0.5)],
    [("leaf", 1e4), ("sigmoid", 0, None)],
    [("leaf", -1e4), ("sigmoid", 0, None)],
    [("leaf", 1e4), ("tanh", 0, None)],
    [("leaf", -1e4), ("tanh", 0, None)],
    [("leaf", 0.0), ("relu", 0, None)],
]


def test_edge_values(student, request):
    """inf and nan where PyTorch gives them (log 0, 1 / 0, exp 1000), no overflow errors."""
    expect_graphs(student, request, EDGES, "at an edge of its domain")


# ---------------------------------------------------------------- graphs


def random_graph(rng, leaves=4, operations=24):
    """A random expression graph: nodes reuse earlier ones (branches and shared nodes).

    Operations are picked so that values stay moderate (log of positives only,
    divisors away from 0), where float64 agrees with any order of evaluation.
    """
    graph = [("leaf", round(float(v), 4)) for v in rng.uniform(-1.5, 1.5, leaves)]
    data = [v for _, v in graph]
    for _ in range(operations):
        i = int(rng.integers(max(0, len(graph) - 6), len(graph)))  # recent nodes: depth
        j = int(rng.integers(0, len(graph)))  # any node: sharing
        x, y = data[i], data[j]
        candidates = ["add", "sub", "mul", "radd_c", "rsub_c", "rmul_c", "neg", "tanh",
                      "sigmoid", "relu"]
        if abs(y) > 0.3:
            candidates.append("div")
        if abs(x) > 0.3:
            candidates.append("rdiv_c")
        if abs(x) < 3:
            candidates += ["exp", "pow"]
        if x > 0.1:
            candidates += ["log", "pow"]
        if abs(x) > 5 or abs(y) > 5:
            candidates = ["tanh", "sigmoid", "mul_c", "div_c"]
        op = candidates[int(rng.integers(len(candidates)))]
        number = round(float(rng.uniform(0.5, 2.0)), 3)
        if op in BINARY:
            node = (op, i, j)
        elif op == "pow":
            node = (op, i, 0.5 if x > 0.1 and rng.random() < 0.3 else int(rng.integers(2, 4)))
        elif op in WITH_NUMBER:
            node = (op, i, number if op != "div_c" else number + 5)
        else:
            node = (op, i, None)
        value = _local(op, x, y if op in BINARY else node[2])[0]
        graph.append(node)
        data.append(float(value))
    # The output adds the last few nodes: many paths lead to the leaves.
    for k in range(len(graph) - 4, len(graph) - 1):
        graph.append(("add", len(graph) - 1, k))
        data.append(data[-1] + data[k])
    return graph


@CASES
def test_random_graphs(student, request, case):
    """Random graphs from hidden seeds: data and every leaf's grad, as the reference gives."""
    rng = np.random.default_rng(seed_for(request))
    graphs = [random_graph(rng) for _ in range(6)]
    expect_graphs(student, request, graphs, "a random graph")


def test_accumulation(student, request):
    """A node used several times receives every contribution (+=, not =)."""
    graphs = [
        [("leaf", 1.5), ("leaf", -2.0), ("mul", 0, 1), ("add", 2, 0)],  # a * b + a
        [("leaf", 1.5), ("mul", 0, 0)],  # a * a
        [("leaf", -0.7), ("add", 0, 0), ("mul", 1, 0)],  # (a + a) * a
        [("leaf", 0.8), ("tanh", 0, None), ("exp", 0, None), ("mul", 1, 2), ("add", 3, 0)],
    ]
    want = expected(request, "graphs",
                    lambda R: [build_locally(R.autograd, graph) for graph in graphs])
    got = run_graphs(student, graphs, "a node used twice")
    for graph, values, right in zip(graphs, got, want):
        context = {"alternatives": alternatives_of(graph)}
        context["alternatives"]["grad_assigned_not_added"] = _assigned_outcomes(graph)
        expect_array(values, np.asarray(right, dtype=np.float64),
                     f"{_describe(graph)}: [output data, output grad, grad of each leaf]",
                     rtol=1e-6, atol=1e-9, context=context)


def _assigned_outcomes(graph):
    """What `=` instead of `+=` can give: each leaf keeps one of its contributions only.

    Which one depends on the order in which the student's backward visits the
    leaf's consumers, so every choice is an outcome (the graphs here are small).
    """
    right = evaluate(graph)
    data, inputs = [], []
    for node in graph:
        if node[0] == "leaf":
            data.append(node[1])
            inputs.append([])
            continue
        op, i, operand = node
        value, locals_ = _local(op, data[i], data[operand] if op in BINARY else operand)
        data.append(float(value))
        inputs.append(list(zip([i, operand] if op in BINARY else [i], locals_)))
    grad = [0.0] * len(graph)
    grad[-1] = 1.0
    received = [[] for _ in graph]
    for node in reversed(range(len(graph))):  # creation order is a topological order
        for source, local in inputs[node]:
            received[source].append(local * grad[node])
            grad[source] += local * grad[node]
    leaves = [k for k, node in enumerate(graph) if node[0] == "leaf"]
    options = [received[k] or [0.0] for k in leaves]
    return [np.array([right[0], right[1], *choice]) for choice in itertools.product(*options)]


def diamonds(count, start=0.9):
    """x -> (a, b) -> x' repeated: every node reached by two paths."""
    graph = [("leaf", start)]
    for _ in range(count):
        x = len(graph) - 1
        graph.append(("mul_c", x, 1.5))  # a = 1.5 x
        graph.append(("tanh", x, None))  # b = tanh x
        graph.append(("add", x + 1, x + 2))  # x' = a + b
    return graph


def shortcuts(count, start=0.7):
    """x' = x + 2 tanh(x), repeated: x is used directly and through tanh, x first."""
    graph = [("leaf", start)]
    for _ in range(count):
        x = len(graph) - 1
        graph.append(("tanh", x, None))
        graph.append(("mul_c", x + 1, 2.0))
        graph.append(("add", x, x + 2))
    return graph


def test_diamond(student, request):
    """Diamond graphs: a node reached by two paths is propagated once, after both."""
    graphs = [diamonds(1), diamonds(2, -0.4), diamonds(12, 0.05), shortcuts(1), shortcuts(3),
              shortcuts(8, -0.3)]
    expect_graphs(student, request, graphs, "a chain of diamonds")


def test_deep_chain(student):
    """A chain 100,000 nodes deep, built by the student's own operator: backward, no recursion."""
    first = student.call("autograd.Value", 1.0, keep=True)
    last = student.repeat(first, "__mul__", DEEP_FACTOR, times=DEEP, timeout=DEEP_SECONDS)
    try:
        student.method(last, "backward", timeout=DEEP_SECONDS)
    except Exception as error:
        if "RecursionError" in str(getattr(error, "type", "")) + str(error):
            raise CheckFailed("backward raised RecursionError on a chain 100,000 nodes deep: "
                              "build the topological order with a loop and a stack of your own, "
                              "not with a recursive function") from None
        raise
    want = DEEP_FACTOR ** DEEP
    data = as_float(student.getattr(last, "data"), "the chain's last data")
    grad = as_float(student.getattr(first, "grad"), "the chain's first grad")
    if not math.isclose(data, want, rel_tol=1e-6):
        raise CheckFailed(f"the chain's last node has data {data:.8g}, expected {want:.8g}")
    if not math.isclose(grad, want, rel_tol=1e-6):
        raise CheckFailed(f"after backward on the chain's last node, its first node has grad "
                          f"{grad:.8g}, expected 1.00001 ** 100000 = {want:.8g}")


def test_backward_does_not_reset(student):
    """backward twice adds the contributions twice: resetting is zero_grad's job."""
    program = Program()
    a = program.call("autograd.Value", 2.0)
    b = program.call("autograd.Value", -3.0)
    c = program.method(a, "__mul__", b)
    program.method(c, "backward")
    program.method(c, "backward")
    steps = [program.getattr(a, "grad", returns=True), program.getattr(b, "grad", returns=True)]
    got = [as_float(v, "grad") for v in returned(student.run(program), steps, "backward twice")]
    if not np.allclose(got, [-6.0, 4.0]):
        seeded_twice = np.allclose(got, [-9.0, 6.0])
        raise CheckFailed(f"after c = a * b with a = 2, b = -3 and c.backward() twice, a.grad and "
                          f"b.grad are {got}, expected [-6.0, 4.0]: backward adds to the grads "
                          "it finds (it resets only the output's own to 1)",
                          hint=sentence_of("backward_seed_accumulated") if seeded_twice else None)


# ---------------------------------------------------------------- Neuron, Layer, MLP


def _read_parameters(student, model):
    """The data of each Value of model.parameters(), in its order."""
    program = Program()
    program.method(model, "parameters", returns=True)
    handles = student.run(program)[0].unwrap()
    if not isinstance(handles, list) or not all(isinstance(h, wire.Ref) for h in handles):
        raise CheckFailed(f"parameters() should return a list of Values, but returned "
                          f"{describe(handles)}")
    program = Program()
    steps = [program.getattr(handle, "data", returns=True) for handle in handles]
    values = returned(student.run(program), steps, "parameters()")
    return handles, np.array([as_float(v, f"parameters()[{k}].data")
                              for k, v in enumerate(values)])


def _set_parameters(student, handles, values):
    program = Program()
    for handle, value in zip(handles, values):
        program.setattr(handle, "data", float(value))
    student.run(program)


def _call_model(student, model, x):
    """model(x) in the worker: a list of floats (one for a single Value)."""
    program = Program()
    program.method(model, "__call__", [float(v) for v in x], returns=True)
    value = student.run(program)[0].unwrap()
    outputs = value if isinstance(value, list) else [value]
    if not all(isinstance(v, wire.Ref) for v in outputs):
        raise CheckFailed(f"calling the model returned {describe(value)}: a Value, or a list "
                          "of Values")
    program = Program()
    steps = [program.getattr(v, "data", returns=True) for v in outputs]
    values = returned(student.run(program), steps, "the model's outputs")
    return value, np.array([as_float(v, "an output's data") for v in values])


def _trusted_mlp(sizes, flat, x):
    """A micrograd MLP's outputs from its parameters in parameters() order (w then b)."""
    h, k = np.asarray(x, dtype=np.float64), 0
    for layer, (nin, nout) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = np.zeros((nout, nin))
        b = np.zeros(nout)
        for neuron in range(nout):
            W[neuron] = flat[k:k + nin]
            b[neuron] = flat[k + nin]
            k += nin + 1
        h = W @ h + b
        if layer < len(sizes) - 2:
            h = np.maximum(h, 0.0)
    return h


def test_neuron_parameters(student):
    """Neuron(nin): nin weights uniform in [-1, 1] from rng, then a bias of 0."""
    neuron = student.call("autograd.Neuron", 50, rng=wire.Rng(seed_for_name("neuron")),
                          keep=True)
    _, values = _read_parameters(student, neuron)
    if len(values) != 51:
        raise CheckFailed(f"Neuron(50).parameters() has {len(values)} Values, expected 51 "
                          "(50 weights, then the bias)")
    weights, bias = values[:-1], values[-1]
    if bias != 0.0:
        order = values[0] == 0.0
        raise CheckFailed(f"the bias (the last parameter) is {bias:.4g}: it should start at 0",
                          hint=sentence_of("parameters_order" if order else "neuron_bias_not_zero"))
    if not (np.all(weights >= -1) and np.all(weights <= 1)) or np.std(weights) < 0.3:
        raise CheckFailed(f"the weights range over [{weights.min():.3g}, {weights.max():.3g}] "
                          f"with std {np.std(weights):.3g}: they should be uniform in [-1, 1] "
                          "(std 0.58)", hint=sentence_of("neuron_weights_not_uniform"))
    again = student.call("autograd.Neuron", 50, rng=wire.Rng(seed_for_name("neuron")), keep=True)
    _, same = _read_parameters(student, again)
    if not np.array_equal(same, values):
        raise CheckFailed("two Neurons made with the same rng seed have different weights: draw "
                          "them from rng (no global random state)")


def seed_for_name(name):
    import zlib  # noqa: PLC0415

    return zlib.crc32(name.encode())


@pytest.mark.parametrize("nonlin", [True, False])
def test_neuron_forward(student, rng, nonlin):
    """neuron(x) = relu(w . x + b), or w . x + b with nonlin=False."""
    neuron = student.call("autograd.Neuron", 3, nonlin=nonlin, rng=wire.Rng(1), keep=True)
    handles, _ = _read_parameters(student, neuron)
    for trial in range(3):
        flat = rng.uniform(-1, 1, 4)
        x = rng.uniform(-2, 2, 3)
        if trial == 0:
            flat[3] = -abs(flat[3]) - 3.0  # a negative sum: ReLU gives 0
        _set_parameters(student, handles, flat)
        value, outputs = _call_model(student, neuron, x)
        if isinstance(value, list):
            raise CheckFailed("a Neuron returns one Value, not a list")
        z = float(flat[:3] @ x + flat[3])
        want = max(z, 0.0) if nonlin else z
        if not math.isclose(outputs[0], want, rel_tol=1e-9, abs_tol=1e-12):
            raise CheckFailed(f"Neuron(3, nonlin={nonlin}) with parameters {np.round(flat, 4)} "
                              f"(w, then b) on x = {np.round(x, 4)} gives {outputs[0]:.6g}, "
                              f"expected {want:.6g}")


def test_layer_shapes(student):
    """Layer(nin, nout): nout Values (one Value when nout is 1), nout * (nin + 1) parameters."""
    layer = student.call("autograd.Layer", 3, 4, rng=wire.Rng(2), keep=True)
    value, outputs = _call_model(student, layer, [0.5, -1.0, 2.0])
    if not isinstance(value, list) or len(outputs) != 4:
        raise CheckFailed(f"Layer(3, 4) on 3 inputs returned {describe(value)}: expected a list "
                          "of 4 Values")
    handles, _ = _read_parameters(student, layer)
    if len(handles) != 16:
        raise CheckFailed(f"Layer(3, 4).parameters() has {len(handles)} Values, expected 16")
    flat = np.linspace(-1.0, 1.0, 16)
    _set_parameters(student, handles, flat)
    x = [0.5, -1.0, 2.0]
    _, outputs = _call_model(student, layer, x)
    neurons = flat.reshape(4, 4)  # a row per neuron: 3 weights, then the bias
    expect_array(outputs, np.maximum(neurons[:, :3] @ x + neurons[:, 3], 0.0),
                 "Layer(3, 4) with parameters linspace(-1, 1, 16) (w, then b, per neuron) on "
                 f"x = {x}")
    single = student.call("autograd.Layer", 3, 1, rng=wire.Rng(3), keep=True)
    value, _ = _call_model(student, single, [0.5, -1.0, 2.0])
    if isinstance(value, list):
        raise CheckFailed("Layer(3, 1) should return one Value, not a list of one",
                          hint=sentence_of("layer_single_output"))


SIZES = [3, 5, 4, 2]


def test_mlp_forward(student, rng):
    """MLP(3, [5, 4, 2]): ReLU hidden layers, a linear last layer, micrograd's parameter order."""
    model = student.call("autograd.MLP", SIZES[0], SIZES[1:], rng=wire.Rng(4), keep=True)
    handles, _ = _read_parameters(student, model)
    count = sum((nin + 1) * nout for nin, nout in zip(SIZES[:-1], SIZES[1:]))
    if len(handles) != count:
        raise CheckFailed(f"MLP(3, [5, 4, 2]).parameters() has {len(handles)} Values, expected "
                          f"{count}")
    flat = rng.uniform(-1, 1, count)
    _set_parameters(student, handles, flat)
    for _ in range(3):
        x = rng.uniform(-2, 2, 3)
        _, outputs = _call_model(student, model, x)
        want = _trusted_mlp(SIZES, flat, x)
        last_relu = np.maximum(want, 0.0)
        expect_array(outputs, want, f"MLP(3, [5, 4, 2]) on x = {np.round(x, 3)}",
                     context={"alternatives": {"last_layer_nonlinear": [last_relu]}})


def test_mlp_backward(student, rng):
    """The grad of every parameter after backward of an MLP's output."""
    sizes = [2, 4, 1]
    model = student.call("autograd.MLP", sizes[0], sizes[1:], rng=wire.Rng(5), keep=True)
    handles, flat = _read_parameters(student, model)
    flat = rng.uniform(-1, 1, len(flat))
    flat[2::3][:4] = np.abs(flat[2::3][:4]) + 0.2  # hidden biases > 0: units mostly active
    _set_parameters(student, handles, flat)
    x = [0.7, -0.4]
    program = Program()
    out = program.method(model, "__call__", x)
    program.method(out, "backward")
    for handle in handles:
        program.getattr(handle, "grad", returns=True)
    results = student.run(program)
    got = np.array([as_float(results[k].unwrap(), "a parameter's grad")
                    for k in sorted(results)])
    want = _trusted_mlp_gradient(sizes, flat, np.array(x))
    expect_array(got, want, "the parameters' grads after backward of MLP(2, [4, 1])(x)")


def _trusted_mlp_gradient(sizes, flat, x, h=1e-6):
    """d output / d parameters by centred differences of _trusted_mlp (float64, exact enough)."""
    grad = np.zeros(len(flat))
    for k in range(len(flat)):
        plus, minus = flat.copy(), flat.copy()
        plus[k] += h
        minus[k] -= h
        grad[k] = (_trusted_mlp(sizes, plus, x)[0] - _trusted_mlp(sizes, minus, x)[0]) / (2 * h)
    return grad


def test_zero_grad(student):
    """zero_grad sets every parameter's grad back to 0 (after a backward that set them right)."""
    sizes = [2, 3, 1]
    model = student.call("autograd.MLP", 2, [3, 1], rng=wire.Rng(6), keep=True)
    handles, _ = _read_parameters(student, model)
    flat = np.array([0.5, -0.3, 0.2, 0.8, 0.4, 0.1, -0.6, 0.9, 0.3, 0.7, -0.5, 0.6, 0.2])
    if len(handles) != len(flat):
        raise CheckFailed(f"MLP(2, [3, 1]).parameters() has {len(handles)} Values, expected 13")
    _set_parameters(student, handles, flat)
    x = [1.0, -2.0]
    program = Program()
    out = program.method(model, "__call__", x)
    program.method(out, "backward")
    before = [program.getattr(handle, "grad", returns=True) for handle in handles]
    program.method(model, "zero_grad")
    after = [program.getattr(handle, "grad", returns=True) for handle in handles]
    values = [as_float(v, "a parameter's grad")
              for v in returned(student.run(program), before + after, "zero_grad")]
    expect_array(np.array(values[:len(handles)]), _trusted_mlp_gradient(sizes, flat, np.array(x)),
                 "the parameters' grads after backward, before zero_grad")
    if any(v != 0.0 for v in values[len(handles):]):
        raise CheckFailed(f"after zero_grad the parameters' grads are "
                          f"{np.round(values[len(handles):], 4)}: they should all be 0.0",
                          hint=sentence_of("zero_grad_not_applied"))


# ---------------------------------------------------------------- train_value_mlp


def _blobs(rng, n=16):
    y = np.where(np.arange(n) % 2 == 0, 1, -1)
    X = rng.standard_normal((n, 2)) * 0.4 + y[:, None] * 1.0
    return X, y


def test_train_value_mlp_loss(student, rng):
    """With learning_rate=0, every recorded loss is the SPEC's loss of the model it returns."""
    X, y = _blobs(rng)
    l2 = 0.01
    answer = student.call("autograd.train_value_mlp", X, y, hidden_sizes=[4], steps=3,
                          learning_rate=0.0, l2=l2, rng=wire.Rng(7), keep_index=0)
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise CheckFailed(f"train_value_mlp should return (model, losses), not {describe(answer)}")
    model, losses = answer
    if not isinstance(losses, list) or len(losses) != 3:
        raise CheckFailed(f"losses should be a list of one float per step (3), not "
                          f"{describe(losses)}")
    losses = [as_float(v, "a loss") for v in losses]
    _, flat = _read_parameters(student, model)
    scores = np.array([_call_model(student, model, x)[1][0] for x in X])
    want = float(np.mean(np.maximum(0.0, 1.0 - y * scores)) + l2 * np.sum(flat ** 2))
    data_loss = np.maximum(0.0, 1.0 - y * scores)
    mistakes = {"l2_convention": [np.full(3, np.mean(data_loss) + 0.5 * l2 * np.sum(flat ** 2))],
                "margin_loss_not_averaged": [np.full(3, np.sum(data_loss)
                                                     + l2 * np.sum(flat ** 2))]}
    expect_array(np.array(losses), np.full(3, want),
                 "the losses of 3 steps with learning_rate=0 (mean relu(1 - y * score) + l2 * "
                 "sum of every parameter squared)", context={"alternatives": mistakes})


def test_train_value_mlp_learns(student, rng):
    """A few steps on two blobs: the loss goes down and the model separates them."""
    X, y = _blobs(rng)
    model, losses = student.call("autograd.train_value_mlp", X, y, hidden_sizes=[8], steps=20,
                                 learning_rate=0.1, l2=1e-4, rng=wire.Rng(8), keep_index=0)
    losses = [as_float(v, "a loss") for v in losses]
    if len(losses) != 20 or not losses[-1] < 0.8 * losses[0]:
        raise CheckFailed(f"over 20 steps the loss went from {losses[0]:.4g} to {losses[-1]:.4g}"
                          ": it should fall by far more on two separated blobs")
    scores = np.array([_call_model(student, model, x)[1][0] for x in X])
    accuracy = float(np.mean(np.sign(scores) == y))
    if accuracy < 0.9:
        raise CheckFailed(f"after 20 steps on two separated blobs the model classifies "
                          f"{100 * accuracy:.0f}% of them right (expected >= 90%)")
