# GIsle.py: the PyGObject override of GIsle, installed as gi/overrides/GIsle.py.
#
# PyGObject imports it when an application does `from gi.repository import
# GIsle`, and it makes the introspected API feel like Python:
#
# - eval(), call() and their _full forms take and return native values;
#   the GVariant forms stay available as eval_variant() and call_variant()
#   and through every _async/_finish pair;
# - add_function() takes a plain callable: native arguments and results, and
#   any exception becomes a Lua error naming its type and message;
# - every _async method called without a callback returns an awaitable, for
#   asyncio code run on GIsle.GLibEventLoop (GIsle.asyncio_run() does that);
#   PyGObject 3.42 has no asyncio integration of its own.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import math
import selectors

from gi.repository import GLib, Gio

from ..module import get_introspection_module
from ..overrides import override

GIsle = get_introspection_module('GIsle')

__all__ = []

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_UINT64_MAX = (1 << 64) - 1


# ---- Values ----------------------------------------------------------------

def _nothing():
    return GLib.Variant.new_maybe(GLib.VariantType.new('v'), None)


def to_variant(value, where='value'):
    """Converts a Python value to the GVariant GIsle turns into that Lua value.

    None is nil, bool a boolean, int an integer, float a float, str a string,
    bytes a byte string, list and tuple a sequence, dict a table; a
    GLib.Variant passes as it is. Anything else raises TypeError naming
    where it sits (`where`).
    """
    if isinstance(value, GLib.Variant):
        return value
    if value is None:
        return _nothing()
    if isinstance(value, bool):
        return GLib.Variant('b', value)
    if isinstance(value, int):
        if _INT64_MIN <= value <= _INT64_MAX:
            return GLib.Variant('x', value)
        if 0 <= value <= _UINT64_MAX:
            return GLib.Variant('t', value)
        raise OverflowError(f'{where}: {value} does not fit in a 64-bit integer')
    if isinstance(value, float):
        return GLib.Variant('d', value)
    if isinstance(value, str):
        return GLib.Variant('s', value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return GLib.Variant.new_from_bytes(GLib.VariantType.new('ay'),
                                           GLib.Bytes.new(bytes(value)), True)
    if isinstance(value, (list, tuple)):
        return GLib.Variant('av', [GLib.Variant('v', to_variant(v, f'{where}[{i}]'))
                                   for i, v in enumerate(value)])
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return GLib.Variant('a{sv}', {k: to_variant(v, f'{where}[{k!r}]')
                                          for k, v in value.items()})
        if all(isinstance(k, int) and not isinstance(k, bool)
               and _INT64_MIN <= k <= _INT64_MAX for k in value):
            return GLib.Variant('a{xv}', {k: to_variant(v, f'{where}[{k!r}]')
                                          for k, v in value.items()})
        return GLib.Variant('a(vv)', [(to_variant(k, f'{where} key {k!r}'),
                                       to_variant(v, f'{where}[{k!r}]'))
                                      for k, v in value.items()])
    raise TypeError(f'{where}: a {type(value).__name__} value cannot enter the isle')


def to_tuple(values, where='argument'):
    """A GVariant tuple of the values, as g_isle_call() takes its arguments."""
    return GLib.Variant.new_tuple(*[to_variant(v, f'{where} {i + 1}')
                                    for i, v in enumerate(values)])


def from_variant(variant):
    """Converts a GVariant from GIsle to Python: the inverse of to_variant().

    Byte strings ("ay") become bytes and key/value pair lists ("a(vv)") a dict.
    """
    type_string = variant.get_type_string()
    if type_string == 'v':
        return from_variant(variant.get_variant())
    if type_string == 'ay':
        return variant.get_data_as_bytes().get_data()
    if type_string.startswith('m'):
        child = variant.get_maybe()
        return None if child is None else from_variant(child)
    if type_string[0] in 'a(':
        children = [variant.get_child_value(i) for i in range(variant.n_children())]
        if type_string == 'a(vv)' or type_string.startswith('a{'):
            return {from_variant(c.get_child_value(0)): from_variant(c.get_child_value(1))
                    for c in children}
        if type_string.startswith('a'):
            return [from_variant(c) for c in children]
        return tuple(from_variant(c) for c in children)
    return variant.unpack()


def results(variant):
    """Unpacks a result tuple as a Python function returns: None for no
    result, the value for one, a tuple for several."""
    if variant is None:
        return None
    values = from_variant(variant)
    if len(values) == 0:
        return None
    if len(values) == 1:
        return values[0]
    return values


def _args_variant(args):
    # One GLib.Variant tuple is the C form: the arguments themselves.
    if len(args) == 1 and isinstance(args[0], GLib.Variant) and args[0].is_container() \
            and args[0].get_type_string().startswith('('):
        return args[0]
    return to_tuple(args)


def _host_error(message):
    return GLib.Error.new_literal(GIsle.isle_error_quark(), message, GIsle.IsleError.FAILED)


def _host_results(name, value):
    if value is None:
        return None
    try:
        if isinstance(value, tuple):
            return to_tuple(value, 'result')
        return to_variant(value, 'result')
    except (TypeError, OverflowError) as e:
        raise _host_error(f'host function "{name}" returned {type(value).__name__} '
                          f'{value!r:.60}, which cannot enter the isle ({e})') from None


def _wrap_host_function(name, func):
    def trampoline(isle, args, cancellable, *user_data):
        try:
            value = func(*from_variant(args))
        except GLib.Error:
            raise
        except BaseException as e:  # noqa: B902 (the script must see every failure)
            text = str(e)
            raise _host_error(f'{type(e).__name__}: {text}' if text else type(e).__name__) from None
        return _host_results(name, value)
    return trampoline


# ---- Errors ----------------------------------------------------------------

def _attach_info(error):
    """Sets error.info to the GIsle.IsleErrorInfo of the call that just failed
    in this thread (None when the error has no location)."""
    info = None
    if error.domain == 'g-isle-error-quark':
        info = GIsle.IsleErrorInfo.get_last()
    error.info = info
    return error


def _with_info(func):
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GLib.Error as e:
            raise _attach_info(e)
    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


class IsleErrorInfo(GIsle.IsleErrorInfo):
    """Where a syntax or runtime error happened, as data: error.info.

    message is the error without traceback, chunk and line where it was
    raised, frames the traceback as (chunk, line, function) tuples,
    innermost first (line -1 and chunk '[C]' for C functions)."""

    @property
    def message(self):
        return self.get_message()

    @property
    def chunk(self):
        return self.get_chunk()

    @property
    def line(self):
        return self.get_line()

    @property
    def frames(self):
        frames = []
        for i in range(self.get_n_frames()):
            frame = self.get_frame(i)
            frames.append((frame.chunk, frame.line, frame.function))
        return frames

    def __repr__(self):
        return f'<GIsle.IsleErrorInfo {self.chunk}:{self.line} {len(self.frames)} frames>'


IsleErrorInfo = override(IsleErrorInfo)
__all__.append('IsleErrorInfo')


# ---- asyncio ---------------------------------------------------------------

class _GLibSelector(selectors._BaseSelectorImpl):
    """A selector that waits in the default GLib main context.

    asyncio's file descriptors become GLib sources, and select() iterates
    the main context: GLib callbacks, signals and GIsle's completions run
    while asyncio waits, on the same thread, and nothing polls.
    """

    def __init__(self):
        super().__init__()
        self._context = GLib.MainContext.default()
        self._sources = {}
        self._ready = {}

    def register(self, fileobj, events, data=None):
        key = super().register(fileobj, events, data)
        condition = GLib.IOCondition(0)
        if events & selectors.EVENT_READ:
            condition |= GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR
        if events & selectors.EVENT_WRITE:
            condition |= GLib.IOCondition.OUT | GLib.IOCondition.ERR
        self._sources[key.fd] = GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, key.fd, condition,
                                                      self._on_fd, key)
        return key

    def unregister(self, fileobj):
        key = super().unregister(fileobj)
        GLib.source_remove(self._sources.pop(key.fd))
        self._ready.pop(key.fd, None)
        return key

    def _on_fd(self, fd, condition, key):
        events = 0
        if condition & (GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR):
            events |= selectors.EVENT_READ
        if condition & (GLib.IOCondition.OUT | GLib.IOCondition.ERR):
            events |= selectors.EVENT_WRITE
        events &= key.events
        if events:
            self._ready[fd] = (key, self._ready.get(fd, (key, 0))[1] | events)
        return GLib.SOURCE_CONTINUE

    def _on_timeout(self):
        self._timer = None
        return GLib.SOURCE_REMOVE

    def select(self, timeout=None):
        self._ready = {}
        self._timer = None
        if timeout is None or timeout > 0:
            if timeout is not None:
                self._timer = GLib.timeout_add(max(1, math.ceil(timeout * 1000)), self._on_timeout)
            self._context.iteration(True)
            if self._timer is not None:
                GLib.source_remove(self._timer)
                self._timer = None
        # Whatever else is ready runs now too, without blocking.
        while self._context.pending():
            self._context.iteration(False)
        ready, self._ready = list(self._ready.values()), {}
        return ready

    def close(self):
        for source in self._sources.values():
            GLib.source_remove(source)
        self._sources.clear()
        super().close()


class GLibEventLoop(asyncio.SelectorEventLoop):
    """An asyncio event loop that runs the default GLib main context.

    GIsle's awaitables need it (or another loop that iterates GLib's default
    main context): their results arrive through that context.
    """

    def __init__(self):
        super().__init__(_GLibSelector())


class GLibEventLoopPolicy(asyncio.DefaultEventLoopPolicy):
    """An event loop policy whose loops are GLibEventLoop."""

    def new_event_loop(self):
        return GLibEventLoop()


def asyncio_run(main):
    """Runs the coroutine main on a new GLibEventLoop, like asyncio.run()."""
    with asyncio.Runner(loop_factory=GLibEventLoop) as runner:
        return runner.run(main)


class IsleFuture(asyncio.Future):
    """The awaitable an _async method returns without a callback.

    job_id is the job's id for the _full_async methods (0 otherwise).
    Cancelling the future (or the task awaiting it) cancels the call.
    """

    job_id = 0


def _awaitable(start, finish, convert, cancellable):
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError('an _async method without a callback returns an awaitable, '
                           'which needs a running asyncio loop: use GIsle.asyncio_run()') from None
    if not isinstance(loop, GLibEventLoop):
        raise RuntimeError('GIsle awaitables complete through the GLib main context: run '
                           'the coroutine with GIsle.asyncio_run(), or on a GIsle.GLibEventLoop '
                           '(asyncio.set_event_loop_policy(GIsle.GLibEventLoopPolicy()))')
    future = IsleFuture(loop=loop)
    if cancellable is None:
        cancellable = Gio.Cancellable()

    def done(source, result, *user_data):
        try:
            value = convert(finish(source, result))
        except BaseException as e:  # noqa: B902
            if not future.done():
                future.set_exception(e)
            return
        if not future.done():
            future.set_result(value)

    job_id = start(cancellable, done)
    if isinstance(job_id, int):
        future.job_id = job_id
    future.add_done_callback(lambda f: cancellable.cancel() if f.cancelled() else None)
    return future


def _identity(value):
    return value


# ---- GIsle.Isle -------------------------------------------------------------

class Isle(GIsle.Isle):
    # Python code reads the property as isle.props.memory_in_use or, like
    # the other getters, isle.memory_in_use.
    @property
    def memory_in_use(self):
        return self.props.memory_in_use

    # Blocking calls, native values.

    @_with_info
    def eval(self, code, cancellable=None):
        """Runs code and returns its results as Python values (None for none,
        a value for one, a tuple for several)."""
        return results(GIsle.Isle.eval(self, code, cancellable))

    @_with_info
    def eval_full(self, code, chunk_name=None, timeout_ms=0, cancellable=None):
        return results(GIsle.Isle.eval_full(self, code, chunk_name, timeout_ms, cancellable))

    @_with_info
    def eval_variant(self, code, cancellable=None):
        """eval() as in C: the result tuple as a GLib.Variant."""
        return GIsle.Isle.eval(self, code, cancellable)

    @_with_info
    def call(self, function, *args, cancellable=None, timeout_ms=0):
        """Calls the global function (a dotted path) with Python values."""
        return results(GIsle.Isle.call_full(self, function, _args_variant(args),
                                            timeout_ms, cancellable))

    def call_full(self, function, *args, timeout_ms=0, cancellable=None):
        return self.call(function, *args, cancellable=cancellable, timeout_ms=timeout_ms)

    @_with_info
    def call_variant(self, function, args=None, cancellable=None):
        """call() as in C: a GLib.Variant tuple in, one out."""
        return GIsle.Isle.call(self, function, args, cancellable)

    # The C forms raise GLib.Error with .info too.
    eval_finish = _with_info(GIsle.Isle.eval_finish)
    eval_full_finish = _with_info(GIsle.Isle.eval_full_finish)
    call_finish = _with_info(GIsle.Isle.call_finish)
    call_full_finish = _with_info(GIsle.Isle.call_full_finish)

    # Asynchronous calls: a callback gives the C form; without one, an
    # awaitable of Python values.

    def eval_async(self, code, cancellable=None, callback=None, *user_data):
        if callback is not None:
            return GIsle.Isle.eval_async(self, code, cancellable, callback, *user_data)
        return _awaitable(lambda c, cb: GIsle.Isle.eval_async(self, code, c, cb),
                          Isle.eval_finish, results, cancellable)

    def eval_full_async(self, code, chunk_name=None, timeout_ms=0, cancellable=None,
                        callback=None, *user_data):
        if callback is not None:
            return GIsle.Isle.eval_full_async(self, code, chunk_name, timeout_ms,
                                              cancellable, callback, *user_data)
        return _awaitable(lambda c, cb: GIsle.Isle.eval_full_async(self, code, chunk_name,
                                                                   timeout_ms, c, cb),
                          Isle.eval_full_finish, results, cancellable)

    def call_async(self, function, args=None, cancellable=None, callback=None, *user_data):
        """With a callback, the C form (args a GLib.Variant tuple or None).
        Without, await isle.call_async('f', [1, 2]): args is a sequence of
        Python values (or a GLib.Variant tuple)."""
        if callback is not None:
            return GIsle.Isle.call_async(self, function, args, cancellable, callback, *user_data)
        variant = args if isinstance(args, GLib.Variant) or args is None else to_tuple(args)
        return _awaitable(lambda c, cb: GIsle.Isle.call_async(self, function, variant, c, cb),
                          Isle.call_finish, results, cancellable)

    def call_full_async(self, function, args=None, timeout_ms=0, cancellable=None,
                        callback=None, *user_data):
        if callback is not None:
            return GIsle.Isle.call_full_async(self, function, args, timeout_ms, cancellable,
                                              callback, *user_data)
        variant = args if isinstance(args, GLib.Variant) or args is None else to_tuple(args)
        return _awaitable(lambda c, cb: GIsle.Isle.call_full_async(self, function, variant,
                                                                   timeout_ms, c, cb),
                          Isle.call_full_finish, results, cancellable)

    def close_async(self, cancellable=None, callback=None, *user_data):
        if callback is not None:
            return GIsle.Isle.close_async(self, cancellable, callback, *user_data)
        return _awaitable(lambda c, cb: GIsle.Isle.close_async(self, c, cb),
                          GIsle.Isle.close_finish, _identity, cancellable)

    def init_async(self, io_priority=GLib.PRIORITY_DEFAULT, cancellable=None, callback=None,
                   *user_data):
        if callback is not None:
            return Gio.AsyncInitable.init_async(self, io_priority, cancellable, callback,
                                                *user_data)
        return _awaitable(lambda c, cb: Gio.AsyncInitable.init_async(self, io_priority, c, cb),
                          Gio.AsyncInitable.init_finish, _identity, cancellable)

    @staticmethod
    def new_async(cancellable=None, callback=None, *user_data):
        if callback is not None:
            return GIsle.Isle.new_async(cancellable, callback, *user_data)
        return _awaitable(lambda c, cb: GIsle.Isle.new_async(c, cb),
                          lambda source, result: GIsle.Isle.new_finish(result),
                          _identity, cancellable)

    # Host functions.

    def add_function(self, name, func):
        """Makes func callable from Lua as name (dots make nested tables).

        func receives the Lua arguments as Python values and returns None (no
        result), a value, or a tuple (several results); a GLib.Variant passes
        as it is. An exception it raises is a Lua error "Type: message"; a
        GLib.Error keeps its message.
        """
        GIsle.Isle.add_function(self, name, _wrap_host_function(name, func))

    def add_async_function(self, name, func):
        """Makes func callable from Lua as name, answering later.

        With an `async def` function (run as a task on the running
        GIsle.GLibEventLoop): native arguments, its result converted as for
        add_function(), an exception becomes a Lua error, and stopping the
        script cancels the task. Any other callable is the C form:
        func(isle, args, invocation) answers through the invocation.
        """
        if not asyncio.iscoroutinefunction(func):
            return GIsle.Isle.add_async_function(self, name, func)

        def start(isle, args, invocation, *user_data):
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                invocation.return_gerror(_host_error(
                    f'async host function "{name}" needs a running GIsle.GLibEventLoop'))
                return
            task = loop.create_task(func(*from_variant(args)))
            # Told in the main context, never on the thread that cancels (a
            # Python handler there could wait for the GIL while this thread
            # waits for the isle).
            watch = invocation.get_cancellable().source_new()
            watch.set_callback(lambda *unused: task.cancel() and False)
            watch.attach(GLib.MainContext.default())

            def done(task):
                watch.destroy()
                if task.cancelled():
                    return  # the script was stopped: nobody waits for an answer
                error = task.exception()
                try:
                    if error is not None:
                        if isinstance(error, GLib.Error):
                            raise error
                        text = str(error)
                        raise _host_error(f'{type(error).__name__}: {text}' if text
                                          else type(error).__name__)
                    invocation.return_value(_host_results(name, task.result()))
                except GLib.Error as e:
                    invocation.return_gerror(e)
            task.add_done_callback(done)

        GIsle.Isle.add_async_function(self, name, start)

    def add_variant_function(self, name, func):
        """add_function() as in C: func(isle, args, cancellable) takes a
        GLib.Variant tuple and returns a GLib.Variant or None."""
        def checked(isle, args, cancellable, *user_data):
            try:
                value = func(isle, args, cancellable)
            except GLib.Error:
                raise
            except BaseException as e:  # noqa: B902
                text = str(e)
                raise _host_error(f'{type(e).__name__}: {text}' if text
                                  else type(e).__name__) from None
            if value is not None and not isinstance(value, GLib.Variant):
                raise _host_error(f'host function "{name}" returned {type(value).__name__} '
                                  f'{value!r:.60} where a GLib.Variant or None was expected')
            return value
        GIsle.Isle.add_function(self, name, checked)


Isle = override(Isle)
__all__ += ['Isle', 'GLibEventLoop', 'GLibEventLoopPolicy', 'IsleFuture', 'asyncio_run',
            'to_variant', 'from_variant']


# ---- GIsle.IslePool -----------------------------------------------------------

class IslePool(GIsle.IslePool):
    def checkout_async(self, timeout_ms=0, cancellable=None, callback=None, *user_data):
        if callback is not None:
            return GIsle.IslePool.checkout_async(self, timeout_ms, cancellable, callback,
                                                 *user_data)
        return _awaitable(lambda c, cb: GIsle.IslePool.checkout_async(self, timeout_ms, c, cb),
                          GIsle.IslePool.checkout_finish, _identity, cancellable)


IslePool = override(IslePool)
__all__.append('IslePool')


# ---- GIsle.IsleDebugger -------------------------------------------------------

class IsleDebugger(GIsle.IsleDebugger):
    """The debugger's questions, awaitable without a callback; answers stay
    GVariants, as the C API gives them (see the debugging guide)."""

    def get_stack_async(self, cancellable=None, callback=None, *user_data):
        if callback is not None:
            return GIsle.IsleDebugger.get_stack_async(self, cancellable, callback, *user_data)
        return _awaitable(lambda c, cb: GIsle.IsleDebugger.get_stack_async(self, c, cb),
                          GIsle.IsleDebugger.get_stack_finish, _identity, cancellable)

    def get_variables_async(self, frame, cancellable=None, callback=None, *user_data):
        if callback is not None:
            return GIsle.IsleDebugger.get_variables_async(self, frame, cancellable, callback,
                                                          *user_data)
        return _awaitable(lambda c, cb: GIsle.IsleDebugger.get_variables_async(self, frame, c, cb),
                          GIsle.IsleDebugger.get_variables_finish, _identity, cancellable)

    def evaluate_async(self, frame, expression, cancellable=None, callback=None, *user_data):
        if callback is not None:
            return GIsle.IsleDebugger.evaluate_async(self, frame, expression, cancellable,
                                                     callback, *user_data)
        return _awaitable(lambda c, cb: GIsle.IsleDebugger.evaluate_async(self, frame, expression,
                                                                          c, cb),
                          GIsle.IsleDebugger.evaluate_finish, _identity, cancellable)

    def set_local_async(self, frame, name, value, cancellable=None, callback=None, *user_data):
        if callback is not None:
            return GIsle.IsleDebugger.set_local_async(self, frame, name, value, cancellable,
                                                      callback, *user_data)
        return _awaitable(lambda c, cb: GIsle.IsleDebugger.set_local_async(self, frame, name,
                                                                           value, c, cb),
                          GIsle.IsleDebugger.set_local_finish, _identity, cancellable)


IsleDebugger = override(IsleDebugger)
__all__.append('IsleDebugger')
