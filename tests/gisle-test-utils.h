/* gisle-test-utils.h: small helpers shared by the API tests.
 *
 * Everything here waits with a deadline: a test that would hang fails
 * after GISLE_TEST_TIMEOUT_S seconds with a message saying what it was
 * waiting for, instead of running into the harness timeout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdlib.h>
#include <string.h>

#include <gisle.h>

#if defined(__has_include)
# if __has_include(<valgrind/valgrind.h>)
#  include <valgrind/valgrind.h>
#  define GISLE_TEST_HAVE_VALGRIND_H 1
# endif
#endif

#define GISLE_TEST_TIMEOUT_S 10

/* ---- Instrumented runs --------------------------------------------------- */

static inline gboolean
gisle_test_running_on_valgrind (void)
{
#ifdef GISLE_TEST_HAVE_VALGRIND_H
  return RUNNING_ON_VALGRIND;
#else
  return FALSE;
#endif
}

/* How many times slower than a plain build this run may be: 10 under
 * AddressSanitizer (and the UBSan that comes with it here), ThreadSanitizer
 * or valgrind, 1 otherwise; GISLE_TEST_SLOWDOWN overrides. Time limits that
 * a slow but correct library could miss are scaled by it; they stay far
 * below what a library that never stops, never yields or never batches
 * would take. */
static inline guint
gisle_test_slowdown (void)
{
  static guint factor;

  if (factor == 0)
    {
      const char *env = g_getenv ("GISLE_TEST_SLOWDOWN");
      guint f = 1;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
      f = 10;
#elif defined(__has_feature)
# if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
      f = 10;
# endif
#endif
      if (gisle_test_running_on_valgrind ())
        f = 10;
      if (env != NULL && atoi (env) > 0)
        f = (guint) atoi (env);
      factor = f;
      g_test_message ("time limits scaled by %u", factor);
    }
  return factor;
}

/* ---- Waiting in a main context ----------------------------------------- */

static inline gboolean
gisle_test_set_timed_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates @context (NULL: the global default) until @cond holds, for at
 * most @ms milliseconds, then asserts @cond, naming it if it never held. */
#define GISLE_TEST_WAIT_UNTIL_IN(context, cond, ms)                           \
  G_STMT_START {                                                             \
    gboolean timed_out_ = FALSE;                                             \
    GSource *timeout_ = g_timeout_source_new (ms);                           \
    g_source_set_callback (timeout_, gisle_test_set_timed_out, &timed_out_, NULL); \
    g_source_attach (timeout_, (context));                                   \
    while (!(cond) && !timed_out_)                                           \
      g_main_context_iteration ((context), TRUE);                            \
    g_source_destroy (timeout_);                                             \
    g_source_unref (timeout_);                                               \
    if (!(cond))                                                             \
      g_test_message ("timed out after %u ms waiting for %s", (guint) (ms), #cond); \
    g_assert_true (cond);                                                    \
  } G_STMT_END

#define GISLE_TEST_WAIT_UNTIL(cond, ms) GISLE_TEST_WAIT_UNTIL_IN (NULL, cond, ms)

/* Iterates the default context until *@flag is set; fails the test, saying
 * what it waited for, after @timeout_ms. */
static inline void
gisle_test_wait_for_flag (const gboolean *flag,
                          guint           timeout_ms,
                          const char     *what)
{
  g_autoptr(GSource) timeout = g_timeout_source_new (timeout_ms);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, gisle_test_set_timed_out, &timed_out, NULL);
  g_source_attach (timeout, NULL);
  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (timeout);
  if (!*flag)
    g_error ("timed out after %u ms waiting for %s", timeout_ms, what);
}

static inline gboolean
gisle_test_timeout_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the thread-default main context until *@flag is non-zero. The
 * flag may be set from another thread, which must then wake the context
 * (g_main_context_wakeup()). Aborts the test after the timeout. */
static inline void
gisle_test_wait_flag (volatile gint *flag,
                      const char    *what)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (GISLE_TEST_TIMEOUT_S);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, gisle_test_timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!g_atomic_int_get (flag) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  if (timed_out)
    g_error ("Timed out after %d s waiting for %s", GISLE_TEST_TIMEOUT_S, what);
}

typedef struct
{
  GMainLoop *loop;
  gboolean timed_out;
} GisleTestLoopTimeout;

static inline gboolean
gisle_test_loop_timeout_cb (gpointer data)
{
  GisleTestLoopTimeout *timeout = data;

  timeout->timed_out = TRUE;
  g_main_loop_quit (timeout->loop);
  return G_SOURCE_REMOVE;
}

/* Runs @loop until something quits it; aborts the test after the
 * timeout. */
static inline void
gisle_test_run_loop (GMainLoop  *loop,
                     const char *what)
{
  g_autoptr(GSource) source = g_timeout_source_new_seconds (GISLE_TEST_TIMEOUT_S);
  GisleTestLoopTimeout timeout = { loop, FALSE };

  g_source_set_callback (source, gisle_test_loop_timeout_cb, &timeout, NULL);
  g_source_attach (source, g_main_loop_get_context (loop));
  g_main_loop_run (loop);
  g_source_destroy (source);
  if (timeout.timed_out)
    g_error ("Timed out after %d s waiting for %s", GISLE_TEST_TIMEOUT_S, what);
}

/* ---- Asynchronous results ---------------------------------------------- */

/* A slot for one asynchronous result: pass it as user data with
 * gisle_test_async_ready() as the callback, then gisle_test_async_wait(). */
typedef struct
{
  volatile gint done;
  GAsyncResult *result;
  GThread *thread;               /* where the callback ran */
  GMainContext *context;         /* the thread-default context then */
} GisleTestAsync;

static inline void
gisle_test_async_clear (GisleTestAsync *async)
{
  g_clear_object (&async->result);
  g_clear_pointer (&async->context, g_main_context_unref);
  async->thread = NULL;
  async->done = FALSE;
}

static inline void
gisle_test_async_ready (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GisleTestAsync *async = user_data;

  g_assert_false (g_atomic_int_get (&async->done));
  async->result = g_object_ref (result);
  async->thread = g_thread_self ();
  async->context = g_main_context_ref_thread_default ();
  g_atomic_int_set (&async->done, TRUE);
}

static inline GAsyncResult *
gisle_test_async_wait (GisleTestAsync *async,
                       const char     *what)
{
  gisle_test_wait_flag (&async->done, what);
  return async->result;
}

/* ---- A watchdog for blocking calls ---------------------------------------- */

/* Blocking calls cannot be given a timeout: a watchdog thread aborts the
 * test if the guarded section does not end in time. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gint disarmed;        /* atomic: GLib's own mutex is invisible to ThreadSanitizer */
  char *what;
  GThread *thread;
} GisleTestWatchdog;

static inline gpointer
gisle_test_watchdog_main (gpointer data)
{
  GisleTestWatchdog *watchdog = data;
  gint64 end_time = g_get_monotonic_time () + GISLE_TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;

  g_mutex_lock (&watchdog->lock);
  while (!g_atomic_int_get (&watchdog->disarmed))
    if (!g_cond_wait_until (&watchdog->cond, &watchdog->lock, end_time))
      g_error ("Timed out after %d s: %s", GISLE_TEST_TIMEOUT_S, watchdog->what);
  g_mutex_unlock (&watchdog->lock);
  return NULL;
}

static inline GisleTestWatchdog *
gisle_test_watchdog_new (const char *what)
{
  GisleTestWatchdog *watchdog = g_new0 (GisleTestWatchdog, 1);

  g_mutex_init (&watchdog->lock);
  g_cond_init (&watchdog->cond);
  watchdog->what = g_strdup (what);
  watchdog->thread = g_thread_new ("test-watchdog", gisle_test_watchdog_main, watchdog);
  return watchdog;
}

static inline void
gisle_test_watchdog_free (GisleTestWatchdog *watchdog)
{
  g_mutex_lock (&watchdog->lock);
  g_atomic_int_set (&watchdog->disarmed, TRUE);
  g_cond_signal (&watchdog->cond);
  g_mutex_unlock (&watchdog->lock);
  g_thread_join (watchdog->thread);
  g_mutex_clear (&watchdog->lock);
  g_cond_clear (&watchdog->cond);
  g_free (watchdog->what);
  g_free (watchdog);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GisleTestWatchdog, gisle_test_watchdog_free)

/* ---- A counter other threads can wait on --------------------------------- */

typedef struct
{
  GMutex lock;
  GCond cond;
  gint value;      /* atomic: GLib's own mutex is invisible to ThreadSanitizer */
} GisleTestCounter;

static inline void
gisle_test_counter_init (GisleTestCounter *counter)
{
  g_mutex_init (&counter->lock);
  g_cond_init (&counter->cond);
  g_atomic_int_set (&counter->value, 0);
}

static inline void
gisle_test_counter_clear (GisleTestCounter *counter)
{
  g_mutex_clear (&counter->lock);
  g_cond_clear (&counter->cond);
}

static inline void
gisle_test_counter_inc (GisleTestCounter *counter)
{
  g_mutex_lock (&counter->lock);
  g_atomic_int_inc (&counter->value);
  g_cond_broadcast (&counter->cond);
  g_mutex_unlock (&counter->lock);
  /* For gisle_test_counter_wait_iterating(). */
  g_main_context_wakeup (NULL);
}

static inline guint
gisle_test_counter_get (GisleTestCounter *counter)
{
  guint value;

  g_mutex_lock (&counter->lock);
  value = (guint) g_atomic_int_get (&counter->value);
  g_mutex_unlock (&counter->lock);
  return value;
}

/* Blocks until the counter reaches @at_least; aborts after the timeout. */
static inline void
gisle_test_counter_wait (GisleTestCounter *counter,
                         guint             at_least,
                         const char       *what)
{
  gint64 end_time = g_get_monotonic_time () + GISLE_TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;

  g_mutex_lock (&counter->lock);
  while ((guint) g_atomic_int_get (&counter->value) < at_least)
    if (!g_cond_wait_until (&counter->cond, &counter->lock, end_time))
      g_error ("Timed out after %d s waiting for %s (%u of %u)",
               GISLE_TEST_TIMEOUT_S, what, (guint) g_atomic_int_get (&counter->value), at_least);
  g_mutex_unlock (&counter->lock);
}

/* Like gisle_test_counter_wait(), but runs the global default main context
 * meanwhile, for whatever the library needs to deliver there first. */
static inline void
gisle_test_counter_wait_iterating (GisleTestCounter *counter,
                                   guint             at_least,
                                   const char       *what)
{
  GMainContext *context = g_main_context_default ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (GISLE_TEST_TIMEOUT_S);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, gisle_test_timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  while (gisle_test_counter_get (counter) < at_least && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (timed_out)
    g_error ("Timed out after %d s waiting for %s (%u of %u)",
             GISLE_TEST_TIMEOUT_S, what, gisle_test_counter_get (counter), at_least);
}

/* ---- Isles and results ------------------------------------------------- */

/* Creates an isle with g_initable_new() and the given properties,
 * asserting that it starts. */
static inline GIsle *
gisle_test_isle_new (const char *first_property,
                     ...)
{
  g_autoptr(GError) error = NULL;
  GObject *isle;
  va_list args;

  va_start (args, first_property);
  isle = g_initable_new_valist (G_TYPE_ISLE, first_property, args, NULL, &error);
  va_end (args);
  g_assert_no_error (error);
  g_assert_true (G_IS_ISLE (isle));
  return G_ISLE (isle);
}

/* Asserts that @actual equals the GVariant text @expected (parsed with
 * types, e.g. "(int64 1, 'a')"): same type and same serialised bytes. */
static inline void
gisle_test_assert_variant (GVariant   *actual,
                           const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) want = g_variant_parse (NULL, expected, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (actual);
  if (!g_variant_equal (actual, want))
    {
      g_autofree char *got = g_variant_print (actual, TRUE);
      g_autofree char *wanted = g_variant_print (want, TRUE);

      g_error ("Expected %s but got %s", wanted, got);
    }
}

/* Runs @code and asserts that it succeeds. */
static inline GVariant *
gisle_test_eval (GIsle      *isle,
                 const char *code)
{
  g_autoptr(GError) error = NULL;
  GVariant *result = g_isle_eval (isle, code, NULL, &error);

  if (error != NULL)
    g_test_message ("while running: %s", code);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_true (g_variant_is_of_type (result, G_VARIANT_TYPE_TUPLE));
  return result;
}

/* Runs @code and asserts that it results in @expected (as for
 * gisle_test_assert_variant()). */
static inline void
gisle_test_assert_eval (GIsle      *isle,
                        const char *code,
                        const char *expected)
{
  g_autoptr(GVariant) result = gisle_test_eval (isle, code);

  gisle_test_assert_variant (result, expected);
}

/* Runs @code, asserts that it fails with @domain and @code_, and returns
 * the message. */
static inline char *
gisle_test_eval_error (GIsle      *isle,
                       const char *code,
                       GQuark      domain,
                       gint        error_code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = g_isle_eval (isle, code, NULL, &error);

  if (error == NULL || !g_error_matches (error, domain, error_code))
    g_test_message ("while running: %s", code);
  g_assert_error (error, domain, error_code);
  g_assert_null (result);
  return g_strdup (error->message);
}

/* Asserts that the isle still answers. */
static inline void
gisle_test_assert_alive (GIsle *isle)
{
  gisle_test_assert_eval (isle, "return 'still here'", "('still here',)");
}

/* Asserts that @text starts with @prefix, showing both if not. */
#define gisle_test_assert_prefix(text, prefix)                               \
  G_STMT_START {                                                             \
    const char *gtap_text = (text);                                          \
    const char *gtap_prefix = (prefix);                                      \
    if (!g_str_has_prefix (gtap_text, gtap_prefix))                          \
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,      \
                           g_strdup_printf ("“%s” does not start with “%s”", \
                                            gtap_text, gtap_prefix));        \
  } G_STMT_END

/* Asserts that @text contains @needle, showing both if not. */
#define gisle_test_assert_contains(text, needle)                             \
  G_STMT_START {                                                             \
    const char *gtac_text = (text);                                          \
    const char *gtac_needle = (needle);                                      \
    if (strstr (gtac_text, gtac_needle) == NULL)                             \
      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,      \
                           g_strdup_printf ("“%s” does not contain “%s”",    \
                                            gtac_text, gtac_needle));        \
  } G_STMT_END
