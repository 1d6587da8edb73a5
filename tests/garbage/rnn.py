"""Garbage rnn.py: the right names, shapes, dtypes and keys, wrong values.

Appended to the stubs' rnn.py, whose imports (Module of modules.py) it uses.
"""

import numpy as np

from ._garbage import FLAVOUR, wrong, wrong_float


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = wrong(np.zeros((x.shape[0], Wh.shape[0]), dtype=x.dtype), h_prev)
    return h, (x, h_prev, Wx, Wh)


def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh = cache
    return wrong(x), wrong(h_prev, dh), wrong(Wx), wrong(Wh), wrong(Wh[0])


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    if FLAVOUR == "scaled":  # a consistent pair: 2 * a linear recurrence, and its backward
        h = np.stack([2 * (x[:, t] @ Wx) for t in range(T)], axis=1)
        return h, (x, h0, Wx, Wh)
    return wrong(np.zeros((N, T, Wh.shape[0]), dtype=x.dtype)), (x, h0, Wx, Wh)


def rnn_backward(dh, cache):
    x, h0, Wx, Wh = cache
    if FLAVOUR == "scaled":
        return (2 * dh @ Wx.T, np.zeros_like(h0), 2 * np.einsum("ntd,nth->dh", x, dh),
                np.zeros_like(Wh), np.zeros_like(Wh[0]))
    return wrong(x), wrong(h0), wrong(Wx), wrong(Wh), wrong(Wh[0])


def clip_grad_norm(grads, max_norm):
    return {k: wrong(v, v) for k, v in grads.items()}, wrong_float()


class RNN(Module):  # noqa: F821 - the stubs' Module, imported above this file
    def __init__(self, input_size, hidden_size, rng=None, dtype=np.float64):
        super().__init__()
        self.params = {"Wx": np.zeros((input_size, hidden_size), dtype=dtype),
                       "Wh": np.zeros((hidden_size, hidden_size), dtype=dtype),
                       "b": np.zeros(hidden_size, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x):
        self.x = x
        return wrong(np.zeros(x.shape[:2] + (self.params["b"].shape[0],), dtype=x.dtype))

    def backward(self, dout):
        self.grads = {k: wrong(v) for k, v in self.params.items()}
        return wrong(self.x)


class LastTimeStep(Module):  # noqa: F821
    def forward(self, x):
        self.shape = x.shape
        return wrong(x[:, 0], x[:, 0])

    def backward(self, dout):
        return wrong(np.zeros(self.shape, dtype=dout.dtype))
