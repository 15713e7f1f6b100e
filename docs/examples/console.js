#!/usr/bin/gjs
// console.js: a GTK window with a counter of its own and a docked Lua
// console whose scripts call count(n), a host function that changes it.
// GISLE_EXAMPLE_SCRIPT=code runs code in the console, prints the counter
// and quits (how CI checks this example).
imports.gi.versions.Gtk = '4.0';
const {Gio, GLib, Gtk, GIsle, GIsleGtk} = imports.gi;

const app = new Gtk.Application({
    application_id: 'org.example.Counter',
    flags: Gio.ApplicationFlags.NON_UNIQUE,
});
let counter = 0;

app.connect('activate', () => {
    const window = new Gtk.ApplicationWindow({
        application: app, title: 'Counter', default_width: 600, default_height: 400,
    });
    const label = new Gtk.Label({label: 'Count: 0', margin_top: 12, margin_bottom: 12});
    const isle = GIsle.Isle.new(null);
    // Runs in the main context while the script waits.
    isle.add_function('count', (_isle, args) => {
        const [n = 1] = args.recursiveUnpack();
        counter += n;
        label.label = `Count: ${counter}`;
        return new GLib.Variant('x', counter);
    });
    const console = GIsleGtk.Console.new(isle);
    console.vexpand = true;

    // The console's actions (run, stop, clear) in the window's header bar.
    window.insert_action_group('console', console.get_actions());
    const header = new Gtk.HeaderBar();
    header.pack_start(new Gtk.Button({label: 'Stop', action_name: 'console.stop'}));
    window.set_titlebar(header);

    const box = new Gtk.Box({orientation: Gtk.Orientation.VERTICAL});
    box.append(label);
    box.append(console);
    window.set_child(box);
    window.present();
    console.grab_focus();

    const script = GLib.getenv('GISLE_EXAMPLE_SCRIPT');
    if (script) {
        console.connect('finished', () => {
            print(label.label);
            app.quit();
        });
        console.set_input_text(script);
        console.submit_input();
    }
});
app.run([]);
