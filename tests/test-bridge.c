/* test-bridge.c: GObjects exposed to scripts (g_isle_expose_object()).
 *
 * A small GObject type, TestThing, has a property of every supported kind
 * plus a read-only, a construct-only and an unsupported one. Its accessors
 * record the thread they run in: every access must happen in the main
 * thread, which owns the isle's main context, while the script runs on the
 * isle's thread. Waits iterate a main context under a deadline; none
 * sleeps.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>
#include "gisle-test-utils.h"

#include <string.h>

#define WAIT_MS 20000

static GThread *main_thread;
static volatile gint accesses;            /* accessor calls, any thread */
static volatile gint wrong_thread;        /* accessor calls off the main thread */

/* ---- The test type ------------------------------------------------------ */

typedef enum { TEST_COLOR_RED, TEST_COLOR_GREEN = 5, TEST_COLOR_BLUE } TestColor;
typedef enum { TEST_STYLE_BOLD = 1, TEST_STYLE_ITALIC = 2, TEST_STYLE_UNDERLINE = 4 } TestStyle;

static GType
test_color_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { TEST_COLOR_RED, "TEST_COLOR_RED", "red" },
    { TEST_COLOR_GREEN, "TEST_COLOR_GREEN", "green" },
    { TEST_COLOR_BLUE, "TEST_COLOR_BLUE", "blue" },
    { 0, NULL, NULL },
  };

  if (type == 0)
    type = g_enum_register_static ("TestColor", values);
  return type;
}

static GType
test_style_get_type (void)
{
  static GType type;
  static const GFlagsValue values[] = {
    { TEST_STYLE_BOLD, "TEST_STYLE_BOLD", "bold" },
    { TEST_STYLE_ITALIC, "TEST_STYLE_ITALIC", "italic" },
    { TEST_STYLE_UNDERLINE, "TEST_STYLE_UNDERLINE", "underline" },
    { 0, NULL, NULL },
  };

  if (type == 0)
    type = g_flags_register_static ("TestStyle", values);
  return type;
}

#define TEST_TYPE_THING (test_thing_get_type ())
G_DECLARE_FINAL_TYPE (TestThing, test_thing, TEST, THING, GObject)

struct _TestThing
{
  GObject parent_instance;
  gboolean flag;
  gint8 i8;
  guint8 u8;
  int small;                 /* -100 ... 100 */
  guint u;
  glong l;
  gulong ul;
  gint64 i64;
  guint64 u64;
  float f;
  double d;
  char *text;
  TestColor color;
  TestStyle style;
  char **strv;
  GBytes *bytes;
  GVariant *variant;
  TestThing *child;
  char *fixed;               /* construct-only */
};

G_DEFINE_FINAL_TYPE (TestThing, test_thing, G_TYPE_OBJECT)

enum {
  PROP_0, PROP_FLAG, PROP_I8, PROP_U8, PROP_SMALL, PROP_U, PROP_L, PROP_UL, PROP_I64,
  PROP_U64, PROP_F, PROP_D, PROP_TEXT, PROP_COLOR, PROP_STYLE, PROP_STRV, PROP_BYTES,
  PROP_VARIANT, PROP_CHILD, PROP_READONLY, PROP_FIXED, PROP_DATE, PROP_SECRET, N_PROPS
};

static guint poked_signal;
static GThread *finalized_in;
static volatile gint finalized;

static void
record_access (void)
{
  g_atomic_int_inc (&accesses);
  if (g_thread_self () != main_thread)
    g_atomic_int_inc (&wrong_thread);
}

static void
test_thing_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  TestThing *self = TEST_THING (object);

  record_access ();
  switch (id)
    {
    case PROP_FLAG: g_value_set_boolean (value, self->flag); break;
    case PROP_I8: g_value_set_schar (value, self->i8); break;
    case PROP_U8: g_value_set_uchar (value, self->u8); break;
    case PROP_SMALL: g_value_set_int (value, self->small); break;
    case PROP_U: g_value_set_uint (value, self->u); break;
    case PROP_L: g_value_set_long (value, self->l); break;
    case PROP_UL: g_value_set_ulong (value, self->ul); break;
    case PROP_I64: g_value_set_int64 (value, self->i64); break;
    case PROP_U64: g_value_set_uint64 (value, self->u64); break;
    case PROP_F: g_value_set_float (value, self->f); break;
    case PROP_D: g_value_set_double (value, self->d); break;
    case PROP_TEXT: g_value_set_string (value, self->text); break;
    case PROP_COLOR: g_value_set_enum (value, self->color); break;
    case PROP_STYLE: g_value_set_flags (value, self->style); break;
    case PROP_STRV: g_value_set_boxed (value, self->strv); break;
    case PROP_BYTES: g_value_set_boxed (value, self->bytes); break;
    case PROP_VARIANT: g_value_set_variant (value, self->variant); break;
    case PROP_CHILD: g_value_set_object (value, self->child); break;
    case PROP_READONLY: g_value_set_int (value, 42); break;
    case PROP_FIXED: g_value_set_string (value, self->fixed); break;
    case PROP_DATE: g_value_take_boxed (value, g_date_time_new_utc (2026, 12, 4, 0, 0, 0)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
test_thing_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  TestThing *self = TEST_THING (object);

  record_access ();
  switch (id)
    {
    case PROP_FLAG: self->flag = g_value_get_boolean (value); break;
    case PROP_I8: self->i8 = g_value_get_schar (value); break;
    case PROP_U8: self->u8 = g_value_get_uchar (value); break;
    case PROP_SMALL: self->small = g_value_get_int (value); break;
    case PROP_U: self->u = g_value_get_uint (value); break;
    case PROP_L: self->l = g_value_get_long (value); break;
    case PROP_UL: self->ul = g_value_get_ulong (value); break;
    case PROP_I64: self->i64 = g_value_get_int64 (value); break;
    case PROP_U64: self->u64 = g_value_get_uint64 (value); break;
    case PROP_F: self->f = g_value_get_float (value); break;
    case PROP_D: self->d = g_value_get_double (value); break;
    case PROP_TEXT: g_free (self->text); self->text = g_value_dup_string (value); break;
    case PROP_COLOR: self->color = g_value_get_enum (value); break;
    case PROP_STYLE: self->style = g_value_get_flags (value); break;
    case PROP_STRV: g_strfreev (self->strv); self->strv = g_value_dup_boxed (value); break;
    case PROP_BYTES: g_clear_pointer (&self->bytes, g_bytes_unref); self->bytes = g_value_dup_boxed (value); break;
    case PROP_VARIANT: g_clear_pointer (&self->variant, g_variant_unref); self->variant = g_value_dup_variant (value); break;
    case PROP_CHILD: g_set_object (&self->child, g_value_get_object (value)); break;
    case PROP_FIXED: g_free (self->fixed); self->fixed = g_value_dup_string (value); break;
    case PROP_SECRET: self->small = g_value_get_int (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
test_thing_finalize (GObject *object)
{
  TestThing *self = TEST_THING (object);

  finalized_in = g_thread_self ();
  g_atomic_int_inc (&finalized);
  g_free (self->text);
  g_strfreev (self->strv);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->variant, g_variant_unref);
  g_clear_object (&self->child);
  g_free (self->fixed);
  G_OBJECT_CLASS (test_thing_parent_class)->finalize (object);
}

static void
test_thing_class_init (TestThingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  GParamSpec *props[N_PROPS] = { NULL, };

  object_class->get_property = test_thing_get_property;
  object_class->set_property = test_thing_set_property;
  object_class->finalize = test_thing_finalize;

  props[PROP_FLAG] = g_param_spec_boolean ("flag", NULL, NULL, FALSE, rw);
  props[PROP_I8] = g_param_spec_char ("i8", NULL, NULL, G_MININT8, G_MAXINT8, 0, rw);
  props[PROP_U8] = g_param_spec_uchar ("u8", NULL, NULL, 0, G_MAXUINT8, 0, rw);
  props[PROP_SMALL] = g_param_spec_int ("small-int", NULL, NULL, -100, 100, 0, rw);
  props[PROP_U] = g_param_spec_uint ("u", NULL, NULL, 0, G_MAXUINT, 0, rw);
  props[PROP_L] = g_param_spec_long ("l", NULL, NULL, G_MINLONG, G_MAXLONG, 0, rw);
  props[PROP_UL] = g_param_spec_ulong ("ul", NULL, NULL, 0, G_MAXULONG, 0, rw);
  props[PROP_I64] = g_param_spec_int64 ("i64", NULL, NULL, G_MININT64, G_MAXINT64, 0, rw);
  props[PROP_U64] = g_param_spec_uint64 ("u64", NULL, NULL, 0, G_MAXUINT64, 0, rw);
  props[PROP_F] = g_param_spec_float ("f", NULL, NULL, -G_MAXFLOAT, G_MAXFLOAT, 0, rw);
  props[PROP_D] = g_param_spec_double ("d", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, rw);
  props[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, rw);
  props[PROP_COLOR] = g_param_spec_enum ("color", NULL, NULL, test_color_get_type (), TEST_COLOR_RED, rw);
  props[PROP_STYLE] = g_param_spec_flags ("style", NULL, NULL, test_style_get_type (), 0, rw);
  props[PROP_STRV] = g_param_spec_boxed ("strv", NULL, NULL, G_TYPE_STRV, rw);
  props[PROP_BYTES] = g_param_spec_boxed ("bytes", NULL, NULL, G_TYPE_BYTES, rw);
  props[PROP_VARIANT] = g_param_spec_variant ("variant", NULL, NULL, G_VARIANT_TYPE_ANY, NULL, rw);
  props[PROP_CHILD] = g_param_spec_object ("child", NULL, NULL, TEST_TYPE_THING, rw);
  props[PROP_READONLY] = g_param_spec_int ("read-only", NULL, NULL, 0, 100, 42,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_FIXED] = g_param_spec_string ("fixed", NULL, NULL, NULL,
                                           rw | G_PARAM_CONSTRUCT_ONLY);
  props[PROP_DATE] = g_param_spec_boxed ("date", NULL, NULL, G_TYPE_DATE_TIME,
                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_SECRET] = g_param_spec_int ("secret", NULL, NULL, 0, 100, 0,
                                         G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  /* poked (int, string, TestThing) -> gboolean: the script cannot answer,
   * so the emitter gets the default FALSE. */
  poked_signal = g_signal_new ("poked", TEST_TYPE_THING, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                               G_TYPE_BOOLEAN, 3, G_TYPE_INT, G_TYPE_STRING, TEST_TYPE_THING);
}

static void
test_thing_init (TestThing *self)
{
}

static TestThing *
thing_new (void)
{
  return g_object_new (TEST_TYPE_THING, "fixed", "made", NULL);
}

/* ---- Helpers ---------------------------------------------------------------- */

typedef struct
{
  gboolean done;
  GVariant *result;
  GError *error;
} Eval;

static void
on_eval_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Eval *e = data;

  e->result = g_isle_eval_finish (G_ISLE (source), result, &e->error);
  e->done = TRUE;
}

/* Runs @code asynchronously, iterating the main context until it ends. */
static GVariant *
run (GIsle *isle, const char *code, GError **error)
{
  Eval e = { 0, };

  g_isle_eval_async (isle, code, NULL, on_eval_done, &e);
  gisle_test_wait_for_flag (&e.done, WAIT_MS, code);
  if (e.error != NULL)
    g_propagate_error (error, e.error);
  return e.result;
}

static void
run_ok (GIsle *isle, const char *code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = run (isle, code, &error);

  g_assert_no_error (error);
}

/* The error message of `return select(2, pcall(function () CODE end))`. */
static char *
script_error (GIsle *isle, const char *code)
{
  g_autofree char *wrapped = g_strdup_printf ("local ok, e = pcall(function () %s end)\n"
                                              "assert(not ok, 'no error')\nreturn e", code);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = run (isle, wrapped, &error);
  char *message;

  g_assert_no_error (error);
  g_variant_get (result, "(s)", &message);
  return message;
}

#define assert_script_error(isle, code, expected)                         \
  G_STMT_START {                                                         \
    g_autofree char *msg_ = script_error ((isle), (code));               \
    if (strstr (msg_, (expected)) == NULL)                               \
      g_error ("%s: expected an error containing “%s”, got “%s”",       \
               (code), (expected), msg_);                                \
  } G_STMT_END

static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static GIsle *
isle_new (void)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle = g_isle_new (NULL, &error);

  g_assert_no_error (error);
  return isle;
}

static void
isle_close (GIsle *isle)
{
  g_autoptr(GError) error = NULL;

  g_isle_close (isle, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (isle);
  drain_main_context ();
}

/* ---- Tests ------------------------------------------------------------------ */

static void
test_bridge_read (void)
{
  GIsle *isle = isle_new ();
  TestThing *thing = thing_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  const char *strv[] = { "a", "b", NULL };
  g_autofree char *printed = NULL;

  g_object_set (thing, "flag", TRUE, "i8", -5, "u8", 250, "small-int", -100, "u", G_MAXUINT,
                "l", (glong) -7, "ul", (gulong) 7, "i64", G_MININT64, "u64", G_MAXUINT64,
                "f", 1.5f, "d", -0.25, "text", "héllo", "color", TEST_COLOR_GREEN,
                "style", TEST_STYLE_BOLD | TEST_STYLE_UNDERLINE, "strv", strv, NULL);
  thing->bytes = g_bytes_new ("a\0b", 3);
  thing->variant = g_variant_ref_sink (g_variant_new ("(si)", "x", 3));
  g_isle_expose_object (isle, "thing", G_OBJECT (thing));
  g_atomic_int_set (&accesses, 0);
  g_atomic_int_set (&wrong_thread, 0);

  result = run (isle,
                "local t = thing\n"
                "return t.flag, t.i8, t.u8, t.small_int, t['small-int'], t.u, t.l, t.ul,\n"
                "       t.i64, t.u64, t.f, t.d, t.text, t.color, t.style, t.strv, t.bytes,\n"
                "       t.variant, t.child, t.read_only, t.fixed", &error);
  g_assert_no_error (error);
  printed = g_variant_print (result, FALSE);
  g_assert_cmpstr (printed, ==,
                   "(true, -5, 250, -100, -100, 4294967295, -7, 7, -9223372036854775808, "
                   "1.8446744073709552e+19, 1.5, -0.25, 'héllo', 'green', 'bold|underline', "
                   "[<'a'>, <'b'>], [0x61, 0x00, 0x62], [<'x'>, <int64 3>], nothing, 42, 'made')");
  g_assert_cmpint (g_atomic_int_get (&accesses), ==, 21);
  g_assert_cmpint (g_atomic_int_get (&wrong_thread), ==, 0);

  /* Unset values read as nil. */
  g_clear_pointer (&thing->bytes, g_bytes_unref);
  g_clear_pointer (&thing->variant, g_variant_unref);
  g_clear_pointer (&thing->strv, g_strfreev);
  g_clear_pointer (&thing->text, g_free);
  run_ok (isle, "assert(thing.bytes == nil and thing.variant == nil and thing.strv == nil\n"
                "       and thing.text == nil)");

  isle_close (isle);
  g_object_unref (thing);
}

static void
test_bridge_write (void)
{
  GIsle *isle = isle_new ();
  TestThing *thing = thing_new ();
  g_autofree char *variant = NULL;

  g_isle_expose_object (isle, "thing", G_OBJECT (thing));
  g_atomic_int_set (&accesses, 0);
  g_atomic_int_set (&wrong_thread, 0);

  run_ok (isle,
          "thing.flag = true; thing.i8 = -128; thing.u8 = 255; thing.small_int = 100\n"
          "thing.u = 4294967295; thing.l = -3; thing.ul = 3.0; thing.i64 = math.mininteger\n"
          "thing['u64'] = math.maxinteger; thing.f = 2; thing.d = 0.125\n"
          "thing.text = 'wörld'; thing.color = 'blue'; thing.style = 'italic|bold'\n"
          "thing.strv = {'x', 'y', 'z'}; thing.bytes = 'q\\0r'; thing.variant = {a = 1}");
  g_assert_cmpint (g_atomic_int_get (&accesses), ==, 17);
  g_assert_cmpint (g_atomic_int_get (&wrong_thread), ==, 0);

  g_assert_true (thing->flag);
  g_assert_cmpint (thing->i8, ==, -128);
  g_assert_cmpuint (thing->u8, ==, 255);
  g_assert_cmpint (thing->small, ==, 100);
  g_assert_cmpuint (thing->u, ==, G_MAXUINT);
  g_assert_cmpint (thing->l, ==, -3);
  g_assert_cmpuint (thing->ul, ==, 3);
  g_assert_cmpint (thing->i64, ==, G_MININT64);
  g_assert_cmpuint (thing->u64, ==, G_MAXINT64);
  g_assert_cmpfloat (thing->f, ==, 2.0f);
  g_assert_cmpfloat (thing->d, ==, 0.125);
  g_assert_cmpstr (thing->text, ==, "wörld");
  g_assert_cmpint (thing->color, ==, TEST_COLOR_BLUE);
  g_assert_cmpint (thing->style, ==, TEST_STYLE_BOLD | TEST_STYLE_ITALIC);
  g_assert_cmpstrv (thing->strv, ((const char *[]) { "x", "y", "z", NULL }));
  g_assert_cmpmem (g_bytes_get_data (thing->bytes, NULL), g_bytes_get_size (thing->bytes), "q\0r", 3);
  variant = g_variant_print (thing->variant, TRUE);
  g_assert_cmpstr (variant, ==, "{'a': <int64 1>}");

  /* Enums and flags also by name and number; flags also as a table; nil
   * clears strings, arrays, bytes and variants. */
  run_ok (isle,
          "thing.color = 'TEST_COLOR_GREEN'; assert(thing.color == 'green')\n"
          "thing.color = 6; assert(thing.color == 'blue')\n"
          "thing.style = {'underline', 'bold'}; assert(thing.style == 'bold|underline')\n"
          "thing.style = 2; assert(thing.style == 'italic')\n"
          "thing.style = ''; assert(thing.style == '')\n"
          "thing.text = nil; thing.strv = nil; thing.bytes = nil; thing.variant = nil\n"
          "assert(thing.text == nil and thing.strv == nil and thing.bytes == nil)\n"
          "thing.strv = {}; assert(#thing.strv == 0)");
  g_assert_null (thing->text);
  g_assert_null (thing->bytes);
  g_assert_null (thing->variant);
  g_assert_nonnull (thing->strv);
  g_assert_cmpint (g_atomic_int_get (&wrong_thread), ==, 0);

  isle_close (isle);
  g_object_unref (thing);
}

static void
test_bridge_objects (void)
{
  GIsle *isle = isle_new ();
  TestThing *thing = thing_new ();
  TestThing *other = thing_new ();
  GObject *plain = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *text = NULL;

  g_isle_expose_object (isle, "thing", G_OBJECT (thing));
  g_isle_expose_object (isle, "app.other", G_OBJECT (other));
  g_isle_expose_object (isle, "plain", plain);

  run_ok (isle,
          "assert(thing.child == nil)\n"
          "thing.child = app.other\n"
          "local c = thing.child\n"
          "assert(c == app.other and c ~= thing and rawequal(c, c))\n"
          "c.text = 'via child'\n"
          "assert(app.other.text == 'via child')\n");
  g_assert_true (thing->child == other);
  g_assert_cmpstr (other->text, ==, "via child");

  result = run (isle, "return tostring(thing), tostring(plain)", &error);
  g_assert_no_error (error);
  g_variant_get (result, "(s&s)", &text, NULL);
  g_assert_true (g_str_has_prefix (text, "TestThing: "));

  assert_script_error (isle, "thing.child = plain",
                       "property “child” of TestThing: expected an object of type TestThing, got a GObject");
  assert_script_error (isle, "thing.child = 5",
                       "property “child” of TestThing: expected an object of type TestThing or nil, got a number");
  assert_script_error (isle, "thing.text = plain", "an object (GObject) cannot be a gchararray");
  run_ok (isle, "thing.child = nil; assert(thing.child == nil)");
  g_assert_null (thing->child);

  /* A script cannot learn the metatable or make proxies of its own. */
  run_ok (isle, "assert(getmetatable(thing) == 'object proxy')");
  g_assert_cmpint (g_atomic_int_get (&wrong_thread), ==, 0);

  isle_close (isle);
  g_object_unref (thing);
  g_object_unref (other);
  g_object_unref (plain);
}

static void
test_bridge_errors (void)
{
  GIsle *isle = isle_new ();
  TestThing *thing = thing_new ();

  g_isle_expose_object (isle, "thing", G_OBJECT (thing));

  assert_script_error (isle, "return thing.nope", "TestThing has no property or method “nope”");
  assert_script_error (isle, "thing.nope = 1", "TestThing has no property “nope”");
  assert_script_error (isle, "thing.read_only = 1", "property “read-only” of TestThing is read-only");
  assert_script_error (isle, "thing.fixed = 'x'",
                       "property “fixed” of TestThing can only be set when the object is made");
  assert_script_error (isle, "return thing.secret", "property “secret” of TestThing is not readable");
  assert_script_error (isle, "return thing.date",
                       "property “date” of TestThing: values of type GDateTime cannot enter the isle");
  assert_script_error (isle, "thing.flag = 1", "property “flag” of TestThing: a number cannot be a gboolean");
  assert_script_error (isle, "thing.small_int = 'x'", "a string cannot be a gint");
  assert_script_error (isle, "thing.small_int = 1.5", "a number cannot be a gint");
  assert_script_error (isle, "thing.i8 = 128", "property “i8” of TestThing: 128 is out of range for gchar");
  assert_script_error (isle, "thing.u = -1", "-1 is out of range for guint");
  assert_script_error (isle, "thing.small_int = 101", "the value is out of the property's range");
  assert_script_error (isle, "thing.color = 'purple'", "property “color” of TestThing: not a value of TestColor");
  assert_script_error (isle, "thing.color = 1", "not a value of TestColor");
  assert_script_error (isle, "thing.style = 'bold|shiny'", "not a combination of TestStyle");
  assert_script_error (isle, "thing.style = 64", "not a combination of TestStyle");
  assert_script_error (isle, "thing.strv = {'a', 2}", "property “strv” of TestThing: item 2: expected a string, got a number");
  assert_script_error (isle, "thing.text = print", "property “text”: value: a function cannot leave the isle");
  assert_script_error (isle, "thing.text = {}", "a table cannot be a gchararray");
  assert_script_error (isle, "thing[1] = 1", "TestThing has no property “1”");
  assert_script_error (isle, "return thing[{}]", "bad argument #2");

  /* Nothing was written, and the isle is fine afterwards. */
  g_assert_false (thing->flag);
  g_assert_cmpint (thing->small, ==, 0);
  g_assert_cmpint (thing->color, ==, TEST_COLOR_RED);
  g_assert_cmpint (thing->style, ==, 0);
  run_ok (isle, "thing.small_int = 1");
  g_assert_cmpint (thing->small, ==, 1);
  run_ok (isle, "thing.secret = 7");
  g_assert_cmpint (thing->small, ==, 7);

  isle_close (isle);
  g_object_unref (thing);
}

/* A blocking g_isle_eval() from the main thread serves the accesses. */
static void
test_bridge_blocking_from_main (void)
{
  GIsle *isle = isle_new ();
  TestThing *thing = thing_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  gint64 value = 0;

  g_isle_expose_object (isle, "thing", G_OBJECT (thing));
  g_atomic_int_set (&wrong_thread, 0);
  result = g_isle_eval (isle, "for i = 1, 100 do thing.i64 = i end return thing.i64", NULL, &error);
  g_assert_no_error (error);
  g_variant_get (result, "(x)", &value);
  g_assert_cmpint (value, ==, 100);
  g_assert_cmpint (thing->i64, ==, 100);
  g_assert_cmpint (g_atomic_int_get (&wrong_thread), ==, 0);

  isle_close (isle);
  g_object_unref (thing);
}

/* Cancel while the script waits for a main context nobody iterates: the
 * job ends at once and the access never happens. */
static volatile gint reached;

#if defined(__SANITIZE_THREAD__)
void __tsan_release (void *addr);
void __tsan_acquire (void *addr);
#endif

/* On the isle's thread: flags, then wakes the main thread's context. */
static GVariant *
signal_reached (GVariant *args, gpointer user_data, GError **error)
{
  g_atomic_int_set (&reached, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_bridge_cancel (void)
{
  GMainContext *owner = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  TestThing *thing = thing_new ();
  GIsle *isle;
  Eval e = { 0, };
  gint64 start;

  g_main_context_push_thread_default (owner);
  isle = isle_new ();
  g_main_context_pop_thread_default (owner);

  g_isle_add_worker_function (isle, "reached", signal_reached, NULL, NULL);
  g_isle_expose_object (isle, "thing", G_OBJECT (thing));
  g_atomic_int_set (&accesses, 0);
  g_atomic_int_set (&reached, FALSE);

  g_isle_eval_async (isle, "reached() return thing.i64", cancellable, on_eval_done, &e);
  gisle_test_wait_flag (&reached, "the script to reach the access");

  start = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  gisle_test_wait_for_flag (&e.done, WAIT_MS, "the cancelled job");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 500 * G_TIME_SPAN_MILLISECOND * gisle_test_slowdown ());
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&e.error);

  /* The abandoned access is dropped when the owner context runs. */
  while (g_main_context_iteration (owner, FALSE))
    ;
  g_assert_cmpint (g_atomic_int_get (&accesses), ==, 0);

  g_isle_close (isle, NULL, NULL);
  g_object_unref (isle);
  while (g_main_context_iteration (owner, FALSE))
    ;
  drain_main_context ();
  /* The isle's thread may drop the last reference to its context after
   * g_isle_close() returned; the library tells ThreadSanitizer about its
   * own unrefs, and this is ours (as in test-storm.c). */
#if defined(__SANITIZE_THREAD__)
  __tsan_release (owner);
  __tsan_acquire (owner);
#endif
  g_main_context_unref (owner);
  g_object_unref (thing);
}

/* Cancelling a script stuck in a loop of property accesses. */
static void
test_bridge_cancel_loop (void)
{
  GIsle *isle = isle_new ();
  TestThing *thing = thing_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Eval e = { 0, };

  g_isle_expose_object (isle, "thing", G_OBJECT (thing));
  g_isle_eval_async (isle, "while true do thing.i64 = thing.i64 + 1; local t = {} end",
                     cancellable, on_eval_done, &e);
  GISLE_TEST_WAIT_UNTIL (thing->i64 > 50, WAIT_MS);
  g_cancellable_cancel (cancellable);
  gisle_test_wait_for_flag (&e.done, WAIT_MS, "the cancelled loop");
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&e.error);
  g_assert_cmpint (g_atomic_int_get (&wrong_thread), ==, 0);

  isle_close (isle);
  g_object_unref (thing);
}

static void
on_finalized (gpointer data, GObject *where_the_object_was)
{
  *(gboolean *) data = TRUE;
}

/* References: the isle's and the proxies' are dropped in the main thread;
 * unexposing removes the name, not the proxies scripts hold. */
static void
test_bridge_lifetime (void)
{
  GIsle *isle = isle_new ();
  TestThing *thing = thing_new ();
  TestThing *child = thing_new ();
  gboolean thing_gone = FALSE, child_gone = FALSE;

  g_object_weak_ref (G_OBJECT (thing), on_finalized, &thing_gone);
  g_object_weak_ref (G_OBJECT (child), on_finalized, &child_gone);
  g_object_set (thing, "child", child, NULL);
  g_object_unref (child);

  g_isle_expose_object (isle, "ui.thing", G_OBJECT (thing));
  run_ok (isle, "saved = ui.thing; saved_child = ui.thing.child; "
                "for i = 1, 100 do local c = ui.thing.child end; collectgarbage()");
  drain_main_context ();
  g_assert_true (g_isle_unexpose_object (isle, "ui.thing"));
  g_assert_false (g_isle_unexpose_object (isle, "ui.thing"));
  run_ok (isle, "assert(ui.thing == nil); saved.i64 = 9");
  g_assert_cmpint (thing->i64, ==, 9);

  /* Only the script holds them now. */
  g_object_set (thing, "child", NULL, NULL);
  g_object_unref (thing);
  drain_main_context ();
  g_assert_false (thing_gone);
  g_assert_false (child_gone);

  run_ok (isle, "saved_child = nil; collectgarbage(); collectgarbage()");
  GISLE_TEST_WAIT_UNTIL (child_gone, WAIT_MS);
  g_assert_true (finalized_in == main_thread);
  g_assert_false (thing_gone);

  /* Closing the isle drops the last proxy, in the main thread. */
  isle_close (isle);
  g_assert_true (thing_gone);
  g_assert_true (finalized_in == main_thread);
}

/* Exposing again replaces the object; names may be dotted. */
static void
test_bridge_replace (void)
{
  GIsle *isle = isle_new ();
  TestThing *a = thing_new ();
  TestThing *b = thing_new ();
  gboolean a_gone = FALSE;

  g_object_weak_ref (G_OBJECT (a), on_finalized, &a_gone);
  g_isle_expose_object (isle, "x.y.z", G_OBJECT (a));
  run_ok (isle, "x.y.z.i64 = 1; x.y.keep = true");
  g_isle_expose_object (isle, "x.y.z", G_OBJECT (b));
  g_object_unref (a);
  run_ok (isle, "x.y.z.i64 = 2; assert(x.y.keep); collectgarbage(); collectgarbage()");
  GISLE_TEST_WAIT_UNTIL (a_gone, WAIT_MS);
  g_assert_cmpint (b->i64, ==, 2);

  isle_close (isle);
  g_object_unref (b);
}

/* Objects exposed before the isle starts are there for its first job; the
 * isle's references go when it is disposed. */
static void
test_bridge_before_start (void)
{
  GIsle *isle = g_object_new (G_TYPE_ISLE, NULL);
  TestThing *thing = thing_new ();
  gboolean gone = FALSE;

  g_object_weak_ref (G_OBJECT (thing), on_finalized, &gone);
  g_isle_expose_object (isle, "thing", G_OBJECT (thing));
  g_object_unref (thing);
  run_ok (isle, "thing.text = 'early'");
  g_assert_cmpstr (thing->text, ==, "early");
  g_object_unref (isle);
  GISLE_TEST_WAIT_UNTIL (gone, WAIT_MS);
  g_assert_true (finalized_in == main_thread);
}

/* The script hammers properties while the main thread changes them too
 * (the ThreadSanitizer stage runs this). */
static gboolean
poke (gpointer data)
{
  TestThing *thing = data;

  g_object_set (thing, "text", "main", "d", 1.0, NULL);
  return G_SOURCE_CONTINUE;
}

static void
test_bridge_hammer (void)
{
  GIsle *isle = isle_new ();
  TestThing *thing = thing_new ();
  Eval e = { 0, };
  guint id;

  g_isle_expose_object (isle, "thing", G_OBJECT (thing));
  id = g_idle_add (poke, thing);
  g_atomic_int_set (&wrong_thread, 0);
  g_isle_eval_async (isle,
                     "for i = 1, 2000 do\n"
                     "  thing.i64 = i; assert(thing.i64 == i)\n"
                     "  thing.text = tostring(i); local t = thing.text\n"
                     "  assert(t == tostring(i) or t == 'main')\n"
                     "  local c = thing.child\n"
                     "end",
                     NULL, on_eval_done, &e);
  gisle_test_wait_for_flag (&e.done, WAIT_MS * 3, "the hammering script");
  g_source_remove (id);
  g_assert_no_error (e.error);
  g_clear_pointer (&e.result, g_variant_unref);
  g_assert_cmpint (g_atomic_int_get (&wrong_thread), ==, 0);

  isle_close (isle);
  g_object_unref (thing);
}

static void
on_output (GIsle *isle, guint64 job_id, GIsleStream stream, const char *text, gpointer data)
{
  if (stream == G_ISLE_STREAM_STDERR)
    g_string_append (data, text);
}

static void
test_bridge_signals (void)
{
  GIsle *isle = isle_new ();
  TestThing *thing = thing_new ();
  TestThing *other = thing_new ();
  g_autoptr(GString) errors = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *printed = NULL;
  gboolean handled = TRUE;

  g_signal_connect (isle, "output", G_CALLBACK (on_output), errors);
  g_isle_expose_object (isle, "thing", G_OBJECT (thing));
  g_object_set (other, "text", "other", NULL);

  run_ok (isle,
          "calls = {}\n"
          "poke_id = thing:connect('poked', function (o, n, s, x)\n"
          "  calls[#calls + 1] = {o == thing, n, s, x and x.text or 'none'}\n"
          "  return true\n"
          "end)\n"
          "assert(math.type(poke_id) == 'integer')\n"
          "notify_id = thing:connect('notify::text', function (o, pspec)\n"
          "  calls[#calls + 1] = {'notify', pspec, o.text}\n"
          "end)");

  g_signal_emit (thing, poked_signal, 0, 7, "seven", other, &handled);
  g_assert_false (handled);   /* the handler runs later: the default answer */
  g_signal_emit (thing, poked_signal, 0, -1, NULL, NULL, &handled);
  g_object_set (thing, "text", "changed", NULL);

  /* Each handler ran as a job of its own, before this one. */
  result = run (isle, "return calls", &error);
  g_assert_no_error (error);
  printed = g_variant_print (result, FALSE);
  g_assert_cmpstr (printed, ==,
                   "([<[<true>, <int64 7>, <'seven'>, <'other'>]>, "
                   "<{int64 1: <true>, 2: <int64 -1>, 4: <'none'>}>, "
                   "<[<'notify'>, <'text'>, <'changed'>]>],)");

  /* Disconnected handlers do not run. */
  run_ok (isle, "thing:disconnect(poke_id); calls = {}");
  g_signal_emit (thing, poked_signal, 0, 1, "x", NULL, &handled);
  run_ok (isle, "assert(#calls == 0, #calls)");
  g_assert_false (g_signal_has_handler_pending (thing, poked_signal, 0, FALSE));

  /* Errors: in the script that connects; in a handler, on stderr. */
  assert_script_error (isle, "thing:connect('nope', print)", "TestThing has no signal “nope”");
  assert_script_error (isle, "thing:connect('poked', 5)", "bad argument #2 to 'connect'");
  assert_script_error (isle, "thing:disconnect(poke_id)", "is connected to this TestThing");
  run_ok (isle, "thing:connect('poked', function () error('boom', 0) end)");
  g_signal_emit (thing, poked_signal, 0, 1, "x", NULL, &handled);
  run_ok (isle, "");
  GISLE_TEST_WAIT_UNTIL (strstr (errors->str, "signal handler for “poked”: boom\n") != NULL, WAIT_MS);

  /* Closing the isle disconnects what its scripts connected. */
  g_assert_true (g_signal_has_handler_pending (thing, poked_signal, 0, FALSE));
  isle_close (isle);
  g_assert_false (g_signal_has_handler_pending (thing, poked_signal, 0, FALSE));
  g_assert_cmpint (g_atomic_int_get (&wrong_thread), ==, 0);
  g_signal_emit (thing, poked_signal, 0, 1, "x", NULL, &handled);
  g_object_unref (thing);
  g_object_unref (other);
}

static void
on_looping (GIsle *isle, const char *name, GVariant *value, gpointer data)
{
  *(gboolean *) data = TRUE;
}

/* A handler that loops is stopped like any job. */
static void
test_bridge_signal_runaway (void)
{
  GIsle *isle = isle_new ();
  TestThing *thing = thing_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  gboolean handled, looping = FALSE;

  g_signal_connect (isle, "event::looping", G_CALLBACK (on_looping), &looping);
  g_isle_expose_object (isle, "thing", G_OBJECT (thing));
  run_ok (isle, "thing:connect('poked', function () isle.emit('looping') while true do local t = {} end end)");
  g_signal_emit (thing, poked_signal, 0, 1, "x", NULL, &handled);
  GISLE_TEST_WAIT_UNTIL (looping, WAIT_MS);
  g_isle_cancel_all (isle);
  result = run (isle, "return 1 + 1", &error);
  g_assert_no_error (error);

  isle_close (isle);
  g_object_unref (thing);
}

/* Without G_ISLE_EXPOSE_REACH, a handler gets the emitter but no other
 * object of the emission, and object-valued properties are an error. */
static void
test_bridge_signals_no_reach (void)
{
  GIsle *isle = isle_new ();
  TestThing *thing = thing_new ();
  TestThing *other = thing_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *printed = NULL;
  gboolean handled;

  g_object_set (thing, "child", other, NULL);
  g_isle_expose_object_full (isle, "thing", G_OBJECT (thing), G_ISLE_EXPOSE_ALL & ~G_ISLE_EXPOSE_REACH);
  run_ok (isle, "seen = {}\n"
                "thing:connect('poked', function (o, n, s, x) seen = {o == thing, n, x == nil} end)");
  g_signal_emit (thing, poked_signal, 0, 7, "seven", other, &handled);
  result = run (isle, "return seen", &error);
  g_assert_no_error (error);
  printed = g_variant_print (result, FALSE);
  g_assert_cmpstr (printed, ==, "([<true>, <int64 7>, <true>],)");
  assert_script_error (isle, "return thing.child", "the object “thing” does not let scripts reach other objects");

  isle_close (isle);
  g_object_unref (thing);
  g_object_unref (other);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/bridge/read", test_bridge_read);
  g_test_add_func ("/bridge/write", test_bridge_write);
  g_test_add_func ("/bridge/objects", test_bridge_objects);
  g_test_add_func ("/bridge/errors", test_bridge_errors);
  g_test_add_func ("/bridge/blocking-from-main", test_bridge_blocking_from_main);
  g_test_add_func ("/bridge/cancel-while-waiting", test_bridge_cancel);
  g_test_add_func ("/bridge/cancel-loop", test_bridge_cancel_loop);
  g_test_add_func ("/bridge/lifetime", test_bridge_lifetime);
  g_test_add_func ("/bridge/replace", test_bridge_replace);
  g_test_add_func ("/bridge/before-start", test_bridge_before_start);
  g_test_add_func ("/bridge/hammer", test_bridge_hammer);
  g_test_add_func ("/bridge/signals", test_bridge_signals);
  g_test_add_func ("/bridge/signal-runaway", test_bridge_signal_runaway);
  g_test_add_func ("/bridge/signals-no-reach", test_bridge_signals_no_reach);

  return g_test_run ();
}
