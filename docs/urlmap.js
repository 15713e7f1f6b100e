// A map between namespaces and base URLs for their online documentation,
// used by gi-docgen to link to types from GIsle's dependencies.
baseURLs = [
    [ 'GLib', 'https://docs.gtk.org/glib/' ],
    [ 'GObject', 'https://docs.gtk.org/gobject/' ],
    [ 'Gio', 'https://docs.gtk.org/gio/' ],
]
baseURLs.push(
    [ 'GIsle', '../gisle-1/' ],
    [ 'Gtk', 'https://docs.gtk.org/gtk4/' ],
    [ 'Gdk', 'https://docs.gtk.org/gdk4/' ],
    [ 'GtkSource', 'https://gnome.pages.gitlab.gnome.org/gtksourceview/gtksourceview5/' ],
)
