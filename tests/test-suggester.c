/* test-suggester.c: LightlyBatchSuggester's default implementation,
 * LightlySuggestContext, LightlySuggestRequest and LightlyPredictions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <lightly/lightly.h>

/* ---------------------------------------------------------------------------
 * A suggester that only implements the synchronous vfunc, as Python
 * plugins do: it returns the first batch-size unlabeled names of a fixed
 * pool, and can be held in suggest() until released.
 * ------------------------------------------------------------------------- */

#define TEST_TYPE_SYNC_SUGGESTER (test_sync_suggester_get_type ())
G_DECLARE_FINAL_TYPE (TestSyncSuggester, test_sync_suggester, TEST, SYNC_SUGGESTER, GObject)

struct _TestSyncSuggester
{
  GObject parent_instance;
  LightlySuggestContext *context;
  GMutex lock;
  GCond cond;
  gboolean hold;
  gboolean entered;
  GThread *thread;          /* where suggest() ran */
  gboolean fail;
};

enum { SYNC_PROP_0, SYNC_PROP_CONTEXT };

static void test_sync_suggester_iface_init (LightlyBatchSuggesterInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestSyncSuggester, test_sync_suggester, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LIGHTLY_TYPE_BATCH_SUGGESTER, test_sync_suggester_iface_init))

static const char * const test_pool[] = { "a.png", "b.png", "c.png", "d.png", "e.png", NULL };

static char **
test_sync_suggester_suggest (LightlyBatchSuggester  *suggester,
                             LightlySuggestRequest  *request,
                             GCancellable           *cancellable,
                             GError                **error)
{
  TestSyncSuggester *self = TEST_SYNC_SUGGESTER (suggester);
  const char * const *labeled = lightly_suggest_request_get_labeled (request);
  g_autoptr(GStrvBuilder) batch = g_strv_builder_new ();
  guint n = 0;

  g_mutex_lock (&self->lock);
  self->thread = g_thread_self ();
  self->entered = TRUE;
  g_cond_broadcast (&self->cond);
  while (self->hold)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  if (self->fail)
    return NULL;   /* no error set: the default implementation must cope */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  for (guint i = 0; test_pool[i] != NULL && n < lightly_suggest_request_get_batch_size (request); i++)
    if (!g_strv_contains (labeled, test_pool[i]))
      {
        g_strv_builder_add (batch, test_pool[i]);
        n++;
      }
  return g_strv_builder_end (batch);
}

static void
test_sync_suggester_iface_init (LightlyBatchSuggesterInterface *iface)
{
  iface->suggest = test_sync_suggester_suggest;
}

static void
test_sync_suggester_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  g_value_set_object (value, TEST_SYNC_SUGGESTER (object)->context);
}

static void
test_sync_suggester_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TestSyncSuggester *self = TEST_SYNC_SUGGESTER (object);

  g_clear_object (&self->context);
  self->context = g_value_dup_object (value);
}

static void
test_sync_suggester_finalize (GObject *object)
{
  TestSyncSuggester *self = TEST_SYNC_SUGGESTER (object);

  g_clear_object (&self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (test_sync_suggester_parent_class)->finalize (object);
}

static void
test_sync_suggester_class_init (TestSyncSuggesterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_sync_suggester_get_property;
  object_class->set_property = test_sync_suggester_set_property;
  object_class->finalize = test_sync_suggester_finalize;
  g_object_class_override_property (object_class, SYNC_PROP_CONTEXT, "context");
}

static void
test_sync_suggester_init (TestSyncSuggester *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}

static void
sync_release (TestSyncSuggester *self)
{
  g_mutex_lock (&self->lock);
  self->hold = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

typedef struct {
  char **names;
  GError *error;
  gboolean done;
  GThread *callback_thread;
} Result;

static void
result_done (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  Result *r = user_data;

  r->names = lightly_batch_suggester_suggest_finish (LIGHTLY_BATCH_SUGGESTER (source), res, &r->error);
  r->callback_thread = g_thread_self ();
  r->done = TRUE;
}

static void
test_default_async (void)
{
  g_autoptr(LightlySuggestContext) context = lightly_suggest_context_new ("file:///tmp/x", "ds", "org.test");
  g_autoptr(TestSyncSuggester) suggester = g_object_new (TEST_TYPE_SYNC_SUGGESTER, "context", context, NULL);
  const char *labeled[] = { "a.png", "c.png", NULL };
  g_autoptr(LightlySuggestRequest) request = lightly_suggest_request_new (2, labeled, NULL);
  g_autoptr(LightlySuggestContext) got = lightly_batch_suggester_dup_context (LIGHTLY_BATCH_SUGGESTER (suggester));
  Result first = { 0 }, second = { 0 }, third = { 0 };
  const char *expected[] = { "b.png", "d.png", NULL };

  g_assert_true (got == context);

  /* Held in suggest(): a second call is BUSY, and the owner thread stays free. */
  suggester->hold = TRUE;
  lightly_batch_suggester_suggest_async (LIGHTLY_BATCH_SUGGESTER (suggester), request, NULL, result_done, &first);
  lightly_batch_suggester_suggest_async (LIGHTLY_BATCH_SUGGESTER (suggester), request, NULL, result_done, &second);
  while (!second.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (second.error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY);
  g_assert_null (second.names);
  g_assert_false (first.done);

  sync_release (suggester);
  while (!first.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (first.error);
  g_assert_cmpstrv (first.names, expected);
  g_assert_true (suggester->thread != g_thread_self ());
  g_assert_true (first.callback_thread == g_thread_self ());

  /* Free again once the result is in. */
  lightly_batch_suggester_suggest_async (LIGHTLY_BATCH_SUGGESTER (suggester), request, NULL, result_done, &third);
  while (!third.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (third.error);
  g_assert_cmpstrv (third.names, expected);

  g_strfreev (first.names);
  g_strfreev (third.names);
  g_clear_error (&second.error);
}

static void
test_default_blocking_and_errors (void)
{
  g_autoptr(TestSyncSuggester) suggester = g_object_new (TEST_TYPE_SYNC_SUGGESTER, NULL);
  g_autoptr(LightlySuggestRequest) request = lightly_suggest_request_new (10, NULL, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;

  names = lightly_batch_suggester_suggest (LIGHTLY_BATCH_SUGGESTER (suggester), request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (names, test_pool);

  g_cancellable_cancel (cancellable);
  g_clear_pointer (&names, g_strfreev);
  names = lightly_batch_suggester_suggest (LIGHTLY_BATCH_SUGGESTER (suggester), request, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (names);
  g_clear_error (&error);

  /* NULL without an error (a Python exception that is not GLib.Error). */
  suggester->fail = TRUE;
  names = lightly_batch_suggester_suggest (LIGHTLY_BATCH_SUGGESTER (suggester), request, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "TestSyncSuggester"));
  g_assert_null (names);
}

static void
test_context_request (void)
{
  g_autoptr(LightlySuggestContext) context = lightly_suggest_context_new ("", NULL, "org.test.App");
  g_autoptr(LightlySuggestRequest) request = lightly_suggest_request_new (0, NULL, NULL);
  g_autofree char *app_id = NULL;

  /* Empty means "not set", as NULL does. */
  g_assert_null (lightly_suggest_context_get_location (context));
  g_assert_null (lightly_suggest_context_get_dataset_id (context));
  g_assert_cmpstr (lightly_suggest_context_get_app_id (context), ==, "org.test.App");
  g_object_get (context, "app-id", &app_id, NULL);
  g_assert_cmpstr (app_id, ==, "org.test.App");

  g_assert_cmpuint (lightly_suggest_request_get_batch_size (request), ==, 0);
  g_assert_nonnull (lightly_suggest_request_get_labeled (request));
  g_assert_null (lightly_suggest_request_get_labeled (request)[0]);
  g_assert_null (lightly_suggest_request_get_predictions (request));
}

static void
test_predictions (void)
{
  const char *names[] = { "x.png", "y.png", "z.png", NULL };
  const float data[] = { 0.1f, 0.9f, 0.5f, 0.5f, 1.0f, 0.0f };
  const char *order[] = { "z.png", "x.png", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyPredictions) p = lightly_predictions_new (names, data, 6, 3, 2, &error);
  g_autoptr(GBytes) reordered = NULL;
  const float *row;
  const float *values;
  gsize n_cols = 99, size;

  g_assert_no_error (error);
  g_assert_cmpuint (lightly_predictions_get_n_rows (p), ==, 3);
  g_assert_cmpuint (lightly_predictions_get_n_cols (p), ==, 2);
  g_assert_cmpstrv (lightly_predictions_get_names (p), names);
  g_assert_true (lightly_predictions_contains (p, "y.png"));
  g_assert_false (lightly_predictions_contains (p, "w.png"));
  row = lightly_predictions_get_row (p, "y.png", &n_cols);
  g_assert_cmpuint (n_cols, ==, 2);
  g_assert_cmpfloat (row[0], ==, 0.5f);
  g_assert_null (lightly_predictions_get_row (p, "w.png", &n_cols));
  g_assert_cmpuint (n_cols, ==, 0);

  reordered = lightly_predictions_reorder (p, order, &error);
  g_assert_no_error (error);
  values = g_bytes_get_data (reordered, &size);
  g_assert_cmpuint (size, ==, 4 * sizeof (float));
  g_assert_cmpfloat (values[0], ==, 1.0f);
  g_assert_cmpfloat (values[3], ==, 0.9f);

  {
    const char *missing[] = { "x.png", "w.png", NULL };
    g_autoptr(GBytes) none = lightly_predictions_reorder (p, missing, &error);

    g_assert_null (none);
    g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "w.png"));
    g_clear_error (&error);
  }
}

static void
check_bad (LightlyPredictions *p,
           GError             *error,
           const char         *needle)
{
  g_assert_null (p);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, needle));
  g_error_free (error);
}

/* The constructor runs before the error is looked at (argument evaluation
 * order is unspecified, so no g_steal_pointer() in the same call). */
#define CHECK_BAD(call, needle) \
  G_STMT_START { \
    LightlyPredictions *bad_ = (call); \
    check_bad (bad_, error, (needle)); \
    error = NULL; \
  } G_STMT_END

static void
test_predictions_invalid (void)
{
  const char *names[] = { "x.png", "y.png", NULL };
  const char *dup[] = { "x.png", "x.png", NULL };
  const char *empty[] = { "x.png", "", NULL };
  const float ok[] = { 0.25f, 0.75f, 0.5f, 0.5f };
  float bad[4];
  GError *error = NULL;
  g_autoptr(GBytes) short_bytes = g_bytes_new (ok, 3 * sizeof (float));

  CHECK_BAD (lightly_predictions_new (names, ok, 4, 3, 2, &error), "2 file names for 3 rows");
  CHECK_BAD (lightly_predictions_new (names, ok, 3, 2, 2, &error), "Got 3 prediction values");
  CHECK_BAD (lightly_predictions_new (names, ok, 0, 2, 0, &error), "0 columns");
  CHECK_BAD (lightly_predictions_new (dup, ok, 4, 2, 2, &error), "“x.png” appears twice");
  CHECK_BAD (lightly_predictions_new (empty, ok, 4, 2, 2, &error), "File name 1");
  CHECK_BAD (lightly_predictions_new_from_bytes (names, short_bytes, 2, 2, &error), "have 12 bytes");

  memcpy (bad, ok, sizeof bad);
  bad[3] = NAN;
  CHECK_BAD (lightly_predictions_new (names, bad, 4, 2, 2, &error), "“y.png” (row 1, column 1) is NaN");
  bad[3] = INFINITY;
  CHECK_BAD (lightly_predictions_new (names, bad, 4, 2, 2, &error), "infinite");
  bad[2] = 1.5f;
  bad[3] = -0.5f;
  CHECK_BAD (lightly_predictions_new (names, bad, 4, 2, 2, &error), "outside [0, 1]");
  bad[2] = 0.6f;
  bad[3] = 0.6f;
  CHECK_BAD (lightly_predictions_new (names, bad, 4, 2, 2, &error), "sum to");

  /* One column is a binary classifier: no sum rule. */
  {
    const float binary[] = { 0.2f, 0.9f };
    g_autoptr(LightlyPredictions) p = lightly_predictions_new (names, binary, 2, 2, 1, &error);

    g_assert_no_error (error);
    g_assert_nonnull (p);
  }
  /* Empty is fine. */
  {
    g_autoptr(LightlyPredictions) p = lightly_predictions_new (NULL, NULL, 0, 0, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (lightly_predictions_get_n_rows (p), ==, 0);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/suggester/default-async", test_default_async);
  g_test_add_func ("/suggester/default-blocking-and-errors", test_default_blocking_and_errors);
  g_test_add_func ("/suggester/context-request", test_context_request);
  g_test_add_func ("/suggester/predictions", test_predictions);
  g_test_add_func ("/suggester/predictions-invalid", test_predictions_invalid);

  return g_test_run ();
}
