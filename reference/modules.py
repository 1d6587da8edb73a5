"""Assignment 7: a layer library. The functions of assignments 2 to 5, wrapped into modules.

A module is an object with a forward and a backward, as in PyTorch's torch.nn:

    out = module.forward(x)          keeps on the object what backward needs
    dx = module.backward(dout)       writes module.grads, returns dx

Every module has `params` (a dict from a name to an array; empty without
parameters) and `grads` (the same keys; zeros until the first backward, then
WRITTEN, not accumulated, by each backward), `training` (True after
construction; `train()` and `eval()` set it on the module and every child)
and `children()` (its direct sub-modules). A module reads its parameters
from `params` at every forward, so a weight can be set from outside with
`module.params["W"] = W`.

Networks are built by composition, `Sequential(Linear(784, 100), ReLU(), ...)`,
trained by `fit`, which takes one `Optimizer` step after every backward.
"""

import numpy as np

from .layers import (
    batchnorm_backward,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    linear_backward,
    linear_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from .losses import binary_cross_entropy, mse_loss, softmax_cross_entropy
from .network import init_params
from .optim import adam, rmsprop, sgd, sgd_momentum
from .train import iterate_minibatches


class Module:
    """What every module has (given, not an exercise): subclasses write forward and backward.

    A subclass's constructor starts with super().__init__(), which sets the attributes.

    Attributes:
        params: dict name -> array, the parameters (empty here).
        grads: dict with the keys of params: the gradients of the last backward.
        training: True in training mode (after construction), False after eval().
    """

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.training = True

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} has no forward")

    def backward(self, dout):
        raise NotImplementedError(f"{type(self).__name__} has no backward")

    def children(self):
        """The direct sub-modules (none for a leaf)."""
        return []

    def train(self, mode=True):
        """Set training mode (mode=True) or evaluation mode on this module and every child."""
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        """Evaluation mode: the same as train(False)."""
        return self.train(False)

    def __call__(self, x):
        return self.forward(x)


class Linear(Module):
    """Affine layer out = x @ W + b, by linear_forward and linear_backward.

    Args:
        in_features: D.
        out_features: M.
        init: how W is drawn, as init_params draws it ("he", "xavier", "small").
        rng: np.random.Generator, or None for a fresh default_rng().
        dtype: of the parameters.

    Attributes:
        params: "W" of shape (D, M), "b" of shape (M,), zeros.
        grads: "W" and "b", zeros until the first backward.
    """

    def __init__(self, in_features, out_features, init="he", rng=None, dtype=np.float64):
        ### BEGIN SOLUTION
        super().__init__()  # Module's params, grads and training
        drawn = init_params([in_features, out_features], init=init, rng=rng, dtype=dtype)
        self.params = {"W": drawn["W1"], "b": drawn["b1"]}
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        ### END SOLUTION

    def forward(self, x):
        """x (N, D) -> out (N, M), with the weights in params now."""
        ### BEGIN SOLUTION
        out, self.cache = linear_forward(x, self.params["W"], self.params["b"])
        return out
        ### END SOLUTION

    def backward(self, dout):
        """dout (N, M) -> dx (N, D); writes grads["W"] and grads["b"]."""
        ### BEGIN SOLUTION
        dx, self.grads["W"], self.grads["b"] = linear_backward(dout, self.cache)
        return dx
        ### END SOLUTION


class ReLU(Module):
    """max(0, x), by relu_forward and relu_backward; no parameters."""

    def forward(self, x):
        ### BEGIN SOLUTION
        out, self.cache = relu_forward(x)
        return out
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        return relu_backward(dout, self.cache)
        ### END SOLUTION


class Sigmoid(Module):
    """1 / (1 + exp(-x)), by sigmoid_forward and sigmoid_backward; no parameters."""

    def forward(self, x):
        ### BEGIN SOLUTION
        out, self.cache = sigmoid_forward(x)
        return out
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        return sigmoid_backward(dout, self.cache)
        ### END SOLUTION


class Tanh(Module):
    """tanh(x), by tanh_forward and tanh_backward; no parameters."""

    def forward(self, x):
        ### BEGIN SOLUTION
        out, self.cache = tanh_forward(x)
        return out
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        return tanh_backward(dout, self.cache)
        ### END SOLUTION


class LeakyReLU(Module):
    """x for x > 0, alpha * x otherwise, by leaky_relu_forward and leaky_relu_backward."""

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        ### BEGIN SOLUTION
        out, self.cache = leaky_relu_forward(x, self.alpha)
        return out
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        return leaky_relu_backward(dout, self.cache)
        ### END SOLUTION


class Dropout(Module):
    """Inverted dropout by dropout_forward, with train = self.training.

    Args:
        p: probability of DROPPING a unit, 0 <= p < 1.
        rng: np.random.Generator, or None for a fresh default_rng(); created
            once here, so that every forward draws a new mask from it.
    """

    def __init__(self, p, rng=None):
        ### BEGIN SOLUTION
        super().__init__()  # Module's params, grads and training
        self.p = p
        self.rng = np.random.default_rng() if rng is None else rng
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        out, self.cache = dropout_forward(x, self.p, train=self.training, rng=self.rng)
        return out
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        return dropout_backward(dout, self.cache)
        ### END SOLUTION


class BatchNorm1d(Module):
    """Batch normalization of D features, by batchnorm_forward and batchnorm_backward.

    Args:
        num_features: D.
        eps: added to the variance.
        momentum: the weight of the OLD running statistic (CS231n's convention,
            not PyTorch's; see batchnorm_forward).
        dtype: of the parameters and the running statistics.

    Attributes:
        params: "gamma" (D,) ones, "beta" (D,) zeros.
        running_mean, running_var: (D,), zeros and ones at first; a forward in
            training mode replaces them with the updated ones, a forward in
            evaluation mode (after eval()) normalizes with them and changes nothing.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.9, dtype=np.float64):
        ### BEGIN SOLUTION
        super().__init__()  # Module's params, grads and training
        self.eps, self.momentum = eps, momentum
        self.params = {"gamma": np.ones(num_features, dtype=dtype),
                       "beta": np.zeros(num_features, dtype=dtype)}
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        self.running_mean = np.zeros(num_features, dtype=dtype)
        self.running_var = np.ones(num_features, dtype=dtype)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        bn_param = {"mode": "train" if self.training else "test", "eps": self.eps,
                    "momentum": self.momentum, "running_mean": self.running_mean,
                    "running_var": self.running_var}
        out, self.cache = batchnorm_forward(x, self.params["gamma"], self.params["beta"],
                                            bn_param)
        if self.training:
            self.running_mean = bn_param["running_mean"]
            self.running_var = bn_param["running_var"]
        return out
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        dx, self.grads["gamma"], self.grads["beta"] = batchnorm_backward(dout, self.cache)
        return dx
        ### END SOLUTION


class Sequential(Module):
    """Modules applied one after the other; the gradient flows back in reverse order.

    Args:
        *modules: the modules, in the order of the forward pass.

    Attributes:
        layers: the list of the modules.
        params, grads: NEW dicts at every access, keyed "<index>.<name>"
            ("0.W", "2.gamma"; a nested Sequential gives "1.0.W"), sharing the
            children's arrays: assigning into them changes nothing, set a
            child's dict instead (model.layers[0].params["W"] = W).
    """

    def __init__(self, *modules):
        # Not Module.__init__: params and grads are properties here, built from the children.
        self.training = True
        ### BEGIN SOLUTION
        self.layers = list(modules)
        ### END SOLUTION

    def children(self):
        ### BEGIN SOLUTION
        return list(self.layers)
        ### END SOLUTION

    @property
    def params(self):
        ### BEGIN SOLUTION
        return {f"{index}.{name}": value for index, layer in enumerate(self.layers)
                for name, value in layer.params.items()}
        ### END SOLUTION

    @property
    def grads(self):
        ### BEGIN SOLUTION
        return {f"{index}.{name}": value for index, layer in enumerate(self.layers)
                for name, value in layer.grads.items()}
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer.forward(x)
        return x
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout
        ### END SOLUTION


def leaves(module):
    """The modules without children under `module` (itself if it has none), each once, in order.

    Helper, not an exercise: what Optimizer.step and fit walk over.
    """
    found, seen, pending = [], set(), [module]
    while pending:
        current = pending.pop(0)
        children = current.children()
        if children:
            pending = list(children) + pending
        elif id(current) not in seen:
            seen.add(id(current))
            found.append(current)
    return found


class Optimizer:
    """Applies an update rule of optim.py to every parameter of a model.

    Args:
        rule: "sgd", "sgd_momentum", "adam" or "rmsprop".
        config: the rule's hyperparameters; every parameter gets its own copy,
            which then holds that parameter's state (velocity, moments, cache).

    Raises:
        ValueError: for an unknown rule.
    """

    def __init__(self, rule="sgd", config=None):
        ### BEGIN SOLUTION
        rules = {"sgd": sgd, "sgd_momentum": sgd_momentum, "adam": adam, "rmsprop": rmsprop}
        if rule not in rules:
            raise ValueError(f"unknown update rule {rule!r}; expected one of {sorted(rules)}")
        self.rule = rule
        self.update = rules[rule]
        self.config = dict(config or {})
        self.configs = {}  # (id of the leaf, name) -> that parameter's own config
        ### END SOLUTION

    def step(self, model):
        """One update of every parameter of every leaf of model, from the leaf's grads.

        The new arrays are assigned into leaf.params[name]: read params again after a step.
        """
        ### BEGIN SOLUTION
        for leaf in leaves(model):
            for name in leaf.params:
                key = (id(leaf), name)
                if key not in self.configs:
                    self.configs[key] = dict(self.config)
                leaf.params[name], self.configs[key] = self.update(
                    leaf.params[name], leaf.grads[name], self.configs[key])
        ### END SOLUTION


# Helper table, not an exercise: the loss names fit accepts -> the function of losses.py.
LOSSES = {
    "softmax_cross_entropy": softmax_cross_entropy,
    "mse": mse_loss,
    "binary_cross_entropy": binary_cross_entropy,
}


def _loss_of(loss, out, y):
    """(loss, dout) of the named loss; y reshaped to out's shape for mse and BCE when it fits."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)}")
    if loss != "softmax_cross_entropy" and np.size(y) == np.size(out):
        y = np.reshape(y, np.shape(out)).astype(out.dtype, copy=False)
    value, dout = LOSSES[loss](out, y)
    return float(value), dout


def fit(model, X, y, *, epochs, batch_size, optimizer="sgd", optim_config=None,
        loss="softmax_cross_entropy", clip_norm=None, X_val=None, y_val=None, rng=None):
    """Train a model with minibatches: forward, loss, backward, (clipping), one optimizer step.

    Args:
        model: a module (a Sequential, usually); trained in place.
        X: inputs, shape (N, ...), in the dtype of the model's parameters.
        y: targets: integer labels (N,) for "softmax_cross_entropy"; for
            "mse" and "binary_cross_entropy", reshaped to the output's shape
            when their sizes agree.
        epochs, batch_size: as in train (minibatches by iterate_minibatches).
        optimizer, optim_config: the update rule and its settings (Optimizer).
        loss: "softmax_cross_entropy", "mse" or "binary_cross_entropy".
        clip_norm: None for no clipping; else all the gradients together are
            scaled to a total norm of at most clip_norm by clip_grad_norm of
            rnn.py (assignment 9), and written back into each leaf's grads.
        X_val, y_val: optional validation data, scored in evaluation mode.
        rng: np.random.Generator for the batch order, or None.

    Returns:
        history: {"loss": [the plain mean of the epoch's minibatch losses],
            "val_loss": [per epoch] (only with X_val and y_val),
            "grad_norm": {key of model.params: [L2 norm of that gradient at
            the epoch's last step, before clipping]}}. The model is left in
            training mode: call eval() before predicting.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng() if rng is None else rng
    step = Optimizer(optimizer, optim_config)
    validate = X_val is not None and y_val is not None
    history = {"loss": [], "grad_norm": {key: [] for key in model.params}}
    if validate:
        history["val_loss"] = []
    model.train()
    for _ in range(epochs):
        batch_losses = []
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng=rng):
            value, dout = _loss_of(loss, model.forward(X_batch), y_batch)
            model.backward(dout)
            grads = model.grads
            norms = {key: float(np.linalg.norm(grad)) for key, grad in grads.items()}
            if clip_norm is not None:
                from .rnn import clip_grad_norm  # assignment 9: only when clipping is asked

                clipped, _ = clip_grad_norm(grads, clip_norm)
                _write_grads(model, clipped)
            step.step(model)
            batch_losses.append(value)
        history["loss"].append(float(np.mean(batch_losses)))
        for key in history["grad_norm"]:
            history["grad_norm"][key].append(norms[key])
        if validate:
            model.eval()
            history["val_loss"].append(_loss_of(loss, model.forward(X_val), y_val)[0])
            model.train()
    return history
    ### END SOLUTION


def _write_grads(model, grads):
    """Write {key of model.grads: array} back into the leaves' own grads dicts (helper)."""
    if not model.children():
        for name, value in grads.items():
            model.grads[name] = value
        return
    for index, child in enumerate(model.children()):
        prefix = f"{index}."
        _write_grads(child, {key[len(prefix):]: value for key, value in grads.items()
                             if key.startswith(prefix)})
