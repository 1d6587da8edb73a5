"""The notebook's autograded test cells of a11: the GAN's losses, gan_step, train_gan, the ring."""

from grader.rubric import load_rubric
from grader.tasks.gan import PUBLIC_SEED, SAMPLES, TRAINING_POINTS

from . import Check


def _logits(rng):
    return {"real": rng.standard_normal((6, 1)) * 3, "fake": rng.standard_normal((5, 1)) * 3}


def _pair(rng):
    return {"gW1": rng.standard_normal((3, 4)) * 0.8, "gW2": rng.standard_normal((4, 2)) * 0.8,
            "dW1": rng.standard_normal((2, 4)) * 0.8, "dW2": rng.standard_normal((4, 1)) * 0.8,
            "real": rng.standard_normal((6, 2)) * 1.5, "z": rng.standard_normal((5, 3))}


GAN_STEP = """\
G = Sequential(Linear(3, 4), Tanh(), Linear(4, 2))
D = Sequential(Linear(2, 4), Tanh(), Linear(4, 1))
G.layers[0].params["W"], G.layers[2].params["W"] = gW1, gW2
D.layers[0].params["W"], D.layers[2].params["W"] = dW1, dW2
g_opt = Optimizer("sgd", {"learning_rate": 0.2})
d_opt = Optimizer("sgd", {"learning_rate": 0.3})
losses = gan_step(G, D, real, z, g_opt, d_opt)
got = (G.params["0.W"], G.params["2.W"], D.params["0.W"], D.params["2.W"],
       losses["d_loss"], losses["g_loss"])"""

HALVES = """\
rng = np.random.default_rng(0)
G = Sequential(Linear(3, 4, rng=rng), Tanh(), Linear(4, 2, rng=rng))
D = Sequential(Linear(2, 4, rng=rng), Tanh(), Linear(4, 1, rng=rng))
g_before = {key: value.copy() for key, value in G.params.items()}
d_before = {key: value.copy() for key, value in D.params.items()}
frozen, moving = Optimizer("sgd", {"learning_rate": 0.0}), Optimizer("sgd", {"learning_rate": 0.1})
gan_step(G, D, rng.standard_normal((6, 2)), rng.standard_normal((5, 3)), frozen, moving)
assert all(np.array_equal(G.params[k], g_before[k]) for k in g_before), \\
    "G moved with its learning rate 0: the discriminator's half must not step G"
assert not all(np.array_equal(D.params[k], d_before[k]) for k in d_before), "D did not move"
d_before = {key: value.copy() for key, value in D.params.items()}
gan_step(G, D, rng.standard_normal((6, 2)), rng.standard_normal((5, 3)), moving,
         Optimizer("sgd", {"learning_rate": 0.0}))
assert all(np.array_equal(D.params[k], d_before[k]) for k in d_before), \\
    "D moved with its learning rate 0: the generator's half must not step D\""""

TRAIN = """\
rng = np.random.default_rng(0)
G = Sequential(Linear(3, 4, rng=rng), Tanh(), Linear(4, 2, rng=rng))
D = Sequential(Linear(2, 4, rng=rng), Tanh(), Linear(4, 1, rng=rng))
G.eval()
history = train_gan(G, D, rng.standard_normal((40, 2)), steps=5, batch_size=8, latent_dim=3,
                    g_config={"learning_rate": 0.01}, d_config={"learning_rate": 0.01},
                    rng=np.random.default_rng(1))
assert set(history) == {"d_loss", "g_loss"}, "train_gan returns {'d_loss': ..., 'g_loss': ...}"
assert len(history["d_loss"]) == len(history["g_loss"]) == 5, "one loss per step"
assert all(np.isfinite(history["d_loss"])) and all(np.isfinite(history["g_loss"]))
assert G.training and D.training, "train_gan calls G.train() and D.train()\""""

TASK = '''\
# Graded task ring: HYPERPARAMS["gan"] trained as the grader trains it (the public ring; the grader
# turns it by a hidden angle and draws it with a hidden seed). {rule}
settings = dict(HYPERPARAMS["gan"])
dtype = np.dtype(settings.pop("dtype", "float64"))
X_ring, _ = ring_data({points}, seed={seed})
G, D = build_gan(settings["latent_dim"], rng=np.random.default_rng(0), dtype=dtype)
history = train_gan(G, D, X_ring.astype(dtype), rng=np.random.default_rng(1), **settings)
G.eval()
samples = G.forward(np.random.default_rng(2).standard_normal(({samples}, settings["latent_dim"])).astype(dtype))
near = np.linalg.norm(samples[:, None, :] - ring_centres()[None], axis=2) <= {near!r} * 0.05
modes, quality = int(np.sum(near.mean(axis=0) >= {share!r})), float(np.mean(near.any(axis=1)))
history_ok = all(len(history[key]) == settings["steps"] and bool(np.all(np.isfinite(history[key])))
                 for key in ("d_loss", "g_loss"))
credit = {credit}
print(f"ring: {{modes}} of 8 modes covered, quality {{quality:.3f}}; losses "
      + ("in the SPEC's form" if history_ok else "not in the SPEC's form"))
# The points earned (nbgrader's partial credit): the last line's value.
round(({task_points!r} * credit + {history_points!r} * history_ok) if credit else 0.0, 4)'''


def _task_check():
    rubric = load_rubric().assignments["a11"]
    table = rubric.tasks["ring"]
    full, partial = float(table["threshold"]), float(table["partial_threshold"])
    q_full, q_partial = float(table["quality_threshold"]), float(table["partial_quality_threshold"])
    fraction = float(table.get("partial_credit", 0.5))
    credit = (f"1.0 if modes >= {full!r} and quality >= {q_full!r} else ({fraction!r} if modes "
              f">= {partial!r} and quality >= {q_partial!r} else 0.0)")
    rule = (f"Full credit for {full:g} modes with quality >= {q_full:g}, {fraction:g} of the "
            f"points for {partial:g} with quality >= {q_partial:g}.")
    code = TASK.format(rule=rule, points=TRAINING_POINTS, seed=PUBLIC_SEED, samples=SAMPLES,
                       near=float(table["near_sigmas"]), share=float(table["mode_share"]),
                       credit=credit,
                       task_points=float(rubric.entry("task_accuracy[ring]")["points"]),
                       history_points=float(rubric.entry("task_history[ring]")["points"]))
    return Check("HYPERPARAMS-gan", code, hidden=False, carries=("task_*[ring]",))


CHECKS = [
    Check("discriminator_loss", "got = discriminator_loss(real, fake)",
          "(loss, dreal_logits, dfake_logits) of discriminator_loss", inputs=_logits,
          carries=("discriminator_loss*", "losses_*")),
    Check("generator_loss", "got = generator_loss(fake)", "(loss, dfake_logits) of "
          "generator_loss", inputs=_logits, carries=("generator_loss*",)),
    Check("gan_step", GAN_STEP, "G's and D's weights and the losses after one gan_step",
          inputs=_pair, carries=("gan_step_updates[*]",)),
    Check("gan_step", HALVES, name="halves", hidden=False, carries=("gan_step_*_half",)),
    Check("train_gan", TRAIN, carries=("train_gan_*",)),
    _task_check(),
]
