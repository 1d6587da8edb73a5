"""What a graded task hides, so that a network trained elsewhere does not fit it.

The grader builds, trains and measures on the trusted side, but what trains is
whatever the submission carries: weights fitted elsewhere and shipped in a
module would score like a trained network. So each task, when the hidden seeds
are known (secrets.toml's `disguise`; absent in the student bundle, where the
tasks are the public ones), changes its data in ways a network trained by the
student's own code adapts to and a network trained elsewhere does not:

  - the class labels are permuted by a secret derangement (no class keeps its
    label), in the training data the worker receives; predictions are mapped
    back on the trusted side before they are scored;
  - the inputs are transformed by a secret map the task's model is indifferent
    to: a mirror image of the plane for the 2-D tasks (across an axis of secret
    angle: a mirror reverses the spirals' winding, which no rotation undoes,
    where some rotations only shift the arms onto each other), a permutation of
    the pixels for MNIST read by a fully connected network (which has no notion
    of which pixel is next to which), a flip for images read by a convolution;
  - the data's own seeds (moons, spirals, ...) are hidden too.

A network of weights trained on the public data then predicts the wrong
classes from inputs it has never seen the like of. Each task says what it
hides in its docstring; the reference's scores, over the hidden seeds tried,
are in tests/test_training_tasks.py.
"""

import zlib

import numpy as np


class Disguise:
    """The secret changes of one task's data (identity without a secret)."""

    def __init__(self, secret, task):
        self.active = secret is not None
        seed = zlib.crc32(f"{secret}:{task}:disguise".encode())
        self.rng = np.random.default_rng(seed)

    @classmethod
    def of(cls, secrets, task):
        return cls(secrets.get("disguise"), task)

    def label_permutation(self, classes):
        """A derangement of range(classes): label k is shown to the worker as order[k]."""
        order = np.arange(classes)
        if not self.active or classes < 2:
            return order
        while True:
            order = self.rng.permutation(classes)
            if np.all(order != np.arange(classes)):
                return order

    def mirror(self):
        """A 2x2 reflection across an axis of secret angle (identity without): x -> M x."""
        if not self.active:
            return np.eye(2)
        twice = 2 * self.rng.uniform(0, np.pi)
        return np.array([[np.cos(twice), np.sin(twice)], [np.sin(twice), -np.cos(twice)]])

    def pixel_permutation(self, pixels):
        return self.rng.permutation(pixels) if self.active else np.arange(pixels)


def relabel(y, order):
    """Labels as the worker sees them."""
    return order[np.asarray(y)]


def unlabel(predicted, order):
    """Predictions in the worker's labels, mapped back to the true ones."""
    inverse = np.argsort(order)
    predicted = np.asarray(predicted)
    valid = (predicted >= 0) & (predicted < len(order))
    out = np.full(predicted.shape, -1, dtype=np.int64)
    out[valid] = inverse[predicted[valid]]
    return out
