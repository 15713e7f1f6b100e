/* gisle-pool.c: GIslePool, isles checked out and given back.
 *
 * Floor 14 (above the isle): the public API of GIsle only.
 *
 * Thread rule: any thread; the bookkeeping is under one mutex, as follows.
 *
 * The pool's bookkeeping (idle isles, the number of slots in use, the line
 * of waiters) lives under one mutex that is never held while calling out:
 * not while creating, closing or dropping an isle, not while completing a
 * GTask, not while destroying a GSource. Whoever frees a slot hands it to
 * the first waiter under the lock and completes that waiter after unlocking.
 *
 * An isle checked out carries a lease (object data) with a weak reference
 * to its pool. give_back() and discard() take the lease back; an isle
 * finalized while it still carries one (its user dropped it, or the GTask
 * that carried it was never finished) frees its slot from the lease's
 * destroy notify, in whichever thread dropped it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-private.h"
#include "gisle-isle-executor-private.h"
#include "gisle-i18n-private.h"

/**
 * GIslePool:
 *
 * A set of isles that callers check out, use and give back, like database
 * connections.
 *
 * g_isle_pool_checkout_async() (or g_isle_pool_checkout() on a worker
 * thread) returns an idle isle if there is one, creates one if fewer than
 * #GIslePool:max-size exist, and otherwise waits, first come first served,
 * until an isle is given back with g_isle_pool_give_back() or thrown away
 * with g_isle_pool_discard().
 *
 * A warm pool (#GIslePool:warm) keeps isles given back and hands the same
 * isle, with its Lua globals, to the next caller: checkouts are cheap, but
 * callers see what earlier ones left behind. A cold pool closes every isle
 * given back and starts a fresh Lua state for every checkout: each caller
 * gets a clean state.
 *
 * Isles are created with the pool's #GIslePool:libraries,
 * #GIslePool:memory-limit, #GIslePool:setup-code and #GIslePool:executor.
 * Their #GIsle:main-context is the thread-default context of the thread
 * whose checkout created them.
 *
 * An isle that is closed or defunct (#GIsle:defunct) when given back is
 * discarded. An isle dropped without being given back frees its slot when
 * it is finalized. #GIslePool:n-active and #GIslePool:n-idle count the
 * isles in use and waiting; they are notified in the pool's main context,
 * the thread-default context when the pool was created.
 */
struct _GIslePool
{
  GObject parent_instance;

  guint64 serial;                /* tells pools apart, unlike addresses */

  /* Construct-only, read from any thread afterwards. */
  GIsleExecutor *executor;
  guint max_size;
  gboolean warm;
  GIsleLibraries libraries;
  guint64 memory_limit;
  char *setup_code;
  GMainContext *context;

  /* Under lock. */
  GMutex lock;
  GCond cond;                    /* blocking waiters */
  GQueue idle;                   /* GIsle, owned; most recently given back first */
  guint n_active;                /* checked out or being created */
  GQueue waiters;                /* GislePoolWaiter; the queue holds a reference */
  gboolean notify_pending;
  gboolean disposed;

  /* In the pool's context only. */
  guint notified_active;
  guint notified_idle;
};

G_DEFINE_FINAL_TYPE (GIslePool, g_isle_pool, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_EXECUTOR,
  PROP_MAX_SIZE,
  PROP_WARM,
  PROP_LIBRARIES,
  PROP_MEMORY_LIMIT,
  PROP_SETUP_CODE,
  PROP_N_ACTIVE,
  PROP_N_IDLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- Waiters ---------------------------------------------------------- */

/* A checkout waiting for a slot. Blocking checkouts keep theirs on the
 * stack and wait on pool->cond; asynchronous ones are reference counted
 * (the queue, the timeout source and the cancellable source each hold
 * one). */
typedef struct
{
  gint ref_count;                /* atomic; unused for blocking waiters */
  GTask *task;                   /* NULL for a blocking checkout */
  GSource *timeout_source;       /* in the task's context; set under lock */
  GSource *cancel_source;

  /* Under the pool's lock. */
  gboolean done;                 /* out of the queue: granted or failed */
  gboolean cancelled;            /* blocking: the cancellable fired */
  GIsle *isle;                   /* granted: an idle isle (owned), or NULL for a new one */
  GError *error;                 /* blocking: why it failed */
} GislePoolWaiter;

static GislePoolWaiter *
gisle_pool_waiter_ref (GislePoolWaiter *waiter)
{
  g_atomic_int_inc (&waiter->ref_count);
  return waiter;
}

static void
gisle_pool_waiter_unref (gpointer data)
{
  GislePoolWaiter *waiter = data;

  if (!g_atomic_int_dec_and_test (&waiter->ref_count))
    return;

  g_clear_pointer (&waiter->timeout_source, g_source_unref);
  g_clear_pointer (&waiter->cancel_source, g_source_unref);
  g_clear_object (&waiter->isle);
  g_clear_error (&waiter->error);
  g_clear_object (&waiter->task);
  g_free (waiter);
}

/* Outside the lock: the sources' destroy notifies drop waiter references. */
static void
gisle_pool_waiter_stop_sources (GislePoolWaiter *waiter)
{
  if (waiter->timeout_source != NULL)
    gisle_source_destroy (waiter->timeout_source);
  if (waiter->cancel_source != NULL)
    gisle_source_destroy (waiter->cancel_source);
}

/* ---- Leases ----------------------------------------------------------- */

typedef struct
{
  guint64 serial;                /* the pool's: which pool it is */
  GWeakRef pool;                 /* how to reach it (cleared by g_object_run_dispose()) */
} GislePoolLease;

static void g_isle_pool_release_slot (GIslePool *self);

static GQuark
gisle_pool_lease_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("gisle-pool-lease"));
  return (GQuark) quark;
}

static void
gisle_pool_lease_free (GislePoolLease *lease)
{
  g_weak_ref_clear (&lease->pool);
  g_free (lease);
}

/* The destroy notify: the isle was finalized while checked out. */
static void
gisle_pool_lease_dropped (gpointer data)
{
  GislePoolLease *lease = data;
  GIslePool *pool = g_weak_ref_get (&lease->pool);

  if (pool != NULL)
    {
      g_isle_pool_release_slot (pool);
      g_object_unref (pool);
    }
  gisle_pool_lease_free (lease);
}

static void
g_isle_pool_lease_isle (GIslePool *self,
                        GIsle     *isle)
{
  GislePoolLease *lease = g_new0 (GislePoolLease, 1);

  lease->serial = self->serial;
  g_weak_ref_init (&lease->pool, self);
  g_object_set_qdata_full (G_OBJECT (isle), gisle_pool_lease_quark (),
                           lease, gisle_pool_lease_dropped);
}

/* Takes the lease back from an isle checked out from this pool; warns and
 * returns FALSE for any other isle. */
static gboolean
g_isle_pool_take_lease (GIslePool  *self,
                        GIsle      *isle,
                        const char *function)
{
  GislePoolLease *lease;

  lease = g_object_steal_qdata (G_OBJECT (isle), gisle_pool_lease_quark ());
  if (lease == NULL)
    {
      g_critical ("%s: isle %p is not checked out from a pool", function, isle);
      return FALSE;
    }

  if (lease->serial != self->serial)
    {
      g_critical ("%s: isle %p was checked out from another pool", function, isle);
      g_object_set_qdata_full (G_OBJECT (isle), gisle_pool_lease_quark (),
                               lease, gisle_pool_lease_dropped);
      return FALSE;
    }

  gisle_pool_lease_free (lease);
  return TRUE;
}

/* ---- Bookkeeping (under the lock) -------------------------------------- */

static gboolean
g_isle_pool_notify_cb (gpointer data)
{
  GIslePool *self = g_weak_ref_get (data);
  guint n_active, n_idle;

  if (self == NULL)
    return G_SOURCE_REMOVE;

  gisle_mutex_lock (&self->lock);
  self->notify_pending = FALSE;
  n_active = self->n_active;
  n_idle = self->idle.length;
  gisle_mutex_unlock (&self->lock);

  g_object_freeze_notify (G_OBJECT (self));
  if (n_active != self->notified_active)
    {
      self->notified_active = n_active;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ACTIVE]);
    }
  if (n_idle != self->notified_idle)
    {
      self->notified_idle = n_idle;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_IDLE]);
    }
  g_object_thaw_notify (G_OBJECT (self));

  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
gisle_pool_weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* The counters changed: notify them from the pool's context, which may
 * belong to another thread. One pending source covers any number of
 * changes. */
static void
g_isle_pool_schedule_notify_locked (GIslePool *self)
{
  g_autoptr(GSource) source = NULL;
  GWeakRef *ref;

  if (self->notify_pending || self->disposed)
    return;
  self->notify_pending = TRUE;

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, g_isle_pool_notify_cb, ref, gisle_pool_weak_ref_free);
  g_source_set_name (source, "[gisle] pool counters");
  gisle_source_attach (source, self->context);
}

/* Hands free slots and idle isles to waiters, first come first served.
 * Blocking waiters are woken here; asynchronous ones are returned (with
 * the queue's reference) for g_isle_pool_serve_waiters(). */
static GSList *
g_isle_pool_grant_locked (GIslePool *self)
{
  GSList *granted = NULL;
  gboolean woke = FALSE;

  while (!g_queue_is_empty (&self->waiters))
    {
      GislePoolWaiter *waiter = g_queue_peek_head (&self->waiters);

      if (!g_queue_is_empty (&self->idle))
        waiter->isle = g_queue_pop_head (&self->idle);
      else if (self->n_active + self->idle.length >= self->max_size)
        break;

      g_queue_pop_head (&self->waiters);
      self->n_active++;
      waiter->done = TRUE;
      if (waiter->task != NULL)
        granted = g_slist_prepend (granted, waiter);
      else
        woke = TRUE;
    }

  if (woke)
    g_cond_broadcast (&self->cond);
  g_isle_pool_schedule_notify_locked (self);
  return g_slist_reverse (granted);
}

/* ---- Creating isles --------------------------------------------------- */

static gboolean
g_isle_pool_usable (GIsle *isle)
{
  return !g_isle_is_closed (isle) && !g_isle_is_defunct (isle);
}

/* Closes an isle without waiting and drops the pool's reference; the close
 * task keeps the isle alive until its thread has ended. */
static void
g_isle_pool_close_isle (GIsle *isle)
{
  g_isle_close_async (isle, NULL, NULL, NULL);
  g_object_unref (isle);
}

/* A new, not yet started isle with the pool's properties. */
static GIsle *
g_isle_pool_new_isle_object (GIslePool *self)
{
  const char *names[4];
  GValue values[4] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  guint n = 0;
  GObject *object;

  names[n] = "libraries";
  g_value_init (&values[n], G_TYPE_ISLE_LIBRARIES);
  g_value_set_flags (&values[n++], self->libraries);
  names[n] = "memory-limit";
  g_value_init (&values[n], G_TYPE_UINT64);
  g_value_set_uint64 (&values[n++], self->memory_limit);
  names[n] = "setup-code";
  g_value_init (&values[n], G_TYPE_STRING);
  g_value_set_string (&values[n++], self->setup_code);
  if (self->executor != NULL)
    {
      names[n] = "executor";
      g_value_init (&values[n], G_TYPE_ISLE_EXECUTOR);
      g_value_set_object (&values[n++], self->executor);
    }

  object = g_object_new_with_properties (G_TYPE_ISLE, n, names, values);
  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);
  return G_ISLE (object);
}

/* Blocking: starts a new isle in a slot already counted in n_active. */
static GIsle *
g_isle_pool_create_sync (GIslePool     *self,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr(GIsle) isle = g_isle_pool_new_isle_object (self);

  if (!g_initable_init (G_INITABLE (isle), cancellable, error))
    {
      g_clear_object (&isle);
      g_isle_pool_release_slot (self);
      return NULL;
    }

  g_isle_pool_lease_isle (self, isle);
  return g_steal_pointer (&isle);
}

static void
g_isle_pool_created_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GIslePool *self = g_task_get_source_object (task);
  g_autoptr(GIsle) isle = G_ISLE (source);
  GError *error = NULL;

  if (!g_async_initable_init_finish (G_ASYNC_INITABLE (isle), result, &error))
    {
      g_clear_object (&isle);
      g_isle_pool_release_slot (self);
      g_task_return_error (task, error);
      return;
    }

  g_isle_pool_lease_isle (self, isle);
  g_task_return_pointer (task, g_steal_pointer (&isle), g_object_unref);
}

/* Starts a new isle for @task in a slot already counted in n_active. Runs
 * in the task's context, made thread-default so that the isle's
 * #GIsle:main-context is the checkout caller's. */
static void
g_isle_pool_create_async (GTask *task)
{
  GIslePool *self = g_task_get_source_object (task);
  GMainContext *context = g_task_get_context (task);
  GIsle *isle;

  g_main_context_push_thread_default (context);
  isle = g_isle_pool_new_isle_object (self);
  g_async_initable_init_async (G_ASYNC_INITABLE (isle), G_PRIORITY_DEFAULT,
                               g_task_get_cancellable (task),
                               g_isle_pool_created_cb, g_object_ref (task));
  g_main_context_pop_thread_default (context);
}

static gboolean
g_isle_pool_create_cb (gpointer data)
{
  GISLE_TSAN_ACQUIRE (data);
  g_isle_pool_create_async (data);
  return G_SOURCE_REMOVE;
}

/* Completes an asynchronous checkout that holds a slot, with @isle (owned)
 * or with a new isle. Any thread: a new isle is started from the task's
 * context. */
static void
g_isle_pool_serve_task (GTask   *task,
                        GIsle   *isle,
                        gboolean in_task_context)
{
  GIslePool *self = g_task_get_source_object (task);

  if (isle != NULL && !g_isle_pool_usable (isle))
    g_clear_pointer (&isle, g_isle_pool_close_isle);

  if (isle != NULL)
    {
      g_isle_pool_lease_isle (self, isle);
      g_task_return_pointer (task, isle, g_object_unref);
    }
  else if (in_task_context)
    {
      g_isle_pool_create_async (task);
    }
  else
    {
      g_autoptr(GSource) source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, g_isle_pool_create_cb,
                             g_object_ref (task), g_object_unref);
      g_source_set_name (source, "[gisle] pool checkout");
      GISLE_TSAN_RELEASE (task);
      gisle_source_attach (source, g_task_get_context (task));
    }
}

/* Outside the lock: completes waiters granted by g_isle_pool_grant_locked(). */
static void
g_isle_pool_serve_waiters (GSList *granted)
{
  for (GSList *l = granted; l != NULL; l = l->next)
    {
      GislePoolWaiter *waiter = l->data;

      gisle_pool_waiter_stop_sources (waiter);
      g_isle_pool_serve_task (waiter->task, g_steal_pointer (&waiter->isle), FALSE);
      gisle_pool_waiter_unref (waiter);
    }
  g_slist_free (granted);
}

/* A checked-out isle is gone (discarded, closed or dropped): its slot goes
 * to the first waiter. */
static void
g_isle_pool_release_slot (GIslePool *self)
{
  GSList *granted;

  gisle_mutex_lock (&self->lock);
  g_assert (self->n_active > 0);
  self->n_active--;
  granted = g_isle_pool_grant_locked (self);
  gisle_mutex_unlock (&self->lock);

  g_isle_pool_serve_waiters (granted);
}

/* ---- GObject -------------------------------------------------------- */

static void
g_isle_pool_init (GIslePool *self)
{
  static guint64 last_serial;    /* atomic */

  self->serial = __atomic_add_fetch (&last_serial, 1, __ATOMIC_RELAXED);
  self->max_size = 4;
  self->libraries = G_ISLE_LIBRARIES_SAFE;
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->idle);
  g_queue_init (&self->waiters);
}

static void
g_isle_pool_dispose (GObject *object)
{
  GIslePool *self = G_ISLE_POOL (object);
  GQueue idle = G_QUEUE_INIT;
  GSList *failed = NULL;
  GIsle *isle;

  gisle_mutex_lock (&self->lock);
  if (!self->disposed)
    {
      GislePoolWaiter *waiter;

      self->disposed = TRUE;
      idle = self->idle;
      g_queue_init (&self->idle);
      while ((waiter = g_queue_pop_head (&self->waiters)) != NULL)
        {
          waiter->done = TRUE;
          if (waiter->task != NULL)
            failed = g_slist_prepend (failed, waiter);
          else
            g_set_error_literal (&waiter->error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED,
                                 _("The pool was disposed"));
        }
      g_cond_broadcast (&self->cond);
    }
  gisle_mutex_unlock (&self->lock);

  while ((isle = g_queue_pop_head (&idle)) != NULL)
    g_isle_pool_close_isle (isle);

  failed = g_slist_reverse (failed);
  for (GSList *l = failed; l != NULL; l = l->next)
    {
      GislePoolWaiter *waiter = l->data;

      gisle_pool_waiter_stop_sources (waiter);
      g_task_return_new_error (waiter->task, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED,
                               _("The pool was disposed"));
      gisle_pool_waiter_unref (waiter);
    }
  g_slist_free (failed);

  g_clear_object (&self->executor);

  G_OBJECT_CLASS (g_isle_pool_parent_class)->dispose (object);
}

static void
g_isle_pool_finalize (GObject *object)
{
  GIslePool *self = G_ISLE_POOL (object);

  g_free (self->setup_code);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (g_isle_pool_parent_class)->finalize (object);
}

static void
g_isle_pool_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  GIslePool *self = G_ISLE_POOL (object);

  switch (prop_id)
    {
    case PROP_EXECUTOR:
      g_value_set_object (value, self->executor);
      break;
    case PROP_MAX_SIZE:
      g_value_set_uint (value, self->max_size);
      break;
    case PROP_WARM:
      g_value_set_boolean (value, self->warm);
      break;
    case PROP_LIBRARIES:
      g_value_set_flags (value, self->libraries);
      break;
    case PROP_MEMORY_LIMIT:
      g_value_set_uint64 (value, self->memory_limit);
      break;
    case PROP_SETUP_CODE:
      g_value_set_string (value, self->setup_code);
      break;
    case PROP_N_ACTIVE:
      g_value_set_uint (value, g_isle_pool_get_n_active (self));
      break;
    case PROP_N_IDLE:
      g_value_set_uint (value, g_isle_pool_get_n_idle (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_isle_pool_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  GIslePool *self = G_ISLE_POOL (object);

  switch (prop_id)
    {
    case PROP_EXECUTOR:
      g_set_object (&self->executor, g_value_get_object (value));
      break;
    case PROP_MAX_SIZE:
      self->max_size = g_value_get_uint (value);
      break;
    case PROP_WARM:
      self->warm = g_value_get_boolean (value);
      break;
    case PROP_LIBRARIES:
      self->libraries = g_value_get_flags (value);
      break;
    case PROP_MEMORY_LIMIT:
      self->memory_limit = g_value_get_uint64 (value);
      break;
    case PROP_SETUP_CODE:
      g_free (self->setup_code);
      self->setup_code = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_isle_pool_class_init (GIslePoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = g_isle_pool_dispose;
  object_class->finalize = g_isle_pool_finalize;
  object_class->get_property = g_isle_pool_get_property;
  object_class->set_property = g_isle_pool_set_property;

  /**
   * GIslePool:executor:
   *
   * The executor whose threads run the pool's isles, passed to each as
   * #GIsle:executor; %NULL gives every isle a thread of its own.
   */
  properties[PROP_EXECUTOR] =
    g_param_spec_object ("executor", "Executor", "The executor that runs the pool's isles",
                         G_TYPE_ISLE_EXECUTOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIslePool:max-size:
   *
   * The most isles the pool has at once, checked out and idle together.
   * Checkouts beyond it wait until an isle is given back or discarded.
   */
  properties[PROP_MAX_SIZE] =
    g_param_spec_uint ("max-size", "Maximum size", "The most isles the pool has at once",
                       1, G_MAXUINT, 4,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIslePool:warm:
   *
   * Whether isles given back are kept for the next checkout, with their
   * Lua state (%TRUE), or closed so that every checkout gets a fresh isle
   * (%FALSE, the default).
   */
  properties[PROP_WARM] =
    g_param_spec_boolean ("warm", "Warm", "Whether isles given back are reused with their state",
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIslePool:libraries:
   *
   * The #GIsle:libraries of the isles the pool creates.
   */
  properties[PROP_LIBRARIES] =
    g_param_spec_flags ("libraries", "Libraries", "The Lua libraries the pool's isles open",
                        G_TYPE_ISLE_LIBRARIES, G_ISLE_LIBRARIES_SAFE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIslePool:memory-limit:
   *
   * The #GIsle:memory-limit of the isles the pool creates, in bytes per
   * isle; 0 for no limit.
   */
  properties[PROP_MEMORY_LIMIT] =
    g_param_spec_uint64 ("memory-limit", "Memory limit", "Bytes each of the pool's isles may use, 0 for no limit",
                         0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIslePool:setup-code:
   *
   * The #GIsle:setup-code of the isles the pool creates. If it fails, the
   * checkout that created the isle fails with its error and the slot is
   * freed.
   */
  properties[PROP_SETUP_CODE] =
    g_param_spec_string ("setup-code", "Setup code", "A Lua chunk run when each of the pool's isles starts",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIslePool:n-active:
   *
   * How many isles are checked out, counting those being created for a
   * checkout. Notified in the pool's main context.
   */
  properties[PROP_N_ACTIVE] =
    g_param_spec_uint ("n-active", "Active isles", "Isles checked out or being created",
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIslePool:n-idle:
   *
   * How many isles wait in a warm pool for the next checkout (always 0 in
   * a cold pool). Notified in the pool's main context.
   */
  properties[PROP_N_IDLE] =
    g_param_spec_uint ("n-idle", "Idle isles", "Isles waiting for a checkout",
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/* ---- Public API ----------------------------------------------------- */

/**
 * g_isle_pool_new:
 * @executor: (nullable): the executor to run the isles on, or %NULL for a
 *   thread per isle
 * @max_size: the most isles at once, at least 1
 * @warm: %TRUE to reuse isles given back, with their state; %FALSE for a
 *   fresh isle per checkout
 *
 * Creates a pool. It creates isles on demand, with the default
 * #GIsle:libraries and no setup code; use g_object_new() to set
 * #GIslePool:libraries, #GIslePool:memory-limit or #GIslePool:setup-code.
 *
 * The pool's main context, where #GIslePool:n-active and #GIslePool:n-idle
 * are notified, is the thread-default #GMainContext of the calling thread.
 *
 * Returns: (transfer full): a new #GIslePool
 */
GIslePool *
g_isle_pool_new (GIsleExecutor *executor,
                 guint          max_size,
                 gboolean       warm)
{
  g_return_val_if_fail (executor == NULL || G_IS_ISLE_EXECUTOR (executor), NULL);
  g_return_val_if_fail (max_size >= 1, NULL);

  return g_object_new (G_TYPE_ISLE_POOL,
                       "executor", executor,
                       "max-size", max_size,
                       "warm", warm,
                       NULL);
}

/* The fast path of both checkouts, under the lock: takes an idle isle or
 * a free slot if nobody waits ahead. Returns TRUE if it got either;
 * *isle is the idle isle (owned) or NULL for a slot to fill. */
static gboolean
g_isle_pool_try_take_locked (GIslePool  *self,
                             GIsle     **isle)
{
  *isle = NULL;
  if (!g_queue_is_empty (&self->waiters))
    return FALSE;

  if (!g_queue_is_empty (&self->idle))
    *isle = g_queue_pop_head (&self->idle);
  else if (self->n_active + self->idle.length >= self->max_size)
    return FALSE;

  self->n_active++;
  g_isle_pool_schedule_notify_locked (self);
  return TRUE;
}

typedef struct
{
  GIslePool *pool;
  GislePoolWaiter *waiter;
} GislePoolBlockingWait;

static void
g_isle_pool_blocking_cancelled (GCancellable *cancellable,
                                gpointer      data)
{
  GislePoolBlockingWait *wait = data;

  GISLE_TSAN_ACQUIRE (wait);
  gisle_mutex_lock (&wait->pool->lock);
  wait->waiter->cancelled = TRUE;
  g_cond_broadcast (&wait->pool->cond);
  gisle_mutex_unlock (&wait->pool->lock);
}

/**
 * g_isle_pool_checkout:
 * @self: a #GIslePool
 * @timeout_ms: how long to wait for an isle when all are checked out, in
 *   milliseconds; 0 to wait as long as it takes
 * @cancellable: (nullable): optional #GCancellable
 * @error: return location for a #GError
 *
 * Checks out an isle, waiting if necessary; see
 * g_isle_pool_checkout_async(). This blocks the calling thread and is
 * meant for worker threads: on the thread that runs the main loop, use
 * g_isle_pool_checkout_async().
 *
 * An isle created by this call starts on the calling thread, and its
 * #GIsle:main-context is that thread's thread-default context.
 *
 * Give the isle back with g_isle_pool_give_back() (or throw it away with
 * g_isle_pool_discard()) when done, then drop your reference.
 *
 * Returns: (transfer full): an isle, or %NULL with @error set:
 *   %G_IO_ERROR_TIMED_OUT, %G_IO_ERROR_CANCELLED, %G_ISLE_ERROR_CLOSED if
 *   the pool was disposed, or the error of a new isle that failed to start
 */
GIsle *
g_isle_pool_checkout (GIslePool     *self,
                      guint          timeout_ms,
                      GCancellable  *cancellable,
                      GError       **error)
{
  GislePoolWaiter waiter = { 0 };
  GislePoolBlockingWait wait = { self, &waiter };
  GIsle *isle = NULL;
  gulong handler = 0;
  gint64 end_time;
  gboolean got;

  g_return_val_if_fail (G_IS_ISLE_POOL (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  gisle_mutex_lock (&self->lock);
  if (self->disposed)
    {
      gisle_mutex_unlock (&self->lock);
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED,
                           _("The pool was disposed"));
      return NULL;
    }
  got = g_isle_pool_try_take_locked (self, &isle);
  if (!got)
    g_queue_push_tail (&self->waiters, &waiter);
  gisle_mutex_unlock (&self->lock);

  if (!got)
    {
      end_time = timeout_ms > 0 ? g_get_monotonic_time () + (gint64) timeout_ms * 1000 : -1;

      /* Connected outside the lock: the handler runs at once if the
       * cancellable is already cancelled. */
      GISLE_TSAN_RELEASE (&wait);
      if (cancellable != NULL)
        handler = gisle_cancellable_connect (cancellable,
                                             G_CALLBACK (g_isle_pool_blocking_cancelled),
                                             &wait, NULL);

      gisle_mutex_lock (&self->lock);
      while (!waiter.done)
        {
          if (waiter.cancelled)
            {
              g_queue_remove (&self->waiters, &waiter);
              waiter.done = TRUE;
              g_set_error_literal (&waiter.error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   _("Operation was cancelled"));
            }
          else if (end_time < 0)
            gisle_cond_wait (&self->cond, &self->lock);
          else if (!gisle_cond_wait_until (&self->cond, &self->lock, end_time) &&
                   !waiter.done && !waiter.cancelled)
            {
              g_queue_remove (&self->waiters, &waiter);
              waiter.done = TRUE;
              g_set_error (&waiter.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           _("No isle was free within %u ms"), timeout_ms);
            }
        }
      gisle_mutex_unlock (&self->lock);

      /* Waits for a handler running in another thread: it needs the lock,
       * which is free now. */
      if (handler != 0)
        gisle_cancellable_disconnect (cancellable, handler);

      if (waiter.error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&waiter.error));
          return NULL;
        }
      isle = g_steal_pointer (&waiter.isle);
    }

  /* We hold a slot: fill it with the idle isle we got, or a new one. */
  if (isle != NULL && !g_isle_pool_usable (isle))
    g_clear_pointer (&isle, g_isle_pool_close_isle);
  if (isle == NULL)
    return g_isle_pool_create_sync (self, cancellable, error);

  g_isle_pool_lease_isle (self, isle);
  return isle;
}

static gboolean
g_isle_pool_waiter_expire (GislePoolWaiter *waiter,
                           gint             code,
                           const char      *message)
{
  GIslePool *self;

  GISLE_TSAN_ACQUIRE (waiter);
  self = g_task_get_source_object (waiter->task);
  gisle_mutex_lock (&self->lock);
  if (waiter->done)
    {
      gisle_mutex_unlock (&self->lock);
      return G_SOURCE_REMOVE;
    }
  g_queue_remove (&self->waiters, waiter);
  waiter->done = TRUE;
  gisle_mutex_unlock (&self->lock);

  gisle_pool_waiter_stop_sources (waiter);
  g_task_return_new_error (waiter->task, G_IO_ERROR, code, "%s", message);
  gisle_pool_waiter_unref (waiter);         /* the queue's reference */
  return G_SOURCE_REMOVE;
}

static gboolean
g_isle_pool_waiter_timeout_cb (gpointer data)
{
  return g_isle_pool_waiter_expire (data, G_IO_ERROR_TIMED_OUT,
                                    _("No isle was free in time"));
}

static gboolean
g_isle_pool_waiter_cancelled_cb (GCancellable *cancellable,
                                 gpointer      data)
{
  return g_isle_pool_waiter_expire (data, G_IO_ERROR_CANCELLED,
                                    _("Operation was cancelled"));
}

/**
 * g_isle_pool_checkout_async:
 * @self: a #GIslePool
 * @timeout_ms: how long to wait for an isle when all are checked out, in
 *   milliseconds; 0 to wait as long as it takes
 * @cancellable: (nullable): optional #GCancellable
 * @callback: (scope async): called when an isle is ready or the checkout
 *   failed
 * @user_data: (closure): data for @callback
 *
 * Checks out an isle without blocking. A warm pool hands out an idle isle
 * if it has one. Otherwise, if fewer than #GIslePool:max-size isles exist,
 * the pool starts a new one with its properties; a new isle that fails to
 * start (a failing #GIslePool:setup-code, for example) fails the checkout
 * with its error. Otherwise the checkout waits, behind earlier ones, until
 * an isle is given back or discarded, @cancellable is cancelled
 * (%G_IO_ERROR_CANCELLED) or @timeout_ms pass (%G_IO_ERROR_TIMED_OUT).
 *
 * @callback runs in the thread-default main context of the calling thread,
 * and a new isle's #GIsle:main-context is that context. Finish with
 * g_isle_pool_checkout_finish(). As with any GIO call, the pending
 * checkout holds a reference to the pool.
 */
void
g_isle_pool_checkout_async (GIslePool           *self,
                            guint                timeout_ms,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GislePoolWaiter *waiter;
  GIsle *isle = NULL;
  gboolean got;

  g_return_if_fail (G_IS_ISLE_POOL (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, g_isle_pool_checkout_async);
  /* A granted isle must reach the caller (or be dropped, which frees its
   * slot), never be replaced by a late cancellation. */
  g_task_set_check_cancellable (task, FALSE);

  if (g_task_return_error_if_cancelled (task))
    return;

  gisle_mutex_lock (&self->lock);
  if (self->disposed)
    {
      gisle_mutex_unlock (&self->lock);
      g_task_return_new_error (task, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED,
                               _("The pool was disposed"));
      return;
    }

  got = g_isle_pool_try_take_locked (self, &isle);
  if (got)
    {
      gisle_mutex_unlock (&self->lock);
      g_isle_pool_serve_task (task, isle, TRUE);
      return;
    }

  waiter = g_new0 (GislePoolWaiter, 1);
  waiter->ref_count = 1;                    /* the queue's */
  waiter->task = g_steal_pointer (&task);
  g_queue_push_tail (&self->waiters, waiter);

  /* Attached under the lock, so that whoever grants the waiter finds them
   * and can destroy them (after unlocking). */
  GISLE_TSAN_RELEASE (waiter);
  if (timeout_ms > 0)
    {
      waiter->timeout_source = g_timeout_source_new (timeout_ms);
      g_source_set_callback (waiter->timeout_source, g_isle_pool_waiter_timeout_cb,
                             gisle_pool_waiter_ref (waiter), gisle_pool_waiter_unref);
      g_source_set_name (waiter->timeout_source, "[gisle] pool checkout timeout");
      gisle_source_attach (waiter->timeout_source, g_task_get_context (waiter->task));
    }
  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (g_isle_pool_waiter_cancelled_cb),
                             gisle_pool_waiter_ref (waiter), gisle_pool_waiter_unref);
      g_source_set_name (waiter->cancel_source, "[gisle] pool checkout cancelled");
      gisle_source_attach (waiter->cancel_source, g_task_get_context (waiter->task));
    }
  gisle_mutex_unlock (&self->lock);
}

/**
 * g_isle_pool_checkout_finish:
 * @self: a #GIslePool
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes g_isle_pool_checkout_async(). Give the isle back with
 * g_isle_pool_give_back() (or throw it away with g_isle_pool_discard())
 * when done, then drop your reference.
 *
 * Returns: (transfer full): an isle, or %NULL with @error set
 */
GIsle *
g_isle_pool_checkout_finish (GIslePool     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (G_IS_ISLE_POOL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == g_isle_pool_checkout_async, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * g_isle_pool_give_back:
 * @self: a #GIslePool
 * @isle: an isle checked out from @self
 *
 * Returns an isle to the pool; drop your own reference afterwards and do
 * not use the isle again. A warm pool keeps it, Lua state and all, for the
 * next checkout; a cold pool closes it (without waiting). An isle that is
 * closed or defunct is discarded, see g_isle_pool_discard(). Either way
 * the first waiting checkout, if any, gets the isle or its slot.
 *
 * Give an isle back only when none of your jobs on it is running or
 * queued: a warm pool hands it to the next caller as it is.
 *
 * May be called from any thread.
 */
void
g_isle_pool_give_back (GIslePool *self,
                       GIsle     *isle)
{
  GSList *granted;
  gboolean keep;

  g_return_if_fail (G_IS_ISLE_POOL (self));
  g_return_if_fail (G_IS_ISLE (isle));

  if (!g_isle_pool_take_lease (self, isle, G_STRFUNC))
    return;

  keep = self->warm && g_isle_pool_usable (isle);

  gisle_mutex_lock (&self->lock);
  keep = keep && !self->disposed;
  g_assert (self->n_active > 0);
  self->n_active--;
  if (keep)
    g_queue_push_head (&self->idle, g_object_ref (isle));
  granted = g_isle_pool_grant_locked (self);
  gisle_mutex_unlock (&self->lock);

  if (!keep)
    g_isle_pool_close_isle (g_object_ref (isle));
  g_isle_pool_serve_waiters (granted);
}

/**
 * g_isle_pool_discard:
 * @self: a #GIslePool
 * @isle: an isle checked out from @self
 *
 * Throws away an isle checked out from the pool, for example one whose
 * state a failed script left in a mess: the isle is closed (without
 * waiting) and its slot is freed for the first waiting checkout, which
 * gets a new isle. Drop your own reference afterwards.
 *
 * May be called from any thread.
 */
void
g_isle_pool_discard (GIslePool *self,
                     GIsle     *isle)
{
  g_return_if_fail (G_IS_ISLE_POOL (self));
  g_return_if_fail (G_IS_ISLE (isle));

  if (!g_isle_pool_take_lease (self, isle, G_STRFUNC))
    return;

  g_isle_pool_close_isle (g_object_ref (isle));
  g_isle_pool_release_slot (self);
}

/**
 * g_isle_pool_get_n_active:
 * @self: a #GIslePool
 *
 * Gets #GIslePool:n-active as it is now, which may be ahead of the last
 * notification.
 *
 * Returns: how many isles are checked out or being created
 */
guint
g_isle_pool_get_n_active (GIslePool *self)
{
  guint n;

  g_return_val_if_fail (G_IS_ISLE_POOL (self), 0);

  gisle_mutex_lock (&self->lock);
  n = self->n_active;
  gisle_mutex_unlock (&self->lock);
  return n;
}

/**
 * g_isle_pool_get_n_idle:
 * @self: a #GIslePool
 *
 * Gets #GIslePool:n-idle as it is now, which may be ahead of the last
 * notification.
 *
 * Returns: how many isles wait for a checkout
 */
guint
g_isle_pool_get_n_idle (GIslePool *self)
{
  guint n;

  g_return_val_if_fail (G_IS_ISLE_POOL (self), 0);

  gisle_mutex_lock (&self->lock);
  n = self->idle.length;
  gisle_mutex_unlock (&self->lock);
  return n;
}

/**
 * g_isle_pool_get_max_size:
 * @self: a #GIslePool
 *
 * Gets #GIslePool:max-size.
 *
 * Returns: the most isles the pool has at once
 */
guint
g_isle_pool_get_max_size (GIslePool *self)
{
  g_return_val_if_fail (G_IS_ISLE_POOL (self), 0);
  return self->max_size;
}

/**
 * g_isle_pool_get_warm:
 * @self: a #GIslePool
 *
 * Gets #GIslePool:warm.
 *
 * Returns: whether isles given back are reused
 */
gboolean
g_isle_pool_get_warm (GIslePool *self)
{
  g_return_val_if_fail (G_IS_ISLE_POOL (self), FALSE);
  return self->warm;
}

/**
 * g_isle_pool_get_executor:
 * @self: a #GIslePool
 *
 * Gets #GIslePool:executor.
 *
 * Returns: (transfer none) (nullable): the executor, or %NULL if each isle
 *   has a thread of its own
 */
GIsleExecutor *
g_isle_pool_get_executor (GIslePool *self)
{
  g_return_val_if_fail (G_IS_ISLE_POOL (self), NULL);
  return self->executor;
}
