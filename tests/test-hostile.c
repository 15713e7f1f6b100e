/* test-hostile.c: runs the hostile-script corpus in tests/hostile/.
 *
 * Every file tests/hostile/NAME.lua is one script that tries to crash, hang
 * or take over the host. Its header (the leading `--` comment lines) says
 * what must happen:
 *
 *   -- expect: ok                       the chunk returns normally
 *   -- expect: error CODE [/regex/]     fails with G_ISLE_ERROR_CODE (RUNTIME,
 *                                       MEMORY, CONVERSION, SYNTAX, ...), the
 *                                       message matching the regex
 *   -- expect: cancelled after N        the runner cancels it after N ms; it
 *                                       must end with G_IO_ERROR_CANCELLED
 *   -- expect: timeout                  ends with G_IO_ERROR_TIMED_OUT (needs
 *                                       `-- timeout:`)
 *   -- expect: defunct [after N]        cannot be stopped: the call ends with
 *                                       G_ISLE_ERROR_DEFUNCT at the hard
 *                                       deadline and the isle is defunct
 *
 * Optional header lines:
 *
 *   -- memory-limit: BYTES              GIsle:memory-limit (at most 256 MiB)
 *   -- timeout: MS                      the per-call time limit
 *   -- libraries: safe|all|none|a,b,c   GIsle:libraries (flag nicks)
 *   -- result: GVARIANT-TEXT            the exact result tuple
 *   -- result-type: TYPE                the result's type string
 *   -- stdout: /regex/                  captured standard output matches
 *   -- stderr: /regex/                  captured standard error matches
 *   -- warning: /regex/                 captured warnings match
 *   -- output-min: BYTES                at least this much output arrived
 *   -- blocking: yes                    make the call with g_isle_eval_full(),
 *                                       blocking the home thread (needs
 *                                       `-- timeout:`)
 *   -- call: NAME                       the chunk only sets things up (it must
 *                                       succeed); then the runner calls the
 *                                       global NAME with g_isle_call_full(),
 *                                       and `expect:` is about that call
 *   -- host-memory-max: BYTES           the host's resident memory may grow
 *                                       by at most this much during the call
 *                                       (not checked under AddressSanitizer)
 *   -- order: last                      may leave a stuck thread behind: run
 *                                       with the defunct scripts, at the end
 *
 * Other comment lines in the header are free text. For each script the
 * runner uses a fresh isle (grace period 50 ms, hard deadline 300 ms) on a
 * real GMainLoop, checks the outcome, then checks that the isle still
 * answers `return 1` (or is defunct exactly when expected) and that closing
 * it returns within the hard deadline. Scripts that
 * run until stopped (cancelled, timeout, defunct) are also run once more to
 * be closed while running (g_isle_close_async()) and, unless defunct, once
 * more to be dropped while running (g_object_unref()). Defunct scripts leave
 * an abandoned thread behind: they run last.
 *
 * Run one script: test-hostile -p /hostile/NAME (and /hostile/NAME-close,
 * /hostile/NAME-unref).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include <string.h>

#define GRACE_MS 50
/* Sanitizers slow down what no hook can interrupt (a full garbage
 * collection of a heap at its limit) several times over. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
# define HARD_DEADLINE_MS 2000
#else
# define HARD_DEADLINE_MS 300
#endif
#define MAX_MEMORY_LIMIT (256 * 1024 * 1024)
#define DEFAULT_CANCEL_AFTER_MS 100
/* Nothing may take longer than this, whatever the script does. */
#define HANG_MS 10000
/* How late past the hard deadline a close may complete (slow machines,
 * sanitizers). */
#define CLOSE_SLACK_MS 700
/* Kept for matching; the byte count covers everything. */
#define OUTPUT_KEEP (1024 * 1024)

typedef enum {
  EXPECT_NONE,
  EXPECT_OK,
  EXPECT_ERROR,
  EXPECT_CANCELLED,
  EXPECT_TIMEOUT,
  EXPECT_DEFUNCT,
} ExpectKind;

typedef struct
{
  char *name;
  char *path;
  char *code;

  ExpectKind expect;
  gint error_code;              /* GIsleError, for EXPECT_ERROR */
  GRegex *message;              /* optional, for EXPECT_ERROR */
  guint cancel_after_ms;        /* 0: the runner does not cancel */
  guint timeout_ms;
  guint64 memory_limit;
  GIsleLibraries libraries;
  char *result;
  char *result_type;
  GRegex *stream_re[3];         /* by GIsleStream */
  guint64 output_min;
  gboolean sync;
  char *call;
  guint64 host_memory_max;
  gboolean last;

  char *parse_error;            /* a malformed header fails the test */
} Script;

static GMainLoop *loop;

/* ---- Parsing the header ------------------------------------------------ */

static GRegex *
parse_regex (const char  *text,
             char       **error)
{
  const char *start = strchr (text, '/');
  const char *end = strrchr (text, '/');
  g_autofree char *pattern = NULL;
  g_autoptr(GError) local_error = NULL;
  GRegex *regex;

  if (start == NULL || end == start)
    {
      *error = g_strdup_printf ("expected /regex/, got “%s”", text);
      return NULL;
    }
  pattern = g_strndup (start + 1, end - start - 1);
  regex = g_regex_new (pattern, G_REGEX_DOTALL | G_REGEX_MULTILINE, 0, &local_error);
  if (regex == NULL)
    *error = g_strdup_printf ("bad regex /%s/: %s", pattern, local_error->message);
  return regex;
}

static gboolean
parse_uint64 (const char *text,
              guint64    *value)
{
  return g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, value, NULL);
}

static gboolean
parse_libraries (const char     *text,
                 GIsleLibraries *libraries)
{
  g_autoptr(GFlagsClass) klass = g_type_class_ref (G_TYPE_ISLE_LIBRARIES);
  g_auto(GStrv) parts = g_strsplit_set (text, ",|", -1);
  guint value = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      GFlagsValue *flag;

      g_strstrip (parts[i]);
      flag = g_flags_get_value_by_nick (klass, parts[i]);
      if (flag == NULL)
        return FALSE;
      value |= flag->value;
    }
  *libraries = value;
  return TRUE;
}

static void
parse_expect (Script     *script,
              const char *text)
{
  g_auto(GStrv) words = g_strsplit (text, " ", 3);
  guint n = g_strv_length (words);
  guint64 ms;

  if (n == 0)
    goto bad;

  if (g_str_equal (words[0], "ok") && n == 1)
    script->expect = EXPECT_OK;
  else if (g_str_equal (words[0], "error") && n >= 2)
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (G_TYPE_ISLE_ERROR);
      g_autofree char *nick = g_ascii_strdown (words[1], -1);
      GEnumValue *value = g_enum_get_value_by_nick (klass, nick);

      if (value == NULL)
        goto bad;
      script->expect = EXPECT_ERROR;
      script->error_code = value->value;
      if (n == 3)
        script->message = parse_regex (words[2], &script->parse_error);
    }
  else if (g_str_equal (words[0], "cancelled") && n == 3 &&
           g_str_equal (words[1], "after") && parse_uint64 (words[2], &ms))
    {
      script->expect = EXPECT_CANCELLED;
      script->cancel_after_ms = (guint) ms;
    }
  else if (g_str_equal (words[0], "timeout") && n == 1)
    script->expect = EXPECT_TIMEOUT;
  else if (g_str_equal (words[0], "defunct") && n == 1)
    script->expect = EXPECT_DEFUNCT;
  else if (g_str_equal (words[0], "defunct") && n == 3 &&
           g_str_equal (words[1], "after") && parse_uint64 (words[2], &ms))
    {
      script->expect = EXPECT_DEFUNCT;
      script->cancel_after_ms = (guint) ms;
    }
  else
    goto bad;
  return;

bad:
  if (script->parse_error == NULL)
    script->parse_error = g_strdup_printf ("cannot parse “expect: %s”", text);
}

static void
parse_header_line (Script     *script,
                   const char *key,
                   const char *value)
{
  guint64 number;

  if (g_str_equal (key, "expect"))
    parse_expect (script, value);
  else if (g_str_equal (key, "memory-limit") && parse_uint64 (value, &number) &&
           number > 0 && number <= MAX_MEMORY_LIMIT)
    script->memory_limit = number;
  else if (g_str_equal (key, "timeout") && parse_uint64 (value, &number) &&
           number > 0 && number < G_MAXUINT)
    script->timeout_ms = (guint) number;
  else if (g_str_equal (key, "libraries") && parse_libraries (value, &script->libraries))
    ;
  else if (g_str_equal (key, "result"))
    script->result = g_strdup (value);
  else if (g_str_equal (key, "result-type") && g_variant_type_string_is_valid (value))
    script->result_type = g_strdup (value);
  else if (g_str_equal (key, "stdout"))
    script->stream_re[G_ISLE_STREAM_STDOUT] = parse_regex (value, &script->parse_error);
  else if (g_str_equal (key, "stderr"))
    script->stream_re[G_ISLE_STREAM_STDERR] = parse_regex (value, &script->parse_error);
  else if (g_str_equal (key, "warning"))
    script->stream_re[G_ISLE_STREAM_WARNING] = parse_regex (value, &script->parse_error);
  else if (g_str_equal (key, "output-min") && parse_uint64 (value, &number))
    script->output_min = number;
  else if (g_str_equal (key, "blocking") && g_str_equal (value, "yes"))
    script->sync = TRUE;
  else if (g_str_equal (key, "call") && *value != '\0')
    script->call = g_strdup (value);
  else if (g_str_equal (key, "host-memory-max") && parse_uint64 (value, &number))
    script->host_memory_max = number;
  else if (g_str_equal (key, "order") && g_str_equal (value, "last"))
    script->last = TRUE;
  else if (script->parse_error == NULL)
    script->parse_error = g_strdup_printf ("bad header line “%s: %s”", key, value);
}

static Script *
script_load (const char *dir,
             const char *file)
{
  Script *script = g_new0 (Script, 1);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  static GRegex *header_re;

  if (header_re == NULL)
    header_re = g_regex_new ("^--\\s*([a-z-]+):\\s*(.*?)\\s*$", 0, 0, NULL);

  script->name = g_strndup (file, strlen (file) - strlen (".lua"));
  script->path = g_build_filename (dir, file, NULL);
  script->libraries = G_ISLE_LIBRARIES_SAFE;
  if (!g_file_get_contents (script->path, &script->code, NULL, &error))
    {
      script->parse_error = g_strdup (error->message);
      return script;
    }

  lines = g_strsplit (script->code, "\n", -1);
  for (guint i = 0; lines[i] != NULL && g_str_has_prefix (lines[i], "--"); i++)
    {
      g_autoptr(GMatchInfo) match = NULL;

      if (g_regex_match (header_re, lines[i], 0, &match))
        {
          g_autofree char *key = g_match_info_fetch (match, 1);
          g_autofree char *value = g_match_info_fetch (match, 2);

          parse_header_line (script, key, value);
        }
    }

  if (script->parse_error == NULL && script->expect == EXPECT_NONE)
    script->parse_error = g_strdup ("no “-- expect:” line in the header");
  if (script->parse_error == NULL && script->expect == EXPECT_TIMEOUT && script->timeout_ms == 0)
    script->parse_error = g_strdup ("“expect: timeout” needs “-- timeout:”");
  if (script->parse_error == NULL && script->expect == EXPECT_DEFUNCT &&
      script->timeout_ms == 0 && script->cancel_after_ms == 0)
    script->cancel_after_ms = DEFAULT_CANCEL_AFTER_MS;
  if (script->parse_error == NULL && script->sync &&
      (script->cancel_after_ms != 0 || script->timeout_ms == 0))
    script->parse_error = g_strdup ("“blocking: yes” needs “-- timeout:” and cannot be cancelled");
  if (script->parse_error == NULL && script->sync && script->call != NULL)
    script->parse_error = g_strdup ("“blocking:” and “call:” do not go together");
  if (script->expect == EXPECT_DEFUNCT)
    script->last = TRUE;
  return script;
}

static gboolean
script_runs_until_stopped (const Script *script)
{
  return script->expect == EXPECT_CANCELLED || script->expect == EXPECT_TIMEOUT ||
         script->expect == EXPECT_DEFUNCT;
}

/* When the runner steps in: the cancel time, or the time limit. */
static guint
script_stop_after (const Script *script)
{
  if (script->cancel_after_ms != 0)
    return script->cancel_after_ms;
  if (script->timeout_ms != 0)
    return script->timeout_ms;
  return DEFAULT_CANCEL_AFTER_MS;
}

/* ---- Waiting on the main loop ------------------------------------------ */

/* One asynchronous call's answer. Heap-allocated: a call given up on (after
 * HANG_MS) may still answer later, and then frees its Pending itself. */
typedef struct
{
  gboolean started;
  gboolean done;
  gboolean abandoned;
  GAsyncResult *result;
  gint64 when;
} Pending;

static Pending *
pending_new (void)
{
  return g_new0 (Pending, 1);
}

/* Marks @pending as handed to a call, as its user data. */
static gpointer
pending_start (Pending *pending)
{
  pending->started = TRUE;
  return pending;
}

static void
pending_ready (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Pending *pending = user_data;

  g_assert_false (pending->done);
  if (pending->abandoned)
    {
      g_free (pending);
      return;
    }
  pending->done = TRUE;
  pending->result = g_object_ref (result);
  pending->when = g_get_monotonic_time ();
  g_main_loop_quit (loop);
}

static void
pending_release (Pending *pending)
{
  if (pending == NULL)
    return;
  if (pending->started && !pending->done)
    {
      pending->abandoned = TRUE;
      return;
    }
  g_clear_object (&pending->result);
  g_free (pending);
}

static gboolean
quit_cb (gpointer data)
{
  gboolean *fired = data;

  *fired = TRUE;
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until every given flag is set, or @ms pass. Returns
 * FALSE on timeout. @b may be NULL. */
static gboolean
run_until (gboolean *a,
           gboolean *b,
           guint     ms)
{
  gboolean fired = FALSE;
  guint id = g_timeout_add (ms, quit_cb, &fired);

  while (!(*a && (b == NULL || *b)) && !fired)
    g_main_loop_run (loop);
  if (!fired)
    g_source_remove (id);
  return !fired;
}

/* Lets the main loop run for @ms. */
static void
run_for (guint ms)
{
  gboolean fired = FALSE;

  g_timeout_add (ms, quit_cb, &fired);
  while (!fired)
    g_main_loop_run (loop);
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* ---- Host memory ------------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

/* The process's resident set, in bytes (0 if unknown). */
static guint64
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  guint64 pages = 0;

  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    {
      char *end = NULL;

      g_ascii_strtoull (statm, &end, 10);
      pages = g_ascii_strtoull (end, NULL, 10);
    }
  return pages * 4096;
}

/* ---- Output ----------------------------------------------------------- */

typedef struct
{
  GString *text[3];
  guint64 bytes;
  gboolean invalid_utf8;
} Output;

static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     user_data)
{
  Output *output = user_data;
  gsize len = strlen (text);

  if (!g_utf8_validate (text, -1, NULL))
    output->invalid_utf8 = TRUE;
  output->bytes += len;
  if (stream <= G_ISLE_STREAM_WARNING && output->text[stream]->len < OUTPUT_KEEP)
    g_string_append_len (output->text[stream], text, MIN (len, OUTPUT_KEEP));
}

static void
output_init (Output *output)
{
  for (guint i = 0; i < 3; i++)
    output->text[i] = g_string_new (NULL);
  output->bytes = 0;
  output->invalid_utf8 = FALSE;
}

static void
output_clear (Output *output)
{
  for (guint i = 0; i < 3; i++)
    g_string_free (output->text[i], TRUE);
}

/* ---- Checks --------------------------------------------------------------- */

/* Failures are collected rather than asserted so that one broken script
 * does not hide the others. */
#define check(cond, ...)                                    \
  G_STMT_START {                                            \
    if (!(cond))                                            \
      {                                                     \
        g_test_fail_printf (__VA_ARGS__);                   \
        goto out;                                           \
      }                                                     \
  } G_STMT_END

static GIsle *
isle_new (const Script  *script,
          GError       **error)
{
  return g_initable_new (G_TYPE_ISLE, NULL, error,
                         "libraries", script->libraries,
                         "memory-limit", script->memory_limit,
                         "grace-period", GRACE_MS,
                         "hard-deadline", HARD_DEADLINE_MS,
                         "thread-name", "hostile",
                         NULL);
}

/* Interned, so it can go straight into a failure message. */
static const char *
describe_error (const GError *error)
{
  g_autofree char *text = NULL;

  if (error == NULL)
    return "success";
  text = g_strdup_printf ("%s error %d: %s", g_quark_to_string (error->domain),
                          error->code, error->message);
  return g_intern_string (text);
}

static const char *
expect_name (const Script *script)
{
  switch (script->expect)
    {
    case EXPECT_OK: return "ok";
    case EXPECT_ERROR: return "an error";
    case EXPECT_CANCELLED: return "cancelled";
    case EXPECT_TIMEOUT: return "timed out";
    case EXPECT_DEFUNCT: return "defunct";
    case EXPECT_NONE:
    default: return "?";
    }
}

/* Whether @error (and @result) are what @script expects; if not, says why. */
static gboolean
outcome_matches (const Script  *script,
                 GVariant      *result,
                 const GError  *error,
                 char         **why)
{
  const char *got = describe_error (error);

  switch (script->expect)
    {
    case EXPECT_OK:
      if (error != NULL)
        break;
      if (script->result_type != NULL &&
          !g_str_equal (g_variant_get_type_string (result), script->result_type))
        {
          *why = g_strdup_printf ("expected a result of type %s, got %s",
                                  script->result_type, g_variant_get_type_string (result));
          return FALSE;
        }
      if (script->result != NULL)
        {
          g_autoptr(GError) parse_error = NULL;
          g_autoptr(GVariant) want = g_variant_parse (NULL, script->result, NULL, NULL, &parse_error);

          if (want == NULL)
            {
              *why = g_strdup_printf ("bad “result:” %s: %s", script->result, parse_error->message);
              return FALSE;
            }
          if (!g_variant_equal (want, result))
            {
              g_autofree char *printed = g_variant_print (result, TRUE);

              *why = g_strdup_printf ("expected result %s, got %s", script->result, printed);
              return FALSE;
            }
        }
      return TRUE;

    case EXPECT_ERROR:
      if (error == NULL || !g_error_matches (error, G_ISLE_ERROR, script->error_code))
        break;
      if (script->message != NULL && !g_regex_match (script->message, error->message, 0, NULL))
        {
          *why = g_strdup_printf ("the message does not match /%s/: %s",
                                  g_regex_get_pattern (script->message), error->message);
          return FALSE;
        }
      return TRUE;

    case EXPECT_CANCELLED:
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return TRUE;
      break;

    case EXPECT_TIMEOUT:
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        return TRUE;
      break;

    case EXPECT_DEFUNCT:
      if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT))
        return TRUE;
      break;

    case EXPECT_NONE:
    default:
      break;
    }

  if (script->expect == EXPECT_ERROR)
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (G_TYPE_ISLE_ERROR);
      GEnumValue *value = g_enum_get_value (klass, script->error_code);

      *why = g_strdup_printf ("expected %s, got %s", value->value_name, got);
    }
  else
    *why = g_strdup_printf ("expected %s, got %s", expect_name (script), got);
  return FALSE;
}

/* Evaluates @code and waits for the answer (never longer than HANG_MS). */
static GVariant *
eval_wait (GIsle        *isle,
           const char   *code,
           guint         timeout_ms,
           GError      **error)
{
  Pending *pending = pending_new ();
  GVariant *result;

  g_isle_eval_full_async (isle, code, "=check", timeout_ms, NULL,
                          pending_ready, pending_start (pending));
  if (!run_until (&pending->done, NULL, HANG_MS))
    {
      pending_release (pending);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no answer within %u ms", HANG_MS);
      return NULL;
    }
  result = g_isle_eval_full_finish (isle, pending->result, error);
  pending_release (pending);
  return result;
}

/* Starts the script's job: the chunk, or (with `call:`) the chunk first,
 * waited for, then the call, which is the job that counts. Returns FALSE
 * with @error set if the set-up chunk failed. */
static gboolean
job_start (GIsle         *isle,
           const Script  *script,
           guint          timeout_ms,
           GCancellable  *cancellable,
           Pending       *pending,
           GError       **error)
{
  if (script->call == NULL)
    {
      g_isle_eval_full_async (isle, script->code, script->name, timeout_ms, cancellable,
                              pending_ready, pending_start (pending));
      return TRUE;
    }

  {
    Pending *setup = pending_new ();
    g_autoptr(GVariant) ignored = NULL;

    g_isle_eval_full_async (isle, script->code, script->name, 0, NULL,
                            pending_ready, pending_start (setup));
    if (!run_until (&setup->done, NULL, HANG_MS))
      {
        pending_release (setup);
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the set-up chunk did not finish");
        return FALSE;
      }
    ignored = g_isle_eval_full_finish (isle, setup->result, error);
    pending_release (setup);
    if (ignored == NULL)
      {
        g_prefix_error (error, "the set-up chunk failed: ");
        return FALSE;
      }
  }
  g_isle_call_full_async (isle, script->call, NULL, timeout_ms, cancellable,
                          pending_ready, pending_start (pending));
  return TRUE;
}

static GVariant *
job_finish (GIsle         *isle,
            const Script  *script,
            Pending       *pending,
            GError       **error)
{
  if (script->call == NULL)
    return g_isle_eval_full_finish (isle, pending->result, error);
  return g_isle_call_full_finish (isle, pending->result, error);
}

/* ---- The three runs ------------------------------------------------------ */

static void
test_run (gconstpointer data)
{
  const Script *script = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) alive = NULL;
  g_autofree char *why = NULL;
  g_autofree char *message = NULL;
  Pending *pending = pending_new (), *close = pending_new ();
  Output output;
  guint cancel_id = 0;
  gint64 start;
  gulong handler = 0;

  output_init (&output);
  check (script->parse_error == NULL, "%s: %s", script->path, script->parse_error);

  isle = isle_new (script, &error);
  check (isle != NULL, "cannot create the isle: %s", error->message);
  handler = g_signal_connect (isle, "output", G_CALLBACK (on_output), &output);

  start = g_get_monotonic_time ();
  if (script->sync)
    {
      /* The home thread blocks: its main context does not run meanwhile. */
      guint64 before = resident_bytes (), after;

      result = g_isle_eval_full (isle, script->code, script->name, script->timeout_ms,
                                 NULL, &error);
      pending->when = g_get_monotonic_time ();
      after = resident_bytes ();
      g_test_message ("%s: the host's resident memory grew by %" G_GINT64_FORMAT " KiB",
                      script->name, (gint64) (after - before) / 1024);
#ifndef HAVE_ASAN
      if (script->host_memory_max != 0)
        check (after < before || after - before <= script->host_memory_max,
               "%s: the host's resident memory grew by %" G_GUINT64_FORMAT " MiB during the "
               "call, more than %" G_GUINT64_FORMAT " MiB", script->name,
               (after - before) >> 20, script->host_memory_max >> 20);
#endif
    }
  else
    {
      check (job_start (isle, script, script->timeout_ms, cancellable, pending, &error),
             "%s: %s", script->name, error->message);
      if (script->cancel_after_ms != 0)
        cancel_id = g_timeout_add (script->cancel_after_ms, cancel_cb, cancellable);

      if (!run_until (&pending->done, NULL, HANG_MS))
        {
          /* Stop it for good before giving up on it. */
          g_cancellable_cancel (cancellable);
          run_until (&pending->done, NULL, HANG_MS);
          check (FALSE, "no answer within %u ms%s", HANG_MS,
                 script->cancel_after_ms == 0 ? " (a missing “cancelled after”?)" : "");
        }
      if (cancel_id != 0 && !g_cancellable_is_cancelled (cancellable))
        g_source_remove (cancel_id);

      result = job_finish (isle, script, pending, &error);
    }
  /* Output still on its way arrives before anything else is checked. */
  run_for (1);
  message = g_utf8_make_valid (error != NULL ? error->message : "ok", -1);
  {
    /* Escaped and cut, so that the line is one TAP line whatever bytes
     * (form feeds, U+2028) the script put in its error. */
    g_autofree char *first_line = g_strndup (message, MIN (strcspn (message, "\n"), 200));
    g_autofree char *printable = g_strescape (first_line, NULL);

    g_test_message ("%s: %s after %" G_GINT64_FORMAT " ms, %" G_GUINT64_FORMAT " bytes of output",
                    script->name, printable, (pending->when - start) / 1000, output.bytes);
  }
  /* GError messages are UTF-8 (bindings and widgets rely on it), whatever
   * bytes the script put in its error. */
  check (error == NULL || g_utf8_validate (error->message, -1, NULL),
         "%s: the error message is not valid UTF-8: %.*s", script->name,
         (int) strcspn (message, "\n"), message);
  check (outcome_matches (script, result, error, &why), "%s: %s", script->name, why);

  check (!output.invalid_utf8, "%s: GIsle::output delivered invalid UTF-8", script->name);
  check (output.bytes >= script->output_min,
         "%s: expected at least %" G_GUINT64_FORMAT " bytes of output, got %" G_GUINT64_FORMAT,
         script->name, script->output_min, output.bytes);
  for (guint i = 0; i < 3; i++)
    if (script->stream_re[i] != NULL)
      check (g_regex_match (script->stream_re[i], output.text[i]->str, 0, NULL),
             "%s: %s output does not match /%s/: “%.2000s”", script->name,
             i == 0 ? "stdout" : i == 1 ? "stderr" : "warning",
             g_regex_get_pattern (script->stream_re[i]), output.text[i]->str);

  /* Does the isle still answer? */
  g_clear_error (&error);
  alive = eval_wait (isle, "return 1", 0, &error);
  if (script->expect == EXPECT_DEFUNCT)
    {
      check (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT),
             "%s: a defunct isle answered %s", script->name,
             error != NULL ? error->message : "with a result");
      check (g_isle_is_defunct (isle), "%s: GIsle:defunct is FALSE", script->name);
    }
  else
    {
      check (error == NULL, "%s: the isle no longer answers: %s", script->name, error->message);
      check (g_variant_is_of_type (alive, G_VARIANT_TYPE ("(x)")),
             "%s: `return 1` gave a %s", script->name, g_variant_get_type_string (alive));
      check (!g_isle_is_defunct (isle), "%s: the isle is defunct", script->name);
      if (script->memory_limit != 0)
        check (g_isle_get_memory_in_use (isle) <= script->memory_limit,
               "%s: %" G_GUINT64_FORMAT " bytes in use, over the limit", script->name,
               g_isle_get_memory_in_use (isle));
    }

  /* Whatever the script left behind (finalizers, to-be-closed variables of
   * suspended coroutines), closing returns within the hard deadline. */
  g_clear_error (&error);
  start = g_get_monotonic_time ();
  g_isle_close_async (isle, NULL, pending_ready, pending_start (close));
  check (run_until (&close->done, NULL, HARD_DEADLINE_MS + CLOSE_SLACK_MS + 1000),
         "%s: closing the isle afterwards did not finish within %u ms", script->name,
         HARD_DEADLINE_MS + CLOSE_SLACK_MS + 1000);
  check (g_isle_close_finish (isle, close->result, &error),
         "%s: closing failed: %s", script->name, error->message);
  check ((close->when - start) / 1000 <= HARD_DEADLINE_MS + CLOSE_SLACK_MS,
         "%s: closing took %" G_GINT64_FORMAT " ms, more than the hard deadline (%u ms)",
         script->name, (close->when - start) / 1000, HARD_DEADLINE_MS);

out:
  if (handler != 0)
    g_signal_handler_disconnect (isle, handler);
  pending_release (pending);
  pending_release (close);
  output_clear (&output);
}

/* Closes the isle while the script runs. */
static void
test_close (gconstpointer data)
{
  const Script *script = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) after = NULL;
  Pending *eval = pending_new (), *close = pending_new ();
  guint stop_after = MIN (script_stop_after (script), 150);
  gboolean closed;

  check (script->parse_error == NULL, "%s: %s", script->path, script->parse_error);
  isle = isle_new (script, &error);
  check (isle != NULL, "cannot create the isle: %s", error->message);

  /* No time limit: the close has to stop it. */
  check (job_start (isle, script, 0, NULL, eval, &error), "%s: %s", script->name, error->message);
  run_for (stop_after);
  check (!eval->done, "%s: finished before it could be closed", script->name);

  g_isle_close_async (isle, NULL, pending_ready, pending_start (close));
  check (run_until (&eval->done, &close->done, HANG_MS),
         "%s: close: no answer within %u ms (eval %d, close %d)", script->name, HANG_MS,
         eval->done, close->done);

  result = job_finish (isle, script, eval, &error);
  if (script->expect == EXPECT_DEFUNCT)
    check (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT),
           "%s: close: expected DEFUNCT, got %s", script->name, describe_error (error));
  else
    check (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED),
           "%s: close: expected CANCELLED, got %s", script->name, describe_error (error));
  g_clear_error (&error);

  closed = g_isle_close_finish (isle, close->result, &error);
  check (closed && error == NULL, "%s: close failed: %s", script->name, describe_error (error));
  check (g_isle_is_closed (isle), "%s: GIsle:closed is FALSE", script->name);

  after = eval_wait (isle, "return 1", 0, &error);
  check (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED) ||
         (script->expect == EXPECT_DEFUNCT &&
          g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT)),
         "%s: after close: expected CLOSED, got %s", script->name, describe_error (error));

out:
  pending_release (eval);
  pending_release (close);
}

/* Drops the application's reference while the script runs. The pending
 * call keeps the isle alive (GIO convention: a GTask holds its source
 * object), so the script is then stopped through its cancellable; the call
 * must complete, and the isle must then be finalized. */
static void
test_unref (gconstpointer data)
{
  const Script *script = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GVariant) result = NULL;
  GIsle *isle = NULL;
  gpointer weak = NULL;
  Pending *eval = pending_new ();
  guint stop_after = MIN (script_stop_after (script), 150);
  gboolean ticked = FALSE;

  check (script->parse_error == NULL, "%s: %s", script->path, script->parse_error);
  isle = isle_new (script, &error);
  check (isle != NULL, "cannot create the isle: %s", error->message);
  weak = isle;
  g_object_add_weak_pointer (G_OBJECT (isle), &weak);

  check (job_start (isle, script, 0, cancellable, eval, &error), "%s: %s", script->name,
         error->message);
  run_for (stop_after);
  check (!eval->done, "%s: finished before it could be dropped", script->name);

  g_object_unref (g_steal_pointer (&isle));
  /* The main loop keeps running. */
  g_timeout_add (20, quit_cb, &ticked);
  check (run_until (&ticked, NULL, HANG_MS), "%s: unref blocked the main loop", script->name);

  g_cancellable_cancel (cancellable);
  check (run_until (&eval->done, NULL, HANG_MS),
         "%s: unref: no answer within %u ms of the cancel", script->name, HANG_MS);
  result = job_finish (G_ISLE (g_async_result_get_source_object (eval->result)), script,
                       eval, &error);
  /* get_source_object() added a reference. */
  g_object_unref (weak);
  check (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED),
         "%s: unref: expected CANCELLED, got %s", script->name, describe_error (error));
  g_clear_pointer (&eval, pending_release);
  run_for (10);
  check (weak == NULL, "%s: unref: the isle was not finalized once the call completed",
         script->name);

out:
  if (weak != NULL)
    g_object_remove_weak_pointer (G_OBJECT (weak), &weak);
  pending_release (eval);
}

/* ---- Registration ------------------------------------------------------- */

static gint
compare_scripts (gconstpointer a,
                 gconstpointer b)
{
  const Script *sa = *(const Script **) a;
  const Script *sb = *(const Script **) b;
  gboolean da = sa->last;
  gboolean db = sb->last;

  /* Defunct scripts leave a spinning thread behind: last (and so do the
   * scripts marked `order: last`). */
  if (da != db)
    return da - db;
  return strcmp (sa->name, sb->name);
}

int
main (int    argc,
      char **argv)
{
  /* Never freed: abandoned isle threads may outlive main(), and the scripts
   * stay reachable for LeakSanitizer. */
  static GPtrArray *scripts;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dirname = NULL;
  const char *file;
  static char **keep_going;

  /* One broken script must not hide the others: keep going after a
   * failure (the binary still exits non-zero). */
  keep_going = g_new0 (char *, argc + 2);
  for (int i = 0; i < argc; i++)
    keep_going[i] = argv[i];
  keep_going[argc] = (char *) "--keep-going";
  argc++;
  argv = keep_going;

  g_test_init (&argc, &argv, NULL);
  scripts = g_ptr_array_new ();
  loop = g_main_loop_new (NULL, FALSE);

  /* g_test_get_filename() works only inside a test case; this is the same
   * path (G_TEST_SRCDIR/hostile) built outside one. */
  dirname = g_test_build_filename (G_TEST_DIST, "hostile", NULL);
  dir = g_dir_open (dirname, 0, &error);
  if (dir == NULL)
    g_error ("cannot read the corpus: %s", error->message);

  while ((file = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (file, ".lua"))
      g_ptr_array_add (scripts, script_load (dirname, file));
  g_ptr_array_sort (scripts, compare_scripts);
  if (scripts->len == 0)
    g_error ("no scripts in %s", dirname);

  for (guint i = 0; i < scripts->len; i++)
    {
      Script *script = scripts->pdata[i];
      g_autofree char *run = g_strdup_printf ("/hostile/%s", script->name);
      g_autofree char *close = g_strdup_printf ("/hostile/%s-close", script->name);
      g_autofree char *unref = g_strdup_printf ("/hostile/%s-unref", script->name);

      g_test_add_data_func (run, script, test_run);
      if (script_runs_until_stopped (script))
        {
          g_test_add_data_func (close, script, test_close);
          if (script->expect != EXPECT_DEFUNCT)
            g_test_add_data_func (unref, script, test_unref);
        }
    }

  return g_test_run ();
}
