/* gisle-value-text.c: Lua values as Lua-like text.
 *
 * The rules live here once: how strings are quoted, how numbers are
 * written, which keys are names, in which order keys are shown, which
 * leading keys are left out (1, 2, 3... as in a list) and how a table is
 * laid out. Callers only walk their own representation of a value (a
 * GVariant in the console, a live lua_State in the terminal REPL) and
 * hand each table's keys here, with a function that renders an entry.
 *
 * Floor 0: a static helper library below everything that shows values;
 * it calls nothing of GIsle. Thread rule: any thread; it touches only
 * what it is given.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-value-text.h"

#include <math.h>
#include <string.h>

/* Past this, a pretty table goes one item per line. */
#define ONE_LINE 72

static const char * const lua_keywords[] = {
  "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
  "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
  "true", "until", "while", NULL
};

gboolean
gisle_value_text_is_identifier (const char *s,
                                gsize       len)
{
  if (len == 0 || (!g_ascii_isalpha (s[0]) && s[0] != '_'))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '_')
      return FALSE;
  /* No copy: this runs for every key shown. */
  for (guint i = 0; lua_keywords[i] != NULL; i++)
    if (strlen (lua_keywords[i]) == len && memcmp (lua_keywords[i], s, len) == 0)
      return FALSE;
  return TRUE;
}

/* Valid UTF-8 is kept as text, other bytes escaped, so that what is shown
 * is always UTF-8 (a GtkTextView takes nothing else) and reads back in
 * Lua as the same string. */
void
gisle_value_text_append_quoted (GString    *out,
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

/* As Lua 5.4 writes floats: with a fraction, so they differ from
 * integers ("2.0"), else "%.14g". */
void
gisle_value_text_append_number (GString *out,
                                double   d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isinf (d))
    g_string_append (out, d > 0 ? "inf" : "-inf");
  else if (isnan (d))
    g_string_append (out, "nan");
  else if (d == floor (d) && fabs (d) < 1e15)
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.1f", d));
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.14g", d));
}

/* Integers before floats, so that a list stays one ({1, 2, [1.5] = x}). */
static int
compare_numbers (const GisleValueTextKey *a,
                 const GisleValueTextKey *b)
{
  if (a->is_integer != b->is_integer)
    return a->is_integer ? -1 : 1;
  if (a->is_integer)
    return a->integer < b->integer ? -1 : a->integer > b->integer;
  return a->number < b->number ? -1 : a->number > b->number;
}

/* Lua tables have no order; sorting makes what is shown stable from run
 * to run: integers, floats, booleans, strings (bytewise), then the rest
 * in the caller's order. */
static int
compare_keys (gconstpointer pa,
              gconstpointer pb)
{
  const GisleValueTextKey *a = pa, *b = pb;

  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  switch (a->kind)
    {
    case GISLE_VALUE_TEXT_KEY_NUMBER:
      return compare_numbers (a, b);
    case GISLE_VALUE_TEXT_KEY_BOOLEAN:
      return a->boolean - b->boolean;
    case GISLE_VALUE_TEXT_KEY_STRING:
      {
        int c = memcmp (a->string, b->string, MIN (a->len, b->len));

        return c != 0 ? c : (a->len < b->len ? -1 : a->len > b->len);
      }
    case GISLE_VALUE_TEXT_KEY_OTHER:
    case GISLE_VALUE_TEXT_KEY_MORE:
    default:
      return a->index < b->index ? -1 : a->index > b->index;
    }
}

/* "name = " or "[key] = ". */
static void
append_key (GString                 *out,
            const GisleValueTextKey *key,
            GisleValueTextRender     render,
            gpointer                 data,
            const char              *indent,
            guint                    depth)
{
  switch (key->kind)
    {
    case GISLE_VALUE_TEXT_KEY_STRING:
      if (gisle_value_text_is_identifier (key->string, key->len))
        g_string_append_len (out, key->string, key->len);
      else
        {
          g_string_append_c (out, '[');
          gisle_value_text_append_quoted (out, key->string, key->len);
          g_string_append_c (out, ']');
        }
      break;
    case GISLE_VALUE_TEXT_KEY_NUMBER:
      g_string_append_c (out, '[');
      if (key->is_integer)
        g_string_append_printf (out, "%" G_GINT64_FORMAT, key->integer);
      else
        gisle_value_text_append_number (out, key->number);
      g_string_append_c (out, ']');
      break;
    case GISLE_VALUE_TEXT_KEY_BOOLEAN:
      g_string_append (out, key->boolean ? "[true]" : "[false]");
      break;
    case GISLE_VALUE_TEXT_KEY_OTHER:
    default:
      {
        g_autofree char *text = render (data, key->index, TRUE, indent, depth);

        g_string_append_printf (out, "[%s]", text);
      }
    }
  g_string_append (out, " = ");
}

static char *
join_items (const GisleValueTextStyle *style,
            GPtrArray                 *items,
            const char                *indent)
{
  g_autoptr(GString) out = NULL;
  gboolean pretty = style->layout == GISLE_VALUE_TEXT_PRETTY;
  gboolean multiline = FALSE;

  if (items->len == 0)
    return g_strdup ("{}");

  out = g_string_new (pretty ? "{ " : "{");
  for (guint i = 0; i < items->len; i++)
    {
      const char *item = g_ptr_array_index (items, i);

      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, item);
      if (strchr (item, '\n') != NULL)
        multiline = TRUE;
    }
  g_string_append (out, pretty ? " }" : "}");
  if (!pretty || (!multiline && out->len <= ONE_LINE))
    return g_string_free (g_steal_pointer (&out), FALSE);

  g_string_assign (out, "{\n");
  for (guint i = 0; i < items->len; i++)
    {
      g_string_append (out, indent);
      g_string_append (out, "  ");
      g_string_append (out, g_ptr_array_index (items, i));
      g_string_append (out, i + 1 < items->len ? ",\n" : "\n");
    }
  g_string_append (out, indent);
  g_string_append_c (out, '}');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/*
 * gisle_value_text_table:
 * @keys: (array length=n_keys): every key of the table; sorted in place
 *
 * Renders a table: keys sorted, the leading keys 1, 2, 3... left out (a
 * list shows as one), values rendered by @render only for the entries
 * shown (@style's max_items), nested tables indented under @indent.
 */
char *
gisle_value_text_table (const GisleValueTextStyle *style,
                        GisleValueTextKey         *keys,
                        gsize                      n_keys,
                        GisleValueTextRender       render,
                        gpointer                   data,
                        const char                *indent,
                        guint                      depth)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *inner = g_strconcat (indent, "  ", NULL);
  gsize shown = style->max_items > 0 ? MIN (n_keys, style->max_items) : n_keys;
  gint64 next_index = 1;

  qsort (keys, n_keys, sizeof (GisleValueTextKey), compare_keys);
  for (gsize i = 0; i < shown; i++)
    {
      const GisleValueTextKey *key = &keys[i];
      g_autoptr(GString) item = g_string_new (NULL);
      g_autofree char *value = NULL;

      if (key->kind == GISLE_VALUE_TEXT_KEY_MORE)
        {
          g_autofree char *text = render (data, key->index, TRUE, inner, depth + 1);

          g_ptr_array_add (items, g_strdup_printf ("…(%s)", text));
          continue;
        }
      if (next_index > 0 && key->kind == GISLE_VALUE_TEXT_KEY_NUMBER
          && key->is_integer && key->integer == next_index)
        next_index++;
      else
        {
          next_index = 0;
          append_key (item, key, render, data, inner, depth + 1);
        }
      value = render (data, key->index, FALSE, inner, depth + 1);
      g_string_append (item, value);
      g_ptr_array_add (items, g_string_free (g_steal_pointer (&item), FALSE));
    }
  if (shown < n_keys)
    g_ptr_array_add (items, g_strdup_printf ("…(%" G_GSIZE_FORMAT " more)", n_keys - shown));

  return join_items (style, items, indent);
}
