"""Assignment 11, the capstone: a generative adversarial network from scratch.

Two networks of assignment 7's modules play against each other:

    G: z (N, latent_dim) -> x (N, 2)       the generator, from noise to a sample
    D: x (N, 2) -> logit (N, 1)            the discriminator, "how real is x?"

D learns to tell the data (label 1) from G's samples (label 0); G learns to
make D call its samples real. Both losses are assignment 3's binary
cross-entropy with logits; each network is updated by its own `Optimizer`
from the gradients of its own loss only.

Conventions (PyTorch's usual training loop):

  - D's update sees G's samples as constants (PyTorch's `fake.detach()`):
    nothing flows back into G, and G's parameters do not change.
  - G's update runs the samples through the ALREADY UPDATED D, and backward
    through D into G; D's gradients are computed on the way but D is not
    stepped.
  - The generator's loss is the non-saturating one: -log sigmoid(D(G(z))),
    not log(1 - sigmoid(D(G(z)))), whose gradient vanishes exactly when D
    wins, at the start of training.
"""

import numpy as np

from .losses import binary_cross_entropy
from .modules import Optimizer, leaves


def discriminator_loss(real_logits, fake_logits):
    """The discriminator's loss: real samples labelled 1, generated samples labelled 0.

    Args:
        real_logits: D's logits on real data, shape (N, 1) (or (N,)).
        fake_logits: D's logits on generated samples, shape (M, 1) (or (M,)); M may
            differ from N.

    Returns:
        loss: float, BCE with logits of the reals against 1 (mean over the reals)
            plus BCE of the fakes against 0 (mean over the fakes).
        dreal_logits: the gradient with respect to real_logits, its shape and dtype.
        dfake_logits: the gradient with respect to fake_logits, its shape and dtype.

    Notes:
        Two means added, not one mean over N + M logits: each half weighs the same
        whatever the batch sizes (PyTorch's BCEWithLogitsLoss on each, summed).
        Stable for logits of any size, as assignment 3's loss is.
    """
    ### BEGIN SOLUTION
    real_loss, dreal_logits = binary_cross_entropy(real_logits, np.ones_like(real_logits))
    fake_loss, dfake_logits = binary_cross_entropy(fake_logits, np.zeros_like(fake_logits))
    return real_loss + fake_loss, dreal_logits, dfake_logits
    ### END SOLUTION


def generator_loss(fake_logits):
    """The generator's non-saturating loss: its samples labelled 1 (real).

    Args:
        fake_logits: D's logits on generated samples, shape (N, 1) (or (N,)).

    Returns:
        loss: float, the mean over the samples of -log sigmoid(fake_logits).
        dfake_logits: the gradient with respect to fake_logits, its shape and dtype.

    Notes:
        The saturating form, log(1 - sigmoid(logit)) minimised, has a gradient near 0
        when D rejects the samples confidently (logits very negative), which is how
        every GAN starts. This one's gradient is largest there.
    """
    ### BEGIN SOLUTION
    return binary_cross_entropy(fake_logits, np.ones_like(fake_logits))
    ### END SOLUTION


def _grads_copy(model):
    """{(leaf index, name): a copy of that leaf's gradient} (helper, not an exercise)."""
    return {(index, name): np.copy(grad) for index, leaf in enumerate(leaves(model))
            for name, grad in leaf.grads.items()}


def _add_grads(model, saved):
    """Add the saved gradients to each leaf's grads (helper, not an exercise)."""
    for index, leaf in enumerate(leaves(model)):
        for name in leaf.grads:
            leaf.grads[name] = leaf.grads[name] + saved[(index, name)]


def gan_step(G, D, real, z, g_opt, d_opt):
    """One discriminator update, then one generator update.

    Args:
        G: the generator, a module (latent_dim -> 2 here).
        D: the discriminator, a module (2 -> 1 logit).
        real: a minibatch of data, shape (N, 2), in G's dtype.
        z: latent vectors, shape (M, latent_dim), in G's dtype.
        g_opt: G's Optimizer; d_opt: D's Optimizer (never the same object: each
            keeps the state of its own network's parameters).

    Returns:
        {"d_loss": the discriminator's loss before its update (float),
         "g_loss": the generator's loss measured with the updated D (float)}.

    Notes:
        The discriminator's half runs D on `real` and on G(z) SEPARATELY (as PyTorch's
        D(real) and D(fake.detach())): a module keeps the cache of its last forward
        only, so each forward is followed by its own backward and the two gradient
        sets are summed. G's backward is never called in this half, and G is not
        stepped. The generator's half sends the same samples through the updated D,
        backward through D (D's grads are written but D is not stepped) and through G,
        then steps G only.
    """
    ### BEGIN SOLUTION
    # The discriminator's half: fakes are constants here (detached).
    fake = G.forward(z)
    real_logits = D.forward(real)
    fake_logits = D.forward(fake)
    d_loss, dreal_logits, dfake_logits = discriminator_loss(real_logits, fake_logits)
    D.backward(dfake_logits)  # D's cache holds its last forward: the fakes
    fake_grads = _grads_copy(D)
    D.forward(real)  # again, so that backward sees the reals
    D.backward(dreal_logits)
    _add_grads(D, fake_grads)
    d_opt.step(D)

    # The generator's half: through the updated D, into G. G's cache is still that of
    # G.forward(z) above: G has not run since.
    fake_logits = D.forward(fake)
    g_loss, dfake_logits = generator_loss(fake_logits)
    dfake = D.backward(dfake_logits)
    G.backward(dfake)
    g_opt.step(G)
    return {"d_loss": float(d_loss), "g_loss": float(g_loss)}
    ### END SOLUTION


def train_gan(G, D, data, *, steps, batch_size, latent_dim, optimizer="adam", g_config=None,
              d_config=None, rng=None):
    """Train a GAN: `steps` calls of gan_step, each with a new minibatch and new noise.

    Args:
        G, D: the generator and the discriminator (modules).
        data: the real samples, shape (N, 2); N >= batch_size.
        steps: the number of gan_step calls.
        batch_size: real samples per step (drawn without replacement within a batch,
            with rng); the same number of latent vectors.
        latent_dim: the width of z.
        optimizer: the update rule of both Optimizers ("sgd", "sgd_momentum", "adam",
            "rmsprop").
        g_config, d_config: the rule's settings for G and for D (each its own
            Optimizer, so its own state).
        rng: np.random.Generator or None.

    Returns:
        {"d_loss": [one float per step], "g_loss": [one float per step]}, as gan_step
        returned them.

    Notes:
        Calls G.train() and D.train() first. The minibatches and z ~ N(0, 1) are in the
        dtype of G's parameters.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng() if rng is None else rng
    G.train()
    D.train()
    dtype = next(iter(G.params.values())).dtype
    data = np.asarray(data, dtype=dtype)
    g_opt = Optimizer(optimizer, g_config)
    d_opt = Optimizer(optimizer, d_config)
    history = {"d_loss": [], "g_loss": []}
    for _ in range(steps):
        real = data[rng.choice(len(data), size=batch_size, replace=False)]
        z = rng.standard_normal((batch_size, latent_dim)).astype(dtype)
        losses = gan_step(G, D, real, z, g_opt, d_opt)
        history["d_loss"].append(losses["d_loss"])
        history["g_loss"].append(losses["g_loss"])
    return history
    ### END SOLUTION
