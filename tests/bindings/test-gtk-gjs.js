// test-gtk-gjs.js: a GJS application exposes its Gtk.Window to an isle and a
// script retitles it, resizes it and reaches its child through properties
// and methods, while every touch happens in GJS's main thread. Needs a
// display (meson runs it in the ui suite, under Xvfb in CI) and
// GI_TYPELIB_PATH / LD_LIBRARY_PATH pointing at the build's lib/. Prints
// TAP; the wait races a deadline.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

imports.gi.versions.Gtk = '4.0';
imports.gi.versions.GIsle = '1.0';
const {GIsle, GLib, Gtk} = imports.gi;
const System = imports.system;

const TIMEOUT_MS = 10000;

function assertEqual(actual, expected) {
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    if (a !== e)
        throw new Error(`expected ${e}, got ${a}`);
}

function main() {
    if (!Gtk.init_check())
        throw new Error('No display: run under xvfb-run');
    const isle = GIsle.Isle.new(null);
    const label = new Gtk.Label({label: 'start'});
    // Not presented: a configure event from the X server could reset the
    // default size the script sets.
    const window = new Gtk.Window({title: 'old', child: label});
    isle.expose_object('win', window);

    let result = null, error = null, timedOut = false;
    isle.eval_async(`
        win.title = 'Report ' .. 7
        win:set_default_size(640, 480)
        local child = win:get_child()
        child.label = 'hello'
        local ok, e = pcall(function () win:unref() end)
        return win:get_title(), child:get_label(), ok, e`, null, (source, res) => {
        try {
            result = source.eval_finish(res).recursiveUnpack();
        } catch (e) {
            error = e;
        }
    });
    const deadline = GLib.timeout_add(GLib.PRIORITY_DEFAULT, TIMEOUT_MS, () => {
        timedOut = true;
        return GLib.SOURCE_REMOVE;
    });
    const context = GLib.MainContext.default();
    while (result === null && error === null && !timedOut)
        context.iteration(true);
    GLib.source_remove(deadline);
    if (error !== null)
        throw error;
    if (timedOut)
        throw new Error('timed out waiting for the script');

    assertEqual(result.slice(0, 3), ['Report 7', 'hello', false]);
    if (!result[3].includes('GObject.Object.unref cannot be called from a script'))
        throw new Error(result[3]);
    assertEqual(window.title, 'Report 7');
    assertEqual(window.get_default_size(), [640, 480]);
    assertEqual(label.label, 'hello');
    isle.close(null);
    window.destroy();
}

print('1..1');
try {
    main();
    print('ok 1 - a script retitles the exposed window');
} catch (e) {
    print('not ok 1 - a script retitles the exposed window');
    for (const line of `${e}\n${e.stack}`.split('\n'))
        print(`# ${line}`);
    System.exit(1);
}
