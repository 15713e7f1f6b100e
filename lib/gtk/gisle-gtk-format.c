/* gisle-gtk-format.c: turning results and errors into text.
 *
 * Results arrive as GVariants in GIsle's mapping of Lua values (nil is a
 * "mv" Nothing, tables are av, a{sv}, a{xv} or a(vv)); they are shown in Lua
 * syntax so that what the user reads could be pasted back into a script.
 *
 * Floor 0 of lib/gtk: calls no other file of the library. Any thread:
 * it only reads the values it is given.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "gisle-gtk-private.h"

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

#define MAX_ITEMS  100
#define MAX_DEPTH  16
#define ONE_LINE   72

static const char * const lua_keywords[] = {
  "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
  "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
  "true", "until", "while", NULL
};

static gboolean
is_identifier (const char *s)
{
  if (!g_ascii_isalpha (*s) && *s != '_')
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return !g_strv_contains (lua_keywords, s);
}

static void
append_quoted (GString    *out,
               const char *s,
               gsize       len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      guchar c = s[i];

      switch (c)
        {
        case '\n': g_string_append (out, "\\n"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\%u", c);
          else if (c < 0x80)
            g_string_append_c (out, c);
          else
            {
              /* Valid UTF-8 is shown as text, other bytes escaped: the
               * output pane takes UTF-8 only. */
              gunichar ch = g_utf8_get_char_validated (s + i, len - i);

              if (ch == (gunichar) -1 || ch == (gunichar) -2)
                g_string_append_printf (out, "\\%u", c);
              else
                {
                  int n = g_utf8_skip[c];
                  g_string_append_len (out, s + i, n);
                  i += n - 1;
                }
            }
        }
    }
  g_string_append_c (out, '"');
}

static void
append_number (GString *out,
               double   d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* Lua 5.4 writes floats with a fraction so they differ from integers. */
  if (isinf (d))
    g_string_append (out, d > 0 ? "inf" : "-inf");
  else if (isnan (d))
    g_string_append (out, "nan");
  else if (d == floor (d) && fabs (d) < 1e15)
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.1f", d));
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.14g", d));
}

static char *format (GVariant *value, const char *indent, guint depth);

/* Joins table items on one line when short, else one per line. */
static char *
join_items (GPtrArray  *items,
            const char *indent)
{
  g_autoptr(GString) out = g_string_new ("{ ");
  g_autofree char *inner = g_strconcat (indent, "  ", NULL);
  gboolean multiline = FALSE;

  if (items->len == 0)
    return g_strdup ("{}");

  for (guint i = 0; i < items->len; i++)
    {
      const char *item = g_ptr_array_index (items, i);

      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, item);
      if (strchr (item, '\n') != NULL)
        multiline = TRUE;
    }
  g_string_append (out, " }");
  if (!multiline && out->len <= ONE_LINE)
    return g_string_free (g_steal_pointer (&out), FALSE);

  g_string_assign (out, "{\n");
  for (guint i = 0; i < items->len; i++)
    {
      g_string_append (out, inner);
      g_string_append (out, g_ptr_array_index (items, i));
      g_string_append (out, i + 1 < items->len ? ",\n" : "\n");
    }
  g_string_append (out, indent);
  g_string_append_c (out, '}');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

typedef struct {
  int rank;           /* booleans, numbers, strings, anything else */
  double number;
  const char *string; /* of a string key, for its order */
  char *key;          /* the key as shown */
  char *item;
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_free (entry->key);
  g_free (entry->item);
}

/* Lua tables have no order; sorting the keys (as console.lua does) makes
 * what is shown stable from run to run. */
static int
entry_compare (gconstpointer a,
               gconstpointer b)
{
  const Entry *x = a, *y = b;

  if (x->rank != y->rank)
    return x->rank - y->rank;
  if (x->rank == 1 && x->number != y->number)
    return x->number < y->number ? -1 : 1;
  if (x->rank == 2)
    return strcmp (x->string, y->string);
  return strcmp (x->key, y->key);
}

static GVariant *
unwrap (GVariant *value)
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

static char *
format_table (GVariant   *value,
              const char *indent,
              guint       depth)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_autofree char *inner = g_strconcat (indent, "  ", NULL);
  gsize n = g_variant_n_children (value);

  if (depth >= MAX_DEPTH)
    return g_strdup ("{…}");

  g_array_set_clear_func (entries, entry_clear);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE ("av")))
    {
      for (gsize i = 0; i < n && i < MAX_ITEMS; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (value, i);
          g_ptr_array_add (items, format (child, inner, depth + 1));
        }
    }
  else
    {
      /* Sorting needs every key; the values of only the first few. */
      for (gsize i = 0; i < n; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (value, i);
          g_autoptr(GVariant) wrapped_key = g_variant_get_child_value (child, 0);
          g_autoptr(GVariant) key = unwrap (wrapped_key);
          Entry entry = { 3, 0, NULL, NULL, NULL };

          if (g_variant_is_of_type (key, G_VARIANT_TYPE_BOOLEAN))
            entry.rank = 0;
          else if (g_variant_is_of_type (key, G_VARIANT_TYPE_INT64))
            entry.rank = 1, entry.number = g_variant_get_int64 (key);
          else if (g_variant_is_of_type (key, G_VARIANT_TYPE_DOUBLE))
            entry.rank = 1, entry.number = g_variant_get_double (key);
          else if (g_variant_is_of_type (key, G_VARIANT_TYPE_STRING))
            {
              /* @value holds @key's data, so the pointer stays valid. */
              entry.rank = 2;
              entry.string = g_variant_get_string (key, NULL);
            }

          if (entry.rank == 2 && is_identifier (g_variant_get_string (key, NULL)))
            entry.key = g_variant_dup_string (key, NULL);
          else
            {
              g_autofree char *k = format (key, inner, depth + 1);
              entry.key = g_strdup_printf ("[%s]", k);
            }
          entry.item = GSIZE_TO_POINTER (i);  /* the child, until sorted */
          g_array_append_val (entries, entry);
        }
      g_array_sort (entries, entry_compare);
      for (guint i = 0; i < entries->len && i < MAX_ITEMS; i++)
        {
          Entry *entry = &g_array_index (entries, Entry, i);
          g_autoptr(GVariant) child = g_variant_get_child_value (value, GPOINTER_TO_SIZE (entry->item));
          g_autoptr(GVariant) val = g_variant_get_child_value (child, 1);
          g_autofree char *val_text = format (val, inner, depth + 1);

          entry->item = NULL;
          g_ptr_array_add (items, g_strdup_printf ("%s = %s", entry->key, val_text));
        }
      for (guint i = MIN (entries->len, MAX_ITEMS); i < entries->len; i++)
        g_array_index (entries, Entry, i).item = NULL;
    }
  if (n > MAX_ITEMS)
    g_ptr_array_add (items, g_strdup_printf ("…(%" G_GSIZE_FORMAT " more)", n - MAX_ITEMS));

  return join_items (items, indent);
}

static char *
format (GVariant   *value,
        const char *indent,
        guint       depth)
{
  g_autoptr(GString) out = g_string_new (NULL);

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
      append_number (out, g_variant_get_double (value));
      break;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
      {
        gsize len;
        const char *s = g_variant_get_string (value, &len);
        append_quoted (out, s, len);
      }
      break;
    case G_VARIANT_CLASS_ARRAY:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
        {
          gsize len;
          const char *s = g_variant_get_fixed_array (value, &len, 1);
          append_quoted (out, s, len);
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
