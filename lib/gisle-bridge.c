/* gisle-bridge.c: the application's GObjects, exposed to scripts.
 *
 * Floor 16 (the object bridge): it uses the isle, the worker, host
 * functions, values, output and the two floors of the bridge below it
 * (gisle-bridge-values.c, gisle-bridge-gi.c); it registers a state
 * installer and a close hook so the floors below never call it.
 *
 * A script sees an exposed object as a proxy userdata. Reading or writing
 * one of its properties is one round trip to the isle's main context, the
 * same way a main-context host function is called: the worker queues a
 * GisleBridgeCall through the delivery queue (served by the main loop, or
 * by a blocked home-thread caller) and waits on the worker's wake condition (gisle_owner_get_wake()), a wait
 * that a cancel ends at once. In the main context the property is looked
 * up, converted from or to a GValue and read or written; only plain data
 * (a GVariant, or an object reference) travels back to the worker, which
 * turns it into Lua values.
 *
 * obj:connect() connects a GClosure in the same way; an emission converts
 * its arguments where it happens and queues a job (g_isle_exec_async) that
 * calls the script's handler, kept in the registry by handler id.
 * obj:method(...) is one round trip too: the arguments travel as
 * GisleBridgeValues (gisle-bridge-values.c) and the method is found and
 * invoked through its typelib in the owner context (gisle-bridge-gi.c).
 * Each proxy carries the GIsleExposeFlags of the object it was reached
 * from, checked before anything is queued (reads and method lookups: in
 * the owner context, where a name is told to be a property or a method).
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
#include "gisle-bridge-gi-private.h"
#include "gisle-bridge-values-private.h"
#include "gisle-host-private.h"
#include "gisle-value-private.h"
#include "gisle-output-private.h"
#include "gisle-suspend-private.h"

#include <string.h>
#include <lauxlib.h>

#define GISLE_PROXY_META "gisle.object"

/* ---- What the isle holds: worker -> (name -> GObject, strong) ---------- */

static GMutex gisle_bridge_lock;
static GHashTable *gisle_bridge_exposed;   /* GisleWorker -> (name -> GisleExposed) */

typedef struct
{
  GObject *object;           /* strong; NULL for a namespace */
  char *namespace_;          /* an exposed namespace, or NULL */
  guint flags;               /* GIsleExposeFlags */
} GisleExposed;

/* Drops the isle's reference: in the thread that unexposes or closes. */
static void
gisle_exposed_free (gpointer data)
{
  GisleExposed *exposed = data;

  g_clear_object (&exposed->object);
  g_free (exposed->namespace_);
  g_free (exposed);
}

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

/* ---- Proxies ------------------------------------------------------------ */

/* The proxy's user value 1 is its label for error messages: the exposed
 * name, or how the script reached it ("win.child", "win:get_child()"). */
typedef struct
{
  GObject *object;     /* strong; NULL until filled in */
  guint flags;         /* GIsleExposeFlags, inherited by what it reaches */
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
gisle_proxy_push_empty (lua_State  *L,
                        const char *label,
                        guint       flags)
{
  GisleProxy *proxy = lua_newuserdatauv (L, sizeof (GisleProxy), 1);

  proxy->object = NULL;
  proxy->flags = flags;
  lua_pushstring (L, label);
  lua_setiuservalue (L, -2, 1);
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

/* The label of the proxy at @idx (valid while it is on the stack). */
static const char *
gisle_proxy_label (lua_State *L,
                   int        idx)
{
  const char *label;

  lua_getiuservalue (L, idx, 1);
  label = lua_tostring (L, -1);
  lua_pop (L, 1);
  return label != NULL ? label : "?";
}

static GObject *
gisle_bridge_proxy_peek (lua_State *L,
                         int        idx)
{
  GisleProxy *proxy = gisle_proxy_test (L, idx);

  return proxy != NULL ? proxy->object : NULL;
}

/* Pushes an empty proxy; the caller moves a reference into the slot
 * before anything else can raise. */
static GObject **
gisle_bridge_proxy_push (lua_State  *L,
                         const char *label,
                         guint       flags)
{
  return &gisle_proxy_push_empty (L, label, flags)->object;
}

/* Raises unless the proxy (at stack index 1) lets scripts reach other
 * objects; the objects stay in their holder, freed by the collector. */
static void
gisle_proxy_check_reach (lua_State  *L,
                         GisleProxy *proxy)
{
  if (proxy->flags & G_ISLE_EXPOSE_REACH)
    return;
  lua_pushfstring (L, "the object “%s” does not let scripts reach other objects",
                   gisle_proxy_label (L, 1));
  lua_error (L);
}

static gboolean
gisle_bridge_value_has_object (GisleBridgeValue *value)
{
  if (value->object != NULL)
    return TRUE;
  for (guint i = 0; value->items != NULL && i < value->items->len; i++)
    if (gisle_bridge_value_has_object (value->items->pdata[i]))
      return TRUE;
  return FALSE;
}

/* Raises unless @proxy (at stack index 1) allows @flag. */
static void
gisle_proxy_check_allowed (lua_State  *L,
                           GisleProxy *proxy,
                           guint       flag)
{
  const char *what;

  if (proxy->flags & flag)
    return;
  switch (flag)
    {
    case G_ISLE_EXPOSE_WRITE: what = "writing its properties"; break;
    case G_ISLE_EXPOSE_CALL: what = "calling its methods"; break;
    case G_ISLE_EXPOSE_CONNECT: what = "connecting to its signals"; break;
    default: what = "reading its properties"; break;
    }
  /* No position prefix, like every error the object's side gives. */
  lua_pushfstring (L, "the object “%s” does not allow %s", gisle_proxy_label (L, 1), what);
  lua_error (L);
}

/* ---- Method arguments and results, on the worker ------------------------- */

/* A table whose first item is an object proxy is a list of objects (and
 * whatever else it holds); any other table is plain data. */
static gboolean
is_object_list (lua_State *L,
                int        idx)
{
  gboolean yes;

  if (lua_type (L, idx) != LUA_TTABLE)
    return FALSE;
  lua_rawgeti (L, idx, 1);
  yes = gisle_bridge_proxy_peek (L, -1) != NULL;
  lua_pop (L, 1);
  return yes;
}

/* Appends the value at @idx to @into before filling it in, so a Lua error
 * on the way (memory) leaves nothing unowned: @into's holder frees it. */
static gboolean
gisle_bridge_value_from_lua (lua_State   *L,
                             int          idx,
                             const char  *where,
                             GPtrArray   *into,
                             GError     **error)
{
  GisleBridgeValue *value;
  GObject *object;
  gboolean list;

  idx = lua_absindex (L, idx);
  object = gisle_bridge_proxy_peek (L, idx);
  list = object == NULL && is_object_list (L, idx);
  value = gisle_bridge_value_new ();
  g_ptr_array_add (into, value);

  if (object != NULL)
    {
      /* Taking a reference is thread-safe; nothing else is touched. */
      value->object = g_object_ref (object);
      return TRUE;
    }
  if (lua_isnoneornil (L, idx))
    return TRUE;
  if (list)
    {
      lua_Unsigned n = lua_rawlen (L, idx);

      value->items = g_ptr_array_new ();
      for (lua_Unsigned i = 1; i <= n; i++)
        {
          g_autofree char *item_where = g_strdup_printf ("%s, item %" G_GUINT64_FORMAT,
                                                         where, (guint64) i);
          GisleBridgeValue *item;

          lua_rawgeti (L, idx, (lua_Integer) i);
          object = gisle_bridge_proxy_peek (L, -1);
          item = gisle_bridge_value_new ();
          g_ptr_array_add (value->items, item);
          if (object != NULL)
            item->object = g_object_ref (object);
          else if (!lua_isnil (L, -1))
            {
              item->variant = gisle_value_to_variant (L, -1, item_where, error);
              if (item->variant == NULL)
                return FALSE;
            }
          lua_pop (L, 1);
        }
      return TRUE;
    }
  value->variant = gisle_value_to_variant (L, idx, where, error);
  return value->variant != NULL;
}

/* Pushes @value, moving its objects into proxies (named @label in errors,
 * allowing @flags, those of the object they were reached from);
 * a Lua error on the way leaves the rest in @value, for its owner to free. */
static void
gisle_bridge_value_push (lua_State        *L,
                         GisleBridgeValue *value,
                         const char       *label,
                         guint             flags)
{
  if (value->object != NULL)
    {
      GObject **slot = gisle_bridge_proxy_push (L, label, flags);

      *slot = g_steal_pointer (&value->object);
      return;
    }
  if (value->items != NULL)
    {
      lua_createtable (L, (int) MIN (value->items->len, (guint) G_MAXINT), 0);
      for (guint i = 0; i < value->items->len; i++)
        {
          gisle_bridge_value_push (L, value->items->pdata[i], label, flags);
          lua_rawseti (L, -2, (lua_Integer) i + 1);
        }
      return;
    }
  if (value->variant != NULL && !g_variant_is_of_type (value->variant, G_VARIANT_TYPE_MAYBE))
    {
      GError *error = NULL;

      if (!gisle_value_push (L, value->variant, label, &error))
        {
          lua_pushstring (L, error->message);
          g_error_free (error);
          lua_error (L);
        }
      return;
    }
  lua_pushnil (L);
}

/* ---- A property access, in the owner context ----------------------------- */

typedef enum {
  GISLE_BRIDGE_GET,
  GISLE_BRIDGE_SET,
  GISLE_BRIDGE_CONNECT,
  GISLE_BRIDGE_DISCONNECT,
  GISLE_BRIDGE_CALL,
  GISLE_BRIDGE_CALL_STATIC,    /* a function of an exposed namespace */
} GisleBridgeOp;

typedef struct
{
  gint ref_count;              /* atomic */
  GisleWorker *worker;         /* strong */
  GisleBridgeOp op;
  GObject *object;             /* strong */
  char *property;              /* or the method's name */
  char *label;                 /* the proxy's, for errors */
  /* CALL_STATIC: where the function is (object is NULL) */
  char *namespace_;
  char *container;             /* NULL: a function of the namespace itself */
  /* CALL: the script's arguments after self, then the results */
  GPtrArray *args;             /* GisleBridgeValue */
  GPtrArray *results;          /* GisleBridgeValue */
  /* SET: the value, a GVariant (a Nothing maybe for nil) or an object */
  GVariant *value;
  GObject *value_object;       /* strong */
  /* Under the worker lock */
  gboolean done;
  gboolean abandoned;          /* the script stopped waiting */
  /* GET: the answer */
  GVariant *result;
  GObject *result_object;      /* strong */
  GError *error;
  /* CONNECT: the answer; DISCONNECT: which */
  gulong handler_id;
  guint flags;                 /* the proxy's GIsleExposeFlags */
  /* GET: no property by this name, but a method a script may call */
  gboolean is_method;
} GisleBridgeCall;

static void
gisle_bridge_values_free (GisleWorker *worker,
                          GPtrArray   *values)
{
  if (values == NULL)
    return;
  for (guint i = 0; i < values->len; i++)
    gisle_bridge_value_free (worker, values->pdata[i]);
  g_ptr_array_unref (values);
}

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
  gisle_bridge_values_free (call->worker, call->args);
  gisle_bridge_values_free (call->worker, call->results);
  g_free (call->property);
  g_free (call->label);
  g_free (call->namespace_);
  g_free (call->container);
  gisle_worker_unref (call->worker);
  g_free (call);
}

#define BRIDGE_ERROR(error, ...) \
  g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION, __VA_ARGS__)


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
  guint flags;               /* those of the object connected to */
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

      /* The emitter (parameter 0) is the object connected to; others are
       * reached through it. */
      if (e->objects[i] != NULL && i > 0 && !(e->flags & G_ISLE_EXPOSE_REACH))
        lua_pushnil (L);
      else if (e->objects[i] != NULL)
        {
          /* A buffer, not a heap string: pushing may raise. */
          char label[128];

          if (i == 0)
            g_snprintf (label, sizeof label, "the emitter of %s", e->signal);
          else
            g_snprintf (label, sizeof label, "argument %u of %s", i, e->signal);
          gisle_proxy_push_empty (L, label, e->flags)->object = g_steal_pointer (&e->objects[i]);
        }
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
  guint flags;
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
  e->flags = c->flags;
  e->n = n_param_values;
  e->values = g_new0 (GVariant *, n_param_values);
  e->objects = g_new0 (GObject *, n_param_values);
  for (guint i = 0; i < n_param_values; i++)
    {
      if (!gisle_bridge_from_gvalue (&param_values[i], &e->values[i], &e->objects[i], "", NULL))
        e->values[i] = NULL;
      if (e->objects[i] != NULL)
        gisle_bridge_watch (e->objects[i]);
    }

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
  g_autoptr(GIsle) isle = (GIsle *) gisle_dispatch_ref_isle (call->worker);
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
  c->flags = call->flags;
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
  const char *type_name;
  g_autofree char *where = NULL;
  GParamSpec *pspec;

  if (call->op == GISLE_BRIDGE_CALL_STATIC)
    {
      call->results = gisle_bridge_gi_call_static (call->namespace_, call->container, call->property,
                                                   call->args, error);
      return;
    }
  type_name = G_OBJECT_TYPE_NAME (object);
  if (gisle_bridge_is_gone (object))
    {
      g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED, "the object “%s” is gone", call->label);
      return;
    }
  if (call->op == GISLE_BRIDGE_CALL)
    {
      call->results = gisle_bridge_gi_call (object, call->property, call->args, error);
      return;
    }
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
  if (pspec == NULL && call->op == GISLE_BRIDGE_GET)
    {
      call->is_method = gisle_bridge_gi_has_method (object, call->property, error);
      if (call->is_method && !(call->flags & G_ISLE_EXPOSE_CALL))
        {
          call->is_method = FALSE;
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                       "the object “%s” does not allow calling its methods", call->label);
        }
      return;
    }
  if (pspec != NULL && call->op == GISLE_BRIDGE_GET && !(call->flags & G_ISLE_EXPOSE_READ))
    {
      g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                   "the object “%s” does not allow reading its properties", call->label);
      return;
    }
  if (pspec == NULL)
    {
      g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                   "%s has no property “%s”", type_name, call->property);
      return;
    }
  /* Errors only: made when one happens (it is most of a read's cost). */
#define WHERE (where != NULL ? where : (where = g_strdup_printf ("property “%s” of %s", pspec->name, type_name)))

  if (call->op == GISLE_BRIDGE_GET)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      if (!(pspec->flags & G_PARAM_READABLE))
        {
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED, "%s is not readable", WHERE);
          return;
        }
      g_value_init (&value, pspec->value_type);
      g_object_get_property (object, pspec->name, &value);
      /* Without a place to report to first: conversions that fail are
       * done again, naming the property. */
      if (!gisle_bridge_from_gvalue (&value, &call->result, &call->result_object, NULL, NULL))
        gisle_bridge_from_gvalue (&value, &call->result, &call->result_object, WHERE, error);
      else if (call->result_object != NULL)
        gisle_bridge_watch (call->result_object);
    }
  else
    {
      g_auto(GValue) value = G_VALUE_INIT;
      g_auto(GValue) check = G_VALUE_INIT;

      if (!(pspec->flags & G_PARAM_WRITABLE))
        {
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED, "%s is read-only", WHERE);
          return;
        }
      if (pspec->flags & G_PARAM_CONSTRUCT_ONLY)
        {
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                       "%s can only be set when the object is made", WHERE);
          return;
        }
      if (!gisle_bridge_to_gvalue (call, pspec, &value, NULL, NULL))
        {
          g_value_unset (&value);
          gisle_bridge_to_gvalue (call, pspec, &value, WHERE, error);
          return;
        }
      /* GObject would clamp an out-of-range value with a warning; refuse it
       * instead. */
      g_value_init (&check, pspec->value_type);
      g_value_copy (&value, &check);
      if (g_param_value_validate (pspec, &check))
        {
          g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CONVERSION,
                       "%s: the value is out of the property's range", WHERE);
          return;
        }
      g_object_set_property (object, pspec->name, &value);
    }
#undef WHERE
}

static gboolean
gisle_bridge_call_run (gpointer data)
{
  GisleBridgeCall *call = data;
  GisleWorker *worker = call->worker;
  GError *error = NULL;
  gboolean abandoned;

  gisle_mutex_lock (gisle_owner_get_lock (worker));
  abandoned = call->abandoned;
  gisle_mutex_unlock (gisle_owner_get_lock (worker));
  if (abandoned)
    return G_SOURCE_REMOVE;

  gisle_bridge_call_execute (call, &error);

  /* What the owner context alone used goes here, not from an idle once
   * the worker is done with the call: a main-loop wake-up less per access.
   * The worker no longer reads these (it waits for done, below). */
  gisle_bridge_release (worker, g_steal_pointer (&call->object));
  gisle_bridge_release (worker, g_steal_pointer (&call->value_object));
  gisle_bridge_values_free (worker, g_steal_pointer (&call->args));

  gisle_mutex_lock (gisle_owner_get_lock (worker));
  call->done = TRUE;
  call->error = error;
  g_cond_broadcast (gisle_owner_get_wake (worker));
  gisle_mutex_unlock (gisle_owner_get_lock (worker));
  return G_SOURCE_REMOVE;
}

/* ---- The worker side ------------------------------------------------------ */

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

  /* Accesses to exposed objects always block: they happen inside __index,
   * __newindex and __call metamethods and GValue conversions, which would
   * each need a continuation to suspend. Counted, so an application can
   * see them. */
  gisle_suspend_count_blocking (L);
  gisle_mutex_lock (gisle_owner_get_lock (worker));
  while (!call->done && !gisle_cancel_is_due (L))
    gisle_cond_wait (gisle_owner_get_wake (worker), gisle_owner_get_lock (worker));
  done = call->done;
  if (!done)
    call->abandoned = TRUE;
  gisle_mutex_unlock (gisle_owner_get_lock (worker));

  if (!done)
    {
      gisle_bridge_call_unref (call);
      gisle_cancel_raise (L);
    }
}

/* A call on the proxy at stack index 1. */
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
  call->label = g_strdup (gisle_proxy_label (L, 1));
  call->flags = ((GisleProxy *) lua_touserdata (L, 1))->flags;
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
  gisle_proxy_check_allowed (L, proxy, G_ISLE_EXPOSE_CONNECT);
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

  gisle_proxy_check_allowed (L, proxy, G_ISLE_EXPOSE_CONNECT);
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

/* ---- Methods ---------------------------------------------------------------- */

#define GISLE_METHODS_KEY "gisle.methods"
#define GISLE_VALUES_META "gisle.bridge-values"

/* Values of a method call while the worker holds them: freed by the
 * collector if a Lua error (a cancel, memory) ends the call early. */
typedef struct
{
  GPtrArray *values;           /* GisleBridgeValue */
} GisleValuesHolder;

static int
gisle_values_holder_gc (lua_State *L)
{
  GisleValuesHolder *holder = lua_touserdata (L, 1);

  gisle_bridge_values_free (gisle_worker_from_lua (L), g_steal_pointer (&holder->values));
  return 0;
}

static GisleValuesHolder *
gisle_values_holder_push (lua_State *L)
{
  GisleValuesHolder *holder = lua_newuserdatauv (L, sizeof (GisleValuesHolder), 0);

  holder->values = NULL;
  if (luaL_newmetatable (L, GISLE_VALUES_META))
    {
      lua_pushcfunction (L, gisle_values_holder_gc);
      lua_setfield (L, -2, "__gc");
    }
  lua_setmetatable (L, -2);
  holder->values = g_ptr_array_new ();
  return holder;
}

/* The methods found on objects of each type, so that `obj.method` costs a
 * round trip once per type and name: registry[KEY][gtype][name] = true. */
static gboolean
gisle_bridge_method_known (lua_State  *L,
                           GObject    *object,
                           const char *name)
{
  gboolean known = FALSE;
  int top = lua_gettop (L);

  if (lua_getfield (L, LUA_REGISTRYINDEX, GISLE_METHODS_KEY) == LUA_TTABLE &&
      lua_rawgeti (L, -1, (lua_Integer) G_OBJECT_TYPE (object)) == LUA_TTABLE)
    known = lua_getfield (L, -1, name) == LUA_TBOOLEAN;
  lua_settop (L, top);
  return known;
}

static void
gisle_bridge_method_remember (lua_State  *L,
                              GObject    *object,
                              const char *name)
{
  if (lua_getfield (L, LUA_REGISTRYINDEX, GISLE_METHODS_KEY) != LUA_TTABLE)
    {
      lua_pop (L, 1);
      lua_newtable (L);
      lua_pushvalue (L, -1);
      lua_setfield (L, LUA_REGISTRYINDEX, GISLE_METHODS_KEY);
    }
  if (lua_rawgeti (L, -1, (lua_Integer) G_OBJECT_TYPE (object)) != LUA_TTABLE)
    {
      lua_pop (L, 1);
      lua_newtable (L);
      lua_pushvalue (L, -1);
      lua_rawseti (L, -3, (lua_Integer) G_OBJECT_TYPE (object));
    }
  lua_pushboolean (L, TRUE);
  lua_setfield (L, -2, name);
  lua_pop (L, 2);
}

/* obj:method(...): one round trip; the method runs in the owner context
 * (gisle-bridge-gi.c). Returns the method's return value, then its out
 * arguments. */
static int
gisle_proxy_call (lua_State *L)
{
  const char *name = lua_tostring (L, lua_upvalueindex (1));
  GisleProxy *proxy = gisle_proxy_test (L, 1);
  GisleValuesHolder *holder;
  GisleBridgeCall *call;
  const char *label;
  int top = lua_gettop (L);

  if (proxy == NULL)
    return luaL_error (L, "call the method %s on an object: obj:%s(...)", name, name);
  gisle_proxy_check_allowed (L, proxy, G_ISLE_EXPOSE_CALL);
  gisle_cancel_check (L);

  holder = gisle_values_holder_push (L);                    /* top + 1 */
  for (int i = 2; i <= top; i++)
    {
      GError *error = NULL;
      char where[32];

      g_snprintf (where, sizeof where, "argument %d", i);
      if (!gisle_bridge_value_from_lua (L, i, where, holder->values, &error))
        {
          lua_pushfstring (L, "%s: %s", name, error->message);
          g_error_free (error);
          return lua_error (L);
        }
    }
  label = lua_pushfstring (L, "%s:%s()", gisle_proxy_label (L, 1), name);   /* top + 2 */

  call = gisle_bridge_call_new (L, GISLE_BRIDGE_CALL, proxy->object, name);
  call->args = g_steal_pointer (&holder->values);
  gisle_bridge_round_trip (L, call);
  if (call->error != NULL)
    return gisle_bridge_raise (L, call);
  holder->values = g_steal_pointer (&call->results);
  gisle_bridge_call_unref (call);
  for (guint i = 0; i < holder->values->len; i++)
    if (gisle_bridge_value_has_object (holder->values->pdata[i]))
      gisle_proxy_check_reach (L, proxy);

  luaL_checkstack (L, (int) MIN (holder->values->len, 1000u) + 1, "too many results");
  for (guint i = 0; i < holder->values->len; i++)
    gisle_bridge_value_push (L, holder->values->pdata[i], label, proxy->flags);
  return (int) holder->values->len;
}

/* ---- Exposed namespaces: Gtk.Window.new(), Gio.content_type_guess() ---- */

/* Calls the function of the closure's upvalues (namespace, container or
 * nil, name, flags) with the Lua arguments from @first on: one round trip,
 * like a method. */
static int
gisle_namespace_call_from (lua_State *L,
                           int        first)
{
  const char *ns = lua_tostring (L, lua_upvalueindex (1));
  const char *container = lua_tostring (L, lua_upvalueindex (2));
  const char *name = lua_tostring (L, lua_upvalueindex (3));
  guint flags = (guint) lua_tointeger (L, lua_upvalueindex (4));
  GisleValuesHolder *holder;
  GisleBridgeCall *call;
  const char *label;
  int top = lua_gettop (L);

  gisle_cancel_check (L);
  holder = gisle_values_holder_push (L);                    /* top + 1 */
  for (int i = first; i <= top; i++)
    {
      GError *error = NULL;
      char where[32];

      g_snprintf (where, sizeof where, "argument %d", i - first + 1);
      if (!gisle_bridge_value_from_lua (L, i, where, holder->values, &error))
        {
          lua_pushfstring (L, "%s: %s", name, error->message);
          g_error_free (error);
          return lua_error (L);
        }
    }
  label = container != NULL ? lua_pushfstring (L, "%s.%s.%s()", ns, container, name)
                            : lua_pushfstring (L, "%s.%s()", ns, name);

  call = g_new0 (GisleBridgeCall, 1);
  call->ref_count = 1;
  call->worker = gisle_worker_ref (gisle_worker_from_lua (L));
  call->op = GISLE_BRIDGE_CALL_STATIC;
  call->namespace_ = g_strdup (ns);
  call->container = g_strdup (container);
  call->property = g_strdup (name);
  call->label = g_strdup (label);
  call->flags = flags;
  call->args = g_steal_pointer (&holder->values);
  gisle_bridge_round_trip (L, call);
  if (call->error != NULL)
    return gisle_bridge_raise (L, call);
  holder->values = g_steal_pointer (&call->results);
  gisle_bridge_call_unref (call);

  luaL_checkstack (L, (int) MIN (holder->values->len, 1000u) + 1, "too many results");
  for (guint i = 0; i < holder->values->len; i++)
    gisle_bridge_value_push (L, holder->values->pdata[i], label, flags);
  return (int) holder->values->len;
}

/* Gtk.Window.new(...) */
static int
gisle_namespace_call (lua_State *L)
{
  return gisle_namespace_call_from (L, 1);
}

/* Gio.content_type_guess(...): the entry table is argument 1. */
static int
gisle_namespace_entry_call (lua_State *L)
{
  return gisle_namespace_call_from (L, 2);
}

/* Pushes a function closure: upvalues namespace, container (or nil),
 * name, flags. */
static void
gisle_namespace_push_function (lua_State  *L,
                               lua_CFunction fn,
                               const char *ns,
                               const char *container,
                               const char *name,
                               guint       flags)
{
  lua_pushstring (L, ns);
  if (container != NULL)
    lua_pushstring (L, container);
  else
    lua_pushnil (L);
  lua_pushstring (L, name);
  lua_pushinteger (L, flags);
  lua_pushcclosure (L, fn, 4);
}

/* Gtk.Window.new: a function of the entry (upvalues namespace, entry
 * name, flags), kept in the entry. */
static int
gisle_namespace_entry_index (lua_State *L)
{
  const char *name = luaL_checkstring (L, 2);

  gisle_namespace_push_function (L, gisle_namespace_call, lua_tostring (L, lua_upvalueindex (1)),
                                 lua_tostring (L, lua_upvalueindex (2)), name,
                                 (guint) lua_tointeger (L, lua_upvalueindex (3)));
  lua_pushvalue (L, 2);
  lua_pushvalue (L, -2);
  lua_rawset (L, 1);
  return 1;
}

/* Gtk.Window: an entry, both a table of functions (Gtk.Window.new) and
 * callable (Gio.content_type_guess(...)), kept in the namespace. Whether
 * the name is a class or a function is found out when it is called. */
static int
gisle_namespace_index (lua_State *L)
{
  const char *ns = lua_tostring (L, lua_upvalueindex (1));
  guint flags = (guint) lua_tointeger (L, lua_upvalueindex (2));
  const char *name = luaL_checkstring (L, 2);

  lua_createtable (L, 0, 0);
  lua_createtable (L, 0, 3);
  lua_pushstring (L, ns);
  lua_pushstring (L, name);
  lua_pushinteger (L, flags);
  lua_pushcclosure (L, gisle_namespace_entry_index, 3);
  lua_setfield (L, -2, "__index");
  gisle_namespace_push_function (L, gisle_namespace_entry_call, ns, NULL, name, flags);
  lua_setfield (L, -2, "__call");
  lua_pushliteral (L, "namespace entry");
  lua_setfield (L, -2, "__metatable");
  lua_setmetatable (L, -2);
  lua_pushvalue (L, 2);
  lua_pushvalue (L, -2);
  lua_rawset (L, 1);
  return 1;
}

static void
gisle_namespace_push (lua_State  *L,
                      const char *ns,
                      guint       flags)
{
  lua_createtable (L, 0, 0);
  lua_createtable (L, 0, 2);
  lua_pushstring (L, ns);
  lua_pushinteger (L, flags);
  lua_pushcclosure (L, gisle_namespace_index, 2);
  lua_setfield (L, -2, "__index");
  lua_pushliteral (L, "namespace");
  lua_setfield (L, -2, "__metatable");
  lua_setmetatable (L, -2);
}

static void
gisle_bridge_push_method (lua_State  *L,
                          const char *name)
{
  lua_pushstring (L, name);
  lua_pushcclosure (L, gisle_proxy_call, 1);
}

/* obj.name: one round trip; objects come back as proxies. */
static int
gisle_proxy_index (lua_State *L)
{
  GisleProxy *proxy = gisle_proxy_check (L, 1);
  const char *key = luaL_checkstring (L, 2);
  GisleValuesHolder *holder;
  GisleBridgeValue *value;
  GisleBridgeCall *call;

  /* Methods shadow properties of the same name. */
  if (strcmp (key, "connect") == 0 || strcmp (key, "disconnect") == 0)
    {
      lua_pushcfunction (L, key[0] == 'c' ? gisle_proxy_connect : gisle_proxy_disconnect);
      return 1;
    }

  gisle_cancel_check (L);
  lua_settop (L, 2);
  if (gisle_bridge_method_known (L, proxy->object, key))
    {
      gisle_bridge_push_method (L, key);
      return 1;
    }

  /* Room for the answer, made before anything is owned. */
  holder = gisle_values_holder_push (L);                    /* 3 */

  call = gisle_bridge_call_new (L, GISLE_BRIDGE_GET, proxy->object, key);
  gisle_bridge_round_trip (L, call);
  if (call->error != NULL)
    return gisle_bridge_raise (L, call);

  if (call->is_method)
    {
      gisle_bridge_call_unref (call);
      gisle_bridge_method_remember (L, proxy->object, key);
      gisle_bridge_push_method (L, key);
      return 1;
    }
  value = gisle_bridge_value_new ();
  g_ptr_array_add (holder->values, value);
  value->object = g_steal_pointer (&call->result_object);
  value->variant = g_steal_pointer (&call->result);
  gisle_bridge_call_unref (call);
  if (value->object != NULL)
    gisle_proxy_check_reach (L, proxy);

  /* The label only matters for an object (errors name it). */
  gisle_bridge_value_push (L, value,
                           value->object != NULL
                             ? lua_pushfstring (L, "%s.%s", gisle_proxy_label (L, 1), key)
                             : key,
                           proxy->flags);
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

  gisle_proxy_check_allowed (L, proxy, G_ISLE_EXPOSE_WRITE);
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
gisle_bridge_lookup_ref (GisleWorker  *worker,
                         const char   *name,
                         guint        *flags,
                         char        **namespace_)
{
  GisleExposed *exposed = NULL;
  GObject *object = NULL;
  GHashTable *objects;

  g_mutex_lock (&gisle_bridge_lock);
  objects = gisle_bridge_exposed != NULL ? g_hash_table_lookup (gisle_bridge_exposed, worker) : NULL;
  if (objects != NULL)
    exposed = g_hash_table_lookup (objects, name);
  if (exposed != NULL)
    {
      object = exposed->object != NULL ? g_object_ref (exposed->object) : NULL;
      *namespace_ = g_strdup (exposed->namespace_);
      *flags = exposed->flags;
    }
  g_mutex_unlock (&gisle_bridge_lock);
  return object;
}

static int
gisle_bridge_install_protected (lua_State *L)
{
  const char *name = lua_touserdata (L, 1);
  GisleProxy *proxy;
  char *namespace_ = NULL;

  lua_settop (L, 0);
  proxy = gisle_proxy_push_empty (L, name, G_ISLE_EXPOSE_NONE);
  proxy->object = gisle_bridge_lookup_ref (gisle_worker_from_lua (L), name, &proxy->flags, &namespace_);
  if (proxy->object == NULL)
    {
      guint flags = proxy->flags;

      lua_pop (L, 1);   /* the proxy may be collected from here on */
      if (namespace_ != NULL)
        {
          lua_pushstring (L, namespace_);
          g_free (namespace_);
          gisle_namespace_push (L, lua_tostring (L, -1), flags);
          lua_remove (L, -2);
        }
      else
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

/* Puts @exposed (taken) under @name, replacing what was there, and has
 * the running state install it. */
static void
gisle_bridge_expose (GIsle        *self,
                     const char   *name,
                     GisleExposed *exposed)
{
  GisleWorker *worker = gisle_isle_get_worker (self);
  GisleExposed *old = NULL;
  char *old_name = NULL;
  GHashTable *objects;

  gisle_bridge_register ();
  g_mutex_lock (&gisle_bridge_lock);
  if (gisle_bridge_exposed == NULL)
    gisle_bridge_exposed = g_hash_table_new (NULL, NULL);
  objects = g_hash_table_lookup (gisle_bridge_exposed, worker);
  if (objects == NULL)
    {
      objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, gisle_exposed_free);
      g_hash_table_insert (gisle_bridge_exposed, worker, objects);
    }
  g_hash_table_steal_extended (objects, name, (gpointer *) &old_name, (gpointer *) &old);
  g_hash_table_insert (objects, g_strdup (name), exposed);
  g_mutex_unlock (&gisle_bridge_lock);
  /* Outside the lock: a finalizer may be the application's code. */
  g_free (old_name);
  g_clear_pointer (&old, gisle_exposed_free);

  gisle_worker_submit_control (worker, gisle_bridge_control_install, g_strdup (name));
}

/**
 * g_isle_expose_object:
 * @self: a #GIsle
 * @name: the global name scripts reach it by; dots make nested tables
 *   (`app.window`), as for g_isle_add_function()
 * @object: (transfer none): the object
 *
 * Gives scripts a proxy for @object under the global @name, allowing
 * everything (%G_ISLE_EXPOSE_ALL): g_isle_expose_object_full() tells
 * the details and lets the application allow less.
 */
void
g_isle_expose_object (GIsle      *self,
                      const char *name,
                      GObject    *object)
{
  g_isle_expose_object_full (self, name, object, G_ISLE_EXPOSE_ALL);
}

/**
 * g_isle_expose_object_full:
 * @self: a #GIsle
 * @name: the global name scripts reach it by; dots make nested tables
 *   (`app.window`), as for g_isle_add_function()
 * @object: (transfer none): the object
 * @flags: what scripts may do with it, and with the objects they reach
 *   through it
 *
 * Gives scripts a proxy for @object under the global @name. A script reads
 * a property with `obj.prop` and writes it with `obj.prop = value`
 * (`default_width` and `default-width` both work); `tostring(obj)` names
 * its type. `obj:method(...)` calls a method found in the typelib of the
 * object's class, a parent class or an interface (libgirepository loads
 * it), returning the method's return value and then its out arguments;
 * reference counting, teardown and functions taking raw pointers or
 * callbacks are never callable (see docs/security.md). Objects read from
 * properties or returned by methods become proxies too, with the same
 * @flags. `obj:connect("signal", handler)` connects a Lua handler, which
 * runs later as a job of its own (it cannot answer the emitter), and
 * returns an id for `obj:disconnect(id)`; the isle disconnects its
 * handlers when it is closed or disposed.
 *
 * Every touch of @object happens in #GIsle:main-context, while the script
 * waits, exactly like a host function added with g_isle_add_function(): a
 * blocking call made from the main thread serves the accesses, and
 * cancelling the job ends the wait at once. See docs/objects.md for the
 * values that cross and the errors scripts see.
 *
 * The isle holds a reference to @object until g_isle_unexpose_object(),
 * g_isle_close() or disposal. Proxies a script keeps hold their own
 * references, dropped in #GIsle:main-context when the proxy is collected
 * or the isle's state closes. An object the application disposes meanwhile
 * (g_object_run_dispose()) gives scripts an error naming it as gone. An
 * object that owns the isle (a window and its console's isle) makes a
 * reference cycle: close the isle before the object's dispose, for a
 * window when it is destroyed.
 * Exposing a name again replaces the object; jobs submitted after this
 * call see it. Call it from the thread that owns #GIsle:main-context.
 */
void
g_isle_expose_object_full (GIsle            *self,
                           const char       *name,
                           GObject          *object,
                           GIsleExposeFlags  flags)
{
  GisleExposed *exposed;

  g_return_if_fail (G_IS_ISLE (self));
  g_return_if_fail (gisle_host_name_is_valid (name));
  g_return_if_fail (G_IS_OBJECT (object));
  g_return_if_fail ((flags & ~G_ISLE_EXPOSE_ALL) == 0);

  gisle_bridge_watch (object);
  exposed = g_new0 (GisleExposed, 1);
  exposed->object = g_object_ref (object);
  exposed->flags = flags;
  gisle_bridge_expose (self, name, exposed);
}

/**
 * g_isle_expose_namespace:
 * @self: a #GIsle
 * @namespace_: a GObject-Introspection namespace, such as `Gtk`
 * @version: (nullable): its version, such as `4.0`; %NULL for the one
 *   already loaded, or else the newest
 * @flags: what scripts may do with the objects they make or get through
 *   it
 * @error: return location for an error: the typelib is not found
 *
 * Lets scripts call the constructors and static functions of a whole
 * namespace, under the global @namespace_: `Gtk.Window.new()`,
 * `Gio.File.new_for_path("/tmp")`, `Gio.content_type_guess("a.txt", nil)`.
 * Objects they return are proxies with @flags, as for
 * g_isle_expose_object_full(); an object a constructor made is the
 * script's own, which may also `destroy()` it. Everything else that is
 * forbidden stays forbidden (see docs/security.md), and every call runs in
 * #GIsle:main-context.
 *
 * Off unless the application asks for it: a console that lets its user
 * build windows may want it, an application running untrusted scripts
 * usually does not. Call it from the thread that owns
 * #GIsle:main-context.
 *
 * Returns: %TRUE if the namespace is exposed
 */
gboolean
g_isle_expose_namespace (GIsle             *self,
                         const char        *namespace_,
                         const char        *version,
                         GIsleExposeFlags   flags,
                         GError           **error)
{
  GisleExposed *exposed;

  g_return_val_if_fail (G_IS_ISLE (self), FALSE);
  g_return_val_if_fail (gisle_host_name_is_valid (namespace_) && strchr (namespace_, '.') == NULL, FALSE);
  g_return_val_if_fail ((flags & ~G_ISLE_EXPOSE_ALL) == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!gisle_bridge_gi_require (namespace_, version, error))
    return FALSE;
  exposed = g_new0 (GisleExposed, 1);
  exposed->namespace_ = g_strdup (namespace_);
  exposed->flags = flags;
  gisle_bridge_expose (self, namespace_, exposed);
  return TRUE;
}

/**
 * g_isle_unexpose_object:
 * @self: a #GIsle
 * @name: a name given to g_isle_expose_object() or
 *   g_isle_expose_object_full(), or a namespace given to
 *   g_isle_expose_namespace()
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
  gisle_exposed_free (old);
  gisle_worker_submit_control (worker, gisle_host_control_uninstall, g_strdup (name));
  return TRUE;
}
