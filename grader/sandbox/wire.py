"""The wire format between the grader and its worker: JSON plus raw .npy arrays.

Both sides use this module; it imports only the standard library and NumPy,
because the worker runs it inside the sandbox, where the grader is absent.

A message is
    8-byte big-endian length + UTF-8 JSON header
    then, for each array the header references, 8-byte length + .npy bytes.

Nothing in a message can run code when it is read: JSON is data, and arrays
are read with `allow_pickle=False`, which refuses object arrays. The trusted
side additionally accepts only numeric dtypes and bounds every size.

Values are trees of:
    None, bool, int, float, str             JSON itself
    list                                    JSON list
    {"$tuple": [...]}                       tuple
    {"$dict": [[key, value], ...]}          dict with str or int keys
    {"$array": i, "cls": name?}             ndarray i of the message (cls: a subclass's name)
    {"$scalar": i, "cls": name}             NumPy scalar, sent as a 0-d array
    {"$ref": id, "type": name}              an object kept in the worker (a cache, a generator)
  and, from the grader to the worker only:
    {"$fn": name, "args": tree}             a known test function built by the worker
    {"$data": name}                         an array file the sandbox mounts read-only
    {"$rng": seed}                          np.random.default_rng(seed)
    {"$dtype": name}                        np.dtype(name)
    {"$step": k}                            in a program: the result of its step k
"""

import inspect
import io
import json
import os
import struct

import numpy as np

MAX_HEADER_BYTES = 16 * 2**20
MAX_REQUEST_HEADER_BYTES = 256 * 2**20  # what the worker reads from the grader (programs)
# Arrays of one message, in total. The trusted side holds a whole answer in
# memory, so this bounds what a hostile worker can make it allocate; the
# largest honest answer (a network's parameters, MNIST predictions) is tens of MB.
MAX_MESSAGE_BYTES = 512 * 2**20
MAX_NPY_HEADER_BYTES = 10_000  # NumPy's own default bound for .npy headers
MAX_DIMENSIONS = 32
MAX_DEPTH = 32
MAX_NODES = 200_000
MAX_REQUEST_NODES = 20_000_000  # a program of 100,000 steps, decoded by the worker
NUMERIC_KINDS = "biuf"
_LENGTH = struct.Struct(">Q")
GRADER_ONLY = ("$fn", "$data", "$rng", "$dtype", "$step")


class WireError(Exception):
    """A message is malformed, too large, or holds something not allowed."""


class Ref:
    """A handle to an object that stays in the worker (for example a cache)."""

    __slots__ = ("id", "type", "generation")

    def __init__(self, id, type, generation=None):
        self.id, self.type, self.generation = id, type, generation

    def __repr__(self):
        return f"<{self.type} kept in the worker>"


class Special:
    """Grader-side values that the worker builds on its side (see the module doc)."""

    def node(self, encode_child):
        raise NotImplementedError


class Fn(Special):
    """A known test function (defined in worker.py) with its parameters."""

    def __init__(self, name, **args):
        self.name, self.args = name, args

    def node(self, encode_child):
        return {"$fn": self.name, "args": encode_child(self.args)}


class Data(Special):
    """An array file of the sandbox's read-only data folder, loaded by the worker."""

    def __init__(self, name):
        self.name = name

    def node(self, encode_child):
        return {"$data": self.name}


class Rng(Special):
    """np.random.default_rng(seed), made in the worker."""

    def __init__(self, seed):
        self.seed = int(seed)

    def node(self, encode_child):
        return {"$rng": self.seed}


class Step(Special):
    """The result of step k of a program (see client.Program), named by a later step."""

    def __init__(self, index):
        self.index = int(index)

    def node(self, encode_child):
        return {"$step": self.index}


class DType(Special):
    """A NumPy dtype (np.float32, say), made in the worker."""

    def __init__(self, name):
        self.name = str(np.dtype(name))

    def node(self, encode_child):
        return {"$dtype": self.name}


# ---------------------------------------------------------------- encoding


def encode(tree, ref_of=None):
    """Encode a tree into (header, arrays).

    Args:
        tree: the value to send.
        ref_of: callable turning any other object into a Ref (the worker keeps
            it); None makes such objects an error (the grader's side).
    """
    arrays = []

    def enc(value, depth):
        if depth > MAX_DEPTH:
            raise WireError("value nested too deeply")
        if value is None or isinstance(value, (bool, str)):
            return value
        if type(value) is int:
            return value
        if type(value) is float:
            return value
        if isinstance(value, Ref):
            return {"$ref": value.id, "type": value.type}
        if isinstance(value, Special):
            return value.node(lambda v: enc(v, depth + 1))
        if isinstance(value, np.ndarray):
            # Always send a plain ndarray: a subclass's own behaviour stays behind.
            plain = np.array(value, copy=True, subok=False, order="C")
            if plain.dtype.kind not in NUMERIC_KINDS:
                return _other(value)
            arrays.append(plain)
            node = {"$array": len(arrays) - 1}
            if type(value) is not np.ndarray:
                node["cls"] = type(value).__name__
            return node
        if isinstance(value, np.generic) and np.dtype(type(value)).kind in NUMERIC_KINDS:
            arrays.append(np.array(value))
            return {"$scalar": len(arrays) - 1, "cls": type(value).__name__}
        if type(value) is tuple:
            return {"$tuple": [enc(v, depth + 1) for v in value]}
        if type(value) is list:
            return [enc(v, depth + 1) for v in value]
        if type(value) is dict and all(type(k) in (str, int) for k in value):
            return {"$dict": [[k, enc(v, depth + 1)] for k, v in value.items()]}
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # int/float subclasses (e.g. an IntEnum, or a float that lies about __eq__)
            return _other(value)
        return _other(value)

    def _other(value):
        if ref_of is None:
            raise WireError(f"cannot send a {type(value).__name__}")
        ref = ref_of(value)
        return {"$ref": ref.id, "type": ref.type}

    header = enc(tree, 0)
    return header, arrays


def write_message(fd, header, arrays=()):
    """Write one message to a file descriptor."""
    blobs = []
    for array in arrays:
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array, allow_pickle=False)
        blobs.append(buffer.getvalue())
    head = json.dumps({"body": header, "arrays": len(blobs)}).encode()
    parts = [_LENGTH.pack(len(head)), head]
    for blob in blobs:
        parts += [_LENGTH.pack(len(blob)), blob]
    _write_all(fd, b"".join(parts))


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


# ---------------------------------------------------------------- decoding


def read_message(read_exactly, max_header=MAX_HEADER_BYTES):
    """Read one message with `read_exactly(n) -> bytes or bytearray`; returns (body, arrays).

    Every length is checked before anything of that size is allocated, and an
    array is checked (numeric dtype, shape matching its byte count) before it
    is built, so a forged message costs at most MAX_MESSAGE_BYTES of memory
    and raises WireError instead of anything else.
    """
    (head_length,) = _LENGTH.unpack(read_exactly(_LENGTH.size))
    if head_length > max_header:
        raise WireError(f"header of {head_length} bytes is too large")
    try:
        head = json.loads(read_exactly(head_length))
        count = head["arrays"]
        body = head["body"]
    except (ValueError, KeyError, TypeError, RecursionError) as error:
        # RecursionError: JSON nested thousands deep, before MAX_DEPTH can see it.
        raise WireError(f"unreadable header: {type(error).__name__}") from None
    if type(count) is not int or not 0 <= count <= MAX_NODES:
        raise WireError("bad array count")
    arrays = []
    total = 0
    for _ in range(count):
        (length,) = _LENGTH.unpack(read_exactly(_LENGTH.size))
        total += length
        if total > MAX_MESSAGE_BYTES:
            raise WireError(f"message larger than {MAX_MESSAGE_BYTES // 2**20} MiB")
        arrays.append(_read_array(read_exactly(length)))
    return body, arrays


def _read_array(blob):
    """An ndarray from .npy bytes, validated before it is built; never unpickles."""
    prefix = io.BytesIO(bytes(blob[:MAX_NPY_HEADER_BYTES + 16]))
    try:
        version = np.lib.format.read_magic(prefix)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(
                prefix, max_header_size=MAX_NPY_HEADER_BYTES)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(
                prefix, max_header_size=MAX_NPY_HEADER_BYTES)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except Exception as error:  # a forged or truncated .npy: any failure is a refusal
        raise WireError(f"unreadable array: {type(error).__name__}: {error}"[:300]) from None
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"non-numeric array of dtype {dtype}")
    if len(shape) > MAX_DIMENSIONS or any(type(n) is not int or n < 0 for n in shape):
        raise WireError(f"bad array shape {shape}")
    count = 1
    for n in shape:
        count *= n
    start = prefix.tell()
    if count * dtype.itemsize != len(blob) - start:
        raise WireError(f"array of shape {shape} and dtype {dtype} does not match its "
                        f"{len(blob) - start} bytes")
    array = np.frombuffer(blob, dtype=dtype, count=count, offset=start)
    array = array.reshape(shape[::-1]).T if fortran_order else array.reshape(shape)
    if not (array.flags.writeable and array.flags.aligned):
        array = array.copy()  # callers may change their arrays; read-only bytes cannot be
    return array


def decode(body, arrays, resolve=None, max_nodes=MAX_NODES):
    """Decode a tree.

    Args:
        body, arrays: from read_message.
        resolve: callable(node) for the grader-to-worker nodes ($fn, $data,
            $rng) and refs; None means refs become Ref objects and the
            grader-only nodes are refused (the trusted side).
        max_nodes: the most values a tree may hold (the worker accepts the
            grader's larger programs; the trusted side keeps MAX_NODES).
    """
    nodes = 0

    def dec(node, depth):
        nonlocal nodes
        nodes += 1
        if nodes > max_nodes or depth > MAX_DEPTH:
            raise WireError("value too large or nested too deeply")
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is list:
            return [dec(v, depth + 1) for v in node]
        if type(node) is not dict or len(node) == 0:
            raise WireError("malformed value")
        if "$array" in node or "$scalar" in node:
            index = node.get("$array", node.get("$scalar"))
            if type(index) is not int or not 0 <= index < len(arrays):
                raise WireError("bad array index")
            array = arrays[index]
            if "$scalar" in node:
                if array.ndim != 0:
                    raise WireError("a scalar must be a 0-d array")
                return Scalar(array, node.get("cls"))
            cls = node.get("cls")
            return ArrayWithClass(array, cls) if cls else array
        if "$tuple" in node:
            return tuple(dec(v, depth + 1) for v in _list(node["$tuple"]))
        if "$dict" in node:
            out = {}
            for pair in _list(node["$dict"]):
                if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in (str, int):
                    raise WireError("bad dict entry")
                out[pair[0]] = dec(pair[1], depth + 1)
            return out
        if "$ref" in node:
            if type(node["$ref"]) is not int:
                raise WireError("bad ref")
            if resolve is not None:
                return resolve(node, lambda n: dec(n, depth + 1))
            return Ref(node["$ref"], str(node.get("type", "object"))[:100])
        if resolve is not None and any(k in node for k in GRADER_ONLY):
            return resolve(node, lambda n: dec(n, depth + 1))
        raise WireError("unknown value kind")

    return dec(body, 0)


def _list(value):
    if type(value) is not list:
        raise WireError("expected a list")
    return value


class Scalar:
    """A NumPy scalar the student returned: its value as a 0-d array, and its type name."""

    __slots__ = ("array", "cls")

    def __init__(self, array, cls):
        self.array, self.cls = array, str(cls)[:100]

    def __repr__(self):
        return f"{self.cls}({self.array!r})"


class ArrayWithClass:
    """An array the student returned as an ndarray subclass (np.matrix, say)."""

    __slots__ = ("array", "cls")

    def __init__(self, array, cls):
        self.array, self.cls = array, str(cls)[:100]

    def __repr__(self):
        return f"<{self.cls} of shape {self.array.shape}>"


def describe_signature(function):
    parameters = []
    for p in inspect.signature(function).parameters.values():
        default = p.default
        has_default = default is not inspect.Parameter.empty
        if not has_default:
            default = None
        elif type(default) not in (int, float, str, bool, type(None)):
            default = repr(default)  # np.float64 and the like: compared by name
        parameters.append({"name": p.name, "kind": p.kind.name,
                           "has_default": has_default, "default": default})
    return parameters
