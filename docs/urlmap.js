// A map between namespaces and base URLs for their online documentation,
// used by gi-docgen to link to types from GIsle's dependencies.
baseURLs = [
    [ 'GLib', 'https://docs.gtk.org/glib/' ],
    [ 'GObject', 'https://docs.gtk.org/gobject/' ],
    [ 'Gio', 'https://docs.gtk.org/gio/' ],
]
