/* gisle-console-output.c: the read-only, capped output pane.
 *
 * Scripts can print far faster than a GtkTextView can lay text out, so text
 * is queued and inserted in batches a few times per second, the queue never
 * holds more than the view would keep, and very long lines are cut. That
 * keeps the window answering however much a script prints.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "gisle-console-output.h"

#define DEFAULT_MAX_LINES 10000
#define MAX_LINE_BYTES    4000
#define FLUSH_INTERVAL_MS 40
/* What one batch may insert: a few milliseconds of GtkTextView work, so
 * the window answers even while a script prints as fast as it can. Under
 * such a flood, the newest lines are shown and older ones are counted. */
#define MAX_FLUSH_LINES   400
#define MAX_FLUSH_BYTES   (64 * 1024)

typedef struct {
  GisleConsoleTextKind kind;
  GString *text;
  gsize start;        /* bytes before it were dropped (erased lazily) */
  guint lines;
} Chunk;

struct _GisleConsoleOutput {
  GtkWidget parent_instance;

  GtkScrolledWindow *scroller;
  GtkTextView *view;

  GtkTextBuffer *buffer;
  GtkTextMark *end_mark;
  GtkTextTag *tags[GISLE_CONSOLE_N_TEXT_KINDS];

  GQueue pending;          /* of Chunk, oldest first */
  guint pending_lines;
  gsize pending_bytes;
  guint64 dropped_lines;   /* pending lines dropped since the last flush */
  guint flush_id;
  guint max_lines;

  gsize line_bytes;        /* bytes in the unfinished last line */
  gboolean line_cut;       /* that line was already cut */
  gboolean at_line_start;  /* everything so far ends with a newline */
  gboolean follow;         /* keep the end in view: the user has not
                            * scrolled away from it */
};

G_DEFINE_FINAL_TYPE (GisleConsoleOutput, gisle_console_output, GTK_TYPE_WIDGET)

enum {
  SIGNAL_INTERRUPT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
chunk_free (gpointer data)
{
  Chunk *chunk = data;

  g_string_free (chunk->text, TRUE);
  g_free (chunk);
}

static guint
count_lines (const char *text,
             gsize       len)
{
  guint n = 0;
  const char *p = text;
  const char *end = text + len;

  while ((p = memchr (p, '\n', end - p)) != NULL)
    {
      n++;
      p++;
    }
  return n;
}

static void
queue_text (GisleConsoleOutput   *self,
            GisleConsoleTextKind  kind,
            const char           *text,
            gsize                 len)
{
  Chunk *last = g_queue_peek_tail (&self->pending);
  guint lines;

  if (len == 0)
    return;
  if (last == NULL || last->kind != kind)
    {
      last = g_new0 (Chunk, 1);
      last->kind = kind;
      last->text = g_string_new (NULL);
      g_queue_push_tail (&self->pending, last);
    }
  lines = count_lines (text, len);
  g_string_append_len (last->text, text, len);
  last->lines += lines;
  self->pending_lines += lines;
  self->pending_bytes += len;
}

/* Drops the oldest queued lines until at most @max_lines lines and about
 * @max_bytes bytes are left, and counts them for the note that says how
 * many were dropped. Text is dropped in whole lines. */
static void
trim_pending (GisleConsoleOutput *self,
              guint               max_lines,
              gsize               max_bytes)
{
  while (self->pending_lines > max_lines || self->pending_bytes > max_bytes)
    {
      Chunk *head = g_queue_peek_head (&self->pending);
      const char *begin = head->text->str + head->start;
      const char *end = head->text->str + head->text->len;
      const char *p = begin;
      guint lines = 0;

      /* Find how much of the head chunk must go, in one pass. */
      while (p < end
             && (self->pending_lines - lines > max_lines
                 || self->pending_bytes - (p - begin) > max_bytes))
        {
          const char *nl = memchr (p, '\n', end - p);

          if (nl == NULL)
            {
              p = end;
              break;
            }
          p = nl + 1;
          lines++;
        }

      self->pending_lines -= lines;
      self->pending_bytes -= p - begin;
      self->dropped_lines += lines;
      head->lines -= lines;
      if (p == end)
        chunk_free (g_queue_pop_head (&self->pending));
      else
        {
          /* Erasing at every call would move the whole chunk each time a
           * flooding script writes a line; compact only now and then. */
          head->start = p - head->text->str;
          if (head->start > head->text->len / 2)
            {
              g_string_erase (head->text, 0, head->start);
              head->start = 0;
            }
        }
      if (g_queue_is_empty (&self->pending))
        break;
    }
}

/* Following the end stops when the user scrolls up, and starts again when
 * the view reaches the end. Adjustment values alone cannot tell: after an
 * insert the upper bound grows before the view has scrolled down. */
static void
value_changed_cb (GtkAdjustment *adj,
                  gpointer       user_data)
{
  GisleConsoleOutput *self = user_data;

  if (gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj)
      >= gtk_adjustment_get_upper (adj) - 4)
    self->follow = TRUE;
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           gpointer                  user_data)
{
  if (dy < 0)
    GISLE_CONSOLE_OUTPUT (user_data)->follow = FALSE;
  return FALSE;
}

static gboolean
key_cb (GtkEventControllerKey *controller,
        guint                  keyval,
        guint                  keycode,
        GdkModifierType        state,
        gpointer               user_data)
{
  if (keyval == GDK_KEY_Page_Up || keyval == GDK_KEY_Up || keyval == GDK_KEY_Home
      || keyval == GDK_KEY_KP_Page_Up || keyval == GDK_KEY_KP_Up || keyval == GDK_KEY_KP_Home)
    GISLE_CONSOLE_OUTPUT (user_data)->follow = FALSE;
  return FALSE;
}

static void
scrollbar_pressed_cb (GtkGestureClick *gesture,
                      int              n_press,
                      double           x,
                      double           y,
                      gpointer         user_data)
{
  GISLE_CONSOLE_OUTPUT (user_data)->follow = FALSE;
}

/**
 * gisle_console_output_flush:
 * @self: the output pane
 *
 * Inserts the queued text now rather than at the next batch.
 */
void
gisle_console_output_flush (GisleConsoleOutput *self)
{
  GtkTextIter start, end;
  int lines;

  g_return_if_fail (GISLE_CONSOLE_IS_OUTPUT (self));

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (g_queue_is_empty (&self->pending))
    return;

  trim_pending (self, MAX_FLUSH_LINES, MAX_FLUSH_BYTES);

  if (self->dropped_lines > 0)
    {
      g_autofree char *note = NULL;
      g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, self->dropped_lines);

      /* The note goes where the dropped lines would have been. */
      /* Translators: %s is a number of lines */
      note = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "… %s line of output not shown …",
                                           "… %s lines of output not shown …",
                                           self->dropped_lines),
                              count);
      gtk_text_buffer_get_end_iter (self->buffer, &end);
      if (!gtk_text_iter_starts_line (&end))
        gtk_text_buffer_insert (self->buffer, &end, "\n", 1);
      gtk_text_buffer_insert_with_tags (self->buffer, &end, note, -1,
                                        self->tags[GISLE_CONSOLE_TEXT_INFO], NULL);
      gtk_text_buffer_insert (self->buffer, &end, "\n", 1);
      self->dropped_lines = 0;
    }

  while (!g_queue_is_empty (&self->pending))
    {
      Chunk *chunk = g_queue_pop_head (&self->pending);

      gtk_text_buffer_get_end_iter (self->buffer, &end);
      gtk_text_buffer_insert_with_tags (self->buffer, &end,
                                        chunk->text->str + chunk->start,
                                        chunk->text->len - chunk->start,
                                        self->tags[chunk->kind], NULL);
      chunk_free (chunk);
    }
  self->pending_lines = 0;
  self->pending_bytes = 0;

  /* The last line is empty when the text ends with a newline. */
  lines = gtk_text_buffer_get_line_count (self->buffer);
  if (self->at_line_start)
    lines--;
  if (lines > (int) self->max_lines)
    {
      gtk_text_buffer_get_start_iter (self->buffer, &start);
      gtk_text_buffer_get_iter_at_line (self->buffer, &end, lines - self->max_lines);
      gtk_text_buffer_delete (self->buffer, &start, &end);
    }

  if (self->follow)
    {
      gtk_text_buffer_get_end_iter (self->buffer, &end);
      gtk_text_buffer_move_mark (self->buffer, self->end_mark, &end);
      gtk_text_view_scroll_to_mark (self->view, self->end_mark, 0.0, TRUE, 0.0, 1.0);
    }
}

static gboolean
flush_cb (gpointer data)
{
  GisleConsoleOutput *self = data;

  self->flush_id = 0;
  gisle_console_output_flush (self);
  return G_SOURCE_REMOVE;
}

/**
 * gisle_console_output_append:
 * @self: the output pane
 * @kind: what the text is
 * @text: UTF-8 text
 *
 * Queues @text for the next batch. Lines longer than a few thousand bytes
 * are cut, since a GtkTextView lays out long lines slowly.
 */
void
gisle_console_output_append (GisleConsoleOutput   *self,
                             GisleConsoleTextKind  kind,
                             const char           *text)
{
  const char *p;

  g_return_if_fail (GISLE_CONSOLE_IS_OUTPUT (self));
  g_return_if_fail (kind < GISLE_CONSOLE_N_TEXT_KINDS);
  g_return_if_fail (text != NULL);

  if (*text == '\0')
    return;

  p = text;
  while (*p != '\0')
    {
      const char *nl = strchr (p, '\n');
      gsize seg = nl != NULL ? (gsize) (nl - p) : strlen (p);

      if (self->line_bytes + seg > MAX_LINE_BYTES)
        {
          gsize keep = self->line_bytes < MAX_LINE_BYTES ? MAX_LINE_BYTES - self->line_bytes : 0;

          /* Never split a UTF-8 sequence. */
          while (keep > 0 && (p[keep] & 0xC0) == 0x80)
            keep--;
          queue_text (self, kind, p, keep);
          if (!self->line_cut)
            queue_text (self, GISLE_CONSOLE_TEXT_INFO, " …", strlen (" …"));
          self->line_cut = TRUE;
          self->line_bytes += seg;
        }
      else
        {
          queue_text (self, kind, p, seg);
          self->line_bytes += seg;
        }

      if (nl == NULL)
        {
          self->at_line_start = FALSE;
          break;
        }
      queue_text (self, kind, "\n", 1);
      self->line_bytes = 0;
      self->line_cut = FALSE;
      self->at_line_start = TRUE;
      p = nl + 1;
    }

  /* Never queue more than the next batch will show. */
  trim_pending (self, MIN (self->max_lines, MAX_FLUSH_LINES), MAX_FLUSH_BYTES);
  if (self->flush_id == 0)
    self->flush_id = g_timeout_add (FLUSH_INTERVAL_MS, flush_cb, self);
}

/**
 * gisle_console_output_append_line:
 * @self: the output pane
 * @kind: what the text is
 * @text: UTF-8 text
 *
 * Like gisle_console_output_append(), but @text starts on a line of its own
 * and ends with a newline.
 */
void
gisle_console_output_append_line (GisleConsoleOutput   *self,
                                  GisleConsoleTextKind  kind,
                                  const char           *text)
{
  g_return_if_fail (GISLE_CONSOLE_IS_OUTPUT (self));

  if (!self->at_line_start)
    gisle_console_output_append (self, kind, "\n");
  gisle_console_output_append (self, kind, text);
  if (!self->at_line_start)
    gisle_console_output_append (self, kind, "\n");
}

void
gisle_console_output_clear (GisleConsoleOutput *self)
{
  g_return_if_fail (GISLE_CONSOLE_IS_OUTPUT (self));

  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_queue_clear_full (&self->pending, chunk_free);
  self->pending_lines = 0;
  self->pending_bytes = 0;
  self->dropped_lines = 0;
  self->line_bytes = 0;
  self->line_cut = FALSE;
  self->at_line_start = TRUE;
  self->follow = TRUE;
  gtk_text_buffer_set_text (self->buffer, "", 0);
}

/**
 * gisle_console_output_get_text:
 * @self: the output pane
 *
 * Returns: (transfer full): everything shown, after a flush
 */
char *
gisle_console_output_get_text (GisleConsoleOutput *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (GISLE_CONSOLE_IS_OUTPUT (self), NULL);

  gisle_console_output_flush (self);
  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  return gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
}

guint
gisle_console_output_get_line_count (GisleConsoleOutput *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_OUTPUT (self), 0);

  return gtk_text_buffer_get_line_count (self->buffer);
}

guint
gisle_console_output_get_max_lines (GisleConsoleOutput *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_OUTPUT (self), 0);

  return self->max_lines;
}

void
gisle_console_output_set_max_lines (GisleConsoleOutput *self,
                                    guint               max_lines)
{
  g_return_if_fail (GISLE_CONSOLE_IS_OUTPUT (self));
  g_return_if_fail (max_lines > 0);

  self->max_lines = max_lines;
}

/**
 * gisle_console_output_has_tag_text:
 * @self: the output pane
 * @kind: a kind of text
 * @needle: text to look for
 *
 * Whether @needle is shown with the look of @kind somewhere; for tests and
 * for anyone who wants to know what the user sees.
 *
 * Returns: %TRUE if an occurrence of @needle starts in text of kind @kind
 */
gboolean
gisle_console_output_has_tag_text (GisleConsoleOutput   *self,
                                   GisleConsoleTextKind  kind,
                                   const char           *needle)
{
  g_autofree char *text = NULL;
  const char *p;

  g_return_val_if_fail (GISLE_CONSOLE_IS_OUTPUT (self), FALSE);
  g_return_val_if_fail (kind < GISLE_CONSOLE_N_TEXT_KINDS, FALSE);

  text = gisle_console_output_get_text (self);
  for (p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    {
      GtkTextIter iter;
      gboolean tagged;

      gtk_text_buffer_get_iter_at_offset (self->buffer, &iter,
                                          g_utf8_pointer_to_offset (text, p));
      /* Plain output has no tag: it is whatever no other kind is. */
      if (self->tags[kind] != NULL)
        tagged = gtk_text_iter_has_tag (&iter, self->tags[kind]);
      else
        {
          g_autoptr(GSList) tags = gtk_text_iter_get_tags (&iter);
          tagged = tags == NULL;
        }
      if (tagged)
        return TRUE;
    }
  return FALSE;
}

GtkTextView *
gisle_console_output_get_view (GisleConsoleOutput *self)
{
  g_return_val_if_fail (GISLE_CONSOLE_IS_OUTPUT (self), NULL);

  return self->view;
}

/* Ctrl+C copies when there is a selection, as everywhere; with nothing
 * selected it interrupts the running script, as in a terminal. */
static gboolean
ctrl_c_cb (GtkWidget *widget,
           GVariant  *args,
           gpointer   user_data)
{
  GisleConsoleOutput *self = GISLE_CONSOLE_OUTPUT (user_data);
  gboolean handled = FALSE;

  if (gtk_text_buffer_get_has_selection (self->buffer))
    return FALSE;
  g_signal_emit (self, signals[SIGNAL_INTERRUPT], 0, &handled);
  return handled;
}

static void
gisle_console_output_dispose (GObject *object)
{
  GisleConsoleOutput *self = GISLE_CONSOLE_OUTPUT (object);
  GtkWidget *child;

  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_queue_clear_full (&self->pending, chunk_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), GISLE_CONSOLE_TYPE_OUTPUT);
  /* Unbound template children (the outer box) are ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (gisle_console_output_parent_class)->dispose (object);
}

static void
gisle_console_output_class_init (GisleConsoleOutputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gisle_console_output_dispose;

  /**
   * GisleConsoleOutput::interrupt:
   *
   * Ctrl+C was pressed in the output with nothing selected. Handlers
   * return %TRUE when they stopped something.
   */
  signals[SIGNAL_INTERRUPT] =
    g_signal_new ("interrupt", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/gnome/GIsle/Console/ui/output.ui");
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleOutput, scroller);
  gtk_widget_class_bind_template_child (widget_class, GisleConsoleOutput, view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
gisle_console_output_init (GisleConsoleOutput *self)
{
  GtkEventController *controller;
  GtkTextIter end;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->max_lines = DEFAULT_MAX_LINES;
  self->at_line_start = TRUE;
  self->follow = TRUE;
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->scroller), "value-changed",
                           G_CALLBACK (value_changed_cb), self, 0);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), controller);

  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->view), controller);

  controller = GTK_EVENT_CONTROLLER (gtk_gesture_click_new ());
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "pressed", G_CALLBACK (scrollbar_pressed_cb), self);
  gtk_widget_add_controller (gtk_scrolled_window_get_vscrollbar (self->scroller), controller);
  g_queue_init (&self->pending);

  self->buffer = gtk_text_view_get_buffer (self->view);
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  self->end_mark = gtk_text_buffer_create_mark (self->buffer, "end", &end, FALSE);

  /* Medium tones read on both light and dark backgrounds. */
  self->tags[GISLE_CONSOLE_TEXT_OUTPUT] = NULL;
  self->tags[GISLE_CONSOLE_TEXT_STDERR] =
    gtk_text_buffer_create_tag (self->buffer, "stderr", "foreground", "#e66100", NULL);
  self->tags[GISLE_CONSOLE_TEXT_WARNING] =
    gtk_text_buffer_create_tag (self->buffer, "warning", "foreground", "#c88800",
                                "style", PANGO_STYLE_ITALIC, NULL);
  self->tags[GISLE_CONSOLE_TEXT_RESULT] =
    gtk_text_buffer_create_tag (self->buffer, "result", "foreground", "#3584e4", NULL);
  self->tags[GISLE_CONSOLE_TEXT_ERROR] =
    gtk_text_buffer_create_tag (self->buffer, "error", "foreground", "#e01b24", NULL);
  self->tags[GISLE_CONSOLE_TEXT_INFO] =
    gtk_text_buffer_create_tag (self->buffer, "info", "foreground", "#8a8a8f",
                                "style", PANGO_STYLE_ITALIC, NULL);
  self->tags[GISLE_CONSOLE_TEXT_INPUT] =
    gtk_text_buffer_create_tag (self->buffer, "input", "weight", PANGO_WEIGHT_BOLD, NULL);

  controller = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Control>c"),
                                                          gtk_callback_action_new (ctrl_c_cb, self, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self->view), controller);
}
