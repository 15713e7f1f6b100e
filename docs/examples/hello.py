#!/usr/bin/python3
# hello.py: a first GIsle program in Python (PyGObject).
#
# Creates an isle, shows its output, runs a chunk, calls a Lua function with
# arguments, gives the script a host function, stops a runaway loop with a
# Gio.Cancellable, and closes the isle. hello.c and hello.js are the same
# program in C and JavaScript.
#
# GIsle's PyGObject override (gi/overrides/GIsle.py, installed with the
# library) gives native Python values and awaitable _async methods; asyncio
# code runs on GIsle.asyncio_run(), which also runs the GLib main context.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys

import gi
gi.require_version('GIsle', '1.0')
from gi.repository import GIsle, GLib, Gio  # noqa: E402


def on_output(isle, job_id, stream, text):
    """Output the script writes arrives here, in the main context, in order."""
    prefix = '' if stream == GIsle.IsleStream.STDOUT else '[stderr] '
    print(prefix + text, end='', flush=True)


def greet(name):
    """A host function: runs in the main context while the script waits.

    It takes and returns Python values; an exception it raises is a Lua
    error in the script ("TypeError: ...")."""
    if not isinstance(name, str):
        raise TypeError('greet() wants one string')
    return f'Hello, {name}!'


async def main():
    # 1. Create an isle: a Lua state on its own thread.
    isle = await GIsle.Isle.new_async()

    # 2. Capture what scripts print.
    isle.connect('output', on_output)

    # 3. Run a chunk; it defines a function and returns a value.
    answer = await isle.eval_async('''
        print('Hello from ' .. _VERSION)
        function add(a, b) return a + b end
        return 6 * 7
    ''')
    print(f'The chunk returned {answer}')

    # 4. Call a Lua function with arguments.
    total = await isle.call_async('add', [2, 40])
    print(f'add(2, 40) = {total}')

    # 5. Give scripts a host function.
    isle.add_function('greet', greet)
    await isle.eval_async("print(greet('world'))")

    # 6. Stop a runaway loop with a cancellable. Scripts send events with
    # isle.emit(); this one stands in for a user pressing a Stop button.
    # (Cancelling the asyncio task awaiting the call stops it too.)
    stop = Gio.Cancellable()

    def on_looping(isle, name, value):
        print('The script is looping; pressing Stop.')
        stop.cancel()

    isle.connect('event::looping', on_looping)
    try:
        await isle.eval_async("isle.emit('looping') while true do end", stop)
        sys.exit('the loop was not cancelled')
    except GLib.Error as error:
        if not error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
            raise
        print(f'Stopped: {error.message}')

    # 7. Close: the thread ends and the Lua state is freed.
    await isle.close_async()
    print('Closed.')


if __name__ == '__main__':
    GIsle.asyncio_run(main())
