/* gisle-executor.c: a few threads taking turns at many items.
 *
 * Floor 2 (errors, timers and threads): above the locks, below Lua and isles
 * (see gisle-executor-private.h); the isles' use of it is in
 * gisle-worker.c, the public GIsleExecutor in gisle-isle-executor.c.
 *
 * An item with work joins the executor's line of ready items; a thread
 * takes the first, runs one turn and puts it back at the end if it has
 * more. So an item never runs on two threads at once, and a long turn of
 * one item delays the others only while every thread is busy. An idle item
 * costs nothing here: no thread, no timer, no wake-up.
 *
 * A thread stuck in a turn can be replaced (gisle_executor_replace_thread());
 * if it ever comes back, its item says so (GISLE_SLICE_ABANDONED) and the
 * thread leaves.
 *
 * Thread rule: the executor's state is under its lock; turns run unlocked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-executor-private.h"
#include "gisle-lock-private.h"

struct _GisleExecutor
{
  gint ref_count;                /* atomic */
  GMutex lock;
  GCond cond;
  GQueue ready;                  /* GisleExecutorItem, in line */
  GPtrArray *items;              /* GisleExecutorItem: attached, not released */
  GHashTable *names;             /* name -> GPtrArray of open GisleExecutorItem */
  guint n_open;                  /* attached and not forgotten */
  guint n_threads;               /* the number it keeps running */
  guint serial;                  /* for thread names */
  gboolean shutdown;             /* its owner is gone */
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
  g_assert (executor->items->len == 0);
  g_queue_clear (&executor->ready);
  g_ptr_array_unref (executor->items);
  g_hash_table_unref (executor->names);
  g_mutex_clear (&executor->lock);
  g_cond_clear (&executor->cond);
  g_free (executor);
}

guint
gisle_executor_get_n_threads (GisleExecutor *executor)
{
  return executor->n_threads;
}

/* Under the lock: the item no longer counts and cannot be found (an isle,
 * from the moment it starts closing; its exit may take a while longer). */
static void
gisle_executor_forget_locked (GisleExecutor     *executor,
                              GisleExecutorItem *item)
{
  GPtrArray *same_name;

  if (item->forgotten)
    return;
  item->forgotten = TRUE;
  executor->n_open--;
  if (item->name != NULL &&
      (same_name = g_hash_table_lookup (executor->names, item->name)) != NULL)
    {
      g_ptr_array_remove (same_name, item);
      if (same_name->len == 0)
        g_hash_table_remove (executor->names, item->name);
    }
}

void
gisle_executor_forget (GisleExecutor     *executor,
                       GisleExecutorItem *item)
{
  gisle_mutex_lock (&executor->lock);
  gisle_executor_forget_locked (executor, item);
  gisle_mutex_unlock (&executor->lock);
}

/* Under the lock. */
static void
gisle_executor_detach_locked (GisleExecutor     *executor,
                              GisleExecutorItem *item)
{
  gisle_executor_forget_locked (executor, item);
  g_ptr_array_remove_fast (executor->items, item);
  if (executor->shutdown && executor->items->len == 0)
    g_cond_broadcast (&executor->cond);
}

static gpointer
gisle_executor_thread (gpointer data)
{
  GisleExecutor *executor = data;

  gisle_mutex_lock (&executor->lock);
  for (;;)
    {
      GisleExecutorItem *item;
      GisleSlice slice;

      while (g_queue_is_empty (&executor->ready) &&
             !(executor->shutdown && executor->items->len == 0))
        gisle_cond_wait (&executor->cond, &executor->lock);
      if (g_queue_is_empty (&executor->ready))
        break;

      item = g_queue_pop_head (&executor->ready);
      gisle_mutex_unlock (&executor->lock);

      slice = item->run_slice (item->data);

      gisle_mutex_lock (&executor->lock);
      if (slice == GISLE_SLICE_MORE)
        {
          g_queue_push_tail (&executor->ready, item);
          continue;
        }
      if (slice == GISLE_SLICE_IDLE)
        continue;

      /* Finished (or abandoned and back): the executor lets it go. */
      gisle_executor_detach_locked (executor, item);
      gisle_mutex_unlock (&executor->lock);
      item->release (item->data);
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

  g_thread_unref (g_thread_new (name, gisle_executor_thread, gisle_executor_ref (executor)));
}

GisleExecutor *
gisle_executor_new (guint n_threads)
{
  GisleExecutor *executor = g_new0 (GisleExecutor, 1);

  executor->ref_count = 1;
  g_mutex_init (&executor->lock);
  g_cond_init (&executor->cond);
  g_queue_init (&executor->ready);
  executor->items = g_ptr_array_new ();
  executor->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_ptr_array_unref);
  executor->n_threads = n_threads;

  gisle_mutex_lock (&executor->lock);
  for (guint i = 0; i < n_threads; i++)
    gisle_executor_spawn_locked (executor);
  gisle_mutex_unlock (&executor->lock);
  return executor;
}

/* The executor holds @item (its owner's reference, given up through
 * item->release) until a turn says it finished. */
void
gisle_executor_attach (GisleExecutor     *executor,
                       GisleExecutorItem *item)
{
  gisle_mutex_lock (&executor->lock);
  item->forgotten = FALSE;
  g_ptr_array_add (executor->items, item);
  executor->n_open++;
  if (item->name != NULL)
    {
      GPtrArray *same_name = g_hash_table_lookup (executor->names, item->name);

      if (same_name == NULL)
        {
          same_name = g_ptr_array_new ();
          g_hash_table_insert (executor->names, g_strdup (item->name), same_name);
        }
      g_ptr_array_add (same_name, item);
    }
  gisle_mutex_unlock (&executor->lock);
}

/* Puts @item in line. Its owner makes sure it is never in line twice. */
void
gisle_executor_schedule (GisleExecutor     *executor,
                         GisleExecutorItem *item)
{
  gisle_mutex_lock (&executor->lock);
  g_queue_push_tail (&executor->ready, item);
  g_cond_signal (&executor->cond);
  gisle_mutex_unlock (&executor->lock);
}

/* A thread is stuck in a turn for good: start another one. */
void
gisle_executor_replace_thread (GisleExecutor *executor)
{
  gisle_mutex_lock (&executor->lock);
  gisle_executor_spawn_locked (executor);
  gisle_mutex_unlock (&executor->lock);
}

/* How many items are attached and not forgotten. */
guint
gisle_executor_count (GisleExecutor *executor)
{
  guint n;

  gisle_mutex_lock (&executor->lock);
  n = executor->n_open;
  gisle_mutex_unlock (&executor->lock);
  return n;
}

/* The first item named @name (in the order attached) for which @try_get,
 * called under the lock, returns something; or NULL. */
gpointer
gisle_executor_find (GisleExecutor *executor,
                     const char    *name,
                     gpointer     (*try_get) (gpointer data))
{
  GPtrArray *same_name;
  gpointer found = NULL;

  gisle_mutex_lock (&executor->lock);
  same_name = g_hash_table_lookup (executor->names, name);
  for (guint i = 0; found == NULL && same_name != NULL && i < same_name->len; i++)
    {
      GisleExecutorItem *item = same_name->pdata[i];

      found = try_get (item->data);
    }
  gisle_mutex_unlock (&executor->lock);
  return found;
}

/* Its owner is gone: the threads leave once no item is left. */
void
gisle_executor_shut_down (GisleExecutor *executor)
{
  gisle_mutex_lock (&executor->lock);
  executor->shutdown = TRUE;
  g_cond_broadcast (&executor->cond);
  gisle_mutex_unlock (&executor->lock);
}
