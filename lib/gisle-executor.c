/* gisle-executor.c: many isles on a few threads.
 *
 * Isles created with an executor have no thread of their own. When one has
 * work, it joins the executor's line of ready isles; an executor thread
 * takes the first, runs one job (or its exit) and puts it back at the end
 * if it has more. So an isle's jobs stay in order and never run on two
 * threads at once, its lua_State moves between threads only between jobs
 * (handed over under the isle's lock), and a long job in one isle delays
 * the others only while every executor thread is busy. An idle isle costs
 * its Lua state and its bookkeeping: no thread, no timer, no wake-up.
 *
 * A thread stuck in a job nothing can interrupt is replaced when the isle
 * is declared defunct; if it ever comes back, it leaves.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"

struct _GisleExecutor
{
  gint ref_count;                /* atomic */
  GMutex lock;
  GCond cond;
  GQueue ready;                  /* GisleWorker, not owned (see isles) */
  GPtrArray *isles;              /* GisleWorker, owned: attached, not exited */
  GHashTable *names;             /* name -> GPtrArray of open GisleWorker */
  guint n_open;                  /* attached and not closing */
  guint n_threads;               /* the number it keeps running */
  guint serial;                  /* for thread names */
  gboolean shutdown;             /* the GIsleExecutor is gone */
};

GisleExecutor *
gisle_executor_ref (GisleExecutor *executor)
{
  g_atomic_int_inc (&executor->ref_count);
  return executor;
}

void
gisle_executor_unref (GisleExecutor *executor)
{
  if (!g_atomic_int_dec_and_test (&executor->ref_count))
    return;
  g_assert (executor->isles->len == 0);
  g_queue_clear (&executor->ready);
  g_ptr_array_unref (executor->isles);
  g_hash_table_unref (executor->names);
  g_mutex_clear (&executor->lock);
  g_cond_clear (&executor->cond);
  g_free (executor);
}

/* Under the lock: the isle no longer counts and cannot be found, from the
 * moment it starts closing (its exit may take a while longer). */
static void
gisle_executor_forget_locked (GisleExecutor *executor,
                              GisleWorker   *worker)
{
  GPtrArray *same_name;

  if (worker->forgotten)
    return;
  worker->forgotten = TRUE;
  executor->n_open--;
  if (worker->name != NULL &&
      (same_name = g_hash_table_lookup (executor->names, worker->name)) != NULL)
    {
      g_ptr_array_remove (same_name, worker);
      if (same_name->len == 0)
        g_hash_table_remove (executor->names, worker->name);
    }
}

void
gisle_executor_forget (GisleExecutor *executor,
                       GisleWorker   *worker)
{
  gisle_mutex_lock (&executor->lock);
  gisle_executor_forget_locked (executor, worker);
  gisle_mutex_unlock (&executor->lock);
}

/* Under the lock. */
static void
gisle_executor_detach_locked (GisleExecutor *executor,
                              GisleWorker   *worker)
{
  gisle_executor_forget_locked (executor, worker);
  g_ptr_array_remove_fast (executor->isles, worker);
  if (executor->shutdown && executor->isles->len == 0)
    g_cond_broadcast (&executor->cond);
}

static gpointer
gisle_executor_thread (gpointer data)
{
  GisleExecutor *executor = data;

  gisle_mutex_lock (&executor->lock);
  for (;;)
    {
      GisleWorker *worker;
      GisleSlice slice;

      while (g_queue_is_empty (&executor->ready) &&
             !(executor->shutdown && executor->isles->len == 0))
        gisle_cond_wait (&executor->cond, &executor->lock);
      if (g_queue_is_empty (&executor->ready))
        break;

      worker = g_queue_pop_head (&executor->ready);
      gisle_mutex_unlock (&executor->lock);

      slice = gisle_worker_run_slice (worker);

      gisle_mutex_lock (&executor->lock);
      if (slice == GISLE_SLICE_MORE)
        {
          g_queue_push_tail (&executor->ready, worker);
          continue;
        }
      if (slice == GISLE_SLICE_IDLE)
        continue;

      /* Exited (or abandoned and back): the executor lets the isle go. */
      gisle_executor_detach_locked (executor, worker);
      gisle_mutex_unlock (&executor->lock);
      gisle_worker_unref (worker);
      gisle_mutex_lock (&executor->lock);

      /* A thread that was replaced while stuck leaves. */
      if (slice == GISLE_SLICE_ABANDONED)
        break;
    }
  gisle_mutex_unlock (&executor->lock);
  gisle_executor_unref (executor);
  return NULL;
}

/* Under the lock. */
static void
gisle_executor_spawn_locked (GisleExecutor *executor)
{
  g_autofree char *name = g_strdup_printf ("gisle-exec-%u", executor->serial++);

  gisle_cancel_init_process ();
  g_thread_unref (g_thread_new (name, gisle_executor_thread, gisle_executor_ref (executor)));
}

static GisleExecutor *
gisle_executor_new (guint n_threads)
{
  GisleExecutor *executor = g_new0 (GisleExecutor, 1);

  executor->ref_count = 1;
  g_mutex_init (&executor->lock);
  g_cond_init (&executor->cond);
  g_queue_init (&executor->ready);
  executor->isles = g_ptr_array_new ();
  executor->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_ptr_array_unref);
  executor->n_threads = n_threads;

  gisle_mutex_lock (&executor->lock);
  for (guint i = 0; i < n_threads; i++)
    gisle_executor_spawn_locked (executor);
  gisle_mutex_unlock (&executor->lock);
  return executor;
}

/* Takes @worker's reference: the executor holds it until the isle exits. */
void
gisle_executor_attach (GisleExecutor *executor,
                       GisleWorker   *worker)
{
  gisle_mutex_lock (&executor->lock);
  g_ptr_array_add (executor->isles, worker);
  executor->n_open++;
  if (worker->name != NULL)
    {
      GPtrArray *same_name = g_hash_table_lookup (executor->names, worker->name);

      if (same_name == NULL)
        {
          same_name = g_ptr_array_new ();
          g_hash_table_insert (executor->names, g_strdup (worker->name), same_name);
        }
      g_ptr_array_add (same_name, worker);
    }
  gisle_mutex_unlock (&executor->lock);
}

void
gisle_executor_schedule (GisleExecutor *executor,
                         GisleWorker   *worker)
{
  gisle_mutex_lock (&executor->lock);
  g_queue_push_tail (&executor->ready, worker);
  g_cond_signal (&executor->cond);
  gisle_mutex_unlock (&executor->lock);
}

void
gisle_executor_replace_thread (GisleExecutor *executor)
{
  gisle_mutex_lock (&executor->lock);
  gisle_executor_spawn_locked (executor);
  gisle_mutex_unlock (&executor->lock);
}

/* ---- The public object ---------------------------------------------- */

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
      gisle_mutex_lock (&self->core->lock);
      self->core->shutdown = TRUE;
      g_cond_broadcast (&self->core->cond);
      gisle_mutex_unlock (&self->core->lock);
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
  return gisle_isle_executor_get_core (self)->n_threads;
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
  GisleExecutor *core;
  guint n;

  g_return_val_if_fail (G_IS_ISLE_EXECUTOR (self), 0);

  core = gisle_isle_executor_get_core (self);
  gisle_mutex_lock (&core->lock);
  n = core->n_open;
  gisle_mutex_unlock (&core->lock);
  return n;
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
GIsle *
g_isle_executor_lookup (GIsleExecutor *self,
                        const char    *name)
{
  GisleExecutor *core;
  GisleWorker *worker;
  GIsle *isle = NULL;

  g_return_val_if_fail (G_IS_ISLE_EXECUTOR (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  GPtrArray *same_name;

  core = gisle_isle_executor_get_core (self);
  gisle_mutex_lock (&core->lock);
  same_name = g_hash_table_lookup (core->names, name);
  for (guint i = 0; isle == NULL && same_name != NULL && i < same_name->len; i++)
    {
      worker = same_name->pdata[i];
      isle = g_weak_ref_get (&worker->isle);
    }
  gisle_mutex_unlock (&core->lock);
  return isle;
}
