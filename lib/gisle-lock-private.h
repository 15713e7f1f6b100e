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

#include <glib.h>

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
#else
# define GISLE_TSAN_RELEASE(p) ((void) 0)
# define GISLE_TSAN_ACQUIRE(p) ((void) 0)
# define gisle_mutex_lock       g_mutex_lock
# define gisle_mutex_unlock     g_mutex_unlock
# define gisle_cond_wait        g_cond_wait
# define gisle_cond_wait_until  g_cond_wait_until
#endif
