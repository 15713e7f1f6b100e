/* gisle-gtk-format.c: turning results and errors into text.
 *
 * Results arrive as GVariants in GIsle's mapping of Lua values (nil is a
 * "mv" Nothing, tables are av, a{sv}, a{xv} or a(vv); from the debugger,
 * what has no such form is a (ss) pair of a kind and a description, shown
 * as the description); they are shown in Lua
 * syntax so that what the user reads could be pasted back into a script.
 * This file only walks the GVariant; how values read (quoting, numbers,
 * key order, layout) is lib/text/gisle-value-text.c, shared with the
 * terminal REPL.
 *
 * Floor 0 of lib/gtk: calls no other file of the library. Thread rule:
 * any thread; it only reads the values it is given.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "gisle-gtk-private.h"
#include "gisle-value-text.h"

/* The GTypes of the enumerations in gisle-gtk-types.h. */
G_DEFINE_ENUM_TYPE (GIsleGtkTextKind, gisle_gtk_text_kind,
  G_DEFINE_ENUM_VALUE (GISLE_GTK_TEXT_OUTPUT, "output"),
  G_DEFINE_ENUM_VALUE (GISLE_GTK_TEXT_STDERR, "stderr"),
  G_DEFINE_ENUM_VALUE (GISLE_GTK_TEXT_WARNING, "warning"),
  G_DEFINE_ENUM_VALUE (GISLE_GTK_TEXT_RESULT, "result"),
  G_DEFINE_ENUM_VALUE (GISLE_GTK_TEXT_ERROR, "error"),
  G_DEFINE_ENUM_VALUE (GISLE_GTK_TEXT_INFO, "info"),
  G_DEFINE_ENUM_VALUE (GISLE_GTK_TEXT_INPUT, "input"))

G_DEFINE_ENUM_TYPE (GIsleGtkConsoleState, gisle_gtk_console_state,
  G_DEFINE_ENUM_VALUE (GISLE_GTK_CONSOLE_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (GISLE_GTK_CONSOLE_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (GISLE_GTK_CONSOLE_STOPPING, "stopping"))

#define MAX_DEPTH  16

static const GisleValueTextStyle style = { GISLE_VALUE_TEXT_PRETTY, 100 };

static char *format (GVariant *value, const char *indent, guint depth);

/* The value inside any number of variant boxes, with a reference. */
GVariant *
gisle_gtk_format_unwrap (GVariant *value)
{
  GVariant *inner = g_variant_ref (value);

  while (g_variant_is_of_type (inner, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *next = g_variant_get_variant (inner);
      g_variant_unref (inner);
      inner = next;
    }
  return inner;
}

/* A table's entry @index: its key and value, or for a list (av) its
 * position and item. */
static char *
render_entry (gpointer    data,
              gsize       index,
              gboolean    key,
              const char *indent,
              guint       depth)
{
  GVariant *table = data;
  g_autoptr(GVariant) child = g_variant_get_child_value (table, index);
  g_autoptr(GVariant) part = NULL;

  if (g_variant_is_of_type (table, G_VARIANT_TYPE ("av")))
    return format (child, indent, depth);
  part = g_variant_get_child_value (child, key ? 0 : 1);
  return format (part, indent, depth);
}

/* Only the keys are read here; the shared rules sort them and ask for
 * the values of the entries they show. */
static char *
format_table (GVariant   *value,
              const char *indent,
              guint       depth)
{
  gsize n = g_variant_n_children (value);
  g_autofree GisleValueTextKey *keys = g_new0 (GisleValueTextKey, MAX (n, 1));
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  gboolean list = g_variant_is_of_type (value, G_VARIANT_TYPE ("av"));

  if (depth >= MAX_DEPTH)
    return g_strdup ("{…}");

  for (gsize i = 0; i < n; i++)
    {
      GisleValueTextKey *k = &keys[i];

      k->index = i;
      if (list)
        {
          k->kind = GISLE_VALUE_TEXT_KEY_NUMBER;
          k->is_integer = TRUE;
          k->integer = (gint64) i + 1;
        }
      else
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (value, i);
          g_autoptr(GVariant) wrapped = g_variant_get_child_value (child, 0);
          GVariant *key = gisle_gtk_format_unwrap (wrapped);

          /* Held until the table is shown: string keys point into it. */
          g_ptr_array_add (held, key);
          k->kind = GISLE_VALUE_TEXT_KEY_OTHER;
          if (g_variant_is_of_type (key, G_VARIANT_TYPE_BOOLEAN))
            {
              k->kind = GISLE_VALUE_TEXT_KEY_BOOLEAN;
              k->boolean = g_variant_get_boolean (key);
            }
          else if (g_variant_is_of_type (key, G_VARIANT_TYPE_INT64))
            {
              k->kind = GISLE_VALUE_TEXT_KEY_NUMBER;
              k->is_integer = TRUE;
              k->integer = g_variant_get_int64 (key);
            }
          else if (g_variant_is_of_type (key, G_VARIANT_TYPE_DOUBLE))
            {
              k->kind = GISLE_VALUE_TEXT_KEY_NUMBER;
              k->number = g_variant_get_double (key);
            }
          else if (g_variant_is_of_type (key, G_VARIANT_TYPE_STRING))
            {
              k->kind = GISLE_VALUE_TEXT_KEY_STRING;
              k->string = g_variant_get_string (key, &k->len);
            }
          else if (gisle_gtk_format_is_described (key, "more"))
            k->kind = GISLE_VALUE_TEXT_KEY_MORE;
        }
    }
  return gisle_value_text_table (&style, keys, n, render_entry, value, indent, depth);
}

/* The debugger's values that have no Lua-like form are a (ss) pair, a
 * kind and a description: `("function", "function: chunk:3")`. */
gboolean
gisle_gtk_format_is_described (GVariant   *value,
                               const char *kind)
{
  const char *k;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE ("(ss)")))
    return FALSE;
  g_variant_get (value, "(&s&s)", &k, NULL);
  return kind == NULL || strcmp (k, kind) == 0;
}

static char *
format (GVariant   *value,
        const char *indent,
        guint       depth)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (gisle_gtk_format_is_described (value, NULL))
    {
      const char *description;

      g_variant_get (value, "(&s&s)", NULL, &description);
      return g_strdup (description);
    }

  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_VARIANT:
      {
        g_autoptr(GVariant) inner = g_variant_get_variant (value);
        return format (inner, indent, depth);
      }
    case G_VARIANT_CLASS_MAYBE:
      {
        g_autoptr(GVariant) inner = g_variant_get_maybe (value);
        return inner != NULL ? format (inner, indent, depth) : g_strdup ("nil");
      }
    case G_VARIANT_CLASS_BOOLEAN:
      return g_strdup (g_variant_get_boolean (value) ? "true" : "false");
    case G_VARIANT_CLASS_BYTE:
      return g_strdup_printf ("%u", g_variant_get_byte (value));
    case G_VARIANT_CLASS_INT16:
      return g_strdup_printf ("%d", g_variant_get_int16 (value));
    case G_VARIANT_CLASS_UINT16:
      return g_strdup_printf ("%u", g_variant_get_uint16 (value));
    case G_VARIANT_CLASS_INT32:
      return g_strdup_printf ("%d", g_variant_get_int32 (value));
    case G_VARIANT_CLASS_UINT32:
      return g_strdup_printf ("%u", g_variant_get_uint32 (value));
    case G_VARIANT_CLASS_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (value));
    case G_VARIANT_CLASS_UINT64:
      return g_strdup_printf ("%" G_GUINT64_FORMAT, g_variant_get_uint64 (value));
    case G_VARIANT_CLASS_DOUBLE:
      gisle_value_text_append_number (out, g_variant_get_double (value));
      break;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      {
        gsize len;
        const char *s = g_variant_get_string (value, &len);
        gisle_value_text_append_quoted (out, s, len);
      }
      break;
    case G_VARIANT_CLASS_ARRAY:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
        {
          gsize len;
          const char *s = g_variant_get_fixed_array (value, &len, 1);
          gisle_value_text_append_quoted (out, s, len);
          break;
        }
      if (g_variant_is_of_type (value, G_VARIANT_TYPE ("av"))
          || g_variant_is_of_type (value, G_VARIANT_TYPE ("a{?*}"))
          || g_variant_is_of_type (value, G_VARIANT_TYPE ("a(**)")))
        return format_table (value, indent, depth);
      G_GNUC_FALLTHROUGH;
    default:
      return g_variant_print (value, FALSE);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * gisle_gtk_format_value:
 * @value: a Lua value as GIsle maps it to a #GVariant
 *
 * Renders a value as Lua would write it: strings quoted, tables
 * nested and indented, long or deep values cut.
 *
 * Returns: (transfer full): @value in Lua syntax, nested tables indented
 */
char *
gisle_gtk_format_value (GVariant *value)
{
  g_return_val_if_fail (value != NULL, NULL);

  return format (value, "", 0);
}

/**
 * gisle_gtk_format_results:
 * @results: (nullable): the tuple of results of a chunk
 *
 * Renders the results of a chunk as the Lua REPL prints them.
 *
 * Returns: (transfer full) (nullable): the results separated by tabs, as
 *   lua.c prints them, or %NULL if there are none
 */
char *
gisle_gtk_format_results (GVariant *results)
{
  g_autoptr(GString) out = NULL;
  gsize n;

  if (results == NULL)
    return NULL;
  if (!g_variant_is_container (results) || !g_variant_is_of_type (results, G_VARIANT_TYPE_TUPLE))
    return gisle_gtk_format_value (results);

  n = g_variant_n_children (results);
  if (n == 0)
    return NULL;
  out = g_string_new (NULL);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (results, i);
      g_autofree char *text = gisle_gtk_format_value (child);

      if (i > 0)
        g_string_append_c (out, '\t');
      g_string_append (out, text);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * gisle_gtk_find_error_line:
 * @message: an error message, possibly with a traceback
 * @chunk_name: the name the chunk was run under (without a "=" or "@")
 *
 * Finds where the error happened in the chunk: the first "NAME:LINE:" (or
 * "[string "NAME"]:LINE:") in @message, which is the error's own position
 * when it is in the chunk, else the innermost frame of the chunk in the
 * traceback.
 *
 * Returns: the line, counted from 1, or -1 if @message names none
 */
int
gisle_gtk_find_error_line (const char *message,
                               const char *chunk_name)
{
  gsize name_len;

  g_return_val_if_fail (message != NULL, -1);
  g_return_val_if_fail (chunk_name != NULL, -1);

  if (*chunk_name == '=' || *chunk_name == '@')
    chunk_name++;
  name_len = strlen (chunk_name);
  if (name_len == 0)
    return -1;

  for (const char *p = strstr (message, chunk_name); p != NULL; p = strstr (p + 1, chunk_name))
    {
      const char *q = p + name_len;
      gint64 line;
      char *end;

      /* Whole names only: "x.lua" must not match inside "box.lua". */
      if (p > message && !strchr (" \t\n\"=@", p[-1]))
        continue;
      if (q[0] == '"' && q[1] == ']')
        q += 2;
      if (q[0] != ':' || !g_ascii_isdigit (q[1]))
        continue;
      line = g_ascii_strtoll (q + 1, &end, 10);
      if (*end == ':' && line > 0 && line <= G_MAXINT)
        return (int) line;
    }
  return -1;
}

/**
 * gisle_gtk_format_duration:
 * @usec: a duration in microseconds
 *
 * Renders a duration for people.
 *
 * Returns: (transfer full): the duration for people: "0.42 s", "2 min 05 s"
 */
char *
gisle_gtk_format_duration (gint64 usec)
{
  double secs = MAX (usec, 0) / (double) G_USEC_PER_SEC;

  if (secs < 60)
    /* Translators: a duration in seconds, e.g. "1.25 s" */
    return g_strdup_printf (_("%.2f s"), secs);
  /* Translators: a duration in minutes and seconds, e.g. "2 min 05 s" */
  return g_strdup_printf (_("%d min %02d s"), (int) (secs / 60), (int) secs % 60);
}
