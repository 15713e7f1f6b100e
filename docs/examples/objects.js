// objects.js: an application exposes its own GObjects to scripts (GJS).
//
// The application has a menu (a Gio.Menu) and a "quit" action (a
// Gio.SimpleAction). It exposes the menu for reading and calling methods
// only, the action for everything, and runs a script that adds menu items,
// disables the action, and tries two things it may not do. Every touch of
// the objects happens in this thread, the main context's, while the script
// runs on the isle's thread. objects.c and objects.py are the same program
// in C and Python; docs/objects.md explains the model.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

const {GIsle} = imports.gisle;
const {GLib, Gio} = imports.gi;
const System = imports.system;

const SCRIPT = `
app.menu:append('Open', 'app.open')
app.menu:append('Quit', 'app.quit')
print('menu items: ' .. app.menu:get_n_items())
print('item 2 is labelled ' .. app.menu:get_item_attribute_value(1, 'label', nil))
app.quit.enabled = false
print('quit enabled: ' .. tostring(app.quit:get_enabled()))
print(select(2, pcall(function () app.quit:run_dispose() end)))
print(select(2, pcall(function () app.menu.nope = 1 end)))
`;

// One stream for everything, so that it stays in order.
const stdout = new Gio.DataOutputStream({
    base_stream: new Gio.UnixOutputStream({fd: 1, close_fd: false}),
});
function write(text) {
    stdout.put_string(text, null);
}

async function main() {
    const isle = await GIsle.Isle.new_async(null);
    isle.connect('output', (_isle, _jobId, _stream, text) => write(text));
    const menu = new Gio.Menu();
    const quit = Gio.SimpleAction.new('quit', null);

    // What scripts may do with each object, and with what they reach.
    isle.expose_object_full('app.menu', menu,
        GIsle.IsleExposeFlags.READ | GIsle.IsleExposeFlags.CALL);
    isle.expose_object('app.quit', quit);

    // The script's accesses are served by this thread's main context while
    // the call is awaited.
    await isle.evalJS(SCRIPT);
    const state = quit.get_enabled() ? 'enabled' : 'disabled';
    write(`The application sees ${menu.get_n_items()} menu items; quit is ${state}.\n`);
    await isle.close_async(null);
}

const loop = new GLib.MainLoop(null, false);
let status = 0;
main().catch(e => {
    logError(e);
    status = 1;
}).finally(() => loop.quit());
loop.run();
System.exit(status);
