#!/usr/bin/python3
# test-repl.py: drives gisle-repl through pipes and a pseudo-terminal.
#
# Usage: test-repl.py PATH-TO-GISLE-REPL [unittest arguments]
# Needs only Python's standard library. Every read has a deadline, so a
# broken REPL fails a test instead of hanging it; nothing sleeps to wait.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time
import unittest
import unittest.mock

REPL = None
TIMEOUT = 10  # seconds, for every read and every run


def run(lines='', args=()):
    """Runs the REPL with stdin from a pipe until it exits at EOF."""
    return subprocess.run([REPL, *args], input=lines, capture_output=True,
                          text=True, timeout=TIMEOUT)


class Reader:
    """Reads a file descriptor until some text has arrived, with a deadline."""

    def __init__(self, fd):
        self.fd = fd
        self.data = b''

    def _read_some(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        ready, _, _ = select.select([self.fd], [], [], remaining)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # EIO: the pty's other side has closed
            chunk = b''
        if not chunk:
            raise EOFError(self.data)
        self.data += chunk
        return True

    def expect(self, text):
        """Waits for text; returns everything up to and including it."""
        want = text.encode()
        deadline = time.monotonic() + TIMEOUT
        while want not in self.data:
            if not self._read_some(deadline):
                raise AssertionError(f'timed out waiting for {text!r}; got {self.data!r}')
        before, _, self.data = self.data.partition(want)
        return (before + want).decode()

    def rest(self):
        """Reads until end of file."""
        deadline = time.monotonic() + TIMEOUT
        try:
            while self._read_some(deadline):
                pass
        except EOFError:
            data, self.data = self.data, b''
            return data.decode()
        raise AssertionError(f'timed out waiting for end of file; got {self.data!r}')


class PipeTests(unittest.TestCase):
    """Standard input is a pipe: no prompts, results on stdout."""

    def check(self, lines, stdout, stderr='', args=(), status=0):
        result = run(lines, args)
        self.assertEqual(result.stdout, stdout)
        self.assertEqual(result.stderr, stderr)
        self.assertEqual(result.returncode, status)
        return result

    def test_expression(self):
        self.check('1+1\n', '2\n')

    def test_equals_means_return(self):
        self.check('=  "a".."b"\n', 'ab\n')

    def test_state_persists(self):
        self.check('x = 10\nx*2\n', '20\n')

    def test_empty_line(self):
        self.check('\n\n1\n', '1\n')

    def test_continuation(self):
        self.check('function f()\nreturn 42\nend\nf()\n', '42\n')

    def test_expression_continuation(self):
        # Unfinished expressions continue too, and still print.
        self.check('1 +\n2\nmath.max(1,\n5)\n= 3 *\n4\n', '3\n5\n12\n')

    def test_print(self):
        self.check('print("hi")\n', 'hi\n')

    def test_output_before_results(self):
        self.check('for i = 1, 3 do print(i) end return "done"\n',
                   '1\n2\n3\ndone\n')

    def test_multiple_values(self):
        self.check('return 1, "two", nil, true\n', '1\ttwo\tnil\ttrue\n')

    def test_nil_and_booleans(self):
        self.check('nil\nfalse\n', 'nil\nfalse\n')

    def test_numbers(self):
        self.check('3 // 1\n10 / 2\n1 / 2\n2^53\n-7\nmath.huge\n-math.huge\n'
                   'math.maxinteger\n0.1\n',
                   '3\n5.0\n0.5\n9.007199254741e+15\n-7\ninf\n-inf\n'
                   '9223372036854775807\n0.1\n')

    def test_sequence(self):
        self.check('{1, 2, 3}\n{"a", 2.5, true}\n',
                   '{1, 2, 3}\n{"a", 2.5, true}\n')

    def test_record(self):
        self.check('{y = "s", x = 1, ["not a name"] = 2, ["end"] = 3}\n',
                   '{["end"] = 3, ["not a name"] = 2, x = 1, y = "s"}\n')

    def test_mixed_and_sparse(self):
        self.check('{1, 2, x = 3}\n{[10] = "a", [-1] = "b"}\n',
                   '{1, 2, x = 3}\n{[-1] = "b", [10] = "a"}\n')

    def test_nested(self):
        self.check('{{1, 2}, {k = "v\\n"}}\n{}\n',
                   '{{1, 2}, {k = "v\\n"}}\n{}\n')

    def test_string_raw_at_top_level(self):
        self.check('"a\\tb"\n', 'a\tb\n')

    def test_syntax_error(self):
        # Piped input stops at the first error, like `lua -`.
        result = self.check('x = = 1\n1+1\n', '', stderr=unittest.mock.ANY, status=1)
        self.assertRegex(result.stderr, r"^stdin:1: .*near '='\n$")

    def test_runtime_error(self):
        result = self.check('print(1)\nerror("boom")\n"not reached"\n', '1\n',
                            stderr=unittest.mock.ANY, status=1)
        self.assertTrue(result.stderr.startswith('stdin:1: boom'), result.stderr)
        self.assertIn('traceback', result.stderr)

    def test_error_line_number(self):
        # Was stdin:2: the result wrapper shifted the line.
        result = self.check('nosuch.f\n', '', stderr=unittest.mock.ANY, status=1)
        self.assertTrue(result.stderr.startswith(
            "stdin:1: attempt to index a nil value (global 'nosuch')\n"), result.stderr)
        result = self.check('local t = {}\nreturn t.x.y\n', '', stderr=unittest.mock.ANY, status=1)
        self.assertTrue(result.stderr.startswith("stdin:1: attempt to index a nil value"),
                        result.stderr)

    def test_interactive_pipe_goes_on_after_errors(self):
        result = self.check('error("boom")\nx = = 1\n"still here"\n', 'still here\n',
                            args=['-i'], stderr=unittest.mock.ANY)
        self.assertIn('stdin:1: boom', result.stderr)

    def test_incomplete_at_eof(self):
        result = self.check('function g()\n', '', stderr=unittest.mock.ANY, status=1)
        self.assertRegex(result.stderr, r'<eof>\n$')

    def test_results_print_like_lua(self):
        # Functions, cycles, __tostring and __name as lua.c shows them
        # (Debian's Lua 5.4.4 prints "function: 0x..." for every function).
        result = self.check('return print\n'
                            't = {} t.self = t return t\n'
                            'return setmetatable({}, {__tostring = function () return "X!" end})\n'
                            'return setmetatable({}, {__name = "Point"})\n'
                            'return {n = setmetatable({}, {__tostring = function () return "inner" end})}\n'
                            'return coroutine.create(print), 1, nil\n',
                            unittest.mock.ANY)
        self.assertRegex(result.stdout,
                         r'^function: 0x[0-9a-f]+\n'
                         r'\{self = table: 0x[0-9a-f]+\}\n'
                         r'X!\n'
                         r'Point: 0x[0-9a-f]+\n'
                         r'\{n = inner\}\n'
                         r'thread: 0x[0-9a-f]+\t1\tnil\n$')

    def test_stderr_and_warnings(self):
        self.check('local _ = io.stderr:write("err\\n")\nwarn("@on") warn("hey")\n', '',
                   stderr='err\nLua warning: hey\n')

    def test_values_that_cannot_leave(self):
        # Shown as tostring() shows them, as lua.c does, not as errors.
        result = self.check('print\nio.write("w\\n")\n{f = print, [print] = 1}\n'
                            't = {1} t[2] = t\nt\n', unittest.mock.ANY)
        self.assertRegex(result.stdout,
                         r'^function: \S+\n'
                         r'w\n\S.*\n'
                         r'\{f = function: \S+, \[function: \S+\] = 1\}\n'
                         r'\{1, table: 0x[0-9a-f]+\}\n$')

    def test_statement_results(self):
        self.check('print("hi") return 5\n', 'hi\n5\n')

    def test_safe_by_default(self):
        self.check('os.getenv == nil, os.execute == nil\n', 'true\ttrue\n')

    def test_trusted(self):
        self.check('os.getenv ~= nil, os.execute ~= nil\n', 'true\ttrue\n',
                   args=['--trusted'])

    def test_memory_limit(self):
        result = self.check('s = string.rep("x", 64 * 1024 * 1024)\n1+1\n', '2\n',
                            args=['-i', '--memory-limit', str(16 * 1024 * 1024)],
                            stderr=unittest.mock.ANY)
        self.assertIn('memory', result.stderr)

    def test_timeout(self):
        result = self.check('while true do end\n1+1\n', '2\n',
                            args=['-i', '--timeout', '200'], stderr=unittest.mock.ANY)
        self.assertNotEqual(result.stderr, '')

    def test_bad_option(self):
        result = self.check('', '', args=['--timeout', 'soon'],
                            stderr=unittest.mock.ANY, status=1)
        self.assertTrue(result.stderr.startswith('gisle-repl: '), result.stderr)

    def test_version(self):
        result = self.check('', unittest.mock.ANY, args=['-v'])
        self.assertRegex(result.stdout, r'^gisle-repl \d+\.\d+\.\d+ with Lua 5\.4\n$')


class CommandLineTests(unittest.TestCase):
    """-e, a script file and -i."""

    def test_execute(self):
        # -e runs statements in order, as lua.c; stdin is not read without -i.
        result = run('print("not read")\n', ['-e', 'x = 5', '-e', 'print(x + 1)'])
        self.assertEqual((result.stdout, result.stderr, result.returncode),
                         ('6\n', '', 0))

    def test_execute_error(self):
        result = run('', ['-e', 'error("bad")', '-e', 'print("not run")'])
        self.assertEqual(result.stdout, '')
        self.assertTrue(result.stderr.startswith('(command line):1: bad'), result.stderr)
        self.assertEqual(result.returncode, 1)

    def test_interactive_after_execute(self):
        result = run('y\n', ['-e', 'y = 7', '-i'])
        self.assertEqual((result.stdout, result.stderr, result.returncode),
                         ('7\n', '', 0))

    def script(self, text):
        file = tempfile.NamedTemporaryFile('w', suffix='.lua', delete=False)
        self.addCleanup(os.unlink, file.name)
        with file:
            file.write(text)
        return file.name

    def test_script(self):
        path = self.script('#!/usr/bin/env gisle-repl\nprint("script")\nreturn 3\n')
        result = run('print("not read")\n', [path])
        self.assertEqual((result.stdout, result.stderr, result.returncode),
                         ('script\n', '', 0))

    def test_script_error(self):
        path = self.script('\nerror("line two")\n')
        result = run('', [path])
        self.assertEqual(result.stdout, '')
        self.assertTrue(result.stderr.startswith(f'{path}:2: line two'), result.stderr)
        self.assertEqual(result.returncode, 1)

    def test_script_then_interactive(self):
        path = self.script('z = "from script"\n')
        result = run('z\n', ['-i', path])
        self.assertEqual((result.stdout, result.stderr, result.returncode),
                         ('from script\n', '', 0))

    def test_script_arguments(self):
        path = self.script('print(select("#", ...), ...)\n'
                           'print(arg[0] == ..., arg[1], arg[2], #arg, arg[-1] ~= nil)\n')
        result = run('', ['-e', 'x = 1', path, 'one', '-e'])
        self.assertEqual((result.stderr, result.returncode), ('', 0))
        self.assertEqual(result.stdout, f'2\tone\t-e\nfalse\tone\t-e\t2\ttrue\n')
        result = run('', [path])
        self.assertEqual(result.stdout, '0\nfalse\tnil\tnil\t0\ttrue\n')

    def test_arg_zero_is_the_script(self):
        path = self.script('print(arg[0])\n')
        self.assertEqual(run('', [path]).stdout, f'{path}\n')

    def test_dash_reads_the_script_from_stdin(self):
        result = run('print("from stdin", ...)\nreturn 1\n', ['-', 'a', 'b'])
        self.assertEqual((result.stdout, result.stderr, result.returncode),
                         ('from stdin\ta\tb\n', '', 0))
        result = run('\nerror("second line")\n', ['-'])
        self.assertTrue(result.stderr.startswith('stdin:2: second line'), result.stderr)
        self.assertEqual(result.returncode, 1)

    def test_library(self):
        # -l requires within the sandbox's rules: only with the package library.
        result = run('', ['--trusted', '-l', 'string', '-l', 's=string', '-e', 'print(s.rep("ab", 2))'])
        self.assertEqual((result.stdout, result.stderr, result.returncode), ('abab\n', '', 0))
        result = run('', ['-l', 'string', '-e', 'print("not run")'])
        self.assertEqual(result.stdout, '')
        self.assertIn("cannot load module 'string'", result.stderr)
        self.assertEqual(result.returncode, 1)
        result = run('', ['--trusted', '-l', 'no.such.module'])
        self.assertIn("module 'no.such.module' not found", result.stderr)
        self.assertEqual(result.returncode, 1)

    def test_version_then_work(self):
        result = run('', ['-v', '-e', 'print("after")'])
        self.assertRegex(result.stdout, r'^gisle-repl \d+\.\d+\.\d+ with Lua 5\.4\nafter\n$')

    def test_missing_script(self):
        result = run('', ['/nonexistent/script.lua'])
        self.assertEqual(result.stdout, '')
        self.assertIn('/nonexistent/script.lua', result.stderr)
        self.assertEqual(result.returncode, 1)


class InterruptTests(unittest.TestCase):
    """SIGINT while a chunk runs, and at the prompt, with stdin a pipe."""

    def start(self):
        proc = subprocess.Popen([REPL], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, bufsize=0)
        self.addCleanup(self.reap, proc)
        return proc, Reader(proc.stdout.fileno())

    @staticmethod
    def reap(proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()

    def test_sigint_stops_running_chunk(self):
        proc, out = self.start()
        proc.stdin.write(b'print("started") while true do end\n')
        out.expect('started\n')
        proc.send_signal(signal.SIGINT)
        proc.stdin.write(b'print("alive")\n')
        proc.stdin.close()
        self.assertEqual(out.rest(), 'alive\n')
        self.assertEqual(Reader(proc.stderr.fileno()).rest(), 'Interrupted.\n')
        self.assertEqual(proc.wait(TIMEOUT), 0)

    def test_sigint_stops_pcall_loop(self):
        proc, out = self.start()
        proc.stdin.write(b'print("started") while true do pcall(function () '
                         b'while true do end end) end\n')
        out.expect('started\n')
        proc.send_signal(signal.SIGINT)
        proc.stdin.write(b'1+1\n')
        proc.stdin.close()
        self.assertEqual(out.rest(), '2\n')
        self.assertEqual(Reader(proc.stderr.fileno()).rest(), 'Interrupted.\n')
        self.assertEqual(proc.wait(TIMEOUT), 0)

    def test_sigint_stops_a_flood_at_once(self):
        # Output the stopped job had queued is dropped, with a note: the
        # flood stops at once instead of scrolling its backlog by.
        proc, out = self.start()
        proc.stdin.write(b'while true do print("flood") end\n')
        out.expect('flood\n')
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.stdin.write(b'print("alive")\n')
        proc.stdin.close()
        rest = out.rest()
        elapsed = time.monotonic() - start
        after = rest.count('flood\n')
        self.assertTrue(rest.endswith('alive\n'), rest[-200:])
        stderr = Reader(proc.stderr.fileno()).rest()
        # A fast reader may leave nothing queued to drop (see the terminal
        # test for the note).
        self.assertRegex(stderr, r'^Interrupted( \(\d+ lines? of queued output dropped\))?\.\n$')
        print(f'\n# pipe flood: {after} lines (64 KiB of pipe buffer included) and '
              f'{elapsed * 1000:.0f} ms after SIGINT; {stderr.strip()}', file=sys.stderr)
        self.assertLess(after, 20000)
        self.assertEqual(proc.wait(TIMEOUT), 0)

    def test_sigint_at_prompt_exits(self):
        proc, out = self.start()
        proc.stdin.write(b'1+1\n')
        out.expect('2\n')
        # Nothing runs and stdin stays open: Ctrl-C ends the REPL.
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(TIMEOUT), 0)
        self.assertEqual(out.rest(), '')


class TerminalTests(unittest.TestCase):
    """A pseudo-terminal: banner, prompts, Ctrl-C and Ctrl-D typed as keys."""

    def start(self, echo=False, history=''):
        pid, fd = pty.fork()
        if pid == 0:
            # No CR/LF translation; without echo, the output is exactly the
            # REPL's (libedit does not edit a terminal without echo).
            attrs = termios.tcgetattr(0)
            attrs[1] &= ~termios.OPOST
            if not echo:
                attrs[3] &= ~termios.ECHO
            termios.tcsetattr(0, termios.TCSANOW, attrs)
            # Never the user's own history file.
            os.environ['GISLE_REPL_HISTORY'] = history
            try:
                os.execv(REPL, [REPL])
            finally:
                os._exit(127)
        self.addCleanup(self.reap, pid, fd)
        self.pid = pid
        return fd, Reader(fd)

    def reap(self, pid, fd):
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)

    def wait_status(self):
        # An alarm bounds the wait (pidfd_open would be neater, but
        # valgrind does not know it, and the valgrind setup wraps us).
        def timed_out(signum, frame):
            raise AssertionError('the REPL did not exit')

        previous = signal.signal(signal.SIGALRM, timed_out)
        signal.alarm(TIMEOUT)
        try:
            _, status = os.waitpid(self.pid, 0)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        return os.waitstatus_to_exitcode(status)

    def test_session(self):
        fd, out = self.start()
        banner = out.expect('\n')
        self.assertRegex(banner, r'^GIsle \d+\.\d+\.\d+ with Lua 5\.4 \u2014 '
                                 r'Ctrl-C stops a running chunk, Ctrl-D exits\n$')
        self.assertEqual(out.expect('> '), '> ')
        os.write(fd, b'1+1\n')
        self.assertEqual(out.expect('> '), '2\n> ')
        os.write(fd, b'function h()\n')
        self.assertEqual(out.expect('>> '), '>> ')
        os.write(fd, b'return 1\n')
        self.assertEqual(out.expect('>> '), '>> ')
        # Ctrl-C drops the unfinished chunk and gives a fresh prompt.
        os.write(fd, b'\x03')
        self.assertEqual(out.expect('> '), '\n> ')
        os.write(fd, b'h == nil\n')
        self.assertEqual(out.expect('> '), 'true\n> ')
        # Ctrl-C stops a running chunk.
        os.write(fd, b'print("go") while true do end\n')
        out.expect('go\n')
        os.write(fd, b'\x03')
        self.assertEqual(out.expect('> '), 'Interrupted.\n> ')
        # Ctrl-D at the prompt ends the session.
        os.write(fd, b'\x04')
        self.assertEqual(out.rest(), '\n')
        self.assertEqual(self.wait_status(), 0)

    def test_line_editing_history_and_completion(self):
        # libedit in a terminal with echo: Tab completes names and fields,
        # Ctrl-A and arrows edit the line, and history survives a restart.
        with tempfile.TemporaryDirectory() as tmp:
            history = os.path.join(tmp, 'state', 'history')
            fd, out = self.start(echo=True, history=history)
            out.expect('> ')
            os.write(fd, b'string.fo\t')
            out.expect('rmat')             # completed to string.format
            os.write(fd, b'("%d", 41 + 1)\r')
            out.expect('42')
            out.expect('> ')
            os.write(fd, b'10+2\x01-\r')   # Ctrl-A: to the start, then "-"
            out.expect('-8')
            out.expect('> ')
            os.write(fd, b'1+1\x1b[D\x7f3\r')  # Left, Backspace, "3": 1+1 becomes 131
            out.expect('131\r\n')
            out.expect('> ')
            os.write(fd, b'\x04')
            out.rest()
            self.assertEqual(self.wait_status(), 0)
            with open(history, encoding='utf-8') as f:
                saved = f.read()
            self.assertIn('string.format("%d",\\04041\\040+\\0401)', saved)
            self.assertIn('-10+2', saved)

            # A new session: Up recalls the last line of the previous one.
            fd, out = self.start(echo=True, history=history)
            out.expect('> ')
            os.write(fd, b'\x1b[A\x1b[A\r')
            out.expect('-10+2')
            out.expect('-8')
            out.expect('> ')               # libedit reads again
            os.write(fd, b'\x04')
            out.rest()
            self.assertEqual(self.wait_status(), 0)

    def test_ctrl_c_stops_a_flood_at_once(self):
        # A terminal is slower than the flood: output queues up. Ctrl-C
        # stops the job and drops the queue, with a note, instead of
        # scrolling it by (before: 2.3 s and ~550 000 lines on a terminal
        # emulator; lua.c stops after ~600 lines).
        fd, out = self.start()
        out.expect('> ')
        os.write(fd, b'while true do print("flood") end\n')
        out.expect('flood\n' * 100)
        start = time.monotonic()
        os.kill(self.pid, signal.SIGINT)
        text = out.expect('> ')
        elapsed = time.monotonic() - start
        after = text.count('flood')
        match = re.search(r'Interrupted \((\d+) lines? of queued output dropped\)\.\n> $', text)
        self.assertIsNotNone(match, text[-300:])
        print(f'\n# terminal flood: {after} lines and {elapsed * 1000:.0f} ms after SIGINT, '
              f'{match.group(1)} queued lines dropped', file=sys.stderr)
        self.assertGreater(int(match.group(1)), 0)
        self.assertLess(after, 20000)
        os.write(fd, b'1+1\n')
        self.assertEqual(out.expect('> '), '2\n> ')

    def test_ctrl_c_at_prompt_exits(self):
        fd, out = self.start()
        out.expect('> ')
        os.write(fd, b'\x03')
        self.assertEqual(out.rest(), '\n')
        self.assertEqual(self.wait_status(), 0)


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(f'usage: {sys.argv[0]} PATH-TO-GISLE-REPL [unittest arguments]')
    REPL = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
