"""Assignment 8 written differently: windows by stride tricks, einsum products, pooling by offsets.

im2col reads every window through np.lib.stride_tricks.sliding_window_view (no copy
until the final reshape); the convolution is one einsum over (c, di, dj) on those
windows, and its backward two einsums and col2im; max pooling keeps the winner's
offset of each window and its backward adds, offset by offset, the gradient of the
windows whose maximum sits there. The modules hold their own helpers.
"""

import numpy as np

from .modules import Module


def _size(size, kernel, stride, pad):
    return (size + 2 * pad - kernel) // stride + 1


def _windows(x, kh, kw, stride, pad):
    """(N, C, OH, OW, kh, kw) view of the padded images' windows."""
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode="constant")
    OH, OW = _size(x.shape[2], kh, stride, pad), _size(x.shape[3], kw, stride, pad)
    view = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    return view[:, :, :stride * (OH - 1) + 1:stride, :stride * (OW - 1) + 1:stride]


def im2col(x, kh, kw, stride=1, pad=0):
    view = _windows(x, kh, kw, stride, pad)
    N, C, OH, OW = view.shape[:4]
    return np.ascontiguousarray(np.moveaxis(view, 1, 3)).reshape(N * OH * OW, C * kh * kw)


def col2im(cols, x_shape, kh, kw, stride=1, pad=0):
    N, C, H, W = x_shape
    OH, OW = _size(H, kh, stride, pad), _size(W, kw, stride, pad)
    blocks = cols.reshape(N, OH, OW, C, kh, kw)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for di in range(kh):
        rows = slice(di, di + stride * (OH - 1) + 1, stride)
        for dj in range(kw):
            columns = slice(dj, dj + stride * (OW - 1) + 1, stride)
            xp[:, :, rows, columns] += np.moveaxis(blocks[..., di, dj], 3, 1)
    return xp[:, :, pad:xp.shape[2] - pad, pad:xp.shape[3] - pad]


def conv_forward(x, w, b, stride=1, pad=0):
    view = _windows(x, w.shape[2], w.shape[3], stride, pad)
    out = np.einsum("ncijkl,fckl->nfij", view, w, optimize=True) + b[None, :, None, None]
    return out.astype(x.dtype, copy=False), (x, w, stride, pad)


def conv_backward(dout, cache):
    x, w, stride, pad = cache
    F, C, kh, kw = w.shape
    view = _windows(x, kh, kw, stride, pad)
    dw = np.einsum("nfij,ncijkl->fckl", dout, view, optimize=True).astype(w.dtype, copy=False)
    db = dout.sum(axis=(0, 2, 3))
    dcols = np.einsum("nfij,fckl->nijckl", dout, w, optimize=True)
    dx = col2im(dcols.reshape(-1, C * kh * kw), x.shape, kh, kw, stride, pad)
    return dx.astype(x.dtype, copy=False), dw, db


def maxpool_forward(x, size=2, stride=2):
    view = _windows(x, size, size, stride, 0)
    N, C, OH, OW = view.shape[:4]
    flat = view.reshape(N, C, OH, OW, size * size)
    offsets = flat.argmax(axis=-1)  # first maximum in row-major order
    out = np.take_along_axis(flat, offsets[..., None], axis=-1)[..., 0]
    return out, (x.shape, x.dtype, size, stride, offsets)


def maxpool_backward(dout, cache):
    shape, dtype, size, stride, offsets = cache
    OH, OW = offsets.shape[2:]
    dx = np.zeros(shape, dtype=dout.dtype)
    for k in range(size * size):
        di, dj = divmod(k, size)
        won = np.where(offsets == k, dout, 0)
        dx[:, :, di:di + stride * (OH - 1) + 1:stride, dj:dj + stride * (OW - 1) + 1:stride] += won
    return dx


class Conv2d(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, pad=0, init="he",
                 rng=None, dtype=np.float64):
        super().__init__()
        generator = rng if rng is not None else np.random.default_rng()
        k2 = kernel_size ** 2
        if init == "he":
            std = (2.0 / (in_channels * k2)) ** 0.5
        elif init == "xavier":
            std = (2.0 / ((in_channels + out_channels) * k2)) ** 0.5
        elif init == "small":
            std = 0.01
        else:
            raise ValueError(f"unknown init {init!r}")
        w = generator.normal(0.0, std, (out_channels, in_channels, kernel_size, kernel_size))
        self.params = {"w": w.astype(dtype), "b": np.zeros(out_channels, dtype)}
        self.grads = {"w": np.zeros_like(self.params["w"]), "b": np.zeros_like(self.params["b"])}
        self.stride = stride
        self.pad = pad

    def forward(self, x):
        out, self._cache = conv_forward(x, self.params["w"], self.params["b"], stride=self.stride,
                                        pad=self.pad)
        return out

    def backward(self, dout):
        dx, dw, db = conv_backward(dout, self._cache)
        self.grads["w"], self.grads["b"] = dw, db
        return dx


class MaxPool2d(Module):
    def __init__(self, size=2, stride=2):
        super().__init__()
        self.size, self.stride = size, stride

    def forward(self, x):
        out, self._cache = maxpool_forward(x, size=self.size, stride=self.stride)
        return out

    def backward(self, dout):
        return maxpool_backward(dout, self._cache)


class Flatten(Module):
    def forward(self, x):
        self._shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout):
        return dout.reshape(self._shape)
