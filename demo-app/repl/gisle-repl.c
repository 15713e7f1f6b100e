/* gisle-repl.c: a terminal read-eval-print loop on GIsle, modelled on lua.c.
 *
 * Everything goes through GIsle's public API: the Lua state lives on the
 * isle's worker thread while this thread runs a GMainLoop that reads stdin
 * asynchronously, prints captured output and reacts to Ctrl-C.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct _Repl Repl;

/* The ways a chunk is tried, in order. */
typedef enum {
  FORM_SHOW,        /* `return show(<code>)`: an expression, values made printable */
  FORM_RETURN,      /* `return <code>`: for its syntax errors, and `1;` */
  FORM_STATEMENT,   /* `<code>` */
} Form;

/* Called when a chunk has finished, successfully or not. */
typedef void (*ChunkDoneFunc) (Repl *repl, gboolean ok);

struct _Repl
{
  GIsle *isle;
  GMainLoop *loop;
  int exit_status;
  gboolean tty;                  /* stdin is a terminal: prompts and banner */
  char *lua_version;

  /* Standard input, read one line at a time. */
  GDataInputStream *input;
  GCancellable *read_cancellable;
  gboolean reading;

  /* The chunk being evaluated, or waiting for more lines; NULL when none.
   * A chunk is tried as `return <code>` first so that expressions print,
   * then as a statement; a form that fails as incomplete stays in play. */
  GString *code;
  const char *chunk_name;
  gboolean try_return;
  gboolean try_statement;
  gboolean print_results;
  gboolean may_continue;         /* read more lines when incomplete */
  Form form;                     /* of the job in flight */
  gboolean interrupted;
  char *incomplete_message;
  ChunkDoneFunc chunk_done;

  /* Set while a job runs: Ctrl-C cancels it. */
  GCancellable *job_cancellable;

  /* Work given on the command line, done before the prompt. */
  char **exprs;
  guint next_expr;
  char *script;
  char *script_chunk_name;
  gboolean script_done;
  gboolean print_version;
  gboolean want_repl;
};

static void start_attempt (Repl *repl, Form form);
static void read_next_line (Repl *repl);

static void
quit (Repl *repl,
      int   status)
{
  repl->exit_status = status;
  g_main_loop_quit (repl->loop);
}

/* ---- Formatting values ------------------------------------------------ */

static void append_value (GString *out, GVariant *value, gboolean nested);
static char *opaque_text (GVariant *value);

/* Lua's tostring(): "%.14g", keeping ".0" on integral floats so that they
 * stay distinguishable from integers. */
static void
append_float (GString *out,
              double   number)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.14g", number);
  g_string_append (out, buf);
  if (buf[strspn (buf, "-0123456789")] == '\0')
    g_string_append (out, ".0");
}

/* Strings inside tables are quoted like Lua's %q so that "1" and 1 differ. */
static void
append_quoted (GString    *out,
               const char *data,
               gsize       len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      guchar c = data[i];

      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\%u", c);
          else
            g_string_append_c (out, c);
        }
    }
  g_string_append_c (out, '"');
}

static void
append_string (GString    *out,
               const char *data,
               gsize       len,
               gboolean    nested)
{
  if (nested)
    append_quoted (out, data, len);
  else
    g_string_append_len (out, data, len);
}

static GVariant *
unbox (GVariant *value)
{
  g_variant_ref (value);
  while (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (value);

      g_variant_unref (value);
      value = inner;
    }
  return value;
}

static gboolean
is_integer (GVariant *value)
{
  return g_variant_is_of_type (value, G_VARIANT_TYPE_INT64);
}

static gboolean
is_string (GVariant *value)
{
  return g_variant_is_of_type (value, G_VARIANT_TYPE_STRING);
}

static gboolean
is_identifier (const char *name)
{
  static const char * const reserved[] = {
    "and", "break", "do", "else", "elseif", "end", "false", "for",
    "function", "goto", "if", "in", "local", "nil", "not", "or", "repeat",
    "return", "then", "true", "until", "while",
  };

  if (!g_ascii_isalpha (name[0]) && name[0] != '_')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (reserved); i++)
    if (strcmp (name, reserved[i]) == 0)
      return FALSE;
  return TRUE;
}

typedef struct
{
  GVariant *key;
  GVariant *value;
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_variant_unref (entry->key);
  g_variant_unref (entry->value);
}

static int
key_rank (GVariant *key)
{
  if (is_integer (key))
    return 0;
  if (g_variant_is_of_type (key, G_VARIANT_TYPE_DOUBLE))
    return 1;
  if (g_variant_is_of_type (key, G_VARIANT_TYPE_BOOLEAN))
    return 2;
  if (is_string (key))
    return 3;
  return 4;
}

/* Lua tables have no order; sorting makes the output stable: integers
 * first (so that 1..n can be shown as a list), then the rest. */
static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  GVariant *ka = ((const Entry *) a)->key;
  GVariant *kb = ((const Entry *) b)->key;
  int ra = key_rank (ka);
  int rb = key_rank (kb);

  if (ra != rb)
    return ra < rb ? -1 : 1;

  switch (ra)
    {
    case 0:
      {
        gint64 ia = g_variant_get_int64 (ka);
        gint64 ib = g_variant_get_int64 (kb);
        return ia < ib ? -1 : ia > ib;
      }
    case 1:
      {
        double da = g_variant_get_double (ka);
        double db = g_variant_get_double (kb);
        return da < db ? -1 : da > db;
      }
    case 2:
      return (int) g_variant_get_boolean (ka) - (int) g_variant_get_boolean (kb);
    case 3:
      return strcmp (g_variant_get_string (ka, NULL),
                     g_variant_get_string (kb, NULL));
    default:
      return g_variant_compare (ka, kb);
    }
}

static void
append_key (GString  *out,
            GVariant *key)
{
  if (is_string (key) && is_identifier (g_variant_get_string (key, NULL)))
    {
      g_string_append (out, g_variant_get_string (key, NULL));
      return;
    }
  g_string_append_c (out, '[');
  append_value (out, key, TRUE);
  g_string_append_c (out, ']');
}

/* a{sv}, a{xv} and a(vv): tables with keys. */
static void
append_table (GString  *out,
              GVariant *table)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  gsize n = g_variant_n_children (table);
  gint64 next_index = 1;

  g_array_set_clear_func (entries, entry_clear);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) pair = g_variant_get_child_value (table, i);
      g_autoptr(GVariant) key = g_variant_get_child_value (pair, 0);
      g_autoptr(GVariant) value = g_variant_get_child_value (pair, 1);
      Entry entry = { unbox (key), unbox (value) };

      g_array_append_val (entries, entry);
    }
  g_array_sort (entries, compare_entries);

  g_string_append_c (out, '{');
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);

      if (i > 0)
        g_string_append (out, ", ");
      /* Keys 1, 2, 3... print as a list, as they were written. */
      if (next_index > 0 && is_integer (entry->key) &&
          g_variant_get_int64 (entry->key) == next_index)
        next_index++;
      else
        {
          next_index = 0;
          append_key (out, entry->key);
          g_string_append (out, " = ");
        }
      append_value (out, entry->value, TRUE);
    }
  g_string_append_c (out, '}');
}

/* Any other array (a sequence is av): a list. */
static void
append_list (GString  *out,
             GVariant *array)
{
  gsize n = g_variant_n_children (array);

  g_string_append_c (out, '{');
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (array, i);

      if (i > 0)
        g_string_append (out, ", ");
      append_value (out, child, TRUE);
    }
  g_string_append_c (out, '}');
}

static gboolean
is_keyed_table (GVariant *value)
{
  return g_variant_is_of_type (value, G_VARIANT_TYPE ("a{?*}")) ||
         g_variant_is_of_type (value, G_VARIANT_TYPE ("a(vv)"));
}

static void
append_value (GString  *out,
              GVariant *value,
              gboolean  nested)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_MAYBE))
    {
      g_autoptr(GVariant) inner = g_variant_get_maybe (value);

      if (inner == NULL)
        g_string_append (out, "nil");
      else
        append_value (out, inner, nested);
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);

      append_value (out, inner, nested);
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    g_string_append (out, g_variant_get_boolean (value) ? "true" : "false");
  else if (is_integer (value))
    g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    append_float (out, g_variant_get_double (value));
  else if (is_string (value))
    {
      gsize len;
      const char *str = g_variant_get_string (value, &len);

      append_string (out, str, len, nested);
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize len;
      const char *data = g_variant_get_fixed_array (value, &len, 1);

      append_string (out, data, len, nested);
    }
  else if (is_keyed_table (value))
    {
      g_autofree char *opaque = opaque_text (value);

      if (opaque != NULL)
        g_string_append (out, opaque);
      else
        append_table (out, value);
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_ARRAY))
    append_list (out, value);
  else
    {
      /* Not produced by Lua values; show it in GVariant text form. */
      g_autofree char *text = g_variant_print (value, TRUE);

      g_string_append (out, text);
    }
}

/* Functions, userdata and threads cannot leave the isle, and neither can
 * cycles, so FORM_SHOW passes the values through this Lua function first.
 * It copies tables (raw, like the isle) and replaces what cannot cross by
 * an "opaque" table { ["\1"] = tostring (v) }, printed as its bare text
 * like lua.c prints such values. One line, so line numbers stay right. */
#define OPAQUE_KEY "\1"
static const char show_prefix[] =
  "return (function (...) "
    "local type, tostring, next, select = type, tostring, next, select "
    "local seen = {} "
    "local function opaque (v) return { [\"\\1\"] = tostring (v) } end "
    "local conv "
    "conv = function (v, depth) "
      "local t = type (v) "
      "if t == \"table\" then "
        "if seen[v] or depth > 90 then return opaque (v) end "
        "seen[v] = true "
        "local c = {} "
        "for k, x in next, v do "
          "local kt = type (k) "
          "if kt == \"table\" then k = conv (k, depth + 1) "
          "elseif kt ~= \"string\" and kt ~= \"number\" and kt ~= \"boolean\" then "
            "k = tostring (k) "
          "end "
          "c[k] = conv (x, depth + 1) "
        "end "
        "seen[v] = nil "
        "return c "
      "elseif t == \"function\" or t == \"userdata\" or t == \"thread\" then "
        "return opaque (v) "
      "end "
      "return v "
    "end "
    "local n, r = select (\"#\", ...), { ... } "
    "for i = 1, n do r[i] = conv (r[i], 1) end "
    "local function unpack (i) if i <= n then return r[i], unpack (i + 1) end end "
    "return unpack (1) "
  "end) (";

/* The text of an opaque table (a newly allocated string), or NULL. */
static char *
opaque_text (GVariant *value)
{
  g_autoptr(GVariant) entry = NULL;
  g_autoptr(GVariant) key = NULL;
  g_autoptr(GVariant) boxed = NULL;
  g_autoptr(GVariant) text = NULL;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE ("a{sv}")) ||
      g_variant_n_children (value) != 1)
    return NULL;
  entry = g_variant_get_child_value (value, 0);
  key = g_variant_get_child_value (entry, 0);
  if (strcmp (g_variant_get_string (key, NULL), OPAQUE_KEY) != 0)
    return NULL;
  boxed = g_variant_get_child_value (entry, 1);
  text = unbox (boxed);
  return is_string (text) ? g_variant_dup_string (text, NULL) : NULL;
}

/* Values go on one line, separated by tabs, like lua.c prints them. */
static void
print_results (GVariant *results)
{
  g_autoptr(GString) line = g_string_new (NULL);
  gsize n;

  if (results == NULL)
    return;
  n = g_variant_n_children (results);
  if (n == 0)
    return;

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (results, i);

      if (i > 0)
        g_string_append_c (line, '\t');
      append_value (line, child, FALSE);
    }
  g_string_append_c (line, '\n');
  fwrite (line->str, 1, line->len, stdout);
  fflush (stdout);
}

/* ---- Output from the isle --------------------------------------------- */

static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     user_data)
{
  switch (stream)
    {
    case G_ISLE_STREAM_STDOUT:
      fputs (text, stdout);
      fflush (stdout);
      break;

    case G_ISLE_STREAM_WARNING:
      /* Flush stdout first so that the two streams interleave in order. */
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

  repl->try_return = print;
  repl->try_statement = TRUE;
  /* `=expr` is lua 5.1's shorthand for `return expr`. */
  if (print && code[0] == '=')
    {
      code++;
      repl->try_statement = FALSE;
    }
  repl->code = g_string_new (code);
  repl->chunk_name = chunk_name;
  repl->print_results = print;
  repl->may_continue = may_continue;
  repl->interrupted = FALSE;
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
fail_chunk (Repl       *repl,
            const char *message)
{
  print_error (message);
  end_chunk (repl, FALSE);
}

static void
try_next_form (Repl *repl,
               Form  form)
{
  if (repl->interrupted)
    fail_chunk (repl, "Interrupted.");
  else
    start_attempt (repl, form);
}

/* Both forms have been tried (or ruled out) and neither ran. */
static void
chunk_did_not_compile (Repl       *repl,
                       const char *message)
{
  gboolean incomplete = repl->try_return || repl->try_statement;

  if (incomplete && repl->may_continue)
    {
      /* Keep the text and ask for another line. */
      read_next_line (repl);
      return;
    }
  /* An incomplete form says more ("near <eof>") than the other one. */
  fail_chunk (repl, repl->incomplete_message ? repl->incomplete_message : message);
}

static void
on_eval_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Repl *repl = user_data;
  Form form = repl->form;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) values = NULL;

  values = g_isle_eval_full_finish (G_ISLE (source), result, &error);
  g_clear_object (&repl->job_cancellable);

  if (error == NULL)
    {
      if (repl->print_results)
        print_results (values);
      end_chunk (repl, TRUE);
      return;
    }

  if (g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX) ||
      g_error_matches (error, G_ISLE_ERROR, G_ISLE_ERROR_INCOMPLETE))
    {
      gboolean incomplete = error->code == G_ISLE_ERROR_INCOMPLETE;

      /* The wrapper's own ")" turns "1 +" into a syntax error: the plain
       * return form tells incomplete from wrong, with clean messages. */
      if (form == FORM_SHOW)
        {
          try_next_form (repl, FORM_RETURN);
          return;
        }
      if (incomplete)
        {
          g_free (repl->incomplete_message);
          repl->incomplete_message = g_strdup (error->message);
        }
      /* A form that is a syntax error stays one however many lines
       * follow, so only incomplete forms are kept for the next try. */
      if (form == FORM_RETURN)
        {
          repl->try_return = incomplete;
          if (repl->try_statement)
            {
              try_next_form (repl, FORM_STATEMENT);
              return;
            }
        }
      else
        repl->try_statement = incomplete;
      chunk_did_not_compile (repl, error->message);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fail_chunk (repl, "Interrupted.");
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
start_attempt (Repl *repl,
               Form  form)
{
  g_autofree char *text = NULL;

  switch (form)
    {
    case FORM_SHOW:
      /* The newline keeps a trailing comment from hiding the ")". */
      text = g_strconcat (show_prefix, repl->code->str, "\n)", NULL);
      break;
    case FORM_RETURN:
      text = g_strconcat ("return ", repl->code->str, NULL);
      break;
    case FORM_STATEMENT:
    default:
      text = g_strdup (repl->code->str);
      break;
    }
  repl->form = form;
  repl->job_cancellable = g_cancellable_new ();
  g_isle_eval_full_async (repl->isle, text, repl->chunk_name, 0,
                          repl->job_cancellable, on_eval_done, repl);
}

static void
run_chunk (Repl *repl)
{
  start_attempt (repl, repl->try_return ? FORM_SHOW : FORM_STATEMENT);
}

/* ---- The prompt ------------------------------------------------------- */

static void
show_prompt (Repl *repl)
{
  if (!repl->tty)
    return;
  fputs (repl->code != NULL ? ">> " : "> ", stdout);
  fflush (stdout);
}

static void
prompt_chunk_done (Repl     *repl,
                   gboolean  ok)
{
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
  /* Like lua.c, an unfinished chunk at EOF is reported, not dropped. */
  if (repl->code != NULL)
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
  quit (repl, 0);
}

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

/* Reading is asynchronous so that the main loop keeps delivering output
 * and Ctrl-C while a chunk runs. */
static void
read_next_line (Repl *repl)
{
  g_assert (!repl->reading);

  show_prompt (repl);
  repl->reading = TRUE;
  g_data_input_stream_read_line_async (repl->input, G_PRIORITY_DEFAULT,
                                       repl->read_cancellable,
                                       on_line_read, repl);
}

static gboolean
on_sigint (gpointer user_data)
{
  Repl *repl = user_data;

  if (repl->job_cancellable != NULL)
    {
      repl->interrupted = TRUE;
      g_cancellable_cancel (repl->job_cancellable);
    }
  else if (repl->code != NULL && repl->reading)
    {
      /* Drop the unfinished chunk; the pending read serves the new prompt. */
      g_string_free (g_steal_pointer (&repl->code), TRUE);
      g_clear_pointer (&repl->incomplete_message, g_free);
      if (repl->tty)
        fputs ("\n", stdout);
      show_prompt (repl);
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

/* ---- Start-up: version, -e, the script, then the prompt -------------- */

static void run_next_step (Repl *repl);

static void
step_done (Repl     *repl,
           gboolean  ok)
{
  /* Like lua.c, a failing -e or script stops there with status 1. */
  if (!ok)
    {
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

  if (!g_file_get_contents (repl->script, &contents, NULL, &error))
    {
      print_error (error->message);
      return FALSE;
    }
  /* Skip a "#!" line as luaL_loadfile does, keeping line numbers. */
  if (contents[0] == '#')
    {
      gsize len = strcspn (contents, "\n");
      memmove (contents, contents + len, strlen (contents + len) + 1);
    }
  /* Chunk names starting with "@" name a file, as in lua.c. */
  repl->script_chunk_name = g_strconcat ("@", repl->script, NULL);
  begin_chunk (repl, contents, repl->script_chunk_name, FALSE, FALSE, step_done);
  run_chunk (repl);
  return TRUE;
}

static void
run_next_step (Repl *repl)
{
  if (repl->exprs != NULL && repl->exprs[repl->next_expr] != NULL)
    {
      /* -e chunks print their values, as at the prompt. */
      begin_chunk (repl, repl->exprs[repl->next_expr++], "=(command line)",
                   TRUE, FALSE, step_done);
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
    printf ("GIsle %s with %s \342\200\224 Ctrl-C stops a running chunk, Ctrl-D exits\n",
            GISLE_VERSION_STRING, repl->lua_version ? repl->lua_version : "Lua");
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
  if (values != NULL && g_variant_n_children (values) > 0)
    {
      g_autoptr(GVariant) first = g_variant_get_child_value (values, 0);
      g_autoptr(GString) text = g_string_new (NULL);

      append_value (text, first, FALSE);
      repl->lua_version = g_string_free (g_steal_pointer (&text), FALSE);
    }
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
  g_auto(GStrv) opt_exprs = NULL;
  g_auto(GStrv) opt_args = NULL;
  const GOptionEntry entries[] = {
    { "execute", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &opt_exprs,
      "Run CODE and print its values (may be repeated)", "CODE" },
    { "interactive", 'i', 0, G_OPTION_ARG_NONE, &opt_interactive,
      "Enter the prompt after running -e and SCRIPT", NULL },
    { "memory-limit", 0, 0, G_OPTION_ARG_CALLBACK, parse_memory_limit,
      "Limit the Lua heap to BYTES (0: no limit)", "BYTES" },
    { "timeout", 0, 0, G_OPTION_ARG_CALLBACK, parse_timeout,
      "Stop chunks that run longer than MS milliseconds (0: never)", "MS" },
    { "trusted", 0, 0, G_OPTION_ARG_NONE, &opt_trusted,
      "Open every library, including files, processes and native modules", NULL },
    { "version", 'v', 0, G_OPTION_ARG_NONE, &opt_version,
      "Print the version and exit", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_args,
      NULL, "[SCRIPT]" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  Repl repl = { 0 };
  guint sigint_id;

  context = g_option_context_new ("- a Lua 5.4 prompt on GIsle");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Without -e or SCRIPT, lines are read from standard input; an\n"
    "expression prints its values. Ctrl-C stops a running chunk.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "gisle-repl: %s\n", error->message);
      return 1;
    }
  if (opt_args != NULL && g_strv_length (opt_args) > 1)
    {
      fprintf (stderr, "gisle-repl: only one SCRIPT may be given\n");
      return 1;
    }

  isle = create_isle (opt_trusted, &error);
  if (isle == NULL)
    {
      fprintf (stderr, "gisle-repl: %s\n", error->message);
      return 1;
    }
  /* The isle delivers output in the context it was created in: ours. */
  g_signal_connect (isle, "output", G_CALLBACK (on_output), &repl);

  loop = g_main_loop_new (NULL, FALSE);
  stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);

  repl.isle = isle;
  repl.loop = loop;
  repl.tty = isatty (STDIN_FILENO);
  repl.input = g_data_input_stream_new (stdin_stream);
  repl.read_cancellable = g_cancellable_new ();
  repl.exprs = opt_exprs;
  repl.script = opt_args != NULL ? opt_args[0] : NULL;
  repl.print_version = opt_version;
  /* Like lua.c: the prompt comes when there is nothing else to do (and
   * -v alone is something), or when -i asks for it. */
  repl.want_repl = opt_interactive ||
                   (opt_exprs == NULL && repl.script == NULL && !opt_version);

  sigint_id = g_unix_signal_add (SIGINT, on_sigint, &repl);

  if (opt_version || (repl.want_repl && repl.tty))
    {
      /* The Lua version comes from the isle itself; on_version goes on
       * with the rest of the start-up. */
      g_isle_eval_async (isle, "return _VERSION", NULL, on_version, &repl);
    }
  else
    g_idle_add (start_up, &repl);  /* in the loop, so that quit() works */

  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_cancellable_cancel (repl.read_cancellable);
  while (repl.reading)
    g_main_context_iteration (NULL, TRUE);

  if (!g_isle_close (isle, NULL, &error))
    fprintf (stderr, "gisle-repl: %s\n", error->message);

  g_clear_object (&repl.input);
  g_clear_object (&repl.read_cancellable);
  g_clear_object (&repl.job_cancellable);
  if (repl.code != NULL)
    g_string_free (repl.code, TRUE);
  g_free (repl.incomplete_message);
  g_free (repl.lua_version);
  g_free (repl.script_chunk_name);
  fflush (stdout);
  return repl.exit_status;
}
