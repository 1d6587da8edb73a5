"""Assignment 11 written differently: losses by np.logaddexp, the discriminator's halves
each forward followed at once by its backward, the noise drawn before the batch."""

import numpy as np

from .modules import Optimizer, leaves


def _softplus(x):
    return np.logaddexp(0.0, x)


def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def discriminator_loss(real_logits, fake_logits):
    # -log sigmoid(r) = softplus(-r); -log(1 - sigmoid(f)) = softplus(f)
    loss = np.mean(_softplus(-real_logits)) + np.mean(_softplus(fake_logits))
    dreal = (_sigmoid(real_logits) - 1) / real_logits.size
    dfake = _sigmoid(fake_logits) / fake_logits.size
    return float(loss), dreal.astype(real_logits.dtype), dfake.astype(fake_logits.dtype)


def generator_loss(fake_logits):
    loss = np.mean(_softplus(-fake_logits))
    return float(loss), ((_sigmoid(fake_logits) - 1) / fake_logits.size).astype(fake_logits.dtype)


def gan_step(G, D, real, z, g_opt, d_opt):
    fake = G.forward(z)
    real_logits = D.forward(real)
    dreal = (_sigmoid(real_logits) - 1) / real_logits.size
    D.backward(dreal.astype(real_logits.dtype))
    kept = [{name: grad.copy() for name, grad in leaf.grads.items()} for leaf in leaves(D)]
    fake_logits = D.forward(fake)
    d_fake = float(np.mean(_softplus(fake_logits)))
    D.backward((_sigmoid(fake_logits) / fake_logits.size).astype(fake_logits.dtype))
    for leaf, grads in zip(leaves(D), kept):
        for name in leaf.grads:
            leaf.grads[name] = grads[name] + leaf.grads[name]
    d_opt.step(D)
    g_loss, dfake = generator_loss(D.forward(fake))
    G.backward(D.backward(dfake))
    g_opt.step(G)
    return {"d_loss": float(np.mean(_softplus(-real_logits))) + d_fake, "g_loss": g_loss}


def train_gan(G, D, data, *, steps, batch_size, latent_dim, optimizer="adam", g_config=None,
              d_config=None, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    for model in (G, D):
        model.train()
    dtype = next(iter(G.params.values())).dtype
    optimizers = {"G": Optimizer(optimizer, g_config), "D": Optimizer(optimizer, d_config)}
    d_losses, g_losses = [], []
    for _ in range(steps):
        z = rng.normal(size=(batch_size, latent_dim)).astype(dtype)
        real = np.asarray(data)[rng.permutation(len(data))[:batch_size]].astype(dtype)
        step = gan_step(G, D, real, z, optimizers["G"], optimizers["D"])
        d_losses.append(step["d_loss"])
        g_losses.append(step["g_loss"])
    return {"d_loss": d_losses, "g_loss": g_losses}
