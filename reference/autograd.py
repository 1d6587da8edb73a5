"""Assignment 10: reverse-mode automatic differentiation on scalars (after micrograd).

A `Value` holds one number (`data`) and, after `backward`, the derivative of
the final output with respect to it (`grad`). Every operation on Values makes
a new Value that remembers its inputs and the local derivative of its result
with respect to each of them: d out / d input, a plain number computed when
the operation runs. Nothing else is known locally. `backward` then walks the
graph from the output back to the leaves, in reverse topological order, and
applies the chain rule: input.grad += (d out / d input) * out.grad.

The graph is a DAG that holds no cycles (a Value refers to its inputs, never
to itself or to its result), so Python frees a graph by reference counting
as soon as its output is dropped.

Numbers follow IEEE 754 floats as PyTorch does: where the math has an
infinity or an undefined value (log(0), 1 / 0, exp(1000), (-8) ** 0.5) the
result is inf or nan, never a Python exception.
"""

import numpy as np


# Helpers, not exercises: float arithmetic with IEEE 754's inf and nan where Python raises
# (NumPy's float64 follows IEEE 754, as PyTorch does; the results are Python floats).
def _power(base, exponent):
    """base ** exponent for floats: inf for 0.0 ** -1, nan for (-8.0) ** 0.5 (as PyTorch)."""
    try:
        result = base ** exponent
    except (ZeroDivisionError, OverflowError):
        with np.errstate(all="ignore"):
            return float(np.float64(base) ** np.float64(exponent))
    return float("nan") if isinstance(result, complex) else float(result)


def _exp(x):
    """e ** x for a float: inf past the largest float (math.exp would raise)."""
    with np.errstate(over="ignore"):
        return float(np.exp(np.float64(x)))


def _log(x):
    """The natural log of a float: -inf at 0, nan below 0 (math.log would raise)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.log(np.float64(x)))


def _tanh(x):
    """tanh of a float, as a Python float."""
    return float(np.tanh(x))


class Value:
    """A scalar in a computation graph, with the gradient of the output with respect to it.

    Args:
        data: the number (stored as a float).
        _inputs: for a Value made by an operation, pairs (input Value, d self / d input);
            empty for a leaf.

    Attributes:
        data: float, the value.
        grad: float, d output / d self after output.backward(); 0.0 at creation.

    Operators: `+ - * /` with a Value or a Python number on either side, `**` with a
    number exponent (a Value exponent raises TypeError), unary `-`. Methods: relu,
    tanh, exp, log, sigmoid. Each returns a new Value; none changes its inputs.
    """

    def __init__(self, data, _inputs=()):
        ### BEGIN SOLUTION
        self.data = float(data)
        self.grad = 0.0
        self._inputs = tuple(_inputs)
        ### END SOLUTION

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other):
        """self + other: d/dself = 1, d/dother = 1."""
        other = other if isinstance(other, Value) else Value(other)
        ### BEGIN SOLUTION
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))
        ### END SOLUTION

    def __mul__(self, other):
        """self * other: d/dself = other, d/dother = self."""
        other = other if isinstance(other, Value) else Value(other)
        ### BEGIN SOLUTION
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))
        ### END SOLUTION

    def __pow__(self, exponent):
        """self ** exponent for a number exponent (int or float); a Value raises TypeError.

        d/dself = exponent * self ** (exponent - 1) (the power rule).
        """
        ### BEGIN SOLUTION
        if isinstance(exponent, Value) or not isinstance(exponent, (int, float)):
            raise TypeError("Value ** exponent needs a number exponent (int or float), "
                            f"not {type(exponent).__name__}")
        local = exponent * _power(self.data, exponent - 1)
        return Value(_power(self.data, exponent), ((self, local),))
        ### END SOLUTION

    def __neg__(self):
        """-self."""
        ### BEGIN SOLUTION
        return self * -1
        ### END SOLUTION

    def __radd__(self, other):
        """other + self, for a number other."""
        ### BEGIN SOLUTION
        return self + other
        ### END SOLUTION

    def __sub__(self, other):
        """self - other."""
        ### BEGIN SOLUTION
        return self + (-other)
        ### END SOLUTION

    def __rsub__(self, other):
        """other - self, for a number other."""
        ### BEGIN SOLUTION
        return (-self) + other
        ### END SOLUTION

    def __rmul__(self, other):
        """other * self, for a number other."""
        ### BEGIN SOLUTION
        return self * other
        ### END SOLUTION

    def __truediv__(self, other):
        """self / other: inf or nan where other is 0 (as PyTorch)."""
        other = other if isinstance(other, Value) else Value(other)
        ### BEGIN SOLUTION
        return self * other ** -1
        ### END SOLUTION

    def __rtruediv__(self, other):
        """other / self, for a number other."""
        ### BEGIN SOLUTION
        return Value(other) * self ** -1
        ### END SOLUTION

    def relu(self):
        """max(0, self); the derivative is 1 where self > 0, else 0 (0 at 0, as PyTorch)."""
        ### BEGIN SOLUTION
        out = 0.0 if self.data < 0 else self.data
        return Value(out, ((self, 1.0 if self.data > 0 else 0.0),))
        ### END SOLUTION

    def tanh(self):
        """tanh(self); the derivative is 1 - tanh(self) ** 2."""
        ### BEGIN SOLUTION
        t = _tanh(self.data)
        return Value(t, ((self, 1.0 - t * t),))
        ### END SOLUTION

    def exp(self):
        """e ** self (inf past the largest float); the derivative is e ** self."""
        ### BEGIN SOLUTION
        e = _exp(self.data)
        return Value(e, ((self, e),))
        ### END SOLUTION

    def log(self):
        """The natural log (-inf at 0, nan below); the derivative is 1 / self (inf at 0)."""
        ### BEGIN SOLUTION
        return Value(_log(self.data), ((self, _power(self.data, -1.0)),))
        ### END SOLUTION

    def sigmoid(self):
        """1 / (1 + e ** -self), computed without overflow; the derivative is s * (1 - s)."""
        ### BEGIN SOLUTION
        if self.data >= 0:
            s = 1.0 / (1.0 + _exp(-self.data))
        else:
            e = _exp(self.data)
            s = e / (1.0 + e)
        return Value(s, ((self, s * (1.0 - s)),))
        ### END SOLUTION

    def backward(self):
        """Set self.grad to 1 and add d self / d node to the grad of every node self depends on.

        The nodes are visited in reverse topological order (a node after every node
        that uses it), each once; a node used by several others receives the sum of
        their contributions (+=). The traversal is iterative: a graph 100,000 nodes
        deep works under Python's recursion limit. Gradients are not reset first:
        calling backward twice adds the contributions twice (zero_grad resets them).
        """
        ### BEGIN SOLUTION
        # Depth-first search with an explicit stack: a node is appended to `order`
        # only after all of its inputs are (the second time it is popped).
        order, visited = [], set()
        stack = [(self, False)]
        while stack:
            node, inputs_done = stack.pop()
            if inputs_done:
                order.append(node)
                continue
            if node in visited:
                continue
            visited.add(node)
            stack.append((node, True))
            for child, _ in node._inputs:
                if child not in visited:
                    stack.append((child, False))
        self.grad = 1.0
        for node in reversed(order):
            for child, local in node._inputs:
                child.grad += local * node.grad
        ### END SOLUTION


class Module:
    """What Neuron, Layer and MLP share: their parameters, and resetting their gradients."""

    def parameters(self):
        """A list of the module's parameter Values."""
        return []

    def zero_grad(self):
        """Set the grad of every parameter to 0.0."""
        ### BEGIN SOLUTION
        for p in self.parameters():
            p.grad = 0.0
        ### END SOLUTION


class Neuron(Module):
    """One neuron: relu(w . x + b), or w . x + b when nonlin is False.

    Args:
        nin: number of inputs.
        nonlin: apply ReLU to the weighted sum.
        rng: np.random.Generator for the weights, or None for a fresh default_rng().

    The weights are drawn uniformly in [-1, 1], the bias is 0. Called on a list of
    nin numbers or Values, it returns a Value. parameters() is [w_1, ..., w_nin, b].
    """

    def __init__(self, nin, nonlin=True, rng=None):
        ### BEGIN SOLUTION
        rng = np.random.default_rng() if rng is None else rng
        self.w = [Value(w) for w in rng.uniform(-1.0, 1.0, size=nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin
        ### END SOLUTION

    def __call__(self, x):
        ### BEGIN SOLUTION
        activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return activation.relu() if self.nonlin else activation
        ### END SOLUTION

    def parameters(self):
        ### BEGIN SOLUTION
        return self.w + [self.b]
        ### END SOLUTION


class Layer(Module):
    """nout neurons, each reading the same nin inputs.

    Args:
        nin: number of inputs; nout: number of neurons.
        nonlin: whether the neurons apply ReLU.
        rng: np.random.Generator, or None; shared by the neurons, drawn in order.

    Called on a list of nin numbers or Values, it returns a list of nout Values, or
    one Value when nout is 1. parameters() lists the neurons' parameters in order.
    """

    def __init__(self, nin, nout, nonlin=True, rng=None):
        ### BEGIN SOLUTION
        rng = np.random.default_rng() if rng is None else rng
        self.neurons = [Neuron(nin, nonlin=nonlin, rng=rng) for _ in range(nout)]
        ### END SOLUTION

    def __call__(self, x):
        ### BEGIN SOLUTION
        out = [neuron(x) for neuron in self.neurons]
        return out[0] if len(out) == 1 else out
        ### END SOLUTION

    def parameters(self):
        ### BEGIN SOLUTION
        return [p for neuron in self.neurons for p in neuron.parameters()]
        ### END SOLUTION


class MLP(Module):
    """A multi-layer perceptron of Layers: ReLU hidden layers, a linear last layer.

    Args:
        nin: number of inputs.
        nouts: the layers' sizes, e.g. [16, 16, 1] (the last is the output's).
        rng: np.random.Generator, or None; shared by the layers, drawn in order.

    Called on a list of nin numbers or Values, it returns the last layer's output (a
    Value when nouts[-1] is 1). parameters() lists the layers' parameters in order.
    """

    def __init__(self, nin, nouts, rng=None):
        ### BEGIN SOLUTION
        rng = np.random.default_rng() if rng is None else rng
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i < len(nouts) - 1, rng=rng)
                       for i in range(len(nouts))]
        ### END SOLUTION

    def __call__(self, x):
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer(x)
        return x
        ### END SOLUTION

    def parameters(self):
        ### BEGIN SOLUTION
        return [p for layer in self.layers for p in layer.parameters()]
        ### END SOLUTION


def train_value_mlp(X, y, *, hidden_sizes=(16, 16), steps=100, learning_rate=0.5, l2=1e-4,
                    rng=None):
    """Train an MLP of Values by full-batch gradient descent on the max-margin loss.

    Args:
        X: inputs, shape (N, 2) (a NumPy array or a list of pairs).
        y: labels in {-1, 1}, shape (N,).
        hidden_sizes: the hidden layers' sizes; the output layer has one linear unit.
        steps: gradient-descent steps, each over all N points.
        learning_rate: the step size.
        l2: regularisation strength, times the sum of the squares of every parameter
            (weights and biases, as micrograd does).
        rng: np.random.Generator for the MLP's weights, or None.

    Returns:
        model: the trained MLP (model(x) is the score of a point x; its sign the class).
        losses: list of `steps` floats, the loss at each step before that step's update:
            mean_i relu(1 - y_i * score_i) + l2 * sum_p p ** 2.

    The gradients come from Value.backward only. Python's cyclic garbage collector is
    paused while training: Value graphs hold no cycles, and the collector would
    otherwise walk the whole graph of every step again and again.
    """
    ### BEGIN SOLUTION
    import gc  # the garbage collector's switch (see above)

    model = MLP(2, list(hidden_sizes) + [1], rng=rng)
    inputs = [[float(v) for v in row] for row in X]
    labels = [float(label) for label in y]
    losses = []
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(steps):
            margins = [(1 - label * model(x)).relu() for x, label in zip(inputs, labels)]
            data_loss = sum(margins) * (1.0 / len(margins))
            reg_loss = l2 * sum(p * p for p in model.parameters())
            loss = data_loss + reg_loss
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data -= learning_rate * p.grad
            losses.append(loss.data)
    finally:
        if collecting:
            gc.enable()
    return model, losses
    ### END SOLUTION
