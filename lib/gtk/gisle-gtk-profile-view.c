/* gisle-gtk-profile-view.c: a profile's functions as a sortable table:
 * each function with its self and total samples, sorted by any column
 * with a click on its header (self samples, most first, to begin with).
 *
 * Floor 1 of lib/gtk: calls only gisle-gtk-support.c (it reads the
 * profile's GVariant itself). Thread rule: main thread only (a GTK
 * widget).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "gisle-gtk-profile-view.h"
#include "gisle-gtk-support.h"

/**
 * GIsleGtkProfileFunction:
 *
 * A row of a [class@GIsleGtk.ProfileView]: one function of a profile
 * with its self and total samples.
 */
struct _GIsleGtkProfileFunction {
  GObject parent_instance;

  char *label;
  char *source;
  int line;
  guint64 self;
  guint64 total;
  guint64 samples;   /* of the whole profile, for the shares shown */
};

G_DEFINE_FINAL_TYPE (GIsleGtkProfileFunction, gisle_gtk_profile_function, G_TYPE_OBJECT)

enum {
  FN_PROP_0,
  FN_PROP_LABEL,
  FN_PROP_SOURCE,
  FN_PROP_LINE,
  FN_PROP_SELF,
  FN_PROP_TOTAL,
  FN_N_PROPS
};

static GParamSpec *fn_properties[FN_N_PROPS];

static void
gisle_gtk_profile_function_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  GIsleGtkProfileFunction *self = GISLE_GTK_PROFILE_FUNCTION (object);

  switch (prop_id)
    {
    case FN_PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case FN_PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case FN_PROP_LINE:
      g_value_set_int (value, self->line);
      break;
    case FN_PROP_SELF:
      g_value_set_uint64 (value, self->self);
      break;
    case FN_PROP_TOTAL:
      g_value_set_uint64 (value, self->total);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_profile_function_finalize (GObject *object)
{
  GIsleGtkProfileFunction *self = GISLE_GTK_PROFILE_FUNCTION (object);

  g_free (self->label);
  g_free (self->source);

  G_OBJECT_CLASS (gisle_gtk_profile_function_parent_class)->finalize (object);
}

static void
gisle_gtk_profile_function_class_init (GIsleGtkProfileFunctionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = gisle_gtk_profile_function_get_property;
  object_class->finalize = gisle_gtk_profile_function_finalize;

  /**
   * GIsleGtkProfileFunction:label:
   *
   * The function's label, `name@source:line`.
   */
  fn_properties[FN_PROP_LABEL] =
    g_param_spec_string ("label", "Label", "The function's label, name@source:line", NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GIsleGtkProfileFunction:source:
   *
   * The chunk the function is defined in (its short source), or `[C]`.
   */
  fn_properties[FN_PROP_SOURCE] =
    g_param_spec_string ("source", "Source", "The chunk the function is defined in", NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GIsleGtkProfileFunction:line:
   *
   * The line where the function is defined, 0 for a chunk's main
   * function, -1 for a C function.
   */
  fn_properties[FN_PROP_LINE] =
    g_param_spec_int ("line", "Line", "The line where the function is defined", -1, G_MAXINT, -1,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GIsleGtkProfileFunction:self:
   *
   * The samples in which the function was innermost.
   */
  fn_properties[FN_PROP_SELF] =
    g_param_spec_uint64 ("self", "Self", "The samples in which the function was innermost", 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GIsleGtkProfileFunction:total:
   *
   * The samples in which the function was anywhere on the stack.
   */
  fn_properties[FN_PROP_TOTAL] =
    g_param_spec_uint64 ("total", "Total", "The samples in which the function was on the stack", 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, FN_N_PROPS, fn_properties);
}

static void
gisle_gtk_profile_function_init (GIsleGtkProfileFunction *self)
{
}

/**
 * gisle_gtk_profile_function_get_label:
 * @self: a function of a profile
 *
 * Gets the function's label.
 *
 * Returns: the value of [property@GIsleGtk.ProfileFunction:label]
 */
const char *
gisle_gtk_profile_function_get_label (GIsleGtkProfileFunction *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_PROFILE_FUNCTION (self), NULL);
  return self->label;
}

/**
 * gisle_gtk_profile_function_get_source:
 * @self: a function of a profile
 *
 * Gets the chunk the function is defined in.
 *
 * Returns: the value of [property@GIsleGtk.ProfileFunction:source]
 */
const char *
gisle_gtk_profile_function_get_source (GIsleGtkProfileFunction *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_PROFILE_FUNCTION (self), NULL);
  return self->source;
}

/**
 * gisle_gtk_profile_function_get_line:
 * @self: a function of a profile
 *
 * Gets the line where the function is defined.
 *
 * Returns: the value of [property@GIsleGtk.ProfileFunction:line]
 */
int
gisle_gtk_profile_function_get_line (GIsleGtkProfileFunction *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_PROFILE_FUNCTION (self), -1);
  return self->line;
}

/**
 * gisle_gtk_profile_function_get_self:
 * @self: a function of a profile
 *
 * Gets the function's self samples.
 *
 * Returns: the value of [property@GIsleGtk.ProfileFunction:self]
 */
guint64
gisle_gtk_profile_function_get_self (GIsleGtkProfileFunction *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_PROFILE_FUNCTION (self), 0);
  return self->self;
}

/**
 * gisle_gtk_profile_function_get_total:
 * @self: a function of a profile
 *
 * Gets the function's total samples.
 *
 * Returns: the value of [property@GIsleGtk.ProfileFunction:total]
 */
guint64
gisle_gtk_profile_function_get_total (GIsleGtkProfileFunction *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_PROFILE_FUNCTION (self), 0);
  return self->total;
}

/* The view */

/**
 * GIsleGtkProfileView:
 *
 * The functions of a profile (what g_isle_profile_stop() returns) as a
 * table: each function's label, its self samples (when it was the
 * innermost function) and its total samples (when it was anywhere on the
 * stack), as counts and shares. A click on a column header sorts by it;
 * the table starts sorted by self samples, most first. Above the table,
 * a line says how many samples were taken at which rate.
 *
 * Activating a row (double click, Enter) emits
 * [signal@GIsleGtk.ProfileView::function-activated], e.g. to show the
 * function in an editor.
 */
struct _GIsleGtkProfileView {
  GtkWidget parent_instance;

  GtkLabel *summary;
  GtkColumnView *columns;
  GtkColumnViewColumn *self_column;
  GListStore *functions;
  GtkSortListModel *sorted;
  GVariant *profile;
  guint64 samples;
};

G_DEFINE_FINAL_TYPE (GIsleGtkProfileView, gisle_gtk_profile_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PROFILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_FUNCTION_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum {
  CELL_LABEL,
  CELL_SELF,
  CELL_TOTAL,
} Cell;

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  Cell cell = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), cell == CELL_LABEL ? 0 : 1);
  if (cell == CELL_LABEL)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  else
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         gpointer                  user_data)
{
  Cell cell = GPOINTER_TO_INT (user_data);
  GIsleGtkProfileFunction *fn = gtk_list_item_get_item (item);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  g_autofree char *text = NULL;
  g_autofree char *number = NULL;
  guint64 count;

  if (cell == CELL_LABEL)
    {
      gtk_label_set_text (label, fn->label);
      gtk_widget_set_tooltip_text (GTK_WIDGET (label), fn->label);
      return;
    }
  count = cell == CELL_SELF ? fn->self : fn->total;
  number = g_strdup_printf ("%" G_GUINT64_FORMAT, count);
  /* Translators: a number of samples and their share, e.g. "412 (62.5 %)" */
  text = g_strdup_printf (_("%s (%.1f %%)"), number,
                          fn->samples > 0 ? 100.0 * count / fn->samples : 0.0);
  gtk_label_set_text (label, text);
}

static GtkColumnViewColumn *
add_column (GIsleGtkProfileView *self,
            const char          *title,
            Cell                 cell,
            GtkSorter           *sorter)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), GINT_TO_POINTER (cell));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), GINT_TO_POINTER (cell));
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_sorter (column, sorter);
  gtk_column_view_column_set_resizable (column, TRUE);
  if (cell == CELL_LABEL)
    gtk_column_view_column_set_expand (column, TRUE);
  gtk_column_view_append_column (self->columns, column);
  g_object_unref (sorter);
  g_object_unref (column);   /* the view holds it */
  return column;
}

static GtkSorter *
numeric_sorter (const char *property)
{
  return GTK_SORTER (gtk_numeric_sorter_new (gtk_property_expression_new (GISLE_GTK_TYPE_PROFILE_FUNCTION,
                                                                          NULL, property)));
}

static void
activate_cb (GtkColumnView *view,
             guint          position,
             gpointer       user_data)
{
  GIsleGtkProfileView *self = user_data;
  g_autoptr(GIsleGtkProfileFunction) fn = g_list_model_get_item (G_LIST_MODEL (self->sorted), position);

  if (fn != NULL)
    g_signal_emit (self, signals[SIGNAL_FUNCTION_ACTIVATED], 0, fn);
}

static void
gisle_gtk_profile_view_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  GIsleGtkProfileView *self = GISLE_GTK_PROFILE_VIEW (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_variant (value, self->profile);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_profile_view_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  GIsleGtkProfileView *self = GISLE_GTK_PROFILE_VIEW (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      gisle_gtk_profile_view_set_profile (self, g_value_get_variant (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gisle_gtk_profile_view_dispose (GObject *object)
{
  GIsleGtkProfileView *self = GISLE_GTK_PROFILE_VIEW (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->functions);
  g_clear_pointer (&self->profile, g_variant_unref);

  G_OBJECT_CLASS (gisle_gtk_profile_view_parent_class)->dispose (object);
}

static void
gisle_gtk_profile_view_class_init (GIsleGtkProfileViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = gisle_gtk_profile_view_get_property;
  object_class->set_property = gisle_gtk_profile_view_set_property;
  object_class->dispose = gisle_gtk_profile_view_dispose;

  /**
   * GIsleGtkProfileView:profile:
   *
   * The profile shown, as g_isle_profile_stop() returns it (an `a{sv}`),
   * or none.
   */
  properties[PROP_PROFILE] =
    g_param_spec_variant ("profile", "Profile", "The profile shown", G_VARIANT_TYPE_VARDICT, NULL,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GIsleGtkProfileView::function-activated:
   * @self: the view
   * @function: the function of the activated row
   *
   * A row was activated (double click, Enter).
   */
  signals[SIGNAL_FUNCTION_ACTIVATED] =
    g_signal_new ("function-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, GISLE_GTK_TYPE_PROFILE_FUNCTION);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "gisle-profile-view");
}

static void
gisle_gtk_profile_view_init (GIsleGtkProfileView *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  GtkWidget *scrolled;
  GtkSorter *label_sorter;

  gisle_gtk_ensure_i18n ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);

  self->summary = GTK_LABEL (gtk_label_new (_("No profile yet: turn Profile on and run a script.")));
  gtk_label_set_xalign (self->summary, 0);
  gtk_label_set_wrap (self->summary, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (self->summary), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self->summary), 6);
  gtk_widget_set_margin_top (GTK_WIDGET (self->summary), 6);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self->summary), 6);
  gtk_widget_add_css_class (GTK_WIDGET (self->summary), "dim-label");
  gtk_widget_set_parent (GTK_WIDGET (self->summary), GTK_WIDGET (self));

  self->functions = g_list_store_new (GISLE_GTK_TYPE_PROFILE_FUNCTION);
  self->columns = GTK_COLUMN_VIEW (gtk_column_view_new (NULL));
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->functions)),
                                          g_object_ref (gtk_column_view_get_sorter (self->columns)));
  gtk_column_view_set_model (self->columns,
                             GTK_SELECTION_MODEL (gtk_single_selection_new (G_LIST_MODEL (self->sorted))));
  gtk_column_view_set_show_column_separators (self->columns, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->columns), "data-table");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->columns),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Functions of the profile"),
                                  -1);

  label_sorter = GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (GISLE_GTK_TYPE_PROFILE_FUNCTION,
                                                                                 NULL, "label")));
  add_column (self, _("Function"), CELL_LABEL, label_sorter);
  self->self_column = add_column (self, _("Self"), CELL_SELF, numeric_sorter ("self"));
  add_column (self, _("Total"), CELL_TOTAL, numeric_sorter ("total"));
  gtk_column_view_sort_by_column (self->columns, self->self_column, GTK_SORT_DESCENDING);
  g_signal_connect (self->columns, "activate", G_CALLBACK (activate_cb), self);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->columns));
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_widget_set_parent (scrolled, GTK_WIDGET (self));
}

/**
 * gisle_gtk_profile_view_new:
 *
 * Creates an empty profile table.
 *
 * Returns: (transfer none): a new profile view (a floating reference, as
 *   for every widget)
 */
GtkWidget *
gisle_gtk_profile_view_new (void)
{
  return g_object_new (GISLE_GTK_TYPE_PROFILE_VIEW, NULL);
}

/**
 * gisle_gtk_profile_view_get_profile:
 * @self: a profile view
 *
 * Gets the profile shown.
 *
 * Returns: (transfer none) (nullable): the value of
 *   [property@GIsleGtk.ProfileView:profile]
 */
GVariant *
gisle_gtk_profile_view_get_profile (GIsleGtkProfileView *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_PROFILE_VIEW (self), NULL);

  return self->profile;
}

/**
 * gisle_gtk_profile_view_set_profile:
 * @self: a profile view
 * @profile: (nullable): what g_isle_profile_stop() returned, or %NULL to
 *   empty the table
 *
 * Shows the functions of @profile; the table keeps the order the user
 * chose.
 */
void
gisle_gtk_profile_view_set_profile (GIsleGtkProfileView *self,
                                    GVariant            *profile)
{
  g_autoptr(GVariant) functions = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *count = NULL;
  g_autofree char *text = NULL;
  guint32 rate = 0;
  guint64 duration = 0;
  GVariantIter iter;
  const char *label, *source;
  gint32 line;
  guint64 self_count, total;

  g_return_if_fail (GISLE_GTK_IS_PROFILE_VIEW (self));
  g_return_if_fail (profile == NULL || g_variant_is_of_type (profile, G_VARIANT_TYPE_VARDICT));

  if (profile == self->profile)
    return;
  if (profile != NULL)
    g_variant_ref_sink (profile);
  g_clear_pointer (&self->profile, g_variant_unref);
  self->profile = profile;
  self->samples = 0;

  if (profile != NULL)
    {
      g_variant_lookup (profile, "samples", "t", &self->samples);
      g_variant_lookup (profile, "rate", "u", &rate);
      g_variant_lookup (profile, "duration", "t", &duration);
      functions = g_variant_lookup_value (profile, "functions", G_VARIANT_TYPE ("a(ssitt)"));
    }
  if (functions != NULL)
    {
      g_variant_iter_init (&iter, functions);
      while (g_variant_iter_next (&iter, "(&s&sitt)", &label, &source, &line, &self_count, &total))
        {
          GIsleGtkProfileFunction *fn = g_object_new (GISLE_GTK_TYPE_PROFILE_FUNCTION, NULL);

          fn->label = g_strdup (label);
          fn->source = g_strdup (source);
          fn->line = line;
          fn->self = self_count;
          fn->total = total;
          fn->samples = self->samples;
          g_ptr_array_add (rows, fn);
        }
    }
  g_list_store_splice (self->functions, 0, g_list_model_get_n_items (G_LIST_MODEL (self->functions)),
                       rows->pdata, rows->len);

  if (profile == NULL)
    gtk_label_set_text (self->summary, _("No profile yet: turn Profile on and run a script."));
  else
    {
      count = g_strdup_printf ("%" G_GUINT64_FORMAT, self->samples);
      /* Translators: %s is a number of samples, %u a rate in Hz, %.2f a
       * duration in seconds, e.g. "1234 samples at 1000 Hz over 1.30 s" */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%s sample at %u Hz over %.2f s",
                                           "%s samples at %u Hz over %.2f s",
                                           (gulong) MIN (self->samples, G_MAXULONG)),
                              count, rate, duration / (double) G_USEC_PER_SEC);
      gtk_label_set_text (self->summary, text);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
}

/**
 * gisle_gtk_profile_view_get_model:
 * @self: a profile view
 *
 * Gets the rows as shown, in the order of the sorted column.
 *
 * Returns: (transfer none): a list of [class@GIsleGtk.ProfileFunction]
 */
GListModel *
gisle_gtk_profile_view_get_model (GIsleGtkProfileView *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_PROFILE_VIEW (self), NULL);

  return G_LIST_MODEL (self->sorted);
}

/**
 * gisle_gtk_profile_view_get_column_view:
 * @self: a profile view
 *
 * Gets the table itself, whose columns are the function, its self
 * samples and its total samples, in this order; sort it with
 * gtk_column_view_sort_by_column().
 *
 * Returns: (transfer none): the column view
 */
GtkColumnView *
gisle_gtk_profile_view_get_column_view (GIsleGtkProfileView *self)
{
  g_return_val_if_fail (GISLE_GTK_IS_PROFILE_VIEW (self), NULL);

  return self->columns;
}
