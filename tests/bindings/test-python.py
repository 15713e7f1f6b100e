#!/usr/bin/python3
# test-python.py: GIsle through PyGObject, as a Python application uses it.
#
# Run with GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing at the build's lib/
# (meson test does this). Needs Debian's /usr/bin/python3, which has PyGObject.
# Prints TAP. Every wait iterates the main context under a deadline, so a broken
# library fails a test instead of hanging; nothing sleeps to synchronise.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import math
import os
import sys
import traceback
import unittest

import gi
import gi.overrides
# The uninstalled override (lib/bindings/python/gi/overrides/GIsle.py) comes
# first, as the installed one would be found.
if 'GISLE_PYTHON_OVERRIDES' not in os.environ:
    sys.exit('Bail out! GISLE_PYTHON_OVERRIDES is not set (run through meson test)')
gi.overrides.__path__.insert(0, os.environ['GISLE_PYTHON_OVERRIDES'])
gi.require_version('GLib', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('GIsle', '1.0')
from gi.repository import GIsle, GLib, Gio  # noqa: E402

TIMEOUT = 10  # seconds for any single wait on the main context

ISLE_ERROR = GIsle.isle_error_quark()
IO_ERROR = Gio.io_error_quark()


class Timeout(AssertionError):
    pass


class IsleTestCase(unittest.TestCase):
    """Each test closes every isle it made."""

    def setUp(self):
        self.isles = []

    def tearDown(self):
        for isle in self.isles:
            isle.cancel_all()
            isle.close(None)

    def track(self, isle):
        self.isles.append(isle)
        return isle

    def new_isle(self, **props):
        """Creates and starts an isle (the blocking constructor)."""
        if props:
            isle = GIsle.Isle(**props)
            self.assertTrue(isle.init(None))
        else:
            isle = GIsle.Isle.new(None)
        return self.track(isle)

    def run_until(self, done, what='condition'):
        """Iterates the main context until done() is true; fails after TIMEOUT.

        Each iteration blocks until a source is ready (a callback, a signal
        delivered by the isle, or the deadline): nothing polls or sleeps.
        """
        timed_out = []

        def on_timeout():
            timed_out.append(True)
            return GLib.SOURCE_REMOVE

        timer = GLib.timeout_add_seconds(TIMEOUT, on_timeout)
        context = GLib.MainContext.default()
        while not done() and not timed_out:
            context.iteration(True)
        if not timed_out:
            GLib.source_remove(timer)
        if not done():
            raise Timeout(f'timed out after {TIMEOUT} s waiting for {what}')

    def wait_async(self, start, what='async call'):
        """start(callback) begins an async call; returns its GAsyncResult."""
        results = []

        def callback(source, result, *data):
            results.append(result)

        start(callback)
        self.run_until(lambda: results, what)
        return results[0]

    def eval_async(self, isle, code, cancellable=None):
        res = self.wait_async(lambda cb: isle.eval_async(code, cancellable, cb), code)
        return isle.eval_finish(res)

    def call_async(self, isle, function, args, cancellable=None):
        res = self.wait_async(lambda cb: isle.call_async(function, args, cancellable, cb), function)
        return isle.call_finish(res)

    def assertIsleError(self, code, func, *args):
        with self.assertRaises(GLib.Error) as cm:
            func(*args)
        error = cm.exception
        self.assertEqual(error.domain, 'g-isle-error-quark', error.message)
        self.assertTrue(error.matches(ISLE_ERROR, code),
                        f'expected {code!r}, got code {error.code}: {error.message}')
        return error

    def assertCancelled(self, func, *args):
        with self.assertRaises(GLib.Error) as cm:
            func(*args)
        self.assertTrue(cm.exception.matches(IO_ERROR, Gio.IOErrorEnum.CANCELLED),
                        f'{cm.exception.domain} {cm.exception.code}: {cm.exception.message}')
        return cm.exception


class TestCreate(IsleTestCase):
    def test_new(self):
        isle = self.track(GIsle.Isle.new(None))
        self.assertIsInstance(isle, GIsle.Isle)
        self.assertEqual(isle.eval('return 1 + 1', None), 2)

    def test_new_async(self):
        res = self.wait_async(lambda cb: GIsle.Isle.new_async(None, cb), 'new_async')
        isle = self.track(GIsle.Isle.new_finish(res))
        self.assertIsInstance(isle, GIsle.Isle)
        self.assertFalse(isle.props.closed)
        self.assertEqual(self.eval_async(isle, 'return "ready"').unpack(), ('ready',))

    def test_plain_constructor_starts_on_first_use(self):
        isle = self.track(GIsle.Isle())
        self.assertEqual(self.eval_async(isle, 'return 7').unpack(), (7,))

    def test_main_context_is_the_creators(self):
        isle = self.new_isle()
        self.assertEqual(isle.props.main_context, GLib.MainContext.default())


class TestValues(IsleTestCase):
    def test_eval_async_results_unpack_to_python(self):
        isle = self.new_isle()
        cancellable = Gio.Cancellable()
        result = self.eval_async(isle, '''
            return 42, -7, math.maxinteger, 2.5, 1/0, "héllo", "a\\0b", true,
                   {1, 2, 3}, {name = "x", n = 1}, {a = {b = {"deep", 1.5}}}, nil
        ''', cancellable)
        self.assertEqual(result.get_type_string(), '(xxxddsaybava{sv}a{sv}mv)')
        (i, neg, big, f, inf, s, raw, b, seq, d, nested, nothing) = result.unpack()
        self.assertEqual((i, neg, big), (42, -7, 2**63 - 1))
        self.assertEqual(f, 2.5)
        self.assertTrue(math.isinf(inf) and inf > 0)
        self.assertEqual(s, 'héllo')
        self.assertIs(b, True)
        self.assertEqual(seq, [1, 2, 3])
        self.assertEqual(d, {'name': 'x', 'n': 1})
        self.assertEqual(nested, {'a': {'b': ['deep', 1.5]}})
        self.assertIsNone(nothing)
        # A string with NUL bytes is "ay": PyGObject unpacks it as a list of
        # ints; the bytes are exact.
        self.assertEqual(bytes(raw), b'a\x00b')
        self.assertEqual(result.get_child_value(6).get_data_as_bytes().get_data(), b'a\x00b')

    def test_integer_and_float_stay_apart(self):
        isle = self.new_isle()
        a, b = self.eval_async(isle, 'return 1 << 53, 2^53').unpack()
        self.assertIsInstance(a, int)
        self.assertIsInstance(b, float)

    def test_no_results_is_empty_tuple(self):
        isle = self.new_isle()
        self.assertEqual(self.eval_async(isle, 'local x = 1').get_type_string(), '()')

    def test_mixed_table(self):
        isle = self.new_isle()
        (pairs,) = self.eval_async(isle, 'return {[true] = "yes", [2.5] = "f"}').unpack()
        self.assertEqual(sorted(pairs, key=repr), sorted([(True, 'yes'), (2.5, 'f')], key=repr))


class TestCall(IsleTestCase):
    def test_call_async_with_arguments(self):
        isle = self.new_isle()
        self.eval_async(isle, '''
            function describe(name, n, x, list, map, raw)
              return string.format("%s:%d:%.1f", name, n, x), #list, map.k, #raw
            end
        ''')
        args = GLib.Variant('(sxdava{sv}ay)', (
            'abc', 5, 1.5,
            [GLib.Variant('x', 1), GLib.Variant('s', 'two')],
            {'k': GLib.Variant('b', True)},
            b'\x00\x01\x02'))
        result = self.call_async(isle, 'describe', args, Gio.Cancellable())
        self.assertEqual(result.unpack(), ('abc:5:1.5', 2, True, 3))

    def test_call_dotted_path_blocking(self):
        isle = self.new_isle()
        result = isle.call_variant('string.rep', GLib.Variant('(sx)', ('ab', 3)), None)
        self.assertEqual(result.unpack(), ('ababab',))
        # The C form's one argument tuple is also taken by the native call().
        self.assertEqual(isle.call('string.rep', GLib.Variant('(sx)', ('ab', 3))), 'ababab')

    def test_call_without_arguments(self):
        isle = self.new_isle()
        self.eval_async(isle, 'function answer() return 42 end')
        self.assertEqual(self.call_async(isle, 'answer', None).unpack(), (42,))


class TestProfile(IsleTestCase):
    HOT = """
        local function hot(n) local s = 0 for i = 1, n * 10 do local t = {} s = s + i end return s end
        local function cold(n) local s = 0 for i = 1, n do local t = {} s = s + i end return s end
        local deadline = os.clock() + 0.1
        while os.clock() < deadline do hot(200) cold(200) end
    """

    def test_profile_finds_the_hot_function(self):
        isle = self.new_isle()
        self.assertFalse(isle.is_profiling())
        self.assertTrue(isle.profile_start(0))
        self.assertTrue(isle.is_profiling())
        isle.eval_full(self.HOT, '=prof')
        profile, folded = isle.profile_stop()
        self.assertFalse(isle.is_profiling())
        result = profile.unpack()
        self.assertEqual(result['rate'], 1000)
        self.assertGreater(result['samples'], 0)
        self.assertEqual(result['folded'], folded)
        top = result['functions'][0]
        self.assertEqual(top[0], 'hot@prof:2')
        self.assertEqual(result['lines'][0][:2], ('prof', 2))
        counted = 0
        for line in folded.splitlines():
            stack, count = line.rsplit(' ', 1)
            self.assertTrue(all(stack.split(';')))
            counted += int(count)
        self.assertEqual(counted, result['samples'])
        # Stopped: nothing more to return.
        self.assertEqual(isle.profile_stop(), (None, None))

    def test_profile_start_twice_is_refused(self):
        isle = self.new_isle()
        self.assertTrue(isle.profile_start(500))
        with self.assertRaises(GLib.Error) as raised:
            isle.profile_start(500)
        self.assertTrue(raised.exception.matches(IO_ERROR, Gio.IOErrorEnum.BUSY))
        profile, _ = isle.profile_stop()
        self.assertEqual(profile.unpack()['rate'], 500)



class TestDebugger(IsleTestCase):
    CODE = 'local x = 20\nlocal t = {a = 1}\nx = x + 1\nreturn x\n'

    def test_breakpoint_questions_and_resume(self):
        isle = self.new_isle()
        debugger = GIsle.IsleDebugger.new(isle)
        self.assertTrue(debugger.props.attached)
        debugger.add_breakpoint('job', 3, None)
        pauses, done = [], []
        debugger.connect('paused', lambda d, reason, chunk, line, message:
                         pauses.append((reason, chunk, line, message)))
        isle.eval_full_async(self.CODE, '=job', 0, None,
                             lambda s, r: done.append(s.eval_full_finish(r)))
        self.run_until(lambda: pauses, 'the pause')
        self.assertEqual(pauses[0], (GIsle.IslePauseReason.BREAKPOINT, 'job', 3, None))
        self.assertTrue(debugger.props.paused)

        frames = self.wait_async(lambda cb: debugger.get_stack_async(None, cb))
        frames = debugger.get_stack_finish(frames).unpack()
        self.assertEqual([(f['function'], f['line']) for f in frames], [('(main)', 3)])
        res = self.wait_async(lambda cb: debugger.get_variables_async(0, None, cb))
        variables = debugger.get_variables_finish(res).unpack()
        self.assertEqual(variables['locals'], [('x', 20), ('t', [('a', 1)])])
        self.assertEqual(debugger.evaluate(0, 'x * 2', None).unpack(), 40)
        self.assertTrue(debugger.set_local(0, 'x', GLib.Variant('x', 100), None))

        self.assertTrue(debugger.resume())
        self.run_until(lambda: done, 'the job')
        self.assertEqual(done[0].unpack(), (101,))
        self.assertIsleError(GIsle.IsleError.NOT_PAUSED, debugger.get_stack, None)
        debugger.detach()
        self.assertFalse(debugger.props.attached)

    def test_one_debugger_per_isle(self):
        isle = self.new_isle()
        first = GIsle.IsleDebugger.new(isle)
        with self.assertRaises(GLib.Error) as raised:
            GIsle.IsleDebugger.new(isle)
        self.assertTrue(raised.exception.matches(IO_ERROR, Gio.IOErrorEnum.BUSY))
        first.detach()
        GIsle.IsleDebugger.new(isle).detach()

class TestCancel(IsleTestCase):
    def run_and_cancel(self, isle, code):
        """Runs code, which emits "started", and cancels it when it does."""
        cancellable = Gio.Cancellable()
        handler = isle.connect('event::started', lambda *a: cancellable.cancel())
        try:
            self.assertCancelled(self.eval_async, isle, code, cancellable)
        finally:
            isle.disconnect(handler)
        self.assertTrue(cancellable.is_cancelled())

    def test_runaway_loop_stopped_by_cancellable(self):
        isle = self.new_isle()
        self.run_and_cancel(isle, 'isle.emit("started") while true do end')
        # The isle stays usable.
        self.assertEqual(self.eval_async(isle, 'return "alive"').unpack(), ('alive',))

    def test_runaway_loop_inside_pcall(self):
        isle = self.new_isle()
        self.run_and_cancel(isle, '''
            isle.emit("started")
            while true do pcall(function() while true do end end) end
        ''')
        self.assertEqual(self.eval_async(isle, 'return 1').unpack(), (1,))

    def test_already_cancelled(self):
        isle = self.new_isle()
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        self.assertCancelled(self.eval_async, isle, 'while true do end', cancellable)

    def test_cancel_all(self):
        isle = self.new_isle()
        isle.connect('event::started', lambda *a: isle.cancel_all())
        self.assertCancelled(self.eval_async, isle, 'isle.emit("started") while true do end')

    def test_timeout(self):
        isle = self.new_isle()
        res = self.wait_async(lambda cb: isle.eval_full_async('while true do end', 'runaway', 50, None, cb))
        with self.assertRaises(GLib.Error) as cm:
            isle.eval_full_finish(res)
        self.assertTrue(cm.exception.matches(IO_ERROR, Gio.IOErrorEnum.TIMED_OUT), cm.exception.message)


class TestOutput(IsleTestCase):
    def test_output_in_order_before_callback(self):
        isle = self.new_isle()
        log = []
        isle.connect('output', lambda i, job, stream, text: log.append(('output', job, stream, text)))
        ids = []
        done = []

        def callback(source, result):
            log.append(('callback',))
            done.append(source.eval_full_finish(result))

        job = isle.eval_full_async('''
            for i = 1, 200 do print("line " .. i) end
            io.stderr:write("oops")
            warn("careful")
            return "end"
        ''', '=printer', 0, None, callback)
        ids.append(job)
        self.run_until(lambda: done, 'eval_full_async')
        self.assertEqual(done[0].unpack(), ('end',))
        self.assertEqual(log[-1], ('callback',), 'all output arrives before the callback')
        outputs = log[:-1]
        self.assertTrue(all(entry[1] == job for entry in outputs), 'output carries the job id')
        stdout = ''.join(e[3] for e in outputs if e[2] == GIsle.IsleStream.STDOUT)
        self.assertEqual(stdout, ''.join(f'line {i}\n' for i in range(1, 201)))
        streams = [e[2] for e in outputs]
        # Consecutive writes may be merged, but the order of streams holds.
        self.assertEqual(streams[-2:], [GIsle.IsleStream.STDERR, GIsle.IsleStream.WARNING])
        self.assertEqual(outputs[-2][3], 'oops')
        self.assertEqual(outputs[-1][3], 'careful\n')

    def test_output_of_blocking_call_arrives_later(self):
        isle = self.new_isle()
        texts = []
        isle.connect('output', lambda i, job, stream, text: texts.append(text))
        isle.eval('print("from a blocking call")', None)
        self.run_until(lambda: texts, 'output of a blocking call')
        self.assertEqual(''.join(texts), 'from a blocking call\n')


class TestHostFunctions(IsleTestCase):
    def test_python_function_called_from_lua(self):
        isle = self.new_isle()
        calls = []

        def add(isle_, args, cancellable):
            calls.append((isle_, args.get_type_string(), cancellable))
            a, b = args.unpack()
            return GLib.Variant('(x)', (a + b,))

        isle.add_variant_function('add', add)
        self.assertEqual(self.eval_async(isle, 'return add(2, 40)').unpack(), (42,))
        self.assertEqual(len(calls), 1)
        self.assertIs(calls[0][0], isle)
        self.assertEqual(calls[0][1], '(xx)')
        self.assertIsInstance(calls[0][2], Gio.Cancellable)

    def test_arguments_and_several_results(self):
        isle = self.new_isle()

        def echo(isle_, args, cancellable):
            name, items, opts = args.unpack()
            return GLib.Variant('(sxa{sv}mv)', (
                name.upper(), len(items), {'seen': GLib.Variant('as', sorted(opts))}, None))

        isle.add_variant_function('app.echo', echo)
        result = self.eval_async(isle, '''
            local name, n, info, nothing = app.echo("abc", {1, 2, 3}, {x = 1, y = 2})
            return name, n, info.seen[1], info.seen[2], nothing == nil
        ''')
        self.assertEqual(result.unpack(), ('ABC', 3, 'x', 'y', True))

    def test_single_value_and_no_result(self):
        isle = self.new_isle()
        isle.add_variant_function('one', lambda i, a, c: GLib.Variant('s', 'single'))
        isle.add_variant_function('none', lambda i, a, c: None)
        self.assertEqual(self.eval_async(isle, 'return one(), select("#", none())').unpack(),
                         ('single', 0))

    def test_error_raised_in_lua(self):
        isle = self.new_isle()

        def fail(isle_, args, cancellable):
            raise GLib.Error.new_literal(ISLE_ERROR, 'no such user', GIsle.IsleError.FAILED)

        isle.add_variant_function('lookup', fail)
        ok, message = self.eval_async(isle, 'local ok, e = pcall(lookup, "bob") return ok, tostring(e)').unpack()
        self.assertFalse(ok)
        self.assertIn('no such user', message)
        error = self.assertIsleError(GIsle.IsleError.RUNTIME, self.eval_async, isle, 'lookup("bob")')
        self.assertIn('no such user', error.message)

    def test_blocking_eval_serves_host_function(self):
        isle = self.new_isle()
        isle.add_function('twice', lambda n: n * 2)
        self.assertEqual(isle.eval('return twice(21)', None), 42)

    def test_remove_function(self):
        isle = self.new_isle()
        isle.add_function('gone', lambda i, a, c: None)
        self.assertTrue(isle.remove_function('gone'))
        self.assertFalse(isle.remove_function('gone'))
        self.assertEqual(self.eval_async(isle, 'return gone == nil').unpack(), (True,))

    def test_async_function_answers_from_timeout(self):
        isle = self.new_isle()
        seen = []

        def fetch(isle_, args, invocation):
            seen.append((invocation.get_name(), invocation.get_arguments().unpack(),
                         invocation.get_isle(), invocation.get_job_id()))

            def answer():
                key, = args.unpack()
                invocation.return_value(GLib.Variant('(ss)', (key, 'value of ' + key)))
                return GLib.SOURCE_REMOVE

            GLib.timeout_add(5, answer)

        isle.add_async_function('fetch', fetch)
        done = []
        job = isle.eval_full_async('return fetch("k")', None, 0, None,
                                   lambda s, r: done.append(s.eval_full_finish(r)))
        self.run_until(lambda: done, 'async host function')
        self.assertEqual(done[0].unpack(), ('k', 'value of k'))
        self.assertEqual(seen, [('fetch', ('k',), isle, job)])

    def test_async_function_error(self):
        isle = self.new_isle()

        def fail(isle_, args, invocation):
            def answer():
                invocation.return_error_literal(ISLE_ERROR, GIsle.IsleError.FAILED, 'backend down')
                return GLib.SOURCE_REMOVE
            GLib.idle_add(answer)

        def fail_gerror(isle_, args, invocation):
            invocation.return_gerror(
                GLib.Error.new_literal(IO_ERROR, 'no such file', Gio.IOErrorEnum.NOT_FOUND))

        isle.add_async_function('fetch', fail)
        isle.add_async_function('open', fail_gerror)
        ok, message, ok2, message2 = self.eval_async(isle, '''
            local ok, e = pcall(fetch)
            local ok2, e2 = pcall(open)
            return ok, e, ok2, e2
        ''').unpack()
        self.assertFalse(ok)
        self.assertIn('backend down', message)
        self.assertFalse(ok2)
        self.assertIn('no such file', message2)

    def test_async_function_cancelled_with_script(self):
        isle = self.new_isle()
        pending = []

        def never(isle_, args, invocation):
            pending.append(invocation)
            cancellable.cancel()  # the user presses Stop while the host works

        cancellable = Gio.Cancellable()
        isle.add_async_function('never', never)
        self.assertCancelled(self.eval_async, isle, 'return never()', cancellable)
        self.assertEqual(len(pending), 1)
        self.assertTrue(pending[0].get_cancellable().is_cancelled())
        pending[0].return_value(None)  # a late answer is ignored
        self.assertEqual(self.eval_async(isle, 'return 1').unpack(), (1,))


class TestExposedObjects(IsleTestCase):
    def test_python_object_properties_in_main_thread(self):
        import threading
        from gi.repository import GObject

        main = threading.get_ident()
        seen = []

        class Thing(GObject.Object):
            __gtype_name__ = 'GIsleTestPyThing'
            label = GObject.Property(type=str, default='start')

            @GObject.Property(type=int, minimum=0, maximum=1000)
            def count(self):
                seen.append(threading.get_ident())
                return self._count

            @count.setter
            def count(self, value):
                seen.append(threading.get_ident())
                self._count = value

            def __init__(self):
                super().__init__()
                self._count = 0

        isle = self.new_isle()
        thing = Thing()
        isle.expose_object('app.thing', thing)
        result = self.eval_async(isle, """
            app.thing.label = 'from lua'
            app.thing.count = app.thing.count + 41
            local ok, e = pcall(function () app.thing.count = 5000 end)
            return app.thing.label, app.thing.count, tostring(app.thing), ok, e
        """).unpack()
        self.assertEqual(result[:2], ('from lua', 41))
        self.assertTrue(result[2].startswith('GIsleTestPyThing: '))
        self.assertFalse(result[3])
        self.assertIn('out of', result[4])
        self.assertEqual(thing.label, 'from lua')
        self.assertTrue(seen and all(t == main for t in seen))
        # A blocking call from the main thread serves the accesses.
        self.assertEqual(isle.eval('app.thing.count = 7 return app.thing.count', None), 7)
        self.assertTrue(isle.unexpose_object('app.thing'))
        self.assertEqual(self.eval_async(isle, 'return app.thing == nil').unpack(), (True,))


class TestErrors(IsleTestCase):
    def test_codes(self):
        isle = self.new_isle()
        E = GIsle.IsleError
        self.assertIsleError(E.SYNTAX, self.eval_async, isle, 'return +')
        self.assertIsleError(E.INCOMPLETE, self.eval_async, isle, 'for i = 1, 2 do')
        error = self.assertIsleError(E.RUNTIME, self.eval_async, isle, 'error("boom")')
        self.assertIn('boom', error.message)
        self.assertIn('traceback', error.message)
        self.assertIsleError(E.CONVERSION, self.eval_async, isle, 'return print')
        self.assertIsleError(E.NOT_FOUND, self.call_async, isle, 'no_such_function', None)
        self.assertIsleError(E.SYNTAX, isle.eval, 'return +', None)

    def test_memory(self):
        isle = self.new_isle(memory_limit=4 << 20)
        self.assertIsleError(GIsle.IsleError.MEMORY, self.eval_async, isle,
                             'local t = {} for i = 1, 1e8 do t[i] = i end')
        self.assertEqual(self.eval_async(isle, 'return "still here"').unpack(), ('still here',))

    def test_closed(self):
        isle = self.new_isle()
        self.assertTrue(isle.close(None))
        self.assertIsleError(GIsle.IsleError.CLOSED, self.eval_async, isle, 'return 1')
        self.assertIsleError(GIsle.IsleError.CLOSED, isle.eval, 'return 1', None)

    def test_setup_code_failure(self):
        isle = GIsle.Isle(setup_code='error("bad setup")')
        self.assertIsleError(GIsle.IsleError.RUNTIME, isle.init, None)


class TestProperties(IsleTestCase):
    def test_memory_limit(self):
        isle = self.new_isle(memory_limit=8 << 20)
        self.assertEqual(isle.props.memory_limit, 8 << 20)
        self.assertEqual(isle.get_memory_limit(), 8 << 20)
        self.assertGreater(isle.get_memory_in_use(), 0)

    def test_defaults(self):
        isle = self.new_isle()
        self.assertEqual(isle.props.libraries, GIsle.IsleLibraries.SAFE)
        self.assertEqual(isle.props.memory_limit, 0)
        self.assertEqual(isle.props.thread_name, 'gisle')
        self.assertFalse(isle.props.closed)
        self.assertFalse(isle.props.defunct)

    def test_libraries(self):
        flags = GIsle.IsleLibraries.BASE | GIsle.IsleLibraries.MATH
        isle = self.new_isle(libraries=flags)
        self.assertEqual(isle.props.libraries, flags)
        self.assertEqual(self.eval_async(isle, 'return type(math), type(string), type(os)').unpack(),
                         ('table', 'nil', 'nil'))
        bare = self.new_isle(libraries=GIsle.IsleLibraries.NONE)
        self.assertEqual(self.eval_async(bare, 'return print == nil, isle ~= nil').unpack(),
                         (True, True))

    def test_setup_code_and_thread_name(self):
        isle = self.new_isle(setup_code='greeting = "hi"', thread_name='py-isle')
        self.assertEqual(isle.props.thread_name, 'py-isle')
        self.assertEqual(self.eval_async(isle, 'return greeting').unpack(), ('hi',))

    def test_default_timeout(self):
        isle = self.new_isle()
        notified = []
        isle.connect('notify::default-timeout', lambda *a: notified.append(True))
        isle.props.default_timeout = 50
        self.assertEqual(isle.get_default_timeout(), 50)
        self.assertEqual(notified, [True])
        with self.assertRaises(GLib.Error) as cm:
            self.eval_async(isle, 'while true do end')
        self.assertTrue(cm.exception.matches(IO_ERROR, Gio.IOErrorEnum.TIMED_OUT))


class TestSignals(IsleTestCase):
    def test_progress(self):
        isle = self.new_isle()
        reports = []
        isle.connect('progress', lambda i, job, fraction, text: reports.append((job, fraction, text)))
        done = []
        job = isle.eval_full_async('isle.progress(0.25, "loading") isle.progress(2) return 1',
                                   None, 0, None, lambda s, r: done.append(s.eval_full_finish(r)))
        self.run_until(lambda: done)
        self.assertEqual(reports, [(job, 0.25, 'loading'), (job, 1.0, None)])

    def test_event_with_detail(self):
        isle = self.new_isle()
        pings, everything = [], []
        isle.connect('event::ping', lambda i, name, value: pings.append((name, value.unpack())))
        isle.connect('event', lambda i, name, value: everything.append((name, value.get_type_string())))
        self.eval_async(isle, 'isle.emit("ping", {n = 1}) isle.emit("pong") isle.emit("ping", "again")')
        self.assertEqual(pings, [('ping', {'n': 1}), ('ping', 'again')])
        self.assertEqual(everything, [('ping', 'a{sv}'), ('pong', 'mv'), ('ping', 's')])

    def test_event_handler_runs_on_main_thread(self):
        import threading
        isle = self.new_isle()
        threads = []
        isle.connect('event', lambda *a: threads.append(threading.current_thread()))
        isle.add_function('where', lambda *a: threads.append(threading.current_thread()))
        self.eval_async(isle, 'isle.emit("x") where()')
        self.assertEqual(threads, [threading.main_thread()] * 2)


class TestClose(IsleTestCase):
    def test_close(self):
        isle = self.new_isle()
        notified = []
        isle.connect('notify::closed', lambda *a: notified.append(True))
        self.assertTrue(isle.close(None))
        self.assertTrue(isle.props.closed)
        self.assertTrue(isle.is_closed())
        self.assertTrue(isle.close(None), 'closing twice is harmless')
        self.run_until(lambda: notified, 'notify::closed')

    def test_close_async_stops_running_and_queued_jobs(self):
        isle = self.new_isle()
        outcomes = {}

        def record(key):
            def callback(source, result):
                try:
                    source.eval_finish(result)
                    outcomes[key] = 'ok'
                except GLib.Error as e:
                    outcomes[key] = (e.domain, e.code)
            return callback

        closed = []
        isle.connect('event::started', lambda *a: isle.close_async(
            None, lambda s, r: closed.append(s.close_finish(r))))
        isle.eval_async('isle.emit("started") while true do end', None, record('running'))
        isle.eval_async('return 1', None, record('queued'))
        self.run_until(lambda: closed and len(outcomes) == 2, 'close_async')
        self.assertEqual(closed, [True])
        self.assertEqual(outcomes['running'], ('g-io-error-quark', Gio.IOErrorEnum.CANCELLED))
        self.assertEqual(outcomes['queued'], ('g-isle-error-quark', GIsle.IsleError.CLOSED))
        self.assertTrue(isle.props.closed)

class TestOverride(IsleTestCase):
    """The gi/overrides/GIsle.py module: native values, plain callables,
    awaitables."""

    def test_override_is_loaded(self):
        self.assertTrue(GIsle.Isle.__module__.startswith('gi.overrides'), GIsle.Isle.__module__)
        self.assertTrue(callable(GIsle.asyncio_run))

    def test_eval_returns_native_values(self):
        isle = self.new_isle()
        self.assertIsNone(isle.eval('local x = 1'))
        self.assertEqual(isle.eval('return 42'), 42)
        self.assertEqual(isle.eval('return 1, "two", {3, 4}, {k = true}, "a\\0b", nil'),
                         (1, 'two', [3, 4], {'k': True}, b'a\x00b', None))
        self.assertEqual(isle.eval('return {[true] = 1, [2.5] = "f"}'), {True: 1, 2.5: 'f'})
        self.assertEqual(isle.eval_full('return ...', 'named', 0), None)
        self.assertEqual(isle.eval_variant('return 1').unpack(), (1,))

    def test_call_takes_native_arguments(self):
        isle = self.new_isle()
        isle.eval("""
            function describe(...)
              local t = {select("#", ...)}
              for i = 1, select("#", ...) do
                local v = select(i, ...)
                t[#t + 1] = type(v) == "table" and (#v .. ":" .. tostring(v.k)) or tostring(v)
              end
              return table.unpack(t)
            end
        """)
        self.assertEqual(isle.call('describe', 1, 'x', [1, 2], {'k': 2.5}, None, True, b'\x00'),
                         (7, '1', 'x', '2:nil', '0:2.5', 'nil', 'true', b'\x00'))
        self.assertEqual(isle.call('math.max', 3, 9, 4), 9)
        self.assertEqual(isle.call('string.len', 'héllo', cancellable=Gio.Cancellable()), 6)
        self.assertEqual(isle.call('tostring', 1 << 63), '9.2233720368548e+18')

    def test_argument_that_cannot_enter_is_a_type_error(self):
        isle = self.new_isle()
        with self.assertRaises(TypeError) as cm:
            isle.call('print', 1, {'f': object()})
        self.assertIn("argument 2['f']", str(cm.exception))

    def test_host_function_is_a_plain_callable(self):
        isle = self.new_isle()
        isle.add_function('app.add', lambda a, b: a + b)
        isle.add_function('app.split', lambda s: tuple(s.split(',')))
        isle.add_function('app.nothing', lambda *args: None)
        isle.add_function('app.table', lambda: {'list': [1, 2], 'raw': b'\x01\x00'})
        self.assertEqual(isle.eval('return app.add(2, 40)'), 42)
        self.assertEqual(isle.eval('return app.split("a,b,c")'), ('a', 'b', 'c'))
        self.assertEqual(isle.eval('return select("#", app.nothing(1, 2))'), 0)
        self.assertEqual(isle.eval('local t = app.table() return t.list[2], #t.raw'), (2, 2))

    def test_exception_in_host_function_is_a_lua_error(self):
        isle = self.new_isle()
        born = {'ada': 1815}
        isle.add_function('app.born', lambda name: born[name])
        self.assertEqual(isle.eval('return app.born("ada")'), 1815)
        # Was pcall() == true and a nil result: the KeyError never reached Lua.
        self.assertEqual(isle.eval('return pcall(app.born, 42)'), (False, 'KeyError: 42'))
        error = self.assertIsleError(GIsle.IsleError.RUNTIME, isle.eval, 'app.born("bob")')
        self.assertIn("KeyError: 'bob'", error.message)

        def fails():
            raise ValueError('bad value')
        isle.add_function('app.fails', fails)
        self.assertEqual(isle.eval('return pcall(app.fails)'), (False, 'ValueError: bad value'))

    def test_returning_what_cannot_enter_is_a_lua_error(self):
        isle = self.new_isle()
        isle.add_function('app.obj', lambda: object())
        ok, message = isle.eval('return pcall(app.obj)')
        self.assertFalse(ok)
        self.assertIn('host function "app.obj" returned object', message)
        # The C form: a value that is not a GLib.Variant was silently nothing.
        isle.add_variant_function('app.raw', lambda i, args, c: 42)
        ok, message = isle.eval('return pcall(app.raw)')
        self.assertFalse(ok)
        self.assertIn('returned int 42 where a GLib.Variant or None was expected', message)

    def test_memory_in_use_is_a_property(self):
        isle = self.new_isle()
        self.assertIn('memory-in-use', [p.name for p in GIsle.Isle.list_properties()])
        before = isle.props.memory_in_use
        self.assertGreater(before, 1000)
        isle.eval('big = string.rep("x", 1 << 20)')
        self.assertGreater(isle.memory_in_use, before + (1 << 20) - 1)
        self.assertEqual(isle.get_memory_in_use(), isle.props.memory_in_use)

    def test_mismatched_finish_is_a_clear_error(self):
        isle = self.new_isle()
        res = self.wait_async(lambda cb: isle.eval_full_async('return 1', None, 0, None, cb))
        with self.assertRaises(GLib.Error) as cm:
            isle.eval_finish(res)
        self.assertIn('g_isle_eval_finish() cannot finish a call started with '
                      'g_isle_eval_full_async(): use g_isle_eval_full_finish()',
                      cm.exception.message)
        res = self.wait_async(lambda cb: isle.call_async('tostring', GLib.Variant('(x)', (1,)),
                                                         None, cb))
        with self.assertRaises(GLib.Error) as cm:
            isle.call_full_finish(res)
        self.assertIn('use g_isle_call_finish()', cm.exception.message)


class TestAsyncio(IsleTestCase):
    """await on every _async method, on GIsle.GLibEventLoop."""

    def run_coroutine(self, coroutine):
        async def bounded():
            return await asyncio.wait_for(coroutine, TIMEOUT)
        return GIsle.asyncio_run(bounded())

    def test_await_every_async_method(self):
        async def main():
            isle = self.track(await GIsle.Isle.new_async())
            self.assertEqual(await isle.eval_async('function f(a, b) return a .. b, #b end return 1'), 1)
            future = isle.eval_full_async('return ...', 'chunk', 0)
            self.assertGreater(future.job_id, 0)
            self.assertIsNone(await future)
            self.assertEqual(await isle.call_async('f', ['x', 'yz']), ('xyz', 2))
            self.assertEqual(await isle.call_full_async('f', ['a', 'b'], 1000), ('ab', 1))
            plain = self.track(GIsle.Isle())
            self.assertTrue(await plain.init_async())
            pool = GIsle.IslePool.new(None, 1, False)
            pooled = await pool.checkout_async(0)
            self.assertEqual(await pooled.eval_async('return 5'), 5)
            pool.discard(pooled)
            self.assertTrue(await isle.close_async())
            return 'done'
        self.assertEqual(self.run_coroutine(main()), 'done')

    def test_await_the_debugger(self):
        async def main():
            isle = self.new_isle()
            debugger = GIsle.IsleDebugger.new(isle)
            debugger.add_breakpoint('job', 2, None)
            paused = asyncio.get_running_loop().create_future()
            debugger.connect('paused', lambda d, reason, chunk, line, message:
                             paused.set_result(line) if not paused.done() else None)
            job = isle.eval_full_async('local x = 1\nreturn x\n', '=job', 0)
            self.assertEqual(await paused, 2)
            frames = (await debugger.get_stack_async()).unpack()
            self.assertEqual(frames[0]['line'], 2)
            variables = (await debugger.get_variables_async(0)).unpack()
            self.assertEqual(variables['locals'], [('x', 1)])
            self.assertTrue(await debugger.set_local_async(0, 'x', GLib.Variant('x', 3)))
            self.assertEqual((await debugger.evaluate_async(0, 'x + 1')).unpack(), 4)
            self.assertTrue(debugger.resume())
            self.assertEqual(await job, 3)
            debugger.detach()
        self.run_coroutine(main())

    def test_errors_are_raised(self):
        async def main():
            isle = self.new_isle()
            with self.assertRaises(GLib.Error) as cm:
                await isle.eval_async('error("boom")')
            self.assertTrue(cm.exception.matches(ISLE_ERROR, GIsle.IsleError.RUNTIME))
            self.assertIn('boom', cm.exception.message)
        self.run_coroutine(main())

    def test_host_functions_and_signals_run_while_awaiting(self):
        async def main():
            isle = self.new_isle()
            events = []
            isle.connect('event', lambda i, name, value: events.append(name))
            isle.add_function('twice', lambda n: n * 2)
            results = await asyncio.gather(*(isle.eval_async(f'isle.emit("e{i}") return twice({i})')
                                             for i in range(5)))
            self.assertEqual(results, [0, 2, 4, 6, 8])
            self.assertEqual(events, [f'e{i}' for i in range(5)])
        self.run_coroutine(main())

    def test_cancelling_the_task_stops_the_script(self):
        async def main():
            isle = self.new_isle()
            started = asyncio.get_running_loop().create_future()
            isle.connect('event::started', lambda *a: started.set_result(True))
            task = asyncio.ensure_future(isle.eval_async('isle.emit("started") while true do end'))
            await started
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
            # The isle is free again: the loop was stopped, not abandoned.
            self.assertEqual(await isle.eval_async('return "free"'), 'free')
        self.run_coroutine(main())

    def test_async_host_function_is_a_coroutine(self):
        async def main():
            isle = self.new_isle()
            started = asyncio.get_running_loop().create_future()

            async def fetch(key):
                await asyncio.sleep(0)  # really asynchronous: yields to the loop
                if key == 'missing':
                    raise LookupError(key)
                return {'key': key}, len(key)

            task_cancelled = asyncio.get_running_loop().create_future()

            async def forever():
                started.set_result(True)
                try:
                    await asyncio.get_running_loop().create_future()  # never answers
                except asyncio.CancelledError:
                    task_cancelled.set_result(True)
                    raise

            isle.add_async_function('app.fetch', fetch)
            isle.add_async_function('app.forever', forever)
            self.assertEqual(await isle.eval_async('local t, n = app.fetch("abc") return t.key, n'),
                             ('abc', 3))
            self.assertEqual(await isle.eval_async('return pcall(app.fetch, "missing")'),
                             (False, "LookupError: missing"))
            stop = Gio.Cancellable()
            waiting = asyncio.ensure_future(isle.eval_async('app.forever()', stop))
            await started
            stop.cancel()
            with self.assertRaises(GLib.Error) as cm:
                await waiting
            self.assertTrue(cm.exception.matches(IO_ERROR, Gio.IOErrorEnum.CANCELLED))
            # Stopping the script cancelled the host function's task.
            self.assertTrue(await task_cancelled)
        self.run_coroutine(main())

    def test_without_the_glib_loop_a_clear_error(self):
        isle = self.new_isle()

        async def main():
            with self.assertRaises(RuntimeError) as cm:
                isle.eval_async('return 1')
            self.assertIn('GIsle.asyncio_run()', str(cm.exception))
        asyncio.run(main())

class TestErrorInfo(IsleTestCase):
    """Where an error happened, as data: GLib.Error.info."""

    CODE = 'local function inner(t)\n  return t.x.y\nend\nfunction outer() return (inner({})) end\nouter()\n'

    def test_runtime_error_info_blocking(self):
        isle = self.new_isle()
        error = self.assertIsleError(GIsle.IsleError.RUNTIME, isle.eval_full, self.CODE, '=script.lua', 0)
        info = error.info
        self.assertEqual((info.chunk, info.line), ('script.lua', 2))
        self.assertTrue(info.message.startswith("script.lua:2: attempt to index a nil value (field 'x')"),
                        info.message)
        self.assertEqual(info.frames[:3], [('script.lua', 2, 'inner'), ('script.lua', 4, 'outer'),
                                           ('script.lua', 5, 'main chunk')])

    def test_error_info_from_finish_and_await(self):
        isle = self.new_isle()
        res = self.wait_async(lambda cb: isle.eval_full_async('\nerror("boom")', '=a.lua', 0, None, cb))
        with self.assertRaises(GLib.Error) as cm:
            isle.eval_full_finish(res)
        self.assertEqual((cm.exception.info.chunk, cm.exception.info.line), ('a.lua', 2))
        self.assertEqual(cm.exception.info.frames[0], ('[C]', -1, 'error'))

        async def main():
            with self.assertRaises(GLib.Error) as cm:
                await isle.eval_full_async('x = = 1', '=b.lua', 0)
            return cm.exception.info
        info = GIsle.asyncio_run(main())
        self.assertEqual((info.chunk, info.line, info.frames), ('b.lua', 1, []))

    def test_errors_without_location_have_no_info(self):
        isle = self.new_isle()
        error = self.assertIsleError(GIsle.IsleError.NOT_FOUND, isle.call, 'nosuch')
        self.assertIsNone(error.info)


def main():
    """Runs every test and prints TAP; the exit status is 1 on any failure."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    tests = []

    def flatten(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                flatten(t)
            else:
                tests.append(t)

    flatten(suite)
    if len(sys.argv) > 1:
        tests = [t for t in tests if any(arg in t.id() for arg in sys.argv[1:])]
    print(f'1..{len(tests)}', flush=True)
    failed = 0
    for n, test in enumerate(tests, 1):
        result = unittest.TestResult()
        test.run(result)
        name = test.id().removeprefix('__main__.')
        problems = result.failures + result.errors
        if problems or result.unexpectedSuccesses:
            failed += 1
            print(f'not ok {n} - {name}')
            for _, text in problems:
                for line in text.rstrip().splitlines():
                    print(f'# {line}')
        elif result.skipped:
            print(f'ok {n} - {name} # SKIP {result.skipped[0][1]}')
        else:
            print(f'ok {n} - {name}')
        sys.stdout.flush()
    print(f'# {len(tests) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        sys.exit(1)
