/* fuzz-value-to-variant.c: Lua value -> GVariant -> Lua value -> GVariant.
 *
 * The input is a program for a small stack machine that builds Lua values
 * (numbers, strings of any bytes, tables nested, shared and cyclic, with
 * metatables, and values that cannot leave the isle). The value on top is
 * converted with gisle_value_to_variant(); when that succeeds it is pushed
 * back with gisle_value_push() and converted again, and docs/values.md
 * promises the two GVariants are the same (up to the order of dictionary
 * entries). Failures must be clean G_ISLE_ERROR_CONVERSION (or MEMORY on the
 * way back) errors that leave the Lua stack as it was.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-value-private.h"

#include "fuzz-common.h"

#define MAX_SLOTS 48

typedef struct
{
  const guint8 *data;
  size_t size;
  size_t pos;
} Reader;

static gboolean
read_byte (Reader *r,
           guint8 *b)
{
  if (r->pos >= r->size)
    return FALSE;
  *b = r->data[r->pos++];
  return TRUE;
}

static guint64
read_u64 (Reader *r)
{
  guint64 v = 0;
  guint8 b;

  for (int i = 0; i < 8 && read_byte (r, &b); i++)
    v = (v << 8) | b;
  return v;
}

static int
dummy_cfunction (lua_State *L)
{
  return 0;
}

/* Whether the value at @idx may be a table key (not nil, not NaN). */
static gboolean
valid_key (lua_State *L,
           int        idx)
{
  if (lua_isnil (L, idx))
    return FALSE;
  if (lua_type (L, idx) == LUA_TNUMBER && !lua_isinteger (L, idx))
    {
      lua_Number d = lua_tonumber (L, idx);

      return d == d;
    }
  return TRUE;
}

/* Index of an existing slot chosen by @b (the slots start at @base + 1). */
static int
pick (lua_State *L,
      int        base,
      guint8     b)
{
  int n = lua_gettop (L) - base;

  return base + 1 + (b % n);
}

/* Runs the program, leaving at least one value above @base. */
static void
build (lua_State *L,
       int        base,
       Reader    *r)
{
  guint8 op, b;

  while (read_byte (r, &op))
    {
      int n = lua_gettop (L) - base;

      /* Keep room for the operations below; drop the oldest slot. */
      if (n >= MAX_SLOTS)
        {
          lua_remove (L, base + 1);
          n--;
        }

      switch (op % 20)
        {
        case 0:
          lua_pushnil (L);
          break;
        case 1:
          read_byte (r, &b);
          lua_pushboolean (L, b & 1);
          break;
        case 2:
          lua_pushinteger (L, (lua_Integer) read_u64 (r));
          break;
        case 3:
          {
            guint64 bits = read_u64 (r);
            double d;

            memcpy (&d, &bits, sizeof d);
            lua_pushnumber (L, d);
          }
          break;
        case 4:
          read_byte (r, &b);
          read_byte (r, &op);
          lua_pushinteger (L, (lua_Integer) (gint8) b * (1 + (op % 4)));
          break;
        case 5:
          {
            guint8 len = 0;
            size_t avail;

            read_byte (r, &len);
            avail = MIN ((size_t) len % 24, r->size - r->pos);
            lua_pushlstring (L, (const char *) r->data + r->pos, avail);
            r->pos += avail;
          }
          break;
        case 6:
          /* A few well-known strings, for string keys that repeat. */
          read_byte (r, &b);
          {
            static const char *const words[] = { "a", "b", "self", "", "1", "\xff", "é", "a\0b" };
            guint i = b % G_N_ELEMENTS (words);

            lua_pushlstring (L, words[i], i == 7 ? 3 : strlen (words[i]));
          }
          break;
        case 7:
        case 8:
          lua_newtable (L);
          break;
        case 9:
          /* t[k] = v: the table, key and value picked among the slots. */
          if (n >= 1 && read_byte (r, &b) && read_byte (r, &op))
            {
              guint8 c = 0;
              int t, k, v;

              read_byte (r, &c);
              t = pick (L, base, b);
              k = pick (L, base, op);
              v = pick (L, base, c);
              if (lua_type (L, t) == LUA_TTABLE && valid_key (L, k))
                {
                  lua_pushvalue (L, k);
                  lua_pushvalue (L, v);
                  lua_rawset (L, t);
                }
            }
          break;
        case 10:
        case 11:
          /* Append v to t as its next sequence item. */
          if (n >= 1 && read_byte (r, &b) && read_byte (r, &op))
            {
              int t = pick (L, base, b);
              int v = pick (L, base, op);

              if (lua_type (L, t) == LUA_TTABLE)
                {
                  lua_pushvalue (L, v);
                  lua_rawseti (L, t, (lua_Integer) lua_rawlen (L, t) + 1);
                }
            }
          break;
        case 12:
          /* Wrap the top value in a new table: nesting. */
          if (n >= 1)
            {
              read_byte (r, &b);
              lua_createtable (L, 1, 0);
              lua_insert (L, -2);
              if (b & 1)
                lua_rawseti (L, -2, 1);
              else
                lua_setfield (L, -2, "x");
            }
          break;
        case 13:
          if (n >= 1 && read_byte (r, &b))
            lua_pushvalue (L, pick (L, base, b));
          break;
        case 14:
          if (n >= 2)
            lua_pop (L, 1);
          break;
        case 15:
          read_byte (r, &b);
          switch (b % 4)
            {
            case 0:
              lua_pushcfunction (L, dummy_cfunction);
              break;
            case 1:
              lua_newuserdatauv (L, 8, 0);
              break;
            case 2:
              lua_pushlightuserdata (L, (void *) r);
              break;
            default:
              lua_newthread (L);
              break;
            }
          break;
        case 16:
          /* A metatable with metamethods that must never be called. */
          if (n >= 1 && read_byte (r, &b))
            {
              int t = pick (L, base, b);

              if (lua_type (L, t) == LUA_TTABLE)
                {
                  lua_createtable (L, 0, 3);
                  lua_pushcfunction (L, fuzz_panic);
                  lua_setfield (L, -2, "__index");
                  lua_pushcfunction (L, fuzz_panic);
                  lua_setfield (L, -2, "__pairs");
                  lua_pushcfunction (L, fuzz_panic);
                  lua_setfield (L, -2, "__len");
                  lua_setmetatable (L, t);
                }
            }
          break;
        case 17:
          /* A chain of nested tables, around the depth limit. */
          read_byte (r, &b);
          lua_newtable (L);
          for (int i = 0; i < 90 + (b % 16); i++)
            {
              lua_createtable (L, 1, 0);
              lua_insert (L, -2);
              lua_rawseti (L, -2, 1);
            }
          break;
        case 18:
          /* A table as a key of a new table. */
          if (n >= 1 && valid_key (L, -1))
            {
              lua_newtable (L);
              lua_pushvalue (L, -2);
              lua_pushboolean (L, 1);
              lua_rawset (L, -3);
            }
          break;
        default:
          /* A float key that is integral becomes an integer key. */
          read_byte (r, &b);
          lua_pushnumber (L, (lua_Number) (b % 8) + ((b & 8) ? 0.5 : 0.0));
          break;
        }
    }

  if (lua_gettop (L) == base)
    lua_pushnil (L);
}

typedef struct
{
  Reader reader;
} Context;

static int
run (lua_State *L)
{
  Context *ctx = lua_touserdata (L, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) second = NULL;
  int base, top;

  lua_settop (L, 0);
  /* A C function may only use LUA_MINSTACK slots without asking. */
  luaL_checkstack (L, MAX_SLOTS + 16, "the fuzzer's slots");
  base = lua_gettop (L);
  build (L, base, &ctx->reader);
  top = lua_gettop (L);

  first = gisle_value_to_variant (L, -1, "value", &error);
  if (lua_gettop (L) != top)
    FUZZ_FAIL ("gisle_value_to_variant changed the stack");
  if (first == NULL)
    {
      if (error == NULL || !g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION))
        FUZZ_FAIL ("gisle_value_to_variant failed without a CONVERSION error: %s",
                   error != NULL ? error->message : "(no error)");
      if (!g_utf8_validate (error->message, -1, NULL))
        FUZZ_FAIL ("an error message that is not UTF-8");
      return 0;
    }
  if (error != NULL)
    FUZZ_FAIL ("a result and an error");
  if (g_variant_is_floating (first) || !g_variant_is_normal_form (first))
    FUZZ_FAIL ("the variant is floating or not in normal form");

  if (!gisle_value_push (L, first, "value", &error2))
    {
      if (error2 != NULL && g_error_matches (error2, G_ISLE_ERROR, G_ISLE_ERROR_MEMORY))
        return 0;
      FUZZ_FAIL ("a value that left could not come back: %s",
                 error2 != NULL ? error2->message : "(no error)");
    }
  if (lua_gettop (L) != top + 1)
    FUZZ_FAIL ("gisle_value_push pushed %d values", lua_gettop (L) - top);

  g_clear_error (&error);
  second = gisle_value_to_variant (L, -1, "value", &error);
  if (second == NULL)
    FUZZ_FAIL ("a value that came back cannot leave again: %s", error->message);

  {
    GString *a = g_string_new (NULL), *b = g_string_new (NULL);

    fuzz_canon (first, a);
    fuzz_canon (second, b);
    if (!g_str_equal (a->str, b->str))
      FUZZ_FAIL ("the round trip changed the value:\n  %.2000s\n  %.2000s", a->str, b->str);
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
  static FuzzAlloc alloc = { 0, 64 * 1024 * 1024 };
  static lua_State *L;
  Context ctx = { { data, size, 0 } };

  if (L == NULL)
    {
      L = lua_newstate (fuzz_alloc, &alloc);
      lua_atpanic (L, fuzz_panic);
    }

  lua_pushcfunction (L, run);
  lua_pushlightuserdata (L, &ctx);
  if (lua_pcall (L, 1, 0, 0) != LUA_OK)
    {
      /* Running out of the fuzzer's own Lua memory while building is fine;
       * anything else raised is a bug (conversion never raises). */
      if (!g_str_has_prefix (lua_tostring (L, -1) ? lua_tostring (L, -1) : "", "not enough memory"))
        FUZZ_FAIL ("a Lua error escaped: %s", lua_tostring (L, -1));
    }
  lua_settop (L, 0);
  lua_gc (L, LUA_GCCOLLECT);
  return 0;
}
