/* test-error.c: the error domain and the sampling-method names */
#include <lightly/lightly.h>

static void
test_error_quark (void)
{
  g_autoptr(GError) error = g_error_new_literal (LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY, "busy");

  g_assert_true (g_error_matches (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY));
  g_assert_cmpstr (g_quark_to_string (LIGHTLY_ERROR), ==, "lightly-error-quark");
  g_assert_true (G_TYPE_IS_ENUM (lightly_error_get_type ()));
}

static void
test_method_names (void)
{
  LightlySamplingMethod m;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (lightly_sampling_method_to_string (LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING), ==, "ACTIVE_LEARNING");
  g_assert_null (lightly_sampling_method_to_string ((LightlySamplingMethod) 99));
  m = lightly_sampling_method_from_string ("coral", &error);
  g_assert_no_error (error);
  g_assert_cmpint (m, ==, LIGHTLY_SAMPLING_METHOD_CORAL);
  g_assert_cmpint (lightly_sampling_method_from_string ("KMEANS", &error), ==, LIGHTLY_SAMPLING_METHOD_CORESET);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "KMEANS"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error/quark", test_error_quark);
  g_test_add_func ("/sampling-method/names", test_method_names);
  return g_test_run ();
}
