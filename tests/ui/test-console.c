/* test-console.c: the GTK console driven through its actions, in a real
 * X server, in-process.
 *
 * Every test creates a real window of the real application, acts through
 * the window's GActions (or the REPL's own entry points, which the key
 * handlers call) and iterates the main context until the expected state is
 * reached, failing after a deadline. Nothing sleeps.
 *
 * Run under xvfb-run and dbus-run-session (see tests/ui/meson.build).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <unistd.h>
#include <string.h>

#include "gisle-console-app.h"
#include "gisle-console-prefs.h"
#include "gisle-console-window.h"

static GisleConsoleApp *app;

/* Iterates the main context until @cond holds; fails the test (and returns
 * from it) when @ms pass first. A 5 ms tick keeps the loop waking up. */
#define WAIT_FOR(cond, ms) G_STMT_START {                                     \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) (ms) * 1000;       \
    while (!(cond) && g_get_monotonic_time () < deadline_)                   \
      g_main_context_iteration (NULL, TRUE);                                 \
    if (!(cond))                                                             \
      {                                                                      \
        g_test_fail_printf ("%s:%d: timed out after %d ms waiting for %s",   \
                            __FILE__, __LINE__, (int) (ms), #cond);          \
        return;                                                              \
      }                                                                      \
  } G_STMT_END

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static GisleConsoleWindow *
new_window (void)
{
  GisleConsoleWindow *window = gisle_console_window_new (GTK_APPLICATION (app), gisle_console_app_get_settings (app));

  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
close_window (GisleConsoleWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
activate (GisleConsoleWindow *window,
          const char         *action,
          GVariant           *parameter)
{
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), action));
  g_action_group_activate_action (G_ACTION_GROUP (window), action, parameter);
}

static gboolean
shows (GisleConsoleWindow   *window,
       GIsleGtkTextKind  kind,
       const char           *text)
{
  return gisle_gtk_output_has_tag_text (gisle_gtk_console_get_output (gisle_console_window_get_console (window)), kind, text);
}

static GIsleGtkConsole *
console_of (GisleConsoleWindow *window)
{
  return gisle_console_window_get_console (window);
}

static gboolean
running (GisleConsoleWindow *window)
{
  return gisle_gtk_console_get_busy (console_of (window));
}

/* The REPL's keys are actions of the input (see GIsleGtkConsole). */
static void
repl_do (GisleConsoleWindow *window,
         const char         *action)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (gisle_gtk_console_get_input_view (console_of (window))),
                                             action, NULL));
}

static void
repl_enter (GisleConsoleWindow *window,
            const char         *line)
{
  gisle_gtk_console_set_input_text (console_of (window), line);
  gisle_gtk_console_submit_input (console_of (window));
}

static char *
input_text (GisleConsoleWindow *window)
{
  return gisle_gtk_console_get_input_text (console_of (window));
}

static gboolean
input_is (GisleConsoleWindow *window,
          const char         *expected)
{
  g_autofree char *text = input_text (window);

  return g_str_equal (text, expected);
}

/* Delivers a key press to @widget's key controllers, as GTK does. */
static gboolean
press_key (GtkWidget       *widget,
           guint            keyval,
           GdkModifierType  state)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, state, &handled);
    }
  return handled;
}

static void
dump_output (GisleConsoleWindow *window)
{
  g_autofree char *text = gisle_gtk_output_get_text (gisle_gtk_console_get_output (gisle_console_window_get_console (window)));

  g_test_message ("Output:\n%s", text);
}

static void
test_run_result (void)
{
  GisleConsoleWindow *window = new_window ();

  gisle_console_window_set_code (window, "print('hello from lua')\n"
                                         "io.stderr:write('to stderr\\n')\n"
                                         "return 6 * 7, { a = 1, list = { 1, 2 } }\n");
  activate (window, "run", NULL);
  g_assert_true (running (window));
  /* Run and Stop follow the running state. */
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "run"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "stop"));
  WAIT_FOR (!running (window), 5000);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "run"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "stop"));

  dump_output (window);
  g_assert_true (shows (window, GISLE_GTK_TEXT_OUTPUT, "hello from lua"));
  g_assert_true (shows (window, GISLE_GTK_TEXT_STDERR, "to stderr"));
  g_assert_true (shows (window, GISLE_GTK_TEXT_RESULT, "42\t{ a = 1, list = { 1, 2 } }"));
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "Finished in"));
  g_assert_false (shows (window, GISLE_GTK_TEXT_ERROR, "hello"));
  g_assert_cmpint (gisle_gtk_editor_get_error_line (gisle_console_window_get_editor (window)), ==, -1);

  close_window (window);
}

static void
test_repl (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkConsole *repl = console_of (window);

  /* A bare expression prints its value, like lua.c. */
  repl_enter (window, "1 + 1");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_RESULT, "2"));

  /* A statement prints nothing; globals persist between lines. */
  repl_enter (window, "answer = 6 * 7  -- a comment");
  WAIT_FOR (!running (window), 5000);
  repl_enter (window, "=answer");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_RESULT, "42"));

  /* Tables print nested, and cycles are marked. */
  repl_enter (window, "t = { name = 'x', sub = {} }; t.sub.up = t");
  WAIT_FOR (!running (window), 5000);
  repl_enter (window, "t");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_RESULT, "{ name = \"x\", sub = { up = <cycle: root> } }"));

  /* Incomplete input asks for more lines. */
  repl_enter (window, "function twice(x)");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (gisle_gtk_console_get_continuing (repl));
  repl_enter (window, "  return 2 * x");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (gisle_gtk_console_get_continuing (repl));
  repl_enter (window, "end");
  WAIT_FOR (!running (window), 5000);
  g_assert_false (gisle_gtk_console_get_continuing (repl));
  repl_enter (window, "twice(21.5)");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_RESULT, "43.0"));

  /* Results look like results even right after other kinds of text. */
  repl_enter (window, "io.stderr:write('on stderr\\n')");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_STDERR, "on stderr"));
  g_assert_true (shows (window, GISLE_GTK_TEXT_RESULT, "file ("));

  /* Errors are errors, not results. */
  repl_enter (window, "nosuch.field");
  WAIT_FOR (!running (window), 5000);
  dump_output (window);
  g_assert_true (shows (window, GISLE_GTK_TEXT_ERROR, "attempt to index a nil value"));

  close_window (window);
}

/* The completion popup of GtkSourceView is a popover inside the view. */
static gboolean
popup_shown (GtkWidget *view)
{
  for (GtkWidget *child = gtk_widget_get_first_child (view); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_POPOVER (child) && gtk_widget_get_visible (child))
      return TRUE;
  return FALSE;
}

static void
test_completion (void)
{
  GisleConsoleWindow *window = new_window ();
  GtkWidget *input = GTK_WIDGET (gisle_gtk_console_get_input_view (console_of (window)));
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  /* A unique table field completes in place. */
  gisle_gtk_console_set_input_text (console_of (window), "string.for");
  repl_do (window, "repl.complete");
  WAIT_FOR (input_is (window, "string.format"), 5000);

  /* A global defined by the user is found too. */
  repl_enter (window, "my_global_value = 1");
  WAIT_FOR (!running (window), 5000);
  gisle_gtk_console_set_input_text (console_of (window), "print(my_glo");
  repl_do (window, "repl.complete");
  WAIT_FOR (input_is (window, "print(my_global_value"), 5000);

  /* Several candidates complete as far as they agree, then pop up a list,
   * as in the editor; nothing is printed into the transcript (issue 14:
   * Tab used to print the candidates on every press). */
  before = gisle_gtk_output_get_text (gisle_gtk_console_get_output (console_of (window)));
  gtk_widget_grab_focus (input);
  gisle_gtk_console_set_input_text (console_of (window), "math.ma");
  g_assert_true (press_key (input, GDK_KEY_Tab, 0));
  WAIT_FOR (input_is (window, "math.max"), 5000);
  g_assert_true (press_key (input, GDK_KEY_Tab, 0));
  WAIT_FOR (popup_shown (input), 5000);
  after = gisle_gtk_output_get_text (gisle_gtk_console_get_output (console_of (window)));
  g_assert_cmpstr (after, ==, before);
  g_assert_true (input_is (window, "math.max"));
  /* The console's own helpers are not offered. */
  gisle_gtk_console_set_input_text (console_of (window), "__con");
  repl_do (window, "repl.complete");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (input_is (window, "__con"));

  close_window (window);
}

static void
test_editor_completion (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor));

  /* The editor completes names from the isle too (it had none). */
  g_assert_true (gisle_gtk_editor_get_isle (editor) == gisle_console_window_get_isle (window));
  gtk_widget_grab_focus (GTK_WIDGET (editor));
  gtk_text_buffer_set_text (buffer, "string.fo", -1);
  gtk_source_completion_show (gtk_source_view_get_completion (GTK_SOURCE_VIEW (editor)));
  WAIT_FOR (popup_shown (GTK_WIDGET (editor)), 5000);

  close_window (window);
}

/* Starts @code, waits until it printed "started", presses Stop and checks
 * that the console reports it stopped within a second. */
static void
check_stop (const char *code)
{
  GisleConsoleWindow *window = new_window ();
  gint64 stop_time, stopped_time;

  gisle_console_window_set_code (window, code);
  activate (window, "run", NULL);
  WAIT_FOR (shows (window, GISLE_GTK_TEXT_OUTPUT, "started"), 5000);
  g_assert_true (running (window));

  stop_time = g_get_monotonic_time ();
  activate (window, "stop", NULL);
  WAIT_FOR (!running (window) && shows (window, GISLE_GTK_TEXT_INFO, "Stopped after"), 1000);
  stopped_time = g_get_monotonic_time ();
  g_test_message ("stopped %.1f ms after Stop", (stopped_time - stop_time) / 1000.0);
  g_assert_cmpint (stopped_time - stop_time, <, G_USEC_PER_SEC);

  /* The same Lua state goes on working. */
  repl_enter (window, "40 + 2");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_RESULT, "42"));

  close_window (window);
}

static void
test_stop_loop (void)
{
  check_stop ("print('started')\nwhile true do end\n");
}

static void
test_stop_pcall (void)
{
  check_stop ("print('started')\n"
              "while true do\n"
              "  pcall(function () while true do end end)\n"
              "end\n");
}

static void
test_stop_coroutine (void)
{
  check_stop ("local co = coroutine.wrap(function ()\n"
              "  while true do coroutine.yield(1) end\n"
              "end)\n"
              "print('started')\n"
              "while true do co() end\n");
}

static gboolean
ping_cb (gpointer data)
{
  GisleConsoleWindow *window = data;

  /* A real action with a visible effect: wrapping the output lines. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "wrap", NULL);
  g_object_set_data (G_OBJECT (window), "pong", GINT_TO_POINTER (TRUE));
  return G_SOURCE_REMOVE;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
test_flood (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkOutput *output = gisle_gtk_console_get_output (gisle_console_window_get_console (window));
  GtkTextView *view = gisle_gtk_output_get_view (output);
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 total = 0, median, p95, worst;
  const guint n_pings = 40;

  gisle_console_window_set_code (window,
                                 "local i = 0\n"
                                 "while true do\n"
                                 "  i = i + 1\n"
                                 "  print(('line %d %s'):format(i, ('x'):rep(60)))\n"
                                 "end\n");
  activate (window, "run", NULL);
  WAIT_FOR (gisle_gtk_output_get_line_count (output) > 2000, 10000);

  /* While output streams, a round trip through the main loop to a window
   * action and back must stay within a couple of frames. */
  for (guint i = 0; i < n_pings; i++)
    {
      GtkWrapMode before = gtk_text_view_get_wrap_mode (view);
      gint64 start, latency, pause_until;

      g_object_set_data (G_OBJECT (window), "pong", NULL);
      start = g_get_monotonic_time ();
      g_idle_add_full (G_PRIORITY_DEFAULT, ping_cb, window, NULL);
      WAIT_FOR (g_object_get_data (G_OBJECT (window), "pong") != NULL, 2000);
      latency = g_get_monotonic_time () - start;
      g_assert_cmpint (gtk_text_view_get_wrap_mode (view), !=, before);
      g_array_append_val (latencies, latency);
      total += latency;

      /* Let a few batches of output and frames go by between pings. */
      pause_until = g_get_monotonic_time () + 25 * 1000;
      WAIT_FOR (g_get_monotonic_time () >= pause_until, 1000);
      g_assert_true (running (window));
    }
  g_array_sort (latencies, compare_int64);
  median = g_array_index (latencies, gint64, n_pings / 2);
  p95 = g_array_index (latencies, gint64, n_pings * 95 / 100 - 1);
  worst = g_array_index (latencies, gint64, n_pings - 1);
  g_test_message ("action round trip while flooding: mean %.2f ms, median %.2f ms, "
                  "95th percentile %.2f ms, worst %.2f ms",
                  total / (double) n_pings / 1000.0, median / 1000.0,
                  p95 / 1000.0, worst / 1000.0);
  /* A frame is 16.7 ms at 60 Hz: typically within one, nearly always
   * within two (one or two outliers are the VM's scheduler, not us). */
  g_assert_cmpint (median, <, 16700);
  g_assert_cmpint (p95, <, 33400);

  /* The output is capped, and a flood stops as promptly as a loop. */
  g_assert_cmpuint (gisle_gtk_output_get_line_count (output), <=,
                    gisle_gtk_output_get_max_lines (output) + 2);
  activate (window, "stop", NULL);
  WAIT_FOR (!running (window) && shows (window, GISLE_GTK_TEXT_INFO, "Stopped after"), 1000);
  g_assert_cmpuint (gisle_gtk_output_get_line_count (output), <=,
                    gisle_gtk_output_get_max_lines (output) + 2);
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "lines of output not shown"));

  close_window (window);
}

/* Stop drops what the stopped script had printed but the isle had not yet
 * delivered, and says how much: a flood no longer keeps scrolling after
 * Stop. The test stops from the first output emission, while the rest of
 * a 6 MB burst is still queued. */
static void
stop_on_first_output (GIsle       *isle,
                      guint64      job_id,
                      GIsleStream  stream,
                      const char  *text,
                      gpointer     user_data)
{
  GIsleGtkConsole *console = user_data;

  if (gisle_gtk_console_get_state (console) == GISLE_GTK_CONSOLE_RUNNING)
    gisle_gtk_console_stop (console);
}

static void
test_stop_drops_queued_output (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkConsole *console = console_of (window);
  GIsle *isle = gisle_console_window_get_isle (window);
  g_autofree char *text = NULL;
  const char *stopped;
  gulong handler;

  handler = g_signal_connect_after (isle, "output", G_CALLBACK (stop_on_first_output), console);
  gisle_console_window_set_code (window,
                                 "local s = ('x'):rep(60)\n"
                                 "for i = 1, 100000 do print(s) end\n"
                                 "while true do local t = {} end\n");
  activate (window, "run", NULL);
  WAIT_FOR (!running (window) && shows (window, GISLE_GTK_TEXT_INFO, "Stopped after"), 10000);
  g_signal_handler_disconnect (isle, handler);

  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "lines of queued output dropped"));
  /* Nothing of the stopped script after the note and the Stopped line. */
  text = gisle_gtk_output_get_text (gisle_gtk_console_get_output (console));
  stopped = strstr (text, "lines of queued output dropped");
  g_assert_nonnull (stopped);
  g_assert_null (strstr (stopped, "xxxxxxxxxx"));

  close_window (window);
}

static void
test_history (void)
{
  GisleConsoleWindow *first = new_window ();
  GisleConsoleWindow *second;
  g_autoptr(GSettings) settings = g_settings_new (GISLE_CONSOLE_APP_ID);
  g_auto(GStrv) stored = NULL;
  GtkWidget *input;

  g_settings_reset (settings, "history");
  repl_enter (first, "history_probe = 1");
  WAIT_FOR (!running (first), 5000);
  repl_enter (first, "history_probe + 1");
  WAIT_FOR (!running (first), 5000);
  /* A chunk typed over several lines is one entry (issue 14). */
  repl_enter (first, "function history_twice(x)");
  WAIT_FOR (!running (first), 5000);
  repl_enter (first, "  return 2 * x");
  WAIT_FOR (!running (first), 5000);
  repl_enter (first, "end");
  WAIT_FOR (!running (first), 5000);
  close_window (first);

  /* Stored in GSettings (bound to GIsleGtkConsole:history), where the next
   * run reads it... */
  stored = g_settings_get_strv (settings, "history");
  g_assert_true (g_strv_contains ((const char * const *) stored, "history_probe = 1"));
  g_assert_true (g_strv_contains ((const char * const *) stored,
                                  "function history_twice(x)\n  return 2 * x\nend"));
  g_assert_false (g_strv_contains ((const char * const *) stored, "  return 2 * x"));

  /* ...and recalled by Up in a new window, newest first; Down returns to
   * what was being typed. */
  second = new_window ();
  input = GTK_WIDGET (gisle_gtk_console_get_input_view (console_of (second)));
  gisle_gtk_console_set_input_text (console_of (second), "draft");
  g_assert_true (press_key (input, GDK_KEY_Up, 0));
  g_assert_true (input_is (second, "function history_twice(x)\n  return 2 * x\nend"));
  repl_do (second, "repl.history-previous");
  g_assert_true (input_is (second, "history_probe + 1"));
  repl_do (second, "repl.history-previous");
  g_assert_true (input_is (second, "history_probe = 1"));
  repl_do (second, "repl.history-next");
  repl_do (second, "repl.history-next");
  g_assert_true (input_is (second, "function history_twice(x)\n  return 2 * x\nend"));
  g_assert_true (press_key (input, GDK_KEY_Down, 0));
  g_assert_true (input_is (second, "draft"));

  /* Ctrl+R searches the history for what was typed, newest first; again
   * goes further back; Escape brings the typed text back. */
  gisle_gtk_console_set_input_text (console_of (second), "probe");
  g_assert_true (press_key (input, GDK_KEY_r, GDK_CONTROL_MASK));
  g_assert_true (input_is (second, "history_probe + 1"));
  g_assert_true (press_key (input, GDK_KEY_r, GDK_CONTROL_MASK));
  g_assert_true (input_is (second, "history_probe = 1"));
  g_assert_true (press_key (input, GDK_KEY_Escape, 0));
  g_assert_true (input_is (second, "probe"));

  close_window (second);
  g_settings_reset (settings, "history");
}

static gboolean
line_has_error_tag (GisleConsoleWindow *window,
                    int                 line)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (gisle_console_window_get_editor (window)));
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "error-line");
  GtkTextIter iter;

  gtk_text_buffer_get_iter_at_line (buffer, &iter, line - 1);
  return gtk_text_iter_has_tag (&iter, tag);
}

static void
test_error_line (void)
{
  GisleConsoleWindow *window = new_window ();

  gisle_console_window_set_code (window,
                                 "local function f(x)\n"
                                 "  return x.field\n"
                                 "end\n"
                                 "print(f(nil))\n");
  activate (window, "run", NULL);
  WAIT_FOR (!running (window), 5000);
  dump_output (window);
  g_assert_true (shows (window, GISLE_GTK_TEXT_ERROR, "untitled.lua:2: attempt to index a nil value"));
  g_assert_true (shows (window, GISLE_GTK_TEXT_ERROR, "stack traceback:"));
  g_assert_cmpint (gisle_gtk_editor_get_error_line (gisle_console_window_get_editor (window)), ==, 2);
  g_assert_true (line_has_error_tag (window, 2));
  g_assert_false (line_has_error_tag (window, 1));
  g_assert_false (line_has_error_tag (window, 4));

  /* A syntax error is marked too: the example's line 5. */
  activate (window, "example", g_variant_new_string ("syntax-error"));
  g_assert_cmpint (gisle_gtk_editor_get_error_line (gisle_console_window_get_editor (window)), ==, -1);
  activate (window, "run", NULL);
  WAIT_FOR (!running (window), 5000);
  g_assert_cmpint (gisle_gtk_editor_get_error_line (gisle_console_window_get_editor (window)), ==, 5);
  g_assert_true (line_has_error_tag (window, 5));

  /* Editing the code removes the mark. */
  gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (GTK_TEXT_VIEW (gisle_console_window_get_editor (window))), " ", 1);
  g_assert_cmpint (gisle_gtk_editor_get_error_line (gisle_console_window_get_editor (window)), ==, -1);
  g_assert_false (line_has_error_tag (window, 5));

  close_window (window);
}

static void
test_examples (void)
{
  GisleConsoleWindow *window = new_window ();
  gboolean saw_progress = FALSE;

  /* A host function changes the window title from Lua. */
  activate (window, "example", g_variant_new_string ("host-function"));
  activate (window, "run", NULL);
  WAIT_FOR (!running (window), 10000);
  g_assert_cmpstr (gisle_console_window_get_heading (window), ==, "Hello from Lua!");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Hello from Lua!");

  /* isle.progress drives the progress bar. */
  activate (window, "example", g_variant_new_string ("progress"));
  activate (window, "run", NULL);
  while (running (window))
    {
      saw_progress |= gisle_console_window_get_progress (window) > 0;
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_true (saw_progress);
  g_assert_true (shows (window, GISLE_GTK_TEXT_RESULT, "\"finished\""));

  /* Events are shown. */
  activate (window, "example", g_variant_new_string ("events"));
  activate (window, "run", NULL);
  WAIT_FOR (!running (window), 10000);
  dump_output (window);
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "Event “tick”: { count = 3, label = \"tick 3\" }"));

  close_window (window);
}

/* The window and the transcript, exposed to scripts: the example retitles
 * the window and adds rows while Stop keeps working; neither leads a
 * script to other widgets, and taking the window's content away leaves
 * the console working. */
static void
test_exposed_objects (void)
{
  GisleConsoleWindow *window = new_window ();
  g_autoptr(GIsle) isle = NULL;

  activate (window, "example", g_variant_new_string ("objects"));
  activate (window, "run", NULL);
  WAIT_FOR (shows (window, GISLE_GTK_TEXT_INFO, "row 2, added by the script"), 10000);
  g_assert_true (g_str_has_prefix (gtk_window_get_title (GTK_WINDOW (window)), "Row "));
  activate (window, "stop", NULL);
  WAIT_FOR (!running (window) && shows (window, GISLE_GTK_TEXT_INFO, "Stopped after"), 1000);
  g_assert_false (shows (window, GISLE_GTK_TEXT_INFO, "row 50, added by the script"));

  gisle_gtk_console_set_input_text (console_of (window),
                                    "local ok, e = pcall(function () return app.transcript:get_parent() end) "
                                    "app.window.title = 'Retitled' "
                                    "app.window.child = nil "
                                    "print(e)");
  gisle_gtk_console_submit_input (console_of (window));
  WAIT_FOR (!running (window) && shows (window, GISLE_GTK_TEXT_OUTPUT, "does not let scripts reach other objects"), 10000);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Retitled");
  g_assert_null (gtk_window_get_child (GTK_WINDOW (window)));
  /* The console lives on outside the window. */
  gisle_gtk_console_set_input_text (console_of (window), "print('still here')");
  gisle_gtk_console_submit_input (console_of (window));
  WAIT_FOR (!running (window) && shows (window, GISLE_GTK_TEXT_OUTPUT, "still here"), 10000);

  /* The isle holds the window it exposes, and the script's proxies too:
   * destroying the window still closes its isle. */
  isle = g_object_ref (gisle_console_window_get_isle (window));
  gisle_gtk_console_set_input_text (console_of (window), "kept = app.window print('kept')");
  gisle_gtk_console_submit_input (console_of (window));
  WAIT_FOR (!running (window) && shows (window, GISLE_GTK_TEXT_OUTPUT, "kept"), 10000);
  close_window (window);
  WAIT_FOR (g_isle_is_closed (isle), 5000);
}

static void
test_memory_limit (void)
{
  g_autoptr(GSettings) settings = g_settings_new (GISLE_CONSOLE_APP_ID);
  GisleConsoleWindow *window;

  g_settings_set_uint (settings, "memory-limit", 16);
  window = new_window ();
  g_assert_cmpuint (g_isle_get_memory_limit (gisle_console_window_get_isle (window)), ==, 16 << 20);

  activate (window, "example", g_variant_new_string ("memory"));
  activate (window, "run", NULL);
  WAIT_FOR (!running (window), 20000);
  dump_output (window);
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "ran out of memory"));
  g_assert_false (shows (window, GISLE_GTK_TEXT_OUTPUT, "no limit was hit"));

  /* The isle stays usable. */
  repl_enter (window, "'still ' .. 'here'");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_RESULT, "\"still here\""));

  close_window (window);
  g_settings_reset (settings, "memory-limit");
}

static void
test_timeout (void)
{
  g_autoptr(GSettings) settings = g_settings_new (GISLE_CONSOLE_APP_ID);
  GisleConsoleWindow *window = new_window ();
  gint64 start;

  g_settings_set_uint (settings, "timeout", 1);
  gisle_console_window_set_code (window, "while true do end");
  start = g_get_monotonic_time ();
  activate (window, "run", NULL);
  WAIT_FOR (!running (window), 3000);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * 1000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "Timed out after"));

  g_settings_reset (settings, "timeout");
  close_window (window);
}

static void
test_reset (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsle *before;

  repl_enter (window, "kept = 'yes'");
  WAIT_FOR (!running (window), 5000);
  before = gisle_console_window_get_isle (window);

  /* Resetting while a script runs stops it and starts a fresh state. */
  gisle_console_window_set_code (window, "print('started') while true do end");
  activate (window, "run", NULL);
  WAIT_FOR (shows (window, GISLE_GTK_TEXT_OUTPUT, "started"), 5000);
  activate (window, "reset", NULL);
  g_assert_false (running (window));
  g_assert_true (gisle_console_window_get_isle (window) != before);
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "The Lua state was reset."));

  repl_enter (window, "kept");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_RESULT, "nil"));

  close_window (window);
}

static void
test_clear (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkOutput *output = gisle_gtk_console_get_output (gisle_console_window_get_console (window));
  g_autofree char *text = NULL;

  repl_enter (window, "print('some output')");
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_OUTPUT, "some output"));
  activate (window, "clear", NULL);
  text = gisle_gtk_output_get_text (output);
  g_assert_cmpstr (text, ==, "");

  close_window (window);
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static void
test_dialogs (void)
{
  GisleConsoleWindow *window = new_window ();
  g_autoptr(GSettings) settings = g_settings_new (GISLE_CONSOLE_APP_ID);
  GtkWindow *dialog;
  GtkWidget *spin;

  gtk_window_present (GTK_WINDOW (window));
  WAIT_FOR (gtk_window_is_active (GTK_WINDOW (window)) || gtk_widget_get_mapped (GTK_WIDGET (window)), 5000);

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  WAIT_FOR ((dialog = find_toplevel (GTK_TYPE_ABOUT_DIALOG)) != NULL, 5000);
  g_assert_cmpstr (gtk_about_dialog_get_program_name (GTK_ABOUT_DIALOG (dialog)), ==, "GIsle Console");
  gtk_window_destroy (dialog);

  g_action_group_activate_action (G_ACTION_GROUP (window), "show-help-overlay", NULL);
  WAIT_FOR ((dialog = find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW)) != NULL, 5000);
  gtk_window_close (dialog);

  /* Preferences are bound to GSettings, which the window follows. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  WAIT_FOR ((dialog = find_toplevel (GISLE_CONSOLE_TYPE_PREFS)) != NULL, 5000);
  spin = gtk_widget_get_first_child (gtk_window_get_child (dialog));
  while (spin != NULL && !GTK_IS_SPIN_BUTTON (spin))
    spin = gtk_widget_get_next_sibling (spin);
  g_assert_nonnull (spin);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 7);
  g_assert_cmpuint (g_settings_get_uint (settings, "timeout"), ==, 7);
  g_assert_cmpuint (g_isle_get_default_timeout (gisle_console_window_get_isle (window)), ==, 7000);
  gtk_window_destroy (dialog);
  g_settings_reset (settings, "timeout");

  close_window (window);
}

static void
test_files (void)
{
  GisleConsoleWindow *window = new_window ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (gisle_console_window_get_editor (window)));
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *basename = NULL;
  g_autoptr(GFile) file = NULL;
  int fd;

  fd = g_file_open_tmp ("console-XXXXXX.lua", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, "return 'from a file'\n", -1, &error));
  file = g_file_new_for_path (path);

  gisle_console_window_open_file (window, file);
  WAIT_FOR (gtk_text_buffer_get_char_count (buffer) > 0, 5000);
  basename = g_path_get_basename (path);
  g_assert_cmpstr (gisle_console_window_get_heading (window), ==, basename);

  /* Errors name the file. */
  gisle_console_window_set_code (window, "error('in the file')\n");
  activate (window, "run", NULL);
  WAIT_FOR (!running (window), 5000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_ERROR, ":1: in the file"));
  g_assert_cmpint (gisle_gtk_editor_get_error_line (gisle_console_window_get_editor (window)), ==, 1);

  /* Save writes the editor back to the same file. */
  gtk_text_buffer_set_modified (buffer, TRUE);
  activate (window, "save", NULL);
  WAIT_FOR (!gtk_text_buffer_get_modified (buffer), 5000);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_cmpstr (contents, ==, "error('in the file')\n");

  g_unlink (path);
  close_window (window);
}


/* Issue 14: the output did not follow the end (after 60 lines it stopped
 * near line 31, after 500 near 133, "Stopped" stayed hidden after a Stop).
 * Once the main loop is idle, the last line must be in view. */
static gboolean
last_line_visible (GIsleGtkOutput *output,
                   const char     *needle)
{
  GtkTextView *view = gisle_gtk_output_get_view (output);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  GdkRectangle visible;
  GtkTextIter iter;
  int y, height;
  g_autofree char *text = NULL;

  /* Wait for the text, then for the layout to settle. */
  text = gisle_gtk_output_get_text (output);
  if (strstr (text, needle) == NULL)
    return FALSE;
  if (gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj)
      < gtk_adjustment_get_upper (adj) - 1)
    return FALSE;
  gtk_text_buffer_get_end_iter (buffer, &iter);
  gtk_text_iter_backward_line (&iter);   /* the text ends with a newline */
  gtk_text_view_get_visible_rect (view, &visible);
  gtk_text_view_get_line_yrange (view, &iter, &y, &height);
  return y >= visible.y && y + height <= visible.y + visible.height;
}

static void
check_follow (GisleConsoleWindow *window,
              guint               n_lines)
{
  GIsleGtkOutput *output = gisle_gtk_console_get_output (console_of (window));
  g_autofree char *code = g_strdup_printf ("for i = 1, %u do print(i) end return 'done'", n_lines);

  activate (window, "clear", NULL);
  gisle_console_window_set_code (window, code);
  activate (window, "run", NULL);
  WAIT_FOR (!running (window), 20000);
  WAIT_FOR (last_line_visible (output, "Finished in"), 3000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_RESULT, "\"done\""));
}

static void
test_follow_end (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkOutput *output = gisle_gtk_console_get_output (console_of (window));

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  check_follow (window, 60);
  check_follow (window, 500);
  check_follow (window, 200000);

  /* After a flood and a Stop, "Stopped" is in view. */
  activate (window, "clear", NULL);
  gisle_console_window_set_code (window, "while true do print('flood') end");
  activate (window, "run", NULL);
  WAIT_FOR (gisle_gtk_output_get_line_count (output) > 1000, 5000);
  activate (window, "stop", NULL);
  WAIT_FOR (!running (window), 2000);
  WAIT_FOR (last_line_visible (output, "Stopped after"), 3000);

  close_window (window);
}

/* Issue 14: Ctrl+C in the REPL input did nothing while a script ran. */
static void
test_ctrl_c (void)
{
  GisleConsoleWindow *window = new_window ();
  GtkWidget *input = GTK_WIDGET (gisle_gtk_console_get_input_view (console_of (window)));
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (input));
  GtkTextIter start, end;

  /* Nothing runs: Ctrl+C is left to the view (it copies). */
  g_assert_false (press_key (input, GDK_KEY_c, GDK_CONTROL_MASK));

  repl_enter (window, "print('started') while true do end");
  WAIT_FOR (shows (window, GISLE_GTK_TEXT_OUTPUT, "started"), 5000);
  g_assert_true (running (window));

  /* With a selection, Ctrl+C copies and the script goes on. */
  gisle_gtk_console_set_input_text (console_of (window), "some text");
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_select_range (buffer, &start, &end);
  g_assert_false (press_key (input, GDK_KEY_c, GDK_CONTROL_MASK));
  g_assert_true (running (window));

  /* Without one, it stops the script, as in lua.c. */
  gtk_text_buffer_place_cursor (buffer, &end);
  g_assert_true (press_key (input, GDK_KEY_c, GDK_CONTROL_MASK));
  WAIT_FOR (!running (window) && shows (window, GISLE_GTK_TEXT_INFO, "Stopped after"), 1000);

  close_window (window);
}

/* Issue 14: the editor stayed light in dark mode (a fixed scheme). */
static void
test_dark (void)
{
  GtkSettings *settings = gtk_settings_get_default ();
  GisleConsoleWindow *window = new_window ();
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GtkSourceBuffer *buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)));

  GtkSourceBuffer *input = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (gisle_gtk_console_get_input_view (console_of (window)))));

  g_object_set (settings, "gtk-application-prefer-dark-theme", TRUE, NULL);
  g_assert_true (gisle_gtk_editor_get_dark (editor));
  g_assert_cmpstr (gtk_source_style_scheme_get_id (gtk_source_buffer_get_style_scheme (buffer)), ==, "Adwaita-dark");
  /* The REPL input too. */
  g_assert_cmpstr (gtk_source_style_scheme_get_id (gtk_source_buffer_get_style_scheme (input)), ==, "Adwaita-dark");

  g_object_set (settings, "gtk-application-prefer-dark-theme", FALSE, NULL);
  g_assert_false (gisle_gtk_editor_get_dark (editor));
  g_assert_cmpstr (gtk_source_style_scheme_get_id (gtk_source_buffer_get_style_scheme (buffer)), ==, "Adwaita");

  close_window (window);
}

/* Issue 14: the gutter mark had no tooltip, traceback lines could not be
 * clicked, long messages ran off the window. */
static void
test_error_navigation (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GtkSourceBuffer *buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)));
  GIsleGtkOutput *output = gisle_gtk_console_get_output (console_of (window));
  GtkTextBuffer *out_buffer = gtk_text_view_get_buffer (gisle_gtk_output_get_view (output));
  GtkSourceMarkAttributes *attributes;
  g_autoptr(GSList) marks = NULL;
  g_autofree char *tooltip = NULL;
  g_autofree char *text = NULL;
  g_autofree char *chunk = NULL;
  const char *at;
  GtkTextIter iter;
  int priority, line = 0;

  g_assert_cmpint (gtk_text_view_get_wrap_mode (gisle_gtk_output_get_view (output)), ==, GTK_WRAP_WORD_CHAR);

  gisle_console_window_set_code (window,
                                 "local function f(x)\n"
                                 "  return x.field\n"
                                 "end\n"
                                 "\n"
                                 "print(f(nil))\n");
  activate (window, "run", NULL);
  WAIT_FOR (!running (window), 5000);

  /* The gutter mark's tooltip is the error message. */
  marks = gtk_source_buffer_get_source_marks_at_line (buffer, 1, NULL);
  g_assert_nonnull (marks);
  attributes = gtk_source_view_get_mark_attributes (GTK_SOURCE_VIEW (editor),
                                                    gtk_source_mark_get_category (marks->data), &priority);
  tooltip = gtk_source_mark_attributes_get_tooltip_text (attributes, marks->data);
  g_assert_nonnull (tooltip);
  g_assert_nonnull (strstr (tooltip, "attempt to index a nil value"));

  /* "untitled.lua:5:" in the traceback is a link to line 5. */
  text = gisle_gtk_output_get_text (output);
  at = strstr (text, "untitled.lua:5:");
  g_assert_nonnull (at);
  gtk_text_buffer_get_iter_at_offset (out_buffer, &iter, g_utf8_pointer_to_offset (text, at) + 3);
  g_assert_true (gisle_gtk_output_get_location_at (output, &iter, &chunk, &line));
  g_assert_cmpstr (chunk, ==, "untitled.lua");
  g_assert_cmpint (line, ==, 5);
  g_signal_emit_by_name (output, "location-activated", chunk, line);
  gtk_text_buffer_get_iter_at_mark (GTK_TEXT_BUFFER (buffer), &iter,
                                    gtk_text_buffer_get_insert (GTK_TEXT_BUFFER (buffer)));
  g_assert_cmpint (gtk_text_iter_get_line (&iter), ==, 4);

  close_window (window);
}

/* Issue 14: loading an example replaced the script for good, and closing
 * a modified script did not ask. */
static void
test_unsaved (void)
{
  GisleConsoleWindow *window = new_window ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (gisle_console_window_get_editor (window)));
  g_autoptr(GtkWidget) guard = g_object_ref_sink (g_object_ref (GTK_WIDGET (window)));
  GtkDialog *question;
  GtkTextIter start, end;
  g_autofree char *restored = NULL;

  gtk_text_buffer_set_text (buffer, "-- my precious work\n", -1);
  gtk_text_buffer_set_modified (buffer, TRUE);

  /* An example replaces it, and Undo brings it back. */
  activate (window, "example", g_variant_new_string ("runaway"));
  g_assert_true (gtk_text_buffer_get_modified (buffer));
  g_assert_true (gtk_text_buffer_get_can_undo (buffer));
  gtk_text_buffer_undo (buffer);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  restored = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_cmpstr (restored, ==, "-- my precious work\n");
  g_assert_true (gtk_text_buffer_get_modified (buffer));

  /* Closing asks; Cancel keeps the window. */
  gtk_window_close (GTK_WINDOW (window));
  question = gisle_console_window_get_question (window);
  g_assert_nonnull (question);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  gtk_dialog_response (question, GTK_RESPONSE_CANCEL);
  g_assert_null (gisle_console_window_get_question (window));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* Opening another file asks too. */
  activate (window, "open", NULL);
  question = gisle_console_window_get_question (window);
  g_assert_nonnull (question);
  gtk_dialog_response (question, GTK_RESPONSE_CANCEL);
  g_assert_null (gisle_console_window_get_question (window));

  /* Ctrl+Q (app.quit) asks too; Discard closes. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  question = gisle_console_window_get_question (window);
  g_assert_nonnull (question);
  gtk_dialog_response (question, GTK_RESPONSE_ACCEPT);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window)));
}

/* Issue 14: "⏹" showed as a missing glyph with the default fonts. */
static void
test_stop_glyph (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkOutput *output = gisle_gtk_console_get_output (console_of (window));
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean checked = FALSE;

  repl_enter (window, "print('started') while true do end");
  WAIT_FOR (shows (window, GISLE_GTK_TEXT_OUTPUT, "started"), 5000);
  activate (window, "stop", NULL);
  WAIT_FOR (!running (window) && shows (window, GISLE_GTK_TEXT_INFO, "Stopped after"), 1000);

  text = gisle_gtk_output_get_text (output);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "Stopped after") != NULL)
      {
        g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (gisle_gtk_output_get_view (output)), lines[i]);
        g_autoptr(PangoFontDescription) mono = pango_font_description_from_string ("monospace");

        pango_layout_set_font_description (layout, mono);
        g_test_message ("checking the glyphs of “%s”", lines[i]);
        g_assert_cmpint (pango_layout_get_unknown_glyphs_count (layout), ==, 0);
        checked = TRUE;
      }
  g_assert_true (checked);

  close_window (window);
}

/* The header bar's control for an action of the console, e.g.
 * "console.profile". */
static GtkWidget *
find_actionable (GtkWidget  *widget,
                 const char *action_name)
{
  if (GTK_IS_ACTIONABLE (widget)
      && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_actionable (child, action_name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
finished_count (GisleConsoleWindow *window,
                guint               expected)
{
  g_autofree char *text = gisle_gtk_output_get_text (gisle_gtk_console_get_output (console_of (window)));
  guint n = 0;

  for (const char *p = text; (p = strstr (p, "Finished in")) != NULL; p++)
    n++;
  return n >= expected;
}

static gboolean
state_is_on (GActionGroup *group,
             const char   *action)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (group, action);

  return state != NULL && g_variant_get_boolean (state);
}

static gboolean
profiling (GIsleGtkConsole *console)
{
  gboolean on = FALSE;

  g_object_get (console, "profiling", &on, NULL);
  return on;
}

/* Issue 18: the console's profile action reports the hot functions of
 * each chunk that runs while it is on, and nothing once it is off. */
static void
test_profile (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkConsole *console = console_of (window);
  GIsle *isle = gisle_console_window_get_isle (window);
  GActionGroup *actions = gisle_gtk_console_get_actions (console);
  GtkWidget *titlebar = gtk_window_get_titlebar (GTK_WINDOW (window));
  GtkWidget *button = find_actionable (titlebar, "console.profile");

  /* Off by default, and then nothing runs. */
  g_assert_true (g_action_group_has_action (actions, "profile"));
  g_assert_false (state_is_on (actions, "profile"));
  g_assert_false (profiling (console));
  g_assert_false (g_isle_is_profiling (isle));

  /* The window's toggle button, with a name and a tooltip. */
  g_assert_nonnull (button);
  g_assert_true (GTK_IS_TOGGLE_BUTTON (button));
  g_assert_nonnull (gtk_widget_get_tooltip_text (button));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));

  gtk_widget_activate (button);
  WAIT_FOR (profiling (console), 1000);
  WAIT_FOR (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)), 1000);
  g_assert_true (g_isle_is_profiling (isle));

  gisle_console_window_set_code (window,
                                 "local function hot(n) local s = 0 for i = 1, n do s = s + i end return s end\n"
                                 "for i = 1, 1000 do hot(20000) end\n");
  activate (window, "run", NULL);
  WAIT_FOR (!running (window), 20000);
  dump_output (window);
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "Finished in"));
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "Profile: "));
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, " samples at 1000 Hz"));
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "%  hot@untitled.lua:1"));
  /* The profiler stopped with the chunk; the action stays on. */
  g_assert_false (g_isle_is_profiling (isle));
  g_assert_true (profiling (console));

  /* The next chunk, from the REPL, is profiled too. */
  gisle_gtk_console_clear (console);
  repl_enter (window, "for i = 1, 200 do string.rep('x', 1000) end");
  WAIT_FOR (!running (window), 20000);
  g_assert_true (shows (window, GISLE_GTK_TEXT_INFO, "Profile: "));
  g_assert_false (g_isle_is_profiling (isle));

  /* Off: no report, and no profiler. */
  g_action_group_change_action_state (actions, "profile", g_variant_new_boolean (FALSE));
  WAIT_FOR (!gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)), 1000);
  g_assert_false (profiling (console));
  gisle_gtk_console_clear (console);
  activate (window, "run", NULL);
  g_assert_false (g_isle_is_profiling (isle));
  WAIT_FOR (!running (window) && finished_count (window, 1), 20000);
  dump_output (window);
  g_assert_false (shows (window, GISLE_GTK_TEXT_INFO, "Profile: "));
  g_assert_false (shows (window, GISLE_GTK_TEXT_INFO, "hot@"));

  /* On while a chunk runs: it is measured from then on; off while it
   * runs drops the measurement. */
  gisle_gtk_console_clear (console);
  repl_enter (window, "while true do end");
  g_action_group_activate_action (actions, "profile", NULL);
  g_assert_true (g_isle_is_profiling (isle));
  g_action_group_activate_action (actions, "profile", NULL);
  g_assert_false (g_isle_is_profiling (isle));
  g_assert_false (profiling (console));
  activate (window, "stop", NULL);
  WAIT_FOR (!running (window) && shows (window, GISLE_GTK_TEXT_INFO, "Stopped after"), 5000);
  g_assert_false (shows (window, GISLE_GTK_TEXT_INFO, "Profile: "));

  /* Someone else's profiler on the isle: the console says so, stays off. */
  g_assert_true (g_isle_profile_start (isle, 0, NULL));
  g_action_group_activate_action (actions, "profile", NULL);
  g_assert_false (profiling (console));
  g_assert_false (state_is_on (actions, "profile"));
  g_assert_true (shows (window, GISLE_GTK_TEXT_WARNING, "Could not start the profiler"));
  g_assert_true (g_isle_is_profiling (isle));
  g_variant_unref (g_isle_profile_stop (isle, NULL));

  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  /* A skip would pass unnoticed: without a display, fail. */
  if (!gtk_init_check ())
    {
      g_printerr ("Bail out! No display: run the UI tests under xvfb-run\n");
      return 1;
    }

  app = gisle_console_app_new (G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, NULL))
    g_error ("could not register the application");
  g_application_hold (G_APPLICATION (app));
  g_timeout_add (5, tick_cb, NULL);

  g_test_add_func ("/console/run-result", test_run_result);
  g_test_add_func ("/console/repl", test_repl);
  g_test_add_func ("/console/completion", test_completion);
  g_test_add_func ("/console/stop-loop", test_stop_loop);
  g_test_add_func ("/console/stop-pcall", test_stop_pcall);
  g_test_add_func ("/console/stop-coroutine", test_stop_coroutine);
  g_test_add_func ("/console/flood", test_flood);
  g_test_add_func ("/console/stop-drops-queued-output", test_stop_drops_queued_output);
  g_test_add_func ("/console/history", test_history);
  g_test_add_func ("/console/error-line", test_error_line);
  g_test_add_func ("/console/examples", test_examples);
  g_test_add_func ("/console/exposed-objects", test_exposed_objects);
  g_test_add_func ("/console/memory-limit", test_memory_limit);
  g_test_add_func ("/console/timeout", test_timeout);
  g_test_add_func ("/console/reset", test_reset);
  g_test_add_func ("/console/clear", test_clear);
  g_test_add_func ("/console/dialogs", test_dialogs);
  g_test_add_func ("/console/files", test_files);
  g_test_add_func ("/console/editor-completion", test_editor_completion);
  g_test_add_func ("/console/follow-end", test_follow_end);
  g_test_add_func ("/console/ctrl-c", test_ctrl_c);
  g_test_add_func ("/console/dark", test_dark);
  g_test_add_func ("/console/error-navigation", test_error_navigation);
  g_test_add_func ("/console/unsaved", test_unsaved);
  g_test_add_func ("/console/stop-glyph", test_stop_glyph);
  g_test_add_func ("/console/profile", test_profile);

  status = g_test_run ();
  g_application_release (G_APPLICATION (app));
  g_object_unref (app);
  return status;
}
