/* fuzz-variant-to-lua.c: GVariant from untrusted bytes -> Lua -> GVariant.
 *
 * The input is a type string and serialised data: byte 0 gives the length
 * of the type string that follows (modulo 64); the rest is the data. An
 * invalid or indefinite type string falls back to "v", whose data carries
 * its own type. The data is loaded with g_variant_new_from_data() (not
 * trusted), brought to normal form, pushed into a Lua state with a memory
 * limit by gisle_value_push(), and converted back with
 * gisle_value_to_variant(). Pushing and converting again must then give
 * the same value: the GVariant -> Lua mapping may lose types (y becomes x),
 * but what it produces must be a fixed point.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-value-private.h"

#include "fuzz-common.h"

typedef struct
{
  GVariant *value;
} Context;

static gboolean
expected_push_error (const GError *error)
{
  return error != NULL && error->domain == G_ISLE_ERROR &&
         (error->code == G_ISLE_ERROR_CONVERSION || error->code == G_ISLE_ERROR_MEMORY);
}

static int
run (lua_State *L)
{
  Context *ctx = lua_touserdata (L, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) once = NULL;
  g_autoptr(GVariant) twice = NULL;
  int top;

  lua_settop (L, 0);
  top = lua_gettop (L);

  if (!gisle_value_push (L, ctx->value, "argument 1", &error))
    {
      if (!expected_push_error (error))
        FUZZ_FAIL ("gisle_value_push failed oddly: %s", error ? error->message : "(no error)");
      if (lua_gettop (L) != top)
        FUZZ_FAIL ("a failed push left the stack changed");
      if (!g_utf8_validate (error->message, -1, NULL))
        FUZZ_FAIL ("an error message that is not UTF-8");
      return 0;
    }
  if (lua_gettop (L) != top + 1)
    FUZZ_FAIL ("gisle_value_push pushed %d values", lua_gettop (L) - top);

  once = gisle_value_to_variant (L, -1, "result 1", &error);
  if (once == NULL)
    {
      /* Only what a GVariant cannot say in Lua's terms may fail here: none of
       * the values it made are functions, cycles or too deep. */
      FUZZ_FAIL ("a value that entered cannot leave: %s", error->message);
    }
  lua_pop (L, 1);

  if (!gisle_value_push (L, once, "argument 1", &error))
    {
      if (error != NULL && g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_MEMORY))
        return 0;
      FUZZ_FAIL ("a value that left cannot come back: %s", error ? error->message : "(no error)");
    }
  twice = gisle_value_to_variant (L, -1, "result 1", &error);
  if (twice == NULL)
    FUZZ_FAIL ("second conversion failed: %s", error->message);

  {
    GString *a = g_string_new (NULL), *b = g_string_new (NULL);

    fuzz_canon (once, a);
    fuzz_canon (twice, b);
    if (!g_str_equal (a->str, b->str))
      FUZZ_FAIL ("not a fixed point:\n  %.2000s\n  %.2000s", a->str, b->str);
    g_string_free (a, TRUE);
    g_string_free (b, TRUE);
  }
  return 0;
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static FuzzAlloc alloc = { 0, 32 * 1024 * 1024 };
  static lua_State *L;
  g_autofree char *type_string = NULL;
  const GVariantType *type;
  g_autoptr(GVariant) raw = NULL;
  g_autoptr(GBytes) bytes = NULL;
  Context ctx = { NULL };
  size_t n;

  if (size < 1)
    return 0;
  n = MIN ((size_t) data[0] % 64, size - 1);
  type_string = g_strndup ((const char *) data + 1, n);
  if (strlen (type_string) != n || !g_variant_type_string_is_valid (type_string) ||
      !g_variant_type_is_definite (G_VARIANT_TYPE (type_string)))
    {
      g_free (type_string);
      type_string = g_strdup ("v");
    }
  type = G_VARIANT_TYPE (type_string);
  data += 1 + n;
  size -= 1 + n;

  if (L == NULL)
    {
      L = lua_newstate (fuzz_alloc, &alloc);
      lua_atpanic (L, fuzz_panic);
    }

  /* Copied: libFuzzer's buffer is not aligned the way GVariant wants. */
  bytes = g_bytes_new (data, size);
  raw = g_variant_ref_sink (g_variant_new_from_bytes (type, bytes, FALSE));
  ctx.value = g_variant_get_normal_form (raw);

  lua_pushcfunction (L, run);
  lua_pushlightuserdata (L, &ctx);
  if (lua_pcall (L, 1, 0, 0) != LUA_OK)
    FUZZ_FAIL ("a Lua error escaped: %s", lua_tostring (L, -1));
  lua_settop (L, 0);
  lua_gc (L, LUA_GCCOLLECT);
  g_variant_unref (ctx.value);
  return 0;
}
