#!/usr/bin/python3
# hello.py: a first GIsle program in Python (PyGObject).
#
# Creates an isle, shows its output, runs a chunk, calls a Lua function with
# arguments, gives the script a host function, stops a runaway loop with a
# Gio.Cancellable, and closes the isle. hello.c and hello.js are the same
# program in C and JavaScript.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys

import gi
gi.require_version('GIsle', '1.0')
from gi.repository import GIsle, GLib, Gio  # noqa: E402


def wait_for(start):
    """Starts an async call and iterates the main context until it is done.

    start(callback) begins the call. An application would instead let its
    main loop run and handle the result in the callback.
    """
    results = []
    start(lambda source, result: results.append(result))
    context = GLib.MainContext.default()
    while not results:
        context.iteration(True)
    return results[0]


def on_output(isle, job_id, stream, text):
    """Output the script writes arrives here, in the main context, in order."""
    prefix = '' if stream == GIsle.IsleStream.STDOUT else '[stderr] '
    print(prefix + text, end='', flush=True)


def greet(isle, args, cancellable):
    """A host function: runs in the main context while the script waits."""
    if args.get_type_string() != '(s)':
        # Raise GLib.Error: PyGObject only passes that kind of exception on.
        raise GLib.Error.new_literal(GIsle.isle_error_quark(), 'greet() wants one string',
                                     GIsle.IsleError.FAILED)
    name, = args.unpack()
    return GLib.Variant('s', f'Hello, {name}!')


def main():
    # 1. Create an isle: a Lua state on its own thread.
    isle = GIsle.Isle.new(None)

    # 2. Capture what scripts print.
    isle.connect('output', on_output)

    # 3. Run a chunk; it defines a function and returns a value.
    result = wait_for(lambda cb: isle.eval_async('''
        print('Hello from ' .. _VERSION)
        function add(a, b) return a + b end
        return 6 * 7
    ''', None, cb))
    answer, = isle.eval_finish(result).unpack()
    print(f'The chunk returned {answer}')

    # 4. Call a Lua function with arguments (a tuple).
    args = GLib.Variant('(xx)', (2, 40))
    result = wait_for(lambda cb: isle.call_async('add', args, None, cb))
    total, = isle.call_finish(result).unpack()
    print(f'add(2, 40) = {total}')

    # 5. Give scripts a host function.
    isle.add_function('greet', greet)
    result = wait_for(lambda cb: isle.eval_async("print(greet('world'))", None, cb))
    isle.eval_finish(result)

    # 6. Stop a runaway loop with a cancellable. Scripts send events with
    # isle.emit(); this one stands in for a user pressing a Stop button.
    stop = Gio.Cancellable()

    def on_looping(isle, name, value):
        print('The script is looping; pressing Stop.')
        stop.cancel()

    isle.connect('event::looping', on_looping)
    result = wait_for(lambda cb: isle.eval_async("isle.emit('looping') while true do end", stop, cb))
    try:
        isle.eval_finish(result)
        sys.exit('the loop was not cancelled')
    except GLib.Error as error:
        if not error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
            raise
        print(f'Stopped: {error.message}')

    # 7. Close: the thread ends and the Lua state is freed.
    result = wait_for(lambda cb: isle.close_async(None, cb))
    isle.close_finish(result)
    print('Closed.')


if __name__ == '__main__':
    main()
