"""An RNN written differently: dict caches, einsum, the tanh derivative by hand, states kept
in one array with h0 at index 0, BPTT accumulating into lists summed at the end, clipping by
one flat vector, LastTimeStep by np.take, an RNN drawing its weights one matrix at a time."""

import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = np.tanh(np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", h_prev, Wh) + b)
    return h, {"x": x, "h_prev": h_prev, "h": h, "Wx": Wx, "Wh": Wh}


def rnn_step_backward(dh, cache):
    dpre = dh * (1.0 - cache["h"] ** 2)
    return (np.einsum("nh,dh->nd", dpre, cache["Wx"]), np.einsum("nh,kh->nk", dpre, cache["Wh"]),
            np.einsum("nd,nh->dh", cache["x"], dpre), np.einsum("nk,nh->kh", cache["h_prev"], dpre),
            np.einsum("nh->h", dpre))


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    states = np.empty((N, T + 1, h0.shape[1]), dtype=x.dtype)
    states[:, 0] = h0
    for t in range(T):
        states[:, t + 1] = rnn_step_forward(x[:, t], states[:, t], Wx, Wh, b)[0]
    return states[:, 1:].copy(), {"x": x, "states": states, "Wx": Wx, "Wh": Wh}


def rnn_backward(dh, cache):
    x, states, Wx, Wh = cache["x"], cache["states"], cache["Wx"], cache["Wh"]
    T = x.shape[1]
    dxs, dWxs, dWhs, dbs = [None] * T, [], [], []
    carried = np.zeros_like(dh[:, 0])
    t = T - 1
    while t >= 0:
        step = {"x": x[:, t], "h_prev": states[:, t], "h": states[:, t + 1], "Wx": Wx, "Wh": Wh}
        dxs[t], carried, dWx, dWh, db = rnn_step_backward(dh[:, t] + carried, step)
        dWxs.append(dWx)
        dWhs.append(dWh)
        dbs.append(db)
        t -= 1
    return (np.stack(dxs, axis=1), carried, np.sum(dWxs, axis=0).astype(Wx.dtype),
            np.sum(dWhs, axis=0).astype(Wh.dtype), np.sum(dbs, axis=0).astype(Wx.dtype))


def clip_grad_norm(grads, max_norm):
    flat = np.concatenate([np.ravel(g).astype(np.float64) for g in grads.values()])
    total = float(np.linalg.norm(flat))
    scale = max_norm / (total + 1e-6)
    return {k: np.array(g * scale if scale < 1 else g, dtype=g.dtype)
            for k, g in grads.items()}, total


class RNN(Module):  # noqa: F821 - the reference's Module (modules.py), imported above
    def __init__(self, input_size, hidden_size, rng=None, dtype=np.float64):
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        limit = hidden_size ** -0.5
        Wx = (2 * rng.random((input_size, hidden_size)) - 1) * limit
        Wh = (2 * rng.random((hidden_size, hidden_size)) - 1) * limit
        self.params = {"Wx": Wx.astype(dtype), "Wh": Wh.astype(dtype),
                       "b": np.zeros(hidden_size, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x):
        p = self.params
        h, self.memory = rnn_forward(x, np.zeros((len(x), len(p["b"])), dtype=x.dtype),
                                     p["Wx"], p["Wh"], p["b"])
        return h

    def backward(self, dout):
        dx, _, dWx, dWh, db = rnn_backward(dout, self.memory)
        self.grads = {"Wx": dWx, "Wh": dWh, "b": db}
        return dx


class LastTimeStep(Module):  # noqa: F821
    def forward(self, x):
        self.steps = x.shape[1]
        return np.take(x, self.steps - 1, axis=1)

    def backward(self, dout):
        dx = np.zeros((dout.shape[0], self.steps, dout.shape[1]), dtype=dout.dtype)
        dx[:, self.steps - 1] = dout
        return dx
