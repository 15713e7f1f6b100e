/* test-errors.c: every way a job can fail, and that the isle survives it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include <string.h>

#include "gisle-test-utils.h"

static GIsle *
new_isle (void)
{
  return gisle_test_isle_new (NULL);
}

/* Returns the first line of @message. */
static char *
first_line (const char *message)
{
  const char *end = strchr (message, '\n');

  return end != NULL ? g_strndup (message, end - message) : g_strdup (message);
}

/* ---- Syntax ---------------------------------------------------------------- */

static void
test_syntax (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autofree char *message = NULL;
  g_autofree char *unexpected = NULL;

  message = gisle_test_eval_error (isle, "x = 1\nx = = 2", G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX);
  gisle_test_assert_prefix (message, "eval:2:");
  gisle_test_assert_alive (isle);

  /* A real syntax error is not "incomplete", even at the end. */
  unexpected = gisle_test_eval_error (isle, "x = = 1", G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX);
  gisle_test_assert_prefix (unexpected, "eval:1:");
  g_free (gisle_test_eval_error (isle, "local 1 = x", G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX));
  g_free (gisle_test_eval_error (isle, "x = 'abc\nprint (x)", G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX));
  g_free (gisle_test_eval_error (isle, "end", G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX));
  gisle_test_assert_alive (isle);
}

static void
test_incomplete (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  const char *incomplete[] = {
    "function f()",
    "x = \"abc",
    "if true then",
    "return (",
    "x = [[long\nstring",
    "for i = 1, 3 do\n  print (i)",
    "t = {1, 2,",
    "--[[ unfinished comment",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (incomplete); i++)
    {
      g_autofree char *message = gisle_test_eval_error (isle, incomplete[i], G_ISLE_ERROR,
                                                        G_ISLE_ERROR_INCOMPLETE);

      gisle_test_assert_prefix (message, "eval:");
    }
  gisle_test_assert_alive (isle);
}

/* ---- Runtime ------------------------------------------------------------- */

static void
test_runtime (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autofree char *message = NULL;
  g_autofree char *nested = NULL;

  message = gisle_test_eval_error (isle, "local a = nil\nreturn a.field",
                                   G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_prefix (message, "eval:2: attempt to index");
  gisle_test_assert_contains (message, "\nstack traceback:\n");
  /* The traceback shows the line too. */
  gisle_test_assert_contains (strstr (message, "stack traceback:"), "eval:2:");
  gisle_test_assert_alive (isle);

  /* Errors from inside functions show the whole way there. */
  nested = gisle_test_eval_error (isle,
                                  "local function inner () error ('from inner') end\n"
                                  "local function outer () inner () end\n"
                                  "outer ()",
                                  G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_prefix (nested, "eval:1: from inner\nstack traceback:");
  gisle_test_assert_contains (nested, "inner");
  gisle_test_assert_contains (nested, "outer");
  gisle_test_assert_contains (nested, "eval:3:");
  gisle_test_assert_alive (isle);
}

static void
assert_error_value (GIsle      *isle,
                    const char *code,
                    const char *expected_first_line)
{
  g_autofree char *message = gisle_test_eval_error (isle, code, G_ISLE_ERROR,
                                                    G_ISLE_ERROR_RUNTIME);
  g_autofree char *line = first_line (message);

  g_assert_cmpstr (line, ==, expected_first_line);
  gisle_test_assert_contains (message, "stack traceback:");
  gisle_test_assert_alive (isle);
}

static void
test_error_values (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autofree char *custom = NULL;
  g_autofree char *broken = NULL;

  assert_error_value (isle, "error ({})", "(error object is a table value)");
  assert_error_value (isle, "error (nil)", "(error object is a nil value)");
  assert_error_value (isle, "error ()", "(error object is a nil value)");
  assert_error_value (isle, "error (true)", "(error object is a boolean value)");
  assert_error_value (isle, "error (42)", "42");
  assert_error_value (isle, "error (2.5)", "2.5");
  assert_error_value (isle, "error ('no position', 0)", "no position");

  custom = gisle_test_eval_error (isle,
                                  "error (setmetatable ({}, {__tostring = function () return 'custom' end}))",
                                  G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_contains (custom, "custom");
  gisle_test_assert_alive (isle);

  broken = gisle_test_eval_error (isle,
                                  "error (setmetatable ({}, {__tostring = function () error ('bad') end}))",
                                  G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  g_assert_true (g_utf8_validate (broken, -1, NULL));
  gisle_test_assert_contains (broken, "__tostring");
  gisle_test_assert_contains (broken, "bad");
  gisle_test_assert_alive (isle);
}

/* ---- Memory ------------------------------------------------------------------- */

static void
test_memory (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new ("memory-limit", (guint64) 4 * 1024 * 1024, NULL);
  const char *hogs[] = {
    "local t = {} for i = 1, 1e8 do t[i] = i end",
    "return string.rep ('x', 1e9)",
    "local s = 'x' for i = 1, 40 do s = s .. s end",
    "return {}, string.rep ('y', 8 * 1024 * 1024)",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (hogs); i++)
    {
      g_free (gisle_test_eval_error (isle, hogs[i], G_ISLE_ERROR, G_ISLE_ERROR_MEMORY));
      gisle_test_assert_alive (isle);
      /* The accounting never goes over the limit. */
      g_assert_cmpuint (g_isle_get_memory_in_use (isle), <=, 4 * 1024 * 1024);
    }

  /* State kept before the error is still there. */
  gisle_test_assert_eval (isle, "kept = 'safe'", "()");
  g_free (gisle_test_eval_error (isle, "local t = {} for i = 1, 1e8 do t[i] = i end",
                                 G_ISLE_ERROR, G_ISLE_ERROR_MEMORY));
  gisle_test_assert_eval (isle, "return kept", "('safe',)");
}

/* ---- Structured error info ------------------------------------------------ */

static void
test_info_syntax (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GIsleErrorInfo *info;

  result = g_isle_eval_full (isle, "local a = 1\nlocal b = = 2\n", "=editor.lua", 0, NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX);
  info = g_isle_error_get_info (error);
  g_assert_nonnull (info);
  g_assert_cmpstr (g_isle_error_info_get_chunk (info), ==, "editor.lua");
  g_assert_cmpint (g_isle_error_info_get_line (info), ==, 2);
  g_assert_cmpuint (g_isle_error_info_get_n_frames (info), ==, 0);
  g_assert_cmpstr (g_isle_error_info_get_message (info), ==, error->message);
  g_clear_error (&error);

  /* A chunk without a name, whose Lua name holds colons. */
  result = g_isle_eval_full (isle, "x = 1 +", "a:b", 0, NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_INCOMPLETE);
  info = g_isle_error_get_info (error);
  g_assert_nonnull (info);
  g_assert_cmpstr (g_isle_error_info_get_chunk (info), ==, "[string \"a:b\"]");
  g_assert_cmpint (g_isle_error_info_get_line (info), ==, 1);
}

static void
test_info_runtime (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) copy = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GIsleErrorInfo) last = NULL;
  GIsleErrorInfo *info;
  const GIsleErrorFrame *frame;

  result = g_isle_eval_full (isle,
                             "local function inner(t)\n"
                             "  return t.x.y\n"
                             "end\n"
                             "function outer() return (inner({})) end\n"
                             "outer()\n",
                             "=script.lua", 0, NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  info = g_isle_error_get_info (error);
  g_assert_nonnull (info);
  g_assert_cmpstr (g_isle_error_info_get_chunk (info), ==, "script.lua");
  g_assert_cmpint (g_isle_error_info_get_line (info), ==, 2);
  g_assert_true (g_str_has_prefix (g_isle_error_info_get_message (info),
                                   "script.lua:2: attempt to index a nil value (field 'x')"));
  g_assert_null (strstr (g_isle_error_info_get_message (info), "traceback"));
  g_assert_cmpuint (g_isle_error_info_get_n_frames (info), >=, 3);
  frame = g_isle_error_info_get_frame (info, 0);
  g_assert_cmpstr (frame->chunk, ==, "script.lua");
  g_assert_cmpint (frame->line, ==, 2);
  g_assert_cmpstr (frame->function, ==, "inner");
  frame = g_isle_error_info_get_frame (info, 1);
  g_assert_cmpint (frame->line, ==, 4);
  g_assert_cmpstr (frame->function, ==, "outer");
  frame = g_isle_error_info_get_frame (info, 2);
  g_assert_cmpint (frame->line, ==, 5);
  g_assert_cmpstr (frame->function, ==, "main chunk");

  /* It survives g_error_copy(), and the thread remembers it for bindings. */
  copy = g_error_copy (error);
  g_assert_true (g_isle_error_get_info (copy) == info);
  last = g_isle_error_info_get_last ();
  g_assert_true (last == info);
  g_clear_error (&error);

  /* error() in a C function: frame 0 is [C] 'error', the location is the caller's. */
  result = g_isle_eval_full (isle, "\n\nerror('boom')", "=e", 0, NULL, &error);
  info = g_isle_error_get_info (error);
  g_assert_nonnull (info);
  g_assert_cmpint (g_isle_error_info_get_line (info), ==, 3);
  frame = g_isle_error_info_get_frame (info, 0);
  g_assert_cmpstr (frame->chunk, ==, "[C]");
  g_assert_cmpint (frame->line, ==, -1);
  g_assert_cmpstr (frame->function, ==, "error");
  g_clear_error (&error);

  /* A success clears it; errors without a location have none. */
  result = g_isle_eval (isle, "return 1", NULL, NULL);
  g_clear_pointer (&result, g_variant_unref);
  g_clear_pointer (&last, g_isle_error_info_unref);
  g_assert_null (g_isle_error_info_get_last ());
  result = g_isle_call (isle, "nosuch", NULL, NULL, &error);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_NOT_FOUND);
  g_assert_null (g_isle_error_get_info (error));
}

static void
test_memory_message (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new ("memory-limit", (guint64) 4 * 1024 * 1024, NULL);
  g_autofree char *message = gisle_test_eval_error (isle, "local t = {} for i = 1, 1e8 do t[i] = i end",
                                                    G_ISLE_ERROR, G_ISLE_ERROR_MEMORY);

  g_autofree char *in_use = NULL;
  guint64 bytes;

  gisle_test_assert_prefix (message, "Not enough memory: the isle’s memory-limit is 4194304 bytes and ");
  in_use = g_strdup (message + strlen ("Not enough memory: the isle’s memory-limit is 4194304 bytes and "));
  bytes = g_ascii_strtoull (in_use, NULL, 10);
  g_assert_cmpuint (bytes, >, 0);
  g_assert_cmpuint (bytes, <=, 4194304);
  g_assert_true (g_str_has_suffix (message, " bytes were in use"));
}

/* ---- Conversion ------------------------------------------------------------- */

static void
assert_conversion (GIsle      *isle,
                   const char *code,
                   const char *expected_message)
{
  g_autofree char *message = gisle_test_eval_error (isle, code, G_ISLE_ERROR,
                                                    G_ISLE_ERROR_CONVERSION);

  g_assert_cmpstr (message, ==, expected_message);
  gisle_test_assert_alive (isle);
}

static void
test_conversion (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autofree char *cycle = NULL;

  assert_conversion (isle, "return function () end",
                     "result 1: a function cannot leave the isle");
  assert_conversion (isle, "return 1, {cb = print}",
                     "result 2, field \"cb\": a function cannot leave the isle");
  assert_conversion (isle, "return coroutine.create (print)",
                     "result 1: a thread cannot leave the isle");
  assert_conversion (isle, "return {1, 2, {x = print}}",
                     "result 1, item 3, field \"x\": a function cannot leave the isle");

  cycle = gisle_test_eval_error (isle, "local t = {} t.self = t return t",
                                 G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION);
  gisle_test_assert_prefix (cycle, "result 1, field \"self\": ");
  gisle_test_assert_contains (cycle, "cycle");
  gisle_test_assert_alive (isle);

  /* A table shared by two fields is no cycle. */
  gisle_test_assert_eval (isle, "local s = {1} return {s, {s}}, s",
                          "([<[<int64 1>]>, <[<[<int64 1>]>]>], [<int64 1>])");
}

/* ---- Closed -------------------------------------------------------------- */

static GVariant *
exec_nothing (GIsle      *isle,
              lua_State  *L,
              gpointer    user_data,
              GError    **error)
{
  return NULL;
}

static void
assert_async_closed (GIsle          *isle,
                     GisleTestAsync *async,
                     GVariant     *(*finish) (GIsle *, GAsyncResult *, GError **))
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  gisle_test_async_wait (async, "an asynchronous call on a closed isle");
  result = finish (isle, async->result, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  gisle_test_async_clear (async);
}

static void
test_closed (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GisleTestAsync async = { 0, };
  gboolean closed = FALSE;

  gisle_test_assert_alive (isle);
  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_isle_is_closed (isle));
  g_object_get (isle, "closed", &closed, NULL);
  g_assert_true (closed);

  result = g_isle_eval (isle, "return 1", NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_clear_error (&error);

  result = g_isle_eval_full (isle, "return 1", "=x", 0, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_clear_error (&error);

  result = g_isle_call (isle, "print", NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_clear_error (&error);

  result = g_isle_exec (isle, exec_nothing, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  g_clear_error (&error);

  g_isle_eval_async (isle, "return 1", NULL, gisle_test_async_ready, &async);
  assert_async_closed (isle, &async, g_isle_eval_finish);
  g_isle_eval_full_async (isle, "return 1", NULL, 0, NULL, gisle_test_async_ready, &async);
  assert_async_closed (isle, &async, g_isle_eval_full_finish);
  g_isle_call_async (isle, "print", NULL, NULL, gisle_test_async_ready, &async);
  assert_async_closed (isle, &async, g_isle_call_finish);
  g_isle_call_full_async (isle, "print", NULL, 0, NULL, gisle_test_async_ready, &async);
  assert_async_closed (isle, &async, g_isle_call_full_finish);
  g_isle_exec_async (isle, exec_nothing, NULL, NULL, NULL, gisle_test_async_ready, &async);
  assert_async_closed (isle, &async, g_isle_exec_finish);

  /* Closing again is harmless, both ways. */
  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  g_isle_close_async (isle, NULL, gisle_test_async_ready, &async);
  gisle_test_async_wait (&async, "close_async of a closed isle");
  g_assert_true (g_isle_close_finish (isle, async.result, &error));
  g_assert_no_error (error);
  gisle_test_async_clear (&async);
}

static void
test_closed_async (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GisleTestAsync async = { 0, };

  g_isle_close_async (isle, NULL, gisle_test_async_ready, &async);
  /* Closed as soon as the close is asked for. */
  g_assert_true (g_isle_is_closed (isle));
  gisle_test_async_wait (&async, "close_async");
  g_assert_true (g_isle_close_finish (isle, async.result, &error));
  g_assert_no_error (error);
  gisle_test_async_clear (&async);

  result = g_isle_eval (isle, "return 1", NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
}

/* ---- The domain ----------------------------------------------------------------- */

static void
test_domain (void)
{
  static const struct {
    GIsleError code;
    const char *nick;
    const char *dbus_name;
  } codes[] = {
    { G_ISLE_ERROR_FAILED, "failed", "org.gnome.GIsle.Error.Failed" },
    { G_ISLE_ERROR_SYNTAX, "syntax", "org.gnome.GIsle.Error.Syntax" },
    { G_ISLE_ERROR_INCOMPLETE, "incomplete", "org.gnome.GIsle.Error.Incomplete" },
    { G_ISLE_ERROR_RUNTIME, "runtime", "org.gnome.GIsle.Error.Runtime" },
    { G_ISLE_ERROR_MEMORY, "memory", "org.gnome.GIsle.Error.Memory" },
    { G_ISLE_ERROR_CONVERSION, "conversion", "org.gnome.GIsle.Error.Conversion" },
    { G_ISLE_ERROR_CLOSED, "closed", "org.gnome.GIsle.Error.Closed" },
    { G_ISLE_ERROR_DEFUNCT, "defunct", "org.gnome.GIsle.Error.Defunct" },
    { G_ISLE_ERROR_NOT_FOUND, "not-found", "org.gnome.GIsle.Error.NotFound" },
    { G_ISLE_ERROR_WOULD_DEADLOCK, "would-deadlock", "org.gnome.GIsle.Error.WouldDeadlock" },
    { G_ISLE_ERROR_NOT_PAUSED, "not-paused", "org.gnome.GIsle.Error.NotPaused" },
  };
  g_autoptr(GEnumClass) enum_class = NULL;

  g_assert_cmpuint (G_ISLE_ERROR, !=, 0);
  g_assert_cmpstr (g_quark_to_string (G_ISLE_ERROR), ==, "g-isle-error-quark");

  g_assert_true (G_TYPE_IS_ENUM (G_TYPE_ISLE_ERROR));
  g_assert_cmpstr (g_type_name (G_TYPE_ISLE_ERROR), ==, "GIsleError");
  enum_class = g_type_class_ref (G_TYPE_ISLE_ERROR);
  g_assert_cmpuint (enum_class->n_values, ==, G_N_ELEMENTS (codes));

  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      GEnumValue *value = g_enum_get_value (enum_class, codes[i].code);
      g_autoptr(GError) error = g_error_new_literal (G_ISLE_ERROR, codes[i].code, "x");
      g_autofree char *dbus_name = g_dbus_error_encode_gerror (error);

      g_assert_nonnull (value);
      g_assert_cmpstr (value->value_nick, ==, codes[i].nick);
      g_assert_true (g_enum_get_value_by_nick (enum_class, codes[i].nick) == value);
      g_assert_cmpstr (dbus_name, ==, codes[i].dbus_name);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/errors/syntax", test_syntax);
  g_test_add_func ("/errors/incomplete", test_incomplete);
  g_test_add_func ("/errors/runtime", test_runtime);
  g_test_add_func ("/errors/error-values", test_error_values);
  g_test_add_func ("/errors/memory", test_memory);
  g_test_add_func ("/errors/memory-message", test_memory_message);
  g_test_add_func ("/errors/info-syntax", test_info_syntax);
  g_test_add_func ("/errors/info-runtime", test_info_runtime);
  g_test_add_func ("/errors/conversion", test_conversion);
  g_test_add_func ("/errors/closed", test_closed);
  g_test_add_func ("/errors/closed-async", test_closed_async);
  g_test_add_func ("/errors/domain", test_domain);

  return g_test_run ();
}
