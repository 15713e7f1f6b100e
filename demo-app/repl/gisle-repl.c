/* gisle-repl.c: a terminal read-eval-print loop on GIsle, modelled on lua.c.
 *
 * The Lua state lives on the isle's worker thread; this thread runs a
 * GMainLoop that reads input, prints captured output and reacts to Ctrl-C.
 * Chunks run through g_isle_exec_async() with repl-eval.c, which compiles
 * and runs them as lua.c does and formats the results inside the isle.
 *
 * In a terminal, lines are edited with libedit (BSD licence, compatible
 * with GIsle's LGPL; GNU readline is GPL): history kept across runs, Tab
 * completion of global names and fields. A pipe is read line by line
 * without it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <editline/readline.h>

#include "repl-eval.h"

#define HISTORY_LENGTH 1000

typedef struct _Repl Repl;

/* Called when a chunk has finished, successfully or not. */
typedef void (*ChunkDoneFunc) (Repl *repl, gboolean ok);

typedef struct
{
  gboolean is_module;  /* -l, else -e */
  const char *text;
} Step;

struct _Repl
{
  GIsle *isle;
  GMainLoop *loop;
  int exit_status;
  gboolean tty;                  /* stdin is a terminal */
  gboolean editing;              /* libedit reads the lines */
  gboolean keep_going;           /* report errors and go on (a terminal, or -i) */
  char *lua_version;

  /* Standard input from a pipe, read one line at a time. */
  GDataInputStream *input;
  GCancellable *read_cancellable;
  gboolean reading;

  /* Standard input in a terminal, through libedit's callback interface. */
  guint stdin_watch;
  char *history_path;

  /* The chunk waiting for more lines or running; NULL when none. */
  GString *code;
  const char *chunk_name;
  gboolean print_results;
  gboolean may_continue;
  gboolean force_return;         /* "=expr" */
  ChunkDoneFunc chunk_done;
  char *incomplete_message;

  /* Set while a job runs: Ctrl-C cancels it and drops its queued output. */
  GCancellable *job_cancellable;
  gboolean interrupted;
  gint64 interrupted_at;
  guint64 dropped_bytes;
  guint64 dropped_lines;

  /* Work given on the command line, done before the prompt. */
  GArray *steps;
  guint next_step;
  char *script;                  /* "-" for standard input */
  char **script_args;
  char **all_args;               /* for the arg table */
  int script_index;
  gboolean script_done;
  gboolean print_version;
  gboolean want_repl;
};

static void read_next_line (Repl *repl);

static void
quit (Repl *repl,
      int   status)
{
  repl->exit_status = status;
  g_main_loop_quit (repl->loop);
}

/* ---- Output from the isle --------------------------------------------- */

static void
count_dropped (Repl       *repl,
               const char *text)
{
  repl->dropped_bytes += strlen (text);
  for (const char *p = strchr (text, '\n'); p != NULL; p = strchr (p + 1, '\n'))
    repl->dropped_lines++;
}

/* Set by the SIGINT handler itself, before the main loop hears of it: a
 * large batch of output being written to a slow terminal stops there. */
static volatile sig_atomic_t sigint_pending;
static int sigint_pipe[2] = { -1, -1 };

static void
write_output (Repl       *repl,
              const char *text)
{
  gsize len = strlen (text);

  /* In pieces, so that Ctrl-C cuts a long batch short. */
  while (len > 0)
    {
      gsize piece = MIN (len, 4096);

      if (sigint_pending && repl->job_cancellable != NULL)
        {
          count_dropped (repl, text);
          return;
        }
      fwrite (text, 1, piece, stdout);
      fflush (stdout);
      text += piece;
      len -= piece;
    }
}

static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     user_data)
{
  Repl *repl = user_data;

  /* After Ctrl-C, what the stopped job had already queued is dropped: a
   * flood must stop at once, not after its backlog has scrolled by. */
  if (repl->interrupted)
    {
      count_dropped (repl, text);
      return;
    }

  switch (stream)
    {
    case G_ISLE_STREAM_STDOUT:
      write_output (repl, text);
      break;

    case G_ISLE_STREAM_WARNING:
      fflush (stdout);
      fprintf (stderr, "Lua warning: %s%s", text,
               g_str_has_suffix (text, "\n") ? "" : "\n");
      fflush (stderr);
      break;

    case G_ISLE_STREAM_STDERR:
    default:
      fflush (stdout);
      fputs (text, stderr);
      fflush (stderr);
      break;
    }
}

static void
print_error (const char *message)
{
  fflush (stdout);
  fprintf (stderr, "%s\n", message);
  fflush (stderr);
}

/* ---- Evaluating chunks ------------------------------------------------ */

static void
begin_chunk (Repl          *repl,
             const char    *code,
             const char    *chunk_name,
             gboolean       print,
             gboolean       may_continue,
             ChunkDoneFunc  done)
{
  g_assert (repl->code == NULL);

  repl->force_return = FALSE;
  /* `=expr` is lua 5.1's shorthand for `return expr`. */
  if (print && code[0] == '=')
    {
      code++;
      repl->force_return = TRUE;
    }
  repl->code = g_string_new (code);
  repl->chunk_name = chunk_name;
  repl->print_results = print;
  repl->may_continue = may_continue;
  repl->chunk_done = done;
  g_clear_pointer (&repl->incomplete_message, g_free);
}

static void
end_chunk (Repl     *repl,
           gboolean  ok)
{
  ChunkDoneFunc done = repl->chunk_done;

  g_string_free (g_steal_pointer (&repl->code), TRUE);
  g_clear_pointer (&repl->incomplete_message, g_free);
  repl->chunk_done = NULL;
  done (repl, ok);
}

static void
on_chunk_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Repl *repl = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) values = NULL;
  gboolean interrupted = repl->interrupted;

  values = g_isle_exec_finish (G_ISLE (source), result, &error);
  g_clear_object (&repl->job_cancellable);
  repl->interrupted = FALSE;

  if (error == NULL)
    {
      gsize len = 0;
      const char *text = g_variant_get_fixed_array (values, &len, 1);

      if (len > 0)
        {
          fwrite (text, 1, len, stdout);
          fflush (stdout);
        }
      end_chunk (repl, TRUE);
      return;
    }

  if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_INCOMPLETE) && repl->may_continue)
    {
      /* Keep the text and ask for another line. */
      g_free (repl->incomplete_message);
      repl->incomplete_message = g_strdup (error->message);
      read_next_line (repl);
      return;
    }

  if (interrupted || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (repl->dropped_lines > 0 || repl->dropped_bytes > 0)
        {
          g_autofree char *note =
            g_strdup_printf ("Interrupted (%" G_GUINT64_FORMAT " %s of queued output dropped).",
                             repl->dropped_lines, repl->dropped_lines == 1 ? "line" : "lines");
          print_error (note);
        }
      else
        print_error ("Interrupted.");
      repl->dropped_lines = repl->dropped_bytes = 0;
      /* Interrupting is not a failure of the script. */
      end_chunk (repl, TRUE);
      return;
    }

  print_error (error->message);
  /* A closed or defunct isle refuses every later job: nothing to go on with. */
  if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT) ||
      g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED))
    {
      g_string_free (g_steal_pointer (&repl->code), TRUE);
      quit (repl, 1);
      return;
    }
  end_chunk (repl, FALSE);
}

static void
submit (Repl        *repl,
        ReplRequest *request)
{
  repl->job_cancellable = g_cancellable_new ();
  repl->interrupted = FALSE;
  repl->dropped_lines = repl->dropped_bytes = 0;
  g_isle_exec_async (repl->isle, repl_run_request, request, (GDestroyNotify) repl_request_free,
                     repl->job_cancellable, on_chunk_done, repl);
}

static void
run_chunk (Repl *repl)
{
  ReplRequest *request = g_new0 (ReplRequest, 1);

  request->code = g_strdup (repl->code->str);
  request->chunk_name = g_strdup (repl->chunk_name);
  request->try_return = repl->print_results;
  request->try_statement = !repl->force_return;
  request->print = repl->print_results;
  submit (repl, request);
}

/* ---- Reading lines ------------------------------------------------------ */

static const char *
prompt (Repl *repl)
{
  return repl->code != NULL ? ">> " : "> ";
}

static void
prompt_chunk_done (Repl     *repl,
                   gboolean  ok)
{
  /* Like `lua -` (and lua.c with a pipe), piped input stops at the first
   * error, with a failure status; a terminal or -i goes on. */
  if (!ok && !repl->keep_going)
    {
      quit (repl, 1);
      return;
    }
  read_next_line (repl);
}

static void
handle_line (Repl       *repl,
             const char *line)
{
  if (repl->code == NULL)
    begin_chunk (repl, line, "=stdin", TRUE, TRUE, prompt_chunk_done);
  else
    {
      g_string_append_c (repl->code, '\n');
      g_string_append (repl->code, line);
    }
  run_chunk (repl);
}

static void
at_end_of_input (Repl *repl)
{
  gboolean unfinished = repl->code != NULL;

  /* Like lua.c, an unfinished chunk at EOF is reported, not dropped. */
  if (unfinished)
    {
      print_error (repl->incomplete_message);
      g_string_free (g_steal_pointer (&repl->code), TRUE);
      g_clear_pointer (&repl->incomplete_message, g_free);
    }
  if (repl->tty)
    {
      fputs ("\n", stdout);
      fflush (stdout);
    }
  quit (repl, unfinished && !repl->keep_going ? 1 : 0);
}

/* A pipe: GIO reads lines asynchronously, so that the main loop keeps
 * delivering output and Ctrl-C while a chunk runs. */
static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Repl *repl = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  repl->reading = FALSE;
  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source),
                                               result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* quitting */
  if (error != NULL)
    {
      print_error (error->message);
      quit (repl, 1);
      return;
    }
  if (line == NULL)
    at_end_of_input (repl);
  else
    handle_line (repl, line);
}

/* A terminal: libedit calls this with each finished line (NULL at EOF). */
static Repl *edited_repl;

static void
on_edited_line (char *line)
{
  Repl *repl = edited_repl;

  /* Nothing is read while the chunk runs: Ctrl-C then reaches us as a
   * signal, and typed-ahead text waits in the terminal. */
  rl_callback_handler_remove ();
  g_clear_handle_id (&repl->stdin_watch, g_source_remove);
  repl->reading = FALSE;

  if (line == NULL)
    {
      at_end_of_input (repl);
      return;
    }
  if (line[0] != '\0')
    add_history (line);
  handle_line (repl, line);
  free (line);
}

static gboolean
on_stdin_ready (int          fd,
                GIOCondition condition,
                gpointer     user_data)
{
  int available = 0;

  /* libedit's callback interface ignores a plain end of file (read()
   * returning 0: Ctrl-D in a terminal it does not edit, because its echo
   * is off, or a hang-up); only a Ctrl-D character it reads itself ends
   * the line with NULL. */
  if (ioctl (fd, FIONREAD, &available) == 0 && available == 0)
    {
      edited_repl->stdin_watch = 0;
      on_edited_line (NULL);
      return G_SOURCE_REMOVE;
    }
  rl_callback_read_char ();
  return G_SOURCE_CONTINUE;
}

static void
read_next_line (Repl *repl)
{
  g_assert (!repl->reading);

  repl->reading = TRUE;
  if (repl->editing)
    {
      rl_callback_handler_install (prompt (repl), on_edited_line);
      repl->stdin_watch = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP, on_stdin_ready, repl);
      return;
    }
  if (repl->tty)
    {
      fputs (prompt (repl), stdout);
      fflush (stdout);
    }
  g_data_input_stream_read_line_async (repl->input, G_PRIORITY_DEFAULT,
                                       repl->read_cancellable,
                                       on_line_read, repl);
}

/* ---- Tab completion -------------------------------------------------- */

static char **completions;
static guint completion_index;

static char *
completion_generator (const char *text,
                      int         state)
{
  if (completions == NULL || completions[completion_index] == NULL)
    return NULL;
  /* libedit frees what it gets, with free(). */
  return strdup (completions[completion_index++]);
}

static char **
complete (const char *text,
          int         start,
          int         end)
{
  Repl *repl = edited_repl;
  g_autoptr(GVariant) names = NULL;

  rl_attempted_completion_over = 1;
  g_clear_pointer (&completions, g_strfreev);
  completion_index = 0;
  /* Nothing runs at the prompt, so a short blocking call is fine. */
  names = g_isle_exec (repl->isle, repl_complete, (gpointer) text, NULL, NULL);
  if (names == NULL)
    return NULL;
  completions = g_variant_dup_strv (names, NULL);
  return rl_completion_matches (text, completion_generator);
}

static char *
history_file (void)
{
  const char *path = g_getenv ("GISLE_REPL_HISTORY");

  if (path != NULL)
    return path[0] != '\0' ? g_strdup (path) : NULL;
  return g_build_filename (g_get_user_state_dir (), "gisle", "repl_history", NULL);
}

static void
start_editing (Repl *repl)
{
  edited_repl = repl;
  repl->editing = TRUE;
  rl_readline_name = "gisle-repl";
  rl_attempted_completion_function = complete;
  rl_completer_word_break_characters = (char *) " \t\n\"\\'`@$><=;|&{}()[],+-*/%^#~";
  rl_completion_append_character = '\0';
  stifle_history (HISTORY_LENGTH);
  repl->history_path = history_file ();
  if (repl->history_path != NULL)
    read_history (repl->history_path);
}

static void
stop_editing (Repl *repl)
{
  if (!repl->editing)
    return;
  rl_callback_handler_remove ();
  g_clear_handle_id (&repl->stdin_watch, g_source_remove);
  if (repl->history_path != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (repl->history_path);

      g_mkdir_with_parents (dir, 0700);
      if (write_history (repl->history_path) != 0)
        g_printerr ("gisle-repl: could not save the history in %s\n", repl->history_path);
    }
  g_clear_pointer (&completions, g_strfreev);
  g_clear_pointer (&repl->history_path, g_free);
}

/* ---- Ctrl-C ------------------------------------------------------------- */

static gboolean on_sigint (gpointer user_data);

static void
sigint_handler (int signum)
{
  int saved_errno = errno;
  char byte = 0;

  sigint_pending = 1;
  if (write (sigint_pipe[1], &byte, 1) < 0)
    {
      /* The pipe is full: a wake-up is pending already. */
    }
  errno = saved_errno;
}

static gboolean
on_sigint_pipe (int          fd,
                GIOCondition condition,
                gpointer     user_data)
{
  char bytes[64];

  while (read (fd, bytes, sizeof bytes) > 0)
    ;
  if (sigint_pending)
    {
      sigint_pending = 0;
      on_sigint (user_data);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigint (gpointer user_data)
{
  Repl *repl = user_data;

  if (repl->job_cancellable != NULL)
    {
      repl->interrupted = TRUE;
      repl->interrupted_at = g_get_monotonic_time ();
      g_cancellable_cancel (repl->job_cancellable);
    }
  else if (repl->reading && (repl->code != NULL || (repl->editing && rl_end > 0)))
    {
      /* Drop the unfinished chunk (or line); the read goes on with a
       * fresh prompt. */
      if (repl->code != NULL)
        g_string_free (g_steal_pointer (&repl->code), TRUE);
      g_clear_pointer (&repl->incomplete_message, g_free);
      if (repl->editing)
        {
          rl_replace_line ("", 0);
          rl_callback_handler_remove ();
          fputs ("\n", stdout);
          fflush (stdout);
          rl_callback_handler_install (prompt (repl), on_edited_line);
        }
      else if (repl->tty)
        {
          fputs ("\n", stdout);
          fputs (prompt (repl), stdout);
          fflush (stdout);
        }
    }
  else
    {
      if (repl->tty)
        {
          fputs ("\n", stdout);
          fflush (stdout);
        }
      quit (repl, 0);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- Start-up: version, -e and -l, the script, then the prompt --------- */

static void run_next_step (Repl *repl);

static void
step_done (Repl     *repl,
           gboolean  ok)
{
  /* Like lua.c, a failing -e, -l or script stops there with status 1. */
  if (!ok)
    {
      quit (repl, 1);
      return;
    }
  run_next_step (repl);
}

static void
module_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Repl *repl = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) ignored = g_isle_exec_finish (G_ISLE (source), result, &error);

  g_clear_object (&repl->job_cancellable);
  repl->interrupted = FALSE;
  if (error != NULL)
    {
      print_error (error->message);
      quit (repl, 1);
      return;
    }
  run_next_step (repl);
}

static gboolean
run_script (Repl *repl)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  const char *chunk_name;
  ReplRequest *request;

  if (strcmp (repl->script, "-") == 0)
    {
      /* `-`: standard input is the script, as in lua.c. */
      g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
      g_autoptr(GOutputStream) buffer = g_memory_output_stream_new_resizable ();

      if (g_output_stream_splice (buffer, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) < 0)
        {
          print_error (error->message);
          return FALSE;
        }
      g_output_stream_write (buffer, "", 1, NULL, NULL);
      contents = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (buffer));
      chunk_name = "=stdin";
    }
  else
    {
      if (!g_file_get_contents (repl->script, &contents, NULL, &error))
        {
          g_autofree char *message = g_strdup_printf ("cannot open %s", repl->script);

          print_error (message);
          return FALSE;
        }
      chunk_name = NULL;
    }
  /* Skip a "#!" line as luaL_loadfile does, keeping line numbers. */
  if (contents[0] == '#')
    {
      gsize len = strcspn (contents, "\n");
      memmove (contents, contents + len, strlen (contents + len) + 1);
    }

  begin_chunk (repl, contents, chunk_name, FALSE, FALSE, step_done);
  request = g_new0 (ReplRequest, 1);
  request->code = g_strdup (contents);
  /* Chunk names starting with "@" name a file, as in lua.c. */
  request->chunk_name = chunk_name != NULL ? g_strdup (chunk_name)
                                           : g_strconcat ("@", repl->script, NULL);
  request->try_statement = TRUE;
  request->arg = g_strdupv (repl->all_args);
  request->arg_script = repl->script_index;
  request->varargs = g_strdupv (repl->script_args);
  submit (repl, request);
  return TRUE;
}

static void
run_next_step (Repl *repl)
{
  if (repl->next_step < repl->steps->len)
    {
      Step *step = &g_array_index (repl->steps, Step, repl->next_step++);

      if (step->is_module)
        {
          /* -l mod, or -l g=mod: require it, with the sandbox's rules. */
          ReplRequest *request = g_new0 (ReplRequest, 1);
          const char *equals = strchr (step->text, '=');

          request->require_module = g_strdup (equals != NULL ? equals + 1 : step->text);
          request->require_global = equals != NULL ? g_strndup (step->text, equals - step->text)
                                                   : g_strdup (step->text);
          repl->job_cancellable = g_cancellable_new ();
          g_isle_exec_async (repl->isle, repl_run_request, request,
                             (GDestroyNotify) repl_request_free,
                             repl->job_cancellable, module_done, repl);
          return;
        }
      /* -e chunks run as in lua.c: statements, nothing printed. */
      begin_chunk (repl, step->text, "=(command line)", FALSE, FALSE, step_done);
      run_chunk (repl);
      return;
    }

  if (repl->script != NULL && !repl->script_done)
    {
      repl->script_done = TRUE;
      if (!run_script (repl))
        quit (repl, 1);
      return;
    }

  if (!repl->want_repl)
    {
      quit (repl, 0);
      return;
    }

  if (repl->tty)
    {
      printf ("GIsle %s with %s \342\200\224 Ctrl-C stops a running chunk, Ctrl-D exits\n",
              GISLE_VERSION_STRING, repl->lua_version ? repl->lua_version : "Lua");
      fflush (stdout);
    }
  read_next_line (repl);
}

static gboolean
start_up (gpointer user_data)
{
  run_next_step (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_version (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Repl *repl = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) values = NULL;

  values = g_isle_eval_finish (G_ISLE (source), result, &error);
  if (values != NULL && g_variant_is_of_type (values, G_VARIANT_TYPE ("(s)")))
    g_variant_get (values, "(s)", &repl->lua_version);
  else if (error != NULL)
    print_error (error->message);

  if (repl->print_version)
    {
      printf ("gisle-repl %s with %s\n", GISLE_VERSION_STRING,
              repl->lua_version ? repl->lua_version : "Lua");
      fflush (stdout);
    }
  run_next_step (repl);
}

/* ---- Options ---------------------------------------------------------- */

static gint64 opt_memory_limit = -1;
static gint64 opt_timeout = -1;
static GArray *opt_steps;

static gboolean
parse_unsigned (const char  *option,
                const char  *value,
                guint64      max,
                gint64      *out,
                GError     **error)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (value, 10, 0, max, &number, error))
    {
      g_prefix_error (error, "%s: ", option);
      return FALSE;
    }
  *out = (gint64) number;
  return TRUE;
}

static gboolean
parse_memory_limit (const char  *option,
                    const char  *value,
                    gpointer     data,
                    GError     **error)
{
  return parse_unsigned (option, value, G_MAXINT64, &opt_memory_limit, error);
}

static gboolean
parse_timeout (const char  *option,
               const char  *value,
               gpointer     data,
               GError     **error)
{
  return parse_unsigned (option, value, G_MAXUINT, &opt_timeout, error);
}

/* -e and -l keep their order, as in lua.c. */
static gboolean
parse_step (const char  *option,
            const char  *value,
            gpointer     data,
            GError     **error)
{
  Step step = { strcmp (option, "-l") == 0 || strcmp (option, "--library") == 0,
                g_intern_string (value) };

  g_array_append_val (opt_steps, step);
  return TRUE;
}

/* g_initable_new() takes a fixed property list; this passes only the
 * properties given on the command line and leaves the rest at their
 * defaults. */
static GIsle *
create_isle (gboolean   trusted,
             GError   **error)
{
  const char *names[3];
  GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  guint n = 0;
  g_autoptr(GObject) object = NULL;

  names[n] = "libraries";
  g_value_init (&values[n], G_TYPE_ISLE_LIBRARIES);
  g_value_set_flags (&values[n++], trusted ? G_ISLE_LIBRARIES_ALL : G_ISLE_LIBRARIES_SAFE);
  if (opt_memory_limit >= 0)
    {
      names[n] = "memory-limit";
      g_value_init (&values[n], G_TYPE_UINT64);
      g_value_set_uint64 (&values[n++], (guint64) opt_memory_limit);
    }
  if (opt_timeout >= 0)
    {
      names[n] = "default-timeout";
      g_value_init (&values[n], G_TYPE_UINT);
      g_value_set_uint (&values[n++], (guint) opt_timeout);
    }

  object = g_object_new_with_properties (G_TYPE_ISLE, n, names, values);
  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);

  if (!g_initable_init (G_INITABLE (object), NULL, error))
    return NULL;
  return G_ISLE (g_steal_pointer (&object));
}

int
main (int   argc,
      char *argv[])
{
  gboolean opt_interactive = FALSE;
  gboolean opt_trusted = FALSE;
  gboolean opt_version = FALSE;
  g_auto(GStrv) opt_args = NULL;
  const GOptionEntry entries[] = {
    { "execute", 'e', 0, G_OPTION_ARG_CALLBACK, parse_step,
      "Run the statements CODE (may be repeated)", "CODE" },
    { "library", 'l', 0, G_OPTION_ARG_CALLBACK, parse_step,
      "require(MOD) into the global MOD, or into G with G=MOD (needs the package library)", "MOD" },
    { "interactive", 'i', 0, G_OPTION_ARG_NONE, &opt_interactive,
      "Enter the prompt after running -e, -l and SCRIPT", NULL },
    { "memory-limit", 0, 0, G_OPTION_ARG_CALLBACK, parse_memory_limit,
      "Limit the Lua heap to BYTES (0: no limit)", "BYTES" },
    { "timeout", 0, 0, G_OPTION_ARG_CALLBACK, parse_timeout,
      "Stop chunks that run longer than MS milliseconds (0: never)", "MS" },
    { "trusted", 0, 0, G_OPTION_ARG_NONE, &opt_trusted,
      "Open every library, including files, processes and native modules", NULL },
    { "version", 'v', 0, G_OPTION_ARG_NONE, &opt_version,
      "Print the version information", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_args,
      NULL, "[SCRIPT [ARGS...]]" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  g_auto(GStrv) all_args = g_strdupv (argv);
  Repl repl = { 0 };
  guint sigint_id;

  opt_steps = g_array_new (FALSE, FALSE, sizeof (Step));
  context = g_option_context_new ("- a Lua 5.4 prompt on GIsle");
  g_option_context_add_main_entries (context, entries, NULL);
  /* As lua.c: options end at the script; what follows is its arguments. */
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_set_description (context,
    "Without -e, -l or SCRIPT, lines are read from standard input; an\n"
    "expression prints its values. SCRIPT - reads the script from standard\n"
    "input. Ctrl-C stops a running chunk. In a terminal, lines are edited\n"
    "with history (GISLE_REPL_HISTORY, default in the user state directory)\n"
    "and Tab completes global names and fields.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "gisle-repl: %s\n", error->message);
      g_array_unref (opt_steps);
      return 1;
    }

  isle = create_isle (opt_trusted, &error);
  if (isle == NULL)
    {
      fprintf (stderr, "gisle-repl: %s\n", error->message);
      g_array_unref (opt_steps);
      return 1;
    }
  /* The isle delivers output in the context it was created in: ours. */
  g_signal_connect (isle, "output", G_CALLBACK (on_output), &repl);

  loop = g_main_loop_new (NULL, FALSE);
  stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);

  repl.isle = isle;
  repl.loop = loop;
  repl.tty = isatty (STDIN_FILENO) && isatty (STDOUT_FILENO);
  repl.input = g_data_input_stream_new (stdin_stream);
  repl.read_cancellable = g_cancellable_new ();
  repl.steps = opt_steps;
  repl.all_args = all_args;
  if (opt_args != NULL && opt_args[0] != NULL)
    {
      repl.script = opt_args[0];
      repl.script_args = opt_args + 1;
      /* Where the script sits on the original command line, for arg[0]. */
      repl.script_index = (int) g_strv_length (all_args) - (int) g_strv_length (opt_args);
    }
  repl.print_version = opt_version;
  /* Like lua.c: the prompt comes when there is nothing else to do (and
   * -v alone is something), or when -i asks for it. */
  repl.want_repl = opt_interactive ||
                   (opt_steps->len == 0 && repl.script == NULL && !opt_version);
  repl.keep_going = repl.tty || opt_interactive;
  if (repl.want_repl && repl.tty)
    start_editing (&repl);

  /* A handler of our own (not g_unix_signal_add) so that output being
   * written stops at the next piece, without waiting for the main loop. */
  if (!g_unix_open_pipe (sigint_pipe, FD_CLOEXEC, &error) ||
      !g_unix_set_fd_nonblocking (sigint_pipe[0], TRUE, &error) ||
      !g_unix_set_fd_nonblocking (sigint_pipe[1], TRUE, &error))
    {
      fprintf (stderr, "gisle-repl: %s\n", error->message);
      return 1;
    }
  sigint_id = g_unix_fd_add (sigint_pipe[0], G_IO_IN, on_sigint_pipe, &repl);
  {
    struct sigaction action = { 0 };

    action.sa_handler = sigint_handler;
    sigemptyset (&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction (SIGINT, &action, NULL);
  }

  if (opt_version || (repl.want_repl && repl.tty))
    {
      /* The Lua version comes from the isle itself; on_version goes on
       * with the rest of the start-up. */
      g_isle_eval_async (isle, "return _VERSION", NULL, on_version, &repl);
    }
  else
    g_idle_add (start_up, &repl);  /* in the loop, so that quit() works */

  g_main_loop_run (loop);

  stop_editing (&repl);
  signal (SIGINT, SIG_DFL);
  g_source_remove (sigint_id);
  close (sigint_pipe[0]);
  close (sigint_pipe[1]);
  g_cancellable_cancel (repl.read_cancellable);
  while (repl.reading && !repl.editing)
    g_main_context_iteration (NULL, TRUE);
  if (repl.job_cancellable != NULL)
    g_cancellable_cancel (repl.job_cancellable);

  if (!g_isle_close (isle, NULL, &error))
    fprintf (stderr, "gisle-repl: %s\n", error->message);

  g_clear_object (&repl.input);
  g_clear_object (&repl.read_cancellable);
  g_clear_object (&repl.job_cancellable);
  if (repl.code != NULL)
    g_string_free (repl.code, TRUE);
  g_free (repl.incomplete_message);
  g_free (repl.lua_version);
  g_array_unref (opt_steps);
  fflush (stdout);
  return repl.exit_status;
}
