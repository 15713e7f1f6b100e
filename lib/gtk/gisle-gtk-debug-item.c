/* gisle-gtk-debug-item.c: a row of the debug panel: a frame, a variable
 * (a table opens into its entries), a group of variables or a watch.
 *
 * Floor 1 of lib/gtk: calls gisle-gtk-format.c. Thread rule: main
 * thread only, like the panel whose models hold it (its values are
 * immutable GVariants).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "gisle-gtk-private.h"
#include "gisle-gtk-debug-item-private.h"

/* Summaries in the tree stay on one line and short. */
#define SUMMARY_CHARS 120

/**
 * GIsleGtkDebugItem:
 *
 * A row of a [class@GIsleGtk.DebugPanel]: a frame of the stack, a
 * variable (or a table's entry), a group of variables, or a watch.
 */
struct _GIsleGtkDebugItem {
  GObject parent_instance;

  char *name;
  char *text;
  GVariant *value;          /* nullable */
  GListStore *children;     /* a group's rows, or a table's, once made */
};

G_DEFINE_FINAL_TYPE (GIsleGtkDebugItem, gisle_gtk_debug_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0,
  ITEM_PROP_NAME,
  ITEM_PROP_TEXT,
  ITEM_PROP_VALUE,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

static void
gisle_gtk_debug_item_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  GIsleGtkDebugItem *self = GISLE_GTK_DEBUG_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case ITEM_PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case ITEM_PROP_VALUE:
      g_value_set_variant (value, self->value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_debug_item_finalize (GObject *object)
{
  GIsleGtkDebugItem *self = GISLE_GTK_DEBUG_ITEM (object);

  g_free (self->name);
  g_free (self->text);
  g_clear_pointer (&self->value, g_variant_unref);
  g_clear_object (&self->children);

  G_OBJECT_CLASS (gisle_gtk_debug_item_parent_class)->finalize (object);
}

static void
gisle_gtk_debug_item_class_init (GIsleGtkDebugItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = gisle_gtk_debug_item_get_property;
  object_class->finalize = gisle_gtk_debug_item_finalize;

  /**
   * GIsleGtkDebugItem:name:
   *
   * What the row names: a variable, a table key, a function (for a
   * frame), a group ("Upvalues") or a watch expression.
   */
  item_properties[ITEM_PROP_NAME] =
    g_param_spec_string ("name", "Name", "What the row names", NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GIsleGtkDebugItem:text:
   *
   * What the row shows beside the name: a value on one line, a frame's
   * `chunk:line`, or a watch's error.
   */
  item_properties[ITEM_PROP_TEXT] =
    g_param_spec_string ("text", "Text", "What the row shows beside the name", NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GIsleGtkDebugItem:value:
   *
   * The value as the debugger gave it (a frame's dictionary for a frame),
   * or none.
   */
  item_properties[ITEM_PROP_VALUE] =
    g_param_spec_variant ("value", "Value", "The value as the debugger gave it", G_VARIANT_TYPE_ANY, NULL,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
gisle_gtk_debug_item_init (GIsleGtkDebugItem *self)
{
}

/* One line, short: a table's items follow each other. */
static char *
summarize (GVariant *value)
{
  g_autofree char *text = gisle_gtk_format_value (value);
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\n' || (space && *p == ' '))
        {
          space = TRUE;
          continue;
        }
      if (space && out->len > 0 && out->str[out->len - 1] != '{' && *p != '}')
        g_string_append_c (out, ' ');
      else if (space && *p == '}')
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_c (out, *p);
    }
  if (g_utf8_strlen (out->str, -1) > SUMMARY_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (out->str, 0, SUMMARY_CHARS);

      return g_strconcat (cut, "…", NULL);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

GIsleGtkDebugItem *
gisle_gtk_debug_item_new (const char *name,
          const char *text,
          GVariant   *value)
{
  GIsleGtkDebugItem *item = g_object_new (GISLE_GTK_TYPE_DEBUG_ITEM, NULL);

  item->name = g_strdup (name);
  item->value = value != NULL ? g_variant_ref_sink (value) : NULL;
  item->text = text != NULL ? g_strdup (text) : value != NULL ? summarize (value) : g_strdup ("");
  return item;
}

/* The debugger shows a table as a(vv): its raw pairs. */
static gboolean
is_table (GVariant *value)
{
  return value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE ("a(vv)"))
         && g_variant_n_children (value) > 0;
}

/* A key as a name: a string as it is, anything else in Lua's brackets. */
static char *
key_name (GVariant *key)
{
  g_autofree char *text = NULL;

  if (g_variant_is_of_type (key, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (key, NULL);
  if (gisle_gtk_format_is_described (key, "more"))
    return g_strdup ("…");
  text = gisle_gtk_format_value (key);
  return g_strdup_printf ("[%s]", text);
}

/* Entries in the order the formatter shows keys: numbers (by value),
 * then names; the debugger gives them in Lua's traversal order. */
static int
compare_entries (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  const GIsleGtkDebugItem *x = a, *y = b;
  gboolean x_index = x->name[0] == '[' && (g_ascii_isdigit (x->name[1]) || x->name[1] == '-');
  gboolean y_index = y->name[0] == '[' && (g_ascii_isdigit (y->name[1]) || y->name[1] == '-');

  /* "…" (entries left out) stays last. */
  if (g_str_equal (x->name, "…") || g_str_equal (y->name, "…"))
    return g_str_equal (x->name, "…") - g_str_equal (y->name, "…");
  if (x_index != y_index)
    return x_index ? -1 : 1;
  if (x_index)
    {
      double dx = g_ascii_strtod (x->name + 1, NULL), dy = g_ascii_strtod (y->name + 1, NULL);

      return dx < dy ? -1 : dx > dy;
    }
  return strcmp (x->name, y->name);
}

/* For GtkTreeListModel: a group's rows, or a table's entries, made when
 * first asked for. */
GListModel *
gisle_gtk_debug_item_create_children (gpointer item_ptr,
                                      gpointer user_data)
{
  GIsleGtkDebugItem *item = item_ptr;

  if (item->children == NULL && is_table (item->value))
    {
      GVariantIter iter;
      GVariant *wrapped_key, *wrapped_value;

      item->children = g_list_store_new (GISLE_GTK_TYPE_DEBUG_ITEM);
      g_variant_iter_init (&iter, item->value);
      while (g_variant_iter_next (&iter, "(@v@v)", &wrapped_key, &wrapped_value))
        {
          g_autoptr(GVariant) key = gisle_gtk_format_unwrap (wrapped_key);
          g_autoptr(GVariant) val = gisle_gtk_format_unwrap (wrapped_value);
          g_autofree char *name = key_name (key);
          g_autoptr(GIsleGtkDebugItem) child = NULL;

          /* "N more entries" is the key's description; its value is nil. */
          if (gisle_gtk_format_is_described (key, "more"))
            {
              const char *description;

              g_variant_get (key, "(&s&s)", NULL, &description);
              child = gisle_gtk_debug_item_new (name, description, NULL);
            }
          else
            child = gisle_gtk_debug_item_new (name, NULL, val);
          g_list_store_append (item->children, child);
          g_variant_unref (wrapped_key);
          g_variant_unref (wrapped_value);
        }
      g_list_store_sort (item->children, compare_entries, NULL);
    }
  return item->children != NULL ? G_LIST_MODEL (g_object_ref (item->children)) : NULL;
}

/**
 * gisle_gtk_debug_item_get_name:
 * @self: a row of the debug panel
 *
 * Gets what the row names.
 *
 * Returns: the value of [property@GIsleGtk.DebugItem:name]
 */
const char *
gisle_gtk_debug_item_get_name (GIsleGtkDebugItem *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_DEBUG_ITEM (self), NULL);
  return self->name;
}

/**
 * gisle_gtk_debug_item_get_text:
 * @self: a row of the debug panel
 *
 * Gets what the row shows beside its name.
 *
 * Returns: the value of [property@GIsleGtk.DebugItem:text]
 */
const char *
gisle_gtk_debug_item_get_text (GIsleGtkDebugItem *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_DEBUG_ITEM (self), NULL);
  return self->text;
}

/**
 * gisle_gtk_debug_item_get_value:
 * @self: a row of the debug panel
 *
 * Gets the value the row shows.
 *
 * Returns: (transfer none) (nullable): the value of
 *   [property@GIsleGtk.DebugItem:value]
 */
GVariant *
gisle_gtk_debug_item_get_value (GIsleGtkDebugItem *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_DEBUG_ITEM (self), NULL);
  return self->value;
}


GIsleGtkDebugItem *
gisle_gtk_debug_item_new_group (const char *name,
                                const char *text,
                                GListStore *children)
{
  GIsleGtkDebugItem *item = gisle_gtk_debug_item_new (name, text, NULL);

  item->children = g_object_ref (children);
  return item;
}
