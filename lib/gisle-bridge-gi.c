/* gisle-bridge-gi.c: method calls on exposed objects, through their
 * typelibs.
 *
 * Floor 15 (method calls through typelibs): above the bridge's values
 * (gisle-bridge-values.c); gisle-bridge.c calls it.
 *
 * `obj:method(...)` finds the method along the object's class hierarchy,
 * then its interfaces, in the typelibs libgirepository knows (loading the
 * namespace a type's name starts with when none knows it yet), refuses the
 * forbidden entry points (reference counting, teardown, raw pointers,
 * callbacks: see docs/security.md), converts the script's arguments,
 * invokes the function with g_function_info_invoke() and converts the
 * return value and the out arguments back. `Gtk.Window.new(...)` does the
 * same for a constructor or static function of a namespace the
 * application exposed.
 *
 * Thread rule: everything here runs in the object's main context (the
 * call arrives as a GisleBridgeCall served there). libgirepository's
 * repository is not thread-safe, and two isles may have their main
 * contexts in two threads: every use of it is under gisle_gi_lock, which
 * is released while the method itself runs (it may run anything,
 * including another bridge call).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-bridge-gi-private.h"

#include <string.h>

static GMutex gisle_gi_lock;

/* ---- Finding typelibs ---------------------------------------------------- */

static GPtrArray *gisle_gi_namespaces;    /* char *: every namespace on disk */
static GHashTable *gisle_gi_tried;        /* set of GTypes: no second try */

static void
gisle_gi_scan_namespaces (void)
{
  GSList *path;

  if (gisle_gi_namespaces != NULL)
    return;
  gisle_gi_namespaces = g_ptr_array_new_with_free_func (g_free);
  path = g_irepository_get_search_path ();
  for (GSList *l = path; l != NULL; l = l->next)
    {
      g_autoptr(GDir) dir = g_dir_open (l->data, 0, NULL);
      const char *file;

      while (dir != NULL && (file = g_dir_read_name (dir)) != NULL)
        {
          const char *dash = strchr (file, '-');

          if (dash != NULL && g_str_has_suffix (file, ".typelib"))
            g_ptr_array_add (gisle_gi_namespaces, g_strndup (file, dash - file));
        }
    }
}

/* Loads the namespace whose name the type's name starts with (Gtk for
 * GtkWindow, GtkSource for GtkSourceView; Gio for the other G types). A
 * namespace already loaded keeps its version; otherwise the newest one on
 * disk is taken, so an application built on an older version of a library
 * should g_irepository_require() it before exposing objects. */
static void
gisle_gi_require_for (GIRepository *repo,
                      GType         type)
{
  const char *type_name = g_type_name (type);
  const char *best = NULL;

  if (gisle_gi_tried == NULL)
    gisle_gi_tried = g_hash_table_new (NULL, NULL);
  if (g_hash_table_contains (gisle_gi_tried, GSIZE_TO_POINTER (type)))
    return;
  g_hash_table_add (gisle_gi_tried, GSIZE_TO_POINTER (type));

  gisle_gi_scan_namespaces ();
  for (guint i = 0; i < gisle_gi_namespaces->len; i++)
    {
      const char *ns = gisle_gi_namespaces->pdata[i];

      if (g_str_has_prefix (type_name, ns) && strlen (type_name) > strlen (ns) &&
          g_ascii_isupper (type_name[strlen (ns)]) &&
          (best == NULL || strlen (ns) > strlen (best)))
        best = ns;
    }
  if (best == NULL && type_name[0] == 'G' && g_ascii_isupper (type_name[1]))
    best = "Gio";
  if (best != NULL)
    g_irepository_require (repo, best, NULL, 0, NULL);
}

static GIBaseInfo *
gisle_gi_info_for (GIRepository *repo,
                   GType         type)
{
  GIBaseInfo *info = g_irepository_find_by_gtype (repo, type);

  if (info == NULL)
    {
      gisle_gi_require_for (repo, type);
      info = g_irepository_find_by_gtype (repo, type);
    }
  return info;
}

/* The method @name of @type or of an interface it implements. */
static GIFunctionInfo *
gisle_gi_find_method (GType       type,
                      const char *name)
{
  GIRepository *repo = g_irepository_get_default ();
  GIFunctionInfo *method = NULL;
  g_autofree GType *ifaces = NULL;
  guint n_ifaces;

  for (GType t = type; t != 0 && method == NULL; t = g_type_parent (t))
    {
      GIBaseInfo *info = gisle_gi_info_for (repo, t);

      if (info != NULL && GI_IS_OBJECT_INFO (info))
        method = g_object_info_find_method ((GIObjectInfo *) info, name);
      g_clear_pointer (&info, g_base_info_unref);
    }

  ifaces = g_type_interfaces (type, &n_ifaces);
  for (guint i = 0; i < n_ifaces && method == NULL; i++)
    {
      GIBaseInfo *info = gisle_gi_info_for (repo, ifaces[i]);

      if (info != NULL && GI_IS_INTERFACE_INFO (info))
        method = g_interface_info_find_method ((GIInterfaceInfo *) info, name);
      g_clear_pointer (&info, g_base_info_unref);
    }
  return method;
}

/* Gtk.Window.set_default_size */
static char *
gisle_gi_full_name (GIFunctionInfo *fn)
{
  GIBaseInfo *container = g_base_info_get_container ((GIBaseInfo *) fn);

  /* A namespace's own functions have no container. */
  if (container == NULL)
    return g_strdup_printf ("%s.%s", g_base_info_get_namespace ((GIBaseInfo *) fn),
                            g_base_info_get_name ((GIBaseInfo *) fn));
  return g_strdup_printf ("%s.%s.%s", g_base_info_get_namespace ((GIBaseInfo *) fn),
                          g_base_info_get_name (container), g_base_info_get_name ((GIBaseInfo *) fn));
}

/* ---- What is never callable ---------------------------------------------- */

/* Entry points a script never reaches, whatever the object: its reference
 * count and its teardown belong to the application (a script that could
 * unref or destroy an object the application holds could make the
 * application use freed memory), and its data slots hold raw pointers.
 * The list is in docs/security.md. */
static const char * const gisle_gi_forbidden_names[] = {
  "ref", "unref", "ref_sink", "force_floating", "is_floating",
  "run_dispose", "dispose", "finalize", "destroy", "unparent", "free",
  "weak_ref", "weak_unref", "add_weak_pointer", "remove_weak_pointer",
  "add_toggle_ref", "remove_toggle_ref",
  "get_data", "set_data", "get_qdata", "set_qdata", "dup_data", "dup_qdata",
  "replace_data", "replace_qdata", "set_data_full", "set_qdata_full",
  "watch_closure", "connect", "disconnect",
  NULL
};

/* Why a type cannot cross at all: raw pointers and callbacks. */
static const char *
gisle_gi_type_forbidden (GITypeInfo *type)
{
  GITypeTag tag = g_type_info_get_tag (type);

  if (tag == GI_TYPE_TAG_VOID)
    return g_type_info_is_pointer (type) ? "a raw pointer" : NULL;
  if (tag == GI_TYPE_TAG_INTERFACE)
    {
      g_autoptr(GIBaseInfo) iface = g_type_info_get_interface (type);

      return g_base_info_get_type (iface) == GI_INFO_TYPE_CALLBACK ? "a callback" : NULL;
    }
  if (tag == GI_TYPE_TAG_ARRAY || tag == GI_TYPE_TAG_GLIST || tag == GI_TYPE_TAG_GSLIST ||
      tag == GI_TYPE_TAG_GHASH)
    {
      for (int i = 0; i < (tag == GI_TYPE_TAG_GHASH ? 2 : 1); i++)
        {
          g_autoptr(GITypeInfo) param = g_type_info_get_param_type (type, i);
          const char *why = param != NULL ? gisle_gi_type_forbidden (param) : NULL;

          if (why != NULL)
            return why;
        }
    }
  return NULL;
}

static GQuark
gisle_bridge_created_quark (void)
{
  return g_quark_from_static_string ("gisle-bridge-created");
}

/* Marks an object a script made with a constructor of an exposed
 * namespace: its own to tear down. */
static void
gisle_gi_mark_created (GObject *object)
{
  g_object_set_qdata (object, gisle_bridge_created_quark (), GINT_TO_POINTER (1));
}

/* NULL if a script may call @fn, else why not (a new string). @object is
 * the instance for a method, %NULL for a constructor or a static function
 * of an exposed namespace. */
static char *
gisle_gi_forbidden (GIFunctionInfo *fn,
                    GObject        *object)
{
  const char *name = g_base_info_get_name ((GIBaseInfo *) fn);
  gboolean is_method = (g_function_info_get_flags (fn) & GI_FUNCTION_IS_METHOD) != 0;
  g_autoptr(GITypeInfo) ret = NULL;
  const char *why;
  int n;

  /* A window the script made is the script's to destroy. */
  if (strcmp (name, "destroy") == 0 && object != NULL &&
      g_object_get_qdata (object, gisle_bridge_created_quark ()) != NULL)
    ;
  else if (g_strv_contains (gisle_gi_forbidden_names, name))
    return g_strdup ("reference counting, teardown and data slots belong to the application");
  if (g_str_has_prefix (name, "steal") || strstr (name, "_steal") != NULL)
    return g_strdup ("it steals a reference");
  if (object != NULL && !is_method)
    return g_strdup ("it is not a method (constructors and static functions are not reachable)");
  if (object == NULL && is_method)
    return g_strdup ("it is a method: call it on an object, obj:method(...)");

  ret = g_callable_info_get_return_type ((GICallableInfo *) fn);
  if ((why = gisle_gi_type_forbidden (ret)) != NULL)
    return g_strdup_printf ("it returns %s", why);
  n = g_callable_info_get_n_args ((GICallableInfo *) fn);
  for (int i = 0; i < n; i++)
    {
      g_autoptr(GIArgInfo) arg = g_callable_info_get_arg ((GICallableInfo *) fn, i);
      g_autoptr(GITypeInfo) type = g_arg_info_get_type (arg);

      if ((why = gisle_gi_type_forbidden (type)) != NULL)
        return g_strdup_printf ("its argument “%s” is %s", g_base_info_get_name (arg), why);
    }
  return NULL;
}

/* The method, or NULL with the error a script sees. Under the lock. */
static GIFunctionInfo *
gisle_gi_lookup (GObject     *object,
                 const char  *name,
                 GError     **error)
{
  GIFunctionInfo *fn = gisle_gi_find_method (G_OBJECT_TYPE (object), name);
  g_autofree char *why = NULL;

  if (fn == NULL)
    {
      g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                   "%s has no property or method “%s”", G_OBJECT_TYPE_NAME (object), name);
      return NULL;
    }
  why = gisle_gi_forbidden (fn, object);
  if (why != NULL)
    {
      g_autofree char *full = gisle_gi_full_name (fn);

      g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                   "%s cannot be called from a script: %s", full, why);
      g_base_info_unref (fn);
      return NULL;
    }
  return fn;
}

gboolean
gisle_bridge_gi_has_method (GObject     *object,
                            const char  *name,
                            GError     **error)
{
  GIFunctionInfo *fn;
  gboolean found;

  g_mutex_lock (&gisle_gi_lock);
  fn = gisle_gi_lookup (object, name, error);
  found = fn != NULL;
  g_clear_pointer (&fn, g_base_info_unref);
  g_mutex_unlock (&gisle_gi_lock);
  return found;
}

/* ---- Calling ------------------------------------------------------------- */

static gsize
gisle_gi_get_size (GIArgument *arg,
                   GITypeTag   tag)
{
  switch (tag)
    {
    case GI_TYPE_TAG_INT8: return (gsize) MAX (arg->v_int8, 0);
    case GI_TYPE_TAG_UINT8: return arg->v_uint8;
    case GI_TYPE_TAG_INT16: return (gsize) MAX (arg->v_int16, 0);
    case GI_TYPE_TAG_UINT16: return arg->v_uint16;
    case GI_TYPE_TAG_INT32: return (gsize) MAX (arg->v_int32, 0);
    case GI_TYPE_TAG_UINT32: return arg->v_uint32;
    case GI_TYPE_TAG_INT64: return (gsize) MAX (arg->v_int64, 0);
    default: return (gsize) arg->v_uint64;
    }
}

static void
gisle_gi_set_size (GIArgument *arg,
                   GITypeTag   tag,
                   gsize       size)
{
  switch (tag)
    {
    case GI_TYPE_TAG_INT8: case GI_TYPE_TAG_UINT8: arg->v_uint8 = (guint8) size; break;
    case GI_TYPE_TAG_INT16: case GI_TYPE_TAG_UINT16: arg->v_uint16 = (guint16) size; break;
    case GI_TYPE_TAG_INT32: case GI_TYPE_TAG_UINT32: arg->v_uint32 = (guint32) size; break;
    default: arg->v_uint64 = size; break;
    }
}

typedef struct
{
  GIArgInfo *info;
  GITypeInfo *type;
  GIDirection direction;
  gboolean is_length;          /* another argument's array length */
  int length_of;               /* the array argument this one measures, or -1 */
  GIArgument value;
} GisleGiArg;

static void
gisle_gi_args_free (GisleGiArg *args,
                    int         n)
{
  for (int i = 0; i < n; i++)
    {
      g_clear_pointer (&args[i].type, g_base_info_unref);
      g_clear_pointer (&args[i].info, g_base_info_unref);
    }
  g_free (args);
}

/* The result values of a call: the return value (unless void), then each
 * out argument, in order; NULL with @error set when the call fails, whether
 * before the method runs or in it (a GError it throws carries its message
 * to the script). @args are the script's arguments after self. */
static GPtrArray *gisle_gi_invoke (GIFunctionInfo *fn,
                                    GObject        *object,
                                    GPtrArray      *args,
                                    GError        **error);

GPtrArray *
gisle_bridge_gi_call (GObject     *object,
                      const char  *name,
                      GPtrArray   *args,
                      GError     **error)
{
  GIFunctionInfo *fn;
  GPtrArray *results;

  g_mutex_lock (&gisle_gi_lock);
  fn = gisle_gi_lookup (object, name, error);
  results = fn != NULL ? gisle_gi_invoke (fn, object, args, error) : NULL;
  g_clear_pointer (&fn, g_base_info_unref);
  g_mutex_unlock (&gisle_gi_lock);
  return results;
}

/* Calls @fn (a method of @object, or with @object %NULL a constructor or
 * static function); under the lock, which it releases while @fn runs. */
static GPtrArray *
gisle_gi_invoke (GIFunctionInfo  *fn,
                 GObject         *object,
                 GPtrArray       *args,
                 GError         **error)
{
  g_autofree char *full = NULL;
  g_autoptr(GITypeInfo) ret_type = NULL;
  GisleGiArg *a;
  GIArgument *in_args, *out_args, retval = { 0, };
  GisleBridgeCleanup *cleanup;
  GPtrArray *results = NULL;
  int n, n_in = object != NULL ? 1 : 0, n_out = 0, ret_length = -1;
  guint visible = 0, next = 0;
  gboolean ok = TRUE;

  full = gisle_gi_full_name (fn);
  ret_type = g_callable_info_get_return_type ((GICallableInfo *) fn);
  n = g_callable_info_get_n_args ((GICallableInfo *) fn);
  a = g_new0 (GisleGiArg, MAX (n, 1));
  for (int i = 0; i < n; i++)
    {
      a[i].info = g_callable_info_get_arg ((GICallableInfo *) fn, i);
      a[i].type = g_arg_info_get_type (a[i].info);
      a[i].direction = g_arg_info_get_direction (a[i].info);
      a[i].length_of = -1;
    }
  if (g_type_info_get_tag (ret_type) == GI_TYPE_TAG_ARRAY)
    ret_length = g_type_info_get_array_length (ret_type);
  if (ret_length >= 0 && ret_length < n)
    a[ret_length].is_length = TRUE;
  for (int i = 0; i < n; i++)
    if (g_type_info_get_tag (a[i].type) == GI_TYPE_TAG_ARRAY)
      {
        int len = g_type_info_get_array_length (a[i].type);

        if (len >= 0 && len < n)
          {
            a[len].is_length = TRUE;
            a[len].length_of = i;
          }
      }
  for (int i = 0; i < n; i++)
    {
      if (a[i].direction != GI_DIRECTION_OUT)
        n_in++;
      if (a[i].direction != GI_DIRECTION_IN)
        n_out++;
      if (a[i].direction != GI_DIRECTION_OUT && !a[i].is_length)
        visible++;
    }

  cleanup = gisle_bridge_cleanup_new ();
  if (args->len > visible)
    {
      g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                   "%s takes %u argument%s, got %u", full, visible, visible == 1 ? "" : "s", args->len);
      ok = FALSE;
    }

  /* The script's arguments, in order; argument 1 is the object itself. */
  for (int i = 0; ok && i < n; i++)
    {
      GisleBridgeValue nil = { NULL, };
      GisleBridgeValue *value;
      g_autofree char *type_name = NULL;
      g_autofree char *where = NULL;
      gsize length = 0;

      if (a[i].direction == GI_DIRECTION_OUT)
        {
          if (g_arg_info_is_caller_allocates (a[i].info))
            {
              type_name = gisle_bridge_gi_type_name (a[i].type);
              g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION,
                           "%s cannot be called from a script: its out argument “%s” (%s) "
                           "is storage the caller provides", full,
                           g_base_info_get_name (a[i].info), type_name);
              ok = FALSE;
            }
          continue;
        }
      if (a[i].is_length)
        continue;
      value = next < args->len ? args->pdata[next] : &nil;
      next++;
      type_name = gisle_bridge_gi_type_name (a[i].type);
      /* Numbered as Lua counts them: argument 1 of a method is self. */
      where = g_strdup_printf ("argument %u (%s: %s) of %s", object != NULL ? next + 1 : next,
                               g_base_info_get_name (a[i].info), type_name, full);
      ok = gisle_bridge_value_to_arg (value, a[i].type, g_arg_info_get_ownership_transfer (a[i].info),
                                      g_arg_info_may_be_null (a[i].info), &a[i].value, cleanup,
                                      &length, where, error);
      if (ok && g_type_info_get_tag (a[i].type) == GI_TYPE_TAG_ARRAY)
        {
          int len = g_type_info_get_array_length (a[i].type);

          if (len >= 0 && len < n)
            {
              g_autoptr(GITypeInfo) len_type = g_arg_info_get_type (a[len].info);

              gisle_gi_set_size (&a[len].value, g_type_info_get_tag (len_type), length);
            }
        }
    }

  if (!ok)
    {
      gisle_bridge_cleanup_free (cleanup);
      gisle_gi_args_free (a, n);
      return NULL;
    }

  in_args = g_new0 (GIArgument, MAX (n_in, 1));
  out_args = g_new0 (GIArgument, MAX (n_out, 1));
  if (object != NULL)
    in_args[0].v_pointer = object;
  for (int i = 0, j = object != NULL ? 1 : 0, k = 0; i < n; i++)
    {
      if (a[i].direction == GI_DIRECTION_IN)
        in_args[j++] = a[i].value;
      else if (a[i].direction == GI_DIRECTION_INOUT)
        in_args[j++].v_pointer = &a[i].value;
      if (a[i].direction != GI_DIRECTION_IN)
        out_args[k++].v_pointer = &a[i].value;
    }

  /* The method may run anything, including a bridge call of another isle:
   * not under the lock. The infos used meanwhile are this call's own. */
  g_mutex_unlock (&gisle_gi_lock);
  ok = g_function_info_invoke (fn, in_args, n_in, out_args, MAX (n_out, 0), &retval, error);
  g_mutex_lock (&gisle_gi_lock);

  if (ok)
    {
      GError *local_error = NULL;

      results = g_ptr_array_new ();
      if (g_type_info_get_tag (ret_type) != GI_TYPE_TAG_VOID || g_type_info_is_pointer (ret_type))
        {
          g_autofree char *where = g_strdup_printf ("the value %s returns", full);
          gssize length = -1;
          GisleBridgeValue *value;

          if (ret_length >= 0 && ret_length < n)
            length = (gssize) gisle_gi_get_size (&a[ret_length].value, g_type_info_get_tag (a[ret_length].type));
          value = gisle_bridge_value_from_arg (&retval, ret_type, g_callable_info_get_caller_owns ((GICallableInfo *) fn),
                                               length, where, &local_error);
          g_ptr_array_add (results, value != NULL ? value : gisle_bridge_value_new ());
        }
      for (int i = 0; i < n; i++)
        {
          g_autofree char *where = NULL;
          GisleBridgeValue *value;
          gssize length = -1;
          int len;

          if (a[i].direction == GI_DIRECTION_IN || a[i].is_length)
            continue;
          if (g_type_info_get_tag (a[i].type) == GI_TYPE_TAG_ARRAY &&
              (len = g_type_info_get_array_length (a[i].type)) >= 0 && len < n)
            length = (gssize) gisle_gi_get_size (&a[len].value, g_type_info_get_tag (a[len].type));
          where = g_strdup_printf ("out argument “%s” of %s", g_base_info_get_name (a[i].info), full);
          /* After a conversion failed, the rest are still converted, to
           * free what the method gave. */
          value = gisle_bridge_value_from_arg (&a[i].value, a[i].type,
                                               g_arg_info_get_ownership_transfer (a[i].info),
                                               length, where, local_error == NULL ? &local_error : NULL);
          g_ptr_array_add (results, value != NULL ? value : gisle_bridge_value_new ());
        }
      if (local_error != NULL)
        {
          for (guint i = 0; i < results->len; i++)
            gisle_bridge_value_free (NULL, results->pdata[i]);
          g_clear_pointer (&results, g_ptr_array_unref);
          g_propagate_error (error, local_error);
        }
    }

  gisle_bridge_cleanup_free (cleanup);
  g_free (in_args);
  g_free (out_args);
  gisle_gi_args_free (a, n);
  return results;
}

/* ---- Exposed namespaces ---------------------------------------------------- */

/* Loads @namespace_ for scripts; in the thread that exposes it. */
gboolean
gisle_bridge_gi_require (const char  *namespace_,
                         const char  *version,
                         GError     **error)
{
  GITypelib *typelib;

  g_mutex_lock (&gisle_gi_lock);
  typelib = g_irepository_require (g_irepository_get_default (), namespace_, version, 0, error);
  g_mutex_unlock (&gisle_gi_lock);
  return typelib != NULL;
}

/* Gtk.Window.new(...) (@container "Window") or Gio.content_type_guess(...)
 * (@container %NULL): a constructor or a static function of a namespace
 * the application exposed. Objects a constructor returns are the script's
 * own (it may destroy them). */
GPtrArray *
gisle_bridge_gi_call_static (const char  *namespace_,
                             const char  *container,
                             const char  *name,
                             GPtrArray   *args,
                             GError     **error)
{
  GIRepository *repo = g_irepository_get_default ();
  GIBaseInfo *info;
  GIFunctionInfo *fn = NULL;
  g_autofree char *why = NULL;
  GPtrArray *results = NULL;

  g_mutex_lock (&gisle_gi_lock);
  info = g_irepository_find_by_name (repo, namespace_, container != NULL ? container : name);
  if (info != NULL && container == NULL && GI_IS_FUNCTION_INFO (info))
    fn = (GIFunctionInfo *) g_base_info_ref (info);
  else if (info != NULL && container != NULL && GI_IS_OBJECT_INFO (info))
    fn = g_object_info_find_method ((GIObjectInfo *) info, name);
  else if (info != NULL && container != NULL && GI_IS_INTERFACE_INFO (info))
    fn = g_interface_info_find_method ((GIInterfaceInfo *) info, name);
  else if (info != NULL && container != NULL && GI_IS_STRUCT_INFO (info))
    fn = g_struct_info_find_method ((GIStructInfo *) info, name);
  g_clear_pointer (&info, g_base_info_unref);

  if (fn == NULL)
    g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED, "%s.%s%s%s is not a function of %s",
                 namespace_, container != NULL ? container : "", container != NULL ? "." : "",
                 name, namespace_);
  else if ((why = gisle_gi_forbidden (fn, NULL)) != NULL)
    {
      g_autofree char *full = gisle_gi_full_name (fn);

      g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                   "%s cannot be called from a script: %s", full, why);
    }
  else
    {
      results = gisle_gi_invoke (fn, NULL, args, error);
      if (results != NULL && (g_function_info_get_flags (fn) & GI_FUNCTION_IS_CONSTRUCTOR) &&
          results->len > 0 && ((GisleBridgeValue *) results->pdata[0])->object != NULL)
        gisle_gi_mark_created (((GisleBridgeValue *) results->pdata[0])->object);
    }
  g_clear_pointer (&fn, g_base_info_unref);
  g_mutex_unlock (&gisle_gi_lock);
  return results;
}
