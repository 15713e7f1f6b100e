/* gisle-lock-private.h: mutexes and conditions that ThreadSanitizer sees.
 *
 * GLib's GMutex and GCond are futex-based on Linux, and Debian's GLib is not
 * built with ThreadSanitizer, so TSan cannot see the happens-before edges
 * they create and reports races that cannot happen. These wrappers state
 * those edges explicitly in TSan builds and are plain GLib calls otherwise.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#if defined(__SANITIZE_THREAD__)
# define GISLE_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define GISLE_TSAN 1
# endif
#endif

#ifdef GISLE_TSAN
void __tsan_acquire (void *addr);
void __tsan_release (void *addr);

static inline void
gisle_mutex_lock (GMutex *mutex)
{
  g_mutex_lock (mutex);
  __tsan_acquire (mutex);
}

static inline void
gisle_mutex_unlock (GMutex *mutex)
{
  __tsan_release (mutex);
  g_mutex_unlock (mutex);
}

static inline void
gisle_cond_wait (GCond  *cond,
                 GMutex *mutex)
{
  __tsan_release (mutex);
  g_cond_wait (cond, mutex);
  __tsan_acquire (mutex);
}

static inline gboolean
gisle_cond_wait_until (GCond  *cond,
                       GMutex *mutex,
                       gint64  end_time)
{
  gboolean signalled;

  __tsan_release (mutex);
  signalled = g_cond_wait_until (cond, mutex, end_time);
  __tsan_acquire (mutex);
  return signalled;
}

/* A hand-off through GLib internals that TSan cannot see (a GSource
 * attached in one thread and dispatched in another, a GCancellable handler
 * running in the cancelling thread): release before, acquire after. */
# define GISLE_TSAN_RELEASE(p) __tsan_release ((void *) (p))
# define GISLE_TSAN_ACQUIRE(p) __tsan_acquire ((void *) (p))

/* GMainContext's own mutex orders every attach and destroy on a context;
 * say so, or each source of another isle looks like a race. */
static inline guint
gisle_source_attach (GSource      *source,
                     GMainContext *context)
{
  guint id;

  __tsan_acquire (context);
  id = g_source_attach (source, context);
  __tsan_release (context);
  return id;
}

static inline void
gisle_source_destroy (GSource *source)
{
  GMainContext *context = g_source_get_context (source);

  if (context != NULL)
    __tsan_acquire (context);
  g_source_destroy (source);
  if (context != NULL)
    __tsan_release (context);
}

/* GMainContext's reference count is an atomic TSan cannot see: the last
 * unref, on whichever thread, frees memory other threads used. Every
 * unref of a context the library shares releases and acquires, which is
 * what the atomic does. */
static inline void
gisle_main_context_unref (GMainContext *context)
{
  __tsan_release (context);
  __tsan_acquire (context);
  g_main_context_unref (context);
}

/* GObject's signal system has one global lock that orders connecting and
 * disconnecting handlers of any object. An annotation around the call is
 * not enough: it can run before the other thread's call has released
 * GLib's lock, and TSan then sees the reallocation of the handler list in
 * both threads unordered. So TSan builds take a real lock of their own. */
extern GMutex gisle_tsan_signal_lock;

static inline gulong
gisle_cancellable_connect (GCancellable   *cancellable,
                           GCallback       callback,
                           gpointer        data,
                           GDestroyNotify  notify)
{
  gulong id;

  gisle_mutex_lock (&gisle_tsan_signal_lock);
  id = g_cancellable_connect (cancellable, callback, data, notify);
  gisle_mutex_unlock (&gisle_tsan_signal_lock);
  return id;
}

static inline void
gisle_cancellable_disconnect (GCancellable *cancellable,
                              gulong        id)
{
  gisle_mutex_lock (&gisle_tsan_signal_lock);
  g_cancellable_disconnect (cancellable, id);
  gisle_mutex_unlock (&gisle_tsan_signal_lock);
}
#else
# define gisle_cancellable_connect    g_cancellable_connect
# define gisle_cancellable_disconnect g_cancellable_disconnect
# define gisle_source_attach    g_source_attach
# define gisle_source_destroy   g_source_destroy
# define gisle_main_context_unref g_main_context_unref
# define GISLE_TSAN_RELEASE(p) ((void) 0)
# define GISLE_TSAN_ACQUIRE(p) ((void) 0)
# define gisle_mutex_lock       g_mutex_lock
# define gisle_mutex_unlock     g_mutex_unlock
# define gisle_cond_wait        g_cond_wait
# define gisle_cond_wait_until  g_cond_wait_until
#endif
