/* test-construct.c: creating isles, their properties and setup.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include <lua.h>
#include <lauxlib.h>

#include "gisle-test-utils.h"

/* ---- Plain construction -------------------------------------------------- */

static void
test_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIsle) isle = g_isle_new (NULL, &error);

  g_assert_no_error (error);
  g_assert_true (G_IS_ISLE (isle));
  g_assert_false (g_isle_is_closed (isle));
  g_assert_false (g_isle_is_defunct (isle));
  gisle_test_assert_eval (isle, "return 1 + 1", "(int64 2,)");
}

typedef struct
{
  GMainLoop *loop;
  GIsle *isle;
  GError *error;
  GThread *thread;
} NewAsync;

static void
on_new_async (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  NewAsync *data = user_data;

  data->isle = g_isle_new_finish (result, &data->error);
  data->thread = g_thread_self ();
  g_main_loop_quit (data->loop);
}

static void
test_new_async (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  NewAsync data = { loop, NULL, NULL, NULL };

  g_isle_new_async (NULL, on_new_async, &data);
  /* Never completes before returning. */
  g_assert_null (data.isle);
  g_assert_null (data.error);
  gisle_test_run_loop (loop, "g_isle_new_async()");

  g_assert_no_error (data.error);
  g_assert_true (G_IS_ISLE (data.isle));
  g_assert_true (data.thread == g_thread_self ());
  gisle_test_assert_eval (data.isle, "return 'ready'", "('ready',)");
  g_object_unref (data.isle);
}

static void
test_defaults (void)
{
  g_autoptr(GIsle) isle = gisle_test_isle_new (NULL);
  g_autofree char *thread_name = NULL;
  g_autofree char *setup_code = NULL;
  g_autoptr(GMainContext) main_context = NULL;
  guint queue_capacity, default_timeout, grace_period, hard_deadline;
  guint64 memory_limit;
  GIsleLibraries libraries;
  gboolean closed, defunct;

  g_object_get (isle,
                "thread-name", &thread_name,
                "queue-capacity", &queue_capacity,
                "memory-limit", &memory_limit,
                "libraries", &libraries,
                "setup-code", &setup_code,
                "default-timeout", &default_timeout,
                "grace-period", &grace_period,
                "hard-deadline", &hard_deadline,
                "main-context", &main_context,
                "closed", &closed,
                "defunct", &defunct,
                NULL);

  g_assert_cmpstr (thread_name, ==, "gisle");
  g_assert_cmpuint (queue_capacity, ==, 256);
  g_assert_cmpuint (memory_limit, ==, 0);
  g_assert_cmphex (libraries, ==, G_ISLE_LIBRARIES_SAFE);
  g_assert_null (setup_code);
  g_assert_cmpuint (default_timeout, ==, 0);
  g_assert_cmpuint (grace_period, ==, 100);
  g_assert_cmpuint (hard_deadline, ==, 1000);
  /* No context was pushed: the thread-default context is the global one. */
  g_assert_true (main_context == g_main_context_default ());
  g_assert_false (closed);
  g_assert_false (defunct);

  /* The getters agree with the properties. */
  g_assert_cmpstr (g_isle_get_thread_name (isle), ==, "gisle");
  g_assert_cmpuint (g_isle_get_queue_capacity (isle), ==, 256);
  g_assert_cmpuint (g_isle_get_memory_limit (isle), ==, 0);
  g_assert_cmphex (g_isle_get_libraries (isle), ==, G_ISLE_LIBRARIES_SAFE);
  g_assert_null (g_isle_get_setup_code (isle));
  g_assert_cmpuint (g_isle_get_default_timeout (isle), ==, 0);
  g_assert_cmpuint (g_isle_get_grace_period (isle), ==, 100);
  g_assert_cmpuint (g_isle_get_hard_deadline (isle), ==, 1000);
  g_assert_true (g_isle_get_main_context (isle) == g_main_context_default ());
}

/* 14 ASCII bytes, then a two-byte character straddling the 15-byte limit. */
#define LONG_THREAD_NAME "isle-test-1234äöü-and-more"
#define LONG_THREAD_NAME_OS "isle-test-1234"

static void
test_properties (void)
{
  g_autoptr(GIsle) isle = NULL;

  isle = gisle_test_isle_new ("thread-name", LONG_THREAD_NAME,
                              "queue-capacity", 7,
                              "memory-limit", (guint64) 64 * 1024 * 1024,
                              "libraries", G_ISLE_LIBRARIES_BASE | G_ISLE_LIBRARIES_STRING,
                              "default-timeout", 5000,
                              "grace-period", 50,
                              "hard-deadline", 2000,
                              NULL);

  /* The property keeps the whole name; only the OS name is cut. */
  g_assert_cmpstr (g_isle_get_thread_name (isle), ==, LONG_THREAD_NAME);
  g_assert_cmpuint (g_isle_get_queue_capacity (isle), ==, 7);
  g_assert_cmpuint (g_isle_get_memory_limit (isle), ==, 64 * 1024 * 1024);
  g_assert_cmphex (g_isle_get_libraries (isle), ==,
                   G_ISLE_LIBRARIES_BASE | G_ISLE_LIBRARIES_STRING);
  g_assert_cmpuint (g_isle_get_default_timeout (isle), ==, 5000);
  g_assert_cmpuint (g_isle_get_grace_period (isle), ==, 50);
  g_assert_cmpuint (g_isle_get_hard_deadline (isle), ==, 2000);

  /* The libraries really are the ones asked for. */
  gisle_test_assert_eval (isle, "return type (string), type (math), type (table)",
                          "('table', 'nil', 'nil')");

  /* The memory limit is enforced. */
  g_free (gisle_test_eval_error (isle, "return string.rep ('x', 128 * 1024 * 1024)",
                                 G_ISLE_ERROR, G_ISLE_ERROR_MEMORY));

  /* The writable ones can change afterwards. */
  g_isle_set_default_timeout (isle, 0);
  g_isle_set_grace_period (isle, 10);
  g_isle_set_hard_deadline (isle, 500);
  g_assert_cmpuint (g_isle_get_default_timeout (isle), ==, 0);
  g_assert_cmpuint (g_isle_get_grace_period (isle), ==, 10);
  g_assert_cmpuint (g_isle_get_hard_deadline (isle), ==, 500);
}

/* Reads the names of this process's threads. */
static GPtrArray *
read_thread_names (void)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, &error);
  const char *tid;

  g_assert_no_error (error);
  while ((tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", tid, "comm", NULL);
      char *contents = NULL;

      /* A thread may have exited since the listing. */
      if (!g_file_get_contents (path, &contents, NULL, NULL))
        continue;
      g_strchomp (contents);
      g_ptr_array_add (names, contents);
    }
  return g_steal_pointer (&names);
}

static void
test_thread_name_os (void)
{
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GPtrArray) names = NULL;
  gboolean found = FALSE;

  if (!g_file_test ("/proc/self/task", G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("no /proc/self/task");
      return;
    }

  isle = gisle_test_isle_new ("thread-name", LONG_THREAD_NAME, NULL);
  /* The thread is running once construction returns. */
  names = read_thread_names ();
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];

      g_assert_true (g_utf8_validate (name, -1, NULL));
      if (g_str_equal (name, LONG_THREAD_NAME_OS))
        found = TRUE;
    }
  if (!found)
    {
      for (guint i = 0; i < names->len; i++)
        g_test_message ("thread: %s", (char *) names->pdata[i]);
      g_error ("no thread is named “%s”", LONG_THREAD_NAME_OS);
    }
}

/* ---- Setup code ---------------------------------------------------------- */

static void
test_setup_code (void)
{
  const char *code = "greeting = 'hello from setup'";
  g_autoptr(GIsle) isle = gisle_test_isle_new ("setup-code", code, NULL);

  g_assert_cmpstr (g_isle_get_setup_code (isle), ==, code);
  gisle_test_assert_eval (isle, "return greeting", "('hello from setup',)");
}

static void
assert_setup_code_fails (const char *code,
                         gint        error_code,
                         const char *expected_in_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) object = NULL;

  object = g_initable_new (G_TYPE_ISLE, NULL, &error, "setup-code", code, NULL);
  g_assert_null (object);
  g_assert_error (error, G_ISLE_ERROR, error_code);
  gisle_test_assert_prefix (error->message, "The setup code failed: ");
  gisle_test_assert_contains (error->message, expected_in_message);
}

static void
test_setup_code_syntax_error (void)
{
  assert_setup_code_fails ("x = = 1", G_ISLE_ERROR_SYNTAX, ":1:");
}

static void
test_setup_code_runtime_error (void)
{
  assert_setup_code_fails ("local x = 1\nerror ('setup went wrong')",
                           G_ISLE_ERROR_RUNTIME, ":2: setup went wrong");
}

/* An isle whose setup failed reports closed, at once, and runs nothing. */
static void
test_setup_code_failure_closes (void)
{
  for (guint round = 0; round < 20; round++)
    {
      g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE, "setup-code", "error ('no')", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) eval_error = NULL;
      g_autoptr(GVariant) result = NULL;
      gboolean closed = FALSE;

      g_assert_false (g_initable_init (G_INITABLE (isle), NULL, &error));
      g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
      gisle_test_assert_prefix (error->message, "The setup code failed: ");

      /* Not fatal, so that the remaining tests still run. */
      g_object_get (isle, "closed", &closed, NULL);
      if (!g_isle_is_closed (isle) || !closed)
        {
          g_test_fail_printf ("round %u: an isle whose setup failed does not "
                              "report closed right after g_initable_init()", round);
          return;
        }

      result = g_isle_eval (isle, "return 1", NULL, &eval_error);
      g_assert_null (result);
      g_assert_nonnull (eval_error);
    }
}

static void
test_setup_code_failure_async (void)
{
  GisleTestAsync async = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) source = NULL;
  g_autoptr(GObject) object = NULL;

  g_async_initable_new_async (G_TYPE_ISLE, G_PRIORITY_DEFAULT, NULL,
                              gisle_test_async_ready, &async,
                              "setup-code", "x = = 1", NULL);
  gisle_test_async_wait (&async, "g_async_initable_new_async() with bad setup code");

  source = g_async_result_get_source_object (async.result);
  object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), async.result, &error);
  g_assert_null (object);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX);
  gisle_test_assert_prefix (error->message, "The setup code failed: ");
  gisle_test_async_clear (&async);
}

/* ---- Setup functions (C) -------------------------------------------------- */

typedef struct
{
  volatile gint calls;
  GisleTestCounter notified;
  GThread *thread;
} SetupData;

static int
c_add (lua_State *L)
{
  lua_Integer a = luaL_checkinteger (L, 1);
  lua_Integer b = luaL_checkinteger (L, 2);

  lua_pushinteger (L, a + b);
  return 1;
}

static gboolean
setup_register (GIsle      *isle,
                lua_State  *L,
                gpointer    user_data,
                GError    **error)
{
  SetupData *data = user_data;

  g_assert_true (G_IS_ISLE (isle));
  g_atomic_int_inc (&data->calls);
  data->thread = g_thread_self ();
  lua_pushcfunction (L, c_add);
  lua_setglobal (L, "c_add");
  return TRUE;
}

static void
setup_notify (gpointer user_data)
{
  SetupData *data = user_data;

  gisle_test_counter_inc (&data->notified);
}

static void
test_setup_func (void)
{
  SetupData data = { 0, };
  g_autoptr(GError) error = NULL;
  GIsle *isle;

  gisle_test_counter_init (&data.notified);
  isle = g_isle_new_with_setup (setup_register, &data, setup_notify, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_ISLE (isle));
  g_assert_cmpint (g_atomic_int_get (&data.calls), ==, 1);
  g_assert_true (data.thread != g_thread_self ());

  gisle_test_assert_eval (isle, "return c_add (2, 40)", "(int64 42,)");
  g_free (gisle_test_eval_error (isle, "return c_add ('x')",
                                 G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME));
  g_assert_cmpint (g_atomic_int_get (&data.calls), ==, 1);

  /* The data is freed once the isle is gone (maybe on its thread, maybe
   * once the main context has run). */
  g_assert_true (g_isle_close (isle, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (isle);
  gisle_test_counter_wait_iterating (&data.notified, 1, "the setup notify");
  g_assert_cmpuint (gisle_test_counter_get (&data.notified), ==, 1);
  gisle_test_counter_clear (&data.notified);
}

static gboolean
setup_fail_gerror (GIsle      *isle,
                   lua_State  *L,
                   gpointer    user_data,
                   GError    **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "setup refused");
  return FALSE;
}

static gboolean
setup_fail_lua (GIsle      *isle,
                lua_State  *L,
                gpointer    user_data,
                GError    **error)
{
  luaL_error (L, "lua error in setup");
  return TRUE;
}

static gboolean
setup_fail_silently (GIsle      *isle,
                     lua_State  *L,
                     gpointer    user_data,
                     GError    **error)
{
  return FALSE;
}

static void
test_setup_func_fails (void)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle;

  isle = g_isle_new_with_setup (setup_fail_gerror, NULL, NULL, NULL, &error);
  g_assert_null (isle);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  gisle_test_assert_contains (error->message, "setup refused");
  g_clear_error (&error);

  isle = g_isle_new_with_setup (setup_fail_lua, NULL, NULL, NULL, &error);
  g_assert_null (isle);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_contains (error->message, "lua error in setup");
  g_clear_error (&error);

  /* FALSE without an error still fails, with some error. */
  isle = g_isle_new_with_setup (setup_fail_silently, NULL, NULL, NULL, &error);
  g_assert_null (isle);
  g_assert_nonnull (error);
}

/* ---- Lazy start ----------------------------------------------------------- */

static void
test_lazy_start (void)
{
  g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE, "setup-code", "base = 40", NULL);

  /* Never initialized: the first job starts it, setup first. */
  gisle_test_assert_eval (isle, "return base + 2", "(int64 42,)");
  g_assert_false (g_isle_is_closed (isle));
}

static void
test_lazy_start_async (void)
{
  g_autoptr(GIsle) isle = g_object_new (G_TYPE_ISLE, "setup-code", "base = 1", NULL);
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  GisleTestAsync async = { 0, };

  g_isle_eval_async (isle, "return base + 1", NULL, gisle_test_async_ready, &async);
  gisle_test_async_wait (&async, "eval_async on an uninitialized isle");
  result = g_isle_eval_finish (isle, async.result, &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "(int64 2,)");
  gisle_test_async_clear (&async);
}

/* ---- The main context ---------------------------------------------------- */

typedef struct
{
  GMainContext *context;
  GThread *thread;
  volatile gint output_seen;
  gboolean output_in_thread;
  gboolean output_in_context;
  gboolean callback_in_thread;
  gboolean callback_in_context;
  GVariant *result;
} ContextData;

static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     user_data)
{
  ContextData *data = user_data;

  data->output_in_thread = g_thread_self () == data->thread;
  data->output_in_context = g_main_context_is_owner (data->context);
  g_atomic_int_set (&data->output_seen, TRUE);
}

static gpointer
context_thread (gpointer user_data)
{
  ContextData *data = user_data;
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GError) error = NULL;
  GisleTestAsync async = { 0, };

  /* Not set by g_thread_new()'s caller: it may not have returned yet. */
  data->thread = g_thread_self ();
  g_main_context_push_thread_default (data->context);

  isle = g_isle_new (NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_isle_get_main_context (isle) == data->context);

  g_signal_connect (isle, "output", G_CALLBACK (on_output), data);
  g_isle_eval_async (isle, "print ('hi') return 'done'", NULL, gisle_test_async_ready, &async);
  gisle_test_async_wait (&async, "eval_async in a thread's own context");
  data->callback_in_thread = async.thread == data->thread;
  data->callback_in_context = async.context == data->context;
  data->result = g_isle_eval_finish (isle, async.result, &error);
  g_assert_no_error (error);
  gisle_test_wait_flag (&data->output_seen, "the output signal in the thread's context");

  gisle_test_async_clear (&async);
  g_signal_handlers_disconnect_by_data (isle, data);
  g_main_context_pop_thread_default (data->context);
  return NULL;
}

static void
test_main_context (void)
{
  ContextData data = { 0, };

  data.context = g_main_context_new ();
  /* Nobody iterates the global default context meanwhile: anything sent
   * there instead would never arrive and the thread would time out. */
  g_thread_join (g_thread_new ("context-owner", context_thread, &data));

  gisle_test_assert_variant (data.result, "('done',)");
  g_assert_true (data.callback_in_thread);
  g_assert_true (data.callback_in_context);
  g_assert_true (data.output_in_thread);
  g_assert_true (data.output_in_context);

  g_variant_unref (data.result);
  g_main_context_unref (data.context);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/construct/new", test_new);
  g_test_add_func ("/construct/new-async", test_new_async);
  g_test_add_func ("/construct/defaults", test_defaults);
  g_test_add_func ("/construct/properties", test_properties);
  g_test_add_func ("/construct/thread-name-os", test_thread_name_os);
  g_test_add_func ("/construct/setup-code", test_setup_code);
  g_test_add_func ("/construct/setup-code/syntax-error", test_setup_code_syntax_error);
  g_test_add_func ("/construct/setup-code/runtime-error", test_setup_code_runtime_error);
  g_test_add_func ("/construct/setup-code/failure-async", test_setup_code_failure_async);
  g_test_add_func ("/construct/setup-func", test_setup_func);
  g_test_add_func ("/construct/setup-func/fails", test_setup_func_fails);
  g_test_add_func ("/construct/lazy-start", test_lazy_start);
  g_test_add_func ("/construct/lazy-start-async", test_lazy_start_async);
  g_test_add_func ("/construct/main-context", test_main_context);
  /* Last: GLib's TAP mode stops at the first failure. */
  g_test_add_func ("/construct/setup-failure/reports-closed", test_setup_code_failure_closes);

  return g_test_run ();
}
