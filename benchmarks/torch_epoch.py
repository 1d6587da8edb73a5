"""PyTorch's MNIST epoch, the yardstick of benchmark section 1.

Run as its own process (`python -m benchmarks.torch_epoch --threads N`) so that
PyTorch's thread pool never competes with NumPy's BLAS threads in the process
that times the reference. It trains the same network (784-128-10, ReLU,
float32, batch 128, plain SGD) on the same images, already in memory as a
tensor, with the same number of threads, and prints one JSON line.
"""

import argparse
import json
import time

import numpy as np


def torch_epoch(X, y, threads, epochs=4, seed=0):
    """Seconds per epoch of PyTorch training steps (the first epoch is a warm-up).

    Returns:
        dict: "steps_best", "steps_median", "epochs_timed", "threads",
        "version", "final_loss".
    """
    import torch  # noqa: PLC0415 - optional dependency, imported only here

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    images = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    labels = torch.from_numpy(np.asarray(y, dtype=np.int64))
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    generator = torch.Generator().manual_seed(seed)
    samples = images.shape[0]
    seconds = []
    for _ in range(epochs):
        started = time.perf_counter()
        order = torch.randperm(samples, generator=generator)
        for start in range(0, samples, 128):
            batch = order[start:start + 128]
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(images[batch]), labels[batch])
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - started)
    timed = seconds[1:] or seconds
    return {"steps_best": min(timed), "steps_median": float(np.median(timed)),
            "epochs_timed": len(timed), "threads": torch.get_num_threads(),
            "version": torch.__version__, "final_loss": float(loss)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--samples", type=int, default=None, help="first N training images only")
    args = parser.parse_args(argv)
    from course_data import load_mnist  # noqa: PLC0415

    X, y, _, _ = load_mnist(dtype=np.float32)
    if args.samples:
        X, y = X[:args.samples], y[:args.samples]
    print(json.dumps(torch_epoch(X, y, args.threads, epochs=args.epochs)))


if __name__ == "__main__":
    main()
