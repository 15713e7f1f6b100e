#!/usr/bin/python3
# objects.py: an application exposes its own GObjects to scripts (Python).
#
# The application has a menu (a Gio.Menu) and a "quit" action (a
# Gio.SimpleAction). It exposes the menu for reading and calling methods
# only, the action for everything, and runs a script that adds menu items,
# disables the action, and tries two things it may not do. Every touch of
# the objects happens in this thread, the main context's, while the script
# runs on the isle's thread. objects.c and objects.js are the same program
# in C and JavaScript; docs/objects.md explains the model.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi
gi.require_version('GIsle', '1.0')
from gi.repository import GIsle, Gio  # noqa: E402

SCRIPT = '''
app.menu:append('Open', 'app.open')
app.menu:append('Quit', 'app.quit')
print('menu items: ' .. app.menu:get_n_items())
print('item 2 is labelled ' .. app.menu:get_item_attribute_value(1, 'label', nil))
app.quit.enabled = false
print('quit enabled: ' .. tostring(app.quit:get_enabled()))
print(select(2, pcall(function () app.quit:run_dispose() end)))
print(select(2, pcall(function () app.menu.nope = 1 end)))
'''


async def main():
    isle = await GIsle.Isle.new_async()
    isle.connect('output', lambda isle, job_id, stream, text: print(text, end='', flush=True))
    menu = Gio.Menu()
    quit_action = Gio.SimpleAction.new('quit', None)

    # What scripts may do with each object, and with what they reach.
    isle.expose_object_full('app.menu', menu,
                            GIsle.IsleExposeFlags.READ | GIsle.IsleExposeFlags.CALL)
    isle.expose_object('app.quit', quit_action)

    # The script's accesses are served by this thread's main context while
    # the call is awaited.
    await isle.eval_async(SCRIPT)
    state = 'enabled' if quit_action.get_enabled() else 'disabled'
    print(f'The application sees {menu.get_n_items()} menu items; quit is {state}.')
    await isle.close_async()


if __name__ == '__main__':
    GIsle.asyncio_run(main())
