"""The notebook's autograded test cells of a10: autograd.py, and the value_moons task.

Property cells: each builds small graphs with the notebook's Value and compares data
and grads with values derived by hand (or by centred differences of the same
expression written with floats), as the grader does with the reference.
"""

from grader.rubric import load_rubric
from grader.tasks.autograd import DEFAULTS, NOISE, PUBLIC_RANDOM_STATE, SAMPLES

from . import Check

OPERATIONS = """\
import math
a, b = Value(1.5), Value(-0.8)
c = a * b + a / b - b ** 2
c.backward()
assert_close(c.data, 1.5 * -0.8 + 1.5 / -0.8 - 0.64, "data of a * b + a / b - b ** 2")
assert_close(a.grad, -0.8 + 1 / -0.8, "a.grad of a * b + a / b - b ** 2")
assert_close(b.grad, 1.5 - 1.5 / 0.64 + 1.6, "b.grad of a * b + a / b - b ** 2")
x = Value(0.3)
y = (2 - x) + (3 / x) + 4 * x + (-x)  # numbers on the left: the reflected operators
y.backward()
assert_close(y.data, 1.7 + 10 + 1.2 - 0.3, "data with numbers on the left")
assert_close(x.grad, -1 - 3 / 0.09 + 4 - 1, "x.grad with numbers on the left")
for name, f, df in [("relu", lambda v: max(v, 0), lambda v: float(v > 0)),
                    ("tanh", math.tanh, lambda v: 1 - math.tanh(v) ** 2),
                    ("exp", math.exp, math.exp), ("log", math.log, lambda v: 1 / v),
                    ("sigmoid", lambda v: 1 / (1 + math.exp(-v)),
                     lambda v: math.exp(-v) / (1 + math.exp(-v)) ** 2)]:
    for v in (0.7, 1.9):
        node = Value(v)
        out = getattr(node, name)()
        out.backward()
        assert_close(out.data, f(v), f"Value({v}).{name}().data")
        assert_close(node.grad, df(v), f"Value({v}).{name}() grad")
assert Value(3).data == 3.0 and Value(3).grad == 0.0, "a new Value: data 3.0, grad 0.0"
try:
    Value(2.0) ** Value(3.0)
    raise AssertionError("a Value exponent should raise TypeError")
except TypeError:
    pass
assert Value(0.0).log().data == -math.inf and (1 / Value(0.0)).data == math.inf
assert Value(1000.0).exp().data == math.inf, "exp(1000) is inf, not an OverflowError"
assert_close(Value(-1e4).sigmoid().data, 0.0, "sigmoid(-1e4)")"""

BACKWARD = """\
import math
a = Value(1.5)
b = a * a + a  # a is used three times: every contribution adds up
b.backward()
assert_close(a.grad, 2 * 1.5 + 1, "grad of a * a + a")
x0 = Value(0.9)
x = x0
for _ in range(10):  # a chain of diamonds: x -> (1.5 x, tanh x) -> their sum
    x = x * 1.5 + x.tanh()
value, grad = 0.9, 1.0
for _ in range(10):
    grad *= 1.5 + 1 - math.tanh(value) ** 2
    value = 1.5 * value + math.tanh(value)
x.backward()
assert_close(x0.grad, grad, "grad through a chain of 10 diamonds")
deep = Value(1.0)
node = deep
for _ in range(100_000):  # no recursion: 100,000 nodes deep
    node = node * 1.00001
node.backward()
assert_close(deep.grad, 1.00001 ** 100_000, "grad through a chain 100,000 deep")
a, b = Value(2.0), Value(-3.0)
c = a * b
c.backward()
c.backward()
assert_close(a.grad, -6.0, "backward twice adds twice (zero_grad resets)")"""

MODULE = """\
model = MLP(2, [3, 1], rng=np.random.default_rng(0))
model([1.0, -2.0]).backward()
model.zero_grad()
assert all(p.grad == 0.0 for p in model.parameters()), "zero_grad sets every grad to 0"
"""

NEURON = """\
neuron = Neuron(50, rng=np.random.default_rng(0))
values = [p.data for p in neuron.parameters()]
assert len(values) == 51 and values[-1] == 0.0, "50 weights then a bias of 0"
assert all(-1 <= v <= 1 for v in values[:-1]), "weights uniform in [-1, 1]"
for p, v in zip(neuron.parameters(), [0.5] * 50 + [-100.0]):
    p.data = v
assert neuron([1.0] * 50).data == 0.0, "ReLU of a negative sum is 0"
linear = Neuron(2, nonlin=False, rng=np.random.default_rng(0))
w1, w2, bias = linear.parameters()
w1.data, w2.data, bias.data = 0.5, -2.0, 0.25
assert_close(linear([1.0, 1.0]).data, -1.25, "a linear neuron")"""

LAYER = """\
layer = Layer(3, 4, rng=np.random.default_rng(0))
out = layer([0.5, -1.0, 2.0])
assert isinstance(out, list) and len(out) == 4, "Layer(3, 4) returns 4 Values"
assert len(layer.parameters()) == 16, "4 neurons of 3 weights and a bias"
assert isinstance(Layer(3, 1, rng=np.random.default_rng(0))([0.5, -1.0, 2.0]), Value)"""

MLP_CODE = """\
model = MLP(3, [5, 4, 2], rng=np.random.default_rng(0))
assert len(model.parameters()) == 4 * 5 + 6 * 4 + 5 * 2, "parameters of MLP(3, [5, 4, 2])"
for p in model.parameters():
    p.data = -0.5  # every score negative: the last layer must be linear
scores = model([1.0, 1.0, 1.0])
assert len(scores) == 2 and scores[0].data < 0, "the last layer has no ReLU"
scores[0].backward()
assert any(p.grad != 0.0 for p in model.parameters()), "backward through the MLP"
"""

TRAIN = """\
X = np.array([[1.0, 1.2], [1.3, 0.8], [-1.1, -0.9], [-0.7, -1.4]])
y = np.array([1, 1, -1, -1])
model, losses = train_value_mlp(X, y, hidden_sizes=[4], steps=3, learning_rate=0.0, l2=0.01,
                                rng=np.random.default_rng(0))
assert len(losses) == 3 and losses[0] == losses[2], "learning_rate 0: the loss stays"
scores = [model(list(x)).data for x in X]
want = np.mean(np.maximum(0, 1 - y * np.array(scores))) + 0.01 * sum(p.data ** 2
                                                                     for p in model.parameters())
assert_close(losses[0], want, "the loss before the first step")
model, losses = train_value_mlp(X, y, hidden_sizes=[4], steps=20, learning_rate=0.1,
                                rng=np.random.default_rng(0))
assert losses[-1] < losses[0], "the loss goes down\""""

TASK = '''\
# Graded task two moons with Values: HYPERPARAMS["value_moons"] trained as the grader trains it,
# measured on the training points. Full credit from an accuracy of {threshold:g}, {partial_credit:g}
# of the points from {partial:g} (the rubric's; the grader also grades it on hidden data).
settings = dict({defaults!r}, **HYPERPARAMS["value_moons"])
X_train, y_train = value_moons_data({samples}, noise={noise}, random_state={random_state})
model, losses = train_value_mlp(X_train, y_train, hidden_sizes=settings["hidden_sizes"],
                                steps=settings["steps"], learning_rate=settings["learning_rate"],
                                l2=settings["l2"], rng=np.random.default_rng(0))
scores = np.array([model([float(a), float(b)]).data for a, b in X_train])
task_accuracy = float(np.mean(np.sign(scores) == y_train))
history_ok = (len(losses) == settings["steps"] and bool(np.all(np.isfinite(losses)))
              and (settings["steps"] == 1 or losses[-1] < losses[0]))
credit = 1.0 if task_accuracy >= {threshold!r} else ({partial_credit!r} if task_accuracy >= {partial!r} else 0.0)
print(f"two moons with Values: accuracy {{task_accuracy:.4f}} (full credit from {threshold:g}); "
      + ("losses in the SPEC's form" if history_ok else "losses not in the SPEC's form"))
# The points earned (nbgrader's partial credit): the last line's value.
round(({accuracy_points!r} * credit + {history_points!r} * history_ok) if credit else 0.0, 4)'''


def _task_check():
    rubric = load_rubric().assignments["a10"]
    table = rubric.tasks["value_moons"]
    code = TASK.format(threshold=float(table["threshold"]),
                       partial=float(table["partial_threshold"]),
                       partial_credit=float(table["partial_credit"]), defaults=DEFAULTS,
                       samples=SAMPLES, noise=NOISE, random_state=PUBLIC_RANDOM_STATE,
                       accuracy_points=float(rubric.entry("task_accuracy[value_moons]")["points"]),
                       history_points=float(rubric.entry("task_history[value_moons]")["points"]))
    return Check("HYPERPARAMS-value_moons", code, hidden=False)


EXPRESSION = """\
a, b = Value(x0), Value(y0)
c = (a * b + 2 - a / b) ** 2 + (1 - a).tanh() * b.exp() + (3 / a).log() - b.sigmoid() * a.relu()
c.backward()
got = np.array([c.data, a.grad, b.grad])"""

CHECKS = [
    Check("Value", OPERATIONS, carries=("value_leaf", "pow_with_a_value_*", "edge_values")),
    Check("Value", EXPRESSION, "[data, a.grad, b.grad] of an expression of every operation",
          inputs=lambda rng: {"x0": float(rng.uniform(0.5, 2.0)),
                              "y0": float(rng.uniform(-2.0, -0.5))},
          name="expression", carries=("operation[*]",)),
    Check("Value", BACKWARD, name="backward",
          carries=("random_graphs[*]", "accumulation", "diamond", "deep_chain",
                   "backward_does_not_reset")),
    Check("Module", MODULE, carries=("zero_grad",)),
    Check("Neuron", NEURON, carries=("neuron_*",)),
    Check("Layer", LAYER, carries=("layer_*",)),
    Check("MLP", MLP_CODE, carries=("mlp_*",)),
    Check("train_value_mlp", TRAIN),
    _task_check(),
]
