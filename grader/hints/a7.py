"""Hints of assignment 7: batch normalization, RMSprop, the modules, the optimizer and fit."""

from .rules import alternative, alternative_or_fact, fact

RULES = [
    # batchnorm_forward
    alternative("bn_unbiased_variance",
                "this is the UNBIASED variance (divided by N - 1, as np.var(ddof=1) or PyTorch's "
                "running_var): batch normalization uses the biased one, divided by N"),
    alternative("bn_test_statistics_in_training",
                "in training mode the batch is normalized with its OWN mean and variance; the "
                "running statistics are for test mode"),
    alternative("bn_std_without_sqrt",
                "x - mean was divided by the variance: divide by the standard deviation, the "
                "square root of var + eps"),
    alternative("bn_statistics_over_features",
                "the statistics were taken over the features of each example (axis 1): batch "
                "normalization averages each feature over the batch (axis 0)"),
    alternative("bn_momentum_reversed",
                "the momentum weights the wrong term: this course's convention (CS231n's) is "
                "running = momentum * running + (1 - momentum) * batch statistic; PyTorch's "
                "momentum=0.1 weights the other way"),
    alternative("bn_running_not_updated",
                "the running statistics were not updated in training mode: store the new "
                "running_mean and running_var in bn_param"),
    alternative("bn_running_is_batch",
                "the running statistic was replaced by the batch's: blend the old value and the "
                "batch's with the momentum"),
    alternative("bn_test_uses_batch_statistics",
                "test mode normalized with the batch's statistics: in test mode use "
                "bn_param's running_mean and running_var (a single test example has no batch "
                "statistics)"),
    fact("bn_running_updated_in_test",
         "a test-mode forward wrote the running statistics: test mode only reads them"),
    # batchnorm_backward
    alternative("bn_backward_statistics_constant",
                "dx treats the batch mean and variance as constants: in training mode they are "
                "functions of x, and dx has a term through each of them"),
    alternative("bn_backward_without_variance_term",
                "dx lacks the term through the batch variance (the one with x_hat times the mean "
                "of dx_hat * x_hat)"),
    alternative("bn_backward_without_mean_term",
                "dx lacks the term through the batch mean (the mean of dx_hat over the batch)"),
    alternative("bn_dgamma_without_x_hat",
                "dgamma is the sum of dout alone: gamma multiplies x_hat, so each term of the "
                "sum carries x_hat"),
    # rmsprop
    alternative("rmsprop_epsilon_inside_sqrt",
                "epsilon is inside the square root: the SPEC's step is dw / (sqrt(cache) + "
                "epsilon)"),
    alternative("rmsprop_cache_not_decayed",
                "the cache adds dw**2 without decaying (that is Adagrad): cache = decay_rate * "
                "cache + (1 - decay_rate) * dw**2"),
    alternative("rmsprop_cache_not_kept",
                "the cache starts from zero at every step: store it in config['cache'] and "
                "start from it at the next call"),
    alternative("rmsprop_decay_reversed",
                "decay_rate weights the wrong term: it is the weight of the OLD cache "
                "(cache = decay_rate * cache + (1 - decay_rate) * dw**2)"),
    # modules
    alternative_or_fact("sequential_backward_in_forward_order",
                        "Sequential's backward runs the layers in forward order: the gradient "
                        "flows back from the last layer to the first"),
    fact("sequential_keys",
         "Sequential's params and grads are keyed \"<index>.<name>\" (\"0.W\", \"2.gamma\"), the "
         "index of the layer in layers, as PyTorch names them"),
    fact("grads_accumulated",
         "backward adds to grads: each backward WRITES the gradient of the last forward "
         "(grads[name] = ...), it does not accumulate"),
    alternative_or_fact("params_copied_at_construction",
                        "forward does not read the weights from params: read "
                        "self.params[...] at every forward, so that a weight set from "
                        "outside is the one used"),
    fact("mode_not_propagated",
         "train()/eval() does not reach the children: set training on the module and call "
         "train(mode) on every child"),
    alternative_or_fact("batchnorm_module_mode_ignored",
                        "BatchNorm1d does not follow self.training: in training mode use the "
                        "batch's statistics and update the running ones; after eval() use "
                        "the running ones"),
    fact("dropout_same_mask",
         "every forward of Dropout drops the same units: create the generator once, in the "
         "constructor (self.rng), and draw each mask from it"),
    fact("epoch_loss_summed",
         "history['loss'] is the sum of the epoch's minibatch losses: it is their plain mean"),
    alternative_or_fact("optimizer_shared_state",
                        "the optimizer shares one config (one state) between parameters: each "
                        "parameter needs its own copy of the config, with its own velocity, "
                        "moments or cache"),
    fact("optimizer_stale_params",
         "the optimizer's step did not reach the model's params: assign the new array to "
         "leaf.params[name] for every leaf (a Sequential's params is a new dict at every "
         "access)"),
]
