/* test-bridge-methods.c: method calls on exposed objects, through their
 * typelibs (obj:method(...)).
 *
 * GIO objects stand in for the application's: they have a typelib
 * (Gio-2.0) and methods of every kind of argument — GFileInfo's attribute
 * setters and getters cover the scalar types, GListStore objects and
 * arrays of objects, GFile enums, flags, out arguments and GErrors,
 * GSimpleAction GVariants. A handler of GListStore::items-changed records
 * the thread a method runs in: always the main thread, which owns the
 * isle's main context. Waits iterate a main context under a deadline.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include "gisle-test-utils.h"

#include <string.h>

#define WAIT_MS 20000

static GThread *main_thread;

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

/* `return CODE` printed as a GVariant. */
static char *
run_print (GIsle *isle, const char *code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = run (isle, code, &error);

  g_assert_no_error (error);
  return g_variant_print (result, FALSE);
}

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

static void
on_finalized (gpointer data, GObject *where_the_object_was)
{
  *(gboolean *) data = TRUE;
}

/* ---- Tests -------------------------------------------------------------------- */

static void
on_items_changed (GListModel *list, guint position, guint removed, guint added, gpointer data)
{
  if (g_thread_self () != main_thread)
    g_atomic_int_inc ((gint *) data);
}

/* Calls run in the main thread; objects in, objects out, arrays of them. */
static void
test_methods_call (void)
{
  GIsle *isle = isle_new ();
  GListStore *store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  GSimpleAction *a = g_simple_action_new ("a", NULL);
  g_autoptr(GSimpleAction) b = g_simple_action_new ("b", NULL);
  g_autoptr(GSimpleAction) c = g_simple_action_new ("c", NULL);
  g_autofree char *printed = NULL;
  gint wrong_thread = 0;
  gboolean a_gone = FALSE;

  g_signal_connect (store, "items-changed", G_CALLBACK (on_items_changed), &wrong_thread);
  g_object_weak_ref (G_OBJECT (a), on_finalized, &a_gone);
  g_isle_expose_object (isle, "store", G_OBJECT (store));
  g_isle_expose_object (isle, "a", G_OBJECT (a));
  g_isle_expose_object (isle, "b", G_OBJECT (b));
  g_isle_expose_object (isle, "c", G_OBJECT (c));

  run_ok (isle, "store:append(a); store:splice(1, 0, {b, c}); a:set_enabled(false)");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  g_assert_false (g_action_get_enabled (G_ACTION (a)));
  g_assert_cmpint (wrong_thread, ==, 0);

  /* Returned objects are proxies, equal to the exposed ones; interface
   * methods (GListModel, GAction) are found too. */
  printed = run_print (isle,
                       "local x = store:get_item(0)\n"
                       "assert(x == a and rawequal(x, x))\n"
                       "local f = store.get_n_items\n"
                       "return store:get_n_items(), f(store), x:get_name(), x.name, x:get_enabled(),\n"
                       "       store:get_item(2):get_name(), store:get_item(7), tostring(x):match('^%a+')");
  g_assert_cmpstr (printed, ==, "(3, 3, 'a', 'a', false, 'c', nothing, 'GSimpleAction')");

  /* The store and the proxies hold the only references now. */
  g_assert_true (g_isle_unexpose_object (isle, "a"));
  g_object_unref (a);
  run_ok (isle, "kept = store:get_item(0); store:remove(0); a = nil");
  drain_main_context ();
  g_assert_false (a_gone);
  run_ok (isle, "assert(kept:get_name() == 'a'); kept = nil; collectgarbage(); collectgarbage()");
  GISLE_TEST_WAIT_UNTIL (a_gone, WAIT_MS);

  isle_close (isle);
  g_object_unref (store);
}

/* Each value kind into a method: GFileInfo attributes, enums and flags by
 * nick and number, GBytes, GVariant, nullable strings. */
static void
test_methods_values_in (void)
{
  GIsle *isle = isle_new ();
  g_autoptr(GFileInfo) info = g_file_info_new ();
  g_autoptr(GSimpleAction) action = g_simple_action_new_stateful ("s", NULL, g_variant_new_int64 (0));
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GFile) dir = g_file_new_for_path (g_get_tmp_dir ());
  g_autoptr(GApplication) application = g_application_new ("org.gnome.GIsle.Test", G_APPLICATION_DEFAULT_FLAGS);
  const char * const expected_strv[] = { "x", "y", NULL };
  g_autofree char *printed = NULL;

  g_isle_expose_object (isle, "info", G_OBJECT (info));
  g_isle_expose_object (isle, "action", G_OBJECT (action));
  g_isle_expose_object (isle, "menu", G_OBJECT (menu));
  g_isle_expose_object (isle, "out", G_OBJECT (out));
  g_isle_expose_object (isle, "dir", G_OBJECT (dir));
  g_isle_expose_object (isle, "application", G_OBJECT (application));

  run_ok (isle,
          "info:set_attribute_boolean('t::b', true)\n"
          "info:set_attribute_int32('t::i32', -2147483648)\n"
          "info:set_attribute_uint32('t::u32', 4294967295)\n"
          "info:set_attribute_int64('t::i64', math.mininteger)\n"
          "info:set_attribute_uint64('t::u64', 3.0)\n"
          "info:set_attribute_string('t::s', 'héllo')\n"
          "info:set_attribute_byte_string('t::bs', 'abc')\n"
          "info:set_attribute_stringv('t::v', {'x', 'y'})\n"
          "info:set_file_type('directory')\n"
          "info:set_attribute_status('t::b', 2)\n"
          "action:set_state(42)\n"
          "menu:append('Label', nil); menu:append(nil, 'app.quit')\n"
          "assert(out:write_bytes('a\\0b', nil) == 3)\n"
          "assert(dir:query_file_type('nofollow-symlinks', nil) == 'directory')\n"
          "assert(dir:query_file_type(1, nil) == 'directory')\n"
          "application:set_flags('handles-open|non-unique')");
  g_assert_cmpint (g_application_get_flags (application), ==, G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);

  g_assert_true (g_file_info_get_attribute_boolean (info, "t::b"));
  g_assert_cmpint (g_file_info_get_attribute_int32 (info, "t::i32"), ==, G_MININT32);
  g_assert_cmpuint (g_file_info_get_attribute_uint32 (info, "t::u32"), ==, G_MAXUINT32);
  g_assert_cmpint (g_file_info_get_attribute_int64 (info, "t::i64"), ==, G_MININT64);
  g_assert_cmpuint (g_file_info_get_attribute_uint64 (info, "t::u64"), ==, 3);
  g_assert_cmpstr (g_file_info_get_attribute_string (info, "t::s"), ==, "héllo");
  g_assert_cmpstr (g_file_info_get_attribute_byte_string (info, "t::bs"), ==, "abc");
  g_assert_cmpstrv (g_file_info_get_attribute_stringv (info, "t::v"), expected_strv);
  g_assert_cmpint (g_file_info_get_file_type (info), ==, G_FILE_TYPE_DIRECTORY);
  g_assert_cmpint (g_file_info_get_attribute_status (info, "t::b"), ==, G_FILE_ATTRIBUTE_STATUS_ERROR_SETTING);
  {
    g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));

    g_assert_cmpint (g_variant_get_int64 (state), ==, 42);
  }
  g_assert_cmpint (g_menu_model_get_n_items (G_MENU_MODEL (menu)), ==, 2);
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), "a\0b", 3);

  /* And each back out. */
  printed = run_print (isle,
                       "return info:get_attribute_boolean('t::b'), info:get_attribute_int32('t::i32'),\n"
                       "  info:get_attribute_uint32('t::u32'), info:get_attribute_int64('t::i64'),\n"
                       "  info:get_attribute_uint64('t::u64'), info:get_attribute_string('t::s'),\n"
                       "  info:get_attribute_byte_string('t::bs'), info:get_attribute_stringv('t::v'),\n"
                       "  info:get_file_type(), info:get_attribute_status('t::b'),\n"
                       "  action:get_state(), info:get_attribute_string('t::none'), info:has_attribute('t::b'),\n"
                       "  application:get_flags()");
  g_assert_cmpstr (printed, ==,
                   "(true, -2147483648, 4294967295, -9223372036854775808, 3, 'héllo', "
                   "'abc', [<'x'>, <'y'>], 'directory', 'error-setting', "
                   "42, nothing, true, 'handles-open|non-unique')");

  isle_close (isle);
}

/* Out arguments, GBytes and GStrv results, and a GError from a method. */
static void
test_methods_out (void)
{
  GIsle *isle = isle_new ();
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "gisle-bridge-methods-XXXXXX", NULL);
  g_autofree char *file_path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) missing = NULL;
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) action = g_simple_action_new ("go", NULL);
  g_autofree char *printed = NULL;
  int fd;

  fd = g_mkstemp (path);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, "hi\0there", 8), ==, 8);
  close (fd);
  file = g_file_new_for_path (path);
  file_path = g_strconcat (path, ".missing", NULL);
  missing = g_file_new_for_path (file_path);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));

  g_isle_expose_object (isle, "file", G_OBJECT (file));
  g_isle_expose_object (isle, "missing", G_OBJECT (missing));
  g_isle_expose_object (isle, "group", G_OBJECT (group));

  printed = run_print (isle,
                       "local ok, contents, etag = file:load_contents(nil)\n"
                       "local bytes, etag2 = file:load_bytes(nil)\n"
                       "return ok, contents, type(etag), bytes, etag2 == etag, group:list_actions(),\n"
                       "       file:get_basename() == file:get_path():match('[^/]+$'),\n"
                       "       file:get_parent():get_path() == file:get_path():match('^(.*)/')");
  g_assert_cmpstr (printed, ==,
                   "(true, [0x68, 0x69, 0x00, 0x74, 0x68, 0x65, 0x72, 0x65], 'string', "
                   "[0x68, 0x69, 0x00, 0x74, 0x68, 0x65, 0x72, 0x65], true, [<'go'>], true, true)");

  /* A GError becomes a Lua error carrying its message. */
  assert_script_error (isle, "missing:load_contents(nil)", "No such file or directory");
  g_free (printed);
  printed = run_print (isle, "return pcall(missing.load_contents, missing, nil)");
  g_assert_true (strstr (printed, "(false, '") == printed);

  g_unlink (path);
  isle_close (isle);
}

/* Errors a script sees: unknown methods, wrong types and counts, ranges. */
static void
test_methods_errors (void)
{
  GIsle *isle = isle_new ();
  g_autoptr(GFileInfo) info = g_file_info_new ();
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  g_autoptr(GMenu) menu = g_menu_new ();

  g_isle_expose_object (isle, "info", G_OBJECT (info));
  g_isle_expose_object (isle, "store", G_OBJECT (store));
  g_isle_expose_object (isle, "menu", G_OBJECT (menu));

  assert_script_error (isle, "info:no_such_method()", "GFileInfo has no property or method “no_such_method”");
  assert_script_error (isle, "info:set_attribute_int32('a::b', {})",
                       "cannot pass a table as argument 3 (attr_value: gint32) of Gio.FileInfo.set_attribute_int32");
  assert_script_error (isle, "info:set_attribute_int32({}, 1)",
                       "cannot pass a table as argument 2 (attribute: utf8) of Gio.FileInfo.set_attribute_int32");
  assert_script_error (isle, "info:set_attribute_int32('a::b', 2147483648)",
                       "cannot pass 2147483648 as argument 3 (attr_value: gint32) of Gio.FileInfo.set_attribute_int32: out of range");
  assert_script_error (isle, "info:set_attribute_uint32('a::b', -1)", "out of range");
  assert_script_error (isle, "info:set_attribute_int32('a::b', 1.5)", "cannot pass a number as argument 3");
  assert_script_error (isle, "info:set_attribute_int32('a::b')", "cannot pass nil as argument 3");
  assert_script_error (isle, "info:set_attribute_int32('a::b', 1, 2)",
                       "Gio.FileInfo.set_attribute_int32 takes 2 arguments, got 3");
  assert_script_error (isle, "info:set_file_type('no-such-type')",
                       "cannot pass “no-such-type” as argument 2 (type: Gio.FileType)");
  assert_script_error (isle, "info:set_attribute_stringv('a::b', {1, 2})",
                       "cannot pass a number as argument 3 (attr_value: array of utf8) of "
                       "Gio.FileInfo.set_attribute_stringv, item 1");
  assert_script_error (isle, "menu:append_submenu('x', store)",
                       "cannot pass a GListStore as argument 3 (submenu: Gio.MenuModel) of Gio.Menu.append_submenu");
  assert_script_error (isle, "store:append(print)", "append: argument 2: a function cannot leave the isle");
  assert_script_error (isle, "local f = info.set_attribute_int32; f('a::b', 1)",
                       "call the method set_attribute_int32 on an object");
  /* Properties keep their errors; a method is not a property to write. */
  assert_script_error (isle, "info.set_file_type = 1", "GFileInfo has no property “set_file_type”");

  isle_close (isle);
}

/* Entry points never callable, and objects never reachable. */
static void
test_methods_forbidden (void)
{
  GIsle *isle = isle_new ();
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  g_autoptr(GSimpleAction) action = g_simple_action_new ("a", NULL);
  g_autoptr(GMemoryOutputStream) out = G_MEMORY_OUTPUT_STREAM (g_memory_output_stream_new_resizable ());
  g_autoptr(GCredentials) creds = g_credentials_new ();

  g_isle_expose_object (isle, "store", G_OBJECT (store));
  g_isle_expose_object (isle, "action", G_OBJECT (action));
  g_isle_expose_object (isle, "out", G_OBJECT (out));
  g_isle_expose_object (isle, "creds", G_OBJECT (creds));

  assert_script_error (isle, "action:ref()", "GObject.Object.ref cannot be called from a script");
  assert_script_error (isle, "action:unref()", "GObject.Object.unref cannot be called from a script");
  assert_script_error (isle, "action:ref_sink()", "cannot be called from a script");
  assert_script_error (isle, "action:force_floating()", "cannot be called from a script");
  assert_script_error (isle, "action:run_dispose()", "GObject.Object.run_dispose cannot be called from a script");
  assert_script_error (isle, "action:watch_closure(nil)", "cannot be called from a script");
  assert_script_error (isle, "out:steal_data()", "Gio.MemoryOutputStream.steal_data cannot be called from a script: it steals");
  assert_script_error (isle, "out:steal_as_bytes()", "cannot be called from a script: it steals");
  assert_script_error (isle, "out:get_data()", "Gio.MemoryOutputStream.get_data cannot be called from a script");
  assert_script_error (isle, "creds:set_native(1, nil)",
                       "Gio.Credentials.set_native cannot be called from a script: its argument “native” is a raw pointer");
  assert_script_error (isle, "store:sort(nil)",
                       "Gio.ListStore.sort cannot be called from a script: its argument “compare_func” is a callback");
  assert_script_error (isle, "action:new('x', nil)", "it is not a method");
  /* The object still works, and only exposed names exist. */
  run_ok (isle,
          "assert(action:get_name() == 'a')\n"
          "assert(store:get_item(0) == nil)\n"
          "assert(rawget(_G, 'app') == nil and _G.window == nil)\n"
          "assert(getmetatable(action) == 'object proxy')\n"
          "assert(not pcall(setmetatable, action, {}))");

  isle_close (isle);
}

static void
set_true (gpointer data)
{
  *(gboolean *) data = TRUE;
}

/* An object the application disposes while a script holds a proxy: a
 * clear error, never a crash. */
static void
test_methods_gone (void)
{
  GIsle *isle = isle_new ();
  GSimpleAction *win = g_simple_action_new ("w", NULL);
  gboolean gone = FALSE;

  /* Data is destroyed at finalization (weak references go at dispose). */
  g_object_set_data_full (G_OBJECT (win), "test-finalized", &gone, set_true);
  g_isle_expose_object (isle, "win", G_OBJECT (win));
  run_ok (isle, "saved = win; child = win");
  g_object_run_dispose (G_OBJECT (win));

  assert_script_error (isle, "return saved.name", "the object “win” is gone");
  assert_script_error (isle, "saved:get_name()", "the object “win” is gone");
  assert_script_error (isle, "saved.enabled = false", "the object “win” is gone");
  assert_script_error (isle, "saved:connect('activate', print)", "the object “win” is gone");

  g_assert_true (g_isle_unexpose_object (isle, "win"));
  g_object_unref (win);
  g_assert_false (gone);
  run_ok (isle, "saved = nil; child = nil; collectgarbage(); collectgarbage()");
  GISLE_TEST_WAIT_UNTIL (gone, WAIT_MS);
  isle_close (isle);
}

/* What an application allows, for an object and what is reached from it. */
static void
test_methods_flags (void)
{
  GIsle *isle = isle_new ();
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  g_autoptr(GSimpleAction) action = g_simple_action_new ("a", NULL);

  g_list_store_append (store, action);
  g_isle_expose_object_full (isle, "ro", G_OBJECT (action), G_ISLE_EXPOSE_READ);
  g_isle_expose_object_full (isle, "store", G_OBJECT (store),
                             G_ISLE_EXPOSE_READ | G_ISLE_EXPOSE_CALL | G_ISLE_EXPOSE_REACH);
  g_isle_expose_object_full (isle, "closed", G_OBJECT (store), G_ISLE_EXPOSE_READ | G_ISLE_EXPOSE_CALL);

  run_ok (isle, "assert(ro.name == 'a' and ro.enabled == true and store.n_items == 1)");
  assert_script_error (isle, "ro.enabled = false", "the object “ro” does not allow writing its properties");
  assert_script_error (isle, "ro:activate(nil)", "the object “ro” does not allow calling its methods");
  assert_script_error (isle, "local f = ro.activate", "the object “ro” does not allow calling its methods");
  assert_script_error (isle, "ro:connect('activate', print)", "the object “ro” does not allow connecting to its signals");
  /* Reached objects get the flags of the object they were reached from. */
  run_ok (isle, "local item = store:get_item(0); assert(item:get_name() == 'a' and item.name == 'a')");
  assert_script_error (isle, "store:get_item(0).enabled = false",
                       "the object “store:get_item()” does not allow writing its properties");
  g_assert_true (g_action_get_enabled (G_ACTION (action)));
  /* Without REACH, no other object is reachable through it. */
  run_ok (isle, "assert(closed:get_n_items() == 1 and closed.n_items == 1)");
  assert_script_error (isle, "closed:get_item(0)", "the object “closed” does not let scripts reach other objects");

  isle_close (isle);
}

/* A script hammering methods and properties while the main thread changes
 * the same objects (the ThreadSanitizer stage runs this). */
static gboolean
churn (gpointer data)
{
  g_autoptr(GSimpleAction) x = g_simple_action_new ("main", NULL);

  g_list_store_append (data, x);
  return G_SOURCE_CONTINUE;
}

static void
test_methods_hammer (void)
{
  GIsle *isle = isle_new ();
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  g_autoptr(GSimpleAction) a = g_simple_action_new ("a", NULL);
  gint wrong_thread = 0;
  Eval e = { 0, };
  guint id;

  g_signal_connect (store, "items-changed", G_CALLBACK (on_items_changed), &wrong_thread);
  g_isle_expose_object (isle, "store", G_OBJECT (store));
  g_isle_expose_object (isle, "a", G_OBJECT (a));
  id = g_idle_add (churn, store);
  g_isle_eval_async (isle,
                     "for i = 1, 1000 do\n"
                     "  store:append(a)\n"
                     "  local item = store:get_item(store:get_n_items() - 1)\n"
                     "  assert(item:get_name() == 'a' or item.name == 'main')\n"
                     "  a:set_enabled(i % 2 == 0); assert(a.enabled == (i % 2 == 0))\n"
                     "  if store.n_items > 100 then store:remove_all() end\n"
                     "end",
                     NULL, on_eval_done, &e);
  gisle_test_wait_for_flag (&e.done, WAIT_MS * 3, "the hammering script");
  g_source_remove (id);
  g_assert_no_error (e.error);
  g_clear_pointer (&e.result, g_variant_unref);
  g_assert_cmpint (wrong_thread, ==, 0);

  isle_close (isle);
}

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

/* Stop while a method call waits on a main context that does not run
 * returns at once; the abandoned call never runs. */
static void
test_methods_cancel (void)
{
  GMainContext *owner = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  g_autoptr(GSimpleAction) a = g_simple_action_new ("a", NULL);
  GIsle *isle;
  Eval e = { 0, };
  gint64 start;

  g_main_context_push_thread_default (owner);
  isle = isle_new ();
  g_main_context_pop_thread_default (owner);
  g_isle_add_worker_function (isle, "reached", signal_reached, NULL, NULL);
  g_isle_expose_object (isle, "store", G_OBJECT (store));
  g_isle_expose_object (isle, "a", G_OBJECT (a));

  g_isle_eval_async (isle, "reached() store:append(a)", cancellable, on_eval_done, &e);
  gisle_test_wait_flag (&reached, "the script to reach the call");
  start = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  gisle_test_wait_for_flag (&e.done, WAIT_MS, "the cancelled job");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 500 * G_TIME_SPAN_MILLISECOND * gisle_test_slowdown ());
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&e.error);

  while (g_main_context_iteration (owner, FALSE))
    ;
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  g_isle_close (isle, NULL, NULL);
  g_object_unref (isle);
  while (g_main_context_iteration (owner, FALSE))
    ;
  drain_main_context ();
#if defined(__SANITIZE_THREAD__)
  __tsan_release (owner);
  __tsan_acquire (owner);
#endif
  g_main_context_unref (owner);
}

/* Lists both ways: GList of objects out (transfer none), GList of objects
 * in, an interface-typed return value. */
static void
test_methods_lists (void)
{
  GIsle *isle = isle_new ();
  g_autoptr(GIcon) themed = g_themed_icon_new ("folder");
  g_autoptr(GIcon) badge = g_themed_icon_new ("emblem-default");
  g_autoptr(GEmblem) emblem = g_emblem_new (badge);
  g_autoptr(GEmblem) emblem2 = g_emblem_new (themed);
  g_autoptr(GIcon) icon = g_emblemed_icon_new (themed, NULL);
  g_autoptr(GAppLaunchContext) context = g_app_launch_context_new ();
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/a");
  g_autoptr(GAppInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *printed = NULL;

  info = g_app_info_create_from_commandline ("true", "gisle-test", G_APP_INFO_CREATE_NONE, &error);
  g_assert_no_error (error);
  g_isle_expose_object (isle, "icon", G_OBJECT (icon));
  g_isle_expose_object (isle, "emblem", G_OBJECT (emblem));
  g_isle_expose_object (isle, "emblem2", G_OBJECT (emblem2));
  g_isle_expose_object (isle, "context", G_OBJECT (context));
  g_isle_expose_object (isle, "file", G_OBJECT (file));
  g_isle_expose_object (isle, "info", G_OBJECT (info));

  printed = run_print (isle,
                       "icon:add_emblem(emblem); icon:add_emblem(emblem2)\n"
                       "local list = icon:get_emblems()\n"
                       "local names = {}\n"
                       "for i, e in ipairs(list) do names[i] = e:get_icon():to_string() end\n"
                       "table.sort(names)\n"
                       "return #list, names, list[1] == emblem or list[1] == emblem2,\n"
                       "       context:get_startup_notify_id(info, {file, file}), context:get_display(info, {})");
  g_assert_cmpstr (printed, ==, "(2, [<'emblem-default'>, <'folder'>], true, nothing, nothing)");
  g_assert_cmpuint (g_list_length (g_emblemed_icon_get_emblems (G_EMBLEMED_ICON (icon))), ==, 2);

  isle_close (isle);
}

/* A whole namespace, exposed on request: constructors, static functions
 * and the namespace's own functions; off by default. */
static void
test_methods_namespace (void)
{
  GIsle *isle = isle_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *printed = NULL;

  run_ok (isle, "assert(Gio == nil and GObject == nil)");
  g_assert_false (g_isle_expose_namespace (isle, "NoSuchNamespace", NULL, G_ISLE_EXPOSE_ALL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (g_isle_expose_namespace (isle, "Gio", "2.0", G_ISLE_EXPOSE_READ | G_ISLE_EXPOSE_CALL, &error));
  g_assert_no_error (error);

  printed = run_print (isle,
                       "local a = Gio.SimpleAction.new('made', nil)\n"
                       "local f = Gio.File.new_for_path('/tmp')\n"
                       "return a:get_name(), a.enabled, f:get_basename(),\n"
                       "       Gio.content_type_is_a('text/plain', 'text/plain'),\n"
                       "       Gio.SimpleAction.new == Gio.SimpleAction.new, getmetatable(Gio)");
  g_assert_cmpstr (printed, ==, "('made', true, 'tmp', true, true, 'namespace')");
  assert_script_error (isle, "Gio.SimpleAction.set_enabled(true)",
                       "Gio.SimpleAction.set_enabled cannot be called from a script: it is a method");
  assert_script_error (isle, "Gio.Nope.new()", "Gio.Nope.new is not a function of Gio");
  assert_script_error (isle, "Gio.nope()", "Gio.nope is not a function of Gio");
  assert_script_error (isle, "Gio.SimpleAction.new('x', nil).enabled = false",
                       "the object “Gio.SimpleAction.new()” does not allow writing its properties");
  assert_script_error (isle, "Gio.ListStore.new('GSimpleAction'):sort(nil)", "is a callback");
  g_assert_true (g_isle_unexpose_object (isle, "Gio"));
  run_ok (isle, "assert(Gio == nil)");

  isle_close (isle);
}

/* The same on an isle that runs on an executor's shared threads. */
static void
test_methods_executor (void)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  GIsle *isle = g_object_new (G_TYPE_ISLE, "executor", executor, NULL);
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  g_autoptr(GSimpleAction) a = g_simple_action_new ("a", NULL);
  gint wrong_thread = 0;
  g_autofree char *printed = NULL;

  g_signal_connect (store, "items-changed", G_CALLBACK (on_items_changed), &wrong_thread);
  g_isle_expose_object (isle, "store", G_OBJECT (store));
  g_isle_expose_object (isle, "a", G_OBJECT (a));
  printed = run_print (isle, "store:append(a); a.enabled = false\n"
                             "return store:get_n_items(), store:get_item(0):get_name(), a:get_enabled()");
  g_assert_cmpstr (printed, ==, "(1, 'a', false)");
  g_assert_cmpint (wrong_thread, ==, 0);

  isle_close (isle);
}

/* A time limit counts the wait for the main context: a call waiting on a
 * context nobody iterates ends when the job's time is up. */
static void
test_methods_deadline (void)
{
  GMainContext *owner = g_main_context_new ();
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  g_autoptr(GSimpleAction) a = g_simple_action_new ("a", NULL);
  GIsle *isle;
  Eval e = { 0, };

  g_main_context_push_thread_default (owner);
  isle = isle_new ();
  g_main_context_pop_thread_default (owner);
  g_object_set (isle, "default-timeout", 200, NULL);
  g_isle_expose_object (isle, "store", G_OBJECT (store));
  g_isle_expose_object (isle, "a", G_OBJECT (a));

  g_isle_eval_async (isle, "store:append(a)", NULL, on_eval_done, &e);
  gisle_test_wait_for_flag (&e.done, WAIT_MS, "the job's time limit");
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&e.error);

  while (g_main_context_iteration (owner, FALSE))
    ;
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  g_isle_close (isle, NULL, NULL);
  g_object_unref (isle);
  while (g_main_context_iteration (owner, FALSE))
    ;
  drain_main_context ();
#if defined(__SANITIZE_THREAD__)
  __tsan_release (owner);
  __tsan_acquire (owner);
#endif
  g_main_context_unref (owner);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/bridge-methods/call", test_methods_call);
  g_test_add_func ("/bridge-methods/values-in", test_methods_values_in);
  g_test_add_func ("/bridge-methods/out", test_methods_out);
  g_test_add_func ("/bridge-methods/errors", test_methods_errors);
  g_test_add_func ("/bridge-methods/forbidden", test_methods_forbidden);
  g_test_add_func ("/bridge-methods/gone", test_methods_gone);
  g_test_add_func ("/bridge-methods/flags", test_methods_flags);
  g_test_add_func ("/bridge-methods/lists", test_methods_lists);
  g_test_add_func ("/bridge-methods/namespace", test_methods_namespace);
  g_test_add_func ("/bridge-methods/executor", test_methods_executor);
  g_test_add_func ("/bridge-methods/deadline", test_methods_deadline);
  g_test_add_func ("/bridge-methods/hammer", test_methods_hammer);
  g_test_add_func ("/bridge-methods/cancel-while-waiting", test_methods_cancel);

  return g_test_run ();
}
