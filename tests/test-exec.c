/* test-exec.c: running C callbacks with the lua_State (C only).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include <lua.h>
#include <lauxlib.h>

#include "gisle-test-utils.h"

static GIsle *
new_isle (void)
{
  return gisle_test_isle_new (NULL);
}

/* Runs @func with g_isle_exec() and asserts that it succeeds. */
static GVariant *
exec_ok (GIsle         *isle,
         GIsleExecFunc  func,
         gpointer       user_data)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = g_isle_exec (isle, func, user_data, NULL, &error);

  g_assert_no_error (error);
  return result;
}

/* ---- The thread ----------------------------------------------------------- */

static GVariant *
record_thread (GIsle      *isle,
               lua_State  *L,
               gpointer    user_data,
               GError    **error)
{
  GThread **thread = user_data;

  g_assert_nonnull (L);
  g_assert_true (G_IS_ISLE (isle));
  *thread = g_thread_self ();
  return NULL;
}

static void
test_thread (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) first_result = NULL;
  g_autoptr(GVariant) second_result = NULL;
  GThread *first = NULL, *second = NULL;

  first_result = exec_ok (isle, record_thread, &first);
  second_result = exec_ok (isle, record_thread, &second);

  /* A callback returning NULL gives NULL, and no error. */
  g_assert_null (first_result);
  g_assert_null (second_result);
  g_assert_nonnull (first);
  g_assert_true (first != g_thread_self ());
  g_assert_true (first == second);
}

/* ---- The Lua state --------------------------------------------------------------- */

static GVariant *
set_global (GIsle      *isle,
            lua_State  *L,
            gpointer    user_data,
            GError    **error)
{
  /* The callback starts with a clean stack. */
  g_assert_cmpint (lua_gettop (L), ==, 0);
  lua_pushinteger (L, 99);
  lua_setglobal (L, "from_c");
  lua_pushstring (L, "left on the stack");
  return g_variant_new ("(s)", "done");
}

static GVariant *
read_global (GIsle      *isle,
             lua_State  *L,
             gpointer    user_data,
             GError    **error)
{
  const char *value;

  g_assert_cmpint (lua_gettop (L), ==, 0);
  lua_getglobal (L, "from_lua");
  value = lua_tostring (L, -1);
  return g_variant_new_string (value != NULL ? value : "(missing)");
}

static void
test_lua_state (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) result = NULL;

  result = exec_ok (isle, set_global, NULL);
  gisle_test_assert_variant (result, "('done',)");
  gisle_test_assert_eval (isle, "return from_c", "(int64 99,)");

  gisle_test_assert_eval (isle, "from_lua = 'set by a chunk'", "()");
  g_clear_pointer (&result, g_variant_unref);
  result = exec_ok (isle, read_global, NULL);
  g_assert_false (g_variant_is_floating (result));
  gisle_test_assert_variant (result, "'set by a chunk'");

  /* What the callbacks left on the stack does not leak into later jobs. */
  g_clear_pointer (&result, g_variant_unref);
  result = exec_ok (isle, set_global, NULL);
  gisle_test_assert_variant (result, "('done',)");
}

/* ---- Errors ---------------------------------------------------------------- */

static GVariant *
fail_with_gerror (GIsle      *isle,
                  lua_State  *L,
                  gpointer    user_data,
                  GError    **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "no %s here", "way");
  return NULL;
}

static GVariant *
raise_lua_error (GIsle      *isle,
                 lua_State  *L,
                 gpointer    user_data,
                 GError    **error)
{
  luaL_error (L, "c says %d", 5);
  g_assert_not_reached ();
  return NULL;
}

static GVariant *
call_failing_lua (GIsle      *isle,
                  lua_State  *L,
                  gpointer    user_data,
                  GError    **error)
{
  /* An unprotected call: its error unwinds through this callback. */
  lua_getglobal (L, "error");
  lua_pushstring (L, "raised by Lua code");
  lua_call (L, 1, 0);
  g_assert_not_reached ();
  return NULL;
}

static void
test_gerror (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  result = g_isle_exec (isle, fail_with_gerror, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==, "no way here");
  gisle_test_assert_alive (isle);
}

static void
test_lua_error (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  result = g_isle_exec (isle, raise_lua_error, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_contains (error->message, "c says 5");
  gisle_test_assert_alive (isle);
  g_clear_error (&error);

  result = g_isle_exec (isle, call_failing_lua, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_contains (error->message, "raised by Lua code");
  gisle_test_assert_alive (isle);
}

/* ---- Asynchronous exec ------------------------------------------------------------ */

typedef struct
{
  volatile gint calls;
  GisleTestCounter notified;
} ExecData;

static GVariant *
count_call (GIsle      *isle,
            lua_State  *L,
            gpointer    user_data,
            GError    **error)
{
  ExecData *data = user_data;

  g_atomic_int_inc (&data->calls);
  lua_pushinteger (L, 7);
  lua_setglobal (L, "async_exec_ran");
  return g_variant_new_int32 (g_atomic_int_get (&data->calls));
}

static void
count_notify (gpointer user_data)
{
  ExecData *data = user_data;

  gisle_test_counter_inc (&data->notified);
}

static void
test_async (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  GisleTestAsync async = { 0, };
  ExecData data = { 0, };

  gisle_test_counter_init (&data.notified);
  g_isle_exec_async (isle, count_call, &data, count_notify, NULL,
                     gisle_test_async_ready, &async);
  g_assert_false (g_atomic_int_get (&async.done));
  gisle_test_async_wait (&async, "exec_async");
  g_assert_true (async.thread == g_thread_self ());
  g_assert_true (g_async_result_is_tagged (async.result, g_isle_exec_async));
  result = g_isle_exec_finish (isle, async.result, &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "1");
  gisle_test_assert_eval (isle, "return async_exec_ran", "(int64 7,)");
  gisle_test_async_clear (&async);

  /* The data is released once the job is done: exactly once, even after
   * more jobs, closing and dropping the isle. */
  gisle_test_counter_wait_iterating (&data.notified, 1, "the exec_async destroy notify");
  gisle_test_assert_alive (isle);
  g_assert_true (g_isle_close (isle, NULL, NULL));
  g_clear_object (&isle);
  g_assert_cmpint (g_atomic_int_get (&data.calls), ==, 1);
  g_assert_cmpuint (gisle_test_counter_get (&data.notified), ==, 1);
  gisle_test_counter_clear (&data.notified);
}

static void
test_async_closed (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GError) error = NULL;
  GisleTestAsync async = { 0, };
  ExecData data = { 0, };

  gisle_test_counter_init (&data.notified);
  g_assert_true (g_isle_close (isle, NULL, NULL));
  g_isle_exec_async (isle, count_call, &data, count_notify, NULL,
                     gisle_test_async_ready, &async);
  gisle_test_async_wait (&async, "exec_async on a closed isle");
  result = g_isle_exec_finish (isle, async.result, &error);
  g_assert_null (result);
  g_assert_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED);
  gisle_test_async_clear (&async);

  /* Never run, but its data is still released, once. */
  gisle_test_counter_wait_iterating (&data.notified, 1, "the destroy notify of a refused exec");
  g_clear_object (&isle);
  g_assert_cmpint (g_atomic_int_get (&data.calls), ==, 0);
  g_assert_cmpuint (gisle_test_counter_get (&data.notified), ==, 1);
  gisle_test_counter_clear (&data.notified);
}

/* ---- Blocking calls on the isle's own thread ------------------------------------ */

typedef struct
{
  GError *eval_error;
  GError *call_error;
  GError *exec_error;
  GError *close_error;
  gboolean eval_result_null;
} ReentryData;

static GVariant *
nothing (GIsle      *isle,
         lua_State  *L,
         gpointer    user_data,
         GError    **error)
{
  return NULL;
}

static GVariant *
reenter (GIsle      *isle,
         lua_State  *L,
         gpointer    user_data,
         GError    **error)
{
  ReentryData *data = user_data;
  g_autoptr(GVariant) eval_result = NULL;
  g_autoptr(GVariant) call_result = NULL;
  g_autoptr(GVariant) exec_result = NULL;

  eval_result = g_isle_eval (isle, "return 1", NULL, &data->eval_error);
  data->eval_result_null = eval_result == NULL;
  call_result = g_isle_call (isle, "print", NULL, NULL, &data->call_error);
  exec_result = g_isle_exec (isle, nothing, NULL, NULL, &data->exec_error);
  g_isle_close (isle, NULL, &data->close_error);
  return g_variant_new_string ("returned");
}

static void
test_would_deadlock (void)
{
  g_autoptr(GIsle) isle = new_isle ();
  g_autoptr(GVariant) result = NULL;
  ReentryData data = { 0, };

  {
    g_autoptr(GisleTestWatchdog) watchdog = gisle_test_watchdog_new ("a blocking call from the isle's own thread");

    result = exec_ok (isle, reenter, &data);
  }
  gisle_test_assert_variant (result, "'returned'");
  g_assert_true (data.eval_result_null);
  g_assert_error (data.eval_error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK);
  g_assert_error (data.call_error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK);
  g_assert_error (data.exec_error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK);
  g_assert_error (data.close_error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK);

  /* Nothing was closed or broken by trying. */
  g_assert_false (g_isle_is_closed (isle));
  gisle_test_assert_alive (isle);

  g_error_free (data.eval_error);
  g_error_free (data.call_error);
  g_error_free (data.exec_error);
  g_error_free (data.close_error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/exec/thread", test_thread);
  g_test_add_func ("/exec/lua-state", test_lua_state);
  g_test_add_func ("/exec/gerror", test_gerror);
  g_test_add_func ("/exec/lua-error", test_lua_error);
  g_test_add_func ("/exec/async", test_async);
  g_test_add_func ("/exec/async-closed", test_async_closed);
  g_test_add_func ("/exec/would-deadlock", test_would_deadlock);

  return g_test_run ();
}
