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
        # YOUR CODE HERE
        raise NotImplementedError()

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other):
        """self + other: d/dself = 1, d/dother = 1."""
        other = other if isinstance(other, Value) else Value(other)
        # YOUR CODE HERE
        raise NotImplementedError()

    def __mul__(self, other):
        """self * other: d/dself = other, d/dother = self."""
        other = other if isinstance(other, Value) else Value(other)
        # YOUR CODE HERE
        raise NotImplementedError()

    def __pow__(self, exponent):
        """self ** exponent for a number exponent (int or float); a Value raises TypeError.

        d/dself = exponent * self ** (exponent - 1) (the power rule).
        """
        # YOUR CODE HERE
        raise NotImplementedError()

    def __neg__(self):
        """-self."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def __radd__(self, other):
        """other + self, for a number other."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def __sub__(self, other):
        """self - other."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def __rsub__(self, other):
        """other - self, for a number other."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def __rmul__(self, other):
        """other * self, for a number other."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def __truediv__(self, other):
        """self / other: inf or nan where other is 0 (as PyTorch)."""
        other = other if isinstance(other, Value) else Value(other)
        # YOUR CODE HERE
        raise NotImplementedError()

    def __rtruediv__(self, other):
        """other / self, for a number other."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def relu(self):
        """max(0, self); the derivative is 1 where self > 0, else 0 (0 at 0, as PyTorch)."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def tanh(self):
        """tanh(self); the derivative is 1 - tanh(self) ** 2."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def exp(self):
        """e ** self (inf past the largest float); the derivative is e ** self."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def log(self):
        """The natural log (-inf at 0, nan below); the derivative is 1 / self (inf at 0)."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def sigmoid(self):
        """1 / (1 + e ** -self), computed without overflow; the derivative is s * (1 - s)."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self):
        """Set self.grad to 1 and add d self / d node to the grad of every node self depends on.

        The nodes are visited in reverse topological order (a node after every node
        that uses it), each once; a node used by several others receives the sum of
        their contributions (+=). The traversal is iterative: a graph 100,000 nodes
        deep works under Python's recursion limit. Gradients are not reset first:
        calling backward twice adds the contributions twice (zero_grad resets them).
        """
        # YOUR CODE HERE
        raise NotImplementedError()


class Module:
    """What Neuron, Layer and MLP share: their parameters, and resetting their gradients."""

    def parameters(self):
        """A list of the module's parameter Values."""
        return []

    def zero_grad(self):
        """Set the grad of every parameter to 0.0."""
        # YOUR CODE HERE
        raise NotImplementedError()


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
        # YOUR CODE HERE
        raise NotImplementedError()

    def __call__(self, x):
        # YOUR CODE HERE
        raise NotImplementedError()

    def parameters(self):
        # YOUR CODE HERE
        raise NotImplementedError()


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
        # YOUR CODE HERE
        raise NotImplementedError()

    def __call__(self, x):
        # YOUR CODE HERE
        raise NotImplementedError()

    def parameters(self):
        # YOUR CODE HERE
        raise NotImplementedError()


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
        # YOUR CODE HERE
        raise NotImplementedError()

    def __call__(self, x):
        # YOUR CODE HERE
        raise NotImplementedError()

    def parameters(self):
        # YOUR CODE HERE
        raise NotImplementedError()


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
    # YOUR CODE HERE
    raise NotImplementedError()
