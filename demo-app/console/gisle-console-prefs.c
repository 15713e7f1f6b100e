/* gisle-console-prefs.c: the preferences window.
 *
 * Both settings are bound straight to GSettings; windows follow the changes
 * (the timeout at once, the memory limit at the next reset, since it is a
 * construct-only property of the isle).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "gisle-console-prefs.h"

struct _GisleConsolePrefs {
  GtkWindow parent_instance;

  GtkSpinButton *timeout_spin;
  GtkSpinButton *memory_spin;
};

G_DEFINE_FINAL_TYPE (GisleConsolePrefs, gisle_console_prefs, GTK_TYPE_WINDOW)

static void
gisle_console_prefs_class_init (GisleConsolePrefsClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/gnome/GIsle/Console/ui/prefs.ui");
  gtk_widget_class_bind_template_child (widget_class, GisleConsolePrefs, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, GisleConsolePrefs, memory_spin);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
gisle_console_prefs_init (GisleConsolePrefs *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * gisle_console_prefs_new:
 * @parent: (nullable): the window the preferences belong to
 * @settings: settings of the org.gnome.GIsle.Console schema
 *
 * Returns: (transfer none): a new preferences window, not yet shown
 */
GisleConsolePrefs *
gisle_console_prefs_new (GtkWindow *parent,
                         GSettings *settings)
{
  GisleConsolePrefs *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (GISLE_CONSOLE_TYPE_PREFS,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       NULL);
  g_settings_bind (settings, "timeout", self->timeout_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "memory-limit", self->memory_spin, "value", G_SETTINGS_BIND_DEFAULT);
  return self;
}
