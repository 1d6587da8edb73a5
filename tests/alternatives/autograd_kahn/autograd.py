"""A second Value engine, written unlike the reference.

Each node keeps a function from its grad to its inputs' contributions (a closure
over the inputs, never over the node itself: no reference cycle), the topological
order comes from Kahn's algorithm (counting each node's consumers) instead of a
depth-first search, subtraction and division have their own derivatives, sigmoid
goes through tanh, and the neurons draw their weights one at a time.
"""

import gc
import math

import numpy as np


def _finite_or_ieee(function, *args):
    with np.errstate(all="ignore"):
        return float(function(*(np.float64(a) for a in args)))


class Value:
    def __init__(self, data, _inputs=(), _local=None):
        self.data = float(data)
        self.grad = 0.0
        self._inputs = tuple(_inputs)
        self._local = _local  # grad -> [contribution to each input]

    @staticmethod
    def _as_value(other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = Value._as_value(other)
        return Value(self.data + other.data, (self, other), lambda g: (g, g))

    def __radd__(self, other):
        return Value._as_value(other) + self

    def __sub__(self, other):
        other = Value._as_value(other)
        return Value(self.data - other.data, (self, other), lambda g: (g, -g))

    def __rsub__(self, other):
        return Value._as_value(other) - self

    def __mul__(self, other):
        other = Value._as_value(other)
        a, b = self.data, other.data
        return Value(a * b, (self, other), lambda g: (g * b, g * a))

    def __rmul__(self, other):
        return Value._as_value(other) * self

    def __truediv__(self, other):
        other = Value._as_value(other)
        a, b = self.data, other.data
        quotient = _finite_or_ieee(np.divide, a, b)
        inverse = _finite_or_ieee(np.divide, 1.0, b)
        return Value(quotient, (self, other),
                     lambda g: (g * inverse, -g * quotient * inverse))

    def __rtruediv__(self, other):
        return Value._as_value(other) / self

    def __neg__(self):
        return Value(-self.data, (self,), lambda g: (-g,))

    def __pow__(self, exponent):
        if not isinstance(exponent, (int, float)) or isinstance(exponent, bool):
            raise TypeError("only a number exponent")
        x = self.data
        result = _finite_or_ieee(np.power, x, exponent)
        slope = exponent * _finite_or_ieee(np.power, x, exponent - 1)
        return Value(result, (self,), lambda g: (g * slope,))

    def relu(self):
        positive = self.data > 0
        return Value(self.data if positive else 0.0, (self,),
                     lambda g: (g if positive else 0.0,))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), lambda g: (g * (1 - t) * (1 + t),))

    def exp(self):
        e = _finite_or_ieee(np.exp, self.data)
        return Value(e, (self,), lambda g: (g * e,))

    def log(self):
        x = self.data
        return Value(_finite_or_ieee(np.log, x), (self,),
                     lambda g: (g * _finite_or_ieee(np.divide, 1.0, x),))

    def sigmoid(self):
        s = 0.5 * (1.0 + math.tanh(0.5 * self.data))
        return Value(s, (self,), lambda g: (g * s * (1 - s),))

    def backward(self):
        consumers, seen, pending = {}, {id(self)}, [self]
        nodes = []
        while pending:  # every node reachable from self, and how many nodes use it
            node = pending.pop()
            nodes.append(node)
            for child in node._inputs:
                consumers[id(child)] = consumers.get(id(child), 0) + 1
                if id(child) not in seen:
                    seen.add(id(child))
                    pending.append(child)
        self.grad = 1.0
        ready = [self]  # a node is ready once all of its consumers have passed on
        while ready:
            node = ready.pop()
            if not node._inputs:
                continue
            for child, share in zip(node._inputs, node._local(node.grad)):
                child.grad += share
                consumers[id(child)] -= 1
                if consumers[id(child)] == 0:
                    ready.append(child)


class Module:
    def parameters(self):
        return []

    def zero_grad(self):
        for parameter in self.parameters():
            parameter.grad = 0.0


class Neuron(Module):
    def __init__(self, nin, nonlin=True, rng=None):
        generator = rng if rng is not None else np.random.default_rng()
        self.w = []
        for _ in range(nin):
            self.w.append(Value(generator.uniform(-1, 1)))
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x):
        total = self.b
        for weight, value in zip(self.w, x):
            total = total + weight * value
        return total.relu() if self.nonlin else total

    def parameters(self):
        return [*self.w, self.b]


class Layer(Module):
    def __init__(self, nin, nout, nonlin=True, rng=None):
        generator = rng if rng is not None else np.random.default_rng()
        self.neurons = [Neuron(nin, nonlin, generator) for _ in range(nout)]

    def __call__(self, x):
        outputs = [n(x) for n in self.neurons]
        if len(outputs) == 1:
            return outputs[0]
        return outputs

    def parameters(self):
        found = []
        for neuron in self.neurons:
            found.extend(neuron.parameters())
        return found


class MLP(Module):
    def __init__(self, nin, nouts, rng=None):
        generator = rng if rng is not None else np.random.default_rng()
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [Layer(a, b, nonlin=(k != last), rng=generator)
                       for k, (a, b) in enumerate(zip(sizes, sizes[1:]))]

    def __call__(self, x):
        out = x
        for layer in self.layers:
            out = layer(out)
        return out

    def parameters(self):
        found = []
        for layer in self.layers:
            found.extend(layer.parameters())
        return found


def train_value_mlp(X, y, *, hidden_sizes=(16, 16), steps=100, learning_rate=0.5, l2=1e-4,
                    rng=None):
    model = MLP(2, [*hidden_sizes, 1], rng=rng)
    points = [list(map(float, row)) for row in np.asarray(X)]
    targets = [float(v) for v in np.asarray(y)]
    history = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(steps):
            total = Value(0.0)
            for point, target in zip(points, targets):
                total = total + (1 + -target * model(point)).relu()
            penalty = Value(0.0)
            for p in model.parameters():
                penalty = penalty + p ** 2
            loss = total / len(points) + l2 * penalty
            for p in model.parameters():
                p.grad = 0.0
            loss.backward()
            history.append(loss.data)
            for p in model.parameters():
                p.data = p.data - learning_rate * p.grad
    finally:
        if was_enabled:
            gc.enable()
    return model, history
