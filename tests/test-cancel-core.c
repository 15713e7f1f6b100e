/* test-cancel-core.c: the Lua side of cancelling alone (white-box: a bare
 * lua_State on the test's own thread, no worker thread, no isle, no
 * policy). The test plays the canceller: it sets the job's phase and sends
 * the cancel signal to its own thread, as gisle-worker-cancel.c does from
 * another one; the signal handler, the hook, the sentinel, the coroutine
 * and xpcall replacements and the per-run record do the rest.
 *
 * The loops allocate (`local t = {}`): ThreadSanitizer delivers a signal
 * only at the next call it intercepts, and an empty loop makes none.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-cancel-private.h"

#include <lauxlib.h>
#include <lualib.h>

typedef struct
{
  GisleWorker *worker;   /* zeroed: only its per-run record is used */
  GisleJob *job;         /* zeroed: only its cancel fields are used */
  lua_State *L;
} Fixture;

static Fixture *current;

/* cancel("soft" | "hard"): what a canceller does, from inside the script;
 * the signal reaches this very thread before pthread_sigqueue() returns. */
static int
script_cancel (lua_State *L)
{
  const char *phase = luaL_checkstring (L, 1);
  GisleJob *job = current->job;

  job->cancel_reason = G_IO_ERROR_CANCELLED;
  if (g_str_equal (phase, "hard"))
    g_atomic_int_set (&job->cancel_phase, GISLE_CANCEL_HARD);
  else
    {
      /* A grace period the test never outlives. */
      job->grace_ends_at = g_get_monotonic_time () + (gint64) 3600 * G_USEC_PER_SEC;
      g_atomic_int_set (&job->cancel_phase, GISLE_CANCEL_SOFT);
    }
  gisle_cancel_signal_thread (pthread_self ());
  return 0;
}

/* hook_mask(): the hook mask of the running state, as Lua sees it. */
static int
script_hook_mask (lua_State *L)
{
  lua_pushinteger (L, lua_gethookmask (L));
  return 1;
}

/* set_grace_over(): as if the grace period had ended now. */
static int
script_set_grace_over (lua_State *L)
{
  current->job->grace_ends_at = 0;
  return 0;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  gisle_cancel_init_process ();
  f->worker = g_new0 (GisleWorker, 1);
  f->worker->run.worker = f->worker;
  f->job = g_new0 (GisleJob, 1);
  f->L = luaL_newstate ();
  g_assert_nonnull (f->L);
  luaL_openlibs (f->L);
  gisle_cancel_open (f->L);
  lua_register (f->L, "cancel", script_cancel);
  lua_register (f->L, "hook_mask", script_hook_mask);
  lua_register (f->L, "set_grace_over", script_set_grace_over);
  current = f;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  current = NULL;
  lua_close (f->L);
  g_free (f->job);
  g_free (f->worker);
}

/* Runs @code as the job, between entering and leaving Lua as a job does;
 * returns the lua_pcall status and leaves the result or error on top. */
static int
run (Fixture    *f,
     const char *code)
{
  int status;

  status = luaL_loadstring (f->L, code);
  g_assert_cmpint (status, ==, LUA_OK);
  gisle_cancel_enter_lua (f->worker, f->job, f->L);
  status = lua_pcall (f->L, 0, 1, 0);
  gisle_cancel_leave_lua (f->worker);
  return status;
}

static void
assert_cancelled (Fixture *f,
                  int      status)
{
  g_assert_cmpint (status, ==, LUA_ERRRUN);
  g_assert_true (gisle_cancel_is_sentinel (f->L, -1));
  lua_pop (f->L, 1);
}

/* The per-run record is set while the job is in Lua and gone after it; no
 * hook is installed while nothing is cancelled. */
static void
test_run_record (Fixture       *f,
                 gconstpointer  data)
{
  g_assert_null (gisle_cancel_get_run ());
  gisle_cancel_enter_lua (f->worker, f->job, f->L);
  g_assert_true (gisle_cancel_get_run () == &f->worker->run);
  g_assert_true (gisle_cancel_current_job (f->L) == f->job);
  g_assert_cmpint (f->worker->run.depth, ==, 1);
  g_assert_cmpint (lua_gethookmask (f->L), ==, 0);
  g_assert_false (gisle_cancel_is_requested (f->L));
  gisle_cancel_leave_lua (f->worker);
  g_assert_null (gisle_cancel_get_run ());
  g_assert_null (gisle_cancel_current_job (f->L));
  g_assert_cmpint (f->worker->run.depth, ==, 0);

  g_assert_cmpint (run (f, "return hook_mask()"), ==, LUA_OK);
  g_assert_cmpint (lua_tointeger (f->L, -1), ==, 0);
  lua_pop (f->L, 1);
}

/* A hard cancel stops a loop at once, with the sentinel, whose text says
 * what happened; the state's hook is gone once the job left Lua. */
static void
test_hard_loop (Fixture       *f,
                gconstpointer  data)
{
  assert_cancelled (f, run (f, "cancel('hard') while true do local t = {} end"));
  g_assert_cmpint (lua_gethookmask (f->L), ==, 0);

  lua_rawgetp (f->L, LUA_REGISTRYINDEX, NULL);   /* any non-sentinel value */
  g_assert_false (gisle_cancel_is_sentinel (f->L, -1));
  lua_pop (f->L, 1);
  g_assert_cmpint (luaL_dostring (f->L, "return 'x'"), ==, LUA_OK);
  g_assert_false (gisle_cancel_is_sentinel (f->L, -1));
  lua_pop (f->L, 1);
}

/* A hard cancel cannot be swallowed by pcall, nor by an xpcall whose
 * message handler loops (Lua runs handlers with hooks off). */
static void
test_hard_sticky (Fixture       *f,
                  gconstpointer  data)
{
  assert_cancelled (f, run (f,
    "cancel('hard')\n"
    "while true do pcall(function () while true do local t = {} end end) end"));

  g_atomic_int_set (&f->job->cancel_phase, GISLE_CANCEL_NONE);
  assert_cancelled (f, run (f,
    "cancel('hard')\n"
    "while true do\n"
    "  xpcall(function () while true do local t = {} end end,\n"
    "         function () while true do local t = {} end end)\n"
    "end"));
}

/* A soft cancel is one catchable error: cleanup code after pcall runs, at
 * full speed but for the rare clock check, and the job ends normally. */
static void
test_soft_once (Fixture       *f,
                gconstpointer  data)
{
  int status = run (f,
    "local ok, err = pcall(function () cancel('soft') while true do local t = {} end end)\n"
    "assert(not ok)\n"
    "local n = 0\n"
    "for i = 1, 100000 do n = n + 1 end\n"
    "return tostring(err) .. ' ' .. n");

  g_assert_cmpint (status, ==, LUA_OK);
  g_assert_cmpstr (lua_tostring (f->L, -1), ==, "the job was cancelled 100000");
  lua_pop (f->L, 1);
  g_assert_true (f->job->soft_delivered);
  g_assert_cmpint (g_atomic_int_get (&f->job->cancel_phase), ==, GISLE_CANCEL_SOFT);
}

/* Once the grace period is over the hook turns the job hard itself. */
static void
test_soft_grace_over (Fixture       *f,
                      gconstpointer  data)
{
  int status = run (f,
    "pcall(function () cancel('soft') while true do local t = {} end end)\n"
    "set_grace_over()\n"
    "while true do pcall(function () while true do local t = {} end end) end");

  assert_cancelled (f, status);
  g_assert_cmpint (g_atomic_int_get (&f->job->cancel_phase), ==, GISLE_CANCEL_HARD);
}

/* Coroutines made before or after the cancel, resumed or wrapped, nested:
 * all are on the resume stack the signal arms, and the sentinel crosses
 * coroutine.wrap unchanged. */
static void
test_coroutines (Fixture       *f,
                 gconstpointer  data)
{
  assert_cancelled (f, run (f,
    "local inner = coroutine.wrap(function () cancel('hard') while true do local t = {} end end)\n"
    "local outer = coroutine.wrap(function () inner() end)\n"
    "outer()"));

  g_atomic_int_set (&f->job->cancel_phase, GISLE_CANCEL_NONE);
  assert_cancelled (f, run (f,
    "local co = coroutine.create(function () while true do local t = {} end end)\n"
    "cancel('hard')\n"
    "while true do coroutine.resume(co) end"));
  g_assert_cmpint (f->worker->run.depth, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cancel-core/run-record", test_run_record);
  ADD ("/cancel-core/hard-loop", test_hard_loop);
  ADD ("/cancel-core/hard-sticky", test_hard_sticky);
  ADD ("/cancel-core/soft-once", test_soft_once);
  ADD ("/cancel-core/soft-grace-over", test_soft_grace_over);
  ADD ("/cancel-core/coroutines", test_coroutines);
#undef ADD

  return g_test_run ();
}
