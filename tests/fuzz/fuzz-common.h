/* fuzz-common.h: helpers shared by the libFuzzer targets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <lua.h>
#include <lauxlib.h>

/* A finding: print why and abort, so libFuzzer saves the input. */
#define FUZZ_FAIL(...)                                    \
  G_STMT_START {                                          \
    fprintf (stderr, "FUZZ FAILURE: " __VA_ARGS__);       \
    fputc ('\n', stderr);                                 \
    abort ();                                             \
  } G_STMT_END

/* A Lua allocator with a limit, so that memory errors are exercised too. */
typedef struct
{
  size_t in_use;
  size_t limit;
} FuzzAlloc;

static void *
fuzz_alloc (void   *ud,
            void   *ptr,
            size_t  osize,
            size_t  nsize)
{
  FuzzAlloc *a = ud;
  size_t old = ptr != NULL ? osize : 0;
  void *block;

  if (nsize == 0)
    {
      free (ptr);
      a->in_use -= old;
      return NULL;
    }
  if (nsize > old && a->in_use - old + nsize > a->limit)
    return NULL;
  block = realloc (ptr, nsize);
  if (block != NULL)
    a->in_use = a->in_use - old + nsize;
  return block;
}

static int
fuzz_panic (lua_State *L)
{
  FUZZ_FAIL ("unprotected Lua error: %s", lua_tostring (L, -1));
  return 0;
}

static gint
fuzz_compare_strings (gconstpointer a,
                      gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* A canonical text for a GVariant: dictionaries and key/value arrays, whose
 * order docs/values.md leaves unspecified, are sorted. */
static void
fuzz_canon (GVariant *v,
            GString  *out)
{
  const GVariantType *type = g_variant_get_type (v);

  g_string_append (out, g_variant_get_type_string (v));
  g_string_append_c (out, ':');

  if (!g_variant_is_container (v))
    {
      char *text = g_variant_print (v, FALSE);

      g_string_append (out, text);
      g_free (text);
      return;
    }

  {
    gsize n = g_variant_n_children (v);
    gboolean unordered = g_variant_type_is_array (type) &&
                         (g_variant_type_is_dict_entry (g_variant_type_element (type)) ||
                          g_variant_type_equal (type, G_VARIANT_TYPE ("a(vv)")));
    GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);

    for (gsize i = 0; i < n; i++)
      {
        GVariant *child = g_variant_get_child_value (v, i);
        GString *s = g_string_new (NULL);

        fuzz_canon (child, s);
        g_ptr_array_add (parts, g_string_free (s, FALSE));
        g_variant_unref (child);
      }
    if (unordered)
      g_ptr_array_sort (parts, fuzz_compare_strings);
    g_string_append_c (out, '[');
    for (guint i = 0; i < parts->len; i++)
      {
        g_string_append (out, parts->pdata[i]);
        g_string_append_c (out, ',');
      }
    g_string_append_c (out, ']');
    g_ptr_array_unref (parts);
  }
}
