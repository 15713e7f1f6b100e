/* test-executor-core.c: the generic executor alone, with plain work items
 * (white-box: no Lua, no isle).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-executor-private.h"

#include <pthread.h>

#include "gisle-test-utils.h"

/* A pthread mutex: GLib's own is invisible to ThreadSanitizer. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct
{
  GisleExecutorItem item;
  char label;
  gint turns_left;          /* atomic */
  gint running;             /* atomic: turns in progress, never above 1 */
  gint released;            /* atomic */
  GString *log;             /* shared, under log_lock */
  gint *block;              /* atomic flag: the turn waits while it is set */
  gboolean finish_abandoned;
} Item;

static GisleSlice
item_run_slice (gpointer data)
{
  Item *it = data;
  gint64 end_time = g_get_monotonic_time () + GISLE_TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;
  gint left;

  g_assert_cmpint (g_atomic_int_add (&it->running, 1), ==, 0);
  pthread_mutex_lock (&log_lock);
  g_string_append_c (it->log, it->label);
  pthread_mutex_unlock (&log_lock);

  /* A turn stuck where nothing can interrupt it, until released. */
  while (it->block != NULL && g_atomic_int_get (it->block))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_usleep (200);
    }

  left = g_atomic_int_add (&it->turns_left, -1) - 1;
  g_atomic_int_add (&it->running, -1);
  if (left > 0)
    return GISLE_SLICE_MORE;
  return it->finish_abandoned ? GISLE_SLICE_ABANDONED : GISLE_SLICE_EXITED;
}

static void
item_release (gpointer data)
{
  Item *it = data;

  g_assert_cmpint (g_atomic_int_add (&it->released, 1), ==, 0);
}

static void
item_init (Item       *it,
           char        label,
           gint        turns,
           const char *name,
           GString    *log)
{
  memset (it, 0, sizeof *it);
  it->label = label;
  it->turns_left = turns;
  it->log = log;
  it->item.run_slice = item_run_slice;
  it->item.release = item_release;
  it->item.data = it;
  it->item.name = (char *) name;
}

static void
wait_released (Item *it)
{
  gint64 end_time = g_get_monotonic_time () + GISLE_TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;

  while (!g_atomic_int_get (&it->released))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end_time);
      g_usleep (200);
    }
}

static char *
log_get (GString *log)
{
  char *copy;

  pthread_mutex_lock (&log_lock);
  copy = g_strdup (log->str);
  pthread_mutex_unlock (&log_lock);
  return copy;
}

/* On one thread, items take turns one turn at a time, and each is let go
 * (exactly once) after its last turn. */
static void
test_turns (void)
{
  GisleExecutor *executor = gisle_executor_new (1);
  g_autoptr(GString) log = g_string_new (NULL);
  g_autofree char *seen = NULL;
  gint block = 1;
  Item gate, a, b;

  /* The gate holds the only thread while A and B get in line. */
  item_init (&gate, 'g', 1, NULL, log);
  gate.block = &block;
  item_init (&a, 'a', 3, NULL, log);
  item_init (&b, 'b', 2, NULL, log);
  gisle_executor_attach (executor, &gate.item);
  gisle_executor_attach (executor, &a.item);
  gisle_executor_attach (executor, &b.item);
  g_assert_cmpuint (gisle_executor_count (executor), ==, 3);

  gisle_executor_schedule (executor, &gate.item);
  gisle_executor_schedule (executor, &a.item);
  gisle_executor_schedule (executor, &b.item);
  g_atomic_int_set (&block, 0);

  wait_released (&gate);
  wait_released (&a);
  wait_released (&b);
  seen = log_get (log);
  g_assert_cmpstr (seen, ==, "gababa");
  g_assert_cmpuint (gisle_executor_count (executor), ==, 0);

  gisle_executor_shut_down (executor);
  gisle_executor_unref (executor);
}

/* On several threads an item still never runs two turns at once. */
static void
test_one_thread_per_item (void)
{
  GisleExecutor *executor = gisle_executor_new (4);
  g_autoptr(GString) log = g_string_new (NULL);
  Item items[8];

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      item_init (&items[i], 'a' + i, 200, NULL, log);
      gisle_executor_attach (executor, &items[i].item);
    }
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    gisle_executor_schedule (executor, &items[i].item);
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    wait_released (&items[i]);
  g_assert_cmpuint (log->len, ==, 8 * 200);

  gisle_executor_shut_down (executor);
  gisle_executor_unref (executor);
}

/* A stuck thread is replaced: the others' items go on; when the stuck turn
 * comes back abandoned, its thread leaves and the item is let go. */
static void
test_replace_thread (void)
{
  GisleExecutor *executor = gisle_executor_new (1);
  g_autoptr(GString) log = g_string_new (NULL);
  gint block = 1;
  Item stuck, other;

  item_init (&stuck, 's', 1, NULL, log);
  stuck.block = &block;
  stuck.finish_abandoned = TRUE;
  item_init (&other, 'o', 1, NULL, log);
  gisle_executor_attach (executor, &stuck.item);
  gisle_executor_attach (executor, &other.item);
  gisle_executor_schedule (executor, &stuck.item);
  gisle_executor_schedule (executor, &other.item);

  gisle_executor_replace_thread (executor);
  wait_released (&other);
  g_assert_false (g_atomic_int_get (&stuck.released));

  g_atomic_int_set (&block, 0);
  wait_released (&stuck);

  gisle_executor_shut_down (executor);
  gisle_executor_unref (executor);
}

static gpointer
label_if_not_x (gpointer data)
{
  Item *it = data;

  return it->label == 'x' ? NULL : GINT_TO_POINTER ((gint) it->label);
}

/* Names: the first attached item that answers is found; a forgotten one
 * is neither found nor counted. */
static void
test_find_and_forget (void)
{
  GisleExecutor *executor = gisle_executor_new (1);
  g_autoptr(GString) log = g_string_new (NULL);
  Item x, y, z;

  item_init (&x, 'x', 1, "twins", log);
  item_init (&y, 'y', 1, "twins", log);
  item_init (&z, 'z', 1, "single", log);
  gisle_executor_attach (executor, &x.item);
  gisle_executor_attach (executor, &y.item);
  gisle_executor_attach (executor, &z.item);

  /* x declines (as a dropped isle would): y is found. */
  g_assert_cmpint (GPOINTER_TO_INT (gisle_executor_find (executor, "twins", label_if_not_x)), ==, 'y');
  g_assert_cmpint (GPOINTER_TO_INT (gisle_executor_find (executor, "single", label_if_not_x)), ==, 'z');
  g_assert_null (gisle_executor_find (executor, "nobody", label_if_not_x));

  gisle_executor_forget (executor, &y.item);
  gisle_executor_forget (executor, &y.item);
  g_assert_null (gisle_executor_find (executor, "twins", label_if_not_x));
  g_assert_cmpuint (gisle_executor_count (executor), ==, 2);

  for (Item *it = &x; it != NULL; it = it == &x ? &y : it == &y ? &z : NULL)
    gisle_executor_schedule (executor, &it->item);
  wait_released (&x);
  wait_released (&y);
  wait_released (&z);
  g_assert_cmpuint (gisle_executor_count (executor), ==, 0);

  gisle_executor_shut_down (executor);
  gisle_executor_unref (executor);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/executor-core/turns", test_turns);
  g_test_add_func ("/executor-core/one-thread-per-item", test_one_thread_per_item);
  g_test_add_func ("/executor-core/replace-thread", test_replace_thread);
  g_test_add_func ("/executor-core/find-and-forget", test_find_and_forget);

  return g_test_run ();
}
