"""Hints of assignment 12: the network in PyTorch, its autograd and its training loop."""

from .rules import alternative, fact

RULES = [
    # to_torch
    alternative("weight_not_transposed",
                "PyTorch's Linear keeps weight as (out, in), the transpose of the course's W "
                "(in, out): give it W.T (Linear computes x @ weight.T + bias)"),
    fact("bias_wrong_shape",
         "a Linear's bias has shape (out,): give it b as it is, not reshaped to a row or a "
         "column (broadcasting hides the mistake in the forward, not in the parameter)"),
    fact("torch_float32",
         "PyTorch makes float32 tensors and Linear layers by default: ask for float64 "
         "(torch.tensor(..., dtype=torch.float64), Linear(..., dtype=torch.float64)) so that "
         "the two libraries can agree to 1e-6"),

    fact("tensor_shares_memory",
         "torch.from_numpy(a) shares a's memory: training the network then changes the "
         "caller's params too; torch.tensor(a) makes a copy"),

    # torch_mlp_loss
    alternative("grad_not_transposed",
                "weight.grad has PyTorch's (out, in) layout: transpose it back (.T) to the "
                "shape of W"),
    fact("grad_before_backward",
         "a tensor's .grad is None until loss.backward() has run: call backward() first, "
         "then read each parameter's .grad"),

    # compare_training
    alternative("gradients_accumulated",
                "the PyTorch curve is that of gradients added up over the steps: backward() "
                "adds to .grad, so empty it with optimizer.zero_grad() before each step"),
    alternative("loss_after_update",
                "each loss is recorded after its step's update: record it before the update "
                "(the first loss is that of the initial parameters)"),

    # time_epoch
    fact("time_not_seconds",
         "time_epoch reports seconds as floats: time.perf_counter() after the epoch minus "
         "before it, neither milliseconds nor rounded"),
]
