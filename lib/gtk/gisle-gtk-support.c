/* gisle-gtk-support.c: what several widgets of libgisle-gtk need once:
 * the translation domain, the console's Lua helpers in an isle, and the
 * source style scheme that follows the system's dark or light style.
 *
 * Floor 0 of lib/gtk: calls nothing else in the library, so every widget
 * file may call it. Thread rule: main thread only, like every widget
 * (GTK's rule); the helpers reach the isle as an ordinary job.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "gisle-gtk-support.h"

void
gisle_gtk_ensure_i18n (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&done, 1);
    }
}

static void
helpers_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GVariant) ret = NULL;
  g_autoptr(GError) error = NULL;

  ret = g_isle_eval_full_finish (G_ISLE (source), result, &error);
  if (ret == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Could not install the console helpers: %s", error->message);
}

/* Installs console.lua (repr, __console_show, __console_complete) in
 * @isle, once: as the isle runs jobs in order, it is there before any job
 * submitted afterwards. */
void
gisle_gtk_ensure_helpers (GIsle *isle)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *code = NULL;

  if (g_object_get_data (G_OBJECT (isle), "gisle-gtk-helpers") != NULL)
    return;
  g_object_set_data (G_OBJECT (isle), "gisle-gtk-helpers", GINT_TO_POINTER (1));
  bytes = g_resources_lookup_data (GISLE_GTK_RESOURCE_PATH "/console.lua",
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_return_if_fail (bytes != NULL);
  code = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_isle_eval_full_async (isle, code, "=console.lua", 0, NULL, helpers_cb, NULL);
}

/* "⏹" (U+23F9) is missing from the default fonts (DejaVu, Cantarell):
 * it showed as a box. "■" (U+25A0) is in every one of them. */
const char *
gisle_gtk_stop_symbol (void)
{
  return "■";
}

/* GTK 4.8 has no style manager without libadwaita: the system's choice
 * shows in GtkSettings, as the dark preference or a "-dark" theme, or in
 * GTK_THEME ("Adwaita:dark"), which overrides both. */
gboolean
gisle_gtk_settings_want_dark (GtkSettings *settings)
{
  g_autofree char *theme = NULL;
  gboolean prefer_dark = FALSE;
  const char *env_theme = g_getenv ("GTK_THEME");

  if (env_theme != NULL && *env_theme != '\0')
    return g_str_has_suffix (env_theme, ":dark") || g_str_has_suffix (env_theme, "-dark");

  g_object_get (settings,
                "gtk-application-prefer-dark-theme", &prefer_dark,
                "gtk-theme-name", &theme,
                NULL);
  return prefer_dark || (theme != NULL && g_str_has_suffix (theme, "-dark"));
}

void
gisle_gtk_set_scheme (GtkSourceBuffer *buffer,
                      gboolean         dark)
{
  GtkSourceStyleSchemeManager *schemes = gtk_source_style_scheme_manager_get_default ();
  GtkSourceStyleScheme *scheme;

  scheme = gtk_source_style_scheme_manager_get_scheme (schemes, dark ? "Adwaita-dark" : "Adwaita");
  if (scheme != NULL)
    gtk_source_buffer_set_style_scheme (buffer, scheme);
}

static void
follow_settings_cb (GtkSettings *settings,
                    GParamSpec  *pspec,
                    gpointer     user_data)
{
  GtkSourceView *view = user_data;

  gisle_gtk_set_scheme (GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view))),
                        gisle_gtk_settings_want_dark (settings));
}

/* For the source views other than the editor (the REPL input): the same
 * scheme as the editor, following the default display's settings. */
void
gisle_gtk_follow_dark_style (GtkSourceView *view)
{
  GtkSettings *settings = gtk_settings_get_default ();

  if (settings == NULL)
    return;
  g_signal_connect_object (settings, "notify::gtk-application-prefer-dark-theme",
                           G_CALLBACK (follow_settings_cb), view, 0);
  g_signal_connect_object (settings, "notify::gtk-theme-name",
                           G_CALLBACK (follow_settings_cb), view, 0);
  follow_settings_cb (settings, NULL, view);
}
