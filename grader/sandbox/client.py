"""The grader's side of the worker: start it, call the student's code, survive it.

Every call has a time limit enforced here; a call that crashes, exits, hangs
or blows its memory kills only its worker, and the next call starts a fresh
one. A submission has a total time budget; once it is spent, the remaining
calls fail at once, so grading always ends.

Time is CPU time: the CPU seconds of the worker's processes (all their
threads and children), read from /proc on the trusted side while the call
runs, so that a grade does not depend on what else the machine is doing (a
busy server slows the wall clock, not the computation). A wall-clock ceiling
of `wall_factor` times the CPU allowance stops what spends no CPU (a call
that sleeps, or waits forever).

Objects the student's code makes stay in the worker behind handles (Refs).
The trusted side reaches their members by name (method, getattr, setattr,
getitem, setitem, or a Program of such steps); a name must be one that
course.toml lists for some assignment's classes (its `methods` and
`attributes`), so the protocol reaches what SPEC.md names and nothing else.
"""

import os
import select
import shutil
import signal
import subprocess
import threading
import time

from ..course import COURSE
from . import wire
from .isolation import (
    Limits,
    apply_limits,
    claim_uid,
    kill_escaped_processes,
    protect_kit_for_uid_workers,
    protect_trusted_process,
    sandbox_mode,
    worker_command,
)

# The arithmetic a Value of assignment 10 needs, and calling an object (model(x)).
OPERATORS = frozenset({
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__rtruediv__", "__pow__", "__neg__", "__call__"})


def member_allowed(name):
    """Whether the object protocol may reach this member (course.toml's names, the operators)."""
    return name in COURSE.methods or name in COURSE.attributes or name in OPERATORS


def _check_member(name, kind):
    if not isinstance(name, str) or not member_allowed(name):
        raise ValueError(f"{kind} {name!r} is not among the names course.toml lists for the "
                         "course's classes (methods, attributes)")


class WorkerFault(Exception):
    """The worker died, hung, or sent something unreadable during a call.

    `timeout` is True when the call ran out of its time (CPU or wall ceiling).
    """

    def __init__(self, message, timeout=False):
        super().__init__(message)
        self.timeout = timeout


class StudentError(Exception):
    """The student's code raised an exception (the worker reports it as data)."""

    def __init__(self, info):
        self.type = str(info.get("type", "Exception"))[:100]
        self.message = str(info.get("message", ""))[:2000]
        self.traceback = str(info.get("traceback", ""))[:4000]
        self.not_implemented = bool(info.get("not_implemented"))
        function = info.get("function")  # the student's function that raised, if named
        named = isinstance(function, str) and function.isidentifier()
        self.function = function[:100] if named else None
        self.import_error = bool(info.get("import_error"))
        missing = info.get("missing_module")
        self.missing_module = missing[:100] if isinstance(missing, str) else None
        super().__init__(f"{self.type}: {self.message}")


class Result:
    """The outcome of one call in a batch: a value or a StudentError."""

    __slots__ = ("value", "error", "args_after", "warnings")

    def __init__(self, value=None, error=None, args_after=None, warnings=()):
        self.value, self.error, self.args_after = value, error, args_after
        self.warnings = warnings

    def unwrap(self):
        if self.error is not None:
            raise self.error
        return self.value


class Stats:
    """Where grading time went (for the benchmark and the report)."""

    def __init__(self):
        self.student_seconds = 0.0  # as the worker measured it
        self.cpu_seconds = 0.0  # the worker's processes, measured from here
        self.call_seconds = 0.0  # wall time of calls, seen from here
        self.start_seconds = 0.0  # starting workers
        self.calls = 0
        self.starts = 0


class Session:
    """The student's submission, reached through a sandboxed worker.

    Args:
        submission: path of the student's package directory.
        data_dir: folder of .npy arrays the worker may load by name (or None).
        limits: default Limits of the worker.
        budget_seconds: total wall time for every call of this session.
        slot: batch slot, selecting the worker's uid.
    """

    def __init__(self, submission, data_dir=None, limits=None, budget_seconds=600, slot=0):
        self.submission = submission
        self.data_dir = data_dir
        self.default_limits = limits or Limits()
        self.budget_seconds = budget_seconds
        self.slot = slot
        self.spent = 0.0  # CPU seconds of the submission's calls
        self.wall_spent = 0.0  # wall seconds of the same calls: bounded by wall_factor times that
        self.last_call_cpu = 0.0  # of the latest call: a task's budget counts its steps with it
        self.hung = {}  # function -> why: a training call that never ends is not given more time
        self.timed_out = {}  # (target, options) -> seconds: calls that hung at the per-call limit
        self.budget_exhausted = False
        self.stats = Stats()
        self.output = bytearray()
        self.output_dropped = 0
        self._process = None
        self._limits = None
        self._generation = 0
        self._uid_lease = None
        self._sequence = 0
        self.sandbox = sandbox_mode()

    # ---------------------------------------------------------------- public

    def call(self, target, *args, timeout=None, keep=False, keep_index=None, return_args=False,
             iterate=None, limits=None, **kwargs):
        """Call `module.function` of the submission; returns the decoded value.

        Args:
            target: "module.function", e.g. "layers.linear_forward".
            args, kwargs: arrays, numbers, strings, lists, tuples, dicts, Refs
                and wire.Fn/Data/Rng/DType.
            timeout: wall-clock seconds (default: the limits').
            keep: keep the whole result in the worker and return a Ref.
            keep_index: keep item i of a returned tuple in the worker (a
                forward's cache) and return the rest as data.
            return_args: return a Result (not raising) whose args_after holds the
                arguments as they were after the call (to see what it changed)
                and whose warnings lists the warnings the call emitted.
            iterate: list up to this many items of a returned iterator.
            limits: Limits for this call (restarts the worker if they differ).

        Raises:
            StudentError: the student's code raised.
            WorkerFault: the worker died, hung or sent something refused.
        """
        request = self._call_request("call", target, args, kwargs, keep, return_args, iterate)
        if keep_index is not None:
            request["keep_index"] = int(keep_index)
        answer = self._request(request, timeout, limits, refs=_refs_in((args, kwargs)))
        result = self._result(answer)
        if return_args:
            return result
        return result.unwrap()

    def batch(self, target, arg_lists, timeout=None, limits=None):
        """Call one function on many argument tuples in one round trip; a list of Result."""
        calls = [self._call_request("call", target, args, {}, False, False, None)
                 for args in arg_lists]
        answer = self._request({"op": "batch", "calls": calls}, timeout, limits,
                               refs=_refs_in(arg_lists))
        return [self._result(a) for a in _expect_list(answer.get("value"), len(calls))]

    # ------------------------------------------------------------ objects by handle

    def method(self, ref, name, *args, timeout=None, keep=False, limits=None, **kwargs):
        """ref.name(*args, **kwargs) in the worker; the decoded value (Refs for objects)."""
        _check_member(name, "method")
        request = {"op": "method", "ref": ref, "name": name, "args": list(args),
                   "kwargs": dict(kwargs), "keep": bool(keep)}
        return self._object_request(request, timeout, limits, (ref, args, kwargs))

    def repeat(self, ref, name, *args, times, timeout=None, keep=True):
        """x = ref; `times` over, x = x.name(*args); returns x (a Ref with keep=True).

        A chain of 100,000 Values, each made by the student's own operator from the last.
        """
        _check_member(name, "method")
        request = {"op": "repeat", "ref": ref, "name": name, "args": list(args),
                   "times": int(times), "keep": bool(keep)}
        return self._object_request(request, timeout, None, (ref, args))

    def getattr(self, ref, name, timeout=None, keep=False):
        """ref.name as data (a dict of arrays, a float), or a Ref with keep=True."""
        _check_member(name, "attribute")
        request = {"op": "getattr", "ref": ref, "name": name, "keep": bool(keep)}
        return self._object_request(request, timeout, None, (ref,))

    def setattr(self, ref, name, value, timeout=None):
        _check_member(name, "attribute")
        request = {"op": "setattr", "ref": ref, "name": name, "value": value}
        return self._object_request(request, timeout, None, (ref, value))

    def getitem(self, ref, key, timeout=None, keep=False):
        request = {"op": "getitem", "ref": ref, "key": key, "keep": bool(keep)}
        return self._object_request(request, timeout, None, (ref, key))

    def setitem(self, ref, key, value, timeout=None):
        """ref[key] = value: a weight set through a module's params dict, say."""
        request = {"op": "setitem", "ref": ref, "key": key, "value": value}
        return self._object_request(request, timeout, None, (ref, key, value))

    def run(self, program, timeout=None, limits=None):
        """Run a Program in one round trip; {step index: Result} of the steps it returns.

        The steps run in order and stop at the first that raises: its Result
        holds the StudentError, and later steps have none.
        """
        request = {"op": "program", "steps": program.steps}
        answer = self._request(request, timeout, limits, refs=_refs_in(program.steps))
        value = answer.get("value") if isinstance(answer, dict) else None
        if isinstance(answer, dict) and "fault" in answer:
            raise WorkerFault(f"the grader's request failed in the worker: {answer['fault']}")
        if not isinstance(value, list) or len(value) > len(program.steps):
            raise WorkerFault("the worker sent a malformed program answer")
        results = {}
        for item in value:
            if (not isinstance(item, list) or len(item) != 2 or type(item[0]) is not int
                    or not 0 <= item[0] < len(program.steps)):
                raise WorkerFault("the worker sent a malformed program answer")
            results[item[0]] = self._result(item[1])
        return results

    def _object_request(self, request, timeout, limits, arguments):
        for ref in _refs_in(arguments):
            self._check_ref(ref)
        answer = self._request(request, timeout, limits, refs=_refs_in(arguments))
        return self._result(answer).unwrap()

    def attr(self, target, timeout=None):
        """A module attribute of the submission (config.HYPERPARAMS), as data."""
        request = self._call_request("attr", target, (), {}, False, False, None)
        return self._result(self._request(request, timeout, None)).unwrap()

    def signature(self, target, timeout=None):
        """[{name, kind, has_default, default}] of a function, or StudentError."""
        request = self._call_request("signature", target, (), {}, False, False, None)
        return self._result(self._request(request, timeout, None)).unwrap()

    def get(self, ref, timeout=None):
        """The data of an object the worker keeps (params after training, say)."""
        self._check_ref(ref)
        answer = self._request({"op": "get", "id": ref.id}, timeout, None, refs=[ref])
        if not isinstance(answer, dict) or "fault" in answer:
            raise WorkerFault(f"the worker could not send the kept value: {answer.get('fault')}"
                              if isinstance(answer, dict) else "malformed answer")
        return _tag_refs(answer.get("value"), self._generation)

    def cpu_clock(self):
        """A CpuClock of the running worker (None when none runs): for progress displays."""
        return CpuClock(self._process.pid) if self._process is not None else None

    def close(self):
        self._stop()
        self._clean_link()
        if self._uid_lease is not None:
            self._uid_lease.release()
            self._uid_lease = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def captured_output(self):
        text = self.output.decode("utf-8", "replace")
        if self.output_dropped:
            text += f"\n[... {self.output_dropped} more bytes of output dropped]"
        return text

    # ---------------------------------------------------------------- internals

    def _call_request(self, op, target, args, kwargs, keep, return_args, iterate):
        for ref in _refs_in((args, kwargs)):
            self._check_ref(ref)  # fail early; _request checks again after a restart
        request = {"op": op, "target": target, "args": list(args), "kwargs": dict(kwargs)}
        if keep:
            request["keep"] = True
        if return_args:
            request["return_args"] = True
        if iterate:
            request["iterate"] = int(iterate)
        return request

    def _check_ref(self, ref):
        if ref.generation != self._generation or self._process is None:
            raise WorkerFault("this value was lost when an earlier failure restarted the worker")

    def _result(self, answer):
        if not isinstance(answer, dict):
            raise WorkerFault("the worker sent a malformed answer")
        if "fault" in answer:
            raise WorkerFault(f"the grader's request failed in the worker: {answer['fault']}")
        if "error" in answer:
            info = answer["error"] if isinstance(answer["error"], dict) else {}
            return Result(error=StudentError(info))
        if "value" not in answer:
            raise WorkerFault("the worker sent an answer without a value")
        value = _tag_refs(answer["value"], self._generation)
        warnings = answer.get("warnings") or []
        warnings = [str(w)[:300] for w in warnings[:20]] if isinstance(warnings, list) else []
        return Result(value=value, args_after=_tag_refs(answer.get("args_after"), self._generation),
                      warnings=warnings)

    def _request(self, request, timeout, limits, refs=()):
        if limits is None and refs and self._limits is not None:
            # A request about objects already in the worker keeps the worker they live in
            # (new default limits would restart it, and lose them).
            limits = self._limits
        limits = limits or self.default_limits
        target = _hang_key(request)
        if target in self.timed_out:
            # One infinite loop must not eat the whole budget, one check at a time, and so
            # zero assignments that never call it: a call that hung is not waited for again.
            raise WorkerFault(f"not run: {target[0].split('.')[-1]} timed out in an earlier "
                              f"check (after {self.timed_out[target]:.0f} s: an infinite loop?) "
                              "with the same options, and the grader does not wait for it again")
        remaining = self.budget_seconds - self.spent
        wall_left = limits.wall_factor * self.budget_seconds - self.wall_spent
        if remaining <= 0 or wall_left <= 0:
            self.budget_exhausted = True
            what = ("of computing" if remaining <= 0 else
                    f"(and {limits.wall_factor:g} times that in wall-clock time)")
            raise WorkerFault(f"the submission's time budget of {self.budget_seconds:.0f} s "
                              f"{what} is used up, so this check could not run")
        per_call_limit = timeout is None  # an explicit timeout is a task's own budget
        timeout = min(timeout or limits.call_seconds, remaining)  # CPU seconds
        if self._process is None or self._process.poll() is not None or self._limits != limits:
            self._start(limits)
        for ref in refs:
            # A restart (crash, new limits) empties the worker: an old handle must not
            # silently name whatever the new worker keeps under the same number.
            self._check_ref(ref)
        self._sequence += 1
        # Numbered so that a stale answer (a student who wrote extra answers into the
        # pipe, which would shift every later one) is refused instead of misattributed.
        request = dict(request, seq=self._sequence)
        header, arrays = wire.encode(request)
        started = time.perf_counter()
        clock = CpuClock(self._process.pid)
        try:
            wire.write_message(self._request_fd, header, arrays)
            wall_ceiling = started + min(limits.wall_factor * timeout, wall_left)
            reader = self._reader(clock, timeout, wall_ceiling)
            body, answer_arrays = wire.read_message(reader)
            answer = wire.decode(body, answer_arrays)
        except _Timeout as why:
            self._stop()
            if per_call_limit and target is not None:
                self.timed_out[target] = timeout
            if why.args and why.args[0] == "wall":
                raise WorkerFault(f"timed out: {limits.wall_factor * timeout:.0f} s went by and "
                                  "it had not finished (waiting, sleeping, or a machine far too "
                                  "busy; the limit is in the rubric)", timeout=True) from None
            raise WorkerFault(f"timed out after {timeout:.1f} s of computing (an infinite "
                              "loop, or far too slow; the limit is in the rubric)",
                              timeout=True) from None
        except (EOFError, BrokenPipeError, OSError):
            status = self._stop(grace=1.0)
            raise WorkerFault(_death_message(status, limits)) from None
        except wire.WireError as error:
            self._stop()
            raise WorkerFault(f"the worker sent data the grader refuses: {error}") from None
        except MemoryError:
            self._stop()
            raise WorkerFault("the worker's answer was too large for the grader's memory") from None
        except Exception as error:  # noqa: BLE001 -- a forged answer fails this check only
            self._stop()
            raise WorkerFault(f"the worker sent an unreadable answer ({type(error).__name__})"
                              ) from None
        finally:
            elapsed = time.perf_counter() - started
            used = clock.used(final=True)
            self.last_call_cpu = used
            self.spent += used
            self.wall_spent += elapsed
            self.stats.cpu_seconds += used
            self.stats.call_seconds += elapsed
            self.stats.calls += 1
        if not isinstance(answer, dict) or answer.get("seq") != self._sequence:
            self._stop()
            raise WorkerFault("the worker's answer does not match the request (did your code "
                              "write to the grader's pipe?)")
        if isinstance(answer.get("seconds"), float):
            self.stats.student_seconds += min(max(answer["seconds"], 0.0), elapsed)
        return answer

    def _reader(self, clock, cpu_allowance, wall_deadline):
        """read_exactly(n) for the answer, stopping at the call's CPU allowance or wall ceiling."""
        fd = self._response_fd

        def read_exactly(n):
            # One buffer of the announced size (wire.py bounds it before asking), filled in
            # place: a large answer costs its size once, and decodes to writable arrays.
            buffer = bytearray(n)
            view = memoryview(buffer)
            done = 0
            while done < n:
                left = wall_deadline - time.perf_counter()
                if left <= 0:
                    raise _Timeout("wall")
                if clock.used() > cpu_allowance:
                    raise _Timeout("cpu")
                ready, _, _ = select.select([fd], [], [], min(left, CPU_POLL_SECONDS))
                if not ready:
                    continue
                got = os.readv(fd, [view[done:done + (1 << 20)]])
                if not got:
                    raise EOFError
                done += got
            return buffer

        return read_exactly

    def _start(self, limits):
        self._stop()
        started = time.perf_counter()
        if self.sandbox in ("bwrap-root", "uid") and self._uid_lease is None:
            self._uid_lease = claim_uid(self.slot)
        if self.sandbox in ("none", "uid"):
            protect_trusted_process()
        if self.sandbox == "uid":
            protect_kit_for_uid_workers()
        request_read, request_write = os.pipe()
        response_read, response_write = os.pipe()
        uid = self._uid_lease.uid if self._uid_lease else None
        argv, env, cwd = worker_command(self.submission, self.data_dir, request_read,
                                        response_write, limits, slot=self.slot, uid=uid)
        self._link_dir = cwd
        self._process = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, pass_fds=(request_read, response_write),
            start_new_session=True, preexec_fn=lambda: apply_limits(limits))
        os.close(request_read)
        os.close(response_write)
        self._request_fd, self._response_fd = request_write, response_read
        self._limits = limits
        self._generation += 1
        self._drain = threading.Thread(target=self._drain_output, daemon=True,
                                       args=(self._process.stdout, limits.output_bytes))
        self._drain.start()
        self.stats.starts += 1
        self.stats.start_seconds += time.perf_counter() - started

    def _drain_output(self, stream, keep_bytes):
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                return
            room = keep_bytes - len(self.output)
            if room > 0:
                self.output += chunk[:room]
            self.output_dropped += max(0, len(chunk) - max(room, 0))

    def _stop(self, grace=0.0):
        """Kill the worker's whole process group; returns its exit status."""
        process, self._process = self._process, None
        if process is None:
            return None
        for fd in (self._request_fd, self._response_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        if grace:
            try:  # it is dying anyway: let it report how
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.kill()
        except ProcessLookupError:
            pass
        status = process.wait()
        if self.sandbox in ("none", "uid"):
            # No PID namespace: processes that left the group (setsid) were re-parented
            # to this process (a subreaper) and are found by their limits.
            kill_escaped_processes()
        if process.stdout:
            self._drain.join(timeout=1)
            process.stdout.close()
        return status

    def _clean_link(self):
        link_dir = getattr(self, "_link_dir", None)
        if link_dir:
            shutil.rmtree(link_dir, ignore_errors=True)  # links, or a uid worker's copies


def _hang_key(request):
    """What identifies a call that hung: its function and its string options.

    mlp_forward(params, X, "sigmoid") hanging in the student's sigmoid says
    nothing about mlp_forward(params, X, "relu"); the arrays do not matter.
    A method is named by its object's type: Sequential.forward.
    """
    call = request if "target" in request else next(iter(request.get("calls", [])), None)
    if request.get("op") in ("method", "getattr", "setattr") and isinstance(
            request.get("ref"), wire.Ref):
        call = {"target": f"{request['ref'].type}.{request['name']}",
                "args": request.get("args", []), "kwargs": request.get("kwargs", {})}
    if not isinstance(call, dict) or not call.get("target"):
        return None
    options = [a for a in call.get("args", []) if isinstance(a, str)]
    options += [f"{k}={v}" for k, v in sorted(call.get("kwargs", {}).items()) if isinstance(v, str)]
    return (call["target"], tuple(options))


class _Timeout(Exception):
    """The call ran out of its CPU allowance ("cpu") or its wall ceiling ("wall")."""


CPU_POLL_SECONDS = 0.1  # how often a running call's CPU time is read
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class CpuClock:
    """CPU seconds used by a process and all its descendants since the clock started.

    Read from /proc on the trusted side (what the worker reports about itself is
    never trusted): utime + stime of every process of the tree, and cutime +
    cstime for the children they reaped, so that a child that burned CPU and
    exited still counts. A process that leaves the tree (it was re-parented)
    stops counting, but it also stops existing when the worker is killed.
    """

    def __init__(self, pid):
        self.pid = pid
        self.start = _tree_cpu(pid)
        self.last = self.start
        self.checked = time.perf_counter()

    def used(self, final=False):
        now = time.perf_counter()
        if final or now - self.checked >= CPU_POLL_SECONDS:
            self.last = max(self.last, _tree_cpu(self.pid))
            self.checked = now
        return self.last - self.start


def _tree_cpu(root):
    """CPU seconds of a process tree, from /proc (0 where /proc cannot be read)."""
    parents, times = {}, {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0.0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields[0] is the state (field 3 of stat); ppid is field 4, utime..cstime 14..17.
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = sum(int(x) for x in fields[11:15])
    tree, total = {root}, 0
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                changed = True
    for pid in tree:
        total += times.get(pid, 0)
    return total / _TICKS


class Program:
    """Steps for the worker to run in one round trip, each able to name earlier results.

        program = Program()
        a = program.call("autograd.Value", 2.0)     # a handle to step 0's result
        b = program.method(a, "__mul__", 3.0)
        program.method(b, "backward")
        program.getattr(a, "grad", returns=True)
        results = session.run(program)              # {3: Result(value=3.0)}

    Handles (wire.Step) may appear anywhere in later steps' arguments. Only the
    steps made with returns=True send their value back (keep=True: as a Ref).
    """

    def __init__(self):
        self.steps = []

    def _add(self, step, returns, keep):
        if returns:
            step["return"] = True
        if keep:
            step["keep"] = True
        self.steps.append(step)
        return wire.Step(len(self.steps) - 1)

    def call(self, target, *args, returns=False, keep=False, **kwargs):
        return self._add({"op": "call", "target": target, "args": list(args),
                          "kwargs": dict(kwargs)}, returns, keep)

    def method(self, obj, name, *args, returns=False, keep=False, **kwargs):
        _check_member(name, "method")
        return self._add({"op": "method", "ref": obj, "name": name, "args": list(args),
                          "kwargs": dict(kwargs)}, returns, keep)

    def getattr(self, obj, name, returns=False, keep=False):
        _check_member(name, "attribute")
        return self._add({"op": "getattr", "ref": obj, "name": name}, returns, keep)

    def setattr(self, obj, name, value):
        _check_member(name, "attribute")
        return self._add({"op": "setattr", "ref": obj, "name": name, "value": value}, False, False)

    def getitem(self, obj, key, returns=False, keep=False):
        return self._add({"op": "getitem", "ref": obj, "key": key}, returns, keep)

    def setitem(self, obj, key, value):
        return self._add({"op": "setitem", "ref": obj, "key": key, "value": value}, False, False)


def _death_message(status, limits):
    if status is None:
        return "the worker stopped during the call"
    if status > 128 and status - 128 in signal.valid_signals():
        status = 128 - status  # bwrap reports a signal that killed the worker as 128 + N
    if status < 0:
        number = -status
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        if number == signal.SIGKILL:
            return ("the worker was killed (SIGKILL) during the call: most often memory "
                    f"exhaustion (the limit is {limits.memory_bytes / 2**30:.1f} GiB)")
        if number == signal.SIGXCPU:
            return "the worker used up its CPU-time limit"
        return f"the worker died from signal {name} during the call"
    if status in (126, 127):
        return f"the worker could not start (exit status {status})"
    return (f"the worker exited with status {status} during the call: does your code call "
            "sys.exit, os._exit or exit()?")


def _expect_list(value, length):
    if not isinstance(value, list) or len(value) != length:
        raise WorkerFault("the worker sent a malformed batch answer")
    return value


def _refs_in(value, depth=0):
    """Every wire.Ref inside arguments (lists, tuples, dicts), to check before sending."""
    if isinstance(value, wire.Ref):
        return [value]
    if depth > wire.MAX_DEPTH:
        return []
    if isinstance(value, (list, tuple)):
        return [ref for item in value for ref in _refs_in(item, depth + 1)]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _refs_in(item, depth + 1)]
    return []


def _tag_refs(value, generation):
    if isinstance(value, wire.Ref):
        value.generation = generation
    elif isinstance(value, (list, tuple)):
        for item in value:
            _tag_refs(item, generation)
    elif isinstance(value, dict):
        for item in value.values():
            _tag_refs(item, generation)
    return value
