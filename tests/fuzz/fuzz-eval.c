/* fuzz-eval.c: arbitrary bytes evaluated as a chunk, through the public API.
 *
 * One isle (memory limit 16 MiB, 200 ms per call, grace 20 ms, hard
 * deadline 300 ms) is reused across inputs and replaced when it becomes
 * defunct. Its main context runs on a thread of its own, so output is
 * drained while a chunk runs. Every call must come back, with a result
 * tuple or with one of the documented errors; the isle must stay within
 * its memory limit and keep answering.
 *
 * Inputs are cut at the first NUL byte (g_isle_eval() takes a C string).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_FAIL(...)                                    \
  G_STMT_START {                                          \
    fprintf (stderr, "FUZZ FAILURE: " __VA_ARGS__);       \
    fputc ('\n', stderr);                                 \
    abort ();                                             \
  } G_STMT_END

#define MEMORY_LIMIT (16 * 1024 * 1024)
#define TIMEOUT_MS 200

typedef struct
{
  GMutex lock;
  GCond cond;
  GMainContext *context;
  GIsle *isle;
  guint64 output_bytes;
} Host;

static Host host;

static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     user_data)
{
  if (!g_utf8_validate (text, -1, NULL))
    FUZZ_FAIL ("GIsle::output delivered invalid UTF-8");
  host.output_bytes += strlen (text);
}

static gboolean
create_isle (gpointer data)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle;

  isle = g_initable_new (G_TYPE_ISLE, NULL, &error,
                         "memory-limit", (guint64) MEMORY_LIMIT,
                         "default-timeout", TIMEOUT_MS,
                         "grace-period", 20,
                         "hard-deadline", 300,
                         "thread-name", "fuzz-eval",
                         NULL);
  if (isle == NULL)
    FUZZ_FAIL ("cannot create an isle: %s", error->message);
  g_signal_connect (isle, "output", G_CALLBACK (on_output), NULL);

  g_mutex_lock (&host.lock);
  host.isle = isle;
  g_cond_broadcast (&host.cond);
  g_mutex_unlock (&host.lock);
  return G_SOURCE_REMOVE;
}

static gpointer
host_main (gpointer data)
{
  g_main_context_push_thread_default (host.context);
  for (;;)
    g_main_context_iteration (host.context, TRUE);
  return NULL;
}

/* Creates a new isle in the host thread (its main context) and waits. */
static GIsle *
new_isle (void)
{
  GIsle *isle;

  g_mutex_lock (&host.lock);
  host.isle = NULL;
  g_main_context_invoke (host.context, create_isle, NULL);
  while (host.isle == NULL)
    g_cond_wait (&host.cond, &host.lock);
  isle = host.isle;
  g_mutex_unlock (&host.lock);
  return isle;
}

static gboolean
drop_isle (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static gboolean
expected_error (const GError *error)
{
  if (error->domain == G_IO_ERROR)
    return error->code == G_IO_ERROR_TIMED_OUT;
  if (error->domain == G_ISLE_ERROR)
    switch (error->code)
      {
      case G_ISLE_ERROR_SYNTAX:
      case G_ISLE_ERROR_INCOMPLETE:
      case G_ISLE_ERROR_RUNTIME:
      case G_ISLE_ERROR_MEMORY:
      case G_ISLE_ERROR_CONVERSION:
      case G_ISLE_ERROR_DEFUNCT:
        return TRUE;
      default:
        return FALSE;
      }
  return FALSE;
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static GIsle *isle;
  static gboolean noted_invalid_utf8;
  g_autofree char *code = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) alive = NULL;

  if (host.context == NULL)
    {
      g_mutex_init (&host.lock);
      g_cond_init (&host.cond);
      host.context = g_main_context_new ();
      g_thread_unref (g_thread_new ("fuzz-host", host_main, NULL));
    }
  if (isle == NULL)
    isle = new_isle ();

  result = g_isle_eval (isle, code, NULL, &error);
  if (result == NULL)
    {
      if (error == NULL)
        FUZZ_FAIL ("no result and no error");
      if (!expected_error (error))
        FUZZ_FAIL ("unexpected error %s %d: %s", g_quark_to_string (error->domain),
                   error->code, error->message);
      /* Lua's messages carry the script's bytes (error("\xff"), a syntax
       * error near a binary string), and GIsle passes them on: a known
       * bug, shown by tests/hostile/error-invalid-utf8.lua. Noted once
       * here rather than stopping the fuzzer at the first such input. */
      if (!g_utf8_validate (error->message, -1, NULL) && !noted_invalid_utf8)
        {
          noted_invalid_utf8 = TRUE;
          fprintf (stderr, "fuzz-eval: note: an error message is not valid UTF-8 "
                   "(known, see tests/hostile/error-invalid-utf8.lua)\n");
        }
    }
  else if (!g_variant_is_of_type (result, G_VARIANT_TYPE_TUPLE))
    FUZZ_FAIL ("the result is not a tuple: %s", g_variant_get_type_string (result));

  if (g_isle_get_memory_in_use (isle) > MEMORY_LIMIT)
    FUZZ_FAIL ("%" G_GUINT64_FORMAT " bytes in use, over the limit", g_isle_get_memory_in_use (isle));

  if (g_isle_is_defunct (isle) ||
      (error != NULL && g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT)))
    {
      /* The stuck thread is abandoned, by design; start over. */
      fprintf (stderr, "fuzz-eval: the isle became defunct; replacing it\n");
      g_main_context_invoke (host.context, drop_isle, g_steal_pointer (&isle));
      return 0;
    }

  /* The isle still answers (its globals may have been vandalised; `return`
   * of a constant needs none). */
  g_clear_error (&error);
  alive = g_isle_eval (isle, "return 1", NULL, &error);
  if (alive == NULL)
    {
      if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT))
        {
          g_main_context_invoke (host.context, drop_isle, g_steal_pointer (&isle));
          return 0;
        }
      FUZZ_FAIL ("the isle no longer answers: %s", error->message);
    }
  return 0;
}
