/* gisle-console-app.c: the GIsle Console application.
 *
 * The top of the application: it makes the windows (handing each the
 * settings all share) and the preferences; nothing calls back into it.
 * Main thread only (GTK's rule).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gtksourceview/gtksource.h>

#include "gisle-console-app.h"
#include "gisle-console-prefs.h"
#include "gisle-console-resources.h"
#include "gisle-console-settings.h"
#include "gisle-console-window.h"

struct _GisleConsoleApp {
  GtkApplication parent_instance;

  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (GisleConsoleApp, gisle_console_app, GTK_TYPE_APPLICATION)

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GApplication *app = G_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  /* Closing each window lets it save its size and stop its script. */
  for (GList *l = g_list_copy (windows); l != NULL; l = g_list_delete_link (l, l))
    gtk_window_close (GTK_WINDOW (l->data));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GisleConsoleApp *self = GISLE_CONSOLE_APP (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  gtk_window_present (GTK_WINDOW (gisle_console_prefs_new (parent, self->settings)));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *authors[] = { "The GIsle authors", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (app),
                         "program-name", _("GIsle Console"),
                         "logo-icon-name", GISLE_CONSOLE_APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Write and run Lua scripts safely, each on its own thread"),
                         "copyright", "© 2024 The GIsle authors",
                         "license-type", GTK_LICENSE_LGPL_2_1,
                         "authors", authors,
                         /* Translators: your names, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static int
handle_local_options (GApplication *app,
                      GVariantDict *options,
                      gpointer      user_data)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("gisle-console %s\n", PACKAGE_VERSION);
      return 0;
    }
  return -1;
}

static const GActionEntry app_entries[] = {
  { "quit", quit_action },
  { "preferences", preferences_action },
  { "about", about_action },
};

static void
set_accels (GtkApplication *app,
            const char     *action,
            const char     *first_accel,
            ...)
{
  g_autoptr(GPtrArray) accels = g_ptr_array_new ();
  va_list args;

  va_start (args, first_accel);
  for (const char *a = first_accel; a != NULL; a = va_arg (args, const char *))
    g_ptr_array_add (accels, (gpointer) a);
  va_end (args);
  g_ptr_array_add (accels, NULL);
  gtk_application_set_accels_for_action (app, action, (const char * const *) accels->pdata);
}

/* GTK 4.8 without libadwaita does not follow GNOME's dark style setting
 * by itself: the application asks for the dark variant when the desktop
 * prefers it, and the editor's scheme follows GTK's settings. */
static void
color_scheme_changed_cb (GSettings  *interface,
                         const char *key,
                         gpointer    user_data)
{
  g_autofree char *scheme = g_settings_get_string (interface, "color-scheme");

  g_object_set (gtk_settings_get_default (),
                "gtk-application-prefer-dark-theme", g_str_equal (scheme, "prefer-dark"),
                NULL);
}

static void
follow_color_scheme (GisleConsoleApp *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  GSettings *interface;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "org.gnome.desktop.interface", TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "color-scheme"))
    return;
  interface = g_settings_new_full (schema, NULL, NULL);
  g_signal_connect (interface, "changed::color-scheme", G_CALLBACK (color_scheme_changed_cb), NULL);
  color_scheme_changed_cb (interface, "color-scheme", NULL);
  g_object_set_data_full (G_OBJECT (self), "interface-settings", interface, g_object_unref);
}

static void
gisle_console_app_startup (GApplication *app)
{
  GtkApplication *gtk_app = GTK_APPLICATION (app);

  G_APPLICATION_CLASS (gisle_console_app_parent_class)->startup (app);

  gtk_source_init ();
  follow_color_scheme (GISLE_CONSOLE_APP (app));
  gtk_window_set_default_icon_name (GISLE_CONSOLE_APP_ID);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries,
                                   G_N_ELEMENTS (app_entries), app);

  set_accels (gtk_app, "win.run", "<Control>Return", "<Control>KP_Enter", "F5", NULL);
  set_accels (gtk_app, "win.stop", "Escape", NULL);
  set_accels (gtk_app, "win.clear", "<Control>l", NULL);
  set_accels (gtk_app, "win.reset", "<Control><Shift>r", NULL);
  set_accels (gtk_app, "win.open", "<Control>o", NULL);
  set_accels (gtk_app, "win.save", "<Control>s", NULL);
  set_accels (gtk_app, "win.save-as", "<Control><Shift>s", NULL);
  set_accels (gtk_app, "win.focus-repl", "<Control>k", NULL);
  set_accels (gtk_app, "app.preferences", "<Control>comma", NULL);
  set_accels (gtk_app, "app.quit", "<Control>q", NULL);
}

static void
gisle_console_app_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (gisle_console_window_new (GTK_APPLICATION (app), GISLE_CONSOLE_APP (app)->settings));
  gtk_window_present (window);
}

static void
gisle_console_app_open (GApplication  *app,
                        GFile        **files,
                        int            n_files,
                        const char    *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      GisleConsoleWindow *window = gisle_console_window_new (GTK_APPLICATION (app), GISLE_CONSOLE_APP (app)->settings);

      gisle_console_window_open_file (window, files[i]);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
gisle_console_app_finalize (GObject *object)
{
  GisleConsoleApp *self = GISLE_CONSOLE_APP (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (gisle_console_app_parent_class)->finalize (object);
}

static void
gisle_console_app_class_init (GisleConsoleAppClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = gisle_console_app_finalize;
  app_class->startup = gisle_console_app_startup;
  app_class->activate = gisle_console_app_activate;
  app_class->open = gisle_console_app_open;
}

static void
gisle_console_app_init (GisleConsoleApp *self)
{
  /* Referencing the resource keeps the linker from dropping it (and its
   * registering constructor) out of the static library. */
  g_assert (gisle_console_get_resource () != NULL);

  self->settings = gisle_console_settings_new ();
  g_application_add_main_option (G_APPLICATION (self), "version", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE, _("Show the version and exit"), NULL);
  g_signal_connect (self, "handle-local-options", G_CALLBACK (handle_local_options), NULL);
}

/**
 * gisle_console_app_new:
 * @flags: flags on top of %G_APPLICATION_HANDLES_OPEN
 *
 * Returns: (transfer full): the application
 */
GisleConsoleApp *
gisle_console_app_new (GApplicationFlags flags)
{
  return g_object_new (GISLE_CONSOLE_TYPE_APP,
                       "application-id", GISLE_CONSOLE_APP_ID,
                       "flags", flags | G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/gnome/GIsle/Console",
                       NULL);
}

/**
 * gisle_console_app_get_settings:
 * @self: the application
 *
 * Returns: (transfer none): the settings all windows share
 */
GSettings *
gisle_console_app_get_settings (GisleConsoleApp *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_APP (self), NULL);

  return self->settings;
}
