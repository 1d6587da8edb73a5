"""Batch normalization as a staged graph (CS231n's step-by-step backward), a dict cache."""

import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param.get("mode", "train")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    n, d = x.shape
    old_mean = bn_param.get("running_mean", np.zeros(d, dtype=x.dtype))
    old_var = bn_param.get("running_var", np.ones(d, dtype=x.dtype))
    if mode == "train":
        mu = np.sum(x, axis=0) / n
        centred = x - mu
        var = np.sum(centred**2, axis=0) / n
        bn_param["running_mean"] = (momentum * old_mean + (1 - momentum) * mu).astype(x.dtype)
        bn_param["running_var"] = (momentum * old_var + (1 - momentum) * var).astype(x.dtype)
    elif mode == "test":
        centred, var = x - old_mean, old_var
    else:
        raise ValueError(f"bad mode {mode!r}")
    std = np.sqrt(var + eps)
    normalized = centred / std
    out = normalized * gamma + beta
    return out.astype(x.dtype), {"centred": centred, "std": std, "normalized": normalized,
                                 "gamma": gamma, "train": mode == "train"}


def batchnorm_backward(dout, cache):
    centred, std, gamma = cache["centred"], cache["std"], cache["gamma"]
    n = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * cache["normalized"], axis=0)
    dnormalized = dout * gamma
    if not cache["train"]:
        return dnormalized / std, dgamma, dbeta
    # out <- normalized = centred / std; std = sqrt(var + eps); var = mean(centred**2)
    dstd = -np.sum(dnormalized * centred, axis=0) / std**2
    dvar = dstd / (2 * std)
    dcentred = dnormalized / std + 2 * centred * dvar / n
    dmu = -np.sum(dcentred, axis=0)
    dx = dcentred + dmu / n
    return dx, dgamma, dbeta
