/* gisle-dispatch.c: delivering results, output and events in the right
 * GMainContext.
 *
 * Floor 5 (the delivery queue): it knows events, not jobs (each event
 * carries its own deliver function), reaches the isle's signals through
 * the GisleSignalSink the GIsle registers, and holds the worker through
 * its GisleOwnerClass.
 *
 * Thread rule: queueing from any thread under worker->dispatch_lock;
 * draining and delivering only in the queue's own context.
 *
 * The worker never calls into a main context. It appends to a queue per
 * context, and one GSource attached to that context drains the queue in
 * order, many items per wake-up. Output, events and host calls always go to
 * the isle's owner context; a job's completion goes to the context of its
 * GTask. When that is the owner context (the usual case), a job's output is
 * therefore always delivered before its callback runs.
 *
 * A source is attached (g_source_attach), never invoked with
 * g_main_context_invoke, which could run the callback right away in the
 * calling thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-dispatch-private.h"

#include <string.h>

/* Work done per wake-up before yielding to the rest of the main loop, so
 * a flood of output never starves timers, input or redraws. */
#define GISLE_DISPATCH_BATCH      256
#define GISLE_DISPATCH_BUDGET_US  4000

struct _GisleDispatcher
{
  GisleWorker *worker;
  GMainContext *context;
  GQueue events;                 /* under worker->dispatch_lock */
  GSource *source;               /* attached while events are pending */

  /* Context thread only: events taken from @events and not yet emitted.
   * An emission runs application code, which may make a blocking call that
   * serves this context (gisle_dispatch_serve_owner()); keeping what was
   * taken here rather than on the stack lets that nested serve emit it
   * first, so text never arrives out of order. */
  GQueue in_hand;

  /* Context thread only: the unfinished UTF-8 sequence at the end of the
   * last emitted text, held back so a character split across two writes
   * arrives whole. */
  GString *carry;
  guint64 carry_job;
  GIsleStream carry_stream;
};

/* One emission carries at most this much text, so a slow output handler
 * never holds the main loop for long. */
#define GISLE_DISPATCH_MAX_TEXT (64 * 1024)

static GisleEvent *
gisle_event_new (GisleEventKind kind)
{
  GisleEvent *event = g_new0 (GisleEvent, 1);

  event->link.data = event;
  event->kind = kind;
  return event;
}

static void
gisle_event_free (GisleEvent *event)
{
  if (event->release != NULL)
    {
      /* An event that lives in its owner (a job's completion). */
      event->release (event);
      return;
    }
  if (event->text != NULL)
    g_string_free (event->text, TRUE);
  g_free (event->name);
  g_free (event->progress_text);
  g_clear_pointer (&event->value, g_variant_unref);
  if (event->notify != NULL)
    event->notify (event->data);
  g_free (event);
}

/* Length of the valid text in @text, leaving out a trailing sequence that
 * is the start of a character still to come (at most 3 bytes). */
static gsize
gisle_dispatch_complete_prefix (const char *text,
                                gsize       len)
{
  for (gsize back = 1; back <= 3 && back <= len; back++)
    {
      guchar c = (guchar) text[len - back];

      if ((c & 0xc0) != 0x80)
        {
          /* A lead byte: is the rest a partial character? */
          if (g_utf8_get_char_validated (text + len - back, back) == (gunichar) -2)
            return len - back;
          break;
        }
    }
  return len;
}

static void
gisle_dispatch_emit_text (GisleDispatcher *dispatcher,
                          GIsle           *isle,
                          guint64          job_id,
                          GIsleStream      stream,
                          const char      *text,
                          gsize            len)
{
  g_autofree char *valid = NULL;
  g_autofree char *copy = NULL;

  if (len == 0 || isle == NULL)
    return;
  if (!g_utf8_validate_len (text, len, NULL))
    {
      text = valid = g_utf8_make_valid (text, len);
      len = strlen (valid);
    }

  /* Held-back bytes and U+FFFD replacements can push a piece past the
   * limit: cut again, at character boundaries. */
  while (len > 0)
    {
      gsize piece = len;

      if (piece > GISLE_DISPATCH_MAX_TEXT)
        piece = g_utf8_find_prev_char (text, text + GISLE_DISPATCH_MAX_TEXT + 1) - text;
      if (piece == len && text[len] == '\0')
        dispatcher->worker->signals->output (isle, job_id, stream, text);
      else
        {
          g_free (copy);
          copy = g_strndup (text, piece);
          dispatcher->worker->signals->output (isle, job_id, stream, copy);
        }
      text += piece;
      len -= piece;
    }
}

/* Emits what was held back, as it is (an unfinished character becomes
 * U+FFFD): the writer moved on to another job or stream. */
static void
gisle_dispatch_flush_carry (GisleDispatcher *dispatcher,
                            GIsle           *isle)
{
  if (dispatcher->carry == NULL || dispatcher->carry->len == 0)
    return;
  gisle_dispatch_emit_text (dispatcher, isle, dispatcher->carry_job, dispatcher->carry_stream,
                            dispatcher->carry->str, dispatcher->carry->len);
  g_string_truncate (dispatcher->carry, 0);
}

static void
gisle_dispatch_emit_output (GisleDispatcher *dispatcher,
                            GIsle           *isle,
                            GisleEvent      *event)
{
  GString *text = event->text;
  gsize complete;

  if (dispatcher->carry == NULL)
    dispatcher->carry = g_string_new (NULL);

  if (dispatcher->carry->len > 0)
    {
      if (dispatcher->carry_job == event->job_id && dispatcher->carry_stream == event->stream)
        g_string_prepend_len (text, dispatcher->carry->str, dispatcher->carry->len);
      else
        gisle_dispatch_flush_carry (dispatcher, isle);
      g_string_truncate (dispatcher->carry, 0);
    }

  complete = gisle_dispatch_complete_prefix (text->str, text->len);
  g_string_append_len (dispatcher->carry, text->str + complete, text->len - complete);
  dispatcher->carry_job = event->job_id;
  dispatcher->carry_stream = event->stream;
  gisle_dispatch_emit_text (dispatcher, isle, event->job_id, event->stream, text->str, complete);
}

static void
gisle_dispatch_emit (GisleDispatcher *dispatcher,
                     GisleEvent      *event)
{
  GisleWorker *worker = dispatcher->worker;
  /* Held while its signals are emitted; a plain GObject to this floor,
   * which reaches the isle only through its signal sink. */
  g_autoptr(GObject) held = NULL;
  GIsle *isle = NULL;

  if (event->kind == GISLE_EVENT_OUTPUT)
    {
      isle = (GIsle *) (held = g_weak_ref_get (&worker->isle));
      gisle_dispatch_emit_output (dispatcher, isle, event);
      return;
    }

  if (event->kind == GISLE_EVENT_COMPLETE)
    {
      /* The job wrote its last byte: nothing more will finish a held-back
       * character, and its output must come before its result. */
      if (dispatcher->carry != NULL && dispatcher->carry_job == event->job_id)
        {
          isle = (GIsle *) (held = g_weak_ref_get (&worker->isle));
          gisle_dispatch_flush_carry (dispatcher, isle);
        }
      event->deliver (event);
      return;
    }
  if (event->kind == GISLE_EVENT_INVOKE)
    {
      event->func (event->data);
      return;
    }

  /* Signals need the object; if it is gone, nobody is listening. */
  isle = (GIsle *) (held = g_weak_ref_get (&worker->isle));
  if (isle == NULL)
    return;

  switch (event->kind)
    {
    case GISLE_EVENT_OUTPUT:
      g_assert_not_reached ();

    case GISLE_EVENT_EVENT:
      worker->signals->event (isle, event->name, event->value);
      break;

    case GISLE_EVENT_PROGRESS:
      {
        g_autofree char *valid = NULL;
        const char *text = event->progress_text;

        /* Scripts may pass any bytes; signal strings are UTF-8. */
        if (text != NULL && !g_utf8_validate (text, -1, NULL))
          text = valid = g_utf8_make_valid (text, -1);
        worker->signals->progress (isle, event->job_id, event->fraction, text);
      }
      break;

    case GISLE_EVENT_NOTIFY:
      g_object_notify (G_OBJECT (isle), event->property);
      break;

    case GISLE_EVENT_COMPLETE:
    case GISLE_EVENT_INVOKE:
    default:
      g_assert_not_reached ();
    }
}

/* Lets the worker write again once the host caught up. */
static void
gisle_dispatch_release_output (GisleWorker *worker,
                               gsize        bytes)
{
  if (bytes == 0)
    return;
  gisle_mutex_lock (&worker->dispatch_lock);
  worker->output_pending -= bytes;
  if (worker->output_pending <= GISLE_OUTPUT_HIGH_WATER / 2)
    g_cond_broadcast (&worker->output_cond);
  gisle_mutex_unlock (&worker->dispatch_lock);
}

static gboolean
gisle_dispatch_drain (gpointer data)
{
  GisleDispatcher *dispatcher = data;
  GisleWorker *worker;
  gint64 deadline = g_get_monotonic_time () + GISLE_DISPATCH_BUDGET_US;
  /* GTask hands a result to its callback at once only when the task was
   * made before this main-loop iteration; a newer one (submitted by a
   * callback earlier in this very drain) takes an extra idle source and
   * iteration each. Such results wait for the next iteration instead, all
   * together. */
  gint64 iteration_time = g_source_get_time (g_main_current_source ());

  GISLE_TSAN_ACQUIRE (dispatcher);
  worker = dispatcher->worker;

  for (;;)
    {
      guint n = 0;
      gsize output_bytes = 0;
      gboolean next_iteration = FALSE;
      GList *link;

      gisle_mutex_lock (&worker->dispatch_lock);
      while (n < GISLE_DISPATCH_BATCH && !g_queue_is_empty (&dispatcher->events))
        {
          GisleEvent *head = g_queue_peek_head (&dispatcher->events);

          if (head->kind == GISLE_EVENT_COMPLETE &&
              head->created_at >= iteration_time)
            {
              next_iteration = TRUE;
              break;
            }
          g_queue_push_tail_link (&dispatcher->in_hand, g_queue_pop_head_link (&dispatcher->events));
          n++;
        }
      if (g_queue_is_empty (&dispatcher->in_hand) && !next_iteration)
        {
          /* Nothing left: detach; the next event attaches a new source. */
          g_clear_pointer (&dispatcher->source, g_source_unref);
          gisle_mutex_unlock (&worker->dispatch_lock);
          /* The next drain may run in another thread that acquired the
           * context after this one released it. */
          GISLE_TSAN_RELEASE (dispatcher);
          return G_SOURCE_REMOVE;
        }
      gisle_mutex_unlock (&worker->dispatch_lock);

      while ((link = g_queue_pop_head_link (&dispatcher->in_hand)) != NULL)
        {
          GisleEvent *event = link->data;

          /* Released only once emitted, so what is in flight never exceeds
           * the high-water mark by more than one write. */
          output_bytes += event->cost;
          gisle_dispatch_emit (dispatcher, event);
          gisle_event_free (event);
        }
      gisle_dispatch_release_output (worker, output_bytes);

      if (next_iteration)
        {
          GISLE_TSAN_RELEASE (dispatcher);
          return G_SOURCE_CONTINUE;
        }

      if (g_get_monotonic_time () >= deadline)
        {
          gboolean more;

          /* Out of time: stay attached only if there is more to do, or the
           * source (and its worker reference) would linger in a context
           * that may never run again. */
          gisle_mutex_lock (&worker->dispatch_lock);
          more = !g_queue_is_empty (&dispatcher->events);
          if (!more)
            g_clear_pointer (&dispatcher->source, g_source_unref);
          gisle_mutex_unlock (&worker->dispatch_lock);
          GISLE_TSAN_RELEASE (dispatcher);
          return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
        }
    }
}

static void
gisle_dispatch_source_done (gpointer data)
{
  GisleDispatcher *dispatcher = data;

  dispatcher->worker->owner_class->unref (dispatcher->worker);
}

/* Under dispatch_lock. */
static GisleDispatcher *
gisle_dispatch_get (GisleWorker  *worker,
                    GMainContext *context)
{
  GisleDispatcher *dispatcher;

  for (guint i = 0; i < worker->dispatchers->len; i++)
    {
      dispatcher = worker->dispatchers->pdata[i];
      if (dispatcher->context == context)
        return dispatcher;
    }

  dispatcher = g_new0 (GisleDispatcher, 1);
  dispatcher->worker = worker;
  dispatcher->context = g_main_context_ref (context);
  g_queue_init (&dispatcher->events);
  g_queue_init (&dispatcher->in_hand);
  g_ptr_array_add (worker->dispatchers, dispatcher);
  return dispatcher;
}

/* Under dispatch_lock. */
static void
gisle_dispatch_push (GisleDispatcher *dispatcher,
                     GisleEvent      *event)
{
  dispatcher->worker->output_pending += event->cost;
  g_queue_push_tail_link (&dispatcher->events, &event->link);

  if (dispatcher->source == NULL)
    {
      GSource *source = g_idle_source_new ();

      /* Results are as urgent as any other default-priority work. */
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (source, "[gisle] dispatch");
      dispatcher->worker->owner_class->ref (dispatcher->worker);
      g_source_set_callback (source, gisle_dispatch_drain, dispatcher,
                             gisle_dispatch_source_done);
      dispatcher->source = source;
      GISLE_TSAN_RELEASE (dispatcher);
      gisle_source_attach (source, dispatcher->context);
    }
}

static void
gisle_dispatch_to_owner (GisleWorker *worker,
                         GisleEvent  *event)
{
  gisle_mutex_lock (&worker->dispatch_lock);
  gisle_dispatch_push (gisle_dispatch_get (worker, worker->owner_context), event);
  gisle_mutex_unlock (&worker->dispatch_lock);
}

/* Queues a completion (@event, filled in by its job, with its deliver and
 * release functions) for @context, after everything queued there before. */
void
gisle_dispatch_complete (GisleWorker  *worker,
                         GMainContext *context,
                         GisleEvent   *event)
{
  event->link.data = event;
  event->kind = GISLE_EVENT_COMPLETE;

  gisle_mutex_lock (&worker->dispatch_lock);
  gisle_dispatch_push (gisle_dispatch_get (worker, context), event);
  gisle_mutex_unlock (&worker->dispatch_lock);
}

/* Consecutive writes of one job to one stream travel as one piece of text,
 * so a million print() calls are not a million signal emissions. */
void
gisle_dispatch_output (GisleWorker *worker,
                       guint64      job_id,
                       GIsleStream  stream,
                       const char  *data,
                       gsize        len)
{
  GisleDispatcher *dispatcher;
  GisleEvent *tail;

  dispatcher = gisle_dispatch_get (worker, worker->owner_context);

  while (len > 0)
    {
      gsize room, piece;

      tail = g_queue_peek_tail (&dispatcher->events);
      if (tail == NULL || tail->kind != GISLE_EVENT_OUTPUT ||
          tail->job_id != job_id || tail->stream != stream ||
          tail->text->len >= GISLE_DISPATCH_MAX_TEXT)
        {
          tail = gisle_event_new (GISLE_EVENT_OUTPUT);
          tail->job_id = job_id;
          tail->stream = stream;
          tail->text = g_string_sized_new (MIN (len, GISLE_DISPATCH_MAX_TEXT));
          gisle_dispatch_push (dispatcher, tail);
        }

      room = GISLE_DISPATCH_MAX_TEXT - tail->text->len;
      piece = MIN (room, len);
      g_string_append_len (tail->text, data, piece);
      tail->cost += piece;
      worker->output_pending += piece;
      data += piece;
      len -= piece;
    }
}

void
gisle_dispatch_event (GisleWorker *worker,
                      const char  *name,
                      GVariant    *value)
{
  GisleEvent *event = gisle_event_new (GISLE_EVENT_EVENT);

  event->name = g_strdup (name);
  /* Takes the caller's reference: the worker never touches the value
   * again, so the last reference is always dropped here, in the owner
   * context. */
  event->value = g_variant_take_ref (value);
  event->cost = sizeof *event + strlen (name) + g_variant_get_size (value);
  gisle_dispatch_to_owner (worker, event);
}

void
gisle_dispatch_progress (GisleWorker *worker,
                         guint64      job_id,
                         double       fraction,
                         const char  *text)
{
  GisleEvent *event = gisle_event_new (GISLE_EVENT_PROGRESS);

  event->job_id = job_id;
  event->fraction = fraction;
  event->progress_text = g_strdup (text);
  event->cost = sizeof *event + (text != NULL ? strlen (text) : 0);
  gisle_dispatch_to_owner (worker, event);
}

/* @property is a static string (a property name literal). */
void
gisle_dispatch_notify (GisleWorker *worker,
                       const char  *property)
{
  GisleEvent *event = gisle_event_new (GISLE_EVENT_NOTIFY);

  event->property = property;
  gisle_dispatch_to_owner (worker, event);
}

void
gisle_dispatch_invoke (GisleWorker    *worker,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  notify)
{
  GisleEvent *event = gisle_event_new (GISLE_EVENT_INVOKE);

  event->func = func;
  event->data = data;
  event->notify = notify;

  gisle_mutex_lock (&worker->dispatch_lock);
  gisle_dispatch_push (gisle_dispatch_get (worker, worker->owner_context), event);
  gisle_mutex_unlock (&worker->dispatch_lock);
  gisle_dispatch_nudge_blocked_caller (worker);
}

/* Blocking calls in progress, by the main context their thread owns and
 * serves meanwhile (the innermost one per context); and, per context, the
 * isles with work there that no blocked call was told about yet (not
 * owned: a worker leaves the table before it is freed). */
static GMutex gisle_blocked_lock;
static GHashTable *gisle_blocked_calls;
static GHashTable *gisle_awaiting;       /* GMainContext -> GPtrArray of GisleWorker */

static void
gisle_dispatch_registry_init_locked (void)
{
  if (gisle_blocked_calls == NULL)
    {
      gisle_blocked_calls = g_hash_table_new (NULL, NULL);
      gisle_awaiting = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
    }
}

/* The owner context of @worker has work that cannot wait for its main loop
 * (a host call, or output the worker waits to write). If the thread that
 * owns that context is blocked in a call, on this isle or any other, it
 * serves the work itself: its main loop cannot. Otherwise the isle is
 * remembered, for a blocking call that begins later. */
void
gisle_dispatch_nudge_blocked_caller (GisleWorker *worker)
{
  GisleBlockedCall *call;

  gisle_mutex_lock (&gisle_blocked_lock);
  gisle_dispatch_registry_init_locked ();
  call = g_hash_table_lookup (gisle_blocked_calls, worker->owner_context);
  if (call != NULL)
    call->nudge (call->waiter, worker);
  else
    {
      GPtrArray *awaiting = g_hash_table_lookup (gisle_awaiting, worker->owner_context);

      if (awaiting == NULL)
        {
          awaiting = g_ptr_array_new ();
          g_hash_table_insert (gisle_awaiting, worker->owner_context, awaiting);
        }
      if (!g_ptr_array_find (awaiting, worker, NULL))
        g_ptr_array_add (awaiting, worker);
    }
  gisle_mutex_unlock (&gisle_blocked_lock);
}

/* From the worker's last unref. */
void
gisle_dispatch_forget_worker (GisleWorker *worker)
{
  GPtrArray *awaiting;

  gisle_mutex_lock (&gisle_blocked_lock);
  if (gisle_awaiting != NULL &&
      (awaiting = g_hash_table_lookup (gisle_awaiting, worker->owner_context)) != NULL)
    {
      g_ptr_array_remove_fast (awaiting, worker);
      if (awaiting->len == 0)
        g_hash_table_remove (gisle_awaiting, worker->owner_context);
    }
  gisle_mutex_unlock (&gisle_blocked_lock);
}

/* From a thread that acquired @context and is about to wait (@waiter,
 * for @worker's work); @nudge tells it what to serve. */
void
gisle_dispatch_block_begin (GisleBlockedCall *call,
                            GMainContext     *context,
                            GisleWorker      *worker,
                            void            (*nudge) (gpointer     waiter,
                                                      GisleWorker *worker),
                            gpointer          waiter)
{
  g_autoptr(GPtrArray) earlier = g_ptr_array_new ();
  GPtrArray *awaiting;

  call->context = context;
  call->nudge = nudge;
  call->waiter = waiter;
  call->waiter_worker = worker;
  gisle_mutex_lock (&gisle_blocked_lock);
  gisle_dispatch_registry_init_locked ();
  call->outer = g_hash_table_lookup (gisle_blocked_calls, context);
  g_hash_table_insert (gisle_blocked_calls, context, call);
  /* Work queued before the wait began, by any isle of this context, is
   * served too. (A worker on its way to being freed is skipped.) */
  awaiting = g_hash_table_lookup (gisle_awaiting, context);
  for (guint i = 0; awaiting != NULL && i < awaiting->len; i++)
    {
      GisleWorker *other = awaiting->pdata[i];

      if (other->owner_class->try_ref (other))
        g_ptr_array_add (earlier, other);
    }
  g_hash_table_remove (gisle_awaiting, context);
  gisle_mutex_unlock (&gisle_blocked_lock);

  nudge (waiter, worker);
  for (guint i = 0; i < earlier->len; i++)
    {
      GisleWorker *other = earlier->pdata[i];

      nudge (waiter, other);
      other->owner_class->unref (other);
    }
}

void
gisle_dispatch_block_end (GisleBlockedCall *call)
{
  gisle_mutex_lock (&gisle_blocked_lock);
  if (call->outer != NULL)
    {
      g_hash_table_insert (gisle_blocked_calls, call->context, call->outer);
      /* Nested calls: the outer one looks again once it waits again. */
      call->outer->nudge (call->outer->waiter, call->outer->waiter_worker);
    }
  else
    g_hash_table_remove (gisle_blocked_calls, call->context);
  gisle_mutex_unlock (&gisle_blocked_lock);
}

/* Takes the first event in hand, or else in the queue, that is not a
 * completion. Context thread, under dispatch_lock. */
static GisleEvent *
gisle_dispatch_take_servable_locked (GisleDispatcher *dispatcher)
{
  GQueue *queues[] = { &dispatcher->in_hand, &dispatcher->events };

  for (guint q = 0; q < G_N_ELEMENTS (queues); q++)
    for (GList *l = queues[q]->head; l != NULL; l = l->next)
      if (((GisleEvent *) l->data)->kind != GISLE_EVENT_COMPLETE)
        {
          g_queue_unlink (queues[q], l);
          return l->data;
        }
  return NULL;
}

/* Serves the owner context from the home thread blocked in a call (see
 * gisle_job_wait_done()): host calls, output, events and progress, in
 * order. Completions stay queued: another job's callback never runs inside
 * a blocking call. The delivery source stays attached for them. */
void
gisle_dispatch_serve_owner (GisleWorker *worker)
{
  GisleDispatcher *dispatcher;
  GisleEvent *event;

  gisle_mutex_lock (&worker->dispatch_lock);
  dispatcher = gisle_dispatch_get (worker, worker->owner_context);
  while ((event = gisle_dispatch_take_servable_locked (dispatcher)) != NULL)
    {
      gsize cost = event->cost;

      gisle_mutex_unlock (&worker->dispatch_lock);
      gisle_dispatch_emit (dispatcher, event);
      gisle_event_free (event);
      gisle_dispatch_release_output (worker, cost);
      gisle_mutex_lock (&worker->dispatch_lock);
    }
  gisle_mutex_unlock (&worker->dispatch_lock);
}

/* At the worker's end: no source is attached any more (each holds a worker
 * reference), so whatever is left was never going to be delivered. */
void
gisle_dispatch_free_all (GisleWorker *worker)
{
  for (guint i = 0; i < worker->dispatchers->len; i++)
    {
      GisleDispatcher *dispatcher = worker->dispatchers->pdata[i];

      while (!g_queue_is_empty (&dispatcher->events))
        gisle_event_free (g_queue_pop_head_link (&dispatcher->events)->data);
      while (!g_queue_is_empty (&dispatcher->in_hand))
        gisle_event_free (g_queue_pop_head_link (&dispatcher->in_hand)->data);
      if (dispatcher->carry != NULL)
        g_string_free (dispatcher->carry, TRUE);
      gisle_main_context_unref (dispatcher->context);
      g_free (dispatcher);
    }
  g_ptr_array_set_size (worker->dispatchers, 0);
}
