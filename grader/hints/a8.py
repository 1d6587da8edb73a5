"""Hints of assignment 8: im2col and col2im, the convolution, max pooling."""

from .rules import Rule, alternative, alternative_or_fact


def _shape_in(key):
    """True when the student's array has one of the shapes a check listed under `key`."""
    def candidate(actual, expected, context):
        shapes = [tuple(shape) for shape in context.get(key) or []]
        return True if shapes and tuple(actual.shape) in shapes and actual.shape != \
            expected.shape else None
    return candidate


RULES = [
    # im2col, col2im
    Rule("stride_ignored", _shape_in("unstrided_shapes"),
         "the output has the size of a stride-1 output: the stride enters the output size, "
         "OH = (H + 2 * pad - kh) // stride + 1, and the windows start stride pixels apart"),
    Rule("pad_wrong_axes", _shape_in("wrong_pad_shapes"),
         "the padding went to the wrong axes (or none): pad only H and W, "
         "np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))), never N or C"),
    alternative("channels_spatial_swapped",
                "the columns are ordered (di, dj, c): the SPEC's order is (c, di, dj), channel "
                "first, so that a filter w[f] flattened in C order lines up with a row; check "
                "the order of the axes before the reshape"),
    alternative("col2im_overwrites",
                "col2im writes each column entry over the last: a pixel inside several windows "
                "gets the SUM of all its copies (+=), as the adjoint of a copy must"),
    # convolution
    alternative("kernel_flipped",
                "the filter is flipped: this is a true convolution, but the SPEC (and PyTorch) "
                "compute a cross-correlation, w[f, c, di, dj] times xp[n, c, i*s + di, j*s + dj] "
                "without flipping"),
    alternative_or_fact("db_wrong_axes",
                        "db is summed over the wrong axes: the bias b[f] is added at every "
                        "example and every output position, so db sums dout over N, OH and OW "
                        "(axes 0, 2 and 3), leaving shape (F,)"),
    Rule("db_wrong_shape", _shape_in("db_wrong_shapes"),
         "db is summed over the wrong axes: the bias b[f] is added at every example and every "
         "output position, so db sums dout over N, OH and OW (axes 0, 2 and 3), leaving (F,)"),
    # max pooling
    alternative("maxpool_grad_to_every_entry",
                "the window's gradient went to every entry of the window: only the maximal "
                "entry influenced the output, so only it gets the gradient"),
    alternative("maxpool_last_max",
                "on ties the gradient went to the LAST maximum: the SPEC sends it to the first "
                "in row-major order (np.argmax's choice), once"),
    alternative("maxpool_overlap_overwrites",
                "with overlapping windows an entry that wins two windows must get both "
                "gradients: add them (+=), do not overwrite"),
]
