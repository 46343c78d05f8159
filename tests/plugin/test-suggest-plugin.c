/* test-suggest-plugin.c: the suggester plugins from a C host (libpeas 1.x)
 *
 * A host as an annotation app would be one: a PeasEngine with the build
 * dir's plugins, an extension set of LightlyBatchSuggester with a context,
 * and the X-Lightly-ABI check. Stores come from suggest-fixture (a small
 * Fashion-MNIST pool), one per test. The host links liblightly-1.0.so, as
 * the plugin does, so it uses only the public API.
 *
 *   /suggest/c/…       the C plugin (run with leak checking under ASan)
 *   /suggest/python/…  the Python plugin through the interface's default
 *                      suggest_async (run without: libpython leaks at exit)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <libpeas/peas.h>

#include <lightly/lightly.h>
#include "test-utils.h"

#define N_POOL 300
#define N_CLASSES 10

typedef struct {
  char *dir;
  char *uri;
  char *dataset_id;
} Store;

static void
store_init (Store *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *fixture = g_getenv ("LIGHTLY_SUGGEST_FIXTURE");
  char *argv[] = { (char *) fixture, NULL, NULL };
  int status;

  g_assert_nonnull (fixture);
  store->dir = test_make_tmp_dir ("test-suggest");
  argv[1] = store->dir;
  g_assert_true (g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("suggest-fixture failed: %s", err);
  store->dataset_id = g_strstrip (g_steal_pointer (&out));
  store->uri = g_filename_to_uri (store->dir, NULL, &error);
  g_assert_no_error (error);
}

static void
store_clear (Store *store)
{
  test_rm_rf (store->dir);
  g_free (store->dir);
  g_free (store->uri);
  g_free (store->dataset_id);
}

static LightlyApiWorkflowClient *
store_client (Store *store)
{
  g_autoptr(GError) error = NULL;
  LightlyApiWorkflowClient *client = lightly_api_workflow_client_new (store->uri, NULL, store->dataset_id, &error);

  g_assert_no_error (error);
  return client;
}

static char **
store_file_names (Store *store)
{
  g_autoptr(LightlyApiWorkflowClient) client = store_client (store);
  g_autoptr(GError) error = NULL;
  char **names = lightly_api_workflow_client_get_file_names (client, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), ==, N_POOL);
  return names;
}

static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* "name=bitmask" of every tag, sorted: equal strings mean equal tags. */
static char *
store_tags (Store *store)
{
  g_autoptr(LightlyApiWorkflowClient) client = store_client (store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tags = lightly_api_workflow_client_get_tags (client, NULL, &error);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  for (guint i = 0; i < tags->len; i++)
    {
      LightlyTag *tag = g_ptr_array_index (tags, i);

      g_ptr_array_add (lines, g_strdup_printf ("%s=%s by %s", lightly_tag_get_name (tag),
                                               lightly_tag_get_bit_mask_data (tag),
                                               lightly_tag_get_creator (tag)));
    }
  g_ptr_array_sort (lines, compare_lines);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

static char *
store_tag_mask (Store      *store,
                const char *name)
{
  g_autoptr(LightlyApiWorkflowClient) client = store_client (store);
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyTag) tag = lightly_api_workflow_client_get_tag_by_name (client, name, NULL, &error);

  if (tag == NULL)
    return NULL;
  return g_strdup (lightly_tag_get_bit_mask_data (tag));
}

static char *
mask_of_names (Store              *store,
               const char * const *names)
{
  g_auto(GStrv) all = store_file_names (store);
  g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new ();

  for (guint i = 0; all[i] != NULL; i++)
    if (g_strv_contains (names, all[i]))
      lightly_bit_mask_set_bit (mask, i);
  return lightly_bit_mask_to_hex (mask);
}

/* ---------------------------------------------------------------------------
 * The host
 * ------------------------------------------------------------------------- */

typedef struct {
  PeasEngine *engine;
  PeasExtensionSet *set;
  LightlyBatchSuggester *suggester;
} Host;

static gboolean
host_check_abi (PeasPluginInfo *info)
{
  return g_strcmp0 (peas_plugin_info_get_external_data (info, "Lightly-ABI"), LIGHTLY_BATCH_SUGGESTER_ABI) == 0;
}

/* A fresh engine each time, as after an app restart. */
static void
host_open (Host       *host,
           Store      *store,
           const char *module)
{
  g_autoptr(LightlySuggestContext) context = lightly_suggest_context_new (store->uri, store->dataset_id,
                                                                          "org.lightly.TestHost");
  PeasPluginInfo *info;
  PeasExtension *extension;

  host->engine = peas_engine_new ();
  if (g_strcmp0 (module, "lightly_suggest_py") == 0)
    peas_engine_enable_loader (host->engine, "python3");
  peas_engine_add_search_path (host->engine, g_getenv ("LIGHTLY_PLUGIN_DIR"), NULL);
  info = peas_engine_get_plugin_info (host->engine, module);
  g_assert_nonnull (info);
  g_assert_true (host_check_abi (info));
  g_assert_true (peas_engine_load_plugin (host->engine, info));
  g_assert_true (peas_engine_provides_extension (host->engine, info, LIGHTLY_TYPE_BATCH_SUGGESTER));

  host->set = peas_extension_set_new (host->engine, LIGHTLY_TYPE_BATCH_SUGGESTER, "context", context, NULL);
  extension = peas_extension_set_get_extension (host->set, info);
  g_assert_nonnull (extension);
  g_assert_true (LIGHTLY_IS_BATCH_SUGGESTER (extension));
  host->suggester = g_object_ref (LIGHTLY_BATCH_SUGGESTER (extension));
}

static void
host_close (Host *host)
{
  g_clear_object (&host->suggester);
  g_clear_object (&host->set);
  g_clear_object (&host->engine);
}

static char **
host_suggest (Host                *host,
              guint                batch_size,
              const char * const  *labeled,
              LightlyPredictions  *predictions,
              GError             **error)
{
  g_autoptr(LightlySuggestRequest) request = lightly_suggest_request_new (batch_size, labeled, predictions);

  return lightly_batch_suggester_suggest (host->suggester, request, NULL, error);
}

/* Every name is in the pool, none twice, none labeled. */
static void
assert_batch (char               **batch,
              guint                expected,
              const char * const  *pool,
              const char * const  *labeled)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_nonnull (batch);
  g_assert_cmpuint (g_strv_length (batch), ==, expected);
  for (guint i = 0; batch[i] != NULL; i++)
    {
      g_assert_true (g_strv_contains (pool, batch[i]));
      g_assert_false (labeled != NULL && g_strv_contains (labeled, batch[i]));
      g_assert_true (g_hash_table_add (seen, batch[i]));
    }
}

static void
strv_append (GStrv              *strv,
             const char * const *more,
             guint               n)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (*strv != NULL)
    g_strv_builder_addv (builder, (const char **) *strv);
  for (guint i = 0; i < n && more[i] != NULL; i++)
    g_strv_builder_add (builder, more[i]);
  g_strfreev (*strv);
  *strv = g_strv_builder_end (builder);
}

/* Class probabilities for every file of the pool: softmax of seeded random
 * logits, in pool order or shuffled. */
static LightlyPredictions *
make_predictions (const char * const *pool,
                  gboolean            shuffled)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GError) error = NULL;
  guint n = g_strv_length ((char **) pool);
  g_autofree float *values = g_new (float, (gsize) n * N_CLASSES);
  g_autofree float *out = g_new (float, (gsize) n * N_CLASSES);
  g_autofree guint *order = g_new (guint, n);
  g_autofree const char **names = g_new0 (const char *, n + 1);

  for (guint i = 0; i < n; i++)
    {
      double sum = 0.0;

      for (guint c = 0; c < N_CLASSES; c++)
        sum += values[i * N_CLASSES + c] = (float) exp (g_rand_double_range (rand, -3.0, 3.0));
      for (guint c = 0; c < N_CLASSES; c++)
        values[i * N_CLASSES + c] = (float) (values[i * N_CLASSES + c] / sum);
      order[i] = i;
    }
  if (shuffled)
    {
      g_autoptr(GRand) shuffle = g_rand_new_with_seed (11);

      for (guint i = n - 1; i > 0; i--)
        {
          guint j = (guint) g_rand_int_range (shuffle, 0, (gint32) i + 1);
          guint t = order[i];

          order[i] = order[j];
          order[j] = t;
        }
    }
  for (guint i = 0; i < n; i++)
    {
      names[i] = pool[order[i]];
      memcpy (out + (gsize) i * N_CLASSES, values + (gsize) order[i] * N_CLASSES, N_CLASSES * sizeof (float));
    }
  {
    LightlyPredictions *p = lightly_predictions_new (names, out, (gsize) n * N_CLASSES, n, N_CLASSES, &error);

    g_assert_no_error (error);
    return p;
  }
}

/* ---------------------------------------------------------------------------
 * The C plugin
 * ------------------------------------------------------------------------- */

/* The thread the last progress signal ran in. */
static GThread *progress_thread;

static void
on_progress (LightlyBatchSuggester *suggester, double fraction, gpointer user_data)
{
  progress_thread = g_thread_self ();
  g_array_append_val ((GArray *) user_data, fraction);
}

static void
test_c_three_rounds (void)
{
  Store store;
  g_auto(GStrv) pool = NULL;
  g_auto(GStrv) labeled = NULL;
  const guint batch_size = 20;

  store_init (&store);
  pool = store_file_names (&store);
  labeled = g_new0 (char *, 1);

  for (guint round = 1; round <= 3; round++)
    {
      Host host = { 0 };
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) batch = NULL;
      g_autofree char *round_name = g_strdup_printf ("lightly-suggest-round-%u", round);
      g_autofree char *round_mask = NULL;
      g_autofree char *expected_mask = NULL;

      g_autoptr(GArray) progress = g_array_new (FALSE, FALSE, sizeof (double));

      host_open (&host, &store, "lightly-suggest");
      g_signal_connect (host.suggester, "progress", G_CALLBACK (on_progress), progress);
      batch = host_suggest (&host, batch_size, (const char * const *) labeled, NULL, &error);
      g_assert_no_error (error);
      assert_batch (batch, batch_size, (const char * const *) pool, (const char * const *) labeled);
      host_close (&host);
      /* The plugin reports the agent's progress as one rising fraction. */
      g_assert_cmpuint (progress->len, >, 0);
      for (guint i = 0; i < progress->len; i++)
        {
          double f = g_array_index (progress, double, i);

          g_assert_cmpfloat (f, >=, i > 0 ? g_array_index (progress, double, i - 1) : 0.0);
          g_assert_cmpfloat (f, <=, 1.0);
        }

      /* The user labels the whole batch; the round tag is labeled ∪ batch. */
      strv_append (&labeled, (const char * const *) batch, batch_size);
      round_mask = store_tag_mask (&store, round_name);
      expected_mask = mask_of_names (&store, (const char * const *) labeled);
      g_assert_cmpstr (round_mask, ==, expected_mask);
    }
  g_assert_cmpuint (g_strv_length (labeled), ==, 3 * batch_size);

  /* Every batch was labeled in full, so no labeled-set record was needed. */
  {
    g_autofree char *tags = store_tags (&store);

    g_assert_null (strstr (tags, "lightly-suggest-labeled-"));
  }
  store_clear (&store);
}

static void
test_c_half_labeled (void)
{
  Store store;
  Host host = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pool = NULL;
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) second = NULL;
  g_auto(GStrv) third = NULL;
  g_auto(GStrv) labeled = NULL;
  g_autofree char *record = NULL;
  g_autofree char *expected = NULL;
  const guint batch_size = 16;

  store_init (&store);
  pool = store_file_names (&store);

  host_open (&host, &store, "lightly-suggest");
  first = host_suggest (&host, batch_size, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_batch (first, batch_size, (const char * const *) pool, NULL);

  /* The user labels half the batch, plus one file never suggested. */
  strv_append (&labeled, (const char * const *) first, batch_size / 2);
  for (guint i = 0; pool[i] != NULL; i++)
    if (!g_strv_contains ((const char * const *) first, pool[i]))
      {
        const char *extra[] = { pool[i], NULL };

        strv_append (&labeled, extra, 1);
        break;
      }

  second = host_suggest (&host, batch_size, (const char * const *) labeled, NULL, &error);
  g_assert_no_error (error);
  assert_batch (second, batch_size, (const char * const *) pool, (const char * const *) labeled);

  /* The store's labeled set (round 1's tag) differed from `labeled`, so a
   * tag equal to `labeled` was recorded before round 2. */
  record = store_tag_mask (&store, "lightly-suggest-labeled-2");
  expected = mask_of_names (&store, (const char * const *) labeled);
  g_assert_cmpstr (record, ==, expected);
  host_close (&host);

  /* Again half, with a new engine: still disjoint. */
  strv_append (&labeled, (const char * const *) second, batch_size / 2);
  host_open (&host, &store, "lightly-suggest");
  third = host_suggest (&host, batch_size, (const char * const *) labeled, NULL, &error);
  g_assert_no_error (error);
  assert_batch (third, batch_size, (const char * const *) pool, (const char * const *) labeled);
  g_free (record);
  record = store_tag_mask (&store, "lightly-suggest-round-3");
  g_assert_nonnull (record);
  host_close (&host);

  store_clear (&store);
}

static void
test_c_last_batch (void)
{
  Store store;
  Host host = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pool = NULL;
  g_auto(GStrv) batch = NULL;
  g_auto(GStrv) empty = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  store_init (&store);
  pool = store_file_names (&store);
  host_open (&host, &store, "lightly-suggest");

  /* All but 5 labeled: the batch is the 5 left, whatever the batch size. */
  batch = host_suggest (&host, 50, (const char * const *) pool + 5, NULL, &error);
  g_assert_no_error (error);
  assert_batch (batch, 5, (const char * const *) pool, (const char * const *) pool + 5);

  /* Everything labeled: an empty batch, and nothing is written. */
  before = store_tags (&store);
  empty = host_suggest (&host, 50, (const char * const *) pool, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (empty);
  g_assert_cmpuint (g_strv_length (empty), ==, 0);
  after = store_tags (&store);
  g_assert_cmpstr (before, ==, after);

  host_close (&host);
  store_clear (&store);
}

static void
test_c_bad_input (void)
{
  Store store;
  Host host = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) batch = NULL;
  const char *unknown[] = { "no-such-file.png", NULL };
  const char *names[] = { "no-such-file.png", NULL };
  const float row[] = { 0.5f, 0.5f };
  g_autoptr(LightlyPredictions) predictions = lightly_predictions_new (names, row, 2, 1, 2, NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  store_init (&store);
  host_open (&host, &store, "lightly-suggest");
  before = store_tags (&store);

  batch = host_suggest (&host, 4, unknown, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "no-such-file.png"));
  g_assert_null (batch);
  g_clear_error (&error);

  batch = host_suggest (&host, 4, NULL, predictions, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "no-such-file.png"));
  g_assert_null (batch);
  g_clear_error (&error);

  after = store_tags (&store);
  g_assert_cmpstr (before, ==, after);
  host_close (&host);
  store_clear (&store);
}

static void
test_c_predictions_order (void)
{
  Store a, b;
  Host host = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pool = NULL;
  g_auto(GStrv) in_order = NULL;
  g_auto(GStrv) shuffled = NULL;
  g_autoptr(LightlyPredictions) ordered_predictions = NULL;
  g_autoptr(LightlyPredictions) shuffled_predictions = NULL;
  g_autofree char *a_tags = NULL;
  g_autofree char *b_tags = NULL;
  g_autoptr(GSettings) settings = NULL;
  const guint batch_size = 24;

  store_init (&a);
  store_init (&b);
  pool = store_file_names (&a);
  ordered_predictions = make_predictions ((const char * const *) pool, FALSE);
  shuffled_predictions = make_predictions ((const char * const *) pool, TRUE);
  g_assert_cmpstr (lightly_predictions_get_names (ordered_predictions)[0], !=,
                   lightly_predictions_get_names (shuffled_predictions)[0]);

  /* Round 1 without predictions (the default, AUTO), round 2 with them,
   * as CORAL: AUTO does not use predictions below 200 labels, and this
   * test is about their reordering. The memory GSettings backend is per
   * process, so the plugin, created anew for round 2, sees the setting. */
  settings = g_settings_new ("org.lightly.Suggest");
  for (guint pass = 0; pass < 2; pass++)
    {
      Store *store = pass == 0 ? &a : &b;
      LightlyPredictions *predictions = pass == 0 ? ordered_predictions : shuffled_predictions;
      char **batch;

      g_settings_reset (settings, "method");
      host_open (&host, store, "lightly-suggest");
      batch = host_suggest (&host, batch_size, NULL, NULL, &error);
      g_assert_no_error (error);
      g_strfreev (batch);
      host_close (&host);

      g_settings_set_string (settings, "method", "coral");
      host_open (&host, store, "lightly-suggest");
      batch = host_suggest (&host, batch_size, (const char * const *) pool + N_POOL - 10,
                            predictions, &error);
      g_assert_no_error (error);
      host_close (&host);
      if (pass == 0)
        in_order = batch;
      else
        shuffled = batch;
    }

  assert_batch (in_order, batch_size, (const char * const *) pool, (const char * const *) pool + N_POOL - 10);
  g_assert_cmpstrv (in_order, shuffled);

  /* The same picks, tags and all; AUTO ran TYPICLUST, then CORAL used the
   * predictions. */
  a_tags = store_tags (&a);
  b_tags = store_tags (&b);
  g_assert_cmpstr (a_tags, ==, b_tags);
  g_assert_nonnull (strstr (a_tags, "lightly-suggest-round-1=0x"));
  g_assert_nonnull (strstr (a_tags, "by SAMPLER_TYPICLUST"));
  g_assert_nonnull (strstr (a_tags, "by SAMPLER_CORAL"));

  g_settings_reset (settings, "method");
  store_clear (&a);
  store_clear (&b);
}

typedef struct {
  GMainLoop *loop;
  char **names;
  GError *error;
  gboolean done;
} Wait;

static void
wait_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *w = user_data;

  w->names = lightly_batch_suggester_suggest_finish (LIGHTLY_BATCH_SUGGESTER (source), result, &w->error);
  w->done = TRUE;
  g_main_loop_quit (w->loop);
}

static void
check_busy (const char *module)
{
  Store store;
  Host host = { 0 };
  g_autoptr(LightlySuggestRequest) request = lightly_suggest_request_new (8, NULL, NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Wait first = { loop, NULL, NULL, FALSE };
  Wait second = { loop, NULL, NULL, FALSE };
  g_auto(GStrv) pool = NULL;

  store_init (&store);
  pool = store_file_names (&store);
  host_open (&host, &store, module);

  lightly_batch_suggester_suggest_async (host.suggester, request, NULL, wait_done, &first);
  lightly_batch_suggester_suggest_async (host.suggester, request, NULL, wait_done, &second);
  while (!first.done || !second.done)
    g_main_loop_run (loop);

  g_assert_no_error (first.error);
  assert_batch (first.names, 8, (const char * const *) pool, NULL);
  g_assert_error (second.error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY);
  g_assert_null (second.names);

  /* Not busy any more once the first has returned. */
  {
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) again = host_suggest (&host, 8, (const char * const *) first.names, NULL, &error);

    g_assert_no_error (error);
    assert_batch (again, 8, (const char * const *) pool, (const char * const *) first.names);
  }

  g_strfreev (first.names);
  g_clear_error (&second.error);
  host_close (&host);
  store_clear (&store);
}

static void
test_c_busy (void)
{
  check_busy ("lightly-suggest");
}

typedef struct {
  GCancellable *cancellable;
  guint countdown;
} Canceller;

/* Cancels after a number of main-loop dispatches, to land at each step. */
static gboolean
cancel_later (gpointer data)
{
  Canceller *c = data;

  if (c->countdown-- > 0)
    return G_SOURCE_CONTINUE;
  g_cancellable_cancel (c->cancellable);
  return G_SOURCE_REMOVE;
}

/* Cancels a round at ever later steps, one attempt per step, until an attempt
 * finishes first. A cancelled attempt must leave the store's tags exactly as
 * they were (issue 5), the record of `labeled` included: when @record is
 * given, `labeled` differs from the store's labeled set, so every attempt
 * writes that record first and a cancelled one deletes it again; the attempt
 * that finishes keeps it. */
static guint
cancel_each_step (Host               *host,
                  Store              *store,
                  const char * const *labeled,
                  const char         *record)
{
  g_autofree char *before = store_tags (store);
  g_autoptr(LightlySuggestRequest) request = lightly_suggest_request_new (64, labeled, NULL);
  guint n_cancelled = 0;

  /* Steps 0, 1, 2, 3, 4, 6, 9, 13, …: every early step, then ever fewer
   * of the many idle iterations spent waiting on the selection job. */
  for (guint step = 0; ; step = step < 4 ? step + 1 : step + step / 2)
    {
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      Canceller canceller = { cancellable, step };
      Wait w = { loop, NULL, NULL, FALSE };
      g_autofree char *after = NULL;
      guint source;

      lightly_batch_suggester_suggest_async (host->suggester, request, cancellable, wait_done, &w);
      /* Low priority: one tick per loop iteration in which work was done. */
      source = g_idle_add_full (G_PRIORITY_LOW, cancel_later, &canceller, NULL);
      while (!w.done)
        g_main_loop_run (loop);
      if (!g_cancellable_is_cancelled (cancellable))
        g_source_remove (source);

      if (w.names != NULL)
        {
          g_assert_no_error (w.error);
          g_strfreev (w.names);
          if (record != NULL)
            {
              g_autofree char *kept = store_tag_mask (store, record);
              g_autofree char *expected = mask_of_names (store, labeled);

              g_assert_cmpstr (kept, ==, expected);
            }
          return n_cancelled;
        }
      g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&w.error);
      n_cancelled++;

      after = store_tags (store);
      g_assert_cmpstr (before, ==, after);
    }
}

static void
test_c_cancel (void)
{
  Store store;
  Host host = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pool = NULL;
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) labeled = NULL;
  guint n;

  store_init (&store);
  pool = store_file_names (&store);
  host_open (&host, &store, "lightly-suggest");

  /* Round 1: the store's labeled set is empty, as is `labeled`. */
  n = cancel_each_step (&host, &store, NULL, NULL);
  g_test_message ("round 1: %u cancelled attempts before one finished", n);
  g_assert_cmpuint (n, >=, 3);
  {
    g_autofree char *round_1 = store_tag_mask (&store, "lightly-suggest-round-1");

    g_assert_nonnull (round_1);
  }

  /* Round 2 with only part of round 1 labeled: a record of `labeled` is
   * written first; a cancel deletes it again, and no round tag survives. */
  {
    g_autofree char *mask = store_tag_mask (&store, "lightly-suggest-round-1");
    g_autoptr(LightlyBitMask) bits = lightly_bit_mask_new_from_hex (mask, &error);

    g_assert_no_error (error);
    first = lightly_bit_mask_masked_select (bits, (const char * const *) pool, &error);
    g_assert_no_error (error);
  }
  strv_append (&labeled, (const char * const *) first, 10);
  n = cancel_each_step (&host, &store, (const char * const *) labeled, "lightly-suggest-labeled-2");
  g_test_message ("round 2: %u cancelled attempts before one finished", n);
  g_assert_cmpuint (n, >=, 3);

  host_close (&host);
  store_clear (&store);
}

static void
test_c_http_without_secret_service (void)
{
  Host host = { 0 };
  Store store = { NULL, (char *) "http://127.0.0.1:1", (char *) "dataset" };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) batch = NULL;
  gint64 start;

  /* Runs under dbus-run-session: a bus without org.freedesktop.secrets. The
   * plugin must take LIGHTLY_TOKEN and fail (nothing listens on port 1)
   * quickly, never wait on the Secret Service. */
  g_assert_nonnull (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  g_setenv ("LIGHTLY_TOKEN", "test-token", TRUE);
  host_open (&host, &store, "lightly-suggest");
  start = g_get_monotonic_time ();
  batch = host_suggest (&host, 4, NULL, NULL, &error);
  g_assert_null (batch);
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  host_close (&host);
  g_unsetenv ("LIGHTLY_TOKEN");
}

/* ---------------------------------------------------------------------------
 * The Python plugin, through the default suggest_async
 * ------------------------------------------------------------------------- */

static void
test_python_rounds (void)
{
  Store store;
  Host host = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pool = NULL;
  g_auto(GStrv) batch = NULL;
  g_auto(GStrv) again = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  store_init (&store);
  pool = store_file_names (&store);
  before = store_tags (&store);
  host_open (&host, &store, "lightly_suggest_py");

  batch = host_suggest (&host, 12, (const char * const *) pool + 200, NULL, &error);
  g_assert_no_error (error);
  assert_batch (batch, 12, (const char * const *) pool, (const char * const *) pool + 200);

  /* Random, seeded by the labeled count: the same state, the same batch. */
  again = host_suggest (&host, 12, (const char * const *) pool + 200, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (batch, again);
  host_close (&host);

  /* This plugin keeps no round state. */
  after = store_tags (&store);
  g_assert_cmpstr (before, ==, after);
  store_clear (&store);
}

static void
test_python_margin (void)
{
  Store store;
  Host host = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pool = NULL;
  g_auto(GStrv) batch = NULL;
  g_autofree float *values = NULL;
  g_autoptr(LightlyPredictions) predictions = NULL;
  g_autoptr(GArray) progress = g_array_new (FALSE, FALSE, sizeof (double));

  store_init (&store);
  pool = store_file_names (&store);

  /* Binary predictions: confident everywhere except every 30th file. */
  values = g_new (float, N_POOL);
  for (guint i = 0; i < N_POOL; i++)
    values[i] = i % 30 == 0 ? 0.5f + 0.001f * (float) (i / 30) : 0.99f;
  predictions = lightly_predictions_new ((const char * const *) pool, values, N_POOL, N_POOL, 1, &error);
  g_assert_no_error (error);

  host_open (&host, &store, "lightly_suggest_py");
  g_signal_connect (host.suggester, "progress", G_CALLBACK (on_progress), progress);
  batch = host_suggest (&host, 5, NULL, predictions, &error);
  g_assert_no_error (error);
  assert_batch (batch, 5, (const char * const *) pool, NULL);
  /* Emitted in the worker thread, delivered here, before the result. */
  g_assert_cmpuint (progress->len, ==, 2);
  g_assert_cmpfloat (g_array_index (progress, double, 0), ==, 0.5);
  g_assert_cmpfloat (g_array_index (progress, double, 1), ==, 1.0);
  g_assert_true (progress_thread == g_thread_self ());
  /* The five smallest margins: files 0, 30, 60, 90, 120. */
  for (guint i = 0; i < 5; i++)
    g_assert_cmpstr (batch[i], ==, pool[i * 30]);
  host_close (&host);
  store_clear (&store);
}

static void
test_python_busy (void)
{
  check_busy ("lightly_suggest_py");
}

static void
test_python_bad_input (void)
{
  Store store;
  Host host = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) batch = NULL;
  const char *unknown[] = { "no-such-file.png", NULL };

  store_init (&store);
  host_open (&host, &store, "lightly_suggest_py");
  batch = host_suggest (&host, 4, unknown, NULL, &error);
  g_assert_null (batch);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "no-such-file.png"));
  host_close (&host);
  store_clear (&store);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/suggest/c/three-rounds", test_c_three_rounds);
  g_test_add_func ("/suggest/c/half-labeled", test_c_half_labeled);
  g_test_add_func ("/suggest/c/last-batch", test_c_last_batch);
  g_test_add_func ("/suggest/c/bad-input", test_c_bad_input);
  g_test_add_func ("/suggest/c/predictions-order", test_c_predictions_order);
  g_test_add_func ("/suggest/c/busy", test_c_busy);
  g_test_add_func ("/suggest/c/cancel", test_c_cancel);
  g_test_add_func ("/suggest/c/http-without-secret-service", test_c_http_without_secret_service);
  g_test_add_func ("/suggest/python/rounds", test_python_rounds);
  g_test_add_func ("/suggest/python/margin", test_python_margin);
  g_test_add_func ("/suggest/python/busy", test_python_busy);
  g_test_add_func ("/suggest/python/bad-input", test_python_bad_input);

  return g_test_run ();
}
