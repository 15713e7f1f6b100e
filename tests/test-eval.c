/* test-eval.c: evaluating chunks and what comes back.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include <math.h>
#include <string.h>

#include "gisle-test-utils.h"

static GIsle *
new_isle (void)
{
  return gisle_test_isle_new (NULL);
}

/* ---- Results ---------------------------------------------------------------- */

static void
test_no_results (void)
{
  g_autoptr(GIsle) isle = new_isle ();

  gisle_test_assert_eval (isle, "return", "()");
  gisle_test_assert_eval (isle, "", "()");
  gisle_test_assert_eval (isle, "local x = 1", "()");
}

static void
test_scalars (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) result = gisle_test_eval (isle, "return 1, 2.5, 's', true, nil");
  g_autoptr(GVariant) nothing = NULL;
  gint64 i;
  double d;
  const char *s;
  gboolean b;

  g_assert_cmpstr (g_variant_get_type_string (result), ==, "(xdsbmv)");
  g_variant_get (result, "(xd&sbmv)", &i, &d, &s, &b, &nothing);
  g_assert_cmpint (i, ==, 1);
  g_assert_cmpfloat (d, ==, 2.5);
  g_assert_cmpstr (s, ==, "s");
  g_assert_true (b);
  g_assert_null (nothing);

  gisle_test_assert_variant (result, "(int64 1, 2.5, 's', true, @mv nothing)");
  gisle_test_assert_eval (isle, "return false", "(false,)");
  /* An integral float stays a float, a float-valued integer an integer. */
  gisle_test_assert_eval (isle, "return 3.0, 3", "(3.0, int64 3)");
}

static void
test_integer_limits (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) result = NULL;
  gint64 min, max, below;

  result = gisle_test_eval (isle, "return math.mininteger, math.maxinteger, math.maxinteger - 1");
  g_variant_get (result, "(xxx)", &min, &max, &below);
  g_assert_cmpint (min, ==, G_MININT64);
  g_assert_cmpint (max, ==, G_MAXINT64);
  g_assert_cmpint (below, ==, G_MAXINT64 - 1);
}

static void
assert_same_double (double actual,
                    double expected)
{
  /* Bit for bit: tells -0.0 from 0.0 and catches any rounding. */
  if (memcmp (&actual, &expected, sizeof (double)) != 0)
    g_error ("Expected %.17g but got %.17g", expected, actual);
}

static void
test_floats (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) result = NULL;
  static const double expected[] = {
    0.1, -0.0, 1e308, 4.9406564584124654e-324, 9007199254740993.0,
    1.0 / 3.0, -2.5e-10, INFINITY, -INFINITY,
  };
  double nan_value;

  result = gisle_test_eval (isle,
                            "return 0.1, -0.0, 1e308, 4.9406564584124654e-324, "
                            "2^53 + 1.0, 1/3, -2.5e-10, 1/0, -1/0, 0/0");
  g_assert_cmpuint (g_variant_n_children (result), ==, G_N_ELEMENTS (expected) + 1);
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (result, i);

      g_assert_true (g_variant_is_of_type (child, G_VARIANT_TYPE_DOUBLE));
      assert_same_double (g_variant_get_double (child), expected[i]);
    }
  g_variant_get_child (result, G_N_ELEMENTS (expected), "d", &nan_value);
  g_assert_true (isnan (nan_value));
}

static void
assert_bytes (GVariant   *value,
              const char *expected,
              gsize       expected_len)
{
  const char *bytes;
  gsize len;

  g_assert_cmpstr (g_variant_get_type_string (value), ==, "ay");
  bytes = g_variant_get_fixed_array (value, &len, 1);
  g_assert_cmpmem (bytes, len, expected, expected_len);
}

static void
test_strings (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) with_nul = NULL;
  g_autoptr(GVariant) invalid = NULL;
  g_autoptr(GVariant) trailing_nul = NULL;

  gisle_test_assert_eval (isle, "return 'héllo wörld', ''", "('héllo wörld', '')");

  result = gisle_test_eval (isle, "return 'a\\0b', '\\xff\\xfe\\x00', 'abc\\0'");
  g_assert_cmpstr (g_variant_get_type_string (result), ==, "(ayayay)");
  with_nul = g_variant_get_child_value (result, 0);
  invalid = g_variant_get_child_value (result, 1);
  trailing_nul = g_variant_get_child_value (result, 2);
  assert_bytes (with_nul, "a\0b", 3);
  assert_bytes (invalid, "\xff\xfe\0", 3);
  assert_bytes (trailing_nul, "abc\0", 4);

  /* Half a character is not UTF-8 either. */
  g_clear_pointer (&result, g_variant_unref);
  g_clear_pointer (&invalid, g_variant_unref);
  result = gisle_test_eval (isle, "return string.sub ('é', 1, 1)");
  invalid = g_variant_get_child_value (result, 0);
  assert_bytes (invalid, "\xc3", 1);
}

static void
test_tables (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GVariant) a = NULL;
  g_autoptr(GVariant) b = NULL;

  /* A sequence */
  gisle_test_assert_eval (isle, "return {10, 'x', true}",
                          "([<int64 10>, <'x'>, <true>],)");
  /* The empty table is an empty sequence. */
  gisle_test_assert_eval (isle, "return {}", "(@av [],)");
  /* String keys */
  gisle_test_assert_eval (isle, "return {name = 'isle'}",
                          "({'name': <'isle'>},)");
  /* Sparse integer keys */
  gisle_test_assert_eval (isle, "return {[2] = 'two'}",
                          "(@a{xv} {2: <'two'>},)");
  /* Mixed keys */
  gisle_test_assert_eval (isle, "return {'first', key = 2.5}",
                          "(@a(vv) [(<int64 1>, <'first'>), (<'key'>, <2.5>)],)");
  /* Nested */
  gisle_test_assert_eval (isle, "return {{1, {2}}, {x = {}}}",
                          "([<[<int64 1>, <[<int64 2>]>]>, <{'x': <@av []>}>],)");

  /* Several string keys come in any order. */
  result = gisle_test_eval (isle, "return {a = 1, b = 'two', c = {3}}");
  g_assert_cmpstr (g_variant_get_type_string (result), ==, "(a{sv})");
  dict = g_variant_get_child_value (result, 0);
  g_assert_cmpuint (g_variant_n_children (dict), ==, 3);
  a = g_variant_lookup_value (dict, "a", NULL);
  b = g_variant_lookup_value (dict, "b", NULL);
  gisle_test_assert_variant (a, "int64 1");
  gisle_test_assert_variant (b, "'two'");
  {
    g_autoptr(GVariant) c = g_variant_lookup_value (dict, "c", NULL);

    gisle_test_assert_variant (c, "[<int64 3>]");
  }

  /* A sparse table keeps its keys exactly. */
  g_clear_pointer (&result, g_variant_unref);
  g_clear_pointer (&dict, g_variant_unref);
  result = gisle_test_eval (isle, "return {[1] = 'a', [3] = 'c', [-7] = 'm', [math.maxinteger] = 'max'}");
  g_assert_cmpstr (g_variant_get_type_string (result), ==, "(a{xv})");
  dict = g_variant_get_child_value (result, 0);
  g_assert_cmpuint (g_variant_n_children (dict), ==, 4);
  for (gsize i = 0; i < 4; i++)
    {
      g_autoptr(GVariant) value = NULL;
      const char *s;
      gint64 key;

      g_variant_get_child (dict, i, "{xv}", &key, &value);
      s = g_variant_get_string (value, NULL);
      switch (key)
        {
        case 1: g_assert_cmpstr (s, ==, "a"); break;
        case 3: g_assert_cmpstr (s, ==, "c"); break;
        case -7: g_assert_cmpstr (s, ==, "m"); break;
        case G_MAXINT64: g_assert_cmpstr (s, ==, "max"); break;
        default: g_error ("unexpected key %" G_GINT64_FORMAT, key);
        }
    }
}

static void
test_state_persists (void)
{
  g_autoptr(GIsle) isle = new_isle ();

  gisle_test_assert_eval (isle, "counter = 41", "()");
  gisle_test_assert_eval (isle, "counter = counter + 1 return counter", "(int64 42,)");
  gisle_test_assert_eval (isle, "function twice (x) return 2 * x end", "()");
  gisle_test_assert_eval (isle, "return twice (counter)", "(int64 84,)");
  /* Locals belong to their chunk. */
  gisle_test_assert_eval (isle, "local hidden = 1", "()");
  gisle_test_assert_eval (isle, "return hidden", "(@mv nothing,)");
}

/* ---- Chunks ----------------------------------------------------------------- */

static void
assert_eval_full_error (GIsle      *isle,
                        const char *code,
                        const char *chunk_name,
                        gint        error_code,
                        const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  result = g_isle_eval_full (isle, code, chunk_name, 0, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, error_code);
  gisle_test_assert_prefix (error->message, prefix);
}

static void
test_chunk_names (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  assert_eval_full_error (isle, "x = = 1", "=mychunk", G_ISLE_ERROR_SYNTAX, "mychunk:1:");
  assert_eval_full_error (isle, "\n\nerror ('boom')", "=mychunk", G_ISLE_ERROR_RUNTIME,
                          "mychunk:3: boom");
  /* The default name, also for g_isle_eval_full() with NULL. */
  assert_eval_full_error (isle, "x = = 1", NULL, G_ISLE_ERROR_SYNTAX, "eval:1:");
  assert_eval_full_error (isle, "local a\nlocal b = a.field", NULL, G_ISLE_ERROR_RUNTIME,
                          "eval:2:");
  /* "@name" is a file name, shown as is. */
  assert_eval_full_error (isle, "error ('here')", "@script.lua", G_ISLE_ERROR_RUNTIME,
                          "script.lua:1: here");

  result = g_isle_eval (isle, "\n\n\nerror ('deep')", NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_prefix (error->message, "eval:4: deep");

  /* A successful chunk with a name returns normally. */
  g_clear_pointer (&result, g_variant_unref);
  result = g_isle_eval_full (isle, "return 7", "=named", 0, NULL, NULL);
  gisle_test_assert_variant (result, "(int64 7,)");
}

static void
test_binary_chunk (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autofree char *message = NULL;

  message = gisle_test_eval_error (isle, "\x1bLuaT\x00\x19\x93\r\n\x1a\n",
                                   G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX);
  gisle_test_assert_contains (message, "binary");
  gisle_test_assert_alive (isle);
}

/* ---- Asynchronous evaluation ---------------------------------------------------- */

static void
test_async (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  GisleTestAsync async = { 0, };

  g_isle_eval_async (isle, "return 6 * 7", NULL, gisle_test_async_ready, &async);
  /* GIO rule: never completes before returning. */
  g_assert_false (g_atomic_int_get (&async.done));
  gisle_test_async_wait (&async, "eval_async");

  g_assert_true (async.thread == g_thread_self ());
  g_assert_true (async.context == g_main_context_default ());
  g_assert_true (g_async_result_is_tagged (async.result, g_isle_eval_async));
  result = g_isle_eval_finish (isle, async.result, &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "(int64 42,)");
  gisle_test_async_clear (&async);

  /* Errors arrive the same way. */
  g_isle_eval_async (isle, "error ('async boom')", NULL, gisle_test_async_ready, &async);
  gisle_test_async_wait (&async, "failing eval_async");
  g_clear_pointer (&result, g_variant_unref);
  result = g_isle_eval_finish (isle, async.result, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_prefix (error->message, "eval:1: async boom");
  gisle_test_async_clear (&async);
}

static void
test_full_async (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  GisleTestAsync async[3] = { { 0, }, };
  guint64 ids[3];

  ids[0] = g_isle_eval_full_async (isle, "return isle.job_id ()", NULL, 0, NULL,
                                   gisle_test_async_ready, &async[0]);
  ids[1] = g_isle_eval_full_async (isle, "return isle.job_id ()", "=second", 0, NULL,
                                   gisle_test_async_ready, &async[1]);
  ids[2] = g_isle_eval_full_async (isle, "error ('third')", "=third", 0, NULL,
                                   gisle_test_async_ready, &async[2]);
  g_assert_cmpuint (ids[0], >, 0);
  g_assert_cmpuint (ids[1], >, ids[0]);
  g_assert_cmpuint (ids[2], >, ids[1]);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GVariant) result = NULL;
      g_autoptr(GError) error = NULL;

      gisle_test_async_wait (&async[i], "eval_full_async");
      g_assert_true (async[i].thread == g_thread_self ());
      result = g_isle_eval_full_finish (isle, async[i].result, &error);
      if (i < 2)
        {
          /* The script sees the id the caller got. */
          g_autoptr(GVariant) expected = g_variant_new ("(x)", (gint64) ids[i]);

          g_assert_no_error (error);
          g_assert_true (g_variant_equal (result, expected));
        }
      else
        {
          g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
          gisle_test_assert_prefix (error->message, "third:1: third");
        }
      gisle_test_async_clear (&async[i]);
    }
}

/* An asynchronous call completes in the thread-default context of the thread
 * that made it, while the isle's signals stay in the isle's context. */
typedef struct
{
  GIsle *isle;
  GMainContext *context;
  GThread *thread;
  volatile gint finished;
  gboolean callback_in_thread;
  gboolean callback_in_context;
  GVariant *result;
} CallerData;

static gpointer
caller_thread (gpointer user_data)
{
  CallerData *data = user_data;
  g_autoptr(GError) error = NULL;
  GisleTestAsync async = { 0, };

  /* Not set by g_thread_new()'s caller: it may not have returned yet. */
  data->thread = g_thread_self ();
  g_main_context_push_thread_default (data->context);
  g_isle_eval_async (data->isle, "print ('from the caller thread') return 'mine'", NULL,
                     gisle_test_async_ready, &async);
  gisle_test_async_wait (&async, "eval_async from another thread");
  data->callback_in_thread = async.thread == data->thread;
  data->callback_in_context = async.context == data->context;
  data->result = g_isle_eval_finish (data->isle, async.result, &error);
  g_assert_no_error (error);
  gisle_test_async_clear (&async);
  g_main_context_pop_thread_default (data->context);

  g_atomic_int_set (&data->finished, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

typedef struct
{
  volatile gint seen;
  GThread *thread;
} OutputData;

static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     user_data)
{
  OutputData *data = user_data;

  data->thread = g_thread_self ();
  g_atomic_int_set (&data->seen, TRUE);
}

static void
test_async_caller_context (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  CallerData data = { 0, };
  OutputData output = { 0, };
  GThread *thread;

  g_signal_connect (isle, "output", G_CALLBACK (on_output), &output);
  data.isle = isle;
  data.context = g_main_context_new ();
  thread = g_thread_new ("caller", caller_thread, &data);

  gisle_test_wait_flag (&data.finished, "the caller thread");
  gisle_test_wait_flag (&output.seen, "output in the isle's context");
  g_thread_join (thread);

  gisle_test_assert_variant (data.result, "('mine',)");
  g_assert_true (data.callback_in_thread);
  g_assert_true (data.callback_in_context);
  g_assert_true (output.thread == g_thread_self ());

  g_signal_handlers_disconnect_by_data (isle, &output);
  g_variant_unref (data.result);
  g_main_context_unref (data.context);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/eval/results/none", test_no_results);
  g_test_add_func ("/eval/results/scalars", test_scalars);
  g_test_add_func ("/eval/results/integer-limits", test_integer_limits);
  g_test_add_func ("/eval/results/floats", test_floats);
  g_test_add_func ("/eval/results/strings", test_strings);
  g_test_add_func ("/eval/results/tables", test_tables);
  g_test_add_func ("/eval/state-persists", test_state_persists);
  g_test_add_func ("/eval/chunk-names", test_chunk_names);
  g_test_add_func ("/eval/binary-chunk", test_binary_chunk);
  g_test_add_func ("/eval/async", test_async);
  g_test_add_func ("/eval/full-async", test_full_async);
  g_test_add_func ("/eval/async-caller-context", test_async_caller_context);

  return g_test_run ();
}
