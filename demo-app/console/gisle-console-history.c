/* gisle-console-history.c: REPL history, kept in GSettings.
 *
 * Every window reads the same key and follows its changes, so a line typed
 * in one window can be recalled in another and after a restart.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "gisle-console-history.h"

struct _GisleConsoleHistory {
  GObject parent_instance;

  GSettings *settings;
  GStrv items;          /* oldest first */
  guint n_items;
};

G_DEFINE_FINAL_TYPE (GisleConsoleHistory, gisle_console_history, G_TYPE_OBJECT)

static void
reload (GisleConsoleHistory *self)
{
  g_strfreev (self->items);
  self->items = g_settings_get_strv (self->settings, "history");
  self->n_items = g_strv_length (self->items);
}

static void
history_changed_cb (GSettings  *settings,
                    const char *key,
                    gpointer    user_data)
{
  reload (GISLE_CONSOLE_HISTORY (user_data));
}

/**
 * gisle_console_history_new:
 * @settings: settings of the org.gnome.GIsle.Console schema
 *
 * Returns: (transfer full): a history that reads and writes @settings
 */
GisleConsoleHistory *
gisle_console_history_new (GSettings *settings)
{
  GisleConsoleHistory *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (GISLE_CONSOLE_TYPE_HISTORY, NULL);
  self->settings = g_object_ref (settings);
  g_signal_connect_object (settings, "changed::history",
                           G_CALLBACK (history_changed_cb), self, 0);
  reload (self);
  return self;
}

/**
 * gisle_console_history_add:
 * @self: a history
 * @line: what the user entered
 *
 * Appends @line unless it is blank or repeats the newest entry, and drops
 * the oldest entries beyond the history-size setting.
 */
void
gisle_console_history_add (GisleConsoleHistory *self,
                           const char          *line)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) items = NULL;
  g_autofree char *stripped = NULL;
  guint size, first;

  g_return_if_fail (GISLE_CONSOLE_IS_HISTORY (self));
  g_return_if_fail (line != NULL);

  stripped = g_strstrip (g_strdup (line));
  if (*stripped == '\0')
    return;
  if (self->n_items > 0 && g_str_equal (self->items[self->n_items - 1], line))
    return;

  size = g_settings_get_uint (self->settings, "history-size");
  first = self->n_items + 1 > size ? self->n_items + 1 - size : 0;
  builder = g_strv_builder_new ();
  for (guint i = first; i < self->n_items; i++)
    g_strv_builder_add (builder, self->items[i]);
  if (size > 0)
    g_strv_builder_add (builder, line);
  items = g_strv_builder_end (builder);

  /* Writing emits changed::history, which reloads self->items. */
  g_settings_set_strv (self->settings, "history", (const char * const *) items);
  reload (self);
}

guint
gisle_console_history_get_n_items (GisleConsoleHistory *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_HISTORY (self), 0);

  return self->n_items;
}

/**
 * gisle_console_history_get_item:
 * @self: a history
 * @position: 0 for the oldest entry
 *
 * Returns: (nullable): the entry, or %NULL past the end
 */
const char *
gisle_console_history_get_item (GisleConsoleHistory *self,
                                guint                position)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_HISTORY (self), NULL);

  return position < self->n_items ? self->items[position] : NULL;
}

static void
gisle_console_history_finalize (GObject *object)
{
  GisleConsoleHistory *self = GISLE_CONSOLE_HISTORY (object);

  g_strfreev (self->items);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (gisle_console_history_parent_class)->finalize (object);
}

static void
gisle_console_history_class_init (GisleConsoleHistoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gisle_console_history_finalize;
}

static void
gisle_console_history_init (GisleConsoleHistory *self)
{
}
