/* gisle-bridge-values.c: the values of method calls on exposed objects, on
 * their way between a script and the object's main context, and the small
 * services of the object bridge: dropping references in the owner
 * context, telling disposed objects, enums and flags as words.
 *
 * Floor 14 (the object bridge's values): above the isle, the worker and
 * the value mapping; gisle-bridge-gi.c and gisle-bridge.c build on it.
 *
 * A GisleBridgeValue is what travels: plain data as a GVariant (made and
 * read by gisle-value.c, so a method argument crosses exactly as a host
 * function's does), an object as a strong reference, a list as items.
 * gisle-bridge.c makes them from Lua values and pushes them as Lua values
 * (it owns the proxies); this file converts them to and from GIArguments.
 *
 * Thread rules: the GIArgument conversions, gisle_bridge_watch() and
 * gisle_bridge_is_gone() run in the object's main context only (they read
 * typelib data, call the objects' own functions and drop references; the
 * conversions under the GI lock of gisle-bridge-gi.c). A value may be
 * made, read and freed on either side; gisle_bridge_release() drops an
 * object reference at once outside the isle's threads and from an idle in
 * the owner context on them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-bridge-values-private.h"
#include "gisle-worker-private.h"
#include "gisle-dispatch-private.h"

#include <math.h>
#include <string.h>

#define BRIDGE_ERROR(error, ...) \
  g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION, __VA_ARGS__)

/* ---- The value itself --------------------------------------------------- */

GisleBridgeValue *
gisle_bridge_value_new (void)
{
  return g_new0 (GisleBridgeValue, 1);
}

void
gisle_bridge_value_free (GisleWorker      *worker,
                         GisleBridgeValue *value)
{
  if (value == NULL)
    return;
  g_clear_pointer (&value->variant, g_variant_unref);
  gisle_bridge_release (worker, g_steal_pointer (&value->object));
  if (value->items != NULL)
    {
      for (guint i = 0; i < value->items->len; i++)
        gisle_bridge_value_free (worker, value->items->pdata[i]);
      g_ptr_array_unref (value->items);
    }
  g_free (value);
}

/* For error messages: "a number", "an object"... */
const char *
gisle_bridge_value_describe (GisleBridgeValue *value)
{
  GVariant *v = value->variant;

  if (value->object != NULL)
    return "an object";
  if (value->items != NULL)
    return "a list of objects";
  if (v == NULL || g_variant_is_of_type (v, G_VARIANT_TYPE_MAYBE))
    return "nil";
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return "a boolean";
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64) || g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    return "a number";
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) || g_variant_is_of_type (v, G_VARIANT_TYPE_BYTESTRING))
    return "a string";
  return "a table";
}

/* ---- Releasing references in the owner context ------------------------ */

static gboolean
gisle_bridge_unref_in_owner (gpointer object)
{
  /* The worker attached this idle (gisle_source_attach releases the
   * context); GLib frees what the attach allocated (the source, maybe the
   * context's list for its priority) after this returns, under a lock
   * TSan cannot see. */
  GISLE_TSAN_ACQUIRE (g_source_get_context (g_main_current_source ()));
  GISLE_TSAN_ACQUIRE (object);
  g_object_unref (object);
  return G_SOURCE_REMOVE;
}

/* Drops a reference to @object: at once outside the isle's threads, from an
 * idle in the owner context on them. */
void
gisle_bridge_release (GisleWorker *worker,
                      GObject     *object)
{
  GSource *source;

  if (object == NULL)
    return;
  if (!gisle_worker_in_any_worker ())
    {
      g_object_unref (object);
      return;
    }
  source = g_idle_source_new ();
  g_source_set_static_name (source, "[gisle] object release");
  g_source_set_callback (source, gisle_bridge_unref_in_owner, object, NULL);
  GISLE_TSAN_RELEASE (object);
  gisle_source_attach (source, gisle_dispatch_get_context (worker));
  g_source_unref (source);
}


/* ---- Disposed objects ------------------------------------------------------- */

/* An object an application disposes (g_object_run_dispose(), a GTK 3
 * destroy) while a script holds a proxy stays allocated, since the proxy
 * holds a reference, but is no longer fit for use: such an object is
 * marked when its weak references are notified, and scripts get "the
 * object “win” is gone" instead of reaching it. Owner context only. */
static GQuark
gisle_bridge_watched_quark (void)
{
  /* Thread-safe; a hash lookup, small next to a round trip. */
  return g_quark_from_static_string ("gisle-bridge-watched");
}

#define GISLE_WATCHED GINT_TO_POINTER (1)
#define GISLE_GONE GINT_TO_POINTER (2)

static void
gisle_bridge_on_disposed (gpointer  data,
                          GObject  *object)
{
  g_object_set_qdata (object, gisle_bridge_watched_quark (), GISLE_GONE);
}

/* Watches @object for disposal, once; before it enters an isle. */
void
gisle_bridge_watch (GObject *object)
{
  if (g_object_get_qdata (object, gisle_bridge_watched_quark ()) != NULL)
    return;
  g_object_set_qdata (object, gisle_bridge_watched_quark (), GISLE_WATCHED);
  g_object_weak_ref (object, gisle_bridge_on_disposed, NULL);
}

gboolean
gisle_bridge_is_gone (GObject *object)
{
  return g_object_get_qdata (object, gisle_bridge_watched_quark ()) == GISLE_GONE;
}

/* ---- Enums and flags as words ---------------------------------------------- */

char *
gisle_bridge_flags_to_string (GFlagsClass *klass,
                              guint        value)
{
  GString *text = g_string_new (NULL);
  guint rest = value;

  if (value == 0)
    {
      GFlagsValue *zero = g_flags_get_first_value (klass, 0);

      if (zero != NULL)
        g_string_append (text, zero->value_nick);
      return g_string_free (text, FALSE);
    }
  for (guint i = 0; i < klass->n_values; i++)
    {
      GFlagsValue *fv = &klass->values[i];

      if (fv->value != 0 && (value & fv->value) == fv->value && (rest & fv->value) != 0)
        {
          if (text->len > 0)
            g_string_append_c (text, '|');
          g_string_append (text, fv->value_nick);
          rest &= ~fv->value;
        }
    }
  if (rest != 0)
    {
      if (text->len > 0)
        g_string_append_c (text, '|');
      g_string_append_printf (text, "%u", rest);
    }
  return g_string_free (text, FALSE);
}

gboolean
gisle_bridge_flag_from_word (GFlagsClass  *klass,
                             const char   *word,
                             guint        *bits)
{
  GFlagsValue *fv = g_flags_get_value_by_nick (klass, word);
  char *end;
  guint64 number;

  if (fv == NULL)
    fv = g_flags_get_value_by_name (klass, word);
  if (fv != NULL)
    {
      *bits |= fv->value;
      return TRUE;
    }
  number = g_ascii_strtoull (word, &end, 0);
  if (*word != '\0' && *end == '\0' && number <= G_MAXUINT)
    {
      *bits |= (guint) number;
      return TRUE;
    }
  return FALSE;
}

/* ---- Owner-context side: cleanups ------------------------------------------ */

typedef struct
{
  gpointer data;
  GDestroyNotify notify;
} Cleanup;

struct _GisleBridgeCleanup
{
  GArray *items;
};

GisleBridgeCleanup *
gisle_bridge_cleanup_new (void)
{
  GisleBridgeCleanup *cleanup = g_new0 (GisleBridgeCleanup, 1);

  cleanup->items = g_array_new (FALSE, FALSE, sizeof (Cleanup));
  return cleanup;
}

void
gisle_bridge_cleanup_add (GisleBridgeCleanup *cleanup,
                          gpointer            data,
                          GDestroyNotify      notify)
{
  Cleanup c = { data, notify };

  if (data != NULL)
    g_array_append_val (cleanup->items, c);
}

/* Frees in reverse order: containers made last go first. */
void
gisle_bridge_cleanup_free (GisleBridgeCleanup *cleanup)
{
  for (guint i = cleanup->items->len; i > 0; i--)
    {
      Cleanup *c = &g_array_index (cleanup->items, Cleanup, i - 1);

      c->notify (c->data);
    }
  g_array_unref (cleanup->items);
  g_free (cleanup);
}

/* ---- Type names ------------------------------------------------------------ */

char *
gisle_bridge_gi_type_name (GITypeInfo *type)
{
  GITypeTag tag = g_type_info_get_tag (type);

  switch (tag)
    {
    case GI_TYPE_TAG_INTERFACE:
      {
        GIBaseInfo *iface = g_type_info_get_interface (type);
        char *name = g_strdup_printf ("%s.%s", g_base_info_get_namespace (iface),
                                      g_base_info_get_name (iface));

        g_base_info_unref (iface);
        return name;
      }
    case GI_TYPE_TAG_ARRAY:
    case GI_TYPE_TAG_GLIST:
    case GI_TYPE_TAG_GSLIST:
      {
        GITypeInfo *elem = g_type_info_get_param_type (type, 0);
        g_autofree char *inner = elem != NULL ? gisle_bridge_gi_type_name (elem) : g_strdup ("?");

        g_clear_pointer (&elem, g_base_info_unref);
        return g_strdup_printf ("%s of %s", tag == GI_TYPE_TAG_ARRAY ? "array" : "list", inner);
      }
    case GI_TYPE_TAG_VOID:
      return g_strdup (g_type_info_is_pointer (type) ? "gpointer" : "void");
    default:
      return g_strdup (g_type_tag_to_string (tag));
    }
}

/* ---- Owner-context side: to a GIArgument ----------------------------------- */

static gboolean
get_integer (GVariant *v,
             gint64   *out)
{
  if (v == NULL)
    return FALSE;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    {
      *out = g_variant_get_int64 (v);
      return TRUE;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    {
      double d = g_variant_get_double (v);

      if (d >= -0x1p63 && d < 0x1p63 && (double) (gint64) d == d)
        {
          *out = (gint64) d;
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
is_nil (GisleBridgeValue *value)
{
  return value->object == NULL && value->items == NULL &&
         (value->variant == NULL || g_variant_is_of_type (value->variant, G_VARIANT_TYPE_MAYBE));
}

static gboolean
wrong_kind (GisleBridgeValue  *value,
            const char        *where,
            GError           **error)
{
  BRIDGE_ERROR (error, "cannot pass %s as %s", gisle_bridge_value_describe (value), where);
  return FALSE;
}

static gboolean
integer_to_arg (GITypeTag    tag,
                gint64       i,
                GIArgument  *arg,
                const char  *where,
                GError     **error)
{
  gint64 lo, hi;

  switch (tag)
    {
    case GI_TYPE_TAG_INT8: lo = G_MININT8; hi = G_MAXINT8; break;
    case GI_TYPE_TAG_UINT8: lo = 0; hi = G_MAXUINT8; break;
    case GI_TYPE_TAG_INT16: lo = G_MININT16; hi = G_MAXINT16; break;
    case GI_TYPE_TAG_UINT16: lo = 0; hi = G_MAXUINT16; break;
    case GI_TYPE_TAG_INT32: lo = G_MININT32; hi = G_MAXINT32; break;
    case GI_TYPE_TAG_UINT32: lo = 0; hi = G_MAXUINT32; break;
    case GI_TYPE_TAG_INT64: lo = G_MININT64; hi = G_MAXINT64; break;
    default: lo = 0; hi = G_MAXINT64; break;
    }
  if (i < lo || i > hi)
    {
      BRIDGE_ERROR (error, "cannot pass %" G_GINT64_FORMAT " as %s: out of range",
                    i, where);
      return FALSE;
    }
  switch (tag)
    {
    case GI_TYPE_TAG_INT8: arg->v_int8 = (gint8) i; break;
    case GI_TYPE_TAG_UINT8: arg->v_uint8 = (guint8) i; break;
    case GI_TYPE_TAG_INT16: arg->v_int16 = (gint16) i; break;
    case GI_TYPE_TAG_UINT16: arg->v_uint16 = (guint16) i; break;
    case GI_TYPE_TAG_INT32: arg->v_int32 = (gint32) i; break;
    case GI_TYPE_TAG_UINT32: arg->v_uint32 = (guint32) i; break;
    case GI_TYPE_TAG_INT64: arg->v_int64 = i; break;
    default: arg->v_uint64 = (guint64) i; break;
    }
  return TRUE;
}

/* Stores an enum or flags value as the typelib says it is stored. */
static void
store_enum (GIEnumInfo *info,
            gint64      v,
            GIArgument *arg)
{
  switch (g_enum_info_get_storage_type (info))
    {
    case GI_TYPE_TAG_INT8: arg->v_int8 = (gint8) v; break;
    case GI_TYPE_TAG_UINT8: arg->v_uint8 = (guint8) v; break;
    case GI_TYPE_TAG_INT16: arg->v_int16 = (gint16) v; break;
    case GI_TYPE_TAG_UINT16: arg->v_uint16 = (guint16) v; break;
    case GI_TYPE_TAG_UINT32: arg->v_uint32 = (guint32) v; break;
    case GI_TYPE_TAG_INT64: arg->v_int64 = v; break;
    case GI_TYPE_TAG_UINT64: arg->v_uint64 = (guint64) v; break;
    default: arg->v_int32 = (gint32) v; break;
    }
}

static gint64
load_enum (GIEnumInfo *info,
           GIArgument *arg)
{
  switch (g_enum_info_get_storage_type (info))
    {
    case GI_TYPE_TAG_INT8: return arg->v_int8;
    case GI_TYPE_TAG_UINT8: return arg->v_uint8;
    case GI_TYPE_TAG_INT16: return arg->v_int16;
    case GI_TYPE_TAG_UINT16: return arg->v_uint16;
    case GI_TYPE_TAG_UINT32: return arg->v_uint32;
    case GI_TYPE_TAG_INT64: return arg->v_int64;
    case GI_TYPE_TAG_UINT64: return (gint64) arg->v_uint64;
    default: return arg->v_int32;
    }
}

/* A word of an enum or flags type the typelib knows but GType does not. */
static gboolean
info_value_by_name (GIEnumInfo *info,
                    const char *word,
                    gint64     *out)
{
  int n = g_enum_info_get_n_values (info);

  for (int i = 0; i < n; i++)
    {
      GIValueInfo *vi = g_enum_info_get_value (info, i);
      gboolean same = g_ascii_strcasecmp (g_base_info_get_name (vi), word) == 0;

      if (same)
        *out = g_value_info_get_value (vi);
      g_base_info_unref (vi);
      if (same)
        return TRUE;
    }
  return FALSE;
}

static gboolean
enum_to_arg (GisleBridgeValue  *value,
             GIEnumInfo        *info,
             gboolean           is_flags,
             GIArgument        *arg,
             const char        *where,
             GError           **error)
{
  GType gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) info);
  GVariant *v = value->variant;
  gint64 number = 0;
  gboolean ok = TRUE;

  if (get_integer (v, &number))
    {
      store_enum (info, number, arg);
      return TRUE;
    }
  if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return wrong_kind (value, where, error);

  if (!is_flags)
    {
      const char *s = g_variant_get_string (v, NULL);

      if (G_TYPE_IS_ENUM (gtype))
        {
          GEnumClass *klass = g_type_class_ref (gtype);
          GEnumValue *ev = g_enum_get_value_by_nick (klass, s);

          if (ev == NULL)
            ev = g_enum_get_value_by_name (klass, s);
          ok = ev != NULL;
          if (ok)
            number = ev->value;
          g_type_class_unref (klass);
        }
      else
        ok = info_value_by_name (info, s, &number);
    }
  else
    {
      g_auto(GStrv) words = g_strsplit (g_variant_get_string (v, NULL), "|", -1);
      GFlagsClass *klass = G_TYPE_IS_FLAGS (gtype) ? g_type_class_ref (gtype) : NULL;
      guint bits = 0;

      for (guint n = 0; ok && words[n] != NULL; n++)
        {
          gint64 one;

          g_strstrip (words[n]);
          if (words[n][0] == '\0')
            continue;
          if (klass != NULL)
            ok = gisle_bridge_flag_from_word (klass, words[n], &bits);
          else if ((ok = info_value_by_name (info, words[n], &one)))
            bits |= (guint) one;
        }
      number = bits;
      g_clear_pointer (&klass, g_type_class_unref);
    }
  if (!ok)
    {
      BRIDGE_ERROR (error, "cannot pass “%s” as %s: not a %s", g_variant_get_string (v, NULL),
                    where, is_flags ? "combination of its flags" : "value of its enumeration");
      return FALSE;
    }
  store_enum (info, number, arg);
  return TRUE;
}

static gboolean
scalar_to_arg (GisleBridgeValue   *value,
               GITypeInfo         *type,
               GITransfer          transfer,
               gboolean            may_be_null,
               GIArgument         *arg,
               GisleBridgeCleanup *cleanup,
               const char         *where,
               GError            **error)
{
  GITypeTag tag = g_type_info_get_tag (type);
  GVariant *v = value->variant;
  gint64 i;

  memset (arg, 0, sizeof *arg);
  if (value->object != NULL && tag != GI_TYPE_TAG_INTERFACE)
    return wrong_kind (value, where, error);

  switch (tag)
    {
    case GI_TYPE_TAG_BOOLEAN:
      if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
        return wrong_kind (value, where, error);
      arg->v_boolean = g_variant_get_boolean (v);
      return TRUE;

    case GI_TYPE_TAG_INT8: case GI_TYPE_TAG_UINT8:
    case GI_TYPE_TAG_INT16: case GI_TYPE_TAG_UINT16:
    case GI_TYPE_TAG_INT32: case GI_TYPE_TAG_UINT32:
    case GI_TYPE_TAG_INT64: case GI_TYPE_TAG_UINT64:
      if (!get_integer (v, &i))
        return wrong_kind (value, where, error);
      return integer_to_arg (tag, i, arg, where, error);

    case GI_TYPE_TAG_FLOAT:
    case GI_TYPE_TAG_DOUBLE:
      {
        double d;

        if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
          d = g_variant_get_double (v);
        else if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
          d = (double) g_variant_get_int64 (v);
        else
          return wrong_kind (value, where, error);
        if (tag == GI_TYPE_TAG_FLOAT)
          {
            if (isfinite (d) && (d > G_MAXFLOAT || d < -G_MAXFLOAT))
              {
                BRIDGE_ERROR (error, "cannot pass %g as %s: out of range", d, where);
                return FALSE;
              }
            arg->v_float = (float) d;
          }
        else
          arg->v_double = d;
        return TRUE;
      }

    case GI_TYPE_TAG_GTYPE:
      if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
        return wrong_kind (value, where, error);
      arg->v_size = g_type_from_name (g_variant_get_string (v, NULL));
      if (arg->v_size == 0)
        {
          BRIDGE_ERROR (error, "cannot pass “%s” as %s: no such type",
                        g_variant_get_string (v, NULL), where);
          return FALSE;
        }
      return TRUE;

    case GI_TYPE_TAG_UNICHAR:
      if (get_integer (v, &i) && i >= 0 && i <= 0x10FFFF)
        arg->v_uint32 = (guint32) i;
      else if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) &&
               g_utf8_strlen (g_variant_get_string (v, NULL), -1) == 1)
        arg->v_uint32 = g_utf8_get_char (g_variant_get_string (v, NULL));
      else
        return wrong_kind (value, where, error);
      return TRUE;

    case GI_TYPE_TAG_UTF8:
    case GI_TYPE_TAG_FILENAME:
      {
        const char *s;

        if (is_nil (value) && may_be_null)
          return TRUE;
        if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
          s = g_variant_get_string (v, NULL);
        else if (v != NULL && tag == GI_TYPE_TAG_FILENAME &&
                 g_variant_is_of_type (v, G_VARIANT_TYPE_BYTESTRING) &&
                 memchr (g_variant_get_data (v), 0, g_variant_get_size (v)) == NULL)
          {
            /* Not NUL-terminated in the variant: a copy for the call. */
            char *copy = g_strndup (g_variant_get_data (v), g_variant_get_size (v));

            if (transfer == GI_TRANSFER_NOTHING)
              gisle_bridge_cleanup_add (cleanup, copy, g_free);
            arg->v_string = copy;
            return TRUE;
          }
        else
          return wrong_kind (value, where, error);
        /* The variant outlives the call: no copy unless the callee keeps it. */
        arg->v_string = transfer == GI_TRANSFER_NOTHING ? (char *) s : g_strdup (s);
        return TRUE;
      }

    case GI_TYPE_TAG_INTERFACE:
      {
        g_autoptr(GIBaseInfo) iface = g_type_info_get_interface (type);
        GIInfoType itype = g_base_info_get_type (iface);
        GType gtype = G_TYPE_NONE;

        if (GI_IS_REGISTERED_TYPE_INFO (iface))
          gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface);

        if (itype == GI_INFO_TYPE_ENUM || itype == GI_INFO_TYPE_FLAGS)
          {
            if (value->object != NULL)
              return wrong_kind (value, where, error);
            return enum_to_arg (value, (GIEnumInfo *) iface, itype == GI_INFO_TYPE_FLAGS,
                                arg, where, error);
          }
        if (itype == GI_INFO_TYPE_OBJECT || itype == GI_INFO_TYPE_INTERFACE)
          {
            if (is_nil (value) && may_be_null)
              return TRUE;
            if (value->object == NULL)
              return wrong_kind (value, where, error);
            if (gtype != G_TYPE_NONE && !g_type_is_a (G_OBJECT_TYPE (value->object), gtype))
              {
                BRIDGE_ERROR (error, "cannot pass a %s as %s",
                              G_OBJECT_TYPE_NAME (value->object), where);
                return FALSE;
              }
            arg->v_pointer = value->object;
            if (transfer != GI_TRANSFER_NOTHING)
              g_object_ref (value->object);
            return TRUE;
          }
        /* Any other pointer may be NULL where the typelib says so. */
        if (is_nil (value) && may_be_null)
          return TRUE;
        if (gtype == G_TYPE_VARIANT)
          {
            if (v == NULL || value->object != NULL)
              return wrong_kind (value, where, error);
            arg->v_pointer = transfer == GI_TRANSFER_NOTHING ? v : g_variant_ref (v);
            return TRUE;
          }
        if (gtype == G_TYPE_BYTES)
          {
            GBytes *bytes;

            if (is_nil (value) && may_be_null)
              return TRUE;
            if (v != NULL && (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) ||
                              g_variant_is_of_type (v, G_VARIANT_TYPE_BYTESTRING)))
              {
                gsize len = g_variant_get_size (v);

                /* A string variant's data ends with its NUL: leave it out. */
                if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) && len > 0)
                  len--;
                bytes = g_bytes_new (g_variant_get_data (v), len);
              }
            else
              return wrong_kind (value, where, error);
            if (transfer == GI_TRANSFER_NOTHING)
              gisle_bridge_cleanup_add (cleanup, bytes, (GDestroyNotify) g_bytes_unref);
            arg->v_pointer = bytes;
            return TRUE;
          }
        {
          g_autofree char *type_name = gisle_bridge_gi_type_name (type);

          BRIDGE_ERROR (error, "cannot pass %s as %s: values of type %s cannot leave the isle",
                        gisle_bridge_value_describe (value), where, type_name);
        }
        return FALSE;
      }

    default:
      {
        g_autofree char *type_name = gisle_bridge_gi_type_name (type);

        BRIDGE_ERROR (error, "cannot pass %s as %s: values of type %s cannot leave the isle",
                      gisle_bridge_value_describe (value), where, type_name);
        return FALSE;
      }
    }
}

/* The items of a list-like value: objects (items) or plain data (av). */
static guint
n_items (GisleBridgeValue *value)
{
  if (value->items != NULL)
    return value->items->len;
  if (value->variant != NULL && g_variant_is_of_type (value->variant, G_VARIANT_TYPE ("av")))
    return (guint) g_variant_n_children (value->variant);
  return 0;
}

static gboolean
is_list (GisleBridgeValue *value)
{
  return value->items != NULL ||
         (value->variant != NULL && g_variant_is_of_type (value->variant, G_VARIANT_TYPE ("av")));
}

/* Item @n as a value of its own (borrowed objects, a new variant ref). */
static void
get_item (GisleBridgeValue *value,
          guint             n,
          GisleBridgeValue *out)
{
  memset (out, 0, sizeof *out);
  if (value->items != NULL)
    {
      GisleBridgeValue *item = value->items->pdata[n];

      out->variant = item->variant != NULL ? g_variant_ref (item->variant) : NULL;
      out->object = item->object;
    }
  else
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value->variant, n);

      out->variant = g_variant_get_variant (child);
    }
}

static gsize
element_size (GITypeInfo *elem)
{
  switch (g_type_info_get_tag (elem))
    {
    case GI_TYPE_TAG_BOOLEAN: return sizeof (gboolean);
    case GI_TYPE_TAG_INT8: case GI_TYPE_TAG_UINT8: return 1;
    case GI_TYPE_TAG_INT16: case GI_TYPE_TAG_UINT16: return 2;
    case GI_TYPE_TAG_INT32: case GI_TYPE_TAG_UINT32: case GI_TYPE_TAG_UNICHAR: return 4;
    case GI_TYPE_TAG_INT64: case GI_TYPE_TAG_UINT64: return 8;
    case GI_TYPE_TAG_FLOAT: return sizeof (float);
    case GI_TYPE_TAG_DOUBLE: return sizeof (double);
    case GI_TYPE_TAG_GTYPE: return sizeof (GType);
    case GI_TYPE_TAG_UTF8: case GI_TYPE_TAG_FILENAME: return sizeof (gpointer);
    case GI_TYPE_TAG_INTERFACE:
      {
        g_autoptr(GIBaseInfo) iface = g_type_info_get_interface (elem);
        GIInfoType itype = g_base_info_get_type (iface);

        if (itype == GI_INFO_TYPE_OBJECT || itype == GI_INFO_TYPE_INTERFACE)
          return sizeof (gpointer);
        if (itype == GI_INFO_TYPE_ENUM || itype == GI_INFO_TYPE_FLAGS)
          return 4;
        return 0;
      }
    default:
      return 0;
    }
}

static void
store_element (gpointer    base,
               gsize       n,
               gsize       size,
               GIArgument *arg)
{
  guint8 *p = (guint8 *) base + n * size;

  /* GIArgument's members share their first bytes (little- and big-endian
   * alike for pointers and same-width integers): copy the width used. */
  switch (size)
    {
    case 1: *(guint8 *) p = arg->v_uint8; break;
    case 2: *(guint16 *) p = arg->v_uint16; break;
    case 4:
      memcpy (p, &arg->v_uint32, 4);
      break;
    default:
      memcpy (p, arg, size);
      break;
    }
}

gboolean
gisle_bridge_value_to_arg (GisleBridgeValue   *value,
                           GITypeInfo         *type,
                           GITransfer          transfer,
                           gboolean            may_be_null,
                           GIArgument         *arg,
                           GisleBridgeCleanup *cleanup,
                           gsize              *length,
                           const char         *where,
                           GError            **error)
{
  GITypeTag tag = g_type_info_get_tag (type);
  g_autoptr(GITypeInfo) elem = NULL;
  GITransfer elem_transfer = transfer == GI_TRANSFER_EVERYTHING ? GI_TRANSFER_EVERYTHING
                                                                 : GI_TRANSFER_NOTHING;
  guint n;

  if (tag != GI_TYPE_TAG_ARRAY && tag != GI_TYPE_TAG_GLIST && tag != GI_TYPE_TAG_GSLIST)
    return scalar_to_arg (value, type, transfer, may_be_null, arg, cleanup, where, error);

  memset (arg, 0, sizeof *arg);
  if (length != NULL)
    *length = 0;
  if (is_nil (value) && may_be_null)
    return TRUE;

  elem = g_type_info_get_param_type (type, 0);

  if (tag == GI_TYPE_TAG_ARRAY && g_type_info_get_array_type (type) == GI_ARRAY_TYPE_BYTE_ARRAY)
    {
      GByteArray *bytes;

      if (value->variant == NULL || !(g_variant_is_of_type (value->variant, G_VARIANT_TYPE_STRING) ||
                                      g_variant_is_of_type (value->variant, G_VARIANT_TYPE_BYTESTRING)))
        return wrong_kind (value, where, error);
      bytes = g_byte_array_new ();
      g_byte_array_append (bytes, g_variant_get_data (value->variant),
                           g_variant_get_size (value->variant) -
                           (g_variant_is_of_type (value->variant, G_VARIANT_TYPE_STRING) ? 1 : 0));
      if (transfer == GI_TRANSFER_NOTHING)
        gisle_bridge_cleanup_add (cleanup, bytes, (GDestroyNotify) g_byte_array_unref);
      arg->v_pointer = bytes;
      return TRUE;
    }

  /* A string passes as an array of bytes. */
  if (tag == GI_TYPE_TAG_ARRAY && g_type_info_get_array_type (type) == GI_ARRAY_TYPE_C &&
      element_size (elem) == 1 && value->variant != NULL &&
      (g_variant_is_of_type (value->variant, G_VARIANT_TYPE_STRING) ||
       g_variant_is_of_type (value->variant, G_VARIANT_TYPE_BYTESTRING)))
    {
      gsize len = g_variant_get_size (value->variant);
      guint8 *copy;

      if (g_variant_is_of_type (value->variant, G_VARIANT_TYPE_STRING))
        len--;
      copy = g_malloc0 (len + 1);
      memcpy (copy, g_variant_get_data (value->variant), len);
      if (transfer == GI_TRANSFER_NOTHING)
        gisle_bridge_cleanup_add (cleanup, copy, g_free);
      arg->v_pointer = copy;
      if (length != NULL)
        *length = len;
      return TRUE;
    }

  if (!is_list (value))
    return wrong_kind (value, where, error);
  n = n_items (value);

  if (tag == GI_TYPE_TAG_ARRAY)
    {
      gsize size = element_size (elem);
      gboolean zero_terminated = g_type_info_is_zero_terminated (type);
      gssize fixed = g_type_info_get_array_fixed_size (type);
      gpointer base;

      if (size == 0 || g_type_info_get_array_type (type) != GI_ARRAY_TYPE_C)
        {
          g_autofree char *type_name = gisle_bridge_gi_type_name (type);

          BRIDGE_ERROR (error, "cannot pass %s as %s: values of type %s cannot leave the isle",
                        gisle_bridge_value_describe (value), where, type_name);
          return FALSE;
        }
      if (fixed >= 0 && (gsize) fixed != n)
        {
          BRIDGE_ERROR (error, "cannot pass %u items as %s: it takes %" G_GSSIZE_FORMAT,
                        n, where, fixed);
          return FALSE;
        }
      base = g_malloc0 (size * (n + (zero_terminated ? 1 : 0)) + size);
      if (transfer != GI_TRANSFER_EVERYTHING)
        gisle_bridge_cleanup_add (cleanup, base, g_free);
      for (guint k = 0; k < n; k++)
        {
          GisleBridgeValue item;
          GIArgument item_arg;
          g_autofree char *item_where = g_strdup_printf ("%s, item %u", where, k + 1);
          gboolean ok;

          get_item (value, k, &item);
          ok = scalar_to_arg (&item, elem, elem_transfer, FALSE, &item_arg, cleanup, item_where, error);
          /* Strings point into the item's variant: keep it for the call. */
          if (item.variant != NULL)
            gisle_bridge_cleanup_add (cleanup, item.variant, (GDestroyNotify) g_variant_unref);
          if (!ok)
            return FALSE;
          store_element (base, k, size, &item_arg);
        }
      arg->v_pointer = base;
      if (length != NULL)
        *length = n;
      return TRUE;
    }

  /* GList, GSList */
  {
    GSList *slist = NULL;
    GList *list = NULL;

    for (guint k = n; k > 0; k--)
      {
        GisleBridgeValue item;
        GIArgument item_arg;
        g_autofree char *item_where = g_strdup_printf ("%s, item %u", where, k);
        gboolean ok;

        get_item (value, k - 1, &item);
        ok = scalar_to_arg (&item, elem, elem_transfer, FALSE, &item_arg, cleanup, item_where, error);
        if (item.variant != NULL)
          gisle_bridge_cleanup_add (cleanup, item.variant, (GDestroyNotify) g_variant_unref);
        if (!ok)
          {
            g_slist_free (slist);
            g_list_free (list);
            return FALSE;
          }
        if (tag == GI_TYPE_TAG_GSLIST)
          slist = g_slist_prepend (slist, item_arg.v_pointer);
        else
          list = g_list_prepend (list, item_arg.v_pointer);
      }
    if (transfer == GI_TRANSFER_NOTHING)
      gisle_bridge_cleanup_add (cleanup, tag == GI_TYPE_TAG_GSLIST ? (gpointer) slist : (gpointer) list,
                                tag == GI_TYPE_TAG_GSLIST ? (GDestroyNotify) g_slist_free
                                                          : (GDestroyNotify) g_list_free);
    arg->v_pointer = tag == GI_TYPE_TAG_GSLIST ? (gpointer) slist : (gpointer) list;
    return TRUE;
  }
}

/* ---- Owner-context side: from a GIArgument ---------------------------------- */

static GisleBridgeValue *
variant_value (GVariant *v)
{
  GisleBridgeValue *value = gisle_bridge_value_new ();

  value->variant = v != NULL ? g_variant_ref_sink (v) : NULL;
  return value;
}

static GisleBridgeValue *
scalar_from_arg (GIArgument  *arg,
                 GITypeInfo  *type,
                 GITransfer   transfer,
                 const char  *where,
                 GError     **error)
{
  GITypeTag tag = g_type_info_get_tag (type);

  switch (tag)
    {
    case GI_TYPE_TAG_BOOLEAN: return variant_value (g_variant_new_boolean (arg->v_boolean));
    case GI_TYPE_TAG_INT8: return variant_value (g_variant_new_int64 (arg->v_int8));
    case GI_TYPE_TAG_UINT8: return variant_value (g_variant_new_int64 (arg->v_uint8));
    case GI_TYPE_TAG_INT16: return variant_value (g_variant_new_int64 (arg->v_int16));
    case GI_TYPE_TAG_UINT16: return variant_value (g_variant_new_int64 (arg->v_uint16));
    case GI_TYPE_TAG_INT32: return variant_value (g_variant_new_int64 (arg->v_int32));
    case GI_TYPE_TAG_UINT32: return variant_value (g_variant_new_int64 (arg->v_uint32));
    case GI_TYPE_TAG_INT64: return variant_value (g_variant_new_int64 (arg->v_int64));
    case GI_TYPE_TAG_UINT64: return variant_value (g_variant_new_uint64 (arg->v_uint64));
    case GI_TYPE_TAG_FLOAT: return variant_value (g_variant_new_double (arg->v_float));
    case GI_TYPE_TAG_DOUBLE: return variant_value (g_variant_new_double (arg->v_double));
    case GI_TYPE_TAG_GTYPE:
      return variant_value (arg->v_size != 0 ? g_variant_new_string (g_type_name (arg->v_size)) : NULL);
    case GI_TYPE_TAG_UNICHAR:
      {
        char buf[8] = { 0, };

        g_unichar_to_utf8 (arg->v_uint32, buf);
        return variant_value (g_variant_new_string (buf));
      }
    case GI_TYPE_TAG_UTF8:
    case GI_TYPE_TAG_FILENAME:
      {
        char *s = arg->v_string;
        GVariant *v = NULL;

        if (s != NULL && g_utf8_validate (s, -1, NULL))
          v = g_variant_new_string (s);
        else if (s != NULL)
          v = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, s, strlen (s), 1);
        if (transfer != GI_TRANSFER_NOTHING)
          g_free (s);
        return variant_value (v);
      }
    case GI_TYPE_TAG_INTERFACE:
      {
        g_autoptr(GIBaseInfo) iface = g_type_info_get_interface (type);
        GIInfoType itype = g_base_info_get_type (iface);
        GType gtype = G_TYPE_NONE;

        if (GI_IS_REGISTERED_TYPE_INFO (iface))
          gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface);

        if (itype == GI_INFO_TYPE_ENUM || itype == GI_INFO_TYPE_FLAGS)
          {
            gint64 number = load_enum ((GIEnumInfo *) iface, arg);

            if (itype == GI_INFO_TYPE_ENUM && G_TYPE_IS_ENUM (gtype))
              {
                GEnumClass *klass = g_type_class_ref (gtype);
                GEnumValue *ev = g_enum_get_value (klass, (int) number);
                GVariant *v = ev != NULL ? g_variant_new_string (ev->value_nick)
                                         : g_variant_new_int64 (number);

                g_type_class_unref (klass);
                return variant_value (v);
              }
            if (itype == GI_INFO_TYPE_FLAGS && G_TYPE_IS_FLAGS (gtype))
              {
                GFlagsClass *klass = g_type_class_ref (gtype);
                GVariant *v = g_variant_new_take_string (gisle_bridge_flags_to_string (klass, (guint) number));

                g_type_class_unref (klass);
                return variant_value (v);
              }
            return variant_value (g_variant_new_int64 (number));
          }
        if (itype == GI_INFO_TYPE_OBJECT || itype == GI_INFO_TYPE_INTERFACE)
          {
            GObject *object = arg->v_pointer;
            GisleBridgeValue *value;

            if (object == NULL)
              return gisle_bridge_value_new ();
            if (!G_IS_OBJECT (object))
              {
                BRIDGE_ERROR (error, "%s: a %s is not a GObject and cannot enter the isle",
                              where, G_OBJECT_TYPE_NAME (object));
                return NULL;
              }
            /* A floating reference becomes ours: nobody else holds it. */
            if (g_object_is_floating (object))
              g_object_ref_sink (object);
            else if (transfer == GI_TRANSFER_NOTHING)
              g_object_ref (object);
            gisle_bridge_watch (object);
            value = gisle_bridge_value_new ();
            value->object = object;
            return value;
          }
        if (gtype == G_TYPE_VARIANT)
          {
            GVariant *inner = arg->v_pointer;
            GisleBridgeValue *value = variant_value (inner != NULL ? g_variant_new_variant (inner) : NULL);

            if (inner != NULL && transfer != GI_TRANSFER_NOTHING)
              g_variant_unref (inner);
            return value;
          }
        if (gtype == G_TYPE_BYTES)
          {
            GBytes *bytes = arg->v_pointer;
            GisleBridgeValue *value;

            value = variant_value (bytes != NULL ? g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE)
                                                 : NULL);
            if (bytes != NULL && transfer != GI_TRANSFER_NOTHING)
              g_bytes_unref (bytes);
            return value;
          }
        {
          g_autofree char *type_name = gisle_bridge_gi_type_name (type);

          if (transfer != GI_TRANSFER_NOTHING && arg->v_pointer != NULL && G_TYPE_IS_BOXED (gtype))
            g_boxed_free (gtype, arg->v_pointer);
          BRIDGE_ERROR (error, "%s: values of type %s cannot enter the isle", where, type_name);
          return NULL;
        }
      }
    default:
      {
        g_autofree char *type_name = gisle_bridge_gi_type_name (type);

        BRIDGE_ERROR (error, "%s: values of type %s cannot enter the isle", where, type_name);
        return NULL;
      }
    }
}

static void
load_element (gconstpointer base,
              gsize         n,
              gsize         size,
              GIArgument   *arg)
{
  const guint8 *p = (const guint8 *) base + n * size;

  memset (arg, 0, sizeof *arg);
  switch (size)
    {
    case 1: arg->v_uint8 = *p; break;
    case 2: arg->v_uint16 = *(const guint16 *) p; break;
    case 4: memcpy (&arg->v_uint32, p, 4); break;
    default: memcpy (arg, p, size); break;
    }
}

GisleBridgeValue *
gisle_bridge_value_from_arg (GIArgument  *arg,
                             GITypeInfo  *type,
                             GITransfer   transfer,
                             gssize       length,
                             const char  *where,
                             GError     **error)
{
  GITypeTag tag = g_type_info_get_tag (type);
  g_autoptr(GITypeInfo) elem = NULL;
  GITransfer elem_transfer = transfer == GI_TRANSFER_EVERYTHING ? GI_TRANSFER_EVERYTHING
                                                                 : GI_TRANSFER_NOTHING;
  GisleBridgeValue *value;
  GError *local_error = NULL;

  if (tag != GI_TYPE_TAG_ARRAY && tag != GI_TYPE_TAG_GLIST && tag != GI_TYPE_TAG_GSLIST)
    return scalar_from_arg (arg, type, transfer, where, error);
  if (arg->v_pointer == NULL)
    return gisle_bridge_value_new ();

  elem = g_type_info_get_param_type (type, 0);
  value = gisle_bridge_value_new ();

  if (tag == GI_TYPE_TAG_ARRAY)
    {
      GIArrayType array_type = g_type_info_get_array_type (type);
      gsize size = element_size (elem);
      gconstpointer base = arg->v_pointer;
      gsize n;

      if (array_type == GI_ARRAY_TYPE_BYTE_ARRAY)
        {
          GByteArray *bytes = arg->v_pointer;

          value->variant = g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes->data,
                                                                          bytes->len, 1));
          if (transfer != GI_TRANSFER_NOTHING)
            g_byte_array_unref (bytes);
          return value;
        }
      if (array_type == GI_ARRAY_TYPE_PTR_ARRAY)
        {
          GPtrArray *ptrs = arg->v_pointer;

          base = ptrs->pdata;
          n = ptrs->len;
          size = sizeof (gpointer);
        }
      else if (array_type == GI_ARRAY_TYPE_ARRAY)
        {
          GArray *garray = arg->v_pointer;

          base = garray->data;
          n = garray->len;
          size = g_array_get_element_size (garray);
        }
      else if (length >= 0)
        n = (gsize) length;
      else if (g_type_info_get_array_fixed_size (type) >= 0)
        n = (gsize) g_type_info_get_array_fixed_size (type);
      else if (g_type_info_is_zero_terminated (type) && size > 0)
        {
          n = 0;
          for (const guint8 *p = base; ; p += size, n++)
            {
              gboolean zero = TRUE;

              for (gsize b = 0; b < size; b++)
                zero = zero && p[b] == 0;
              if (zero)
                break;
            }
        }
      else
        size = 0;

      if (size == 0 || element_size (elem) != size)
        {
          g_autofree char *type_name = gisle_bridge_gi_type_name (type);

          g_free (value);
          BRIDGE_ERROR (error, "%s: values of type %s cannot enter the isle", where, type_name);
          return NULL;
        }
      /* Bytes come back as one string. */
      if (array_type == GI_ARRAY_TYPE_C && size == 1)
        {
          value->variant = g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, base, n, 1));
          if (transfer != GI_TRANSFER_NOTHING)
            g_free (arg->v_pointer);
          return value;
        }
      value->items = g_ptr_array_new ();
      for (gsize k = 0; k < n; k++)
        {
          GIArgument item_arg;
          GisleBridgeValue *item;

          load_element (base, k, size, &item_arg);
          item = local_error == NULL ? scalar_from_arg (&item_arg, elem, elem_transfer, where, &local_error)
                                     : NULL;
          g_ptr_array_add (value->items, item != NULL ? item : gisle_bridge_value_new ());
        }
      if (transfer != GI_TRANSFER_NOTHING)
        {
          if (array_type == GI_ARRAY_TYPE_PTR_ARRAY)
            g_ptr_array_unref (arg->v_pointer);
          else if (array_type == GI_ARRAY_TYPE_ARRAY)
            g_array_unref (arg->v_pointer);
          else
            g_free (arg->v_pointer);
        }
    }
  else
    {
      value->items = g_ptr_array_new ();
      /* GList starts like GSList (data, next): one walk serves both. */
      for (GSList *l = arg->v_pointer; l != NULL; l = l->next)
        {
          GIArgument item_arg = { .v_pointer = l->data };
          GisleBridgeValue *item;

          item = local_error == NULL ? scalar_from_arg (&item_arg, elem, elem_transfer, where, &local_error)
                                     : NULL;
          g_ptr_array_add (value->items, item != NULL ? item : gisle_bridge_value_new ());
        }
      if (transfer != GI_TRANSFER_NOTHING)
        {
          if (tag == GI_TYPE_TAG_GSLIST)
            g_slist_free (arg->v_pointer);
          else
            g_list_free (arg->v_pointer);
        }
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      gisle_bridge_value_free (NULL, value);
      return NULL;
    }
  return value;
}
