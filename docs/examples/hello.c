/* hello.c: a first GIsle program in C.
 *
 * Creates an isle, shows its output, runs a chunk, calls a Lua function
 * with arguments, gives the script a host function, stops a runaway loop
 * with a GCancellable, and closes the isle. hello.py and hello.js are the
 * same program in Python and JavaScript.
 *
 * Build: cc hello.c $(pkg-config --cflags --libs gisle-1) -o hello
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

/* Output the script writes arrives here, in the main context, in order. */
static void
on_output (GIsle       *isle,
           guint64      job_id,
           GIsleStream  stream,
           const char  *text,
           gpointer     user_data)
{
  g_print ("%s%s", stream == G_ISLE_STREAM_STDOUT ? "" : "[stderr] ", text);
}

/* A host function: runs in the main context while the script waits. */
static GVariant *
greet (GIsle         *isle,
       GVariant      *args,
       GCancellable  *cancellable,
       gpointer       user_data,
       GError       **error)
{
  const char *name;

  if (!g_variant_check_format_string (args, "(&s)", FALSE))
    {
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                           "greet() wants one string");
      return NULL;
    }
  g_variant_get (args, "(&s)", &name);
  return g_variant_new_take_string (g_strdup_printf ("Hello, %s!", name));
}

/* Async calls complete in the main context. This example waits for each
 * one in turn by iterating the context; an application just lets its main
 * loop run and handles the result in the callback. */
static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

/* Scripts can send events with isle.emit(name, value). Here the event
 * stands in for a user who presses a Stop button: it cancels the job. */
static void
on_looping (GIsle      *isle,
            const char *name,
            GVariant   *value,
            gpointer    user_data)
{
  g_print ("The script is looping; pressing Stop.\n");
  g_cancellable_cancel (user_data);
}

int
main (void)
{
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GCancellable) stop = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  gint64 number;

  /* 1. Create an isle: a Lua state on its own thread. */
  isle = g_isle_new (NULL, &error);
  if (isle == NULL)
    g_error ("Could not start Lua: %s", error->message);

  /* 2. Capture what scripts print. */
  g_signal_connect (isle, "output", G_CALLBACK (on_output), NULL);

  /* 3. Run a chunk; it defines a function and returns a value. */
  g_isle_eval_async (isle,
                     "print('Hello from ' .. _VERSION)\n"
                     "function add(a, b) return a + b end\n"
                     "return 6 * 7",
                     NULL, store_result, &result);
  value = g_isle_eval_finish (isle, wait_for (&result), &error);
  g_clear_object (&result);
  if (value == NULL)
    g_error ("eval: %s", error->message);
  g_variant_get (value, "(x)", &number);
  g_print ("The chunk returned %" G_GINT64_FORMAT "\n", number);
  g_clear_pointer (&value, g_variant_unref);

  /* 4. Call a Lua function with arguments (a tuple). */
  g_isle_call_async (isle, "add", g_variant_new ("(xx)", (gint64) 2, (gint64) 40),
                     NULL, store_result, &result);
  value = g_isle_call_finish (isle, wait_for (&result), &error);
  g_clear_object (&result);
  if (value == NULL)
    g_error ("call: %s", error->message);
  g_variant_get (value, "(x)", &number);
  g_print ("add(2, 40) = %" G_GINT64_FORMAT "\n", number);
  g_clear_pointer (&value, g_variant_unref);

  /* 5. Give scripts a host function. */
  g_isle_add_function (isle, "greet", greet, NULL, NULL);
  g_isle_eval_async (isle, "print(greet('world'))", NULL, store_result, &result);
  value = g_isle_eval_finish (isle, wait_for (&result), &error);
  g_clear_object (&result);
  if (value == NULL)
    g_error ("greet: %s", error->message);
  g_clear_pointer (&value, g_variant_unref);

  /* 6. Stop a runaway loop with a cancellable. */
  stop = g_cancellable_new ();
  g_signal_connect (isle, "event::looping", G_CALLBACK (on_looping), stop);
  g_isle_eval_async (isle, "isle.emit('looping') while true do end",
                     stop, store_result, &result);
  value = g_isle_eval_finish (isle, wait_for (&result), &error);
  g_clear_object (&result);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_error ("the loop was not cancelled");
  g_print ("Stopped: %s\n", error->message);
  g_clear_error (&error);

  /* 7. Close: the thread ends and the Lua state is freed. */
  g_isle_close_async (isle, NULL, store_result, &result);
  if (!g_isle_close_finish (isle, wait_for (&result), &error))
    g_error ("close: %s", error->message);
  g_clear_object (&result);
  g_print ("Closed.\n");
  return 0;
}
