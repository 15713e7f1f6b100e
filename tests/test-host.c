/* test-host.c: host functions of every flavour, and the `isle` module.
 *
 * Every test runs a real main loop iteration in the main thread, which owns
 * the isle's main context. Waits never sleep: they iterate the context until
 * a condition holds, under a deadline that fails the test.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>
#include "gisle-test-utils.h"

#include <string.h>

/* Generous: a wait that needs more than this is a hang. */
#define WAIT_MS 20000

/* "Promptly": far below GIsle:hard-deadline (1 s by default), after which
 * a job that did not stop is reported DEFUNCT instead. */
#define PROMPT_US (500 * G_TIME_SPAN_MILLISECOND)

static GThread *main_thread;


/* Waiting */

static void
iterate_pending (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* Runs everything already attached to the main context. When the worker
 * drops the last reference to a host function (a call was in flight when
 * it was removed, replaced or the isle went), the function and its
 * destroy notify are released there, from an idle the worker attached: a
 * test that ends without running it leaves the release pending, which
 * LeakSanitizer and valgrind report. Once g_isle_close() is over, the
 * worker thread has exited, so every such idle is already attached. */
static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}


/* Running jobs */

typedef struct
{
  gboolean done;
  GVariant *result;
  GError *error;
  gint64 finished_at;
  guint order;             /* completion rank, from a global counter */
} Eval;

static guint completions;

static void
eval_clear (Eval *e)
{
  g_clear_pointer (&e->result, g_variant_unref);
  g_clear_error (&e->error);
}

static void
on_eval_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Eval *e = data;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_false (e->done);
  e->result = g_isle_eval_full_finish (G_ISLE (source), result, &e->error);
  e->finished_at = g_get_monotonic_time ();
  e->order = ++completions;
  e->done = TRUE;
}

static guint64
start_eval (GIsle        *isle,
            const char   *code,
            GCancellable *cancellable,
            Eval         *e)
{
  guint64 id = g_isle_eval_full_async (isle, code, "=test", 0, cancellable, on_eval_done, e);

  g_assert_cmpuint (id, !=, 0);
  return id;
}

static void
wait_eval (Eval *e)
{
  gisle_test_wait_for_flag (&e->done, WAIT_MS, "a job to complete");
}

/* Runs @code and returns its results printed ("(1, 'a')"), or "error: "
 * and the message's first line. */
static char *
run (GIsle      *isle,
     const char *code)
{
  Eval e = { 0 };
  char *out;

  start_eval (isle, code, NULL, &e);
  wait_eval (&e);
  if (e.error != NULL)
    {
      const char *nl = strchr (e.error->message, '\n');

      out = g_strdup_printf ("error: %.*s",
                             nl != NULL ? (int) (nl - e.error->message) : (int) strlen (e.error->message),
                             e.error->message);
    }
  else
    {
      g_assert_nonnull (e.result);
      out = g_variant_print (e.result, FALSE);
    }
  eval_clear (&e);
  return out;
}

#define assert_run(isle, code, expected) \
  G_STMT_START { \
    g_autofree char *out_ = run ((isle), (code)); \
    g_assert_cmpstr (out_, ==, (expected)); \
  } G_STMT_END

static GIsle *
new_isle (void)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle = g_isle_new (NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (isle);
  return isle;
}

static void
on_closed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  gboolean *done = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_isle_close_finish (G_ISLE (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
close_isle (GIsle *isle)
{
  gboolean closed = FALSE;

  g_isle_close_async (isle, NULL, on_closed, &closed);
  gisle_test_wait_for_flag (&closed, WAIT_MS, "the isle to close");
  iterate_pending ();
  g_object_unref (isle);
  drain_main_context ();
}


/* Host functions used by several tests */

typedef struct
{
  guint calls;
  GThread *thread;           /* where the last call ran */
  char *args;                /* the last arguments, printed */
  GCancellable *cancellable; /* the last call's, GIsleHostFunc only */
} Record;

static void
record_clear (Record *r)
{
  g_clear_pointer (&r->args, g_free);
  g_clear_object (&r->cancellable);
}

static void
record_call (Record   *r,
             GVariant *args)
{
  g_assert_true (g_variant_is_of_type (args, G_VARIANT_TYPE_TUPLE));
  r->calls++;
  r->thread = g_thread_self ();
  g_free (r->args);
  r->args = g_variant_print (args, TRUE);
}

/* Returns its arguments, spread. */
static GVariant *
host_echo (GIsle         *isle,
           GVariant      *args,
           GCancellable  *cancellable,
           gpointer       data,
           GError       **error)
{
  Record *r = data;

  g_assert_true (G_IS_ISLE (isle));
  g_assert_true (G_IS_CANCELLABLE (cancellable));
  record_call (r, args);
  g_set_object (&r->cancellable, cancellable);
  return g_variant_ref (args);
}

static GVariant *
host_multi (GIsle         *isle,
            GVariant      *args,
            GCancellable  *cancellable,
            gpointer       data,
            GError       **error)
{
  return g_variant_new ("(xsbd)", (gint64) 7, "seven", TRUE, 0.5);
}

static GVariant *
host_none (GIsle         *isle,
           GVariant      *args,
           GCancellable  *cancellable,
           gpointer       data,
           GError       **error)
{
  return NULL;
}

static GVariant *
host_empty_tuple (GIsle         *isle,
                  GVariant      *args,
                  GCancellable  *cancellable,
                  gpointer       data,
                  GError       **error)
{
  return g_variant_new ("()");
}

/* Returns @data as one string (a floating, non-tuple value). */
static GVariant *
host_string (GIsle         *isle,
             GVariant      *args,
             GCancellable  *cancellable,
             gpointer       data,
             GError       **error)
{
  return g_variant_new_string (data);
}

static GVariant *
host_strv (GIsle         *isle,
           GVariant      *args,
           GCancellable  *cancellable,
           gpointer       data,
           GError       **error)
{
  static const char * const strv[] = { "a", "b", "c", NULL };

  return g_variant_new_strv (strv, -1);
}

/* Fails with "no access to ARG". */
static GVariant *
host_fail (GIsle         *isle,
           GVariant      *args,
           GCancellable  *cancellable,
           gpointer       data,
           GError       **error)
{
  const char *what = "?";

  if (g_variant_n_children (args) > 0)
    g_variant_get_child (args, 0, "&s", &what);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "no access to %s", what);
  return NULL;
}


/* Main-context host functions */

/* Numbers, strings, booleans, nil and tables reach the host as a tuple;
 * a tuple result comes back spread. */
static void
test_host_main_values (void)
{
  GIsle *isle = new_isle ();
  Record r = { 0 };

  g_isle_add_function (isle, "echo", host_echo, &r, NULL);

  assert_run (isle, "return echo(1, 2.5, 'text', true, nil, {1, 2}, {a = 'b'})",
              "(1, 2.5, 'text', true, nothing, [<int64 1>, <int64 2>], {'a': <'b'>})");
  g_assert_cmpuint (r.calls, ==, 1);
  g_assert_cmpstr (r.args, ==,
                   "(int64 1, 2.5, 'text', true, @mv nothing, [<int64 1>, <int64 2>], "
                   "{'a': <'b'>})");

  assert_run (isle, "return select('#', echo())", "(0,)");
  g_assert_cmpstr (r.args, ==, "()");
  assert_run (isle, "local t = echo({x = {1, 'two'}}); return t.x[2]", "('two',)");
  assert_run (isle, "return select('#', echo(nil, nil, nil))", "(3,)");
  g_assert_cmpuint (r.calls, ==, 4);

  /* It ran in the main thread, with a live cancellable. */
  g_assert_true (r.thread == main_thread);
  g_assert_nonnull (r.cancellable);
  g_assert_false (g_cancellable_is_cancelled (r.cancellable));

  record_clear (&r);
  close_isle (isle);
}

static void
host_async_echo (GIsle           *isle,
                 GVariant        *args,
                 GIsleInvocation *invocation,
                 gpointer         data)
{
  record_call (data, args);
  /* Not floating, so not consumed: the invocation takes its own reference
   * (a g_variant_ref() here would be ours to drop). */
  g_isle_invocation_return_value (invocation, args);
}

static GVariant *
worker_echo (GVariant  *args,
             gpointer   data,
             GError   **error)
{
  record_call (data, args);
  return g_variant_ref (args);
}

/* The async and worker flavours take and give the same values as the
 * main-context one, and refuse the same arguments. */
static void
test_host_flavours_values (void)
{
  GIsle *isle = new_isle ();
  Record ra = { 0 }, rw = { 0 };
  const struct { const char *name; Record *r; } flavours[] = {
    { "aecho", &ra },
    { "wecho", &rw },
  };

  g_isle_add_async_function (isle, "aecho", host_async_echo, &ra, NULL);
  g_isle_add_worker_function (isle, "wecho", worker_echo, &rw, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (flavours); i++)
    {
      const char *name = flavours[i].name;
      Record *r = flavours[i].r;
      g_autofree char *code = NULL, *out = NULL;

      code = g_strdup_printf ("return %s(1, 2.5, 'text', true, nil, {1, 2}, {a = 'b'})", name);
      assert_run (isle, code,
                  "(1, 2.5, 'text', true, nothing, [<int64 1>, <int64 2>], {'a': <'b'>})");
      g_assert_cmpstr (r->args, ==,
                       "(int64 1, 2.5, 'text', true, @mv nothing, [<int64 1>, <int64 2>], "
                       "{'a': <'b'>})");
      g_clear_pointer (&code, g_free);

      code = g_strdup_printf ("return select('#', %s())", name);
      assert_run (isle, code, "(0,)");
      g_clear_pointer (&code, g_free);

      code = g_strdup_printf ("local ok, msg = pcall(%s, print); return ok, msg", name);
      out = run (isle, code);
      g_assert_true (g_str_has_prefix (out, "(false, "));
      g_assert_nonnull (strstr (out, "argument 1"));
      g_assert_cmpuint (r->calls, ==, 2);
    }
  g_assert_true (ra.thread == main_thread);
  g_assert_true (rw.thread != NULL && rw.thread != main_thread);

  record_clear (&ra);
  record_clear (&rw);
  close_isle (isle);
}

typedef struct
{
  GString *output;
  char *seen_by_host;
} SeenOutput;

static void
on_output_append (GIsle       *isle,
                  guint64      job_id,
                  GIsleStream  stream,
                  const char  *text,
                  gpointer     data)
{
  g_string_append (((SeenOutput *) data)->output, text);
}

static GVariant *
host_snapshot_output (GIsle         *isle,
                      GVariant      *args,
                      GCancellable  *cancellable,
                      gpointer       data,
                      GError       **error)
{
  SeenOutput *seen = data;

  g_free (seen->seen_by_host);
  seen->seen_by_host = g_strdup (seen->output->str);
  return NULL;
}

/* Output, events and host calls travel in one queue: a host function sees
 * everything the script printed before calling it. */
static void
test_host_main_sees_prior_output (void)
{
  GIsle *isle = new_isle ();
  SeenOutput seen = { g_string_new (NULL), NULL };

  g_signal_connect (isle, "output", G_CALLBACK (on_output_append), &seen);
  g_isle_add_function (isle, "snapshot", host_snapshot_output, &seen, NULL);
  assert_run (isle,
              "for i = 1, 1000 do io.write(i, ' ') end\n"
              "print('end')\n"
              "snapshot()\n"
              "print('after')",
              "()");
  g_assert_true (g_str_has_suffix (seen.seen_by_host, "999 1000 end\n"));
  g_assert_true (g_str_has_prefix (seen.seen_by_host, "1 2 3 "));
  g_assert_true (g_str_has_suffix (seen.output->str, "1000 end\nafter\n"));

  g_string_free (seen.output, TRUE);
  g_free (seen.seen_by_host);
  close_isle (isle);
}

/* Arguments that cannot leave the isle raise a Lua error naming them, and
 * the host function is not called. */
static void
test_host_main_bad_args (void)
{
  GIsle *isle = new_isle ();
  Record r = { 0 };
  g_autofree char *out = NULL;

  g_isle_add_function (isle, "echo", host_echo, &r, NULL);

  out = run (isle, "local ok, msg = pcall(echo, print); return ok, msg");
  g_assert_true (g_str_has_prefix (out, "(false, "));
  g_assert_nonnull (strstr (out, "argument 1"));
  g_clear_pointer (&out, g_free);

  out = run (isle, "local ok, msg = pcall(echo, 1, {f = function () end}); return ok, msg");
  g_assert_true (g_str_has_prefix (out, "(false, "));
  g_assert_nonnull (strstr (out, "argument 2"));
  g_clear_pointer (&out, g_free);

  out = run (isle, "echo(coroutine.create(print))");
  g_assert_true (g_str_has_prefix (out, "error: "));
  g_assert_nonnull (strstr (out, "argument 1"));

  g_assert_cmpuint (r.calls, ==, 0);
  record_clear (&r);
  close_isle (isle);
}

/* A tuple is spread, a single value is one result, NULL and () are none. */
static void
test_host_main_results (void)
{
  GIsle *isle = new_isle ();

  g_isle_add_function (isle, "multi", host_multi, NULL, NULL);
  g_isle_add_function (isle, "none", host_none, NULL, NULL);
  g_isle_add_function (isle, "empty", host_empty_tuple, NULL, NULL);
  g_isle_add_function (isle, "single", host_string, (gpointer) "one", NULL);
  g_isle_add_function (isle, "strv", host_strv, NULL, NULL);

  assert_run (isle, "return select('#', multi()), multi()", "(4, 7, 'seven', true, 0.5)");
  assert_run (isle, "return select('#', none())", "(0,)");
  assert_run (isle, "return select('#', empty())", "(0,)");
  assert_run (isle, "return select('#', single()), single()", "(1, 'one')");
  assert_run (isle, "local t = strv(); return type(t), #t, t[1], t[3]",
              "('table', 3, 'a', 'c')");
  /* In the middle of an expression list a call gives one value. */
  assert_run (isle, "local a, b = multi(), 'x'; return a, b", "(7, 'x')");

  close_isle (isle);
}

/* A GError is raised in Lua with its message: pcall catches it as that
 * string; uncaught, it fails the job. */
static void
test_host_main_error (void)
{
  GIsle *isle = new_isle ();
  Eval e = { 0 };

  g_isle_add_function (isle, "fail", host_fail, NULL, NULL);

  assert_run (isle, "return pcall(fail, 'the disk')", "(false, 'no access to the disk')");
  assert_run (isle,
              "local ok, msg = pcall(fail, 'x'); return type(msg), msg == 'no access to x'",
              "('string', true)");

  start_eval (isle, "fail('the attic')", NULL, &e);
  wait_eval (&e);
  g_assert_error (e.error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  g_assert_nonnull (strstr (e.error->message, "no access to the attic"));
  eval_clear (&e);

  /* The isle goes on. */
  assert_run (isle, "return 1", "(1,)");
  close_isle (isle);
}


/* Asynchronous host functions */

typedef struct
{
  GIsleInvocation *held;    /* an invocation kept without answering */
  guint calls;
  GThread *thread;
  guint64 job_id;
  char *name;
  char *args;
  GIsle *isle;
  gboolean cancelled_signal;
  gboolean cancelled_at_start;
} AsyncState;

static void
async_state_clear (AsyncState *s)
{
  g_clear_object (&s->held);
  g_clear_pointer (&s->name, g_free);
  g_clear_pointer (&s->args, g_free);
}

static void
async_record (AsyncState      *s,
              GIsleInvocation *invocation,
              GVariant        *args)
{
  GCancellable *cancellable = g_isle_invocation_get_cancellable (invocation);

  s->calls++;
  s->thread = g_thread_self ();
  s->isle = g_isle_invocation_get_isle (invocation);
  s->job_id = g_isle_invocation_get_job_id (invocation);
  g_free (s->name);
  s->name = g_strdup (g_isle_invocation_get_name (invocation));
  g_free (s->args);
  s->args = g_variant_print (g_isle_invocation_get_arguments (invocation), TRUE);
  g_assert_true (g_variant_equal (args, g_isle_invocation_get_arguments (invocation)));
  g_assert_true (G_IS_CANCELLABLE (cancellable));
  s->cancelled_at_start = g_cancellable_is_cancelled (cancellable);
}

static gboolean
answer_double (gpointer data)
{
  GIsleInvocation *invocation = data;
  gint64 x;

  g_assert_true (g_thread_self () == main_thread);
  g_variant_get (g_isle_invocation_get_arguments (invocation), "(x)", &x);
  g_isle_invocation_return_value (invocation, g_variant_new ("(xs)", x * 2, "later"));
  return G_SOURCE_REMOVE;
}

/* Answers (x * 2, "later") from a timeout. */
static void
host_async_double (GIsle           *isle,
                   GVariant        *args,
                   GIsleInvocation *invocation,
                   gpointer         data)
{
  async_record (data, invocation, args);
  g_timeout_add (20, answer_double, invocation);
}

static gboolean
answer_error (gpointer data)
{
  GIsleInvocation *invocation = data;

  g_isle_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                          "nothing here");
  return G_SOURCE_REMOVE;
}

/* Fails from an idle. */
static void
host_async_error_idle (GIsle           *isle,
                       GVariant        *args,
                       GIsleInvocation *invocation,
                       gpointer         data)
{
  g_idle_add (answer_error, invocation);
}

/* Answers at once, inside the call. */
static void
host_async_now (GIsle           *isle,
                GVariant        *args,
                GIsleInvocation *invocation,
                gpointer         data)
{
  g_isle_invocation_return_value (invocation, g_variant_new_string ("now"));
}

static void
host_async_gerror (GIsle           *isle,
                   GVariant        *args,
                   GIsleInvocation *invocation,
                   gpointer         data)
{
  g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_BUSY, "busy with %s", "work");

  g_isle_invocation_return_gerror (invocation, error);
}

static void
host_async_none (GIsle           *isle,
                 GVariant        *args,
                 GIsleInvocation *invocation,
                 gpointer         data)
{
  g_isle_invocation_return_value (invocation, NULL);
}

/* An async host function answering later, from a timeout or an idle, or
 * at once; with values, none, or an error. */
static void
test_host_async_later (void)
{
  GIsle *isle = new_isle ();
  AsyncState s = { 0 };
  Eval e = { 0 };
  guint64 id;

  g_isle_add_async_function (isle, "double", host_async_double, &s, NULL);
  g_isle_add_async_function (isle, "missing", host_async_error_idle, NULL, NULL);
  g_isle_add_async_function (isle, "now", host_async_now, NULL, NULL);
  g_isle_add_async_function (isle, "busy", host_async_gerror, NULL, NULL);
  g_isle_add_async_function (isle, "nothing", host_async_none, NULL, NULL);

  id = start_eval (isle, "return double(21)", NULL, &e);
  wait_eval (&e);
  g_assert_no_error (e.error);
  {
    g_autofree char *printed = g_variant_print (e.result, FALSE);

    g_assert_cmpstr (printed, ==, "(42, 'later')");
  }
  eval_clear (&e);

  g_assert_cmpuint (s.calls, ==, 1);
  g_assert_true (s.thread == main_thread);
  g_assert_true (s.isle == isle);
  g_assert_cmpuint (s.job_id, ==, id);
  g_assert_cmpstr (s.name, ==, "double");
  g_assert_cmpstr (s.args, ==, "(int64 21,)");
  g_assert_false (s.cancelled_at_start);

  assert_run (isle, "return pcall(missing)", "(false, 'nothing here')");
  assert_run (isle, "return now(), now()", "('now', 'now')");
  assert_run (isle, "return pcall(busy)", "(false, 'busy with work')");
  assert_run (isle, "return select('#', nothing())", "(0,)");
  assert_run (isle, "local a, b = double(1), double(2); return a, b", "(2, 4)");

  async_state_clear (&s);
  close_isle (isle);
}

/* Keeps the invocation without answering. */
static void
host_async_hold (GIsle           *isle,
                 GVariant        *args,
                 GIsleInvocation *invocation,
                 gpointer         data)
{
  AsyncState *s = data;

  async_record (s, invocation, args);
  g_assert_null (s->held);
  s->held = invocation;
}

typedef enum {
  CANCEL_JOB_CANCELLABLE,
  CANCEL_ALL,
} CancelHow;

static void
on_invocation_cancelled (GCancellable *cancellable,
                         gpointer      data)
{
  AsyncState *s = data;

  s->cancelled_signal = TRUE;
}

/* Stop while the host holds the invocation: its cancellable is cancelled,
 * the job ends CANCELLED without waiting for an answer, and a late answer
 * is harmless. */
static void
check_async_cancel (CancelHow how)
{
  GIsle *isle = new_isle ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncState s = { 0 };
  Eval e = { 0 };
  GIsleInvocation *held;
  GCancellable *call_cancellable;
  gint64 cancelled_at;
  gulong handler;

  g_isle_add_async_function (isle, "hold", host_async_hold, &s, NULL);

  start_eval (isle, "hold('a'); return 'not reached'", cancellable, &e);
  while (s.held == NULL && !e.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (s.held);
  g_assert_false (e.done);

  g_assert_false (s.cancelled_at_start);
  held = g_object_ref (s.held);
  call_cancellable = g_isle_invocation_get_cancellable (held);
  g_assert_false (g_cancellable_is_cancelled (call_cancellable));
  handler = g_cancellable_connect (call_cancellable, G_CALLBACK (on_invocation_cancelled),
                                   &s, NULL);

  cancelled_at = g_get_monotonic_time ();
  if (how == CANCEL_ALL)
    g_isle_cancel_all (isle);
  else
    g_cancellable_cancel (cancellable);

  wait_eval (&e);
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("ended %" G_GINT64_FORMAT " us after the cancel", e.finished_at - cancelled_at);
  g_assert_cmpint (e.finished_at - cancelled_at, <, PROMPT_US);
  g_assert_true (g_cancellable_is_cancelled (call_cancellable));
  g_assert_true (s.cancelled_signal);
  g_cancellable_disconnect (call_cancellable, handler);

  /* A late answer goes nowhere and harms nothing. */
  g_isle_invocation_return_value (g_steal_pointer (&s.held), g_variant_new_string ("late"));
  g_object_unref (held);
  iterate_pending ();

  assert_run (isle, "return 'next'", "('next',)");
  g_assert_cmpuint (s.calls, ==, 1);

  async_state_clear (&s);
  eval_clear (&e);
  close_isle (isle);
}

static void
test_host_async_cancel (void)
{
  check_async_cancel (CANCEL_JOB_CANCELLABLE);
}

static void
test_host_async_stop (void)
{
  check_async_cancel (CANCEL_ALL);
}

typedef struct
{
  GThread *thread;
  guint count;
} CancelSeen;

static void
on_call_cancelled_thread (GCancellable *cancellable,
                          gpointer      data)
{
  CancelSeen *seen = data;

  seen->thread = g_thread_self ();
  seen->count++;
}

/* The invocation's cancellable is cancelled in the main context, like
 * everything else GIsle hands the host: its "cancelled" handlers (a GJS
 * or Python callback, a widget update) must not run on the isle's worker
 * thread. */
static void
test_host_async_cancel_in_main_context (void)
{
  GIsle *isle = new_isle ();
  AsyncState s = { 0 };
  CancelSeen seen = { NULL, 0 };
  Eval e = { 0 };
  GCancellable *call_cancellable;

  g_isle_add_async_function (isle, "hold", host_async_hold, &s, NULL);
  start_eval (isle, "hold(); return 'not reached'", NULL, &e);
  while (s.held == NULL && !e.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (s.held);

  call_cancellable = g_object_ref (g_isle_invocation_get_cancellable (s.held));
  g_signal_connect (call_cancellable, "cancelled", G_CALLBACK (on_call_cancelled_thread), &seen);
  g_isle_cancel_all (isle);
  wait_eval (&e);
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  iterate_pending ();

  g_assert_true (g_cancellable_is_cancelled (call_cancellable));
  g_assert_cmpuint (seen.count, ==, 1);
  g_assert_true (seen.thread == main_thread);

  g_signal_handlers_disconnect_by_data (call_cancellable, &seen);
  g_object_unref (call_cancellable);
  g_isle_invocation_return_value (g_steal_pointer (&s.held), NULL);
  async_state_clear (&s);
  eval_clear (&e);
  close_isle (isle);
}

/* A cancel can also arrive while the call is still on its way to the main
 * context: the job ends CANCELLED and a late answer is harmless. */
static void
test_host_async_cancel_before_start (void)
{
  GIsle *isle = new_isle ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncState s = { 0 };
  Eval e = { 0 };

  g_isle_add_async_function (isle, "hold", host_async_hold, &s, NULL);
  g_signal_connect_swapped (isle, "event::calling", G_CALLBACK (g_cancellable_cancel),
                            cancellable);

  /* The event and the call travel the same queue: the cancel happens
   * before the host function starts. */
  start_eval (isle, "isle.emit('calling'); hold(); return 'not reached'", cancellable, &e);
  wait_eval (&e);
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  iterate_pending ();

  /* If it started at all, its invocation is cancelled. */
  if (s.held != NULL)
    {
      g_assert_true (g_cancellable_is_cancelled (g_isle_invocation_get_cancellable (s.held)));
      g_isle_invocation_return_value (g_steal_pointer (&s.held), NULL);
    }
  assert_run (isle, "return 'next'", "('next',)");

  async_state_clear (&s);
  eval_clear (&e);
  close_isle (isle);
}

/* Host functions work from coroutines, and a cancel reaches a script
 * waiting for one there. */
static void
test_host_coroutine (void)
{
  GIsle *isle = new_isle ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Record r = { 0 };
  AsyncState s = { 0 };
  Eval e = { 0 };

  g_isle_add_function (isle, "echo", host_echo, &r, NULL);
  g_isle_add_async_function (isle, "hold", host_async_hold, &s, NULL);

  assert_run (isle,
              "local co = coroutine.wrap(function (x)\n"
              "  local y = coroutine.yield(echo(x, 'in'))\n"
              "  return echo(y, 'again')\n"
              "end)\n"
              "local a, b = co(1)\n"
              "local c, d = co(2)\n"
              "return a, b, c, d",
              "(1, 'in', 2, 'again')");
  g_assert_cmpuint (r.calls, ==, 2);

  start_eval (isle, "coroutine.wrap(function () hold() end)(); return 'not reached'",
              cancellable, &e);
  while (s.held == NULL && !e.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (s.held);
  g_cancellable_cancel (cancellable);
  wait_eval (&e);
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_cancellable_is_cancelled (g_isle_invocation_get_cancellable (s.held)));
  g_isle_invocation_return_value (g_steal_pointer (&s.held), NULL);

  assert_run (isle, "return 'next'", "('next',)");
  eval_clear (&e);
  record_clear (&r);
  async_state_clear (&s);
  close_isle (isle);
}

/* Drops the invocation without answering. */
static void
host_async_drop (GIsle           *isle,
                 GVariant        *args,
                 GIsleInvocation *invocation,
                 gpointer         data)
{
  g_object_unref (invocation);
}

static gboolean
drop_later (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
host_async_drop_later (GIsle           *isle,
                       GVariant        *args,
                       GIsleInvocation *invocation,
                       gpointer         data)
{
  g_timeout_add (10, drop_later, invocation);
}

/* An invocation dropped without an answer fails the call. */
static void
test_host_async_dropped (void)
{
  GIsle *isle = new_isle ();
  g_autofree char *out = NULL;
  Eval e = { 0 };

  g_isle_add_async_function (isle, "drop", host_async_drop, NULL, NULL);
  g_isle_add_async_function (isle, "drop_later", host_async_drop_later, NULL, NULL);

  out = run (isle, "return pcall(drop)");
  g_assert_true (g_str_has_prefix (out, "(false, "));
  g_assert_nonnull (strstr (out, "never returned a value"));
  g_assert_nonnull (strstr (out, "drop"));
  g_clear_pointer (&out, g_free);

  start_eval (isle, "drop_later()", NULL, &e);
  wait_eval (&e);
  g_assert_error (e.error, G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME);
  g_assert_nonnull (strstr (e.error->message, "never returned a value"));
  eval_clear (&e);

  assert_run (isle, "return 1", "(1,)");
  close_isle (isle);
}


/* Worker functions */

typedef struct
{
  gint calls;
  GThread *thread;
} WorkerState;

/* Sums its integer arguments; fails on "fail"; nothing for no args. */
static GVariant *
worker_sum (GVariant  *args,
            gpointer   data,
            GError   **error)
{
  WorkerState *w = data;
  gint64 sum = 0;

  g_atomic_int_inc (&w->calls);
  w->thread = g_thread_self ();
  if (g_variant_n_children (args) == 0)
    return NULL;
  for (gsize i = 0; i < g_variant_n_children (args); i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (args, i);

      if (g_variant_is_of_type (child, G_VARIANT_TYPE_STRING))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "cannot add “%s”",
                       g_variant_get_string (child, NULL));
          return NULL;
        }
      sum += g_variant_get_int64 (child);
    }
  return g_variant_new ("(xx)", sum, (gint64) g_variant_n_children (args));
}

static GVariant *
worker_single (GVariant  *args,
               gpointer   data,
               GError   **error)
{
  return g_variant_new_boolean (TRUE);
}

/* Worker functions run on the isle's thread, with values in and out like
 * the others, and need no main loop: a blocking eval from the main thread
 * may call them. */
static void
test_host_worker (void)
{
  GIsle *isle = new_isle ();
  WorkerState w = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *out = NULL;
  g_autofree char *printed = NULL;

  g_isle_add_worker_function (isle, "sum", worker_sum, &w, NULL);
  g_isle_add_worker_function (isle, "yes", worker_single, NULL, NULL);

  assert_run (isle, "return sum(1, 2, 3)", "(6, 3)");
  g_assert_true (w.thread != NULL && w.thread != main_thread);
  assert_run (isle, "return select('#', sum())", "(0,)");
  assert_run (isle, "return select('#', yes()), yes()", "(1, true)");
  assert_run (isle, "return pcall(sum, 1, 'two')", "(false, 'cannot add “two”')");

  out = run (isle, "return pcall(sum, print)");
  g_assert_true (g_str_has_prefix (out, "(false, "));
  g_assert_nonnull (strstr (out, "argument 1"));
  g_assert_cmpint (g_atomic_int_get (&w.calls), ==, 3);

  /* No main loop needed. */
  result = g_isle_eval (isle, "return sum(40, 2)", NULL, &error);
  g_assert_no_error (error);
  printed = g_variant_print (result, FALSE);
  g_assert_cmpstr (printed, ==, "(42, 2)");

  close_isle (isle);
}


/* Registration */

static GVariant *
host_named (GIsle         *isle,
            GVariant      *args,
            GCancellable  *cancellable,
            gpointer       data,
            GError       **error)
{
  return g_variant_new_string (data);
}

static void
host_async_named (GIsle           *isle,
                  GVariant        *args,
                  GIsleInvocation *invocation,
                  gpointer         data)
{
  g_isle_invocation_return_value (invocation, g_variant_new_string (data));
}

static GVariant *
worker_named (GVariant  *args,
              gpointer   data,
              GError   **error)
{
  return g_variant_new_string (data);
}

typedef struct
{
  const char *text;
  guint notified;
} Named;

static void
named_notify (gpointer data)
{
  Named *n = data;

  n->notified++;
}

static GVariant *
host_named_struct (GIsle         *isle,
                   GVariant      *args,
                   GCancellable  *cancellable,
                   gpointer       data,
                   GError       **error)
{
  return g_variant_new_string (((Named *) data)->text);
}

static GVariant *
worker_named_struct (GVariant  *args,
                     gpointer   data,
                     GError   **error)
{
  return g_variant_new_string (((Named *) data)->text);
}

static void
host_async_named_struct (GIsle           *isle,
                         GVariant        *args,
                         GIsleInvocation *invocation,
                         gpointer         data)
{
  g_isle_invocation_return_value (invocation, g_variant_new_string (((Named *) data)->text));
}

static void
on_inited (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  gboolean *done = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_async_initable_init_finish (G_ASYNC_INITABLE (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

/* Functions added to an isle made with g_object_new() before it starts are
 * there once it does, whichever way it starts. */
static void
test_host_register_before_start (void)
{
  for (guint way = 0; way < 3; way++)
    {
      GIsle *isle = g_object_new (G_TYPE_ISLE, NULL);
      Named main_fn = { "main", 0 };

      g_isle_add_function (isle, "early", host_named_struct, &main_fn, named_notify);
      g_isle_add_async_function (isle, "early_async", host_async_named, (gpointer) "async", NULL);
      g_isle_add_worker_function (isle, "early_worker", worker_named, (gpointer) "worker", NULL);
      g_isle_add_function (isle, "pre.nested.fn", host_named, (gpointer) "nested", NULL);
      g_isle_add_function (isle, "dropped", host_named, (gpointer) "dropped", NULL);
      g_assert_true (g_isle_remove_function (isle, "dropped"));

      if (way == 1)
        {
          g_autoptr(GError) error = NULL;

          g_assert_true (g_initable_init (G_INITABLE (isle), NULL, &error));
          g_assert_no_error (error);
        }
      else if (way == 2)
        {
          gboolean inited = FALSE;

          g_async_initable_init_async (G_ASYNC_INITABLE (isle), G_PRIORITY_DEFAULT, NULL,
                                       on_inited, &inited);
          gisle_test_wait_for_flag (&inited, WAIT_MS, "the isle to start");
        }
      /* way 0: the first job starts it */

      assert_run (isle, "return early(), early_async(), early_worker(), pre.nested.fn(), dropped",
                  "('main', 'async', 'worker', 'nested', nothing)");
      g_assert_cmpuint (main_fn.notified, ==, 0);
      close_isle (isle);
      g_assert_cmpuint (main_fn.notified, ==, 1);
    }
}

/* Functions added after the start are there for the next job. */
static void
test_host_register_after_start (void)
{
  GIsle *isle = new_isle ();

  assert_run (isle, "return type(late), type(late_async), type(late_worker)",
              "('nil', 'nil', 'nil')");
  g_isle_add_function (isle, "late", host_named, (gpointer) "main", NULL);
  g_isle_add_async_function (isle, "late_async", host_async_named, (gpointer) "async", NULL);
  g_isle_add_worker_function (isle, "late_worker", worker_named, (gpointer) "worker", NULL);
  assert_run (isle, "return late(), late_async(), late_worker()", "('main', 'async', 'worker')");
  close_isle (isle);
}

/* Adding a name again replaces the function for the next job (even through
 * a saved reference), of any flavour; the old notify runs once. */
static void
test_host_replace (void)
{
  GIsle *isle = new_isle ();
  Named one = { "one", 0 }, two = { "two", 0 }, three = { "three", 0 }, four = { "four", 0 };

  g_isle_add_function (isle, "f", host_named_struct, &one, named_notify);
  assert_run (isle, "saved = f; return f()", "('one',)");

  g_isle_add_function (isle, "f", host_named_struct, &two, named_notify);
  g_assert_cmpuint (one.notified, ==, 1);
  assert_run (isle, "return f(), saved(), rawequal(f, saved) or type(f)", "('two', 'two', 'function')");

  /* Another flavour under the same name. */
  g_isle_add_worker_function (isle, "f", worker_named_struct, &three, named_notify);
  g_assert_cmpuint (two.notified, ==, 1);
  assert_run (isle, "return f(), saved()", "('three', 'three')");

  g_isle_add_async_function (isle, "f", host_async_named_struct, &four, named_notify);
  g_assert_cmpuint (three.notified, ==, 1);
  assert_run (isle, "return f(), saved()", "('four', 'four')");

  close_isle (isle);
  g_assert_cmpuint (one.notified, ==, 1);
  g_assert_cmpuint (two.notified, ==, 1);
  g_assert_cmpuint (three.notified, ==, 1);
  g_assert_cmpuint (four.notified, ==, 1);
}

/* Removing a function: later jobs see nil, a saved reference raises an
 * error naming it; the notify runs once. */
static void
test_host_remove (void)
{
  GIsle *isle = new_isle ();
  Named gone = { "gone", 0 }, nested = { "nested", 0 }, back = { "back", 0 };
  g_autofree char *out = NULL;

  g_isle_add_function (isle, "gone", host_named_struct, &gone, named_notify);
  g_isle_add_function (isle, "ns.gone", host_named_struct, &nested, named_notify);
  assert_run (isle, "saved = gone; saved_nested = ns.gone; return gone(), ns.gone()",
              "('gone', 'nested')");

  g_assert_true (g_isle_remove_function (isle, "gone"));
  g_assert_cmpuint (gone.notified, ==, 1);
  g_assert_false (g_isle_remove_function (isle, "gone"));
  g_assert_false (g_isle_remove_function (isle, "never.added"));
  g_assert_true (g_isle_remove_function (isle, "ns.gone"));
  g_assert_cmpuint (nested.notified, ==, 1);

  assert_run (isle, "return gone == nil, ns.gone == nil, type(ns)", "(true, true, 'table')");

  out = run (isle, "return pcall(saved)");
  g_assert_cmpstr (out, ==, "(false, 'host function “gone” was removed')");
  g_clear_pointer (&out, g_free);
  out = run (isle, "return pcall(saved_nested)");
  g_assert_cmpstr (out, ==, "(false, 'host function “ns.gone” was removed')");

  /* Adding the name again brings it back, for saved references too. */
  g_isle_add_function (isle, "gone", host_named_struct, &back, named_notify);
  assert_run (isle, "return gone(), saved()", "('back', 'back')");

  close_isle (isle);
  g_assert_cmpuint (gone.notified, ==, 1);
  g_assert_cmpuint (nested.notified, ==, 1);
  g_assert_cmpuint (back.notified, ==, 1);
}

/* Every destroy notify runs exactly once when the isle goes: after jobs,
 * without a close, and for an isle that never started. */
static void
test_host_notify_dispose (void)
{
  Named a = { "a", 0 }, b = { "b", 0 }, c = { "c", 0 };
  GIsle *isle;

  /* Used, then dropped without a close. */
  isle = new_isle ();
  g_isle_add_function (isle, "a", host_named_struct, &a, named_notify);
  g_isle_add_async_function (isle, "b", host_async_named_struct, &b, named_notify);
  g_isle_add_worker_function (isle, "c", worker_named_struct, &c, named_notify);
  assert_run (isle, "return a(), b(), c()", "('a', 'b', 'c')");
  g_assert_cmpuint (a.notified + b.notified + c.notified, ==, 0);
  g_object_unref (isle);
  iterate_pending ();
  g_assert_cmpuint (a.notified, ==, 1);
  g_assert_cmpuint (b.notified, ==, 1);
  g_assert_cmpuint (c.notified, ==, 1);

  /* Never started. */
  a.notified = b.notified = c.notified = 0;
  isle = g_object_new (G_TYPE_ISLE, NULL);
  g_isle_add_function (isle, "a", host_named_struct, &a, named_notify);
  g_isle_add_async_function (isle, "b", host_async_named_struct, &b, named_notify);
  g_isle_add_worker_function (isle, "c", worker_named_struct, &c, named_notify);
  g_object_unref (isle);
  iterate_pending ();
  g_assert_cmpuint (a.notified, ==, 1);
  g_assert_cmpuint (b.notified, ==, 1);
  g_assert_cmpuint (c.notified, ==, 1);

  /* Closed first, then dropped. */
  a.notified = 0;
  isle = new_isle ();
  g_isle_add_function (isle, "a", host_named_struct, &a, named_notify);
  assert_run (isle, "return a()", "('a',)");
  close_isle (isle);
  g_assert_cmpuint (a.notified, ==, 1);
}

typedef struct
{
  guint notified;
  GThread *thread;
} NotifySeen;

static void
notify_seen (gpointer data)
{
  NotifySeen *seen = data;

  seen->notified++;
  seen->thread = g_thread_self ();
}

static void
host_async_hold_global (GIsle           *isle,
                        GVariant        *args,
                        GIsleInvocation *invocation,
                        gpointer         data)
{
  GIsleInvocation **held = g_object_get_data (G_OBJECT (isle), "test-held");

  g_assert_null (*held);
  *held = invocation;
}

/* A function removed or replaced while a script waits for it is released
 * once the call is over, exactly once, and in the main thread like any
 * other release of host data (never on the isle's worker thread, where a
 * binding's closure must not be freed). Repeated: which side lets go last
 * is a race. */
static void
test_host_notify_thread (void)
{
  GIsle *isle = new_isle ();
  GIsleInvocation *held = NULL;

  g_object_set_data (G_OBJECT (isle), "test-held", &held);
  for (guint round = 0; round < 20; round++)
    {
      NotifySeen seen = { 0, NULL };
      Eval e = { 0 };

      g_isle_add_async_function (isle, "hold", host_async_hold_global, &seen, notify_seen);
      start_eval (isle, "return hold()", NULL, &e);
      while (held == NULL && !e.done)
        g_main_context_iteration (NULL, TRUE);
      g_assert_nonnull (held);

      if (round % 2 == 0)
        g_assert_true (g_isle_remove_function (isle, "hold"));
      else
        g_isle_add_async_function (isle, "hold", host_async_hold_global, NULL, NULL);
      /* Still in use. */
      g_assert_cmpuint (seen.notified, ==, 0);

      g_isle_invocation_return_value (g_steal_pointer (&held), g_variant_new_string ("v"));
      wait_eval (&e);
      g_assert_no_error (e.error);
      /* The release may be queued to the main context. */
      while (seen.notified == 0)
        {
          gboolean timed_out = FALSE;
          guint id = g_timeout_add (WAIT_MS, gisle_test_set_timed_out, &timed_out);

          g_main_context_iteration (NULL, TRUE);
          if (timed_out)
            g_error ("the destroy notify never ran");
          g_source_remove (id);
        }
      iterate_pending ();
      g_assert_cmpuint (seen.notified, ==, 1);
      g_assert_true (seen.thread == main_thread);
      eval_clear (&e);
      g_isle_remove_function (isle, "hold");
    }
  close_isle (isle);
}

/* Dotted names make nested tables, and keep what a table already held. */
static void
test_host_dotted (void)
{
  GIsle *isle = new_isle ();
  Record r = { 0 };

  assert_run (isle, "ui = { keep = 'kept' }; return type(ui)", "('table',)");
  g_isle_add_function (isle, "ui.set_title", host_echo, &r, NULL);
  g_isle_add_async_function (isle, "ui.get_title", host_async_named, (gpointer) "title", NULL);
  g_isle_add_worker_function (isle, "a.b.c.d", worker_named, (gpointer) "deep", NULL);

  assert_run (isle,
              "ui.set_title('hello'); return ui.get_title(), ui.keep, a.b.c.d(), type(a.b.c)",
              "('title', 'kept', 'deep', 'table')");
  g_assert_cmpuint (r.calls, ==, 1);
  g_assert_cmpstr (r.args, ==, "('hello',)");

  record_clear (&r);
  close_isle (isle);
}


/* Re-entrancy */

/* Cancels a blocking call that hangs, so that a deadlock fails the test
 * instead of hanging it. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean stopped;
  GCancellable *cancellable;
  GThread *thread;
} Watchdog;

#define WATCHDOG_MS 5000

static gpointer
watchdog_main (gpointer data)
{
  Watchdog *w = data;
  gint64 end = g_get_monotonic_time () + WATCHDOG_MS * G_TIME_SPAN_MILLISECOND;
  gboolean stopped;

  g_mutex_lock (&w->lock);
  while (!w->stopped && g_cond_wait_until (&w->cond, &w->lock, end))
    ;
  stopped = w->stopped;
  g_mutex_unlock (&w->lock);
  if (!stopped)
    g_cancellable_cancel (w->cancellable);
  return NULL;
}

static Watchdog *
watchdog_start (void)
{
  Watchdog *w = g_new0 (Watchdog, 1);

  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  w->cancellable = g_cancellable_new ();
  w->thread = g_thread_new ("test-watchdog", watchdog_main, w);
  return w;
}

static void
watchdog_stop (Watchdog *w)
{
  g_mutex_lock (&w->lock);
  w->stopped = TRUE;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
  g_thread_join (w->thread);
  g_object_unref (w->cancellable);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
  g_free (w);
}

typedef struct
{
  GError *error;
  GVariant *result;
  guint calls;
  GIsle *other;               /* another isle, which may be waited for */
} Nested;

/* Waits for its own isle. */
static GVariant *
host_eval_self (GIsle         *isle,
                GVariant      *args,
                GCancellable  *cancellable,
                gpointer       data,
                GError       **error)
{
  Nested *n = data;

  Watchdog *w = watchdog_start ();

  n->calls++;
  g_clear_error (&n->error);
  n->result = g_isle_eval (isle, "return 1", w->cancellable, &n->error);
  watchdog_stop (w);
  g_assert_null (n->result);
  return g_variant_new_boolean (n->error != NULL);
}

static GVariant *
host_call_self (GIsle         *isle,
                GVariant      *args,
                GCancellable  *cancellable,
                gpointer       data,
                GError       **error)
{
  Nested *n = data;

  Watchdog *w = watchdog_start ();

  n->calls++;
  g_clear_error (&n->error);
  n->result = g_isle_call (isle, "tostring", g_variant_new ("(x)", (gint64) 1), w->cancellable,
                           &n->error);
  watchdog_stop (w);
  g_assert_null (n->result);
  return g_variant_new_boolean (n->error != NULL);
}

static void
host_async_eval_self (GIsle           *isle,
                      GVariant        *args,
                      GIsleInvocation *invocation,
                      gpointer         data)
{
  Nested *n = data;

  Watchdog *w = watchdog_start ();

  n->calls++;
  g_clear_error (&n->error);
  n->result = g_isle_eval (isle, "return 1", w->cancellable, &n->error);
  watchdog_stop (w);
  g_assert_null (n->result);
  g_isle_invocation_return_value (invocation, g_variant_new_boolean (n->error != NULL));
}

/* Waits for another isle: allowed. */
static GVariant *
host_eval_other (GIsle         *isle,
                 GVariant      *args,
                 GCancellable  *cancellable,
                 gpointer       data,
                 GError       **error)
{
  Nested *n = data;

  n->calls++;
  return g_isle_eval (n->other, "return 'from the other isle'", NULL, error);
}

/* A host function waiting for its own isle gets WOULD_DEADLOCK instead of
 * hanging; waiting for another isle works. */
static void
test_host_reentrancy_deadlock (void)
{
  GIsle *isle = new_isle ();
  Nested n = { 0 };

  n.other = new_isle ();
  g_isle_add_function (isle, "eval_self", host_eval_self, &n, NULL);
  g_isle_add_function (isle, "call_self", host_call_self, &n, NULL);
  g_isle_add_async_function (isle, "async_eval_self", host_async_eval_self, &n, NULL);
  g_isle_add_function (isle, "eval_other", host_eval_other, &n, NULL);

  assert_run (isle, "return eval_self()", "(true,)");
  g_assert_error (n.error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK);
  assert_run (isle, "return call_self()", "(true,)");
  g_assert_error (n.error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK);
  assert_run (isle, "return async_eval_self()", "(true,)");
  g_assert_error (n.error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK);
  g_assert_cmpuint (n.calls, ==, 3);

  assert_run (isle, "return eval_other()", "('from the other isle',)");
  g_assert_cmpuint (n.calls, ==, 4);

  /* Outside host functions, the main thread may block again (no host call
   * is waiting). */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) result = g_isle_eval (isle, "return 2", NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (result);
  }

  g_clear_error (&n.error);
  close_isle (n.other);
  close_isle (isle);
}

typedef struct
{
  Eval queued;
  guint64 queued_id;
  guint64 caller_job;
} Enqueue;

/* Queues a job on its own isle and returns at once. */
static void
host_async_enqueue (GIsle           *isle,
                    GVariant        *args,
                    GIsleInvocation *invocation,
                    gpointer         data)
{
  Enqueue *q = data;

  q->caller_job = g_isle_invocation_get_job_id (invocation);
  q->queued_id = g_isle_eval_full_async (isle,
                                         "order[#order + 1] = 'queued'; return #order, isle.job_id()",
                                         "=queued", 0, NULL, on_eval_done, &q->queued);
  g_isle_invocation_return_value (invocation, g_variant_new_uint64 (q->queued_id));
}

static GVariant *
host_enqueue (GIsle         *isle,
              GVariant      *args,
              GCancellable  *cancellable,
              gpointer       data,
              GError       **error)
{
  Enqueue *q = data;

  q->queued_id = g_isle_eval_full_async (isle,
                                         "order[#order + 1] = 'queued'; return #order, isle.job_id()",
                                         "=queued", 0, NULL, on_eval_done, &q->queued);
  return NULL;
}

static GVariant *
host_stop_all (GIsle         *isle,
               GVariant      *args,
               GCancellable  *cancellable,
               gpointer       data,
               GError       **error)
{
  guint *calls = data;

  (*calls)++;
  g_isle_cancel_all (isle);
  return g_variant_new_string ("dropped");
}

/* A host function may press Stop on the job that called it: the job ends
 * CANCELLED, promptly, and the isle goes on. */
static void
test_host_reentrancy_stop (void)
{
  GIsle *isle = new_isle ();
  guint calls = 0;
  Eval e = { 0 };

  g_isle_add_function (isle, "stop_all", host_stop_all, &calls, NULL);
  start_eval (isle, "local r = stop_all(); isle.emit('continued', r); return r", NULL, &e);
  wait_eval (&e);
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (calls, ==, 1);
  assert_run (isle, "return 'next'", "('next',)");

  eval_clear (&e);
  close_isle (isle);
}

/* g_isle_eval_async() from inside a host function queues the job; it runs
 * after the current one. */
static void
test_host_reentrancy_queue (void)
{
  GIsle *isle = new_isle ();
  Enqueue q = { { 0 } };
  Eval e = { 0 };
  guint64 id;

  g_isle_add_function (isle, "enqueue", host_enqueue, &q, NULL);
  g_isle_add_async_function (isle, "enqueue_async", host_async_enqueue, &q, NULL);

  for (guint flavour = 0; flavour < 2; flavour++)
    {
      g_autofree char *printed = NULL;
      g_autofree char *expected = NULL;

      memset (&q, 0, sizeof q);
      memset (&e, 0, sizeof e);
      id = start_eval (isle,
                       flavour == 0
                       ? "order = {}; enqueue(); order[#order + 1] = 'first'; return #order"
                       : "order = {}; enqueue_async(); order[#order + 1] = 'first'; return #order",
                       NULL, &e);
      wait_eval (&e);
      g_assert_no_error (e.error);
      printed = g_variant_print (e.result, FALSE);
      g_assert_cmpstr (printed, ==, "(1,)");
      g_clear_pointer (&printed, g_free);
      if (flavour == 1)
        g_assert_cmpuint (q.caller_job, ==, id);

      wait_eval (&q.queued);
      g_assert_no_error (q.queued.error);
      g_assert_cmpuint (q.queued.order, >, e.order);
      printed = g_variant_print (q.queued.result, FALSE);
      expected = g_strdup_printf ("(2, %" G_GUINT64_FORMAT ")", q.queued_id);
      g_assert_cmpstr (printed, ==, expected);
      assert_run (isle, "return table.concat(order, ',')", "('first,queued',)");

      eval_clear (&e);
      eval_clear (&q.queued);
    }
  close_isle (isle);
}


/* A blocking call from the main thread, which owns the isle's main
 * context: the host functions the script calls still run (in the main
 * thread) instead of waiting for a main loop that cannot run. The job's
 * own time limit turns a hang into a failure. */
static void
test_host_reentrancy_blocking_from_main (void)
{
  GIsle *isle = new_isle ();
  Record r = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *printed = NULL;
  Nested n = { 0 };

  g_isle_add_function (isle, "echo", host_echo, &r, NULL);
  g_isle_add_async_function (isle, "now", host_async_now, NULL, NULL);
  g_isle_add_function (isle, "eval_self", host_eval_self, &n, NULL);

  result = g_isle_eval_full (isle, "return echo('blocking'), now(), eval_self()", "=test",
                             10000, NULL, &error);
  g_assert_no_error (error);
  printed = g_variant_print (result, FALSE);
  g_assert_cmpstr (printed, ==, "('blocking', 'now', true)");
  g_assert_true (r.thread == main_thread);
  g_assert_error (n.error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK);

  g_clear_error (&n.error);
  record_clear (&r);
  close_isle (isle);
}

/* The isle module */

typedef struct
{
  GPtrArray *names;       /* every event, in order */
  GPtrArray *values;      /* printed with types */
  GPtrArray *ready;       /* values of "ready" only, through the detail */
  gboolean wrong_thread;
} Events;

static void
on_event (GIsle      *isle,
          const char *name,
          GVariant   *value,
          gpointer    data)
{
  Events *ev = data;

  if (g_thread_self () != main_thread)
    ev->wrong_thread = TRUE;
  g_assert_nonnull (value);
  g_ptr_array_add (ev->names, g_strdup (name));
  {
    g_autofree char *printed = g_variant_print (value, FALSE);

    g_ptr_array_add (ev->values, g_strdup_printf ("%s %s", g_variant_get_type_string (value),
                                                  printed));
  }
}

static void
on_event_ready (GIsle      *isle,
                const char *name,
                GVariant   *value,
                gpointer    data)
{
  Events *ev = data;

  g_assert_cmpstr (name, ==, "ready");
  g_ptr_array_add (ev->ready, g_variant_print (value, TRUE));
}

static void
events_init (Events *ev,
             GIsle  *isle)
{
  ev->names = g_ptr_array_new_with_free_func (g_free);
  ev->values = g_ptr_array_new_with_free_func (g_free);
  ev->ready = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (isle, "event", G_CALLBACK (on_event), ev);
  g_signal_connect (isle, "event::ready", G_CALLBACK (on_event_ready), ev);
}

static void
events_clear (Events *ev)
{
  g_ptr_array_unref (ev->names);
  g_ptr_array_unref (ev->values);
  g_ptr_array_unref (ev->ready);
}

static char *
join_ptr_array (GPtrArray *a)
{
  g_ptr_array_add (a, NULL);
  {
    char *s = g_strjoinv ("|", (char **) a->pdata);

    g_ptr_array_remove_index (a, a->len - 1);
    return s;
  }
}

/* isle.emit(name, value) emits GIsle::event with the name as detail and the
 * value as a GVariant (nil: a Nothing maybe), in the main thread, before
 * the job's callback. */
static void
test_host_isle_emit (void)
{
  GIsle *isle = new_isle ();
  Events ev = { 0 };
  g_autofree char *names = NULL, *values = NULL, *ready = NULL;
  Eval e = { 0 };

  events_init (&ev, isle);
  start_eval (isle,
              "isle.emit('ready', 42)\n"
              "isle.emit('other', {1, 'two'})\n"
              "isle.emit('ready')\n"
              "isle.emit('ready', nil)\n"
              "isle.emit('with-dash', 2.5)\n"
              "isle.emit('with_underscore', true)\n"
              "isle.emit('ready', {a = 'b'})\n"
              "isle.emit('Upper9', 'text')\n"
              "isle.emit('other', {})\n",
              NULL, &e);
  wait_eval (&e);
  g_assert_no_error (e.error);
  g_assert_false (ev.wrong_thread);

  names = join_ptr_array (ev.names);
  g_assert_cmpstr (names, ==,
                   "ready|other|ready|ready|with-dash|with_underscore|ready|Upper9|other");
  values = join_ptr_array (ev.values);
  g_assert_cmpstr (values, ==,
                   "x 42|av [<int64 1>, <'two'>]|mv nothing|mv nothing|d 2.5|b true|"
                   "a{sv} {'a': <'b'>}|s 'text'|av []");
  ready = join_ptr_array (ev.ready);
  g_assert_cmpstr (ready, ==, "int64 42|@mv nothing|@mv nothing|{'a': <'b'>}");

  events_clear (&ev);
  eval_clear (&e);
  close_isle (isle);
}

/* Bad names and values raise Lua errors and emit nothing. */
static void
test_host_isle_emit_invalid (void)
{
  GIsle *isle = new_isle ();
  Events ev = { 0 };
  const char *bad[] = {
    "pcall(isle.emit, 'bad name')",
    "pcall(isle.emit, '')",
    "pcall(isle.emit, '1starts-with-digit')",
    "pcall(isle.emit, 'no::colons')",
    "pcall(isle.emit)",
    "pcall(isle.emit, {})",
  };

  events_init (&ev, isle);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *code = g_strdup_printf ("return %s", bad[i]);
      g_autofree char *out = run (isle, code);

      g_assert_true (g_str_has_prefix (out, "(false, "));
    }
  {
    g_autofree char *out = run (isle, "return pcall(isle.emit, 'ok', print)");

    g_assert_true (g_str_has_prefix (out, "(false, "));
    g_assert_nonnull (strstr (out, "argument 2"));
  }
  g_assert_cmpuint (ev.names->len, ==, 0);

  events_clear (&ev);
  close_isle (isle);
}

typedef struct
{
  GArray *job_ids;
  GArray *fractions;
  GPtrArray *texts;
} Progress;

static void
on_progress (GIsle      *isle,
             guint64     job_id,
             double      fraction,
             const char *text,
             gpointer    data)
{
  Progress *p = data;

  g_assert_true (g_thread_self () == main_thread);
  g_array_append_val (p->job_ids, job_id);
  g_array_append_val (p->fractions, fraction);
  g_ptr_array_add (p->texts, g_strdup (text != NULL ? text : "(null)"));
}

/* isle.progress(fraction[, text]) carries the job id, a fraction clamped
 * to [0, 1] and the text or NULL. */
static void
test_host_isle_progress (void)
{
  GIsle *isle = new_isle ();
  Progress p = { 0 };
  g_autofree char *texts = NULL;
  Eval e = { 0 };
  guint64 id;
  const double expected[] = { 0.25, 0.0, 1.0, 1.0, 0.0, 0.5 };

  p.job_ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  p.fractions = g_array_new (FALSE, FALSE, sizeof (double));
  p.texts = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (isle, "progress", G_CALLBACK (on_progress), &p);

  id = start_eval (isle,
                   "isle.progress(0.25, 'a quarter')\n"
                   "isle.progress(-3)\n"
                   "isle.progress(7, 'over')\n"
                   "isle.progress(1/0)\n"
                   "isle.progress(-1/0, nil)\n"
                   "isle.progress(1/2, 'half')\n"
                   "assert(not pcall(isle.progress, 0/0))\n"
                   "assert(not pcall(isle.progress, 'much'))\n"
                   "assert(not pcall(isle.progress))\n",
                   NULL, &e);
  wait_eval (&e);
  g_assert_no_error (e.error);

  g_assert_cmpuint (p.fractions->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpfloat (g_array_index (p.fractions, double, i), ==, expected[i]);
      g_assert_cmpuint (g_array_index (p.job_ids, guint64, i), ==, id);
    }
  texts = join_ptr_array (p.texts);
  g_assert_cmpstr (texts, ==, "a quarter|(null)|over|(null)|(null)|half");

  g_array_unref (p.job_ids);
  g_array_unref (p.fractions);
  g_ptr_array_unref (p.texts);
  eval_clear (&e);
  close_isle (isle);
}

/* Progress text is valid UTF-8, as output text is: signal arguments are
 * UTF-8 strings for every binding. */
static void
test_host_isle_progress_utf8 (void)
{
  GIsle *isle = new_isle ();
  Progress p = { 0 };
  Eval e = { 0 };

  p.job_ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  p.fractions = g_array_new (FALSE, FALSE, sizeof (double));
  p.texts = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (isle, "progress", G_CALLBACK (on_progress), &p);

  start_eval (isle, "isle.progress(0.5, 'a\\255b'); isle.progress(0.75, 'caf\\195\\169')", NULL, &e);
  wait_eval (&e);
  g_assert_no_error (e.error);
  g_assert_cmpuint (p.texts->len, ==, 2);
  g_assert_true (g_utf8_validate (p.texts->pdata[0], -1, NULL));
  g_assert_cmpstr (p.texts->pdata[0], ==, "a\xef\xbf\xbd" "b");
  g_assert_cmpstr (p.texts->pdata[1], ==, "café");

  g_array_unref (p.job_ids);
  g_array_unref (p.fractions);
  g_ptr_array_unref (p.texts);
  eval_clear (&e);
  close_isle (isle);
}

static void
cancel_on_event (GIsle      *isle,
                 const char *name,
                 GVariant   *value,
                 gpointer    data)
{
  g_cancellable_cancel (data);
}

/* isle.cancelled() is false while running and true in the cleanup after a
 * cancel. */
static void
test_host_isle_cancelled (void)
{
  GIsle *isle = new_isle ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Events ev = { 0 };
  g_autofree char *values = NULL;
  Eval e = { 0 };

  assert_run (isle, "return isle.cancelled()", "(false,)");

  events_init (&ev, isle);
  g_signal_connect (isle, "event::started", G_CALLBACK (cancel_on_event), cancellable);
  start_eval (isle,
              "isle.emit('before', isle.cancelled())\n"
              "pcall(function () isle.emit('started'); while true do end end)\n"
              "isle.emit('after', isle.cancelled())\n",
              cancellable, &e);
  wait_eval (&e);
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  values = join_ptr_array (ev.values);
  g_assert_cmpstr (values, ==, "b false|mv nothing|b true");

  /* The next job is not cancelled. */
  assert_run (isle, "return isle.cancelled()", "(false,)");

  events_clear (&ev);
  eval_clear (&e);
  close_isle (isle);
}

/* isle.job_id() is the id g_isle_eval_full_async() returned. */
static void
test_host_isle_job_id (void)
{
  GIsle *isle = new_isle ();
  Eval e1 = { 0 }, e2 = { 0 };
  guint64 id1, id2;
  g_autofree char *p1 = NULL, *p2 = NULL, *x1 = NULL, *x2 = NULL;

  id1 = start_eval (isle, "return isle.job_id()", NULL, &e1);
  id2 = start_eval (isle, "return isle.job_id()", NULL, &e2);
  g_assert_cmpuint (id1, !=, id2);
  wait_eval (&e2);
  g_assert_true (e1.done);
  g_assert_no_error (e1.error);
  g_assert_no_error (e2.error);
  p1 = g_variant_print (e1.result, FALSE);
  p2 = g_variant_print (e2.result, FALSE);
  x1 = g_strdup_printf ("(%" G_GUINT64_FORMAT ",)", id1);
  x2 = g_strdup_printf ("(%" G_GUINT64_FORMAT ",)", id2);
  g_assert_cmpstr (p1, ==, x1);
  g_assert_cmpstr (p2, ==, x2);

  eval_clear (&e1);
  eval_clear (&e2);
  close_isle (isle);
}

/* isle.sleep() sleeps, and a cancel ends it at once; isle.version is the
 * library's version. */
static void
test_host_isle_sleep_version (void)
{
  GIsle *isle = new_isle ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *expected = NULL;
  Events ev = { 0 };
  Eval e = { 0 };
  gint64 cancelled_at;

  expected = g_strdup_printf ("('string', '%s')", GISLE_VERSION_STRING);
  assert_run (isle, "return type(isle.version), isle.version", expected);
  assert_run (isle, "local t = os.clock(); isle.sleep(0.01); isle.sleep(0); return true", "(true,)");
  assert_run (isle, "return (pcall(isle.sleep, -1)), (pcall(isle.sleep, 0/0))", "(false, false)");

  events_init (&ev, isle);
  start_eval (isle, "isle.emit('ready'); isle.sleep(60); return 'woke'", cancellable, &e);
  while (ev.names->len == 0 && !e.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (e.done);
  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  wait_eval (&e);
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (e.finished_at - cancelled_at, <, PROMPT_US);

  events_clear (&ev);
  eval_clear (&e);
  close_isle (isle);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/host/main/values", test_host_main_values);
  g_test_add_func ("/host/main/bad-args", test_host_main_bad_args);
  g_test_add_func ("/host/main/results", test_host_main_results);
  g_test_add_func ("/host/main/error", test_host_main_error);
  g_test_add_func ("/host/main/sees-prior-output", test_host_main_sees_prior_output);
  g_test_add_func ("/host/flavours/values", test_host_flavours_values);
  g_test_add_func ("/host/async/later", test_host_async_later);
  g_test_add_func ("/host/async/cancel", test_host_async_cancel);
  g_test_add_func ("/host/async/stop", test_host_async_stop);
  g_test_add_func ("/host/async/cancel-before-start", test_host_async_cancel_before_start);
  g_test_add_func ("/host/async/cancel-in-main-context", test_host_async_cancel_in_main_context);
  g_test_add_func ("/host/async/coroutine", test_host_coroutine);
  g_test_add_func ("/host/async/dropped", test_host_async_dropped);
  g_test_add_func ("/host/worker", test_host_worker);
  g_test_add_func ("/host/register/before-start", test_host_register_before_start);
  g_test_add_func ("/host/register/after-start", test_host_register_after_start);
  g_test_add_func ("/host/register/replace", test_host_replace);
  g_test_add_func ("/host/register/remove", test_host_remove);
  g_test_add_func ("/host/register/notify-dispose", test_host_notify_dispose);
  g_test_add_func ("/host/register/dotted", test_host_dotted);
  g_test_add_func ("/host/register/notify-thread", test_host_notify_thread);
  g_test_add_func ("/host/reentrancy/would-deadlock", test_host_reentrancy_deadlock);
  g_test_add_func ("/host/reentrancy/queue", test_host_reentrancy_queue);
  g_test_add_func ("/host/reentrancy/stop", test_host_reentrancy_stop);
  g_test_add_func ("/host/reentrancy/blocking-from-main", test_host_reentrancy_blocking_from_main);
  g_test_add_func ("/host/isle/emit", test_host_isle_emit);
  g_test_add_func ("/host/isle/emit-invalid", test_host_isle_emit_invalid);
  g_test_add_func ("/host/isle/progress", test_host_isle_progress);
  g_test_add_func ("/host/isle/progress-utf8", test_host_isle_progress_utf8);
  g_test_add_func ("/host/isle/cancelled", test_host_isle_cancelled);
  g_test_add_func ("/host/isle/job-id", test_host_isle_job_id);
  g_test_add_func ("/host/isle/sleep-version", test_host_isle_sleep_version);

  return g_test_run ();
}
