"""Hints of assignment 9: one RNN step, backpropagation through time, gradient clipping.

The checks of test_a9_rnn.py compute each mistake on the trusted side (`_bptt` with
that one mistake) and pass the results as alternatives; a rule names the mistake
whose result matches the student's array.
"""

from .rules import alternative

RULES = [
    alternative("rnn_step_without_tanh",
                "h is the pre-activation: the step applies tanh to x @ Wx + h_prev @ Wh + b"),
    alternative("rnn_step_without_h_prev",
                "h does not depend on h_prev: the recurrence adds h_prev @ Wh"),
    alternative("rnn_forward_every_step_from_h0",
                "every step starts from h0: step t takes h_{t-1}, the state the step before "
                "returned"),
    alternative("rnn_forward_h0_ignored",
                "h0 is not used: the first step starts from the h0 given, not from zeros"),
    alternative("last_step_is_first",
                "this is the FIRST step, x[:, 0]: the last one is x[:, -1]"),
    alternative("last_step_gradient_everywhere",
                "dout was copied to every step: only the last state was used, the others get "
                "zero gradient"),
    alternative("rnn_backward_dh_not_added",
                "the gradient passed back from step t + 1 is not added to the upstream "
                "gradient of h_t: what reaches h_t is dh[:, t] PLUS the dh_prev of step t + 1 "
                "(dh holds only the gradients from outside the recurrence)"),
    alternative("rnn_backward_upstream_replaced",
                "the upstream gradient dh[:, t] was replaced by the one from step t + 1 instead "
                "of added to it: every h_t receives both, their sum flows into step t"),
    alternative("rnn_dh0_from_last_step",
                "dh0 is the dh_prev of the wrong step: it is what the backward of the FIRST "
                "step (t = 0, the last one processed) passes back, not that of step T - 1"),
    alternative("rnn_dWh_from_h",
                "dWh was accumulated from h_t, the state the step produced: Wh multiplies "
                "h_{t-1}, the state that entered the step: use that one"),
    alternative("rnn_tanh_derivative_on_preactivation",
                "the tanh derivative was taken on the pre-activation a (1 - a**2): it is "
                "1 - tanh(a)**2 = 1 - h**2, in terms of the step's OUTPUT h"),
    alternative("rnn_gradients_not_summed",
                "the weights' gradients are those of one step only: Wx, Wh and b are shared by "
                "every step, so their gradients are SUMMED over the T steps (+=)"),
    alternative("clip_per_array",
                "each gradient was clipped on its own norm: clip_grad_norm scales EVERY array "
                "by one factor, max_norm / (total + 1e-6), where total is the norm of all of "
                "them together (per-array clipping changes the direction of the step)"),
]
