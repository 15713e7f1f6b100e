/* gisle-gtk-output.c: the read-only, capped output view.
 *
 * Scripts can print far faster than a GtkTextView can lay text out, so text
 * is queued and inserted in batches a few times per second, the queue never
 * holds more than the view would keep, and very long lines are cut. That
 * keeps the window answering however much a script prints.
 *
 * Floor 0 of lib/gtk: calls no other file of the library. Thread rule:
 * main thread only (GTK's rule).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "gisle-gtk-private.h"

#define DEFAULT_MAX_LINES 10000
#define MAX_LINE_BYTES    4000
#define FLUSH_INTERVAL_MS 40
/* What one batch may insert: a few milliseconds of GtkTextView work, so
 * the window answers even while a script prints as fast as it can. Under
 * such a flood, the newest lines are shown and older ones are counted. */
#define MAX_FLUSH_LINES   400
#define MAX_FLUSH_BYTES   (64 * 1024)

typedef struct {
  GIsleGtkTextKind kind;
  GString *text;
  gsize start;        /* bytes before it were dropped (erased lazily) */
  guint lines;
} Chunk;

/**
 * GIsleGtkOutput:
 *
 * The transcript of a [class@GIsleGtk.Console], usable alone: a read-only,
 * monospace text view that keeps the end in view (until the user scrolls
 * up), inserts text in batches a few times a second so that a script
 * printing as fast as it can never freezes the window, keeps at most
 * [property@GIsleGtk.Output:max-lines] lines and cuts very long ones.
 * Each [enum@GIsleGtk.TextKind] has its own look. Script locations in
 * errors ("name.lua:12:") are links: clicking one emits
 * [signal@GIsleGtk.Output::location-activated].
 */
struct _GIsleGtkOutput {
  GtkWidget parent_instance;

  GtkScrolledWindow *scroller;
  GtkTextView *view;

  GtkTextBuffer *buffer;
  GtkTextTag *tags[GISLE_GTK_N_TEXT_KINDS];
  GtkTextMark *end_mark;
  GtkTextTag *location_tag;
  guint scroll_tick_id;    /* a pending "go to the end" at the next frame */
  GRegex *location_regex;

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

G_DEFINE_FINAL_TYPE (GIsleGtkOutput, gisle_gtk_output, GTK_TYPE_WIDGET)

enum {
  SIGNAL_INTERRUPT,
  SIGNAL_LOCATION_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_MAX_LINES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
queue_text (GIsleGtkOutput   *self,
            GIsleGtkTextKind  kind,
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
trim_pending (GIsleGtkOutput *self,
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
  GIsleGtkOutput *self = user_data;

  if (gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj)
      >= gtk_adjustment_get_upper (adj) - 4)
    self->follow = TRUE;
}

/* The text view lays text out lazily, in idle time after an insert: the
 * upper bound keeps growing for a while after a batch was inserted, and a
 * "Stopped" line inserted after a flood stayed below the view. Following
 * the end therefore means: whenever the bounds change, go to the end. */
static gboolean
at_end (GIsleGtkOutput *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  return gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj)
         >= gtk_adjustment_get_upper (adj) - 1;
}

/* Runs at each frame while the end should be in view and is not: the view
 * lays text out lazily, a little per frame, so the bound it can scroll to
 * keeps growing after the text was inserted (and after a flood, the
 * "Stopped" line was left below the view). At most one adjustment change
 * per frame keeps a flooded window responsive. */
static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  GIsleGtkOutput *self = user_data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  if (!self->follow || at_end (self))
    {
      self->scroll_tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
  return G_SOURCE_CONTINUE;
}

static void
queue_scroll_to_end (GIsleGtkOutput *self)
{
  if (self->scroll_tick_id == 0)
    self->scroll_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->view), scroll_tick_cb,
                                                         self, NULL);
}

static void
adjustment_changed_cb (GtkAdjustment *adj,
                       gpointer       user_data)
{
  GIsleGtkOutput *self = user_data;

  /* Not now: this runs while the view lays out. */
  if (self->follow && !at_end (self))
    queue_scroll_to_end (self);
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           gpointer                  user_data)
{
  if (dy < 0)
    GISLE_GTK_OUTPUT (user_data)->follow = FALSE;
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
    GISLE_GTK_OUTPUT (user_data)->follow = FALSE;
  return FALSE;
}

static void
scrollbar_pressed_cb (GtkGestureClick *gesture,
                      int              n_press,
                      double           x,
                      double           y,
                      gpointer         user_data)
{
  GISLE_GTK_OUTPUT (user_data)->follow = FALSE;
}

/* Underlines every "name:LINE:" in error text, which a click activates. */
static void
tag_locations (GIsleGtkOutput *self,
               int             offset,
               const char     *text)
{
  g_autoptr(GMatchInfo) match = NULL;

  g_regex_match (self->location_regex, text, 0, &match);
  while (g_match_info_matches (match))
    {
      int start_pos, end_pos;
      GtkTextIter start, end;

      g_match_info_fetch_pos (match, 1, &start_pos, NULL);
      g_match_info_fetch_pos (match, 0, NULL, &end_pos);
      gtk_text_buffer_get_iter_at_offset (self->buffer, &start,
                                          offset + g_utf8_pointer_to_offset (text, text + start_pos));
      gtk_text_buffer_get_iter_at_offset (self->buffer, &end,
                                          offset + g_utf8_pointer_to_offset (text, text + end_pos));
      gtk_text_buffer_apply_tag (self->buffer, self->location_tag, &start, &end);
      g_match_info_next (match, NULL);
    }
}

/**
 * gisle_gtk_output_get_location_at:
 * @self: an output view
 * @iter: a position in the view's buffer
 * @chunk_name: (out) (optional) (transfer full): the chunk name found
 * @line: (out) (optional): the line found, from 1
 *
 * Finds the script location ("name:LINE:", as in error messages and
 * tracebacks) shown at @iter. Clicking such a location emits
 * [signal@GIsleGtk.Output::location-activated] with the same values.
 *
 * Returns: %TRUE if @iter is on a location
 */
gboolean
gisle_gtk_output_get_location_at (GIsleGtkOutput    *self,
                                  const GtkTextIter *iter,
                                  char             **chunk_name,
                                  int               *line)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  g_autoptr(GMatchInfo) match = NULL;

  g_return_val_if_fail (GISLE_GTK_IS_OUTPUT (self), FALSE);
  g_return_val_if_fail (iter != NULL, FALSE);

  if (!gtk_text_iter_has_tag (iter, self->location_tag))
    return FALSE;
  start = end = *iter;
  if (!gtk_text_iter_starts_tag (&start, self->location_tag))
    gtk_text_iter_backward_to_tag_toggle (&start, self->location_tag);
  gtk_text_iter_forward_to_tag_toggle (&end, self->location_tag);
  text = gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
  if (!g_regex_match (self->location_regex, text, 0, &match))
    return FALSE;
  if (chunk_name != NULL)
    *chunk_name = g_match_info_fetch (match, 1);
  if (line != NULL)
    {
      g_autofree char *digits = g_match_info_fetch (match, 2);
      *line = (int) g_ascii_strtoll (digits, NULL, 10);
    }
  return TRUE;
}

static void
click_released_cb (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   gpointer         user_data)
{
  GIsleGtkOutput *self = user_data;
  g_autofree char *name = NULL;
  GtkTextIter iter;
  int bx, by, line;

  if (gtk_text_buffer_get_has_selection (self->buffer))
    return;
  gtk_text_view_window_to_buffer_coords (self->view, GTK_TEXT_WINDOW_WIDGET, x, y, &bx, &by);
  if (!gtk_text_view_get_iter_at_location (self->view, &iter, bx, by))
    return;
  if (gisle_gtk_output_get_location_at (self, &iter, &name, &line))
    g_signal_emit (self, signals[SIGNAL_LOCATION_ACTIVATED], 0, name, line);
}

/**
 * gisle_gtk_output_flush:
 * @self: an output view
 *
 * Inserts the queued text now rather than at the next batch.
 */
void
gisle_gtk_output_flush (GIsleGtkOutput *self)
{
  GtkTextIter start, end;
  int lines;

  g_return_if_fail (GISLE_GTK_IS_OUTPUT (self));

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
                                        self->tags[GISLE_GTK_TEXT_INFO], NULL);
      gtk_text_buffer_insert (self->buffer, &end, "\n", 1);
      self->dropped_lines = 0;
    }

  while (!g_queue_is_empty (&self->pending))
    {
      Chunk *chunk = g_queue_pop_head (&self->pending);

      int offset;

      gtk_text_buffer_get_end_iter (self->buffer, &end);
      offset = gtk_text_iter_get_offset (&end);
      gtk_text_buffer_insert_with_tags (self->buffer, &end,
                                        chunk->text->str + chunk->start,
                                        chunk->text->len - chunk->start,
                                        self->tags[chunk->kind], NULL);
      if (chunk->kind == GISLE_GTK_TEXT_ERROR)
        tag_locations (self, offset, chunk->text->str + chunk->start);
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
      GtkTextIter end_iter;

      /* Lazy: the view scrolls there once it has laid out the end. */
      gtk_text_buffer_get_end_iter (self->buffer, &end_iter);
      gtk_text_buffer_move_mark (self->buffer, self->end_mark, &end_iter);
      gtk_text_view_scroll_to_mark (self->view, self->end_mark, 0.0, TRUE, 0.0, 1.0);
      queue_scroll_to_end (self);
    }
}

static gboolean
flush_cb (gpointer data)
{
  GIsleGtkOutput *self = data;

  self->flush_id = 0;
  gisle_gtk_output_flush (self);
  return G_SOURCE_REMOVE;
}

/**
 * gisle_gtk_output_append:
 * @self: an output view
 * @kind: what the text is
 * @text: UTF-8 text
 *
 * Queues @text for the next batch. Lines longer than a few thousand bytes
 * are cut, since a GtkTextView lays out long lines slowly.
 */
void
gisle_gtk_output_append (GIsleGtkOutput   *self,
                             GIsleGtkTextKind  kind,
                             const char           *text)
{
  const char *p;

  g_return_if_fail (GISLE_GTK_IS_OUTPUT (self));
  g_return_if_fail (kind < GISLE_GTK_N_TEXT_KINDS);
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
            queue_text (self, GISLE_GTK_TEXT_INFO, " …", strlen (" …"));
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
 * gisle_gtk_output_append_line:
 * @self: an output view
 * @kind: what the text is
 * @text: UTF-8 text
 *
 * Like gisle_gtk_output_append(), but @text starts on a line of its own
 * and ends with a newline.
 */
void
gisle_gtk_output_append_line (GIsleGtkOutput   *self,
                                  GIsleGtkTextKind  kind,
                                  const char           *text)
{
  g_return_if_fail (GISLE_GTK_IS_OUTPUT (self));

  if (!self->at_line_start)
    gisle_gtk_output_append (self, kind, "\n");
  gisle_gtk_output_append (self, kind, text);
  if (!self->at_line_start)
    gisle_gtk_output_append (self, kind, "\n");
}

/**
 * gisle_gtk_output_clear:
 * @self: an output view
 *
 * Removes all text, shown or queued.
 */
void
gisle_gtk_output_clear (GIsleGtkOutput *self)
{
  g_return_if_fail (GISLE_GTK_IS_OUTPUT (self));

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
 * gisle_gtk_output_get_text:
 * @self: an output view
 *
 * Gets the text of the view, after inserting what is queued.
 *
 * Returns: (transfer full): everything shown, after a flush
 */
char *
gisle_gtk_output_get_text (GIsleGtkOutput *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (GISLE_GTK_IS_OUTPUT (self), NULL);

  gisle_gtk_output_flush (self);
  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  return gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
}

/**
 * gisle_gtk_output_get_line_count:
 * @self: an output view
 *
 * Gets how many lines the view shows.
 *
 * Returns: the number of lines in the view's buffer
 */
guint
gisle_gtk_output_get_line_count (GIsleGtkOutput *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_OUTPUT (self), 0);

  return gtk_text_buffer_get_line_count (self->buffer);
}

/**
 * gisle_gtk_output_get_max_lines:
 * @self: an output view
 *
 * Gets how many lines the view keeps.
 *
 * Returns: the value of [property@GIsleGtk.Output:max-lines]
 */
guint
gisle_gtk_output_get_max_lines (GIsleGtkOutput *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_OUTPUT (self), 0);

  return self->max_lines;
}

/**
 * gisle_gtk_output_set_max_lines:
 * @self: an output view
 * @max_lines: how many lines to keep, at least 1
 *
 * Sets [property@GIsleGtk.Output:max-lines].
 */
void
gisle_gtk_output_set_max_lines (GIsleGtkOutput *self,
                                guint           max_lines)
{
  g_return_if_fail (GISLE_GTK_IS_OUTPUT (self));
  g_return_if_fail (max_lines > 0);

  if (self->max_lines == max_lines)
    return;
  self->max_lines = max_lines;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_LINES]);
}

/**
 * gisle_gtk_output_has_tag_text:
 * @self: an output view
 * @kind: a kind of text
 * @needle: text to look for
 *
 * Whether @needle is shown with the look of @kind somewhere; for tests and
 * for anyone who wants to know what the user sees.
 *
 * Returns: %TRUE if an occurrence of @needle starts in text of kind @kind
 */
gboolean
gisle_gtk_output_has_tag_text (GIsleGtkOutput   *self,
                                   GIsleGtkTextKind  kind,
                                   const char           *needle)
{
  g_autofree char *text = NULL;
  const char *p;

  g_return_val_if_fail (GISLE_GTK_IS_OUTPUT (self), FALSE);
  g_return_val_if_fail (kind < GISLE_GTK_N_TEXT_KINDS, FALSE);

  text = gisle_gtk_output_get_text (self);
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

/**
 * gisle_gtk_output_get_view:
 * @self: an output view
 *
 * Gets the text view inside the output view.
 *
 * Returns: (transfer none): the text view inside, for styling
 */
GtkTextView *
gisle_gtk_output_get_view (GIsleGtkOutput *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_OUTPUT (self), NULL);

  return self->view;
}

/* Ctrl+C copies when there is a selection, as everywhere; with nothing
 * selected it interrupts the running script, as in a terminal. */
static gboolean
ctrl_c_cb (GtkWidget *widget,
           GVariant  *args,
           gpointer   user_data)
{
  GIsleGtkOutput *self = GISLE_GTK_OUTPUT (user_data);
  gboolean handled = FALSE;

  if (gtk_text_buffer_get_has_selection (self->buffer))
    return FALSE;
  g_signal_emit (self, signals[SIGNAL_INTERRUPT], 0, &handled);
  return handled;
}

static void
gisle_gtk_output_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GIsleGtkOutput *self = GISLE_GTK_OUTPUT (object);

  switch (prop_id)
    {
    case PROP_MAX_LINES:
      g_value_set_uint (value, self->max_lines);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_output_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GIsleGtkOutput *self = GISLE_GTK_OUTPUT (object);

  switch (prop_id)
    {
    case PROP_MAX_LINES:
      gisle_gtk_output_set_max_lines (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_output_finalize (GObject *object)
{
  g_regex_unref (GISLE_GTK_OUTPUT (object)->location_regex);

  G_OBJECT_CLASS (gisle_gtk_output_parent_class)->finalize (object);
}

static void
gisle_gtk_output_dispose (GObject *object)
{
  GIsleGtkOutput *self = GISLE_GTK_OUTPUT (object);
  GtkWidget *child;

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->scroll_tick_id != 0 && self->view != NULL)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->view), self->scroll_tick_id);
  self->scroll_tick_id = 0;
  g_queue_clear_full (&self->pending, chunk_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), GISLE_GTK_TYPE_OUTPUT);
  /* Unbound template children (the outer box) are ours to unparent. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (gisle_gtk_output_parent_class)->dispose (object);
}

static void
gisle_gtk_output_class_init (GIsleGtkOutputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gisle_gtk_output_dispose;
  object_class->finalize = gisle_gtk_output_finalize;
  object_class->get_property = gisle_gtk_output_get_property;
  object_class->set_property = gisle_gtk_output_set_property;

  /**
   * GIsleGtkOutput:max-lines:
   *
   * How many lines the view keeps; older lines are dropped.
   */
  properties[PROP_MAX_LINES] =
    g_param_spec_uint ("max-lines", "Maximum lines", "How many lines the view keeps", 1, G_MAXUINT, DEFAULT_MAX_LINES,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GIsleGtkOutput::interrupt:
   * @self: the output view
   *
   * Ctrl+C was pressed in the view with nothing selected. Handlers
   * return %TRUE when they stopped something.
   *
   * Returns: %TRUE if a handler stopped something
   */
  signals[SIGNAL_INTERRUPT] =
    g_signal_new ("interrupt", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 0);

  /**
   * GIsleGtkOutput::location-activated:
   * @self: the output view
   * @chunk_name: the chunk named in the location
   * @line: the line, from 1
   *
   * A script location in an error or traceback ("name:LINE:") was
   * clicked.
   */
  signals[SIGNAL_LOCATION_ACTIVATED] =
    g_signal_new ("location-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/gnome/GIsle/Gtk/output.ui");
  gtk_widget_class_bind_template_child (widget_class, GIsleGtkOutput, scroller);
  gtk_widget_class_bind_template_child (widget_class, GIsleGtkOutput, view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
gisle_gtk_output_init (GIsleGtkOutput *self)
{
  GtkEventController *controller;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->max_lines = DEFAULT_MAX_LINES;
  self->at_line_start = TRUE;
  self->follow = TRUE;
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->scroller), "value-changed",
                           G_CALLBACK (value_changed_cb), self, 0);
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->scroller), "changed",
                           G_CALLBACK (adjustment_changed_cb), self, 0);

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
  {
    GtkTextIter end;

    gtk_text_buffer_get_end_iter (self->buffer, &end);
    self->end_mark = gtk_text_buffer_create_mark (self->buffer, "end", &end, FALSE);
  }

  /* Medium tones read on both light and dark backgrounds. */
  self->tags[GISLE_GTK_TEXT_OUTPUT] = NULL;
  self->tags[GISLE_GTK_TEXT_STDERR] =
    gtk_text_buffer_create_tag (self->buffer, "stderr", "foreground", "#e66100", NULL);
  self->tags[GISLE_GTK_TEXT_WARNING] =
    gtk_text_buffer_create_tag (self->buffer, "warning", "foreground", "#c88800",
                                "style", PANGO_STYLE_ITALIC, NULL);
  self->tags[GISLE_GTK_TEXT_RESULT] =
    gtk_text_buffer_create_tag (self->buffer, "result", "foreground", "#3584e4", NULL);
  self->tags[GISLE_GTK_TEXT_ERROR] =
    gtk_text_buffer_create_tag (self->buffer, "error", "foreground", "#e01b24", NULL);
  self->tags[GISLE_GTK_TEXT_INFO] =
    gtk_text_buffer_create_tag (self->buffer, "info", "foreground", "#8a8a8f",
                                "style", PANGO_STYLE_ITALIC, NULL);
  self->tags[GISLE_GTK_TEXT_INPUT] =
    gtk_text_buffer_create_tag (self->buffer, "input", "weight", PANGO_WEIGHT_BOLD, NULL);

  /* Error locations look like links and jump to the line when clicked. */
  self->location_tag = gtk_text_buffer_create_tag (self->buffer, "location",
                                                   "underline", PANGO_UNDERLINE_SINGLE, NULL);
  self->location_regex = g_regex_new ("([A-Za-z0-9_.\\-]+):([0-9]+):", G_REGEX_OPTIMIZE, 0, NULL);
  controller = GTK_EVENT_CONTROLLER (gtk_gesture_click_new ());
  g_signal_connect (controller, "released", G_CALLBACK (click_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->view), controller);

  controller = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Control>c"),
                                                          gtk_callback_action_new (ctrl_c_cb, self, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self->view), controller);
}

/**
 * gisle_gtk_output_new:
 *
 * Creates an output view: a read-only, monospace transcript that keeps
 * the end in view (unless the user scrolls up), inserts text in batches
 * so that a flooding script cannot freeze the window, and keeps at most
 * [property@GIsleGtk.Output:max-lines] lines.
 *
 * Returns: (transfer none): a new output view (a floating reference, as
 *   for every widget)
 */
GtkWidget *
gisle_gtk_output_new (void)
{
  return g_object_new (GISLE_GTK_TYPE_OUTPUT, NULL);
}
