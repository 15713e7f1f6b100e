/* gisle-gtk-history.c: REPL history, in memory.
 *
 * An entry is a whole chunk, newlines included, so that a function typed
 * over several lines comes back as one. The console exposes the entries
 * as its "history" property, which an application may bind to GSettings.
 *
 * Floor 0 of lib/gtk: calls no other file of the library. Thread rule:
 * main thread, like the widgets that own it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "gisle-gtk-history.h"

#define DEFAULT_SIZE 500

struct _GIsleGtkHistory {
  GObject parent_instance;

  GPtrArray *items;     /* of char *, oldest first */
  guint size;
};

G_DEFINE_FINAL_TYPE (GIsleGtkHistory, gisle_gtk_history, G_TYPE_OBJECT)

GIsleGtkHistory *
gisle_gtk_history_new (void)
{
  return g_object_new (GISLE_GTK_TYPE_HISTORY, NULL);
}

static void
trim (GIsleGtkHistory *self)
{
  if (self->items->len > self->size)
    g_ptr_array_remove_range (self->items, 0, self->items->len - self->size);
}

/* Appends @entry unless it is blank or repeats the newest entry. */
void
gisle_gtk_history_add (GIsleGtkHistory *self,
                       const char      *entry)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (GISLE_GTK_IS_HISTORY (self));
  g_return_if_fail (entry != NULL);

  stripped = g_strstrip (g_strdup (entry));
  if (*stripped == '\0')
    return;
  if (self->items->len > 0
      && g_str_equal (g_ptr_array_index (self->items, self->items->len - 1), entry))
    return;
  g_ptr_array_add (self->items, g_strdup (entry));
  trim (self);
}

guint
gisle_gtk_history_get_n_items (GIsleGtkHistory *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_HISTORY (self), 0);

  return self->items->len;
}

const char *
gisle_gtk_history_get_item (GIsleGtkHistory *self,
                            guint            position)
{
  g_return_val_if_fail (GISLE_GTK_IS_HISTORY (self), NULL);

  return position < self->items->len ? g_ptr_array_index (self->items, position) : NULL;
}

/* The newest entry before @before (or any, if @before is negative or past
 * the end) that contains @needle; -1 if none. */
int
gisle_gtk_history_search (GIsleGtkHistory *self,
                          const char      *needle,
                          int              before)
{
  int i;

  g_return_val_if_fail (GISLE_GTK_IS_HISTORY (self), -1);

  if (needle == NULL || *needle == '\0')
    return -1;
  i = before < 0 || (guint) before > self->items->len ? (int) self->items->len : before;
  for (i--; i >= 0; i--)
    if (strstr (g_ptr_array_index (self->items, i), needle) != NULL)
      return i;
  return -1;
}

GStrv
gisle_gtk_history_dup_items (GIsleGtkHistory *self)
{
  GStrv out;

  g_return_val_if_fail (GISLE_GTK_IS_HISTORY (self), NULL);

  out = g_new0 (char *, self->items->len + 1);
  for (guint i = 0; i < self->items->len; i++)
    out[i] = g_strdup (g_ptr_array_index (self->items, i));
  return out;
}

void
gisle_gtk_history_set_items (GIsleGtkHistory    *self,
                             const char * const *items)
{
  g_return_if_fail (GISLE_GTK_IS_HISTORY (self));

  g_ptr_array_set_size (self->items, 0);
  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    g_ptr_array_add (self->items, g_strdup (items[i]));
  trim (self);
}

void
gisle_gtk_history_set_size (GIsleGtkHistory *self,
                            guint            size)
{
  g_return_if_fail (GISLE_GTK_IS_HISTORY (self));

  self->size = size;
  trim (self);
}

static void
gisle_gtk_history_finalize (GObject *object)
{
  GIsleGtkHistory *self = GISLE_GTK_HISTORY (object);

  g_ptr_array_unref (self->items);

  G_OBJECT_CLASS (gisle_gtk_history_parent_class)->finalize (object);
}

static void
gisle_gtk_history_class_init (GIsleGtkHistoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gisle_gtk_history_finalize;
}

static void
gisle_gtk_history_init (GIsleGtkHistory *self)
{
  self->items = g_ptr_array_new_with_free_func (g_free);
  self->size = DEFAULT_SIZE;
}
