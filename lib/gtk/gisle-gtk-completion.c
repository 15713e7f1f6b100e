/* gisle-gtk-completion.c: completion answered by the isle.
 *
 * The console knows nothing about Lua values, so it asks the isle: the
 * __console_complete() helper from console.lua walks the globals (and the
 * tables named before the last dot or colon) and returns matching names.
 *
 * Floor 1 of lib/gtk: calls only gisle-gtk-support.c.
 * Thread rule: main thread only; the isle answers through its own
 * main-context delivery.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "gisle-gtk-private.h"

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

/*
 * gisle_gtk_completion_async:
 * @isle: the isle to ask
 * @text: the input up to the cursor
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the sorted names that complete @text
 * @user_data: data for @callback
 *
 * Asks @isle which names complete the expression at the end of @text.
 */
void
gisle_gtk_completion_async (GIsle               *isle,
                                const char          *text,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (G_IS_ISLE (isle));
  g_return_if_fail (text != NULL);

  task = g_task_new (isle, cancellable, callback, user_data);
  g_task_set_source_tag (task, gisle_gtk_completion_async);
  /* A short timeout: completion must never hang the REPL. */
  g_isle_call_full_async (isle, "__console_complete", g_variant_new ("(s)", text),
                          2000, cancellable, call_cb, task);
}

/*
 * gisle_gtk_completion_finish:
 * @result: the #GAsyncResult
 * @error: return location for an error
 *
 * Returns: (transfer full): the names, possibly none, or %NULL on error
 */
GStrv
gisle_gtk_completion_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/*
 * gisle_gtk_completion_word:
 * @text: the input up to the cursor
 *
 * Returns: (transfer full): the identifier being typed at the end of @text,
 *   which completions replace; possibly empty
 */
char *
gisle_gtk_completion_word (const char *text)
{
  const char *end = text + strlen (text);
  const char *p = end;

  while (p > text && (g_ascii_isalnum (p[-1]) || p[-1] == '_'))
    p--;
  return g_strndup (p, end - p);
}

/*
 * gisle_gtk_completion_common_prefix:
 * @names: a %NULL-terminated list of names
 *
 * Returns: (transfer full): the longest prefix that all @names share
 */
char *
gisle_gtk_completion_common_prefix (const char * const *names)
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

/* A proposal: one name. */

#define PROPOSAL_TYPE (proposal_get_type ())
G_DECLARE_FINAL_TYPE (Proposal, proposal, GISLE_GTK, PROPOSAL, GObject)

struct _Proposal {
  GObject parent_instance;
  char *name;
};

static void proposal_iface_init (GtkSourceCompletionProposalInterface *iface) {}

G_DEFINE_FINAL_TYPE_WITH_CODE (Proposal, proposal, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GTK_SOURCE_TYPE_COMPLETION_PROPOSAL,
                                                      proposal_iface_init))

static void
proposal_finalize (GObject *object)
{
  g_free (GISLE_GTK_PROPOSAL (object)->name);
  G_OBJECT_CLASS (proposal_parent_class)->finalize (object);
}

static void
proposal_class_init (ProposalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = proposal_finalize;
}

static void
proposal_init (Proposal *self)
{
}

static Proposal *
proposal_new (const char *name)
{
  Proposal *self = g_object_new (PROPOSAL_TYPE, NULL);

  self->name = g_strdup (name);
  return self;
}

/**
 * GIsleGtkCompletionProvider:
 *
 * A [iface@GtkSource.CompletionProvider] that asks an isle which names
 * complete the expression before the cursor: globals, fields of the
 * tables named before a dot, methods after a colon. Add it to any
 * [class@GtkSource.View]'s completion; [class@GIsleGtk.Editor] and the
 * REPL input of [class@GIsleGtk.Console] use it.
 *
 * The isle answers between jobs: while a script runs, completion waits
 * for it (at most two seconds, then gives up).
 */
struct _GIsleGtkCompletionProvider {
  GObject parent_instance;

  GIsle *isle;
};

enum {
  PROP_0,
  PROP_ISLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void provider_iface_init (GtkSourceCompletionProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GIsleGtkCompletionProvider, gisle_gtk_completion_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GTK_SOURCE_TYPE_COMPLETION_PROVIDER,
                                                      provider_iface_init))

static void
populate_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = gisle_gtk_completion_finish (result, &error);
  GListStore *store;

  if (names == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  store = g_list_store_new (GTK_SOURCE_TYPE_COMPLETION_PROPOSAL);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(Proposal) proposal = proposal_new (names[i]);
      g_list_store_append (store, proposal);
    }
  g_task_return_pointer (task, store, g_object_unref);
}

static void
provider_populate_async (GtkSourceCompletionProvider *provider,
                         GtkSourceCompletionContext  *context,
                         GCancellable                *cancellable,
                         GAsyncReadyCallback          callback,
                         gpointer                     user_data)
{
  GIsleGtkCompletionProvider *self = GISLE_GTK_COMPLETION_PROVIDER (provider);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GtkTextIter begin, end, line_start;
  g_autofree char *before = NULL;

  g_task_set_source_tag (task, provider_populate_async);
  if (self->isle == NULL)
    {
      g_task_return_pointer (task, g_list_store_new (GTK_SOURCE_TYPE_COMPLETION_PROPOSAL),
                             g_object_unref);
      return;
    }
  gtk_source_completion_context_get_bounds (context, &begin, &end);
  line_start = end;
  gtk_text_iter_set_line_offset (&line_start, 0);
  before = gtk_text_iter_get_text (&line_start, &end);
  gisle_gtk_completion_async (self->isle, before, cancellable, populate_cb,
                              g_steal_pointer (&task));
}

static GListModel *
provider_populate_finish (GtkSourceCompletionProvider  *provider,
                          GAsyncResult                 *result,
                          GError                      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
filter_cb (gpointer item,
           gpointer user_data)
{
  return g_str_has_prefix (GISLE_GTK_PROPOSAL (item)->name, user_data);
}

static void
provider_refilter (GtkSourceCompletionProvider *provider,
                   GtkSourceCompletionContext  *context,
                   GListModel                  *model)
{
  g_autofree char *word = gtk_source_completion_context_get_word (context);
  GtkFilter *filter;

  if (!GTK_IS_FILTER_LIST_MODEL (model))
    return;
  filter = GTK_FILTER (gtk_custom_filter_new (filter_cb, g_steal_pointer (&word), g_free));
  gtk_filter_list_model_set_filter (GTK_FILTER_LIST_MODEL (model), filter);
  g_object_unref (filter);
}

static void
provider_display (GtkSourceCompletionProvider *provider,
                  GtkSourceCompletionContext  *context,
                  GtkSourceCompletionProposal *proposal,
                  GtkSourceCompletionCell     *cell)
{
  if (gtk_source_completion_cell_get_column (cell) == GTK_SOURCE_COMPLETION_COLUMN_TYPED_TEXT)
    gtk_source_completion_cell_set_text (cell, GISLE_GTK_PROPOSAL (proposal)->name);
  else
    gtk_source_completion_cell_set_text (cell, NULL);
}

static void
provider_activate (GtkSourceCompletionProvider *provider,
                   GtkSourceCompletionContext  *context,
                   GtkSourceCompletionProposal *proposal)
{
  GtkTextBuffer *buffer = GTK_TEXT_BUFFER (gtk_source_completion_context_get_buffer (context));
  GtkTextIter begin, end;

  gtk_source_completion_context_get_bounds (context, &begin, &end);
  gtk_text_buffer_begin_user_action (buffer);
  gtk_text_buffer_delete (buffer, &begin, &end);
  gtk_text_buffer_insert (buffer, &begin, GISLE_GTK_PROPOSAL (proposal)->name, -1);
  gtk_text_buffer_end_user_action (buffer);
}

static gboolean
provider_is_trigger (GtkSourceCompletionProvider *provider,
                     const GtkTextIter           *iter,
                     gunichar                     ch)
{
  return ch == '.' || ch == ':';
}

static char *
provider_get_title (GtkSourceCompletionProvider *provider)
{
  return g_strdup (_("Lua"));
}

static void
provider_iface_init (GtkSourceCompletionProviderInterface *iface)
{
  iface->populate_async = provider_populate_async;
  iface->populate_finish = provider_populate_finish;
  iface->refilter = provider_refilter;
  iface->display = provider_display;
  iface->activate = provider_activate;
  iface->is_trigger = provider_is_trigger;
  iface->get_title = provider_get_title;
}

static void
gisle_gtk_completion_provider_get_property (GObject    *object,
                                            guint       prop_id,
                                            GValue     *value,
                                            GParamSpec *pspec)
{
  GIsleGtkCompletionProvider *self = GISLE_GTK_COMPLETION_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_ISLE:
      g_value_set_object (value, self->isle);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_completion_provider_set_property (GObject      *object,
                                            guint         prop_id,
                                            const GValue *value,
                                            GParamSpec   *pspec)
{
  GIsleGtkCompletionProvider *self = GISLE_GTK_COMPLETION_PROVIDER (object);

  switch (prop_id)
    {
    case PROP_ISLE:
      gisle_gtk_completion_provider_set_isle (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_completion_provider_dispose (GObject *object)
{
  g_clear_object (&GISLE_GTK_COMPLETION_PROVIDER (object)->isle);

  G_OBJECT_CLASS (gisle_gtk_completion_provider_parent_class)->dispose (object);
}

static void
gisle_gtk_completion_provider_class_init (GIsleGtkCompletionProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = gisle_gtk_completion_provider_get_property;
  object_class->set_property = gisle_gtk_completion_provider_set_property;
  object_class->dispose = gisle_gtk_completion_provider_dispose;

  /**
   * GIsleGtkCompletionProvider:isle:
   *
   * The isle asked for completions; none means no proposals.
   */
  properties[PROP_ISLE] =
    g_param_spec_object ("isle", "Isle", "The isle asked for completions", G_TYPE_ISLE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gisle_gtk_completion_provider_init (GIsleGtkCompletionProvider *self)
{
}

/**
 * gisle_gtk_completion_provider_new:
 * @isle: (nullable): the isle to ask
 *
 * Creates a completion provider; add it to a source view with
 * gtk_source_completion_add_provider().
 *
 * Returns: (transfer full): a new completion provider
 */
GIsleGtkCompletionProvider *
gisle_gtk_completion_provider_new (GIsle *isle)
{
  g_return_val_if_fail (isle == NULL || G_IS_ISLE (isle), NULL);

  return g_object_new (GISLE_GTK_TYPE_COMPLETION_PROVIDER, "isle", isle, NULL);
}

/**
 * gisle_gtk_completion_provider_get_isle:
 * @self: a completion provider
 *
 * Gets the isle asked for completions.
 *
 * Returns: (transfer none) (nullable): the isle asked for completions
 */
GIsle *
gisle_gtk_completion_provider_get_isle (GIsleGtkCompletionProvider *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_COMPLETION_PROVIDER (self), NULL);

  return self->isle;
}

/**
 * gisle_gtk_completion_provider_set_isle:
 * @self: a completion provider
 * @isle: (nullable): the isle to ask
 *
 * Sets [property@GIsleGtk.CompletionProvider:isle]. The console's Lua
 * helpers are installed in @isle (once per isle) as its next job.
 */
void
gisle_gtk_completion_provider_set_isle (GIsleGtkCompletionProvider *self,
                                        GIsle                      *isle)
{
  g_return_if_fail (GISLE_GTK_IS_COMPLETION_PROVIDER (self));
  g_return_if_fail (isle == NULL || G_IS_ISLE (isle));

  if (isle != NULL)
    gisle_gtk_ensure_helpers (isle);
  if (g_set_object (&self->isle, isle))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ISLE]);
}
