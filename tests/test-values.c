/* test-values.c: white-box tests of the GVariant <-> Lua value bridge.
 *
 * The bridge must run in Lua protected mode, so every test body runs inside
 * a lua_pcall'd C function (see PROTECTED_TEST). docs/values.md is the
 * table these tests walk through, row by row, in both directions.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdlib.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "gisle.h"
#include "gisle-value-private.h"

/* ---------------------------------------------------------------------- */
/* Harness                                                                 */

typedef void (*TestBody) (lua_State *L);

typedef struct {
  TestBody body;
} Protected;

/* Deep equality that also tells integers from floats, NaN from NaN and
 * 0.0 from -0.0, and matches table keys by content. */
static const char same_lua[] =
  "local function same (a, b)\n"
  "  if type (a) ~= type (b) then\n"
  "    return false, 'type ' .. type (a) .. ' vs ' .. type (b)\n"
  "  end\n"
  "  if type (a) == 'number' then\n"
  "    if math.type (a) ~= math.type (b) then return false, 'subtype' end\n"
  "    if a ~= a then return b ~= b, 'NaN' end\n"
  "    if a == 0 and b == 0 then return 1/a == 1/b, 'sign of zero' end\n"
  "    return a == b, 'number ' .. tostring (a) .. ' vs ' .. tostring (b)\n"
  "  end\n"
  "  if type (a) ~= 'table' then return a == b, 'value' end\n"
  "  local na, nb = 0, 0\n"
  "  for k, v in next, a do\n"
  "    na = na + 1\n"
  "    if type (k) == 'table' then\n"
  "      local found = false\n"
  "      for k2, v2 in next, b do\n"
  "        if type (k2) == 'table' and same (k, k2) and same (v, v2) then\n"
  "          found = true\n"
  "          break\n"
  "        end\n"
  "      end\n"
  "      if not found then return false, 'table key' end\n"
  "    else\n"
  "      local ok, why = same (v, rawget (b, k))\n"
  "      if not ok then return false, tostring (k) .. ': ' .. why end\n"
  "    end\n"
  "  end\n"
  "  for _ in next, b do nb = nb + 1 end\n"
  "  return na == nb, 'count ' .. na .. ' vs ' .. nb\n"
  "end\n"
  "return same\n";

static int
protected_body (lua_State *L)
{
  Protected *p = lua_touserdata (L, 1);

  lua_settop (L, 0);
  p->body (L);
  return 0;
}

static void
run_protected (TestBody body)
{
  lua_State *L = luaL_newstate ();
  Protected p = { body };
  int status;

  luaL_openlibs (L);
  g_assert_cmpint (luaL_dostring (L, same_lua), ==, LUA_OK);
  lua_setglobal (L, "same");

  lua_pushcfunction (L, protected_body);
  lua_pushlightuserdata (L, &p);
  status = lua_pcall (L, 1, 0, 0);
  if (status != LUA_OK)
    g_error ("Lua error: %s", lua_tostring (L, -1));
  lua_close (L);
}

#define PROTECTED_TEST(name)                              \
  static void name##_body (lua_State *L);                 \
  static void name (void) { run_protected (name##_body); } \
  static void name##_body (lua_State *L)

/* Runs @code and leaves @nresults results on the stack (LUA_MULTRET: all). */
static void
eval (lua_State  *L,
      const char *code,
      int         nresults)
{
  if (luaL_loadstring (L, code) != LUA_OK)
    lua_error (L);
  lua_call (L, 0, nresults);
}

/* Converts the value of the Lua expression @expr, checking the stack. */
static GVariant *
convert (lua_State  *L,
         const char *expr)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = g_strconcat ("return ", expr, NULL);
  GVariant *value;
  int top = lua_gettop (L);

  eval (L, code, 1);
  value = gisle_value_to_variant (L, -1, "value", &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_false (g_variant_is_floating (value));
  g_assert_cmpint (lua_gettop (L), ==, top + 1);
  lua_settop (L, top);
  return value;
}

/* Asserts that @expr converts to the value printed (with types) as
 * @expected. */
static void
assert_converts (lua_State  *L,
                 const char *expr,
                 const char *expected)
{
  g_autoptr(GVariant) value = convert (L, expr);
  g_autofree char *printed = g_variant_print (value, TRUE);

  g_assert_cmpstr (printed, ==, expected);
}

static void
assert_converts_type (lua_State  *L,
                      const char *expr,
                      const char *type)
{
  g_autoptr(GVariant) value = convert (L, expr);

  g_assert_cmpstr (g_variant_get_type_string (value), ==, type);
}

static void
assert_bytes (GVariant   *value,
              const char *bytes,
              gsize       len)
{
  gsize n;
  const char *data;

  g_assert_cmpstr (g_variant_get_type_string (value), ==, "ay");
  data = g_variant_get_fixed_array (value, &n, 1);
  g_assert_cmpmem (data, n, bytes, len);
}

/* Asserts that converting @expr with label @where fails with @message and
 * leaves the stack as it was. */
static void
assert_to_variant_fails (lua_State  *L,
                         const char *expr,
                         const char *where,
                         const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *code = g_strconcat ("return ", expr, NULL);
  GVariant *value;
  int top;

  eval (L, code, 1);
  top = lua_gettop (L);
  value = gisle_value_to_variant (L, top, where, &error);
  g_assert_null (value);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_cmpint (lua_gettop (L), ==, top);
  lua_pop (L, 1);
}

/* Pushes @value (sunk) and asserts that the Lua expression @check, with the
 * pushed value as `v`, is true. */
static void
assert_pushes (lua_State  *L,
               GVariant   *value,
               const char *check)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);
  g_autofree char *code = g_strconcat ("local v = ...; return ", check, NULL);
  int top = lua_gettop (L);

  if (luaL_loadstring (L, code) != LUA_OK)
    lua_error (L);
  g_assert_true (gisle_value_push (L, owned, "value", &error));
  g_assert_no_error (error);
  g_assert_cmpint (lua_gettop (L), ==, top + 2);
  lua_call (L, 1, 1);
  if (!lua_toboolean (L, -1))
    {
      g_autofree char *printed = g_variant_print (owned, TRUE);

      g_error ("%s pushed: expected %s", printed, check);
    }
  lua_settop (L, top);
}

static void
assert_push_fails (lua_State  *L,
                   GVariant   *value,
                   const char *where,
                   const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);
  int top = lua_gettop (L);

  g_assert_false (gisle_value_push (L, owned, where, &error));
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_cmpint (lua_gettop (L), ==, top);
}

/* Converts the results of @code to a tuple, pushes them back and asserts
 * that every value survived the trip exactly. */
static void
assert_round_trip (lua_State  *L,
                   const char *code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) tuple = NULL;
  int base = lua_gettop (L);
  int n, pushed;

  eval (L, code, LUA_MULTRET);
  n = lua_gettop (L) - base;
  tuple = gisle_value_to_tuple (L, base + 1, n, "result", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (tuple), ==, n);
  g_assert_cmpint (lua_gettop (L), ==, base + n);

  pushed = gisle_value_push_args (L, tuple, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pushed, ==, n);
  g_assert_cmpint (lua_gettop (L), ==, base + 2 * n);

  for (int i = 1; i <= n; i++)
    {
      lua_getglobal (L, "same");
      lua_pushvalue (L, base + i);
      lua_pushvalue (L, base + n + i);
      lua_call (L, 2, 2);
      if (!lua_toboolean (L, -2))
        g_error ("%s: value %d did not survive: %s",
                 code, i, lua_tostring (L, -1));
      lua_pop (L, 2);
    }
  lua_settop (L, base);
}

/* A GVariant `av` nesting @levels arrays. */
static GVariant *
nested_arrays (int levels)
{
  GVariant *value = g_variant_new_array (G_VARIANT_TYPE_VARIANT, NULL, 0);

  for (int i = 1; i < levels; i++)
    {
      GVariant *child = g_variant_new_variant (value);

      value = g_variant_new_array (G_VARIANT_TYPE_VARIANT, &child, 1);
    }
  return value;
}

/* A Lua expression for a table nesting @levels tables. */
static char *
nested_tables (int levels)
{
  return g_strdup_printf ("(function () local t = {} "
                          "for i = 2, %d do t = {t} end return t end) ()",
                          levels);
}

/* ---------------------------------------------------------------------- */
/* Lua -> GVariant                                                         */

PROTECTED_TEST (test_to_variant_scalars)
{
  g_autoptr(GVariant) nul = NULL;
  g_autoptr(GVariant) invalid = NULL;
  g_autoptr(GVariant) only_nul = NULL;

  assert_converts (L, "nil", "@mv nothing");
  assert_converts (L, "true", "true");
  assert_converts (L, "false", "false");
  assert_converts (L, "42", "int64 42");
  assert_converts (L, "math.mininteger", "int64 -9223372036854775808");
  assert_converts (L, "math.maxinteger", "int64 9223372036854775807");
  assert_converts (L, "1.5", "1.5");
  assert_converts (L, "3.0", "3.0");
  assert_converts (L, "'caf\\u{e9}'", "'café'");
  assert_converts (L, "''", "''");

  /* Anything an `s` cannot hold goes as exactly its bytes, no NUL added. */
  nul = convert (L, "'a\\0b'");
  assert_bytes (nul, "a\0b", 3);
  only_nul = convert (L, "'\\0'");
  assert_bytes (only_nul, "\0", 1);
  invalid = convert (L, "'\\xff\\xfeok'");
  assert_bytes (invalid, "\xff\xfeok", 4);
}

PROTECTED_TEST (test_to_variant_floats)
{
  g_autoptr(GVariant) nan = convert (L, "0/0");
  g_autoptr(GVariant) inf = convert (L, "1/0");
  g_autoptr(GVariant) ninf = convert (L, "-1/0");
  g_autoptr(GVariant) nzero = convert (L, "-0.0");
  g_autoptr(GVariant) big_float = convert (L, "2^53 + 1");
  g_autoptr(GVariant) big_int = convert (L, "(1 << 53) + 1");

  g_assert_true (g_variant_is_of_type (nan, G_VARIANT_TYPE_DOUBLE));
  g_assert_true (isnan (g_variant_get_double (nan)));
  g_assert_true (isinf (g_variant_get_double (inf)));
  g_assert_cmpfloat (g_variant_get_double (inf), >, 0);
  g_assert_true (isinf (g_variant_get_double (ninf)));
  g_assert_cmpfloat (g_variant_get_double (ninf), <, 0);
  g_assert_true (g_variant_is_of_type (nzero, G_VARIANT_TYPE_DOUBLE));
  g_assert_cmpfloat (g_variant_get_double (nzero), ==, 0.0);
  g_assert_true (signbit (g_variant_get_double (nzero)));
  /* The subtype decides, not the value. */
  g_assert_true (g_variant_is_of_type (big_float, G_VARIANT_TYPE_DOUBLE));
  g_assert_cmpfloat (g_variant_get_double (big_float), ==, 9007199254740992.0);
  g_assert_true (g_variant_is_of_type (big_int, G_VARIANT_TYPE_INT64));
  g_assert_cmpint (g_variant_get_int64 (big_int), ==, G_GINT64_CONSTANT (9007199254740993));
}

PROTECTED_TEST (test_to_variant_tables)
{
  g_autoptr(GVariant) fields = NULL;
  g_autoptr(GVariant) sparse = NULL;
  g_autoptr(GVariant) mixed = NULL;
  g_autoptr(GVariant) bad_key = NULL;
  g_autoptr(GVariant) pair = NULL;
  g_autoptr(GVariant) key = NULL;
  g_autoptr(GVariant) inner = NULL;
  gint64 i64;
  const char *s;

  /* Sequences */
  assert_converts (L, "{}", "@av []");
  assert_converts (L, "{10, 'a', true}", "[<int64 10>, <'a'>, <true>]");
  assert_converts (L, "{{}, {1}}", "[<@av []>, <[<int64 1>]>]");
  assert_converts (L, "{[1] = 'x', [2] = 'y'}", "[<'x'>, <'y'>]");

  /* String keys */
  assert_converts (L, "{name = 'isle'}", "{'name': <'isle'>}");
  fields = convert (L, "{a = 1, b = 'two', c = {d = true}}");
  g_assert_cmpstr (g_variant_get_type_string (fields), ==, "a{sv}");
  g_assert_cmpuint (g_variant_n_children (fields), ==, 3);
  g_assert_true (g_variant_lookup (fields, "a", "x", &i64));
  g_assert_cmpint (i64, ==, 1);
  g_assert_true (g_variant_lookup (fields, "b", "&s", &s));
  g_assert_cmpstr (s, ==, "two");
  inner = g_variant_lookup_value (fields, "c", G_VARIANT_TYPE ("a{sv}"));
  g_assert_nonnull (inner);

  /* Integer keys that are not 1..n */
  assert_converts (L, "{[2] = 'b'}", "{int64 2: <'b'>}");
  assert_converts (L, "{[0] = 'z'}", "{int64 0: <'z'>}");
  assert_converts (L, "{[-1] = 'm'}", "{int64 -1: <'m'>}");
  sparse = convert (L, "{[1] = 'a', [3] = 'c'}");
  g_assert_cmpstr (g_variant_get_type_string (sparse), ==, "a{xv}");
  g_assert_cmpuint (g_variant_n_children (sparse), ==, 2);
  assert_converts_type (L, "{1, 2, nil, 4}", "a{xv}");
  assert_converts_type (L, "{[1] = 1, [2] = 2, [4] = 4}", "a{xv}");

  /* Everything else: key/value pairs, key types kept */
  assert_converts (L, "{[2.5] = 'f'}", "[(<2.5>, <'f'>)]");
  assert_converts (L, "{[true] = 't'}", "[(<true>, <'t'>)]");
  assert_converts (L, "{[{}] = 1}", "[(<@av []>, <int64 1>)]");
  mixed = convert (L, "{1, 2, x = 3}");
  g_assert_cmpstr (g_variant_get_type_string (mixed), ==, "a(vv)");
  g_assert_cmpuint (g_variant_n_children (mixed), ==, 3);
  assert_converts_type (L, "{[1] = 1, [1.5] = 2}", "a(vv)");
  assert_converts_type (L, "{x = 1, [false] = 2}", "a(vv)");

  /* A key that is not valid UTF-8 (or holds a NUL) makes the table mixed,
   * and the key itself crosses as bytes. */
  bad_key = convert (L, "{['\\xff'] = 1}");
  g_assert_cmpstr (g_variant_get_type_string (bad_key), ==, "a(vv)");
  pair = g_variant_get_child_value (bad_key, 0);
  g_variant_get (pair, "(vv)", &key, NULL);
  assert_bytes (key, "\xff", 1);
  assert_converts_type (L, "{['a\\0b'] = 1, ok = 2}", "a(vv)");
}

PROTECTED_TEST (test_to_variant_tuple)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) empty = NULL;
  g_autoptr(GVariant) three = NULL;
  g_autoptr(GVariant) many = NULL;
  g_autofree char *printed = NULL;
  int top;

  empty = gisle_value_to_tuple (L, lua_gettop (L) + 1, 0, "result", &error);
  g_assert_no_error (error);
  g_assert_false (g_variant_is_floating (empty));
  g_assert_cmpstr (g_variant_get_type_string (empty), ==, "()");

  eval (L, "return 'first', 7, nil, {true}", 4);
  top = lua_gettop (L);
  /* Relative indices work: the last three values. */
  three = gisle_value_to_tuple (L, -3, 3, "result", &error);
  g_assert_no_error (error);
  g_assert_false (g_variant_is_floating (three));
  g_assert_cmpint (lua_gettop (L), ==, top);
  printed = g_variant_print (three, TRUE);
  g_assert_cmpstr (printed, ==, "(int64 7, @mv nothing, [<true>])");
  lua_settop (L, 0);

  /* More values than fit inline. */
  eval (L, "local t = {} for i = 1, 50 do t[i] = i end return table.unpack (t)",
        LUA_MULTRET);
  many = gisle_value_to_tuple (L, 1, 50, "result", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (many), ==, 50);
  {
    g_autoptr(GVariant) last = g_variant_get_child_value (many, 49);

    g_assert_cmpint (g_variant_get_int64 (last), ==, 50);
  }
  lua_settop (L, 0);
}

static int
push_light_userdata (lua_State *L)
{
  static char anchor;

  lua_pushlightuserdata (L, &anchor);
  return 1;
}

static void
install_odd_values (lua_State *L)
{
  lua_pushcfunction (L, push_light_userdata);
  lua_call (L, 0, 1);
  lua_setglobal (L, "lud");
  lua_newuserdatauv (L, 8, 0);
  lua_setglobal (L, "ud");
  eval (L, "co = coroutine.create (print)", 0);
}

PROTECTED_TEST (test_to_variant_errors)
{
  g_autofree char *long_key = NULL;
  g_autofree char *expected = NULL;

  install_odd_values (L);

  assert_to_variant_fails (L, "print", "result 1",
                           "result 1: a function cannot leave the isle");
  assert_to_variant_fails (L, "{cb = print}", "result 2",
                           "result 2, field \"cb\": a function cannot leave the isle");
  assert_to_variant_fails (L, "{1, 2, ud}", "result 1",
                           "result 1, item 3: a userdata cannot leave the isle");
  assert_to_variant_fails (L, "{x = {lud}}", "argument 1",
                           "argument 1, field \"x\", item 1: a light userdata cannot leave the isle");
  assert_to_variant_fails (L, "{[7] = co}", "result 1",
                           "result 1, key 7: a thread cannot leave the isle");
  assert_to_variant_fails (L, "{[2.5] = print}", "result 1",
                           "result 1, key 2.5: a function cannot leave the isle");
  assert_to_variant_fails (L, "{[true] = print}", "result 1",
                           "result 1, key true: a function cannot leave the isle");
  assert_to_variant_fails (L, "{[-1/0] = print}", "result 1",
                           "result 1, key -inf: a function cannot leave the isle");
  assert_to_variant_fails (L, "{[{}] = print}", "result 1",
                           "result 1, key (a table): a function cannot leave the isle");
  assert_to_variant_fails (L, "{[{print}] = 1}", "result 1",
                           "result 1, a table key, item 1: a function cannot leave the isle");

  /* Keys that cannot cross at all, wherever the table is. */
  assert_to_variant_fails (L, "{[print] = 1}", "result 1",
                           "result 1: a table key of type function cannot leave the isle");
  assert_to_variant_fails (L, "{a = {[ud] = 1}}", "result 1",
                           "result 1, field \"a\": a table key of type userdata cannot leave the isle");
  assert_to_variant_fails (L, "{[lud] = 1}", "result 1",
                           "result 1: a table key of type light userdata cannot leave the isle");

  /* Cycles, direct and indirect. */
  assert_to_variant_fails (L, "(function () local t = {} t.self = t return t end) ()",
                           "result 1",
                           "result 1, field \"self\": a cycle (a table that contains itself) cannot leave the isle");
  assert_to_variant_fails (L, "(function () local a, b = {}, {} a[1] = b b.up = a return a end) ()",
                           "result 1",
                           "result 1, item 1, field \"up\": a cycle (a table that contains itself) cannot leave the isle");
  assert_to_variant_fails (L, "(function () local t = {} t[t] = 1 return t end) ()",
                           "result 1",
                           "result 1, a table key: a cycle (a table that contains itself) cannot leave the isle");

  /* Field names are quoted, escaped and shortened. */
  assert_to_variant_fails (L, "{['say \"hi\"\\n'] = print}", "result 1",
                           "result 1, field \"say \\\"hi\\\"\\n\": a function cannot leave the isle");
  assert_to_variant_fails (L, "{['\\xff\\0caf\\u{e9}'] = print}", "result 1",
                           "result 1, field \"\\xff\\x00café\": a function cannot leave the isle");
  long_key = g_strnfill (50, 'k');
  expected = g_strdup_printf ("result 1, field \"%.40s…\": a function cannot leave the isle",
                              long_key);
  {
    g_autofree char *expr = g_strdup_printf ("{%s = print}", long_key);

    assert_to_variant_fails (L, expr, "result 1", expected);
  }

  /* Long paths keep their head and tail. */
  assert_to_variant_fails (L, "{a = {b = {c = {d = {e = {f = {g = print}}}}}}}", "result 1",
                           "result 1, field \"a\", field \"b\", field \"c\", …, "
                           "field \"f\", field \"g\": a function cannot leave the isle");
  assert_to_variant_fails (L, "{a = {b = {c = {d = {e = {f = print}}}}}}", "result 1",
                           "result 1, field \"a\", field \"b\", field \"c\", "
                           "field \"d\", field \"e\", field \"f\": a function cannot leave the isle");

  /* A NULL label still names the value. */
  {
    g_autoptr(GError) error = NULL;

    lua_pushcfunction (L, push_light_userdata);
    g_assert_null (gisle_value_to_variant (L, -1, NULL, &error));
    g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION);
    g_assert_cmpstr (error->message, ==, "value: a function cannot leave the isle");
    lua_pop (L, 1);
  }
}

PROTECTED_TEST (test_to_tuple_errors)
{
  g_autoptr(GError) error = NULL;
  int top;

  eval (L, "return 1, {cb = print}, 3", 3);
  top = lua_gettop (L);
  g_assert_null (gisle_value_to_tuple (L, 1, 3, "result", &error));
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION);
  g_assert_cmpstr (error->message, ==,
                   "result 2, field \"cb\": a function cannot leave the isle");
  g_assert_cmpint (lua_gettop (L), ==, top);
  g_clear_error (&error);

  g_assert_null (gisle_value_to_tuple (L, 2, 2, "argument", &error));
  g_assert_cmpstr (error->message, ==,
                   "argument 1, field \"cb\": a function cannot leave the isle");
  g_clear_error (&error);

  /* Past the inline buffer. */
  lua_settop (L, 0);
  eval (L, "local t = {} for i = 1, 20 do t[i] = i end t[20] = print "
        "return table.unpack (t)", LUA_MULTRET);
  g_assert_null (gisle_value_to_tuple (L, 1, 20, "result", &error));
  g_assert_cmpstr (error->message, ==, "result 20: a function cannot leave the isle");
  g_assert_cmpint (lua_gettop (L), ==, 20);
  lua_settop (L, 0);
}

PROTECTED_TEST (test_to_variant_depth)
{
  g_autofree char *deepest = nested_tables (GISLE_VALUE_MAX_DEPTH);
  g_autofree char *too_deep = nested_tables (GISLE_VALUE_MAX_DEPTH + 1);
  g_autoptr(GVariant) value = convert (L, deepest);
  g_autoptr(GVariant) cur = g_variant_ref (value);
  int levels = 0;

  /* 100 levels cross, as av inside v inside av... */
  while (cur != NULL)
    {
      GVariant *next = NULL;

      g_assert_cmpstr (g_variant_get_type_string (cur), ==, "av");
      levels++;
      if (g_variant_n_children (cur) > 0)
        {
          g_autoptr(GVariant) boxed = g_variant_get_child_value (cur, 0);

          next = g_variant_get_variant (boxed);
        }
      g_variant_unref (cur);
      cur = next;
    }
  g_assert_cmpint (levels, ==, GISLE_VALUE_MAX_DEPTH);

  assert_to_variant_fails (L, too_deep, "argument 1",
                           "argument 1, item 1, item 1, item 1, …: nested deeper than 100 levels");
  {
    /* A table used as a key counts as one level deeper too. */
    g_autofree char *as_key = g_strdup_printf ("{[%s] = 1}", deepest);

    assert_to_variant_fails (L, as_key, "argument 1",
                             "argument 1, a table key, item 1, item 1, …: nested deeper than 100 levels");
  }
}

PROTECTED_TEST (test_to_variant_shared)
{
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) a = NULL;
  g_autoptr(GVariant) b = NULL;

  /* The same table twice, and a diamond: not cycles. */
  value = convert (L, "(function () local s = {1, 2} return {a = s, b = {s, s}} end) ()");
  g_assert_cmpstr (g_variant_get_type_string (value), ==, "a{sv}");
  a = g_variant_lookup_value (value, "a", G_VARIANT_TYPE ("av"));
  b = g_variant_lookup_value (value, "b", G_VARIANT_TYPE ("av"));
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpuint (g_variant_n_children (a), ==, 2);
  g_assert_cmpuint (g_variant_n_children (b), ==, 2);
  assert_converts (L, "(function () local s = {} local t = {s, s, s} return {t, t} end) ()",
                   "[<[<@av []>, <@av []>, <@av []>]>, <[<@av []>, <@av []>, <@av []>]>]");
}

PROTECTED_TEST (test_to_variant_metatables)
{
  g_autoptr(GVariant) proxy = NULL;

  /* Every metamethod would fail the test if converting ran it. */
  eval (L,
        "calls = 0\n"
        "local function boom () calls = calls + 1 error ('metamethod ran') end\n"
        "hostile = {__index = boom, __newindex = boom, __pairs = boom,\n"
        "           __len = boom, __eq = boom, __tostring = boom,\n"
        "           __name = 'Hostile', __metatable = 'locked'}\n",
        0);
  assert_converts (L, "setmetatable ({1, 2}, hostile)", "[<int64 1>, <int64 2>]");
  assert_converts (L, "setmetatable ({x = 'raw'}, hostile)", "{'x': <'raw'>}");
  assert_converts (L, "setmetatable ({}, hostile)", "@av []");
  assert_converts (L, "{setmetatable ({[2] = 2}, hostile)}", "[<{int64 2: <int64 2>}>]");
  assert_converts (L, "{[setmetatable ({}, hostile)] = 1}", "[(<@av []>, <int64 1>)]");

  /* Only raw content: inherited fields do not cross. */
  proxy = convert (L, "setmetatable ({own = 1}, {__index = {inherited = 2}})");
  g_assert_cmpuint (g_variant_n_children (proxy), ==, 1);
  g_assert_true (g_variant_lookup (proxy, "own", "x", NULL));
  g_assert_false (g_variant_lookup (proxy, "inherited", "x", NULL));

  eval (L, "return calls", 1);
  g_assert_cmpint (lua_tointeger (L, -1), ==, 0);
  lua_pop (L, 1);
}

/* ---------------------------------------------------------------------- */
/* GVariant -> Lua                                                         */

PROTECTED_TEST (test_push_scalars)
{
  const guint8 bytes[] = { 'a', 0, 'b', 0xff };

  assert_pushes (L, g_variant_new_boolean (TRUE), "v == true");
  assert_pushes (L, g_variant_new_boolean (FALSE), "v == false");
  assert_pushes (L, g_variant_new_byte (255), "math.type (v) == 'integer' and v == 255");
  assert_pushes (L, g_variant_new_int16 (G_MININT16), "math.type (v) == 'integer' and v == -32768");
  assert_pushes (L, g_variant_new_uint16 (G_MAXUINT16), "math.type (v) == 'integer' and v == 65535");
  assert_pushes (L, g_variant_new_int32 (G_MININT32), "math.type (v) == 'integer' and v == -2147483648");
  assert_pushes (L, g_variant_new_uint32 (G_MAXUINT32), "math.type (v) == 'integer' and v == 4294967295");
  assert_pushes (L, g_variant_new_handle (3), "math.type (v) == 'integer' and v == 3");
  assert_pushes (L, g_variant_new_int64 (G_MININT64), "v == math.mininteger");
  assert_pushes (L, g_variant_new_int64 (G_MAXINT64), "v == math.maxinteger");
  /* A `t` above G_MAXINT64 can only be a float. */
  assert_pushes (L, g_variant_new_uint64 (G_MAXINT64), "v == math.maxinteger");
  assert_pushes (L, g_variant_new_uint64 (G_MAXUINT64), "math.type (v) == 'float' and v == 2^64");
  assert_pushes (L, g_variant_new_uint64 ((guint64) G_MAXINT64 + 1), "math.type (v) == 'float' and v == 2^63");
  assert_pushes (L, g_variant_new_double (0.5), "math.type (v) == 'float' and v == 0.5");
  assert_pushes (L, g_variant_new_double (3.0), "math.type (v) == 'float' and v == 3");
  assert_pushes (L, g_variant_new_double (NAN), "v ~= v");
  assert_pushes (L, g_variant_new_double (-0.0), "v == 0 and 1/v < 0");
  assert_pushes (L, g_variant_new_double (-INFINITY), "v == -1/0");

  assert_pushes (L, g_variant_new_string ("café"), "v == 'caf\\u{e9}'");
  assert_pushes (L, g_variant_new_string (""), "v == ''");
  assert_pushes (L, g_variant_new_object_path ("/org/gnome/Isle"), "v == '/org/gnome/Isle'");
  assert_pushes (L, g_variant_new_signature ("a{sv}"), "v == 'a{sv}'");

  /* ay: exactly the bytes, even a bytestring's trailing NUL. */
  assert_pushes (L, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, 4, 1),
                 "v == 'a\\0b\\xff' and #v == 4");
  assert_pushes (L, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1), "v == ''");
  assert_pushes (L, g_variant_new_bytestring ("abc"), "v == 'abc\\0' and #v == 4");

  /* v and m */
  assert_pushes (L, g_variant_new_variant (g_variant_new_int32 (5)), "v == 5");
  assert_pushes (L, g_variant_new_variant (g_variant_new_variant (g_variant_new_variant (g_variant_new_string ("deep")))),
                 "v == 'deep'");
  assert_pushes (L, g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL), "v == nil and select ('#', ...) == 1");
  assert_pushes (L, g_variant_new_maybe (NULL, g_variant_new_int32 (9)), "v == 9");
  assert_pushes (L, g_variant_new_maybe (NULL, g_variant_new_maybe (G_VARIANT_TYPE_INT32, NULL)), "v == nil");
  assert_pushes (L, g_variant_new_maybe (NULL, g_variant_new_variant (g_variant_new_boolean (TRUE))), "v == true");
}

PROTECTED_TEST (test_push_containers)
{
  GVariantBuilder builder;

  /* Arrays and tuples become sequences. */
  assert_pushes (L, g_variant_new_parsed ("[1, 2, 3]"),
                 "#v == 3 and v[1] == 1 and v[3] == 3 and math.type (v[1]) == 'integer'");
  assert_pushes (L, g_variant_new_parsed ("@as []"), "type (v) == 'table' and next (v) == nil");
  assert_pushes (L, g_variant_new_parsed ("[<'a'>, <2.5>, <[<true>]>]"),
                 "v[1] == 'a' and v[2] == 2.5 and v[3][1] == true and #v == 3");
  assert_pushes (L, g_variant_new_parsed ("('x', 7, (true, @ai []))"),
                 "v[1] == 'x' and v[2] == 7 and v[3][1] == true and next (v[3][2]) == nil");
  assert_pushes (L, g_variant_new_tuple (NULL, 0), "type (v) == 'table' and next (v) == nil");
  assert_pushes (L, g_variant_new_parsed ("[[1, 2], [3]]"), "v[1][2] == 2 and v[2][1] == 3");
  assert_pushes (L, g_variant_new_parsed ("[b'ab', b'c']"), "v[1] == 'ab\\0' and v[2] == 'c\\0'");
  /* Nothing inside a container leaves a hole. */
  assert_pushes (L, g_variant_new_parsed ("[@mi 1, nothing, 3]"),
                 "v[1] == 1 and v[2] == nil and v[3] == 3");
  /* A lone dict entry is a pair. */
  assert_pushes (L, g_variant_new_dict_entry (g_variant_new_string ("k"), g_variant_new_int32 (1)),
                 "v[1] == 'k' and v[2] == 1 and #v == 2");
  /* Other arrays of pairs are sequences, not dictionaries. */
  assert_pushes (L, g_variant_new_parsed ("[(1, 'a')]"), "v[1][1] == 1 and v[1][2] == 'a'");
  assert_pushes (L, g_variant_new_parsed ("[(<1>, <'a'>, <2>)]"), "v[1][3] == 2");

  /* Dictionaries */
  assert_pushes (L, g_variant_new_parsed ("{'a': <1>, 'b': <'two'>}"),
                 "v.a == 1 and v.b == 'two'");
  assert_pushes (L, g_variant_new_parsed ("{'x': 'y'}"), "v.x == 'y'");
  assert_pushes (L, g_variant_new_parsed ("{int64 2: <'b'>, 5: <'e'>}"),
                 "v[2] == 'b' and v[5] == 'e' and v[1] == nil");
  assert_pushes (L, g_variant_new_parsed ("{1.5: true, 2.0: false}"),
                 "v[1.5] == true and v[2] == false and math.type (next ({[2.0] = 1})) == 'integer'");
  assert_pushes (L, g_variant_new_parsed ("{true: 'yes'}"), "v[true] == 'yes'");
  assert_pushes (L, g_variant_new_parsed ("{@o '/a': 1}"), "v['/a'] == 1");
  assert_pushes (L, g_variant_new_parsed ("@a{sv} {}"), "type (v) == 'table' and next (v) == nil");

  /* a(vv): the pairs of a mixed table, keys of any type. */
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(vv)"));
  g_variant_builder_add (&builder, "(vv)", g_variant_new_int64 (1), g_variant_new_string ("one"));
  g_variant_builder_add (&builder, "(vv)", g_variant_new_string ("x"), g_variant_new_int64 (3));
  g_variant_builder_add (&builder, "(vv)", g_variant_new_double (2.5), g_variant_new_boolean (TRUE));
  g_variant_builder_add (&builder, "(vv)", g_variant_new_boolean (FALSE), g_variant_new_string ("f"));
  g_variant_builder_add (&builder, "(vv)", g_variant_new_parsed ("[<1>]"), g_variant_new_string ("table key"));
  assert_pushes (L, g_variant_builder_end (&builder),
                 "v[1] == 'one' and v.x == 3 and v[2.5] == true and v[false] == 'f'"
                 " and (function () for k, x in pairs (v) do"
                 "   if type (k) == 'table' then return k[1] == 1 and x == 'table key' end"
                 " end end) ()");
}

PROTECTED_TEST (test_push_args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) args = g_variant_ref_sink (g_variant_new_parsed ("('a', 5, @mv nothing, [1, 2])"));
  g_autoptr(GVariant) single = g_variant_ref_sink (g_variant_new_string ("alone"));
  g_autoptr(GVariant) unit = g_variant_ref_sink (g_variant_new_tuple (NULL, 0));
  int n;

  g_assert_cmpint (gisle_value_push_args (L, NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (lua_gettop (L), ==, 0);

  g_assert_cmpint (gisle_value_push_args (L, unit, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (lua_gettop (L), ==, 0);

  /* The children of a tuple spread out. */
  n = gisle_value_push_args (L, args, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 4);
  g_assert_cmpint (lua_gettop (L), ==, 4);
  g_assert_cmpstr (lua_tostring (L, 1), ==, "a");
  g_assert_true (lua_isinteger (L, 2));
  g_assert_cmpint (lua_tointeger (L, 2), ==, 5);
  g_assert_true (lua_isnil (L, 3));
  g_assert_true (lua_istable (L, 4));
  lua_settop (L, 0);

  /* A non-tuple is one argument. */
  g_assert_cmpint (gisle_value_push_args (L, single, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (lua_gettop (L), ==, 1);
  g_assert_cmpstr (lua_tostring (L, 1), ==, "alone");
  lua_settop (L, 0);
}

/* A dictionary entry list holding one (@key, 1) pair. */
static GVariant *
pairs_with_key (GVariant *key)
{
  GVariant *pair = g_variant_new ("(vv)", key, g_variant_new_int32 (1));

  return g_variant_new_array (G_VARIANT_TYPE ("(vv)"), &pair, 1);
}

PROTECTED_TEST (test_push_errors)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) bad_args = NULL;
  GVariant *children[3];

  lua_pushstring (L, "sentinel");

  assert_push_fails (L, pairs_with_key (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL)),
                     "result 1", "result 1, entry 1: a nil key cannot enter the isle");
  assert_push_fails (L, pairs_with_key (g_variant_new_double (NAN)),
                     "result 1", "result 1, entry 1: a NaN key cannot enter the isle");
  assert_push_fails (L, g_variant_new_parsed ("{'ok': <1>, 'inner': <{nan: 1}>}"),
                     "argument 2", "argument 2, entry 2, entry 1: a NaN key cannot enter the isle");
  assert_push_fails (L, g_variant_new_parsed ("[<1>, <[(<@mv nothing>, <2>)]>]"),
                     "result 1", "result 1, item 2, entry 1: a nil key cannot enter the isle");

  /* Fails after some arguments were pushed: the stack is as it was. */
  children[0] = g_variant_new_string ("fine");
  children[1] = g_variant_new_parsed ("[1, 2]");
  children[2] = g_variant_new_parsed ("[<{nan: 1}>]");
  bad_args = g_variant_ref_sink (g_variant_new_tuple (children, 3));
  g_assert_cmpint (gisle_value_push_args (L, bad_args, &error), ==, -1);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION);
  g_assert_cmpstr (error->message, ==, "argument 3, item 1, entry 1: a NaN key cannot enter the isle");
  g_assert_cmpint (lua_gettop (L), ==, 1);
  g_assert_cmpstr (lua_tostring (L, 1), ==, "sentinel");
  g_clear_error (&error);

  /* A NULL label still names the value. */
  {
    g_autoptr(GVariant) value = g_variant_ref_sink (pairs_with_key (g_variant_new_double (NAN)));

    g_assert_false (gisle_value_push (L, value, NULL, &error));
    g_assert_cmpstr (error->message, ==, "value, entry 1: a NaN key cannot enter the isle");
    g_assert_cmpint (lua_gettop (L), ==, 1);
  }
}

PROTECTED_TEST (test_push_depth)
{
  GVariant *key;

  lua_pushstring (L, "sentinel");
  assert_pushes (L, nested_arrays (GISLE_VALUE_MAX_DEPTH),
                 "(function () local n = 0 while v do n = n + 1 v = v[1] end return n end) () == 100");
  assert_push_fails (L, nested_arrays (GISLE_VALUE_MAX_DEPTH + 1), "argument 1",
                     "argument 1, item 1, item 1, item 1, …: nested deeper than 100 levels");

  /* Wrappers do not count, however many: only tables do. */
  {
    GVariant *value = nested_arrays (GISLE_VALUE_MAX_DEPTH);

    for (int i = 0; i < 10000; i++)
      value = g_variant_new_variant (value);
    assert_pushes (L, value, "type (v) == 'table'");
  }

  /* A key of a pair is one level deeper too. */
  key = nested_arrays (GISLE_VALUE_MAX_DEPTH);
  assert_push_fails (L, pairs_with_key (key), "result 1",
                     "result 1, key of entry 1, item 1, item 1, …: nested deeper than 100 levels");
  g_assert_cmpint (lua_gettop (L), ==, 1);
}

/* ---------------------------------------------------------------------- */
/* Round trips                                                             */

PROTECTED_TEST (test_round_trip_lua)
{
  g_autofree char *deepest = nested_tables (GISLE_VALUE_MAX_DEPTH);

  assert_round_trip (L, "return math.mininteger, math.maxinteger, 0, -1, 1");
  assert_round_trip (L, "return 2^53 + 1, (1 << 53) + 1, 2^53, 0/0, -0.0, 0.0, 1/0, -1/0");
  assert_round_trip (L, "return 0.1, 5e-324, 1.7976931348623157e308, 2^63, -2^63");
  assert_round_trip (L, "return '', 'a\\0b', '\\0', 'x\\0', '\\xff\\xfe', 'caf\\u{e9}', string.rep ('ab', 5000)");
  assert_round_trip (L, "return nil, true, false, nil");
  assert_round_trip (L, "return {}, {1, 2, 3}, {x = 1, y = {z = 'w'}}, {1, 1.0, 0/0, -0.0, {2^63}}");
  assert_round_trip (L, "return {[1] = 'a', [3] = 'c'}, {[-1] = 1, [0] = 0}, {[math.mininteger] = 1}");
  assert_round_trip (L, "return {1, 2, x = 3}, {[2.5] = 'f', [true] = 't', [false] = 'f'}");
  assert_round_trip (L, "return {['\\xff'] = 1, ok = 2}, {['a\\0b'] = 'nul key'}, {[1/0] = 'inf'}");
  assert_round_trip (L, "return {[{1, 2}] = 'table key', [{}] = {[{x = 1}] = 'nested'}}");
  assert_round_trip (L, "return {s = 'a\\0b', list = {'\\xff', {1.5, 2}}, [7] = 0/0}");
  assert_round_trip (L, "local t = {} for i = 1, 1000 do t[i] = i * 1.5 end return t");
  assert_round_trip (L, "local t = {} for i = 1, 1000 do t['k' .. i] = {i} end return t");
  /* Shallow results leave serialized, deeper ones as a tree: both sides
   * of the boundary, in the shape with the most GVariant levels per table. */
  for (int levels = GISLE_VALUE_SERIALIZE_DEPTH - 1; levels <= GISLE_VALUE_SERIALIZE_DEPTH + 1; levels++)
    {
      g_autofree char *code =
        g_strdup_printf ("local t = 'leaf' for i = 2, %d do t = {[{i}] = t, [true] = i} end "
                         "return t, {[{1}] = t}", levels - 1);

      assert_round_trip (L, code);
    }
  {
    g_autofree char *code = g_strdup_printf ("return %s", deepest);

    assert_round_trip (L, code);
  }
}

PROTECTED_TEST (test_round_trip_variant)
{
  const char *cases[] = {
    "@mv nothing",
    "true",
    "int64 -9223372036854775808",
    "int64 9223372036854775807",
    "-0.0",
    "'text'",
    "b'bytes\\x00\\xff'",
    "@av []",
    "[<int64 1>, <'a'>, <[<true>]>]",
    "{'a': <int64 1>}",
    "{int64 5: <'e'>}",
    "[(<2.5>, <'f'>)]",
    "[(<[<int64 1>]>, <'table key'>)]",
    "(int64 1, @mv nothing, 'x')",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_parsed (cases[i]));
      g_autoptr(GVariant) back = NULL;
      int n;

      if (g_variant_is_of_type (value, G_VARIANT_TYPE_TUPLE))
        {
          n = gisle_value_push_args (L, value, &error);
          g_assert_no_error (error);
          back = gisle_value_to_tuple (L, 1, n, "result", &error);
        }
      else
        {
          g_assert_true (gisle_value_push (L, value, "value", &error));
          back = gisle_value_to_variant (L, -1, "result", &error);
        }
      g_assert_no_error (error);
      if (!g_variant_equal (value, back))
        {
          g_autofree char *printed = g_variant_print (back, TRUE);

          g_error ("%s came back as %s", cases[i], printed);
        }
      lua_settop (L, 0);
    }
}

/* ---------------------------------------------------------------------- */
/* Lua errors while pushing                                                */

typedef struct {
  size_t used;
  size_t limit;
} Budget;

static void *
budget_alloc (void   *ud,
              void   *ptr,
              size_t  osize,
              size_t  nsize)
{
  Budget *budget = ud;
  void *p;

  if (ptr == NULL)
    osize = 0;
  if (nsize == 0)
    {
      free (ptr);
      budget->used -= osize;
      return NULL;
    }
  if (nsize > osize && budget->used + (nsize - osize) > budget->limit)
    return NULL;
  p = realloc (ptr, nsize);
  if (p != NULL)
    budget->used = budget->used - osize + nsize;
  return p;
}

typedef struct {
  GVariant *value;
  gboolean ok;
  GError *error;
} PushJob;

static int
run_push_job (lua_State *L)
{
  PushJob *job = lua_touserdata (L, 1);

  lua_settop (L, 0);
  job->ok = gisle_value_push (L, job->value, "value", &job->error);
  return lua_gettop (L);
}

static void
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
}

/* A serialised value whose children are created (and referenced) on demand,
 * and which tells when its memory is let go. */
static GVariant *
watched_value (GVariant *normal,
               gboolean *freed)
{
  g_autoptr(GBytes) bytes = g_bytes_new_with_free_func (g_variant_get_data (normal),
                                                        g_variant_get_size (normal),
                                                        set_flag, freed);

  *freed = FALSE;
  return g_variant_ref_sink (g_variant_new_from_bytes (g_variant_get_type (normal),
                                                       bytes, TRUE));
}

static GVariant *
some_records (int n)
{
  g_autoptr(GVariant) built = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
  for (int i = 0; i < n; i++)
    g_variant_builder_add (&builder, "v",
                           g_variant_new_parsed ("{'name': <%s>, 'list': <[<1>, <[<'x'>]>]>}",
                                                 "some string of a few dozen bytes"));
  built = g_variant_ref_sink (g_variant_builder_end (&builder));
  return g_variant_get_normal_form (built);
}

/* Pushes under a memory limit that grows until the push succeeds: a Lua
 * memory error in the middle of a push is a G_ISLE_ERROR_MEMORY error, the
 * stack is as it was, and every GVariant reference taken is released. */
static void
test_push_memory_error (void)
{
  g_autoptr(GVariant) normal = some_records (100);
  size_t needed = 0;
  int failures = 0;

  for (size_t extra = 0; ; extra += MAX (needed / 150, 64))
    {
      Budget budget = { 0, G_MAXSIZE };
      lua_State *L = lua_newstate (budget_alloc, &budget);
      gboolean freed;
      PushJob job = { watched_value (normal, &freed), FALSE, NULL };
      size_t base = budget.used;
      int status;

      lua_pushcfunction (L, run_push_job);
      lua_pushlightuserdata (L, &job);
      if (needed > 0)
        budget.limit = budget.used + extra;
      status = lua_pcall (L, 1, LUA_MULTRET, 0);
      g_variant_unref (job.value);
      g_assert_true (freed);
      g_assert_cmpint (status, ==, LUA_OK);

      if (job.ok)
        {
          g_assert_no_error (job.error);
          g_assert_cmpint (lua_gettop (L), ==, 1);
          g_assert_true (lua_istable (L, 1));
          g_assert_cmpint (luaL_len (L, 1), ==, 100);
        }
      else
        {
          g_assert_error (job.error, G_ISLE_ERROR, G_ISLE_ERROR_MEMORY);
          g_assert_true (g_str_has_prefix (job.error->message, "value"));
          g_assert_true (g_str_has_suffix (job.error->message, ": not enough memory"));
          g_assert_cmpint (lua_gettop (L), ==, 0);
          g_clear_error (&job.error);
          failures++;
        }

      if (needed == 0)
        needed = budget.used - base;
      else if (job.ok)
        {
          lua_close (L);
          break;
        }
      lua_close (L);
    }

  g_assert_cmpint (failures, >, 50);
}

typedef struct {
  lua_Alloc next;
  void *next_ud;
} Refuser;

/* Frees and shrinks through @ud's allocator, refuses to grow anything. */
static void *
refuse_alloc (void   *ud,
              void   *ptr,
              size_t  osize,
              size_t  nsize)
{
  Refuser *refuser = ud;

  if (nsize > (ptr != NULL ? osize : 0))
    return NULL;
  return refuser->next (refuser->next_ud, ptr, osize, nsize);
}

/* Arguments fail the same way, naming the argument. */
PROTECTED_TEST (test_push_args_memory_error)
{
  g_autoptr(GVariant) records = some_records (10);
  g_autoptr(GVariant) args = g_variant_ref_sink (g_variant_new ("(s@av)", "a fresh string", records));
  g_autoptr(GError) error = NULL;
  Refuser refuser;

  lua_pushstring (L, "sentinel");
  refuser.next = lua_getallocf (L, &refuser.next_ud);
  lua_setallocf (L, refuse_alloc, &refuser);
  g_assert_cmpint (gisle_value_push_args (L, args, &error), ==, -1);
  lua_setallocf (L, refuser.next, refuser.next_ud);

  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_MEMORY);
  g_assert_cmpstr (error->message, ==, "argument 1: not enough memory");
  g_assert_cmpint (lua_gettop (L), ==, 1);
  g_assert_cmpstr (lua_tostring (L, 1), ==, "sentinel");
}

/* Errors that a hook raises (as a cancelled job's hook does on every call)
 * are not swallowed: they propagate, after the references are released. */
static void
raise_on_call (lua_State *L,
               lua_Debug *ar)
{
  luaL_error (L, "cancelled");
}

static int
push_with_hook (lua_State *L)
{
  PushJob *job = lua_touserdata (L, 1);

  lua_settop (L, 0);
  lua_sethook (L, raise_on_call, LUA_MASKCALL, 0);
  job->ok = gisle_value_push (L, job->value, "value", &job->error);
  lua_sethook (L, NULL, 0, 0);
  return 0;
}

static void
test_push_hook_error (void)
{
  g_autoptr(GVariant) normal = some_records (10);
  lua_State *L = luaL_newstate ();
  gboolean freed;
  PushJob job = { watched_value (normal, &freed), FALSE, NULL };
  int status;

  lua_pushcfunction (L, push_with_hook);
  lua_pushlightuserdata (L, &job);
  status = lua_pcall (L, 1, 0, 0);
  g_assert_cmpint (status, ==, LUA_ERRRUN);
  g_assert_cmpstr (lua_tostring (L, -1), ==, "cancelled");
  g_assert_null (job.error);
  g_variant_unref (job.value);
  g_assert_true (freed);
  lua_close (L);
}

static gboolean in_outer_push;
static int nested_pushes;

/* A finalizer that pushes a value: finalizers run inside the allocations
 * of an outer push, which must not notice. */
static int
finalizer_pushes (lua_State *L)
{
  GVariant *value = g_variant_ref_sink (g_variant_new_parsed ("[<'nested'>, <[<1>, <2>]>]"));
  gboolean ok = gisle_value_push (L, value, "nested", NULL);

  g_variant_unref (value);
  g_assert_true (ok);
  lua_rawgeti (L, -1, 1);
  g_assert_cmpstr (lua_tostring (L, -1), ==, "nested");
  if (in_outer_push)
    nested_pushes++;
  return 0;
}

PROTECTED_TEST (test_push_reentrant)
{
  g_autoptr(GVariant) wrapper = NULL;
  g_autoptr(GVariant) big = NULL;
  GVariant *boxed;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
  for (int i = 1; i <= 2000; i++)
    g_variant_builder_add (&builder, "v", g_variant_new_parsed ("[<%i>, <'item'>]", i));
  /* Wrapped once more, so that even the first big allocation happens while
   * the outer push holds references. */
  boxed = g_variant_new_variant (g_variant_builder_end (&builder));
  wrapper = g_variant_ref_sink (g_variant_new_array (NULL, &boxed, 1));
  big = g_variant_get_normal_form (wrapper);

  lua_pushcfunction (L, finalizer_pushes);
  lua_setglobal (L, "finalizer_pushes");
  /* Small, frequent GC steps, so finalizers run in the middle of pushes
   * (while the outer push holds references) rather than all at its start. */
  eval (L, "collectgarbage ('incremental', 10, 100, 6)", 0);

  for (int round = 0; round < 20; round++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok;

      eval (L, "local mt = {__gc = finalizer_pushes}\n"
               "for i = 1, 200 do setmetatable ({}, mt) end", 0);
      in_outer_push = TRUE;
      ok = gisle_value_push (L, big, "value", &error);
      in_outer_push = FALSE;
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpint (lua_gettop (L), ==, 1);
      lua_rawgeti (L, 1, 1);
      g_assert_cmpint (luaL_len (L, 2), ==, 2000);
      lua_rawgeti (L, 2, 2000);
      lua_rawgeti (L, -1, 1);
      g_assert_cmpint (lua_tointeger (L, -1), ==, 2000);
      lua_settop (L, 0);
    }
  g_assert_cmpint (nested_pushes, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/values/to-variant/scalars", test_to_variant_scalars);
  g_test_add_func ("/values/to-variant/floats", test_to_variant_floats);
  g_test_add_func ("/values/to-variant/tables", test_to_variant_tables);
  g_test_add_func ("/values/to-variant/tuple", test_to_variant_tuple);
  g_test_add_func ("/values/to-variant/errors", test_to_variant_errors);
  g_test_add_func ("/values/to-variant/tuple-errors", test_to_tuple_errors);
  g_test_add_func ("/values/to-variant/depth", test_to_variant_depth);
  g_test_add_func ("/values/to-variant/shared", test_to_variant_shared);
  g_test_add_func ("/values/to-variant/metatables", test_to_variant_metatables);
  g_test_add_func ("/values/push/scalars", test_push_scalars);
  g_test_add_func ("/values/push/containers", test_push_containers);
  g_test_add_func ("/values/push/args", test_push_args);
  g_test_add_func ("/values/push/errors", test_push_errors);
  g_test_add_func ("/values/push/depth", test_push_depth);
  g_test_add_func ("/values/push/memory-error", test_push_memory_error);
  g_test_add_func ("/values/push/args-memory-error", test_push_args_memory_error);
  g_test_add_func ("/values/push/hook-error", test_push_hook_error);
  g_test_add_func ("/values/push/reentrant", test_push_reentrant);
  g_test_add_func ("/values/round-trip/lua", test_round_trip_lua);
  g_test_add_func ("/values/round-trip/variant", test_round_trip_variant);

  return g_test_run ();
}
