"""The course's data sets: written once, used by students, notebooks and the grader.

Nothing here is an exercise. The kit installs this package (`make install`);
student code imports it (`from course_data import load_mnist`), inside the
grader's sandbox too, where it is the one package of the kit the worker sees.

    toys.py     XOR, two moons, spirals, assignment 10's small moons (2-D, from a seed)
    sequences.py  assignment 9's sine waves and symbol sequences (from a seed)
    ring.py     assignment 11's 8 Gaussians on a ring (2-D, from a seed)
    mnist.py    MNIST, from the first source that works (see its docstring)

Only NumPy, the standard library and (inside the functions that need it)
scikit-learn.
"""

from .mnist import MnistNotFoundError, load_mnist, load_mnist_uint8, mnist_cache_path
from .ring import ring_centres, ring_data
from .sequences import memory_data, sine_data
from .toys import moons_data, spiral_data, value_moons_data, xor_data

__all__ = [
    "xor_data",
    "moons_data",
    "spiral_data",
    "value_moons_data",
    "sine_data",
    "memory_data",
    "ring_data",
    "ring_centres",
    "load_mnist",
    "load_mnist_uint8",
    "mnist_cache_path",
    "MnistNotFoundError",
]
