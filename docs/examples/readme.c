/* readme.c: the C example of README.md, kept identical to it by the
 * readme-example test. SPDX-License-Identifier: LGPL-2.1-or-later */
#include <gisle.h>

static void
on_output (GIsle *isle, guint64 job, GIsleStream stream, const char *text, gpointer data)
{
  g_print ("%s", text);              /* in the main context, never on the worker */
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer loop)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) values = g_isle_eval_finish (G_ISLE (source), result, &error);

  if (values != NULL)
    {
      gint64 fib;

      g_variant_get (values, "(x)", &fib);              /* one integer result */
      g_print ("returned (%" G_GINT64_FORMAT ",)\n", fib);   /* (55,) */
    }
  else
    {
      /* Syntax and runtime errors say where, as data: */
      GIsleErrorInfo *info = g_isle_error_get_info (error);

      if (info != NULL)
        g_printerr ("line %d of %s: ", g_isle_error_info_get_line (info),
                    g_isle_error_info_get_chunk (info));
      g_printerr ("%s\n", error->message);   /* runtime errors add a traceback */
    }
  g_main_loop_quit (loop);
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) stop = g_cancellable_new ();   /* your Stop button */
  g_autoptr(GIsle) isle = g_isle_new (NULL, NULL);

  g_signal_connect (isle, "output", G_CALLBACK (on_output), NULL);
  g_isle_eval_async (isle,
                     "local a, b = 0, 1\n"
                     "for i = 1, 10 do a, b = b, a + b end\n"
                     "print('fib(10) is', a) return a",
                     stop, on_done, loop);
  g_main_loop_run (loop);
  g_isle_close (isle, NULL, NULL);   /* waits for the thread to end */
  return 0;
}
