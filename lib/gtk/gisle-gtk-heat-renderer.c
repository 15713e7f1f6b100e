/* gisle-gtk-heat-renderer.c: the editor's heat margin: each line that
 * took samples in a profile gets a cell tinted by its share of the
 * samples, the hottest line the deepest, with the share as a number.
 *
 * Floor 0 of lib/gtk: calls no other file of the library. Thread rule:
 * main thread only (a GTK widget).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "gisle-gtk-heat-renderer.h"

struct _GIsleGtkHeatRenderer {
  GtkSourceGutterRenderer parent_instance;

  GHashTable *shares;   /* line from 1 → share of the samples (double*) */
  double hottest;       /* the largest share, which gets the full tint */
};

G_DEFINE_FINAL_TYPE (GIsleGtkHeatRenderer, gisle_gtk_heat_renderer, GTK_SOURCE_TYPE_GUTTER_RENDERER)

#define WIDTH 40

static void
gisle_gtk_heat_renderer_snapshot_line (GtkSourceGutterRenderer *renderer,
                                       GtkSnapshot             *snapshot,
                                       GtkSourceGutterLines    *lines,
                                       guint                    line)
{
  GIsleGtkHeatRenderer *self = GISLE_GTK_HEAT_RENDERER (renderer);
  double share = gisle_gtk_heat_renderer_get_heat (self, (int) line + 1);
  double heat;
  int y, height, width;
  GdkRGBA color;
  g_autofree char *text = NULL;
  g_autoptr(PangoLayout) layout = NULL;
  int text_width, text_height;

  if (share <= 0 || self->hottest <= 0)
    return;
  heat = share / self->hottest;
  gtk_source_gutter_lines_get_line_yrange (lines, line, GTK_SOURCE_GUTTER_RENDERER_ALIGNMENT_MODE_CELL,
                                           &y, &height);
  width = gtk_widget_get_width (GTK_WIDGET (renderer));

  /* From a pale to a deep orange-red, by share of the hottest line. */
  color = (GdkRGBA) { 0.90, 0.38 - 0.25 * heat, 0.05, 0.15 + 0.70 * heat };
  gtk_snapshot_append_color (snapshot, &color, &GRAPHENE_RECT_INIT (0, y, width, height));

  text = g_strdup_printf (share >= 0.095 ? "%.0f%%" : "%.1f%%", 100.0 * share);
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (renderer), text);
  pango_layout_get_pixel_size (layout, &text_width, &text_height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (MAX (0, width - text_width - 3),
                                                          y + (height - text_height) / 2.0));
  color = heat > 0.55 ? (GdkRGBA) { 1, 1, 1, 1 } : (GdkRGBA) { 0.2, 0.1, 0, 1 };
  gtk_snapshot_append_layout (snapshot, layout, &color);
  gtk_snapshot_restore (snapshot);
}

static void
gisle_gtk_heat_renderer_finalize (GObject *object)
{
  g_clear_pointer (&GISLE_GTK_HEAT_RENDERER (object)->shares, g_hash_table_unref);

  G_OBJECT_CLASS (gisle_gtk_heat_renderer_parent_class)->finalize (object);
}

static void
gisle_gtk_heat_renderer_class_init (GIsleGtkHeatRendererClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkSourceGutterRendererClass *renderer_class = GTK_SOURCE_GUTTER_RENDERER_CLASS (klass);

  object_class->finalize = gisle_gtk_heat_renderer_finalize;
  renderer_class->snapshot_line = gisle_gtk_heat_renderer_snapshot_line;
}

static void
gisle_gtk_heat_renderer_init (GIsleGtkHeatRenderer *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), WIDTH, -1);
  gtk_widget_add_css_class (GTK_WIDGET (self), "heat");
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkSourceGutterRenderer *
gisle_gtk_heat_renderer_new (void)
{
  return g_object_new (GISLE_GTK_TYPE_HEAT_RENDERER, NULL);
}

/* @shares: (nullable) (transfer none): line → share (a gdouble*), or
 * NULL to show nothing; the margin shows only while there is heat. */
void
gisle_gtk_heat_renderer_set_heat (GIsleGtkHeatRenderer *self,
                                  GHashTable           *shares)
{
  GHashTableIter iter;
  gpointer value;

  g_clear_pointer (&self->shares, g_hash_table_unref);
  self->hottest = 0;
  if (shares != NULL && g_hash_table_size (shares) > 0)
    {
      self->shares = g_hash_table_ref (shares);
      g_hash_table_iter_init (&iter, shares);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        self->hottest = MAX (self->hottest, *(double *) value);
    }
  gtk_widget_set_visible (GTK_WIDGET (self), self->shares != NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
gisle_gtk_heat_renderer_get_heat (GIsleGtkHeatRenderer *self,
                                  int                   line)
{
  double *share;

  if (self->shares == NULL)
    return 0;
  share = g_hash_table_lookup (self->shares, GINT_TO_POINTER (line));
  return share != NULL ? *share : 0;
}
