#!/usr/bin/python3
# test-gtk-python.py: the GIsleGtk widgets through PyGObject, as a Python
# application uses them. Needs a display (meson runs it in the ui suite,
# under Xvfb in CI) and GI_TYPELIB_PATH / LD_LIBRARY_PATH pointing at the
# build's lib/ and lib/gtk/. Prints TAP; every wait iterates the main
# context under a deadline.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys
import time
import traceback

import gi
gi.require_version('Gtk', '4.0')
gi.require_version('GtkSource', '5')
gi.require_version('GIsle', '1.0')
gi.require_version('GIsleGtk', '1.0')
from gi.repository import GIsle, GIsleGtk, GLib, Gtk, GtkSource  # noqa: E402

TIMEOUT = 10


def run_until(done, what):
    deadline = time.monotonic() + TIMEOUT
    tick = GLib.timeout_add(5, lambda: True)
    try:
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f'timed out waiting for {what}')
            GLib.MainContext.default().iteration(True)
    finally:
        GLib.source_remove(tick)


def new_console():
    isle = GIsle.Isle.new(None)
    console = GIsleGtk.Console.new(isle)
    window = Gtk.Window(child=console)
    window.present()
    return window, console, isle


def test_console_properties():
    window, console, isle = new_console()
    assert console.props.isle is isle
    assert console.props.state == GIsleGtk.ConsoleState.IDLE
    assert console.props.busy is False
    assert console.props.progress == -1
    assert list(console.props.history) == []
    assert isinstance(console.get_output(), GIsleGtk.Output)
    assert isinstance(console.get_input_view(), GtkSource.View)
    group = console.get_actions()
    assert set(group.list_actions()) == {'run', 'stop', 'clear', 'profile', 'debug', 'continue',
                                         'pause', 'step-over', 'step-into', 'step-out'}
    assert console.props.profiling is False
    # The debugger and profiler widgets, through introspection.
    assert console.props.debugger is None and console.props.paused is False
    assert console.props.profile is None
    panel = GIsleGtk.DebugPanel.new()
    assert panel.props.debugger is None and panel.get_stack().get_n_items() == 0
    view = GIsleGtk.ProfileView.new()
    assert view.get_model().get_n_items() == 0
    editor = GIsleGtk.Editor.new()
    editor.set_text('local a = 1\nlocal b = 2\n', False)
    assert editor.toggle_breakpoint(2) is True
    assert list(editor.get_breakpoints()) == [2]
    assert editor.props.chunk_name == 'untitled.lua'
    assert group.get_action_state('profile').unpack() is False
    window.destroy()


def test_console_runs_and_reports():
    window, console, isle = new_console()
    isle.add_function('double', lambda n: 2 * n)  # the override's plain form
    states, errors, finished = [], [], []
    console.connect('notify::state', lambda c, p: states.append(c.props.state))
    console.connect('script-error', lambda c, name, line, msg: errors.append((name, line, msg)))
    console.connect('finished', lambda c, ok: finished.append(ok))

    console.set_input_text('double(21)')
    console.submit_input()
    run_until(lambda: finished, 'the REPL chunk')
    assert finished == [True]
    assert console.get_output().has_tag_text(GIsleGtk.TextKind.RESULT, '42')
    assert states == [GIsleGtk.ConsoleState.RUNNING, GIsleGtk.ConsoleState.IDLE]
    assert list(console.props.history) == ['double(21)']

    assert console.run_script('local x = 1\nerror("boom")\n', 'script.lua')
    run_until(lambda: len(finished) == 2, 'the script')
    assert finished[1] is False
    assert errors and errors[0][0] == 'script.lua' and errors[0][1] == 2
    assert 'boom' in errors[0][2]
    window.destroy()


def test_console_stop():
    window, console, isle = new_console()
    finished = []
    console.connect('finished', lambda c, ok: finished.append(ok))
    assert console.run_script('while true do end', 'loop.lua')
    assert console.props.busy
    console.get_actions().activate_action('stop', None)
    run_until(lambda: finished, 'the stop')
    assert console.get_output().has_tag_text(GIsleGtk.TextKind.INFO, 'Stopped after')
    window.destroy()


def test_editor_and_formatter():
    editor = GIsleGtk.Editor.new()
    editor.set_text('print(1)\nprint(x.y)\n', False)
    editor.set_error(2, 'attempt to index a nil value')
    assert editor.get_error_line() == 2
    assert editor.get_error_message() == 'attempt to index a nil value'
    editor.get_buffer().insert_at_cursor(' ', 1)
    assert editor.get_error_line() == -1
    assert GIsleGtk.format_value(GLib.Variant('a{sv}', {'a': GLib.Variant('x', 1)})) == '{ a = 1 }'
    assert GIsleGtk.find_error_line('x.lua:3: boom', 'x.lua') == 3
    provider = GIsleGtk.CompletionProvider.new(None)
    assert isinstance(provider, GtkSource.CompletionProvider)


def test_exposed_window():
    # A Python application exposes its window; a script on the isle's
    # thread retitles it, resizes it and reaches its child, every touch in
    # this (the main) thread.
    isle = GIsle.Isle.new(None)
    label = Gtk.Label(label='start')
    # Not presented: a configure event from the X server could reset the
    # default size the script sets.
    window = Gtk.Window(title='old', child=label)
    isle.expose_object('win', window)
    adj = Gtk.Adjustment()
    isle.expose_object('adj', adj)
    done = []
    isle.eval_async("""
        win.title = 'Report ' .. 7
        win:set_default_size(800, 600)
        local child = win:get_child()
        child.label = 'hello'
        local ok, e = pcall(function () win:destroy() end)
        -- gfloat and gdouble arguments and results
        child:set_xalign(0.25)
        local fok, fe = pcall(function () child:set_xalign(1e300) end)
        adj:configure(2.5, 0, 10.5, 0.5, 1, 0)
        return win:get_title(), child:get_label(), child == win.child, ok, e,
               child:get_xalign(), fok, fe, adj:get_value(), adj.upper
    """, None, lambda source, res: done.append(source.eval_finish(res)))
    run_until(lambda: done, 'the script')
    title, text, same, ok, error, xalign, fok, ferror, value, upper = done[0]
    assert (title, text, same, ok) == ('Report 7', 'hello', True, False), done[0]
    assert 'Gtk.Window.destroy cannot be called from a script' in error, error
    assert (xalign, fok, value, upper) == (0.25, False, 2.5, 10.5), done[0]
    assert 'cannot pass 1e+300 as argument 2 (xalign: gfloat) of Gtk.Label.set_xalign: out of range' in ferror, ferror
    assert label.get_xalign() == 0.25 and adj.get_value() == 2.5
    assert window.props.title == 'Report 7'
    assert tuple(window.get_default_size()) == (800, 600), window.get_default_size()
    assert label.props.label == 'hello'
    isle.close(None)
    window.destroy()


def test_exposed_namespace():
    # The application lets scripts build widgets of their own (Gtk 4.0):
    # a window the script made is the script's to destroy; the
    # application's is not.
    isle = GIsle.Isle.new(None)
    window = Gtk.Window(title='app')
    isle.expose_object('win', window)
    assert isle.expose_namespace('Gtk', '4.0', GIsle.IsleExposeFlags.ALL)
    done = []
    isle.eval_async("""
        local made = Gtk.Window.new()
        made.title = 'made'
        made:set_child(Gtk.Label.new('inside'))
        local text = made:get_child():get_label()
        made:destroy()
        local ok, e = pcall(function () win:destroy() end)
        return made.title, text, ok, e
    """, None, lambda source, res: done.append(source.eval_finish(res)))
    run_until(lambda: done, 'the script')
    title, text, ok, error = done[0]
    assert (title, text, ok) == ('made', 'inside', False), done[0]
    assert 'Gtk.Window.destroy cannot be called from a script' in error, error
    assert window.props.title == 'app'
    isle.close(None)
    window.destroy()


def main():
    tests = [v for k, v in sorted(globals().items()) if k.startswith('test_')]
    print(f'1..{len(tests)}', flush=True)
    failed = 0
    for n, test in enumerate(tests, 1):
        try:
            test()
            print(f'ok {n} - {test.__name__}')
        except Exception:
            failed += 1
            print(f'not ok {n} - {test.__name__}')
            for line in traceback.format_exc().rstrip().splitlines():
                print(f'# {line}')
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == '__main__':
    if not Gtk.init_check():
        print('Bail out! No display: run under xvfb-run')
        sys.exit(1)
    sys.exit(main())
