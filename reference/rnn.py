"""Assignment 9: a recurrent network (vanilla RNN) and backpropagation through time.

One step of the recurrence is a layer like those of assignment 2:

    h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b)

with the same weights Wx, Wh, b at every step. The forward over a sequence
runs the step T times; the backward runs the steps' backwards in reverse
order (backpropagation through time). Two gradients reach each hidden state
h_t: the upstream one from outside the recurrence (dh[:, t], from whatever
reads h_t: a loss, the next layer) and the one passed back from step t + 1.
Their SUM is what flows into step t's backward. The weights are shared, so
their gradients are SUMMED over the steps.

Shapes: N sequences, T time steps, D input features, H hidden units.
Sequences are batch-first, x (N, T, D), as PyTorch's batch_first=True.
"""

import numpy as np

from .layers import tanh_backward, tanh_forward
from .modules import Module


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a vanilla RNN: h = tanh(x @ Wx + h_prev @ Wh + b).

    Args:
        x: inputs of this step, shape (N, D).
        h_prev: hidden state of the previous step, shape (N, H).
        Wx: input-to-hidden weights, shape (D, H).
        Wh: hidden-to-hidden weights, shape (H, H).
        b: biases, shape (H,).

    Returns:
        h: the new hidden state, shape (N, H), dtype of x.
        cache: what rnn_step_backward needs: (x, h_prev, Wx, Wh, the tanh's cache).
    """
    ### BEGIN SOLUTION
    pre_activation = x @ Wx + h_prev @ Wh + b
    h, tanh_cache = tanh_forward(pre_activation)
    cache = (x, h_prev, Wx, Wh, tanh_cache)
    return h, cache
    ### END SOLUTION


def rnn_step_backward(dh, cache):
    """Backward pass of one RNN step.

    Args:
        dh: the gradient of the loss with respect to this step's output h,
            shape (N, H): everything that reaches h (in rnn_backward, the
            upstream gradient of step t PLUS the gradient from step t + 1).
        cache: from rnn_step_forward.

    Returns:
        dx: shape (N, D).
        dh_prev: shape (N, H), the gradient passed to the previous step.
        dWx: shape (D, H).
        dWh: shape (H, H).
        db: shape (H,), summed over the batch.

    The derivative of tanh is taken at the output: 1 - h**2 (tanh_backward).
    """
    ### BEGIN SOLUTION
    x, h_prev, Wx, Wh, tanh_cache = cache
    dpre = tanh_backward(dh, tanh_cache)  # through h = tanh(pre_activation)
    dx = dpre @ Wx.T
    dh_prev = dpre @ Wh.T
    dWx = x.T @ dpre
    dWh = h_prev.T @ dpre  # the state that ENTERED the step multiplies Wh
    db = dpre.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db
    ### END SOLUTION


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN over whole sequences: rnn_step_forward at each of the T steps.

    Args:
        x: input sequences, shape (N, T, D) (batch first).
        h0: initial hidden state, shape (N, H).
        Wx: shape (D, H); Wh: shape (H, H); b: shape (H,), shared by every step.

    Returns:
        h: every hidden state, shape (N, T, H), dtype of x: h[:, t] is the
            state after step t (h0 itself is not included).
        cache: what rnn_backward needs (the cache of every step, in order).
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    step_caches = []
    h_prev = h0
    for t in range(T):
        h_prev, step_cache = rnn_step_forward(x[:, t, :], h_prev, Wx, Wh, b)
        h[:, t, :] = h_prev
        step_caches.append(step_cache)
    return h, step_caches
    ### END SOLUTION


def rnn_backward(dh, cache):
    """Backpropagation through time for rnn_forward.

    Args:
        dh: the UPSTREAM gradient of every hidden state, shape (N, T, H):
            dh[:, t] is what reaches h_t from outside the recurrence (from the
            loss or the next layer), NOT the gradient passed between steps;
            rnn_backward computes that one itself and adds it.
        cache: from rnn_forward.

    Returns:
        dx: shape (N, T, D).
        dh0: shape (N, H), the gradient of the initial state.
        dWx: shape (D, H); dWh: shape (H, H); db: shape (H,): each the SUM
            over the T steps of the step's gradient (the weights are shared).
    """
    ### BEGIN SOLUTION
    step_caches = cache
    N, T, H = dh.shape
    x0, _, Wx, Wh, _ = step_caches[0]
    dx = np.zeros((N, T, x0.shape[1]), dtype=dh.dtype)
    dWx, dWh = np.zeros_like(Wx), np.zeros_like(Wh)
    db = np.zeros(H, dtype=Wx.dtype)
    dh_next = np.zeros((N, H), dtype=dh.dtype)  # nothing comes back from after the last step
    for t in reversed(range(T)):
        dx_t, dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dh_next,
                                                              step_caches[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
    ### END SOLUTION


def clip_grad_norm(grads, max_norm):
    """Scale every gradient by one factor so that their total norm is at most max_norm.

    As PyTorch's torch.nn.utils.clip_grad_norm_: the norm is that of all the
    gradients together, as if they were one long vector, and the factor is the
    same for every array (clipping each array on its own would change the
    direction of the step).

    Args:
        grads: dict name -> array, e.g. a model's grads.
        max_norm: the largest total norm allowed, > 0.

    Returns:
        clipped: a NEW dict of NEW arrays (same keys, shapes and dtypes):
            every array times max_norm / (total + 1e-6) when that factor is
            below 1, else copies of the arrays as they are.
        total: the total norm BEFORE clipping, sqrt of the sum of the squares
            of every entry of every array, a float.

    The arrays of grads are not modified.
    """
    ### BEGIN SOLUTION
    total = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads.values())))
    factor = max_norm / (total + 1e-6)
    if factor < 1:
        clipped = {name: (g * factor).astype(g.dtype, copy=False) for name, g in grads.items()}
    else:
        clipped = {name: g.copy() for name, g in grads.items()}
    return clipped, total
    ### END SOLUTION


class RNN(Module):
    """A vanilla RNN layer over sequences, by rnn_forward and rnn_backward, with h0 = 0.

    Args:
        input_size: D.
        hidden_size: H.
        rng: np.random.Generator, or None for a fresh default_rng().
        dtype: of the parameters.

    Attributes:
        params: "Wx" (D, H) and "Wh" (H, H) drawn uniformly in
            [-1/sqrt(H), 1/sqrt(H)] (as PyTorch's nn.RNN), "b" (H,) zeros.
        grads: the same keys, zeros until the first backward.

    forward: x (N, T, D) -> h (N, T, H), every hidden state, from h0 = zeros.
    backward: dout (N, T, H), the upstream gradient of every state -> dx (N, T, D).
    """

    def __init__(self, input_size, hidden_size, rng=None, dtype=np.float64):
        ### BEGIN SOLUTION
        super().__init__()  # Module's params, grads and training
        rng = np.random.default_rng() if rng is None else rng
        bound = 1 / np.sqrt(hidden_size)
        self.params = {
            "Wx": rng.uniform(-bound, bound, (input_size, hidden_size)).astype(dtype),
            "Wh": rng.uniform(-bound, bound, (hidden_size, hidden_size)).astype(dtype),
            "b": np.zeros(hidden_size, dtype=dtype),
        }
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        Wx, Wh, b = self.params["Wx"], self.params["Wh"], self.params["b"]
        h0 = np.zeros((x.shape[0], Wh.shape[0]), dtype=x.dtype)
        h, self.cache = rnn_forward(x, h0, Wx, Wh, b)
        return h
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        dx, _, self.grads["Wx"], self.grads["Wh"], self.grads["b"] = rnn_backward(dout,
                                                                                  self.cache)
        return dx
        ### END SOLUTION


class LastTimeStep(Module):
    """The last hidden state of each sequence: (N, T, H) -> (N, H); no parameters.

    backward: dout (N, H) -> dx (N, T, H), dout at the last step and zeros at
    every other (the earlier states were not used).
    """

    def forward(self, x):
        ### BEGIN SOLUTION
        self.shape = x.shape
        return x[:, -1, :]
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        dx = np.zeros(self.shape, dtype=dout.dtype)
        dx[:, -1, :] = dout
        return dx
        ### END SOLUTION
