/* test-console-format.c: how the console shows values and finds error
 * lines. Needs no display.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle-gtk.h>

static void
check_value (const char *gvariant_text,
             const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_variant_parse (NULL, gvariant_text, NULL, NULL, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  text = gisle_gtk_format_value (value);
  g_assert_cmpstr (text, ==, expected);
}

static void
test_scalars (void)
{
  check_value ("@mv nothing", "nil");
  check_value ("true", "true");
  check_value ("int64 -7", "-7");
  check_value ("2.0", "2.0");
  check_value ("0.1", "0.1");
  check_value ("'tab\\there \"q\"\\n'", "\"tab\\there \\\"q\\\"\\n\"");
  check_value ("@ay [0x62, 0x0a, 0xff]", "\"b\\n\\255\"");
}

static void
test_tables (void)
{
  g_autoptr(GString) wide = g_string_new ("[");
  g_autofree char *text = NULL;
  g_autoptr(GVariant) value = NULL;

  check_value ("@av []", "{}");
  check_value ("[<int64 1>, <'two'>, <3.5>]", "{ 1, \"two\", 3.5 }");
  check_value ("{'a': <int64 1>, 'end': <true>, 'x y': <@mv nothing>}",
               "{ a = 1, [\"end\"] = true, [\"x y\"] = nil }");
  check_value ("{int64 10: <'ten'>}", "{ [10] = \"ten\" }");
  /* The REPL's rules too (one implementation): leading keys 1, 2... are
   * left out as in a list, numbers sort before booleans and strings. */
  check_value ("{int64 3: <'c'>, int64 1: <'a'>}", "{ \"a\", [3] = \"c\" }");
  check_value ("[(<'s'>, <int64 1>), (<false>, <int64 2>), (<2.5>, <int64 3>)]",
               "{ [2.5] = 3, [false] = 2, s = 1 }");
  check_value ("[(<true>, <int64 1>)]", "{ [true] = 1 }");
  check_value ("{'outer': <{'inner': <[<int64 1>]>}>}", "{ outer = { inner = { 1 } } }");

  /* Long tables go one item per line, indented. */
  for (int i = 0; i < 30; i++)
    g_string_append_printf (wide, "%s<'item%02d'>", i > 0 ? ", " : "", i);
  g_string_append (wide, "]");
  value = g_variant_parse (NULL, wide->str, NULL, NULL, NULL);
  text = gisle_gtk_format_value (value);
  g_assert_true (g_str_has_prefix (text, "{\n  \"item00\",\n  \"item01\",\n"));
  g_assert_true (g_str_has_suffix (text, "\n  \"item29\"\n}"));
}

static void
test_results (void)
{
  g_autoptr(GVariant) none = g_variant_new_tuple (NULL, 0);
  g_autoptr(GVariant) two = g_variant_parse (NULL, "(int64 1, 'a')", NULL, NULL, NULL);
  g_autofree char *text = gisle_gtk_format_results (two);

  g_assert_null (gisle_gtk_format_results (none));
  g_assert_cmpstr (text, ==, "1\t\"a\"");
}

static void
test_error_line (void)
{
  g_assert_cmpint (gisle_gtk_find_error_line ("untitled.lua:12: boom", "untitled.lua"), ==, 12);
  g_assert_cmpint (gisle_gtk_find_error_line ("[string \"x.lua\"]:3: boom", "x.lua"), ==, 3);
  g_assert_cmpint (gisle_gtk_find_error_line ("=x.lua", "=x.lua"), ==, -1);
  /* The traceback names the chunk when the error is raised elsewhere. */
  g_assert_cmpint (gisle_gtk_find_error_line ("other.lua:1: bad\nstack traceback:\n"
                                                  "\t[C]: in function 'error'\n"
                                                  "\tx.lua:7: in main chunk", "x.lua"), ==, 7);
  /* Whole names only. */
  g_assert_cmpint (gisle_gtk_find_error_line ("box.lua:4: no", "x.lua"), ==, -1);
  g_assert_cmpint (gisle_gtk_find_error_line ("no position", "x.lua"), ==, -1);
}

static void
test_duration (void)
{
  g_autofree char *short_one = gisle_gtk_format_duration (1250 * 1000);
  g_autofree char *long_one = gisle_gtk_format_duration (125 * G_USEC_PER_SEC);

  g_assert_cmpstr (short_one, ==, "1.25 s");
  g_assert_cmpstr (long_one, ==, "2 min 05 s");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/console-format/scalars", test_scalars);
  g_test_add_func ("/console-format/tables", test_tables);
  g_test_add_func ("/console-format/results", test_results);
  g_test_add_func ("/console-format/error-line", test_error_line);
  g_test_add_func ("/console-format/duration", test_duration);

  return g_test_run ();
}
