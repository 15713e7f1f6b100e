/* test-console-debug.c: the console's profile and debug flows, as the user
 * sees them: the heat margin and the function table after a profiled run,
 * breakpoints toggled in the editor's gutter, the debug actions and keys,
 * the paused line, the stack, the variables and the watches.
 *
 * Like test-console.c: a real window of the real application in a real X
 * server, driven through its actions, iterating the main context until
 * the expected state is reached, failing after a deadline; nothing
 * sleeps. Run under xvfb-run and dbus-run-session (tests/ui/meson.build).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "gisle-console-app.h"
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
  GisleConsoleWindow *window = gisle_console_window_new (GTK_APPLICATION (app),
                                                         gisle_console_app_get_settings (app));

  gtk_window_present (GTK_WINDOW (window));
  return window;
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

/* Finds the first descendant of @widget of @type. */
static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static const char *
row_label (GListModel *model,
           guint       position)
{
  g_autoptr(GIsleGtkProfileFunction) fn = g_list_model_get_item (model, position);

  g_assert_nonnull (fn);
  /* The model holds the row, so the label outlives this reference. */
  return gisle_gtk_profile_function_get_label (fn);
}

#define HOT_SCRIPT                                                         \
  "local function hot(n)\n"                                                \
  "  local s = 0\n"                                                        \
  "  for i = 1, n do s = s + i end\n"                                      \
  "  return s\n"                                                           \
  "end\n"                                                                  \
  "local function warm(n)\n"                                               \
  "  local t = {}\n"                                                       \
  "  for i = 1, n do t[i] = i end\n"                                       \
  "  return #t\n"                                                          \
  "end\n"                                                                  \
  "for i = 1, 400 do hot(20000) end\n"                                     \
  "for i = 1, 10 do warm(10000) end\n"

/* Profile runs the script with the profiler: the hottest line carries
 * the most heat in the editor's margin, and the side panel's table,
 * sorted by self samples, starts with the hot function. */
static void
test_profile_heat (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkConsole *console = console_of (window);
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GtkWidget *view_widget = find_widget (GTK_WIDGET (window), GISLE_GTK_TYPE_PROFILE_VIEW);
  GIsleGtkProfileView *view;
  GListModel *model;
  GtkColumnView *columns;
  g_autoptr(GListModel) column_list = NULL;
  g_autoptr(GtkColumnViewColumn) function_column = NULL;
  g_autoptr(GtkColumnViewColumn) self_column = NULL;
  g_autoptr(GtkColumnViewColumn) total_column = NULL;
  double hottest = 0, sum = 0;
  int hottest_line = -1;

  g_assert_nonnull (view_widget);
  view = GISLE_GTK_PROFILE_VIEW (view_widget);
  model = gisle_gtk_profile_view_get_model (view);

  /* Nothing before a profiled run: no heat, an empty table, no panel. */
  g_assert_cmpfloat (gisle_gtk_editor_get_line_heat (editor, 3), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_false (gtk_widget_is_visible (view_widget));

  g_action_group_activate_action (gisle_gtk_console_get_actions (console), "profile", NULL);
  gisle_console_window_set_code (window, HOT_SCRIPT);
  g_action_group_activate_action (G_ACTION_GROUP (window), "run", NULL);
  WAIT_FOR (!running (window) && gisle_gtk_console_get_profile (console) != NULL, 30000);

  /* The heat margin: line 3, the hot loop, has the most. */
  for (int line = 1; line <= 13; line++)
    {
      double heat = gisle_gtk_editor_get_line_heat (editor, line);

      g_assert_cmpfloat (heat, >=, 0);
      sum += heat;
      if (heat > hottest)
        hottest = heat, hottest_line = line;
    }
  g_test_message ("hottest line %d with %.1f %% of the samples", hottest_line, 100 * hottest);
  g_assert_cmpint (hottest_line, ==, 3);
  g_assert_cmpfloat (hottest, >, 0.5);
  g_assert_cmpfloat (sum, <=, 1.0 + 1e-9);
  g_assert_cmpfloat (gisle_gtk_editor_get_line_heat (editor, 5), ==, 0);   /* "end" */

  /* The table, shown in the side panel, sorted by self samples. */
  WAIT_FOR (gtk_widget_is_visible (view_widget), 1000);
  g_assert_true (gisle_gtk_profile_view_get_profile (view) == gisle_gtk_console_get_profile (console));
  g_assert_cmpuint (g_list_model_get_n_items (model), >=, 2);
  g_assert_cmpstr (row_label (model, 0), ==, "hot@untitled.lua:1");

  /* Sorted by total samples, the main chunk, on every stack, comes first;
   * by name, ascending, "(main)" sorts before letters. */
  columns = gisle_gtk_profile_view_get_column_view (view);
  column_list = G_LIST_MODEL (g_object_ref (gtk_column_view_get_columns (columns)));
  g_assert_cmpuint (g_list_model_get_n_items (column_list), ==, 3);
  function_column = g_list_model_get_item (column_list, 0);
  self_column = g_list_model_get_item (column_list, 1);
  total_column = g_list_model_get_item (column_list, 2);
  g_assert_cmpstr (gtk_column_view_column_get_title (self_column), ==, "Self");
  g_assert_cmpstr (gtk_column_view_column_get_title (total_column), ==, "Total");
  gtk_column_view_sort_by_column (columns, total_column, GTK_SORT_DESCENDING);
  g_assert_cmpstr (row_label (model, 0), ==, "(main)@untitled.lua:0");
  gtk_column_view_sort_by_column (columns, self_column, GTK_SORT_ASCENDING);
  g_assert_cmpstr (row_label (model, g_list_model_get_n_items (model) - 1), ==, "hot@untitled.lua:1");
  gtk_column_view_sort_by_column (columns, self_column, GTK_SORT_DESCENDING);
  g_assert_cmpstr (row_label (model, 0), ==, "hot@untitled.lua:1");

  /* Editing the script drops the heat: the lines have moved. */
  gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)), "\n", 1);
  g_assert_cmpfloat (gisle_gtk_editor_get_line_heat (editor, 3), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A script that is not the editor's text leaves the margin alone. */
static void
test_profile_other_script (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkConsole *console = console_of (window);
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);

  gisle_console_window_set_code (window, HOT_SCRIPT);
  g_action_group_activate_action (gisle_gtk_console_get_actions (console), "profile", NULL);
  g_assert_true (gisle_gtk_console_run_script (console, HOT_SCRIPT "-- elsewhere\n", "untitled.lua"));
  WAIT_FOR (!running (window) && gisle_gtk_console_get_profile (console) != NULL, 30000);
  for (int line = 1; line <= 13; line++)
    g_assert_cmpfloat (gisle_gtk_editor_get_line_heat (editor, line), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static gsize
breakpoints (GIsleGtkEditor *editor,
             int             expected[],
             gsize           n_expected)
{
  gsize n = 0;
  g_autofree int *lines = gisle_gtk_editor_get_breakpoints (editor, &n);

  g_assert_cmpmem (lines, n * sizeof (int), expected, n_expected * sizeof (int));
  return n;
}

static void
count_cb (GIsleGtkEditor *editor,
          gpointer        user_data)
{
  (*(guint *) user_data)++;
}

/* Clicking the gutter toggles a breakpoint; the editor tells which lines
 * have one, and the marks move with the text. */
static void
test_breakpoints (void)
{
  GisleConsoleWindow *window = new_window ();
  GIsleGtkEditor *editor = gisle_console_window_get_editor (window);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor));
  GtkTextIter iter;
  guint changes = 0;

  gisle_console_window_set_code (window, "local a = 1\nlocal b = 2\nlocal c = 3\nreturn a + b + c\n");
  g_signal_connect (editor, "breakpoints-changed", G_CALLBACK (count_cb), &changes);
  breakpoints (editor, NULL, 0);

  /* A click in the gutter beside line 2, as GtkSourceView reports it. */
  gtk_text_buffer_get_iter_at_line (buffer, &iter, 1);
  g_signal_emit_by_name (editor, "line-mark-activated", &iter, GDK_BUTTON_PRIMARY, 0, 1);
  breakpoints (editor, (int []) { 2 }, 1);
  g_assert_cmpuint (changes, ==, 1);
  /* A second click removes it; other buttons do nothing. */
  g_signal_emit_by_name (editor, "line-mark-activated", &iter, GDK_BUTTON_SECONDARY, 0, 1);
  breakpoints (editor, (int []) { 2 }, 1);
  g_signal_emit_by_name (editor, "line-mark-activated", &iter, GDK_BUTTON_PRIMARY, 0, 1);
  breakpoints (editor, NULL, 0);
  g_assert_cmpuint (changes, ==, 2);

  g_assert_true (gisle_gtk_editor_toggle_breakpoint (editor, 3));
  gisle_gtk_editor_set_breakpoint (editor, 1, TRUE);
  gisle_gtk_editor_set_breakpoint (editor, 1, TRUE);   /* no change */
  gisle_gtk_editor_set_breakpoint (editor, 99, TRUE);  /* out of range */
  breakpoints (editor, (int []) { 1, 3 }, 2);
  g_assert_cmpuint (changes, ==, 4);

  /* A line inserted at the top moves them down with their code. */
  gtk_text_buffer_get_start_iter (buffer, &iter);
  gtk_text_buffer_insert (buffer, &iter, "-- a comment\n", -1);
  breakpoints (editor, (int []) { 2, 4 }, 2);

  gisle_gtk_editor_clear_breakpoints (editor);
  breakpoints (editor, NULL, 0);
  g_assert_cmpuint (changes, ==, 5);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  /* These tests need a display; they are run under xvfb-run only, and
   * fail (rather than skip) without one. */
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

  g_test_add_func ("/console-debug/profile-heat", test_profile_heat);
  g_test_add_func ("/console-debug/profile-other-script", test_profile_other_script);
  g_test_add_func ("/console-debug/breakpoints", test_breakpoints);

  status = g_test_run ();
  g_application_release (G_APPLICATION (app));
  g_object_unref (app);
  return status;
}
