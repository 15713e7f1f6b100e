/* test-call.c: calling Lua functions by name.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include "gisle-test-utils.h"

static const char setup_code[] =
  "function echo (...) return ... end\n"
  "function add (a, b) return a + b end\n"
  "function count (...) return select ('#', ...) end\n"
  "function types (...)\n"
  "  local t = {}\n"
  "  for i = 1, select ('#', ...) do\n"
  "    local v = select (i, ...)\n"
  "    t[i] = math.type (v) or type (v)\n"
  "  end\n"
  "  return table.concat (t, ' ')\n"
  "end\n"
  "function fail (what) error ('kaputt: ' .. what) end\n"
  "t = { sub = { f = function (x) return x * 2 end } }\n"
  "callable = setmetatable ({}, { __call = function (self, x) return x + 1 end })\n"
  "answer = 42\n"
  "proxy = setmetatable ({}, { __index = function (t, k)\n"
  "  return function (...) return k, select ('#', ...) end\n"
  "end })\n"
  "word = 'abc'\n";

static GIsle *
new_isle (void)
{
  return gisle_test_isle_new ("setup-code", setup_code, NULL);
}

/* Calls @function and asserts that it succeeds. */
static GVariant *
call_ok (GIsle      *isle,
         const char *function,
         GVariant   *args)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = g_isle_call (isle, function, args, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_true (g_variant_is_of_type (result, G_VARIANT_TYPE_TUPLE));
  return result;
}

static void
assert_call (GIsle      *isle,
             const char *function,
             GVariant   *args,
             const char *expected)
{
  g_autoptr(GVariant) result = call_ok (isle, function, args);

  gisle_test_assert_variant (result, expected);
}

/* Calls @function, asserts that it fails with @error_code and returns the
 * message. */
static char *
call_error (GIsle      *isle,
            const char *function,
            GVariant   *args,
            gint        error_code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = g_isle_call (isle, function, args, NULL, &error);

  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, error_code);
  return g_strdup (error->message);
}

static void
test_global (void)
{
  g_autoptr(GIsle) isle = new_isle ();

  assert_call (isle, "add", g_variant_new ("(xx)", (gint64) 2, (gint64) 40), "(int64 42,)");
  assert_call (isle, "add", g_variant_new ("(dd)", 0.5, 0.25), "(0.75,)");
  /* Functions defined by a later eval are found too. */
  gisle_test_assert_eval (isle, "function later () return 'late', 'r' end", "()");
  assert_call (isle, "later", NULL, "('late', 'r')");
}

static void
test_roundtrip (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  const char *same[] = {
    "(int64 1, 2.5, 'text', true, false)",
    "(int64 -9223372036854775808, int64 9223372036854775807, -0.0, 1e308)",
    "(b'\\xff\\x00\\xfe',)",
    "([<int64 1>, <'two'>, <[<int64 3>]>],)",
    "({'key': <'value'>},)",
    "(@a{xv} {5: <'five'>},)",
    "(@a(vv) [(<int64 1>, <'a'>), (<'k'>, <true>)],)",
    "({'nested': <{'deeper': <[<int64 1>, <2.5>]>}>},)",
    "(int64 1, @mv nothing, int64 3)",
    "(int64 1, @mv nothing)",
    "('', @av [])",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (same); i++)
    {
      g_autoptr(GVariant) args = g_variant_parse (NULL, same[i], NULL, NULL, NULL);
      g_autoptr(GVariant) result = NULL;

      g_assert_nonnull (args);
      result = call_ok (isle, "echo", args);
      gisle_test_assert_variant (result, same[i]);
    }
}

/* Types Lua has no counterpart for come back as the nearest Lua type. */
static void
test_argument_types (void)
{
  g_autoptr(GIsle) isle = new_isle ();

  assert_call (isle, "echo",
               g_variant_new ("(ynqiuxht)", 7, -16, 16, -32, 32u, (gint64) -64, 3,
                              (guint64) 64),
               "(int64 7, int64 -16, int64 16, int64 -32, int64 32, int64 -64, int64 3, int64 64)");
  assert_call (isle, "types",
               g_variant_new ("(ynqiuxtd)", 7, -16, 16, -32, 32u, (gint64) -64, (guint64) 64, 1.0),
               "('integer integer integer integer integer integer integer float',)");
  /* Beyond G_MAXINT64 only a float can hold it. */
  assert_call (isle, "echo", g_variant_new ("(t)", G_MAXUINT64), "(18446744073709551615.0,)");
  assert_call (isle, "echo", g_variant_new ("(sog)", "s", "/o/p", "a{sv}"),
               "('s', '/o/p', 'a{sv}')");
  /* Containers become tables. */
  assert_call (isle, "echo", g_variant_new_parsed ("(['a', 'b'], (int64 1, 'x'))"),
               "([<'a'>, <'b'>], [<int64 1>, <'x'>])");
  assert_call (isle, "echo", g_variant_new_parsed ("({'k': int32 1},)"),
               "({'k': <int64 1>},)");
  assert_call (isle, "echo", g_variant_new_parsed ("(<<'boxed'>>, @ms 'just')"),
               "('boxed', 'just')");
}

static void
test_dotted_paths (void)
{
  g_autoptr(GIsle) isle = new_isle ();

  assert_call (isle, "string.format", g_variant_new ("(sxs)", "%d-%s", (gint64) 5, "x"),
               "('5-x',)");
  assert_call (isle, "t.sub.f", g_variant_new ("(x)", (gint64) 21), "(int64 42,)");
  assert_call (isle, "math.max", g_variant_new ("(xxx)", (gint64) 3, (gint64) 9, (gint64) 4),
               "(int64 9,)");
}

static void
test_dotted_paths_index (void)
{
  g_autoptr(GIsle) isle = new_isle ();

  /* Through a table's __index... */
  assert_call (isle, "proxy.anything", g_variant_new ("(xx)", (gint64) 1, (gint64) 2),
               "('anything', int64 2)");
  /* ...and through a value that is not a table but has __index, as
   * strings do: `word.upper` is string.upper. */
  assert_call (isle, "word.upper", g_variant_new ("(s)", "xyz"), "('XYZ',)");
}

static void
test_callable_table (void)
{
  g_autoptr(GIsle) isle = new_isle ();

  assert_call (isle, "callable", g_variant_new ("(x)", (gint64) 10), "(int64 11,)");
}

static void
test_not_found (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  const char *missing[] = { "nosuch", "nosuch.f", "t.sub.missing", "t.nope.f", "string.nope" };

  for (gsize i = 0; i < G_N_ELEMENTS (missing); i++)
    {
      g_autofree char *message = call_error (isle, missing[i], NULL, G_ISLE_ERROR_NOT_FOUND);

      gisle_test_assert_contains (message, missing[i]);
    }
  gisle_test_assert_alive (isle);
}

static void
test_not_a_function (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autofree char *number = call_error (isle, "answer", NULL, G_ISLE_ERROR_NOT_FOUND);
  g_autofree char *table = call_error (isle, "t.sub", NULL, G_ISLE_ERROR_NOT_FOUND);

  gisle_test_assert_contains (number, "answer");
  gisle_test_assert_contains (number, "it is number");
  gisle_test_assert_contains (table, "t.sub");
  gisle_test_assert_contains (table, "it is table");
}

static void
test_no_arguments (void)
{
  g_autoptr(GIsle) isle = new_isle ();

  assert_call (isle, "count", NULL, "(int64 0,)");
  assert_call (isle, "count", g_variant_new ("()"), "(int64 0,)");
  assert_call (isle, "count", g_variant_new ("(mvmv)", NULL, NULL), "(int64 2,)");
  assert_call (isle, "echo", NULL, "()");
}

static void
test_runtime_error (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autofree char *message = NULL;

  message = call_error (isle, "fail", g_variant_new ("(s)", "badly"), G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_contains (message, "kaputt: badly");
  gisle_test_assert_contains (message, "stack traceback:");
  /* The setup chunk defined it, on line 12. */
  gisle_test_assert_contains (message, "setup-code:12:");
  g_clear_pointer (&message, g_free);

  /* Wrong argument types raise in Lua, too. */
  message = call_error (isle, "add", g_variant_new ("(ss)", "a", "b"), G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_contains (message, "stack traceback:");
  gisle_test_assert_alive (isle);
}

static void
test_args_ownership (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) args = g_variant_ref_sink (g_variant_new ("(s)", "kept"));

  /* A non-floating reference stays the caller's. */
  assert_call (isle, "echo", args, "('kept',)");
  assert_call (isle, "echo", args, "('kept',)");
  g_assert_false (g_variant_is_floating (args));
  g_assert_cmpstr (g_variant_get_type_string (args), ==, "(s)");
}

static void
test_async (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  GisleTestAsync async = { 0, };
  guint64 id;

  g_isle_call_async (isle, "add", g_variant_new ("(xx)", (gint64) 1, (gint64) 2), NULL,
                     gisle_test_async_ready, &async);
  g_assert_false (g_atomic_int_get (&async.done));
  gisle_test_async_wait (&async, "call_async");
  g_assert_true (async.thread == g_thread_self ());
  result = g_isle_call_finish (isle, async.result, &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "(int64 3,)");
  gisle_test_async_clear (&async);

  g_isle_call_async (isle, "nosuch", NULL, NULL, gisle_test_async_ready, &async);
  gisle_test_async_wait (&async, "call_async of a missing function");
  g_clear_pointer (&result, g_variant_unref);
  result = g_isle_call_finish (isle, async.result, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  gisle_test_async_clear (&async);

  id = g_isle_call_full_async (isle, "echo", g_variant_new ("(s)", "full"), 0, NULL,
                               gisle_test_async_ready, &async);
  g_assert_cmpuint (id, >, 0);
  gisle_test_async_wait (&async, "call_full_async");
  g_clear_pointer (&result, g_variant_unref);
  result = g_isle_call_full_finish (isle, async.result, &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "('full',)");
  gisle_test_async_clear (&async);

  /* Ids keep increasing, and the script sees its own. */
  {
    guint64 next_id;
    gint64 seen;

    next_id = g_isle_call_full_async (isle, "isle.job_id", NULL, 0, NULL,
                                      gisle_test_async_ready, &async);
    g_assert_cmpuint (next_id, >, id);
    gisle_test_async_wait (&async, "call_full_async of isle.job_id");
    g_clear_pointer (&result, g_variant_unref);
    result = g_isle_call_full_finish (isle, async.result, &error);
    g_assert_no_error (error);
    g_variant_get (result, "(x)", &seen);
    g_assert_cmpint (seen, ==, (gint64) next_id);
  }
  gisle_test_async_clear (&async);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/call/global", test_global);
  g_test_add_func ("/call/roundtrip", test_roundtrip);
  g_test_add_func ("/call/argument-types", test_argument_types);
  g_test_add_func ("/call/dotted-paths", test_dotted_paths);
  g_test_add_func ("/call/callable-table", test_callable_table);
  g_test_add_func ("/call/not-found", test_not_found);
  g_test_add_func ("/call/not-a-function", test_not_a_function);
  g_test_add_func ("/call/no-arguments", test_no_arguments);
  g_test_add_func ("/call/runtime-error", test_runtime_error);
  g_test_add_func ("/call/args-ownership", test_args_ownership);
  g_test_add_func ("/call/async", test_async);
  g_test_add_func ("/call/dotted-paths/through-index", test_dotted_paths_index);

  return g_test_run ();
}
