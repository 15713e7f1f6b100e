#!/usr/bin/python3
# console.py: a GTK window with a counter of its own and a docked Lua
# console whose scripts call count(n), a host function that changes it.
# GISLE_EXAMPLE_SCRIPT=code runs code in the console, prints the counter
# and quits (how CI checks this example).
import os
import sys

import gi
gi.require_version('Gtk', '4.0')
gi.require_version('GIsle', '1.0')
gi.require_version('GIsleGtk', '1.0')
from gi.repository import GIsle, GIsleGtk, Gio, Gtk  # noqa: E402


class Counter(Gtk.Application):
    def __init__(self):
        super().__init__(application_id='org.example.Counter',
                         flags=Gio.ApplicationFlags.NON_UNIQUE)
        self.counter = 0

    def count(self, n=1):
        # Runs in the main context while the script waits; Lua values come
        # in and go back as Python values (GIsle's PyGObject override).
        self.counter += n
        self.label.set_label(f'Count: {self.counter}')
        return self.counter

    def finished(self, console, success):
        print(self.label.get_label())
        self.quit()

    def do_activate(self):
        self.window = Gtk.ApplicationWindow(application=self, title='Counter',
                                            default_width=600, default_height=400)
        self.label = Gtk.Label(label='Count: 0', margin_top=12, margin_bottom=12)
        isle = GIsle.Isle.new(None)
        isle.add_function('count', self.count)
        console = GIsleGtk.Console.new(isle)
        console.set_vexpand(True)

        # The console's actions (run, stop, clear) in the window's header bar.
        self.window.insert_action_group('console', console.get_actions())
        header = Gtk.HeaderBar()
        header.pack_start(Gtk.Button(label='Stop', action_name='console.stop'))
        self.window.set_titlebar(header)

        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
        box.append(self.label)
        box.append(console)
        self.window.set_child(box)
        self.window.present()
        console.grab_focus()

        script = os.environ.get('GISLE_EXAMPLE_SCRIPT')
        if script:
            console.connect('finished', self.finished)
            console.set_input_text(script)
            console.submit_input()


if __name__ == '__main__':
    sys.exit(Counter().run(None))
