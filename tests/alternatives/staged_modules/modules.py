"""Modules written without the function pairs' caches: own arithmetic, a recursive walk.

Linear computes with np.dot and np.tensordot, the activations keep their own masks,
Sequential names its parameters by a recursive helper, the Optimizer keeps its states in
a list beside its leaves, and fit validates on a model it switches with train(False).
"""

import numpy as np


class Linear(Module):  # noqa: F821 - the reference's Module, defined above
    def __init__(self, in_features, out_features, init="he", rng=None, dtype=np.float64):
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        scale = {"he": np.sqrt(2.0 / in_features),
                 "xavier": np.sqrt(2.0 / (in_features + out_features)), "small": 0.01}[init]
        self.params = {"W": rng.normal(0.0, scale, (in_features, out_features)).astype(dtype),
                       "b": np.zeros(out_features, dtype=dtype)}
        self.grads = {"W": np.zeros_like(self.params["W"]),
                      "b": np.zeros_like(self.params["b"])}

    def forward(self, x):
        self.x = x
        return np.dot(x, self.params["W"]) + self.params["b"]

    def backward(self, dout):
        self.grads = {"W": np.tensordot(self.x, dout, axes=(0, 0)), "b": dout.sum(axis=0)}
        return np.dot(dout, self.params["W"].T)


class ReLU(Module):  # noqa: F821
    def forward(self, x):
        self.mask = x > 0
        return np.where(self.mask, x, 0).astype(x.dtype)

    def backward(self, dout):
        return np.where(self.mask, dout, 0).astype(dout.dtype)


class Sigmoid(Module):  # noqa: F821
    def forward(self, x):
        self.out = (0.5 * (1 + np.tanh(0.5 * x))).astype(x.dtype)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)


class Tanh(Module):  # noqa: F821
    def forward(self, x):
        self.x = x
        return np.tanh(x)

    def backward(self, dout):
        return dout / np.cosh(self.x) ** 2


class LeakyReLU(Module):  # noqa: F821
    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        self.slope = np.where(x > 0, 1, self.alpha).astype(x.dtype)
        return x * self.slope

    def backward(self, dout):
        return dout * self.slope


class Dropout(Module):  # noqa: F821
    def __init__(self, p, rng=None):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError("p must be in [0, 1)")
        self.p, self.rng = p, rng if rng is not None else np.random.default_rng()

    def forward(self, x):
        if not self.training or self.p == 0:
            self.scale = None
            return x
        keep = self.rng.uniform(size=x.shape) >= self.p
        self.scale = keep / (1 - self.p)
        return (x * self.scale).astype(x.dtype)

    def backward(self, dout):
        return dout if self.scale is None else (dout * self.scale).astype(dout.dtype)


class BatchNorm1d(Module):  # noqa: F821
    def __init__(self, num_features, eps=1e-5, momentum=0.9, dtype=np.float64):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.params = {"gamma": np.ones(num_features, dtype), "beta": np.zeros(num_features, dtype)}
        self.grads = {"gamma": np.zeros(num_features, dtype), "beta": np.zeros(num_features, dtype)}
        self.running_mean = np.zeros(num_features, dtype)
        self.running_var = np.ones(num_features, dtype)

    def forward(self, x):
        param = {"mode": "train" if self.training else "test", "eps": self.eps,
                 "momentum": self.momentum, "running_mean": self.running_mean,
                 "running_var": self.running_var}
        out, self.cache = batchnorm_forward(x, self.params["gamma"], self.params["beta"],  # noqa: F821
                                            param)
        self.running_mean, self.running_var = param["running_mean"], param["running_var"]
        return out

    def backward(self, dout):
        dx, dgamma, dbeta = batchnorm_backward(dout, self.cache)  # noqa: F821
        self.grads = {"gamma": dgamma, "beta": dbeta}
        return dx


def _named(module, prefix=""):
    """[(key, leaf, name)] of every parameter under module, keyed as Sequential keys them."""
    if not module.children():
        return [(prefix + name, module, name) for name in module.params]
    found = []
    for index, child in enumerate(module.children()):
        found += _named(child, f"{prefix}{index}.")
    return found


class Sequential(Module):  # noqa: F821
    def __init__(self, *modules):
        self.training = True
        self.layers = [*modules]

    def children(self):
        return self.layers[:]

    @property
    def params(self):
        return {key: leaf.params[name] for key, leaf, name in _named(self)}

    @property
    def grads(self):
        return {key: leaf.grads[name] for key, leaf, name in _named(self)}

    def forward(self, x):
        out = x
        for index in range(len(self.layers)):
            out = self.layers[index].forward(out)
        return out

    def backward(self, dout):
        grad = dout
        for index in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[index].backward(grad)
        return grad


class Optimizer:
    def __init__(self, rule="sgd", config=None):
        rules = {"sgd": sgd, "sgd_momentum": sgd_momentum,  # noqa: F821
                 "adam": adam, "rmsprop": rmsprop}  # noqa: F821
        if rule not in rules:
            raise ValueError(f"no update rule {rule!r}")
        self.update, self.config = rules[rule], config or {}
        self.leaves, self.states = [], []

    def step(self, model):
        done = set()
        for _, leaf, name in _named(model):
            if (id(leaf), name) in done:
                continue
            done.add((id(leaf), name))
            position = next((i for i, (known, key) in enumerate(self.leaves)
                             if known is leaf and key == name), None)
            if position is None:
                self.leaves.append((leaf, name))
                self.states.append({k: v for k, v in self.config.items()})
                position = len(self.leaves) - 1
            new, self.states[position] = self.update(leaf.params[name], leaf.grads[name],
                                                     self.states[position])
            leaf.params[name] = new


def fit(model, X, y, *, epochs, batch_size, optimizer="sgd", optim_config=None,
        loss="softmax_cross_entropy", clip_norm=None, X_val=None, y_val=None, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    functions = {"softmax_cross_entropy": softmax_cross_entropy,  # noqa: F821
                 "mse": mse_loss, "binary_cross_entropy": binary_cross_entropy}  # noqa: F821

    def loss_of(out, target):
        if loss != "softmax_cross_entropy" and target.size == out.size:
            target = target.reshape(out.shape).astype(out.dtype)
        value, grad = functions[loss](out, target)
        return float(value), grad

    stepper = Optimizer(optimizer, dict(optim_config or {}))
    keys = list(model.params)
    history = {"loss": [], "grad_norm": {key: [] for key in keys}}
    with_val = X_val is not None and y_val is not None
    if with_val:
        history["val_loss"] = []
    model.train()
    for _ in range(epochs):
        total, count, last = 0.0, 0, {}
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng=rng):  # noqa: F821
            value, grad = loss_of(model.forward(X_batch), y_batch)
            model.backward(grad)
            last = {key: float(np.sqrt(np.sum(g.astype(np.float64) ** 2)))
                    for key, g in model.grads.items()}
            if clip_norm is not None:
                from .rnn import clip_grad_norm

                clipped, _ = clip_grad_norm(model.grads, clip_norm)
                for key, leaf, name in _named(model):
                    leaf.grads[name] = clipped[key]
            stepper.step(model)
            total, count = total + value, count + 1
        history["loss"].append(total / count)
        for key in keys:
            history["grad_norm"][key].append(last[key])
        if with_val:
            model.train(False)
            history["val_loss"].append(loss_of(model.forward(X_val), y_val)[0])
            model.train(True)
    return history
