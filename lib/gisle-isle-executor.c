/* gisle-isle-executor.c: GIsleExecutor, the public face of the executor.
 *
 * Floor 12 (the executor's public face): GIsleExecutor; the threads
 * themselves are the generic executor of gisle-executor.c.
 *
 * Thread rule: any thread; the executor locks its own state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-private.h"
#include "gisle-isle-executor-private.h"


/**
 * GIsleExecutor:
 *
 * A few threads shared by many isles.
 *
 * A dedicated thread per isle does not scale to thousands of isles (plugin
 * hosts, per-document scripts, game entities, test runners). Isles created
 * with #GIsle:executor set run their jobs on the executor's threads
 * instead: each isle's jobs stay in order and never run on two threads at
 * once, isles take turns one job at a time, and an idle isle costs no
 * thread, no timer and no wake-up.
 *
 * Cancellation, deadlines, output, host functions and closing behave as
 * with a dedicated thread. A thread stuck in a job that cannot be
 * interrupted is replaced when its isle becomes defunct.
 *
 * The executor's threads end once the executor has been dropped and every
 * isle on it has been closed or finalized.
 */
struct _GIsleExecutor
{
  GObject parent_instance;

  GisleExecutor *core;
};

G_DEFINE_FINAL_TYPE (GIsleExecutor, g_isle_executor, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_N_THREADS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GisleExecutor *
gisle_isle_executor_get_core (GIsleExecutor *executor)
{
  static GMutex lazy_lock;
  GisleExecutor *core;

  /* Bindings may create the object without "n-threads": make the core on
   * first use, once, whichever threads get there together. */
  g_mutex_lock (&lazy_lock);
  if (executor->core == NULL)
    executor->core = gisle_executor_new (g_get_num_processors ());
  core = executor->core;
  g_mutex_unlock (&lazy_lock);
  return core;
}

static void
g_isle_executor_finalize (GObject *object)
{
  GIsleExecutor *self = G_ISLE_EXECUTOR (object);

  if (self->core != NULL)
    {
      /* The threads leave once no isle is left (isles keep the executor
       * object alive, so usually none is). */
      gisle_executor_shut_down (self->core);
      gisle_executor_unref (self->core);
    }

  G_OBJECT_CLASS (g_isle_executor_parent_class)->finalize (object);
}

static void
g_isle_executor_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GIsleExecutor *self = G_ISLE_EXECUTOR (object);

  switch (prop_id)
    {
    case PROP_N_THREADS:
      g_value_set_uint (value, g_isle_executor_get_n_threads (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_isle_executor_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GIsleExecutor *self = G_ISLE_EXECUTOR (object);
  guint n;

  switch (prop_id)
    {
    case PROP_N_THREADS:
      n = g_value_get_uint (value);
      self->core = gisle_executor_new (n != 0 ? n : g_get_num_processors ());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_isle_executor_class_init (GIsleExecutorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = g_isle_executor_finalize;
  object_class->get_property = g_isle_executor_get_property;
  object_class->set_property = g_isle_executor_set_property;

  /**
   * GIsleExecutor:n-threads:
   *
   * How many threads run the isles' jobs; 0 at construction means one per
   * processor.
   */
  properties[PROP_N_THREADS] =
    g_param_spec_uint ("n-threads", "Threads", "How many threads run the isles",
                       0, 1024, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
g_isle_executor_init (GIsleExecutor *self)
{
}

/**
 * g_isle_executor_new:
 * @n_threads: how many threads to run; 0 for one per processor
 *
 * Creates an executor. Pass it as #GIsle:executor to the isles that should
 * share its threads.
 *
 * Returns: (transfer full): a new #GIsleExecutor
 */
GIsleExecutor *
g_isle_executor_new (guint n_threads)
{
  return g_object_new (G_TYPE_ISLE_EXECUTOR, "n-threads", n_threads, NULL);
}

/**
 * g_isle_executor_get_n_threads:
 * @self: a #GIsleExecutor
 *
 * Gets #GIsleExecutor:n-threads.
 *
 * Returns: the number of threads
 */
guint
g_isle_executor_get_n_threads (GIsleExecutor *self)
{
  g_return_val_if_fail (G_IS_ISLE_EXECUTOR (self), 0);
  return gisle_executor_get_n_threads (gisle_isle_executor_get_core (self));
}

/**
 * g_isle_executor_get_n_isles:
 * @self: a #GIsleExecutor
 *
 * Gets how many isles use the executor now (started and not yet closed).
 *
 * Returns: the number of isles
 */
guint
g_isle_executor_get_n_isles (GIsleExecutor *self)
{
  g_return_val_if_fail (G_IS_ISLE_EXECUTOR (self), 0);

  return gisle_executor_count (gisle_isle_executor_get_core (self));
}

/**
 * g_isle_executor_lookup:
 * @self: a #GIsleExecutor
 * @name: a name given as #GIsle:name
 *
 * Finds a started, not yet closed isle on this executor by its name. When
 * two isles share a name, the first one started is found.
 *
 * Returns: (transfer full) (nullable): the isle, or %NULL
 */
/* Under the executor's lock: a started isle's worker stays alive while it
 * is attached; its GIsle may be gone. */
static gpointer
g_isle_executor_try_get_isle (gpointer worker)
{
  return g_weak_ref_get (&((GisleWorker *) worker)->isle);
}

GIsle *
g_isle_executor_lookup (GIsleExecutor *self,
                        const char    *name)
{
  g_return_val_if_fail (G_IS_ISLE_EXECUTOR (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return gisle_executor_find (gisle_isle_executor_get_core (self), name,
                              g_isle_executor_try_get_isle);
}
