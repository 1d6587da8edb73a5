"""Garbage autograd.py: Values with the right interface, wrong numbers everywhere.

noise: random data and local derivatives; zeros: 0.0 for every number; input:
every operation returns its first operand, derivative 1 for it and 0 for the
others, and leaves start with grad 1 (an identity engine); scaled: every result
and every local derivative twice the right one (a consistent wrong pair).
"""

import math

import numpy as np

from ._garbage import FLAVOUR, wrong_float


def _garbage_pair(x, right, local):
    """(data, local derivative) of an operation on x, wrong the flavour's way."""
    if FLAVOUR == "zeros":
        return 0.0, 0.0
    if FLAVOUR == "input":
        return x, 1.0
    if FLAVOUR == "scaled":
        return 2 * right, 2 * local
    return wrong_float(), wrong_float()


class Value:
    def __init__(self, data, _inputs=()):
        self.data = float(data) * (2.0 if FLAVOUR == "scaled" else 1.0)
        if FLAVOUR in ("noise", "zeros"):
            self.data = wrong_float()
        self.grad = 1.0 if FLAVOUR == "input" else 0.0
        self._inputs = tuple(_inputs)

    def _made(self, right, local, other=None, other_local=0.0):
        data, local = _garbage_pair(self.data, right, local)
        out = Value(0.0)
        out.data = data
        out._inputs = ((self, local),) + (((other, other_local),) if other is not None else ())
        return out

    def _other(self, other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = self._other(other)
        return self._made(self.data + other.data, 1.0, other, 1.0)

    __radd__ = __add__

    def __mul__(self, other):
        other = self._other(other)
        return self._made(self.data * other.data, other.data, other, self.data)

    __rmul__ = __mul__

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            raise TypeError("a number exponent only")
        try:
            return self._made(abs(self.data) ** exponent, exponent)
        except (ZeroDivisionError, OverflowError):
            return self._made(math.inf, math.inf)

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._other(other))

    def __rsub__(self, other):
        return Value(other) + (-self)

    def __truediv__(self, other):
        return self * self._other(other) ** -1

    def __rtruediv__(self, other):
        return Value(other) * self ** -1

    def relu(self):
        return self._made(max(self.data, 0.0), 1.0)

    def tanh(self):
        return self._made(math.tanh(self.data), 1.0)

    def exp(self):
        return self._made(math.exp(min(self.data, 700.0)), 1.0)

    def log(self):
        return self._made(math.log(abs(self.data) + 1e-12), 1.0)

    def sigmoid(self):
        return self._made(0.5 * (1 + math.tanh(self.data / 2)), 1.0)

    def backward(self):
        order, visited, stack = [], set(), [self]
        while stack:  # any order, each node once
            node = stack.pop()
            if node not in visited:
                visited.add(node)
                order.append(node)
                stack.extend(child for child, _ in node._inputs)
        self.grad = 1.0
        for node in order:
            for child, local in node._inputs:
                child.grad += local * node.grad


class Module:
    def parameters(self):
        return []

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    def __init__(self, nin, nonlin=True, rng=None):
        rng = np.random.default_rng() if rng is None else rng
        # standard normal weights: the right number of them, the wrong spread
        self.w = [Value(float(w)) for w in rng.standard_normal(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        total = self.b
        for wi, xi in zip(self.w, x):
            total = total + wi * xi
        return total.relu() if self.nonlin else total

    def parameters(self):
        return self.w + [self.b]


class Layer(Module):
    def __init__(self, nin, nout, nonlin=True, rng=None):
        rng = np.random.default_rng() if rng is None else rng
        self.neurons = [Neuron(nin, nonlin=nonlin, rng=rng) for _ in range(nout)]

    def __call__(self, x):
        out = [neuron(x) for neuron in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP(Module):
    def __init__(self, nin, nouts, rng=None):
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i < len(nouts) - 1, rng=rng)
                       for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def train_value_mlp(X, y, *, hidden_sizes=(16, 16), steps=100, learning_rate=0.5, l2=1e-4,
                    rng=None):
    model = MLP(2, list(hidden_sizes) + [1], rng=rng)
    losses = [wrong_float(rng) for _ in range(steps)]
    return model, losses
