/* gisle-bridge.c: the application's GObjects, exposed to scripts.
 *
 * Floor 14 (above the isle): it uses the isle, the worker, host
 * functions, values and output; it registers a state installer and a
 * close hook so the floors below never call it.
 *
 * A script sees an exposed object as a proxy userdata. Reading or writing
 * one of its properties is one round trip to the isle's main context, the
 * same way a main-context host function is called: the worker queues a
 * GisleBridgeCall through the delivery queue (served by the main loop, or
 * by a blocked home-thread caller) and waits on worker->work_cond, a wait
 * that a cancel ends at once. In the main context the property is looked
 * up, converted from or to a GValue and read or written; only plain data
 * (a GVariant, or an object reference) travels back to the worker, which
 * turns it into Lua values.
 *
 * obj:connect() connects a GClosure in the same way; an emission converts
 * its arguments where it happens and queues a job (g_isle_exec_async) that
 * calls the script's handler, kept in the registry by handler id.
 *
 * Thread rules: the worker may take references on objects (g_object_ref
 * is thread-safe) and read their type, nothing more. Every other touch of
 * an object, including every unref, happens in the owner context: a proxy
 * collected on the worker hands its reference to an idle there.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-dispatch-private.h"
#include "gisle-state-private.h"
#include "gisle-worker-private.h"
#include "gisle-bridge-private.h"
#include "gisle-host-private.h"
#include "gisle-value-private.h"
#include "gisle-output-private.h"

#include <string.h>
#include <lauxlib.h>

#define GISLE_PROXY_META "gisle.object"

/* ---- What the isle holds: worker -> (name -> GObject, strong) ---------- */

static GMutex gisle_bridge_lock;
static GHashTable *gisle_bridge_exposed;   /* GisleWorker -> GHashTable */

/* Signal handlers scripts connected, by handler id (ids are unique in the
 * process). A record goes when its closure is invalidated: disconnected,
 * or its object disposed. */
typedef struct
{
  GisleWorker *worker;       /* a key only, never dereferenced */
  GObject *object;           /* not owned; valid while the record is */
} GisleBridgeHandler;

static GHashTable *gisle_bridge_handlers;  /* handler id -> GisleBridgeHandler */

#define GISLE_HANDLERS_KEY "gisle.signal-handlers"

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
static void
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
  gisle_source_attach (source, worker->owner_context);
  g_source_unref (source);
}

/* ---- Proxies ------------------------------------------------------------ */

typedef struct
{
  GObject *object;     /* strong; NULL until filled in */
} GisleProxy;

static int
gisle_proxy_gc (lua_State *L)
{
  GisleProxy *proxy = lua_touserdata (L, 1);

  gisle_bridge_release (gisle_worker_from_lua (L), g_steal_pointer (&proxy->object));
  return 0;
}

static GisleProxy *
gisle_proxy_check (lua_State *L,
                   int        idx)
{
  GisleProxy *proxy = luaL_checkudata (L, idx, GISLE_PROXY_META);

  if (proxy->object == NULL)
    luaL_argerror (L, idx, "an empty object proxy");
  return proxy;
}

static GisleProxy *
gisle_proxy_test (lua_State *L,
                  int        idx)
{
  GisleProxy *proxy = luaL_testudata (L, idx, GISLE_PROXY_META);

  return proxy != NULL && proxy->object != NULL ? proxy : NULL;
}

static int gisle_proxy_index    (lua_State *L);
static int gisle_proxy_newindex (lua_State *L);

static int
gisle_proxy_tostring (lua_State *L)
{
  GisleProxy *proxy = gisle_proxy_check (L, 1);

  /* The class pointer is fixed at construction: reading it is safe here. */
  lua_pushfstring (L, "%s: %p", G_OBJECT_TYPE_NAME (proxy->object), (void *) proxy->object);
  return 1;
}

static int
gisle_proxy_eq (lua_State *L)
{
  GisleProxy *a = gisle_proxy_test (L, 1);
  GisleProxy *b = gisle_proxy_test (L, 2);

  lua_pushboolean (L, a != NULL && b != NULL && a->object == b->object);
  return 1;
}

/* Pushes an empty proxy (filled in by the caller, which must not raise in
 * between): allocating first means no reference is ever held by nothing. */
static GisleProxy *
gisle_proxy_push_empty (lua_State *L)
{
  GisleProxy *proxy = lua_newuserdatauv (L, sizeof (GisleProxy), 0);

  proxy->object = NULL;
  if (luaL_newmetatable (L, GISLE_PROXY_META))
    {
      static const luaL_Reg methods[] = {
        { "__index", gisle_proxy_index },
        { "__newindex", gisle_proxy_newindex },
        { "__tostring", gisle_proxy_tostring },
        { "__eq", gisle_proxy_eq },
        { "__gc", gisle_proxy_gc },
        { NULL, NULL },
      };
      luaL_setfuncs (L, methods, 0);
      lua_pushliteral (L, "object");
      lua_setfield (L, -2, "__name");
      lua_pushliteral (L, "object proxy");
      lua_setfield (L, -2, "__metatable");
    }
  lua_setmetatable (L, -2);
  return proxy;
}

/* ---- A property access, in the owner context ----------------------------- */

typedef enum {
  GISLE_BRIDGE_GET,
  GISLE_BRIDGE_SET,
  GISLE_BRIDGE_CONNECT,
  GISLE_BRIDGE_DISCONNECT,
} GisleBridgeOp;

typedef struct
{
  gint ref_count;              /* atomic */
  GisleWorker *worker;         /* strong */
  GisleBridgeOp op;
  GObject *object;             /* strong */
  char *property;
  /* SET: the value, a GVariant (a Nothing maybe for nil) or an object */
  GVariant *value;
  GObject *value_object;       /* strong */
  /* Under worker->lock */
  gboolean done;
  gboolean abandoned;          /* the script stopped waiting */
  /* GET: the answer */
  GVariant *result;
  GObject *result_object;      /* strong */
  GError *error;
  /* CONNECT: the answer; DISCONNECT: which */
  gulong handler_id;
} GisleBridgeCall;

static GisleBridgeCall *
gisle_bridge_call_ref (GisleBridgeCall *call)
{
  g_atomic_int_inc (&call->ref_count);
  return call;
}

static void
gisle_bridge_call_unref (GisleBridgeCall *call)
{
  if (!g_atomic_int_dec_and_test (&call->ref_count))
    return;
  gisle_bridge_release (call->worker, call->object);
  gisle_bridge_release (call->worker, call->value_object);
  gisle_bridge_release (call->worker, call->result_object);
  g_clear_pointer (&call->value, g_variant_unref);
  g_clear_pointer (&call->result, g_variant_unref);
  g_clear_error (&call->error);
  g_free (call->property);
  gisle_worker_unref (call->worker);
  g_free (call);
}

#define BRIDGE_ERROR(error, ...) \
  g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION, __VA_ARGS__)

static char *
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

static gboolean
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

/* A GValue of the property's type to what travels to the worker. */
static gboolean
gisle_bridge_from_gvalue (const GValue     *value,
                          GVariant        **out_variant,
                          GObject         **out_object,
                          const char       *where,
                          GError          **error)
{
  GType type = G_VALUE_TYPE (value);
  GVariant *v = NULL;

  if (g_type_is_a (type, G_TYPE_OBJECT))
    {
      *out_object = g_value_dup_object (value);
      if (*out_object == NULL)
        *out_variant = g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
      return TRUE;
    }

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN: v = g_variant_new_boolean (g_value_get_boolean (value)); break;
    case G_TYPE_CHAR: v = g_variant_new_int64 (g_value_get_schar (value)); break;
    case G_TYPE_UCHAR: v = g_variant_new_int64 (g_value_get_uchar (value)); break;
    case G_TYPE_INT: v = g_variant_new_int64 (g_value_get_int (value)); break;
    case G_TYPE_UINT: v = g_variant_new_int64 (g_value_get_uint (value)); break;
    case G_TYPE_LONG: v = g_variant_new_int64 (g_value_get_long (value)); break;
    case G_TYPE_ULONG: v = g_variant_new_uint64 (g_value_get_ulong (value)); break;
    case G_TYPE_INT64: v = g_variant_new_int64 (g_value_get_int64 (value)); break;
    case G_TYPE_UINT64: v = g_variant_new_uint64 (g_value_get_uint64 (value)); break;
    case G_TYPE_FLOAT: v = g_variant_new_double (g_value_get_float (value)); break;
    case G_TYPE_DOUBLE: v = g_variant_new_double (g_value_get_double (value)); break;
    case G_TYPE_STRING:
      {
        const char *s = g_value_get_string (value);

        if (s == NULL)
          v = NULL;
        else if (g_utf8_validate (s, -1, NULL))
          v = g_variant_new_string (s);
        else
          v = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, s, strlen (s), 1);
      }
      break;
    case G_TYPE_ENUM:
      {
        GEnumClass *klass = g_type_class_ref (type);
        GEnumValue *ev = g_enum_get_value (klass, g_value_get_enum (value));

        v = ev != NULL ? g_variant_new_string (ev->value_nick)
                       : g_variant_new_int64 (g_value_get_enum (value));
        g_type_class_unref (klass);
      }
      break;
    case G_TYPE_FLAGS:
      {
        GFlagsClass *klass = g_type_class_ref (type);

        v = g_variant_new_take_string (gisle_bridge_flags_to_string (klass, g_value_get_flags (value)));
        g_type_class_unref (klass);
      }
      break;
    case G_TYPE_PARAM:
      {
        GParamSpec *pspec = g_value_get_param (value);

        v = pspec != NULL ? g_variant_new_string (pspec->name) : NULL;
      }
      break;
    case G_TYPE_VARIANT:
      {
        GVariant *inner = g_value_get_variant (value);

        v = inner != NULL ? g_variant_new_variant (inner) : NULL;
      }
      break;
    case G_TYPE_BOXED:
      if (type == G_TYPE_STRV)
        {
          const char * const *strv = g_value_get_boxed (value);

          v = strv != NULL ? g_variant_new_strv (strv, -1) : NULL;
          break;
        }
      if (type == G_TYPE_BYTES)
        {
          GBytes *bytes = g_value_get_boxed (value);

          v = bytes != NULL ? g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE) : NULL;
          break;
        }
      G_GNUC_FALLTHROUGH;
    default:
      BRIDGE_ERROR (error, "%s: values of type %s cannot enter the isle", where, g_type_name (type));
      return FALSE;
    }

  if (v == NULL)
    v = g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
  *out_variant = g_variant_ref_sink (v);
  return TRUE;
}

static const char *
gisle_bridge_describe (GVariant *v)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return "a boolean";
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64) || g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    return "a number";
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) || g_variant_is_of_type (v, G_VARIANT_TYPE_BYTESTRING))
    return "a string";
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_MAYBE))
    return "nil";
  return "a table";
}

/* The number in @v as an integer, if it is one (floats with an exact
 * integer value count, as in Lua). */
static gboolean
gisle_bridge_get_integer (GVariant *v,
                          gint64   *out)
{
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

/* What the worker sent, to a GValue of the property's type. */
static gboolean
gisle_bridge_to_gvalue (GisleBridgeCall  *call,
                        GParamSpec       *pspec,
                        GValue           *value,
                        const char       *where,
                        GError          **error)
{
  GType type = pspec->value_type;
  GVariant *v = call->value;
  gboolean is_nil = call->value_object == NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_MAYBE);
  gint64 i = 0;

  g_value_init (value, type);

  if (g_type_is_a (type, G_TYPE_OBJECT))
    {
      if (call->value_object != NULL)
        {
          if (!g_type_is_a (G_OBJECT_TYPE (call->value_object), type))
            {
              BRIDGE_ERROR (error, "%s: expected an object of type %s, got a %s",
                            where, g_type_name (type), G_OBJECT_TYPE_NAME (call->value_object));
              return FALSE;
            }
          g_value_set_object (value, call->value_object);
          return TRUE;
        }
      if (is_nil)
        return TRUE;
      BRIDGE_ERROR (error, "%s: expected an object of type %s or nil, got %s",
                    where, g_type_name (type), gisle_bridge_describe (v));
      return FALSE;
    }
  if (call->value_object != NULL)
    {
      BRIDGE_ERROR (error, "%s: an object (%s) cannot be a %s",
                    where, G_OBJECT_TYPE_NAME (call->value_object), g_type_name (type));
      return FALSE;
    }

  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
        goto wrong;
      g_value_set_boolean (value, g_variant_get_boolean (v));
      return TRUE;

    case G_TYPE_CHAR:
    case G_TYPE_UCHAR:
    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_LONG:
    case G_TYPE_ULONG:
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
      {
        gint64 lo, hi;

        if (!gisle_bridge_get_integer (v, &i))
          goto wrong;
        switch (G_TYPE_FUNDAMENTAL (type))
          {
          case G_TYPE_CHAR: lo = G_MININT8; hi = G_MAXINT8; break;
          case G_TYPE_UCHAR: lo = 0; hi = G_MAXUINT8; break;
          case G_TYPE_INT: lo = G_MININT; hi = G_MAXINT; break;
          case G_TYPE_UINT: lo = 0; hi = G_MAXUINT; break;
          case G_TYPE_LONG: lo = G_MINLONG; hi = G_MAXLONG; break;
          case G_TYPE_ULONG: lo = 0; hi = (gint64) MIN ((guint64) G_MAXULONG, (guint64) G_MAXINT64); break;
          case G_TYPE_INT64: lo = G_MININT64; hi = G_MAXINT64; break;
          default: lo = 0; hi = G_MAXINT64; break;
          }
        if (i < lo || i > hi)
          {
            BRIDGE_ERROR (error, "%s: %" G_GINT64_FORMAT " is out of range for %s",
                          where, i, g_type_name (type));
            return FALSE;
          }
        switch (G_TYPE_FUNDAMENTAL (type))
          {
          case G_TYPE_CHAR: g_value_set_schar (value, (gint8) i); break;
          case G_TYPE_UCHAR: g_value_set_uchar (value, (guchar) i); break;
          case G_TYPE_INT: g_value_set_int (value, (int) i); break;
          case G_TYPE_UINT: g_value_set_uint (value, (guint) i); break;
          case G_TYPE_LONG: g_value_set_long (value, (long) i); break;
          case G_TYPE_ULONG: g_value_set_ulong (value, (gulong) i); break;
          case G_TYPE_INT64: g_value_set_int64 (value, i); break;
          default: g_value_set_uint64 (value, (guint64) i); break;
          }
        return TRUE;
      }

    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
      {
        double d;

        if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
          d = g_variant_get_double (v);
        else if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
          d = (double) g_variant_get_int64 (v);
        else
          goto wrong;
        if (G_TYPE_FUNDAMENTAL (type) == G_TYPE_FLOAT)
          g_value_set_float (value, (float) d);
        else
          g_value_set_double (value, d);
        return TRUE;
      }

    case G_TYPE_STRING:
      if (is_nil)
        return TRUE;
      if (!g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
        goto wrong;
      g_value_set_string (value, g_variant_get_string (v, NULL));
      return TRUE;

    case G_TYPE_ENUM:
      {
        GEnumClass *klass = g_type_class_ref (type);
        GEnumValue *ev = NULL;

        if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
          {
            const char *s = g_variant_get_string (v, NULL);

            ev = g_enum_get_value_by_nick (klass, s);
            if (ev == NULL)
              ev = g_enum_get_value_by_name (klass, s);
          }
        else if (gisle_bridge_get_integer (v, &i) && i >= G_MININT && i <= G_MAXINT)
          ev = g_enum_get_value (klass, (int) i);
        else
          {
            g_type_class_unref (klass);
            goto wrong;
          }
        if (ev != NULL)
          g_value_set_enum (value, ev->value);
        else
          BRIDGE_ERROR (error, "%s: not a value of %s", where, g_type_name (type));
        g_type_class_unref (klass);
        return ev != NULL;
      }

    case G_TYPE_FLAGS:
      {
        GFlagsClass *klass = g_type_class_ref (type);
        guint bits = 0;
        gboolean ok = TRUE;

        if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
          {
            g_auto(GStrv) words = g_strsplit (g_variant_get_string (v, NULL), "|", -1);

            for (guint n = 0; ok && words[n] != NULL; n++)
              {
                g_strstrip (words[n]);
                if (words[n][0] != '\0')
                  ok = gisle_bridge_flag_from_word (klass, words[n], &bits);
              }
          }
        else if (g_variant_is_of_type (v, G_VARIANT_TYPE ("av")))
          {
            for (gsize n = 0; ok && n < g_variant_n_children (v); n++)
              {
                g_autoptr(GVariant) item = g_variant_get_child_value (v, n);
                g_autoptr(GVariant) inner = g_variant_get_variant (item);

                ok = g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING) &&
                     gisle_bridge_flag_from_word (klass, g_variant_get_string (inner, NULL), &bits);
              }
          }
        else if (gisle_bridge_get_integer (v, &i) && i >= 0 && i <= G_MAXUINT)
          bits = (guint) i;
        else
          {
            g_type_class_unref (klass);
            goto wrong;
          }
        if (ok && (bits & ~klass->mask) != 0)
          ok = FALSE;
        if (ok)
          g_value_set_flags (value, bits);
        else
          BRIDGE_ERROR (error, "%s: not a combination of %s", where, g_type_name (type));
        g_type_class_unref (klass);
        return ok;
      }

    case G_TYPE_VARIANT:
      {
        const GVariantType *want = G_PARAM_SPEC_VARIANT (pspec)->type;

        if (is_nil)
          return TRUE;
        if (g_variant_is_of_type (v, want))
          g_value_set_variant (value, v);
        else if (g_variant_type_equal (want, G_VARIANT_TYPE_VARIANT))
          g_value_set_variant (value, g_variant_new_variant (v));
        else
          {
            BRIDGE_ERROR (error, "%s: expected a GVariant of type “%.*s”, got “%s”", where,
                          (int) g_variant_type_get_string_length (want),
                          g_variant_type_peek_string (want), g_variant_get_type_string (v));
            return FALSE;
          }
        return TRUE;
      }

    case G_TYPE_BOXED:
      if (type == G_TYPE_STRV)
        {
          GPtrArray *strv;

          if (is_nil)
            return TRUE;
          if (!g_variant_is_of_type (v, G_VARIANT_TYPE ("av")))
            goto wrong;
          strv = g_ptr_array_new_with_free_func (g_free);
          for (gsize n = 0; n < g_variant_n_children (v); n++)
            {
              g_autoptr(GVariant) item = g_variant_get_child_value (v, n);
              g_autoptr(GVariant) inner = g_variant_get_variant (item);

              if (!g_variant_is_of_type (inner, G_VARIANT_TYPE_STRING))
                {
                  g_ptr_array_unref (strv);
                  BRIDGE_ERROR (error, "%s: item %" G_GSIZE_FORMAT ": expected a string, got %s",
                                where, n + 1, gisle_bridge_describe (inner));
                  return FALSE;
                }
              g_ptr_array_add (strv, g_variant_dup_string (inner, NULL));
            }
          g_ptr_array_add (strv, NULL);
          g_value_take_boxed (value, g_ptr_array_free (strv, FALSE));
          return TRUE;
        }
      if (type == G_TYPE_BYTES)
        {
          if (is_nil)
            return TRUE;
          if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
            {
              gsize len;
              const char *s = g_variant_get_string (v, &len);

              g_value_take_boxed (value, g_bytes_new (s, len));
            }
          else if (g_variant_is_of_type (v, G_VARIANT_TYPE_BYTESTRING))
            g_value_take_boxed (value, g_variant_get_data_as_bytes (v));
          else
            goto wrong;
          return TRUE;
        }
      G_GNUC_FALLTHROUGH;
    default:
      BRIDGE_ERROR (error, "%s: values of type %s cannot leave the isle", where, g_type_name (type));
      return FALSE;
    }

wrong:
  BRIDGE_ERROR (error, "%s: %s cannot be a %s", where, gisle_bridge_describe (v), g_type_name (type));
  return FALSE;
}

/* ---- Signals -------------------------------------------------------------- */

/* One emission, on its way to the isle as a job of its own. */
typedef struct
{
  GisleWorker *worker;       /* strong */
  gulong handler_id;
  char *signal;
  guint n;
  GVariant **values;         /* NULL where the value cannot enter */
  GObject **objects;         /* strong */
} GisleEmission;

static void
gisle_emission_free (gpointer data)
{
  GisleEmission *e = data;

  for (guint i = 0; i < e->n; i++)
    {
      g_clear_pointer (&e->values[i], g_variant_unref);
      gisle_bridge_release (e->worker, g_steal_pointer (&e->objects[i]));
    }
  g_free (e->values);
  g_free (e->objects);
  g_free (e->signal);
  gisle_worker_unref (e->worker);
  g_free (e);
}

/* On the isle's thread, as a job: calls the script's handler. An error is
 * not the emitter's (it is long gone): it goes to the isle's stderr. */
static GVariant *
gisle_emission_run (GIsle      *isle,
                    lua_State  *L,
                    gpointer    data,
                    GError    **error)
{
  GisleEmission *e = data;
  int status;

  if (lua_getfield (L, LUA_REGISTRYINDEX, GISLE_HANDLERS_KEY) != LUA_TTABLE ||
      lua_rawgeti (L, -1, (lua_Integer) e->handler_id) != LUA_TFUNCTION)
    return NULL;   /* disconnected meanwhile */

  for (guint i = 0; i < e->n; i++)
    {
      GError *local_error = NULL;

      if (e->objects[i] != NULL)
        gisle_proxy_push_empty (L)->object = g_steal_pointer (&e->objects[i]);
      else if (e->values[i] == NULL || !gisle_value_push (L, e->values[i], NULL, &local_error))
        {
          g_clear_error (&local_error);
          lua_pushnil (L);
        }
    }

  status = lua_pcall (L, e->n, 0, 0);
  if (status != LUA_OK)
    {
      const char *text;
      size_t len;

      if (status == LUA_ERRMEM || gisle_cancel_is_sentinel (L, -1))
        lua_error (L);
      /* A Lua string, not a C one: writing may raise (a cancel). */
      text = lua_pushfstring (L, "signal handler for “%s”: %s\n", e->signal,
                              lua_type (L, -1) == LUA_TSTRING ? lua_tostring (L, -1)
                                                             : luaL_typename (L, -1));
      len = strlen (text);
      gisle_output_write (L, G_ISLE_STREAM_STDERR, text, len);
    }
  return NULL;
}

typedef struct
{
  GClosure closure;
  GWeakRef isle;
  GisleWorker *worker;       /* a key only */
  gulong handler_id;
  char *signal;
} GisleBridgeClosure;

static void
gisle_bridge_closure_marshal (GClosure     *closure,
                              GValue       *return_value,
                              guint         n_param_values,
                              const GValue *param_values,
                              gpointer      invocation_hint,
                              gpointer      marshal_data)
{
  GisleBridgeClosure *c = (GisleBridgeClosure *) closure;
  g_autoptr(GIsle) isle = g_weak_ref_get (&c->isle);
  GisleEmission *e;

  if (isle == NULL)
    return;

  e = g_new0 (GisleEmission, 1);
  e->worker = gisle_worker_ref (gisle_isle_get_worker (isle));
  e->handler_id = c->handler_id;
  e->signal = g_strdup (c->signal);
  e->n = n_param_values;
  e->values = g_new0 (GVariant *, n_param_values);
  e->objects = g_new0 (GObject *, n_param_values);
  for (guint i = 0; i < n_param_values; i++)
    if (!gisle_bridge_from_gvalue (&param_values[i], &e->values[i], &e->objects[i], "", NULL))
      e->values[i] = NULL;

  /* A job of its own, after the emission: it cannot answer the emitter,
   * whose return value (if any) stays the default. */
  g_isle_exec_async (isle, gisle_emission_run, e, gisle_emission_free, NULL, NULL, NULL);
}

static void
gisle_bridge_closure_invalidated (gpointer  data,
                                  GClosure *closure)
{
  GisleBridgeClosure *c = (GisleBridgeClosure *) closure;

  g_mutex_lock (&gisle_bridge_lock);
  if (gisle_bridge_handlers != NULL)
    g_hash_table_remove (gisle_bridge_handlers, GSIZE_TO_POINTER (c->handler_id));
  g_mutex_unlock (&gisle_bridge_lock);
}

static void
gisle_bridge_closure_finalized (gpointer  data,
                                GClosure *closure)
{
  GisleBridgeClosure *c = (GisleBridgeClosure *) closure;

  g_weak_ref_clear (&c->isle);
  g_free (c->signal);
}

static void
gisle_bridge_connect (GisleBridgeCall  *call,
                      GError          **error)
{
  GObject *object = call->object;
  g_autoptr(GIsle) isle = g_weak_ref_get (&call->worker->isle);
  GisleBridgeClosure *c;
  GisleBridgeHandler *record;
  GClosure *closure;
  guint signal_id;
  GQuark detail;

  if (isle == NULL)
    {
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED, "the isle is gone");
      return;
    }
  if (!g_signal_parse_name (call->property, G_OBJECT_TYPE (object), &signal_id, &detail, TRUE))
    {
      g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED, "%s has no signal “%s”",
                   G_OBJECT_TYPE_NAME (object), call->property);
      return;
    }

  closure = g_closure_new_simple (sizeof (GisleBridgeClosure), NULL);
  c = (GisleBridgeClosure *) closure;
  g_weak_ref_init (&c->isle, isle);
  c->worker = call->worker;
  c->signal = g_strdup (call->property);
  g_closure_set_marshal (closure, gisle_bridge_closure_marshal);
  g_closure_add_finalize_notifier (closure, NULL, gisle_bridge_closure_finalized);

  c->handler_id = g_signal_connect_closure_by_id (object, signal_id, detail, closure, FALSE);
  record = g_new0 (GisleBridgeHandler, 1);
  record->worker = call->worker;
  record->object = object;
  g_mutex_lock (&gisle_bridge_lock);
  if (gisle_bridge_handlers == NULL)
    gisle_bridge_handlers = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_hash_table_insert (gisle_bridge_handlers, GSIZE_TO_POINTER (c->handler_id), record);
  g_mutex_unlock (&gisle_bridge_lock);
  g_closure_add_invalidate_notifier (closure, NULL, gisle_bridge_closure_invalidated);
  call->handler_id = c->handler_id;
}

static void
gisle_bridge_disconnect (GisleBridgeCall  *call,
                         GError          **error)
{
  GisleBridgeHandler *record = NULL;
  gboolean ours;

  g_mutex_lock (&gisle_bridge_lock);
  if (gisle_bridge_handlers != NULL)
    record = g_hash_table_lookup (gisle_bridge_handlers, GSIZE_TO_POINTER (call->handler_id));
  ours = record != NULL && record->worker == call->worker && record->object == call->object;
  g_mutex_unlock (&gisle_bridge_lock);

  if (!ours)
    {
      g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                   "no handler %lu of this isle is connected to this %s",
                   call->handler_id, G_OBJECT_TYPE_NAME (call->object));
      return;
    }
  g_signal_handler_disconnect (call->object, call->handler_id);
}

static void
gisle_bridge_call_execute (GisleBridgeCall  *call,
                           GError          **error)
{
  GObject *object = call->object;
  const char *type_name = G_OBJECT_TYPE_NAME (object);
  g_autofree char *where = NULL;
  GParamSpec *pspec;

  if (call->op == GISLE_BRIDGE_CONNECT)
    {
      gisle_bridge_connect (call, error);
      return;
    }
  if (call->op == GISLE_BRIDGE_DISCONNECT)
    {
      gisle_bridge_disconnect (call, error);
      return;
    }

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), call->property);
  if (pspec == NULL)
    {
      g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                   "%s has no property “%s”", type_name, call->property);
      return;
    }
  where = g_strdup_printf ("property “%s” of %s", pspec->name, type_name);

  if (call->op == GISLE_BRIDGE_GET)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      if (!(pspec->flags & G_PARAM_READABLE))
        {
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED, "%s is not readable", where);
          return;
        }
      g_value_init (&value, pspec->value_type);
      g_object_get_property (object, pspec->name, &value);
      gisle_bridge_from_gvalue (&value, &call->result, &call->result_object, where, error);
    }
  else
    {
      g_auto(GValue) value = G_VALUE_INIT;
      g_auto(GValue) check = G_VALUE_INIT;

      if (!(pspec->flags & G_PARAM_WRITABLE))
        {
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED, "%s is read-only", where);
          return;
        }
      if (pspec->flags & G_PARAM_CONSTRUCT_ONLY)
        {
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                       "%s can only be set when the object is made", where);
          return;
        }
      if (!gisle_bridge_to_gvalue (call, pspec, &value, where, error))
        return;
      /* GObject would clamp an out-of-range value with a warning; refuse it
       * instead. */
      g_value_init (&check, pspec->value_type);
      g_value_copy (&value, &check);
      if (g_param_value_validate (pspec, &check))
        {
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION,
                       "%s: the value is out of the property's range", where);
          return;
        }
      g_object_set_property (object, pspec->name, &value);
    }
}

static gboolean
gisle_bridge_call_run (gpointer data)
{
  GisleBridgeCall *call = data;
  GisleWorker *worker = call->worker;
  GError *error = NULL;
  gboolean abandoned;

  gisle_mutex_lock (&worker->lock);
  abandoned = call->abandoned;
  gisle_mutex_unlock (&worker->lock);
  if (abandoned)
    return G_SOURCE_REMOVE;

  gisle_bridge_call_execute (call, &error);

  gisle_mutex_lock (&worker->lock);
  call->done = TRUE;
  call->error = error;
  g_cond_broadcast (&worker->work_cond);
  gisle_mutex_unlock (&worker->lock);
  return G_SOURCE_REMOVE;
}

/* ---- The worker side ------------------------------------------------------ */

static int
gisle_bridge_holder_gc (lua_State *L)
{
  GVariant **holder = lua_touserdata (L, 1);

  g_clear_pointer (holder, g_variant_unref);
  return 0;
}

/* Queues @call in the owner context and waits for its answer. Takes the
 * reference. On cancel, raises (having released everything). */
static void
gisle_bridge_round_trip (lua_State       *L,
                         GisleBridgeCall *call)
{
  GisleWorker *worker = call->worker;
  gboolean done;

  gisle_dispatch_invoke (worker, gisle_bridge_call_run, gisle_bridge_call_ref (call),
                         (GDestroyNotify) gisle_bridge_call_unref);

  gisle_mutex_lock (&worker->lock);
  while (!call->done && !gisle_cancel_is_due (L))
    gisle_cond_wait (&worker->work_cond, &worker->lock);
  done = call->done;
  if (!done)
    call->abandoned = TRUE;
  gisle_mutex_unlock (&worker->lock);

  if (!done)
    {
      gisle_bridge_call_unref (call);
      gisle_cancel_raise (L);
    }
}

static GisleBridgeCall *
gisle_bridge_call_new (lua_State     *L,
                       GisleBridgeOp  op,
                       GObject       *object,
                       const char    *key)
{
  GisleBridgeCall *call = g_new0 (GisleBridgeCall, 1);

  call->ref_count = 1;
  call->worker = gisle_worker_ref (gisle_worker_from_lua (L));
  call->op = op;
  call->object = g_object_ref (object);
  call->property = g_strdup (key);
  return call;
}

/* Raises the call's error (releasing the call first). */
static int
gisle_bridge_raise (lua_State       *L,
                    GisleBridgeCall *call)
{
  lua_pushstring (L, call->error->message);
  gisle_bridge_call_unref (call);
  return lua_error (L);
}

/* The script's handlers, by handler id, in the registry. */
static void
gisle_bridge_push_handlers (lua_State *L)
{
  if (lua_getfield (L, LUA_REGISTRYINDEX, GISLE_HANDLERS_KEY) != LUA_TTABLE)
    {
      lua_pop (L, 1);
      lua_newtable (L);
      lua_pushvalue (L, -1);
      lua_setfield (L, LUA_REGISTRYINDEX, GISLE_HANDLERS_KEY);
    }
}

/* obj:connect("signal::detail", function (obj, ...) end) -> handler id */
static int
gisle_proxy_connect (lua_State *L)
{
  GisleProxy *proxy = gisle_proxy_check (L, 1);
  const char *name = luaL_checkstring (L, 2);
  GisleBridgeCall *call;
  gulong id;

  luaL_checktype (L, 3, LUA_TFUNCTION);
  gisle_cancel_check (L);
  lua_settop (L, 3);
  gisle_bridge_push_handlers (L);                           /* 4 */

  call = gisle_bridge_call_new (L, GISLE_BRIDGE_CONNECT, proxy->object, name);
  gisle_bridge_round_trip (L, call);
  if (call->error != NULL)
    return gisle_bridge_raise (L, call);
  id = call->handler_id;
  gisle_bridge_call_unref (call);

  lua_pushvalue (L, 3);
  lua_rawseti (L, 4, (lua_Integer) id);
  lua_pushinteger (L, (lua_Integer) id);
  return 1;
}

/* obj:disconnect(id) */
static int
gisle_proxy_disconnect (lua_State *L)
{
  GisleProxy *proxy = gisle_proxy_check (L, 1);
  lua_Integer id = luaL_checkinteger (L, 2);
  GisleBridgeCall *call;

  gisle_cancel_check (L);
  lua_settop (L, 2);
  gisle_bridge_push_handlers (L);                           /* 3 */

  call = gisle_bridge_call_new (L, GISLE_BRIDGE_DISCONNECT, proxy->object, "");
  call->handler_id = (gulong) id;
  gisle_bridge_round_trip (L, call);
  if (call->error != NULL)
    return gisle_bridge_raise (L, call);
  gisle_bridge_call_unref (call);

  lua_pushnil (L);
  lua_rawseti (L, 3, id);
  return 0;
}

/* obj.name: one round trip; objects come back as proxies. */
static int
gisle_proxy_index (lua_State *L)
{
  GisleProxy *proxy = gisle_proxy_check (L, 1);
  const char *key = luaL_checkstring (L, 2);
  GisleProxy *result_proxy;
  GVariant **holder;
  GisleBridgeCall *call;
  GError *error = NULL;

  /* Methods shadow properties of the same name. */
  if (strcmp (key, "connect") == 0 || strcmp (key, "disconnect") == 0)
    {
      lua_pushcfunction (L, key[0] == 'c' ? gisle_proxy_connect : gisle_proxy_disconnect);
      return 1;
    }

  gisle_cancel_check (L);
  lua_settop (L, 2);

  /* Room for either kind of answer, made before anything is owned. */
  result_proxy = gisle_proxy_push_empty (L);           /* 3 */
  holder = lua_newuserdatauv (L, sizeof (GVariant *), 0);   /* 4 */
  *holder = NULL;
  lua_createtable (L, 0, 1);
  lua_pushcfunction (L, gisle_bridge_holder_gc);
  lua_setfield (L, -2, "__gc");
  lua_setmetatable (L, -2);

  call = gisle_bridge_call_new (L, GISLE_BRIDGE_GET, proxy->object, key);
  gisle_bridge_round_trip (L, call);
  if (call->error != NULL)
    return gisle_bridge_raise (L, call);

  if (call->result_object != NULL)
    {
      result_proxy->object = g_steal_pointer (&call->result_object);
      gisle_bridge_call_unref (call);
      lua_pushvalue (L, 3);
      return 1;
    }

  *holder = g_steal_pointer (&call->result);
  gisle_bridge_call_unref (call);
  if (!gisle_value_push (L, *holder, "value", &error))
    {
      lua_pushfstring (L, "%s: %s", key, error->message);
      g_error_free (error);
      return lua_error (L);
    }
  g_clear_pointer (holder, g_variant_unref);
  return 1;
}

/* obj.name = value: one round trip. */
static int
gisle_proxy_newindex (lua_State *L)
{
  GisleProxy *proxy = gisle_proxy_check (L, 1);
  const char *key = luaL_checkstring (L, 2);
  GisleProxy *value_proxy = gisle_proxy_test (L, 3);
  GisleBridgeCall *call;
  GVariant *value = NULL;
  GError *error = NULL;

  gisle_cancel_check (L);

  if (value_proxy == NULL)
    {
      if (lua_isnil (L, 3))
        value = g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
      else
        value = gisle_value_to_variant (L, 3, "value", &error);
      if (value == NULL)
        {
          lua_pushfstring (L, "property “%s”: %s", key, error->message);
          g_error_free (error);
          return lua_error (L);
        }
    }

  call = gisle_bridge_call_new (L, GISLE_BRIDGE_SET, proxy->object, key);
  call->value = value;
  if (value_proxy != NULL)
    call->value_object = g_object_ref (value_proxy->object);
  gisle_bridge_round_trip (L, call);
  if (call->error != NULL)
    return gisle_bridge_raise (L, call);
  gisle_bridge_call_unref (call);
  return 0;
}

/* ---- Exposing --------------------------------------------------------------- */

static GObject *
gisle_bridge_lookup_ref (GisleWorker *worker,
                         const char  *name)
{
  GObject *object = NULL;
  GHashTable *objects;

  g_mutex_lock (&gisle_bridge_lock);
  objects = gisle_bridge_exposed != NULL ? g_hash_table_lookup (gisle_bridge_exposed, worker) : NULL;
  if (objects != NULL)
    object = g_hash_table_lookup (objects, name);
  if (object != NULL)
    g_object_ref (object);
  g_mutex_unlock (&gisle_bridge_lock);
  return object;
}

static int
gisle_bridge_install_protected (lua_State *L)
{
  const char *name = lua_touserdata (L, 1);
  GisleProxy *proxy;

  lua_settop (L, 0);
  proxy = gisle_proxy_push_empty (L);
  proxy->object = gisle_bridge_lookup_ref (gisle_worker_from_lua (L), name);
  if (proxy->object == NULL)
    {
      lua_pop (L, 1);
      lua_pushnil (L);
    }
  gisle_host_set_path (L, name);
  return 0;
}

static void
gisle_bridge_control_install (GisleWorker *worker,
                              lua_State   *L,
                              gpointer     data)
{
  lua_pushcfunction (L, gisle_bridge_install_protected);
  lua_pushlightuserdata (L, data);
  lua_pcall (L, 1, 0, 0);
  lua_settop (L, 0);
}

void
gisle_bridge_install_all (GisleWorker *worker,
                          lua_State   *L)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GHashTable *objects;

  g_mutex_lock (&gisle_bridge_lock);
  objects = gisle_bridge_exposed != NULL ? g_hash_table_lookup (gisle_bridge_exposed, worker) : NULL;
  if (objects != NULL)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, objects);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        g_ptr_array_add (names, g_strdup (key));
    }
  g_mutex_unlock (&gisle_bridge_lock);

  for (guint i = 0; i < names->len; i++)
    gisle_bridge_control_install (worker, L, names->pdata[i]);
}

/* Drops the references the isle holds (the proxies' own references go
 * when the scripts' state closes). Called in the thread that closes or
 * drops the isle. */
void
gisle_bridge_forget_all (GisleWorker *worker)
{
  GHashTable *objects = NULL;
  typedef struct { GObject *object; gulong id; } Connected;
  g_autoptr(GArray) handlers = g_array_new (FALSE, FALSE, sizeof (Connected));

  g_mutex_lock (&gisle_bridge_lock);
  if (gisle_bridge_exposed != NULL)
    g_hash_table_steal_extended (gisle_bridge_exposed, worker, NULL, (gpointer *) &objects);
  if (gisle_bridge_handlers != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, gisle_bridge_handlers);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          GisleBridgeHandler *record = value;

          if (record->worker == worker)
            {
              Connected c = { record->object, GPOINTER_TO_SIZE (key) };

              g_array_append_val (handlers, c);
            }
        }
    }
  g_mutex_unlock (&gisle_bridge_lock);

  /* Disconnecting invalidates the closure, which removes the record: in
   * the thread that closes the isle, normally the main thread. */
  for (guint i = 0; i < handlers->len; i++)
    {
      Connected *c = &g_array_index (handlers, Connected, i);

      g_signal_handler_disconnect (c->object, c->id);
    }

  /* Outside the lock: a finalizer may be the application's code. */
  g_clear_pointer (&objects, g_hash_table_unref);
}

static void
gisle_bridge_on_isle_closed (GisleWorker *worker,
                             gboolean     disposing)
{
  gisle_bridge_forget_all (worker);
}

/* Everything the bridge does starts from an exposed object: from then on
 * new states install the exposed objects and closing isles forget them,
 * through the floors below, which do not know the bridge. */
static void
gisle_bridge_register (void)
{
  gisle_state_add_installer (gisle_bridge_install_all);
  gisle_isle_add_close_hook (gisle_bridge_on_isle_closed);
}

/**
 * g_isle_expose_object:
 * @self: a #GIsle
 * @name: the global name scripts reach it by; dots make nested tables
 *   (`app.window`), as for g_isle_add_function()
 * @object: (transfer none): the object
 *
 * Gives scripts a proxy for @object under the global @name. A script reads
 * a property with `obj.prop` and writes it with `obj.prop = value`
 * (`default_width` and `default-width` both work); `tostring(obj)` names
 * its type. Objects read from properties become proxies too.
 * `obj:connect("signal", handler)` connects a Lua handler, which runs
 * later as a job of its own (it cannot answer the emitter), and returns an
 * id for `obj:disconnect(id)`; the isle disconnects its handlers when it
 * is closed or disposed.
 *
 * Every touch of @object happens in #GIsle:main-context, while the script
 * waits, exactly like a host function added with g_isle_add_function(): a
 * blocking call made from the main thread serves the accesses, and
 * cancelling the job ends the wait at once. See docs/host-bridge.md for
 * the values that cross and the errors scripts see.
 *
 * The isle holds a reference to @object until g_isle_unexpose_object(),
 * g_isle_close() or disposal. Proxies a script keeps hold their own
 * references, dropped in #GIsle:main-context when the proxy is collected
 * or the isle's state closes. Exposing a name again replaces the object;
 * jobs submitted after this call see it. Call it from the thread that
 * owns #GIsle:main-context.
 */
void
g_isle_expose_object (GIsle      *self,
                      const char *name,
                      GObject    *object)
{
  GisleWorker *worker;
  GHashTable *objects;
  GObject *old = NULL;
  char *old_name = NULL;

  g_return_if_fail (G_IS_ISLE (self));
  g_return_if_fail (gisle_host_name_is_valid (name));
  g_return_if_fail (G_IS_OBJECT (object));

  worker = gisle_isle_get_worker (self);
  gisle_bridge_register ();
  g_mutex_lock (&gisle_bridge_lock);
  if (gisle_bridge_exposed == NULL)
    gisle_bridge_exposed = g_hash_table_new (NULL, NULL);
  objects = g_hash_table_lookup (gisle_bridge_exposed, worker);
  if (objects == NULL)
    {
      objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
      g_hash_table_insert (gisle_bridge_exposed, worker, objects);
    }
  g_hash_table_steal_extended (objects, name, (gpointer *) &old_name, (gpointer *) &old);
  g_hash_table_insert (objects, g_strdup (name), g_object_ref (object));
  g_mutex_unlock (&gisle_bridge_lock);
  g_free (old_name);
  g_clear_object (&old);

  gisle_worker_submit_control (worker, gisle_bridge_control_install, g_strdup (name));
}

/**
 * g_isle_unexpose_object:
 * @self: a #GIsle
 * @name: a name given to g_isle_expose_object()
 *
 * Removes an exposed object: jobs submitted afterwards find `nil` under
 * @name, and the isle drops its reference. Proxies a script already holds
 * (saved in a variable, or reached through properties) keep working until
 * they are collected.
 *
 * Returns: %TRUE if an object was exposed under @name
 */
gboolean
g_isle_unexpose_object (GIsle      *self,
                        const char *name)
{
  GisleWorker *worker;
  GHashTable *objects;
  gpointer old_key = NULL, old = NULL;
  gboolean found = FALSE;

  g_return_val_if_fail (G_IS_ISLE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  worker = gisle_isle_get_worker (self);
  g_mutex_lock (&gisle_bridge_lock);
  objects = gisle_bridge_exposed != NULL ? g_hash_table_lookup (gisle_bridge_exposed, worker) : NULL;
  if (objects != NULL)
    found = g_hash_table_steal_extended (objects, name, &old_key, &old);
  g_mutex_unlock (&gisle_bridge_lock);

  if (!found)
    return FALSE;
  g_free (old_key);
  g_object_unref (old);
  gisle_worker_submit_control (worker, gisle_host_control_uninstall, g_strdup (name));
  return TRUE;
}
