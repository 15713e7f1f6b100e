/* console.c: a GTK window with a counter of its own and a docked Lua
 * console whose scripts call count(n), a host function that changes it.
 * Build: cc console.c $(pkg-config --cflags --libs gisle-gtk-1)
 * GISLE_EXAMPLE_SCRIPT=code runs code in the console, prints the counter
 * and quits (how CI checks this example). */
#include <gisle-gtk.h>

static int counter;

static GVariant *
count (GIsle *isle, GVariant *args, GCancellable *cancellable, gpointer label, GError **error)
{
  g_autofree char *text = NULL;
  gint64 n = 1;

  if (g_variant_n_children (args) > 0)
    g_variant_get_child (args, 0, "x", &n);  /* Lua integers arrive as "x" */
  counter += n;
  text = g_strdup_printf ("Count: %d", counter);
  gtk_label_set_label (label, text);        /* in the main context */
  return g_variant_new_int64 (counter);
}

static void
finished (GIsleGtkConsole *console, gboolean success, GtkLabel *label)
{
  g_print ("%s\n", gtk_label_get_label (label));
  g_application_quit (g_application_get_default ());
}

static void
activate (GtkApplication *app, gpointer data)
{
  GtkWidget *window = gtk_application_window_new (app);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new ("Count: 0");
  GtkWidget *stop = gtk_button_new_with_label ("Stop");
  g_autoptr(GIsle) isle = g_isle_new (NULL, NULL);
  GtkWidget *console;
  const char *script = g_getenv ("GISLE_EXAMPLE_SCRIPT");

  g_isle_add_function (isle, "count", count, label, NULL);
  console = gisle_gtk_console_new (isle);
  gtk_widget_set_vexpand (console, TRUE);
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), console);

  /* The console's actions (run, stop, clear) in the window's header bar. */
  gtk_widget_insert_action_group (window, "console",
                                  gisle_gtk_console_get_actions (GISLE_GTK_CONSOLE (console)));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (stop), "console.stop");
  gtk_window_set_titlebar (GTK_WINDOW (window), gtk_header_bar_new ());
  gtk_header_bar_pack_start (GTK_HEADER_BAR (gtk_window_get_titlebar (GTK_WINDOW (window))), stop);

  gtk_window_set_title (GTK_WINDOW (window), "Counter");
  gtk_window_set_default_size (GTK_WINDOW (window), 600, 400);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_grab_focus (console);

  if (script != NULL)
    {
      g_signal_connect (console, "finished", G_CALLBACK (finished), label);
      gisle_gtk_console_set_input_text (GISLE_GTK_CONSOLE (console), script);
      gisle_gtk_console_submit_input (GISLE_GTK_CONSOLE (console));
    }
}

int
main (int argc, char *argv[])
{
  g_autoptr(GtkApplication) app = gtk_application_new ("org.example.Counter",
                                                       G_APPLICATION_NON_UNIQUE);

  g_signal_connect (app, "activate", G_CALLBACK (activate), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
