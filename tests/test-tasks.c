/* test-tasks.c: tasks inside a job (isle.spawn, task:join, task:cancel,
 * isle.wait_any), on a one-thread executor and on a dedicated thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-test-utils.h"

#define WAIT_MS (GISLE_TEST_TIMEOUT_S * 1000)

typedef struct
{
  gboolean executor;
} Mode;

static const Mode on_executor = { TRUE };
static const Mode on_thread = { FALSE };

/* Holds every invocation until the test answers it. */
static void
host_hold (GIsle           *isle,
           GVariant        *args,
           GIsleInvocation *invocation,
           gpointer         data)
{
  g_ptr_array_add (data, invocation);
}

static void
answer_all (GPtrArray *held,
            gint64     value)
{
  for (guint i = 0; i < held->len; i++)
    g_isle_invocation_return_value (held->pdata[i], g_variant_new_int64 (value));
  g_ptr_array_set_size (held, 0);
}

typedef struct
{
  GIsleExecutor *executor;
  GIsle *isle;
  GPtrArray *held;
  GString *output;
  guint64 last_job_id;
  gboolean other_job_id;
} Fixture;

static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     data)
{
  Fixture *f = data;

  if (f->last_job_id != 0 && f->last_job_id != job_id)
    f->other_job_id = TRUE;
  f->last_job_id = job_id;
  g_string_append (f->output, text);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const Mode *mode = data;

  f->executor = g_isle_executor_new (1);
  f->isle = mode->executor ? gisle_test_isle_new ("executor", f->executor, NULL)
                           : gisle_test_isle_new (NULL, NULL);
  f->held = g_ptr_array_new ();
  f->output = g_string_new (NULL);
  g_isle_add_async_function (f->isle, "wait_host", host_hold, f->held, NULL);
  g_signal_connect (f->isle, "output", G_CALLBACK (on_output), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  answer_all (f->held, 0);
  g_object_unref (f->isle);
  g_object_unref (f->executor);
  g_ptr_array_unref (f->held);
  g_string_free (f->output, TRUE);
}

static GVariant *
finish (Fixture        *f,
        GisleTestAsync *async,
        GError        **error)
{
  GVariant *result = g_isle_eval_finish (f->isle, gisle_test_async_wait (async, "the job"), error);

  gisle_test_async_clear (async);
  return result;
}

/* Ten tasks wait for host functions at the same time. */
static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  GisleTestAsync job = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  g_isle_eval_async (f->isle,
                     "local ts = {}\n"
                     "for i = 1, 10 do ts[i] = isle.spawn(function(i) return wait_host() + i end, i) end\n"
                     "local sum = 0\n"
                     "for i = 1, 10 do sum = sum + ts[i]:join() end\n"
                     "return sum",
                     NULL, gisle_test_async_ready, &job);
  /* All ten calls are outstanding before any is answered. */
  GISLE_TEST_WAIT_UNTIL (f->held->len == 10, WAIT_MS);
  g_assert_false (g_atomic_int_get (&job.done));
  answer_all (f->held, 100);
  result = finish (f, &job, &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "(int64 1055,)");
}

/* join gives the values, or raises the task's own error value. */
static void
test_join (Fixture       *f,
           gconstpointer  data)
{
  gisle_test_assert_eval (f->isle,
                          "local t = isle.spawn(function(a, b) return a, b, nil end, 1, 'two')\n"
                          "local u = isle.spawn(function() error({code = 42}) end)\n"
                          "local ok, e = pcall(u.join, u)\n"
                          "local a, b, c = t:join()\n"
                          "return select('#', t:join()), a, b, c == nil, ok, e.code, u:status(), t:status()",
                          "(int64 3, int64 1, 'two', true, false, int64 42, 'failed', 'done')");
}

/* A task error nobody joined fails the job; the job's own error cancels
 * the tasks left. */
static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *message = NULL;

  message = gisle_test_eval_error (f->isle, "isle.spawn(function() error('lost') end) return 1",
                                   G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_contains (message, "A task failed and nobody joined it");
  gisle_test_assert_contains (message, "lost");
  g_clear_pointer (&message, g_free);

  message = gisle_test_eval_error (f->isle,
                                   "waiter = isle.spawn(function() wait_host() reached = true end)\n"
                                   "isle.spawn(function() end)\n"
                                   "error('main failed')",
                                   G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  gisle_test_assert_contains (message, "main failed");
  gisle_test_assert_eval (f->isle, "return waiter:status(), reached", "('cancelled', @mv nothing)");
}

/* task:cancel() ends a waiting task at once; joining it says so. */
static void
test_cancel_task (Fixture       *f,
                  gconstpointer  data)
{
  gisle_test_assert_eval (f->isle,
                          "local closed = false\n"
                          "local t = isle.spawn(function()\n"
                          "  local guard <close> = setmetatable({}, { __close = function() closed = true end })\n"
                          "  wait_host() return 'never'\n"
                          "end)\n"
                          "local other = isle.spawn(function() return 'other' end)\n"
                          "isle.wait_any(other)\n"
                          "t:cancel()\n"
                          "local ok, e = pcall(t.join, t)\n"
                          "return t:status(), ok, e:find('cancelled') ~= nil, closed",
                          "('cancelled', false, true, true)");
}

/* Cancelling the job cancels every task, at once. */
static void
test_cancel_job (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  GisleTestAsync job = { 0, };

  g_isle_eval_async (f->isle,
                     "cleaned = 0\n"
                     "for i = 1, 3 do isle.spawn(function()\n"
                     "  local ok = pcall(wait_host) if not ok then cleaned = cleaned + 1 end\n"
                     "end) end\n"
                     "return wait_host()",
                     cancellable, gisle_test_async_ready, &job);
  GISLE_TEST_WAIT_UNTIL (f->held->len == 4, WAIT_MS);
  g_cancellable_cancel (cancellable);
  result = finish (f, &job, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Each task's cleanup ran, before the next job. */
  gisle_test_assert_eval (f->isle, "return cleaned", "(int64 3,)");
}

static void
on_event (GIsle      *isle,
          const char *name,
          GVariant   *value,
          gpointer    data)
{
  (*(guint *) data)++;
}

/* wait_any takes whichever ends first; the job waits for its tasks. */
static void
test_wait_any (Fixture       *f,
               gconstpointer  data)
{
  GisleTestAsync job = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  guint fast_done = 0;

  g_signal_connect (f->isle, "event::fast", G_CALLBACK (on_event), &fast_done);
  g_isle_eval_async (f->isle,
                     "slow = isle.spawn(function() wait_host() finished = true end)\n"
                     "local fast = isle.spawn(function() isle.emit('fast') return 'fast' end)\n"
                     "return isle.wait_any(slow, fast) == fast, fast:join()",
                     NULL, gisle_test_async_ready, &job);
  /* Answered only once the fast one ended: the slow one ends after it. */
  GISLE_TEST_WAIT_UNTIL (f->held->len == 1 && fast_done == 1, WAIT_MS);
  /* The code returned; the job waits for the slow task. */
  g_assert_false (g_atomic_int_get (&job.done));
  answer_all (f->held, 1);
  result = finish (f, &job, &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "(true, 'fast')");
  gisle_test_assert_eval (f->isle, "return finished", "(true,)");
}

/* Tasks started by tasks; output keeps each task's order and carries the
 * job's id. */
static void
test_nested_output (Fixture       *f,
                    gconstpointer  data)
{
  GisleTestAsync job = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;

  f->last_job_id = 0;
  f->other_job_id = FALSE;
  g_isle_eval_async (f->isle,
                     "local outer = isle.spawn(function()\n"
                     "  local inner = isle.spawn(function() print('i1') wait_host() print('i2') return 'in' end)\n"
                     "  print('o1') wait_host() print('o2')\n"
                     "  return inner:join()\n"
                     "end)\n"
                     "print('m1')\n"
                     "return outer:join()",
                     NULL, gisle_test_async_ready, &job);
  GISLE_TEST_WAIT_UNTIL (f->held->len == 2, WAIT_MS);
  answer_all (f->held, 0);
  result = finish (f, &job, &error);
  g_assert_no_error (error);
  gisle_test_assert_variant (result, "('in',)");
  g_assert_false (f->other_job_id);
  g_assert_cmpuint (f->last_job_id, !=, 0);
  /* Per task: o1 before o2, i1 before i2. */
  g_assert_true (strstr (f->output->str, "o1") < strstr (f->output->str, "o2"));
  g_assert_true (strstr (f->output->str, "i1") < strstr (f->output->str, "i2"));
  g_assert_nonnull (strstr (f->output->str, "m1"));
}

/* Where Lua cannot yield, joining is an error, not a deadlock. */
static void
test_join_not_yieldable (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *message =
    gisle_test_eval_error (f->isle,
                           "local t = isle.spawn(function() wait_host() end)\n"
                           "local r = string.gsub('x', 'x', function() t:join() end)\n",
                           G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);

  gisle_test_assert_contains (message, "task:join() cannot wait here");
}

int
main (int argc, char **argv)
{
  static const struct
  {
    const char *name;
    void (*func) (Fixture *, gconstpointer);
  } tests[] = {
    { "concurrent", test_concurrent },
    { "join", test_join },
    { "errors", test_errors },
    { "cancel-task", test_cancel_task },
    { "cancel-job", test_cancel_job },
    { "wait-any", test_wait_any },
    { "nested-output", test_nested_output },
    { "join-not-yieldable", test_join_not_yieldable },
  };

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    {
      g_autofree char *on_exec = g_strdup_printf ("/tasks/%s/executor", tests[i].name);
      g_autofree char *on_own = g_strdup_printf ("/tasks/%s/thread", tests[i].name);

      g_test_add (on_exec, Fixture, &on_executor, fixture_set_up, tests[i].func, fixture_tear_down);
      g_test_add (on_own, Fixture, &on_thread, fixture_set_up, tests[i].func, fixture_tear_down);
    }
  return g_test_run ();
}
