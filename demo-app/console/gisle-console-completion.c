/* gisle-console-completion.c: Tab completion answered by the isle.
 *
 * The console knows nothing about Lua values, so it asks the isle: the
 * __console_complete() helper from console.lua walks the globals (and the
 * tables named before the last dot or colon) and returns matching names.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "gisle-console-completion.h"

static void
call_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) ret = NULL;
  g_autoptr(GError) error = NULL;
  const char *joined = "";

  ret = g_isle_call_full_finish (G_ISLE (source), result, &error);
  if (ret == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_variant_is_of_type (ret, G_VARIANT_TYPE ("(s)")))
    g_variant_get (ret, "(&s)", &joined);
  g_task_return_pointer (task,
                         *joined != '\0' ? g_strsplit (joined, "\n", -1) : g_new0 (char *, 1),
                         (GDestroyNotify) g_strfreev);
}

/**
 * gisle_console_completion_async:
 * @isle: the isle to ask
 * @text: the input up to the cursor
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the sorted names that complete @text
 * @user_data: data for @callback
 *
 * Asks @isle which names complete the expression at the end of @text.
 */
void
gisle_console_completion_async (GIsle               *isle,
                                const char          *text,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (G_IS_ISLE (isle));
  g_return_if_fail (text != NULL);

  task = g_task_new (isle, cancellable, callback, user_data);
  g_task_set_source_tag (task, gisle_console_completion_async);
  /* A short timeout: completion must never hang the REPL. */
  g_isle_call_full_async (isle, "__console_complete", g_variant_new ("(s)", text),
                          2000, cancellable, call_cb, task);
}

/**
 * gisle_console_completion_finish:
 * @result: the #GAsyncResult
 * @error: return location for an error
 *
 * Returns: (transfer full): the names, possibly none, or %NULL on error
 */
GStrv
gisle_console_completion_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gisle_console_completion_word:
 * @text: the input up to the cursor
 *
 * Returns: (transfer full): the identifier being typed at the end of @text,
 *   which completions replace; possibly empty
 */
char *
gisle_console_completion_word (const char *text)
{
  const char *end = text + strlen (text);
  const char *p = end;

  while (p > text && (g_ascii_isalnum (p[-1]) || p[-1] == '_'))
    p--;
  return g_strndup (p, end - p);
}

/**
 * gisle_console_completion_common_prefix:
 * @names: a %NULL-terminated list of names
 *
 * Returns: (transfer full): the longest prefix that all @names share
 */
char *
gisle_console_completion_common_prefix (const char * const *names)
{
  gsize len;

  if (names == NULL || names[0] == NULL)
    return g_strdup ("");

  len = strlen (names[0]);
  for (guint i = 1; names[i] != NULL; i++)
    {
      gsize j = 0;

      while (j < len && names[i][j] == names[0][j])
        j++;
      len = j;
    }
  return g_strndup (names[0], len);
}
