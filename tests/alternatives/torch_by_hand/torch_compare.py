"""torch_compare.py written differently: a state dict, torch.autograd.grad, SGD by hand.

to_torch fills a default-initialised Sequential through load_state_dict (its
keys "0.weight", "0.bias", "2.weight", ...); torch_mlp_loss computes the
cross-entropy as log_softmax + nll_loss, the L2 term from the state, and its
gradients with torch.autograd.grad instead of backward(); compare_training
runs the PyTorch side without torch.optim (p -= lr * grad under no_grad) and
the NumPy side with network.mlp_loss directly; time_epoch splits the data
into batches with torch.split over a permuted copy.
"""

import collections
import time

import numpy as np
import torch

from . import network


def to_torch(params, activation="relu"):
    modules = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh,
               "leaky_relu": lambda: torch.nn.LeakyReLU(0.01)}
    if activation not in modules:
        raise ValueError(f"unknown activation {activation!r}")
    count = len(params) // 2
    layers, state = [], collections.OrderedDict()
    for i in range(1, count + 1):
        fan_in, fan_out = params[f"W{i}"].shape
        layers.append(torch.nn.Linear(fan_in, fan_out).double())
        position = 2 * (i - 1)
        state[f"{position}.weight"] = torch.from_numpy(
            np.ascontiguousarray(params[f"W{i}"].T, dtype=np.float64).copy())
        state[f"{position}.bias"] = torch.from_numpy(
            np.array(params[f"b{i}"], dtype=np.float64))
        if i < count:
            layers.append(modules[activation]())
    model = torch.nn.Sequential(*layers)
    model.load_state_dict(state)
    return model


def torch_mlp_loss(params, X, y, activation="relu", l2=0.0):
    model = to_torch(params, activation)
    log_probabilities = torch.log_softmax(model(torch.from_numpy(np.array(X, dtype=np.float64))),
                                          dim=1)
    loss = torch.nn.functional.nll_loss(log_probabilities, torch.from_numpy(np.asarray(y)).long())
    named = dict(model.named_parameters())
    weights = [value for key, value in named.items() if key.endswith("weight")]
    loss = loss + 0.5 * l2 * torch.stack([(w * w).sum() for w in weights]).sum()
    keys = list(named)
    gradients = torch.autograd.grad(loss, [named[k] for k in keys])
    grads = {}
    for key, gradient in zip(keys, gradients):
        position, kind = key.split(".")
        layer = int(position) // 2 + 1
        array = gradient.detach().numpy()
        if kind == "weight":
            grads[f"W{layer}"] = np.ascontiguousarray(array.T)
        else:
            grads[f"b{layer}"] = array.copy()
    return loss.item(), grads


def compare_training(params, X, y, *, steps=10, learning_rate=0.1, activation="relu"):
    X64 = np.array(X, dtype=np.float64)
    mine = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    numpy_curve = []
    for _ in range(steps):
        loss, grads = network.mlp_loss(mine, X64, y, activation, 0.0)
        numpy_curve.append(float(loss))
        mine = {k: mine[k] - learning_rate * grads[k] for k in mine}

    model = to_torch(params, activation)
    inputs, labels = torch.from_numpy(X64), torch.from_numpy(np.asarray(y)).long()
    torch_curve = []
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(model(inputs), labels)
        torch_curve.append(float(loss))
        gradients = torch.autograd.grad(loss, list(model.parameters()))
        with torch.no_grad():
            for parameter, gradient in zip(model.parameters(), gradients):
                parameter.sub_(learning_rate * gradient)
    return {"numpy": numpy_curve, "torch": torch_curve}


def time_epoch(layer_sizes, X, y, *, batch_size=128, dtype=np.float32):
    from . import train as train_module

    data = np.asarray(X, dtype=dtype)
    params = network.init_params(layer_sizes, rng=np.random.default_rng(7), dtype=dtype)
    clock = time.perf_counter()
    train_module.train({k: v.copy() for k, v in params.items()}, data, y, epochs=1,
                       batch_size=batch_size, optim_config={"learning_rate": 1e-2},
                       rng=np.random.default_rng(8))
    numpy_seconds = time.perf_counter() - clock

    model = to_torch(params).to(dtype=torch.float32 if data.dtype == np.float32
                                else torch.float64)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
    inputs, labels = torch.from_numpy(data), torch.from_numpy(np.asarray(y)).long()
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(inputs[:batch_size]), labels[:batch_size]).backward()
    optimizer.step()  # warm-up
    clock = time.perf_counter()
    order = torch.randperm(len(data))
    for batch_inputs, batch_labels in zip(torch.split(inputs[order], batch_size),
                                          torch.split(labels[order], batch_size)):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(batch_inputs), batch_labels).backward()
        optimizer.step()
    with torch.no_grad():
        model(inputs).max(dim=1)
    return {"numpy": float(numpy_seconds), "torch": float(time.perf_counter() - clock)}
