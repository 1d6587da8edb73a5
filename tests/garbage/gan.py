"""Garbage gan.py: the right interface and types, wrong numbers (tests/test_garbage.py).

The losses return wrong values of the right shapes; gan_step and train_gan write wrong
weights into every leaf of G and D (noise, zeros, the old ones, twice the old ones) and
return wrong losses of the right form.
"""

from ._garbage import wrong, wrong_float


def discriminator_loss(real_logits, fake_logits):
    return (wrong_float(), wrong(real_logits, real_logits), wrong(fake_logits, fake_logits))


def generator_loss(fake_logits):
    return wrong_float(), wrong(fake_logits, fake_logits)


def _garbage_weights(model):
    pending = [model]
    while pending:
        module = pending.pop()
        children = module.children()
        pending.extend(children)
        if not children:
            for name, value in list(module.params.items()):
                module.params[name] = wrong(value, value)


def gan_step(G, D, real, z, g_opt, d_opt):
    _garbage_weights(G)
    _garbage_weights(D)
    return {"d_loss": abs(wrong_float()), "g_loss": abs(wrong_float())}


def train_gan(G, D, data, *, steps, batch_size, latent_dim, optimizer="adam", g_config=None,
              d_config=None, rng=None):
    G.train()
    D.train()
    history = {"d_loss": [], "g_loss": []}
    for _ in range(steps):
        losses = gan_step(G, D, None, None, None, None)
        history["d_loss"].append(losses["d_loss"])
        history["g_loss"].append(losses["g_loss"])
    return history

