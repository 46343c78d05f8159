/* test-agent.c: the seed's tutorial end to end in the embedded store
 *
 * A client on a `file://` store in a temporary folder, a dataset registered
 * from the Fashion-MNIST fixture (tests/make-fixture.c: the first 300
 * training images, whitened PCA 64), an agent, a CORESET round and a CORAL
 * round scored from a logistic regression, and every error the agent
 * promises. Also: the owner-context rule (signals and notifications on the
 * thread that created the agent), a restart in a child process, two
 * processes sharing one store, cancellation, and bad input that must leave
 * the store's bytes alone.
 *
 * The test binary is its own child: `test-agent --child-sets …` and
 * `test-agent --child-other …` (see main()).
 */
#include <lightly/lightly.h>
#include "test-utils.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "backend/lightly-local-backend.h"
#include "backend/lightly-local-selection.h"
#include "lightly/lightly-agent-private.h"
#include "lightly/lightly-api-workflow-client-private.h"
#include "lightly/lightly-pick-private.h"
#include "lightly/lightly-sampler-rules-private.h"
#include "ml/lightly-logreg.h"
#include "store/lightly-store.h"

#define N_FIXTURE 300
#define DIM_FIXTURE 64
#define N_CLASSES 10

/* ---- helpers ---------------------------------------------------------------- */

static const char *
fixture_path (void)
{
  return test_env_path ("LIGHTLY_TEST_FMNIST_CSV");
}

/* The fixture's rows (tests/test-utils.h). */
typedef TestFixture Fixture;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fixture, test_fixture_free)

static Fixture *
fixture_load (void)
{
  return test_fixture_load (N_FIXTURE, DIM_FIXTURE, N_CLASSES);
}

static gssize
fixture_index (Fixture    *f,
               const char *name)
{
  for (guint i = 0; i < f->names->len; i++)
    if (strcmp (g_ptr_array_index (f->names, i), name) == 0)
      return i;
  return -1;
}

static LightlyApiWorkflowClient *
new_client (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_filename_to_uri (dir, NULL, &error);
  LightlyApiWorkflowClient *client;

  g_assert_no_error (error);
  client = lightly_api_workflow_client_new (uri, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (client);
  return client;
}

/* Creates a dataset, registers the CSV's file names and uploads its
 * embeddings (the tutorial's first three steps). */
static void
setup_dataset (LightlyApiWorkflowClient *client,
               const char               *name,
               const char               *csv_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dataset_id = NULL;
  g_autofree char *embedding_id = NULL;

  dataset_id = lightly_api_workflow_client_create_dataset (client, name, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (dataset_id), ==, 24);
  g_assert_cmpstr (lightly_api_workflow_client_get_dataset_id (client), ==, dataset_id);
  g_assert_true (lightly_api_workflow_client_register_samples_from_path (client, csv_path, NULL, &error));
  g_assert_no_error (error);
  embedding_id = lightly_api_workflow_client_upload_embeddings_from_path (client, csv_path, "default",
                                                                          NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lightly_api_workflow_client_get_embedding_id (client), ==, embedding_id);
}

/* Same, from bytes in memory. */
static void
setup_dataset_from_bytes (LightlyApiWorkflowClient *client,
                          const char               *name,
                          GBytes                   *csv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dataset_id = NULL;
  g_autofree char *embedding_id = NULL;
  g_autoptr(GInputStream) in1 = g_memory_input_stream_new_from_bytes (csv);
  g_autoptr(GInputStream) in2 = g_memory_input_stream_new_from_bytes (csv);

  dataset_id = lightly_api_workflow_client_create_dataset (client, name, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lightly_api_workflow_client_register_samples (client, in1, NULL, &error));
  g_assert_no_error (error);
  embedding_id = lightly_api_workflow_client_upload_embeddings (client, in2, "default", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (embedding_id);
}

/* An embeddings CSV of @n rows × @dim random floats, "s-000000.png"… */
static GBytes *
synthetic_csv (gsize   n,
               guint   dim,
               guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GString *s = g_string_sized_new (n * dim * 10 + 64);

  g_string_append (s, "filenames");
  for (guint d = 0; d < dim; d++)
    g_string_append_printf (s, ",embedding_%u", d);
  g_string_append (s, ",labels\r\n");
  for (gsize i = 0; i < n; i++)
    {
      g_string_append_printf (s, "s-%06" G_GSIZE_FORMAT ".png", i);
      for (guint d = 0; d < dim; d++)
        g_string_append_printf (s, ",%.5f", g_rand_double_range (rand, -1.0, 1.0));
      g_string_append (s, ",0\r\n");
    }
  return g_string_free_to_bytes (s);
}

static LightlySamplerConfig *
new_config (LightlySamplingMethod  method,
            int                    n_samples,
            const char            *name)
{
  LightlySamplerConfig *config = lightly_sampler_config_new ();

  lightly_sampler_config_set_method (config, method);
  lightly_sampler_config_set_n_samples (config, n_samples);
  lightly_sampler_config_set_name (config, name);
  return config;
}

static guint
strv_len (const char * const *v)
{
  return v != NULL ? g_strv_length ((char **) v) : 0;
}

static gboolean
strv_contains (const char * const *v,
               const char         *s)
{
  return v != NULL && g_strv_contains (v, s);
}

static char *
strv_join (const char * const *v)
{
  return g_strjoinv (",", (char **) (v != NULL ? v : (const char * const []) { NULL }));
}

/* Bit order: ascending mapping index. */
static void
assert_bit_order (const char * const *set,
                  Fixture            *f)
{
  gssize prev = -1;

  for (guint i = 0; set[i] != NULL; i++)
    {
      gssize idx = fixture_index (f, set[i]);

      g_assert_cmpint (idx, >, prev);
      prev = idx;
    }
}

/* The sets of an agent: query = labeled ⊔ unlabeled, each in bit order. */
static void
assert_sets_consistent (LightlyAgent *agent,
                        Fixture      *f)
{
  const char * const *query = lightly_agent_get_query_set (agent);
  const char * const *labeled = lightly_agent_get_labeled_set (agent);
  const char * const *unlabeled = lightly_agent_get_unlabeled_set (agent);

  g_assert_cmpuint (strv_len (labeled) + strv_len (unlabeled), ==, strv_len (query));
  for (guint i = 0; labeled[i] != NULL; i++)
    {
      g_assert_true (strv_contains (query, labeled[i]));
      g_assert_false (strv_contains (unlabeled, labeled[i]));
    }
  for (guint i = 0; unlabeled[i] != NULL; i++)
    g_assert_true (strv_contains (query, unlabeled[i]));
  assert_bit_order (query, f);
  assert_bit_order (labeled, f);
  assert_bit_order (unlabeled, f);
}

static guint
count_tags (LightlyApiWorkflowClient *client)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tags = lightly_api_workflow_client_get_tags (client, NULL, &error);

  g_assert_no_error (error);
  return tags->len;
}

/* A classification scorer: a logistic regression trained on the labeled
 * set's true classes predicts the query set, in query-set order. */
static LightlyScorer *
logreg_scorer (Fixture            *f,
               const char * const *labeled,
               const char * const *query,
               gsize               n_query_rows)
{
  g_autoptr(GError) error = NULL;
  guint n_labeled = strv_len (labeled);
  guint n_query = strv_len (query);
  g_autofree float *x = g_new (float, (gsize) n_labeled * f->dim);
  g_autofree guint *y = g_new (guint, n_labeled);
  g_autofree float *qx = g_new (float, (gsize) MAX (n_query, n_query_rows) * f->dim);
  g_autofree double *proba = NULL;
  g_autoptr(LightlyLogreg) model = NULL;
  LightlyLogregOptions options;
  LightlyScorerClassification *scorer;

  for (guint i = 0; i < n_labeled; i++)
    {
      gssize idx = fixture_index (f, labeled[i]);

      g_assert_cmpint (idx, >=, 0);
      memcpy (x + (gsize) i * f->dim, f->x + (gsize) idx * f->dim, f->dim * sizeof (float));
      y[i] = f->labels[idx];
    }
  lightly_logreg_options_init (&options);
  model = lightly_logreg_fit (x, n_labeled, f->dim, y, N_CLASSES, &options, &error);
  g_assert_no_error (error);

  /* n_query_rows < n_query makes a scorer of the wrong length on purpose. */
  for (gsize i = 0; i < n_query_rows; i++)
    {
      gssize idx = fixture_index (f, query[i % n_query]);

      memcpy (qx + i * f->dim, f->x + (gsize) idx * f->dim, f->dim * sizeof (float));
    }
  proba = g_new (double, n_query_rows * N_CLASSES);
  lightly_logreg_predict_proba (model, qx, n_query_rows, proba);
  scorer = lightly_scorer_classification_new (proba, n_query_rows * N_CLASSES, n_query_rows,
                                              N_CLASSES, &error);
  g_assert_no_error (error);
  return LIGHTLY_SCORER (scorer);
}

/* ---- signals and the thread they arrive on ---------------------------------- */

typedef struct {
  GThread *expected;
  guint n_progress;
  guint n_batch;
  guint n_notify;
  gint n_wrong_thread;
  double last_fraction;
  LightlyQueryStage last_stage;
  gboolean progress_after_result;
  gboolean done;
  GCancellable *cancel_when_selecting;
  LightlyQueryResult *batch;
} Recorder;

/* Atomic: a misrouted emission would come from another thread. */
static void
record_thread (Recorder *r)
{
  if (g_thread_self () != r->expected)
    g_atomic_int_inc (&r->n_wrong_thread);
}

static void
on_progress (LightlyAgent      *agent,
             LightlyQueryStage  stage,
             double             fraction,
             Recorder          *r)
{
  record_thread (r);
  g_assert_cmpfloat (fraction, >=, 0.0);
  g_assert_cmpfloat (fraction, <=, 1.0);
  r->n_progress++;
  r->last_stage = stage;
  r->last_fraction = fraction;
  if (r->done)
    r->progress_after_result = TRUE;
  /* A job exists and the engine made picks: cancel it mid-run. */
  if (r->cancel_when_selecting != NULL && stage == LIGHTLY_QUERY_STAGE_SELECTING && fraction > 0.0)
    g_cancellable_cancel (r->cancel_when_selecting);
}

static void
on_batch_ready (LightlyAgent       *agent,
                LightlyQueryResult *result,
                Recorder           *r)
{
  record_thread (r);
  g_assert_false (lightly_query_result_get_skipped (result));
  /* The sets are updated before the signal. */
  g_assert_cmpstr (lightly_agent_get_preselected_tag_name (agent), ==,
                   lightly_tag_get_name (lightly_query_result_get_tag (result)));
  r->n_batch++;
  g_clear_object (&r->batch);
  r->batch = g_object_ref (result);
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           Recorder   *r)
{
  record_thread (r);
  r->n_notify++;
}

static void
recorder_connect (Recorder     *r,
                  LightlyAgent *agent)
{
  r->expected = g_thread_self ();
  g_signal_connect (agent, "progress", G_CALLBACK (on_progress), r);
  g_signal_connect (agent, "batch-ready", G_CALLBACK (on_batch_ready), r);
  g_signal_connect (agent, "notify", G_CALLBACK (on_notify), r);
}

static void
recorder_disconnect (Recorder     *r,
                     LightlyAgent *agent)
{
  g_signal_handlers_disconnect_by_data (agent, r);
  g_clear_object (&r->batch);
}

/* Runs query_async in the thread-default context until it completes. */
typedef struct {
  GMainLoop *loop;
  LightlyQueryResult *result;
  GError *error;
  Recorder *recorder;
  gboolean finished;
} QueryRun;

static void
query_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  QueryRun *run = user_data;

  run->result = lightly_agent_query_finish (LIGHTLY_AGENT (source), result, &run->error);
  g_assert_true ((run->result == NULL) != (run->error == NULL));
  g_assert_false (lightly_agent_get_querying (LIGHTLY_AGENT (source)));
  if (run->recorder != NULL)
    {
      record_thread (run->recorder);
      run->recorder->done = TRUE;
    }
  run->finished = TRUE;
  if (run->loop != NULL)
    g_main_loop_quit (run->loop);
}

static LightlyQueryResult *
query_async_wait (LightlyAgent          *agent,
                  LightlySamplerConfig  *config,
                  LightlyScorer         *scorer,
                  GCancellable          *cancellable,
                  Recorder              *recorder,
                  GError               **error)
{
  QueryRun run = { 0 };

  run.loop = g_main_loop_new (g_main_context_get_thread_default (), FALSE);
  run.recorder = recorder;
  lightly_agent_query_async (agent, config, scorer, cancellable, query_done, &run);
  g_assert_true (lightly_agent_get_querying (agent) || run.finished);
  if (!run.finished)
    g_main_loop_run (run.loop);
  g_main_loop_unref (run.loop);
  /* Nothing may arrive after the result: drain what is pending. */
  while (g_main_context_iteration (g_main_context_get_thread_default (), FALSE))
    ;
  if (run.error != NULL)
    g_propagate_error (error, run.error);
  return run.result;
}

/* Every selection job's watch is released once the job ended and nobody
 * follows it (the job thread drops its reference just after the follower
 * wakes, so wait a little). */
static void
assert_no_watches (void)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (lightly_local_selection_count_watches () > 0 && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_assert_cmpuint (lightly_local_selection_count_watches (), ==, 0);
}

/* ---- the tutorial ----------------------------------------------------------- */

static void
test_tutorial (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  g_autoptr(Fixture) f = fixture_load ();
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlySamplerConfig) coreset = NULL;
  g_autoptr(LightlySamplerConfig) coral = NULL;
  g_autoptr(LightlyQueryResult) r1 = NULL;
  g_autoptr(LightlyQueryResult) r2 = NULL;
  g_autoptr(LightlyScorer) scorer = NULL;
  g_auto(GStrv) names = NULL;
  g_auto(GStrv) labeled1 = NULL;
  g_autoptr(LightlyBitMask) mask = NULL;
  g_auto(GStrv) tag_members = NULL;
  Recorder rec = { 0 };
  const char * const *added;
  g_autofree char *uri = g_filename_to_uri (dir, NULL, NULL);

  g_assert_cmpstr (lightly_api_workflow_client_get_server_location (client), ==, uri);
  setup_dataset (client, "fmnist", fixture_path ());

  names = lightly_api_workflow_client_get_file_names (client, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), ==, N_FIXTURE);
  for (guint i = 0; i < N_FIXTURE; i++)
    g_assert_cmpstr (names[i], ==, g_ptr_array_index (f->names, i));
  g_assert_cmpuint (count_tags (client), ==, 1);

  agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lightly_agent_get_query_tag_name (agent), ==, "initial-tag");
  g_assert_null (lightly_agent_get_preselected_tag_name (agent));
  g_assert_true (lightly_agent_get_client (agent) == client);
  g_assert_cmpuint (strv_len (lightly_agent_get_query_set (agent)), ==, N_FIXTURE);
  g_assert_cmpuint (strv_len (lightly_agent_get_labeled_set (agent)), ==, 0);
  g_assert_cmpuint (strv_len (lightly_agent_get_unlabeled_set (agent)), ==, N_FIXTURE);
  g_assert_null (lightly_agent_get_added_set (agent));
  g_assert_cmpuint (lightly_agent_get_set_size (agent, LIGHTLY_AGENT_SET_QUERY), ==, N_FIXTURE);
  g_assert_cmpuint (lightly_agent_get_set_size (agent, LIGHTLY_AGENT_SET_LABELED), ==, 0);
  g_assert_cmpuint (lightly_agent_get_set_size (agent, LIGHTLY_AGENT_SET_UNLABELED), ==, N_FIXTURE);
  g_assert_cmpuint (lightly_agent_get_set_size (agent, LIGHTLY_AGENT_SET_ADDED), ==, 0);
  g_assert_false (lightly_agent_get_querying (agent));
  assert_sets_consistent (agent, f);

  /* Round 1: CORESET to 30, asynchronously on the default main context. */
  recorder_connect (&rec, agent);
  coreset = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 30, "coreset-30");
  r1 = query_async_wait (agent, coreset, NULL, NULL, &rec, &error);
  g_assert_no_error (error);
  g_assert_false (lightly_query_result_get_skipped (r1));
  g_assert_cmpstr (lightly_tag_get_name (lightly_query_result_get_tag (r1)), ==, "coreset-30");
  g_assert_cmpuint (lightly_tag_get_count (lightly_query_result_get_tag (r1)), ==, 30);
  g_assert_cmpstr (lightly_tag_get_creator (lightly_query_result_get_tag (r1)), ==, "SAMPLER_CORESET");
  added = lightly_query_result_get_added (r1);
  g_assert_cmpuint (strv_len (added), ==, 30);
  g_assert_cmpint (lightly_query_result_get_method (r1), ==, LIGHTLY_SAMPLING_METHOD_CORESET);
  g_assert_cmpuint (lightly_query_result_get_batch_size (r1), ==, 30);
  g_assert_cmpuint (lightly_query_result_get_total (r1), ==, 30);
  g_assert_cmpuint (strv_len (lightly_agent_get_labeled_set (agent)), ==, 30);
  g_assert_cmpuint (strv_len (lightly_agent_get_added_set (agent)), ==, 30);
  g_assert_cmpuint (strv_len (lightly_agent_get_query_set (agent)), ==, N_FIXTURE);
  g_assert_cmpuint (strv_len (lightly_agent_get_unlabeled_set (agent)), ==, N_FIXTURE - 30);
  g_assert_cmpstr (lightly_agent_get_preselected_tag_name (agent), ==, "coreset-30");
  for (guint i = 0; added[i] != NULL; i++)
    g_assert_cmpstr (added[i], ==, lightly_agent_get_labeled_set (agent)[i]);
  assert_sets_consistent (agent, f);
  assert_bit_order (added, f);

  /* The tag's bits are the labeled set, in bit order. */
  mask = lightly_bit_mask_new_from_hex (lightly_tag_get_bit_mask_data (lightly_query_result_get_tag (r1)), &error);
  g_assert_no_error (error);
  tag_members = lightly_bit_mask_masked_select (mask, (const char * const *) names, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_equal ((const char * const *) tag_members, lightly_agent_get_labeled_set (agent)));

  /* Every signal and notification came on this thread, the progress ended at
   * FINISHING 1.0 and none came after the result. */
  g_assert_cmpint (g_atomic_int_get (&rec.n_wrong_thread), ==, 0);
  g_assert_cmpuint (rec.n_batch, ==, 1);
  g_assert_true (rec.batch == r1);
  g_assert_cmpuint (rec.n_progress, >, 0);
  g_assert_cmpuint (rec.n_notify, >, 0);
  g_assert_cmpint (rec.last_stage, ==, LIGHTLY_QUERY_STAGE_FINISHING);
  g_assert_cmpfloat (rec.last_fraction, ==, 1.0);
  g_assert_false (rec.progress_after_result);

  /* Round 2: CORAL to 60, scored from predictions in query-set order,
   * blocking this time. */
  labeled1 = g_strdupv ((char **) lightly_agent_get_labeled_set (agent));
  scorer = logreg_scorer (f, lightly_agent_get_labeled_set (agent), lightly_agent_get_query_set (agent),
                          N_FIXTURE);
  coral = new_config (LIGHTLY_SAMPLING_METHOD_CORAL, 60, "coral-60");
  rec.done = FALSE;
  r2 = lightly_agent_query (agent, coral, scorer, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (lightly_query_result_get_skipped (r2));
  g_assert_cmpstr (lightly_tag_get_creator (lightly_query_result_get_tag (r2)), ==, "SAMPLER_CORAL");
  added = lightly_query_result_get_added (r2);
  g_assert_cmpuint (strv_len (added), ==, 30);
  g_assert_cmpuint (strv_len (lightly_agent_get_labeled_set (agent)), ==, 60);
  g_assert_cmpuint (strv_len (lightly_agent_get_unlabeled_set (agent)), ==, N_FIXTURE - 60);
  g_assert_true (g_strv_equal (added, lightly_agent_get_added_set (agent)));
  for (guint i = 0; added[i] != NULL; i++)
    {
      g_assert_false (g_strv_contains ((const char * const *) labeled1, added[i]));
      g_assert_true (strv_contains (lightly_agent_get_labeled_set (agent), added[i]));
    }
  for (guint i = 0; labeled1[i] != NULL; i++)
    g_assert_true (strv_contains (lightly_agent_get_labeled_set (agent), labeled1[i]));
  assert_sets_consistent (agent, f);
  g_assert_cmpstr (lightly_tag_get_prev_tag_id (lightly_query_result_get_tag (r2)), ==,
                   lightly_tag_get_id (lightly_query_result_get_tag (r1)));
  g_assert_cmpstr (lightly_agent_get_preselected_tag_name (agent), ==, "coral-60");
  g_assert_cmpuint (rec.n_batch, ==, 2);
  g_assert_cmpint (g_atomic_int_get (&rec.n_wrong_thread), ==, 0);
  g_assert_cmpuint (count_tags (client), ==, 3);

  /* The scores were stored under the query tag (initial-tag), per name. */
  {
    g_autoptr(LightlyBackend) backend = lightly_local_backend_new (dir, &error);
    LightlyStore *store;
    g_autoptr(LightlyTag) initial = lightly_api_workflow_client_get_tag_by_name (client, "initial-tag", NULL, &error);
    g_autoptr(GPtrArray) scores = NULL;

    g_assert_no_error (error);
    store = lightly_local_backend_get_store (LIGHTLY_LOCAL_BACKEND (backend));
    scores = lightly_store_list_scores (store, lightly_tag_get_id (initial), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (scores->len, ==, 3);
  }

  recorder_disconnect (&rec, agent);
  g_clear_object (&agent);
  g_clear_object (&client);
  assert_no_watches ();
  test_rm_rf (dir);
}

/* ---- the sets' names, made on their first read ------------------------------ */

typedef struct {
  LightlyAgent *agent;
  gint *go;
  const char * const *seen[4];
} SetReader;

static gpointer
read_sets (gpointer data)
{
  SetReader *r = data;

  while (!g_atomic_int_get (r->go))
    ;
  r->seen[0] = lightly_agent_get_query_set (r->agent);
  r->seen[1] = lightly_agent_get_labeled_set (r->agent);
  r->seen[2] = lightly_agent_get_unlabeled_set (r->agent);
  r->seen[3] = lightly_agent_get_added_set (r->agent);
  return NULL;
}

/* A query only counts the sets, so their names are made when first read:
 * threads that read at once, right after a query, see one and the same
 * array of each set, with the right names (and no array leaks: valgrind
 * and ASan run this). */
static void
test_sets_read_at_once (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  g_autoptr(Fixture) f = fixture_load ();
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(LightlySamplerConfig) coreset = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 25, "first-25");
  g_autoptr(LightlyQueryResult) result = NULL;
  g_autoptr(LightlyAgent) agent = NULL;
  g_auto(GStrv) names = NULL;
  SetReader readers[4];
  GThread *threads[4];
  gint go = 0;

  setup_dataset (client, "fmnist", fixture_path ());
  names = lightly_api_workflow_client_get_file_names (client, NULL, &error);
  g_assert_no_error (error);
  agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  result = lightly_agent_query (agent, coreset, NULL, NULL, &error);
  g_assert_no_error (error);
  /* The result's count comes from the labeled mask, not its names, and
   * so do the sizes. */
  g_assert_cmpuint (lightly_query_result_get_total (result), ==, 25);
  g_assert_cmpuint (lightly_agent_get_set_size (agent, LIGHTLY_AGENT_SET_QUERY), ==, N_FIXTURE);
  g_assert_cmpuint (lightly_agent_get_set_size (agent, LIGHTLY_AGENT_SET_LABELED), ==, 25);
  g_assert_cmpuint (lightly_agent_get_set_size (agent, LIGHTLY_AGENT_SET_UNLABELED), ==, N_FIXTURE - 25);
  g_assert_cmpuint (lightly_agent_get_set_size (agent, LIGHTLY_AGENT_SET_ADDED), ==, 25);

  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      readers[t] = (SetReader) { agent, &go, { NULL, } };
      threads[t] = g_thread_new ("sets", read_sets, &readers[t]);
    }
  g_atomic_int_set (&go, 1);
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);

  for (guint t = 1; t < G_N_ELEMENTS (threads); t++)
    for (guint s = 0; s < 4; s++)
      g_assert_true (readers[t].seen[s] == readers[0].seen[s]);
  g_assert_true (readers[0].seen[0] == lightly_agent_get_query_set (agent));
  g_assert_true (g_strv_equal (readers[0].seen[0], (const char * const *) names));
  g_assert_cmpuint (strv_len (readers[0].seen[1]), ==, 25);
  g_assert_cmpuint (strv_len (readers[0].seen[2]), ==, N_FIXTURE - 25);
  g_assert_true (g_strv_equal (readers[0].seen[3], readers[0].seen[1]));
  g_assert_true (g_strv_equal (lightly_query_result_get_added (result), readers[0].seen[3]));
  assert_sets_consistent (agent, f);
  assert_bit_order (readers[0].seen[1], f);

  g_clear_object (&agent);
  g_clear_object (&client);
  test_rm_rf (dir);
}

/* ---- the agent's errors ----------------------------------------------------- */

static void
busy_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(LightlyQueryResult) r = lightly_agent_query_finish (LIGHTLY_AGENT (source), result, error);

  g_assert_null (r);
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  g_autoptr(Fixture) f = fixture_load ();
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlyQueryResult) r = NULL;
  g_autoptr(LightlySamplerConfig) config = NULL;
  g_autoptr(LightlyScorer) scorer = NULL;
  g_auto(GStrv) labeled = NULL;
  GError *busy_error = NULL;
  QueryRun run = { 0 };
  guint n_tags;

  setup_dataset (client, "fmnist", fixture_path ());

  /* A preselected tag that does not exist. */
  agent = lightly_agent_new (client, NULL, "no-such-tag", NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_assert_null (agent);
  g_clear_error (&error);
  agent = lightly_agent_new (client, "no-such-query-tag", NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  agent = lightly_agent_new (client, "initial-tag", NULL, NULL, &error);
  g_assert_no_error (error);

  /* CORAL without a scorer, before anything is labeled. */
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORAL, 30, "coral-no-scorer");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_SCORES_REQUIRED);
  g_assert_null (r);
  g_clear_error (&error);
  g_clear_object (&config);
  g_assert_false (lightly_agent_get_querying (agent));
  g_assert_cmpuint (count_tags (client), ==, 1);

  /* ACTIVE_LEARNING needs scores too. */
  config = new_config (LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING, 30, "al-no-scorer");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_SCORES_REQUIRED);
  g_clear_error (&error);
  g_clear_object (&config);

  /* A bad config: no stopping condition. */
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, -1, "no-stop");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_clear_object (&config);

  /* BUSY: a second query while the first runs; the first still completes. */
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 30, "coreset-30");
  run.loop = g_main_loop_new (NULL, FALSE);
  lightly_agent_query_async (agent, config, NULL, NULL, query_done, &run);
  g_assert_true (lightly_agent_get_querying (agent));
  lightly_agent_query_async (agent, config, NULL, NULL, busy_done, &busy_error);
  while (busy_error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (busy_error, LIGHTLY_ERROR, LIGHTLY_ERROR_BUSY);
  g_clear_error (&busy_error);
  if (!run.finished)
    g_main_loop_run (run.loop);
  g_main_loop_unref (run.loop);
  g_assert_no_error (run.error);
  g_assert_nonnull (run.result);
  g_assert_cmpuint (strv_len (lightly_query_result_get_added (run.result)), ==, 30);
  g_clear_object (&run.result);
  g_clear_object (&config);
  g_assert_cmpuint (strv_len (lightly_agent_get_labeled_set (agent)), ==, 30);
  labeled = g_strdupv ((char **) lightly_agent_get_labeled_set (agent));
  n_tags = count_tags (client);
  g_assert_cmpuint (n_tags, ==, 2);

  /* Skip (§13): n_samples ≥ 1 and below |labeled|. No tag, sets unchanged. */
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 10, "coreset-10");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (lightly_query_result_get_skipped (r));
  g_assert_null (lightly_query_result_get_tag (r));
  g_assert_cmpuint (strv_len (lightly_query_result_get_added (r)), ==, 0);
  g_assert_cmpuint (lightly_query_result_get_batch_size (r), ==, 0);
  g_assert_cmpuint (lightly_query_result_get_total (r), ==, 30);
  g_assert_cmpint (lightly_query_result_get_method (r), ==, LIGHTLY_SAMPLING_METHOD_CORESET);
  g_clear_object (&r);
  g_clear_object (&config);
  g_assert_cmpuint (count_tags (client), ==, n_tags);
  g_assert_true (g_strv_equal ((const char * const *) labeled, lightly_agent_get_labeled_set (agent)));
  g_assert_cmpstr (lightly_agent_get_preselected_tag_name (agent), ==, "coreset-30");

  /* n_samples == |labeled| is not a skip: the result equals P (§13). */
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 30, "coreset-30-again");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (lightly_query_result_get_skipped (r));
  g_assert_cmpuint (strv_len (lightly_query_result_get_added (r)), ==, 0);
  g_assert_cmpuint (lightly_query_result_get_batch_size (r), ==, 0);
  g_assert_cmpuint (lightly_query_result_get_total (r), ==, 30);
  g_assert_true (g_strv_equal ((const char * const *) labeled, lightly_agent_get_labeled_set (agent)));
  g_clear_object (&r);
  g_clear_object (&config);
  n_tags = count_tags (client);

  /* A scorer whose length is not the query set's. */
  scorer = logreg_scorer (f, lightly_agent_get_labeled_set (agent), lightly_agent_get_query_set (agent),
                          N_FIXTURE - 1);
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORAL, 60, "coral-short");
  r = lightly_agent_query (agent, config, scorer, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_null (r);
  g_clear_error (&error);
  g_clear_object (&config);
  g_clear_object (&scorer);
  g_assert_false (lightly_agent_get_querying (agent));
  g_assert_cmpuint (count_tags (client), ==, n_tags);

  /* A tag name that exists. */
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 60, "coreset-30");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_EXISTS);
  g_assert_null (r);
  g_clear_error (&error);
  g_clear_object (&config);
  g_assert_cmpuint (count_tags (client), ==, n_tags);
  g_assert_true (g_strv_equal ((const char * const *) labeled, lightly_agent_get_labeled_set (agent)));

  /* reuse-scores with no stored scores: the job fails and says why. */
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORAL, 60, "coral-reuse");
  lightly_sampler_config_set_reuse_scores (config, TRUE);
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_JOB_FAILED);
  g_assert_nonnull (strstr (error->message, "upload scores first"));
  g_clear_error (&error);
  g_clear_object (&config);
  g_assert_cmpuint (count_tags (client), ==, n_tags);

  /* The agent still works after all that. */
  config = new_config (LIGHTLY_SAMPLING_METHOD_RANDOM, 40, "random-40");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strv_len (lightly_query_result_get_added (r)), ==, 10);
  g_clear_object (&r);
  g_clear_object (&config);

  g_clear_object (&agent);
  g_clear_object (&client);
  test_rm_rf (dir);
}

/* ---- the owner-context rule, on a thread of its own ------------------------- */

typedef struct {
  const char *dir;
  GMainLoop *loop;
  LightlyAgent *agent;
  GError *error;
  gint done;
} ThreadData;

static void
thread_agent_ready (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ThreadData *td = user_data;

  td->agent = lightly_agent_new_finish (result, &td->error);
  g_main_loop_quit (td->loop);
}

static gpointer
owner_thread (gpointer data)
{
  ThreadData *td = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(LightlyApiWorkflowClient) client = NULL;
  g_autoptr(LightlySamplerConfig) config = NULL;
  g_autoptr(LightlyQueryResult) r = NULL;
  g_autoptr(GError) error = NULL;
  Recorder rec = { 0 };

  g_main_context_push_thread_default (context);
  client = new_client (td->dir);
  setup_dataset (client, "threaded", fixture_path ());

  td->loop = g_main_loop_new (context, FALSE);
  lightly_agent_new_async (client, NULL, NULL, NULL, thread_agent_ready, td);
  g_main_loop_run (td->loop);
  g_main_loop_unref (td->loop);
  g_assert_no_error (td->error);
  g_assert_nonnull (td->agent);

  recorder_connect (&rec, td->agent);
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 30, "threaded-30");
  r = query_async_wait (td->agent, config, NULL, NULL, &rec, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strv_len (lightly_query_result_get_added (r)), ==, 30);
  g_assert_cmpint (g_atomic_int_get (&rec.n_wrong_thread), ==, 0);
  g_assert_cmpuint (rec.n_batch, ==, 1);
  g_assert_cmpuint (rec.n_progress, >, 0);
  g_assert_cmpuint (rec.n_notify, >, 0);
  recorder_disconnect (&rec, td->agent);

  g_clear_object (&td->agent);
  g_clear_object (&client);
  g_main_context_pop_thread_default (context);
  g_atomic_int_set (&td->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* While the thread runs, the main thread iterates the global default context,
 * so anything wrongly posted there would be dispatched here, on the wrong
 * thread, and counted. */
static void
test_owner_thread (void)
{
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  ThreadData td = { 0 };
  GThread *thread;

  td.dir = dir;
  thread = g_thread_new ("owner", owner_thread, &td);
  while (!g_atomic_int_get (&td.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  test_rm_rf (dir);
}

/* ---- restart: a child process rebuilds the agent from the store ------------- */

static char *
self_path (void)
{
  return g_test_build_filename (G_TEST_BUILT, "test-agent", NULL);
}

/* Child: prints the four sets of an agent created from the store. */
static int
child_sets (const char *dir,
            const char *dataset_id,
            const char *tag_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(LightlyAgent) agent = NULL;
  g_autofree char *q = NULL;
  g_autofree char *l = NULL;
  g_autofree char *u = NULL;

  lightly_api_workflow_client_set_dataset_id (client, dataset_id);
  agent = lightly_agent_new (client, NULL, tag_name, NULL, &error);
  if (agent == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  q = strv_join (lightly_agent_get_query_set (agent));
  l = strv_join (lightly_agent_get_labeled_set (agent));
  u = strv_join (lightly_agent_get_unlabeled_set (agent));
  g_print ("query %s\nlabeled %s\nunlabeled %s\n", q, l, u);
  return 0;
}

static char *
run_child (const char * const *argv,
           int                *exit_status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("child stderr: %s", err);
  g_assert_true (g_subprocess_get_if_exited (proc));
  *exit_status = g_subprocess_get_exit_status (proc);
  return g_steal_pointer (&out);
}

static void
test_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  g_autofree char *exe = self_path ();
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlySamplerConfig) config = NULL;
  g_autoptr(LightlyQueryResult) r = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *q = NULL;
  g_autofree char *l = NULL;
  g_autofree char *u = NULL;
  int status = -1;

  setup_dataset (client, "restart", fixture_path ());
  agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 25, "round-1");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&r);
  lightly_sampler_config_set_n_samples (config, 50);
  lightly_sampler_config_set_name (config, "round-2");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lightly_agent_get_preselected_tag_name (agent), ==, "round-2");

  q = strv_join (lightly_agent_get_query_set (agent));
  l = strv_join (lightly_agent_get_labeled_set (agent));
  u = strv_join (lightly_agent_get_unlabeled_set (agent));
  expected = g_strdup_printf ("query %s\nlabeled %s\nunlabeled %s\n", q, l, u);

  {
    const char *argv[] = { exe, "--child-sets", dir, lightly_api_workflow_client_get_dataset_id (client),
                           lightly_agent_get_preselected_tag_name (agent), NULL };

    out = run_child (argv, &status);
  }
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, expected);

  g_clear_object (&agent);
  g_clear_object (&client);
  test_rm_rf (dir);
}

/* ---- a long selection: cancellation, and two processes ---------------------- */

/* Big enough that CORESET runs for about a second natively; valgrind's
 * slowdown makes a smaller input run as long. */
static gsize
big_n (void)
{
  return RUNNING_ON_VALGRIND ? 3000 : 20000;
}

static LightlyStore *
shared_store (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBackend) backend = lightly_local_backend_new (dir, &error);

  g_assert_no_error (error);
  /* Backends of one folder share one store, which outlives this backend
   * as long as the client holds its own. */
  return g_object_ref (lightly_local_backend_get_store (LIGHTLY_LOCAL_BACKEND (backend)));
}

static LightlyStoreJob *
last_job (LightlyStore *store,
          const char   *dataset_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = lightly_store_list_jobs (store, dataset_id, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, >, 0);
  return g_ptr_array_steal_index (jobs, jobs->len - 1);
}

static void
wait_job_done (LightlyStore *store,
               const char   *dataset_id,
               const char   *job_id)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LightlyStoreJob) job = lightly_store_get_job (store, dataset_id, job_id, &error);

      g_assert_no_error (error);
      if (job->status == LIGHTLY_STORE_JOB_FINISHED || job->status == LIGHTLY_STORE_JOB_FAILED)
        return;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10 * 1000);
    }
}

static void
test_cancel (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(GBytes) csv = synthetic_csv (big_n (), 64, 7);
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlySamplerConfig) config = NULL;
  g_autoptr(LightlyQueryResult) r = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(LightlyStore) store = NULL;
  g_autoptr(LightlyStoreJob) job = NULL;
  Recorder rec = { 0 };
  const char *dataset_id;

  setup_dataset_from_bytes (client, "big", csv);
  dataset_id = lightly_api_workflow_client_get_dataset_id (client);
  store = shared_store (dir);
  agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  /* Cancelled before it starts: no job, no tag. */
  g_cancellable_cancel (cancellable);
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, (int) big_n () / 2, "precancelled");
  r = lightly_agent_query (agent, config, NULL, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (r);
  g_clear_error (&error);
  g_clear_object (&config);
  g_assert_cmpuint (count_tags (client), ==, 1);
  g_cancellable_reset (cancellable);

  /* Cancelled while the engine runs: the job ends FAILED "cancelled". */
  recorder_connect (&rec, agent);
  rec.cancel_when_selecting = cancellable;
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, (int) big_n () / 2, "cancelled");
  r = query_async_wait (agent, config, NULL, cancellable, &rec, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (r);
  g_clear_error (&error);
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  g_assert_false (lightly_agent_get_querying (agent));
  g_assert_cmpint (g_atomic_int_get (&rec.n_wrong_thread), ==, 0);
  g_assert_cmpuint (rec.n_batch, ==, 0);
  recorder_disconnect (&rec, agent);

  job = last_job (store, dataset_id);
  wait_job_done (store, dataset_id, job->id);
  g_clear_pointer (&job, lightly_store_job_free);
  job = last_job (store, dataset_id);
  g_assert_cmpstr (job->new_tag_name, ==, "cancelled");
  g_assert_cmpint (job->status, ==, LIGHTLY_STORE_JOB_FAILED);
  g_assert_cmpstr (job->error_message, ==, "cancelled");
  g_assert_null (job->result_tag_id);
  g_assert_cmpint (job->processed, <, job->total);
  g_assert_cmpuint (count_tags (client), ==, 1);
  g_assert_cmpuint (strv_len (lightly_agent_get_labeled_set (agent)), ==, 0);
  g_assert_null (lightly_agent_get_preselected_tag_name (agent));

  /* The name was released: the same config runs to the end now. */
  g_clear_object (&config);
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 20, "cancelled");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strv_len (lightly_query_result_get_added (r)), ==, 20);

  g_clear_object (&agent);
  g_clear_object (&client);
  g_clear_object (&store);
  assert_no_watches ();
  test_rm_rf (dir);
}

/* Child B: lists the jobs of dataset @dataset_id, then runs its own query on
 * a new dataset from @csv_path in the same store. */
static int
child_other (const char *dir,
             const char *dataset_id,
             const char *csv_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyStore) store = shared_store (dir);
  g_autoptr(GPtrArray) jobs = lightly_store_list_jobs (store, dataset_id, &error);
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlySamplerConfig) config = NULL;
  g_autoptr(LightlyQueryResult) r = NULL;

  if (jobs == NULL)
    {
      g_printerr ("list jobs: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < jobs->len; i++)
    {
      LightlyStoreJob *job = g_ptr_array_index (jobs, i);

      g_print ("job %s %s\n", job->id, lightly_store_job_status_to_string (job->status));
    }

  setup_dataset (client, "other", csv_path);
  agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  if (agent == NULL)
    {
      g_printerr ("agent: %s\n", error->message);
      return 1;
    }
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 30, "other-30");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  if (r == NULL)
    {
      g_printerr ("query: %s\n", error->message);
      return 1;
    }
  g_print ("added %u\n", strv_len (lightly_query_result_get_added (r)));
  return 0;
}

typedef struct {
  gboolean running;
} RunningFlag;

static void
on_progress_running (LightlyAgent      *agent,
                     LightlyQueryStage  stage,
                     double             fraction,
                     RunningFlag       *flag)
{
  if (stage == LIGHTLY_QUERY_STAGE_SELECTING && fraction > 0.0)
    flag->running = TRUE;
}

static void
test_two_processes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  g_autofree char *exe = self_path ();
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(GBytes) csv = synthetic_csv (big_n (), 64, 11);
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlySamplerConfig) config = NULL;
  g_autoptr(LightlyStore) store = NULL;
  g_autoptr(LightlyStoreJob) job = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *job_line = NULL;
  RunningFlag flag = { FALSE };
  QueryRun run = { 0 };
  const char *dataset_id;

  setup_dataset_from_bytes (client, "big", csv);
  dataset_id = lightly_api_workflow_client_get_dataset_id (client);
  store = shared_store (dir);
  agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  /* A: a long selection, until the engine is picking. */
  g_signal_connect (agent, "progress", G_CALLBACK (on_progress_running), &flag);
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, (int) big_n () / 2, "process-a");
  run.loop = g_main_loop_new (NULL, FALSE);
  lightly_agent_query_async (agent, config, NULL, NULL, query_done, &run);
  while (!flag.running && !run.finished)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (run.finished);
  job = last_job (store, dataset_id);
  job_line = g_strdup_printf ("job %s RUNNING\n", job->id);

  /* B: another process on the same store while A's job runs. */
  {
    const char *argv[] = { exe, "--child-other", dir, dataset_id, fixture_path (), NULL };

    proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
    g_assert_no_error (error);
  }
  {
    g_autoptr(LightlyStoreJob) now = NULL;

    g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
    g_assert_no_error (error);
    now = lightly_store_get_job (store, dataset_id, job->id, &error);
    g_assert_no_error (error);
    if (now->status != LIGHTLY_STORE_JOB_RUNNING)
      g_test_message ("A's job ended while B ran; B's view is still checked");
  }
  if (err != NULL && *err != '\0')
    g_test_message ("child stderr: %s", err);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  /* B saw A's job alive (not "owner exited"), and its own query worked. */
  g_assert_nonnull (strstr (out, job_line));
  g_assert_nonnull (strstr (out, "added 30\n"));

  if (!run.finished)
    g_main_loop_run (run.loop);
  g_main_loop_unref (run.loop);
  g_assert_no_error (run.error);
  g_assert_nonnull (run.result);
  g_assert_cmpuint (strv_len (lightly_query_result_get_added (run.result)), ==, big_n () / 2);
  g_clear_object (&run.result);
  g_clear_pointer (&job, lightly_store_job_free);
  job = last_job (store, dataset_id);
  g_assert_cmpint (job->status, ==, LIGHTLY_STORE_JOB_FINISHED);
  g_assert_cmpint (job->processed, ==, job->total);

  /* Both datasets are in the store. */
  {
    g_autoptr(GPtrArray) datasets = lightly_api_workflow_client_list_datasets (client, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (datasets->len, ==, 2);
  }

  g_signal_handlers_disconnect_by_data (agent, &flag);
  g_clear_object (&agent);
  g_clear_object (&client);
  g_clear_object (&store);
  test_rm_rf (dir);
}

/* ---- bad input leaves the store's bytes alone ------------------------------- */

#define SMALL_HEADER "filenames,embedding_0,embedding_1,embedding_2,labels\n"

static const char *small_csv =
  SMALL_HEADER
  "a.png,1,0,0,0\n"
  "b.png,0,1,0,0\n"
  "c.png,0,0,1,0\n"
  "d.png,1,1,0,0\n"
  "e.png,0,1,1,0\n"
  "f.png,1,0,1,0\n";

static GInputStream *
stream_for (const char *text)
{
  return g_memory_input_stream_new_from_data (g_strdup (text), (gssize) strlen (text), g_free);
}

typedef struct {
  const char *what;
  GQuark domain;
  int code;
  int op;
  const char *csv;
  const char *name;
  gsize n_scores;
  guint bit;
  gint n_samples;
} BadInput;

enum {
  OP_UPLOAD_EMBEDDINGS,
  OP_REGISTER_SAMPLES,
  OP_CREATE_DATASET,
  OP_CREATE_TAG,
  OP_AGENT_PRESELECTED,
  OP_SAMPLING_UNKNOWN_TAG,
  OP_UPLOAD_SCORES,
  OP_QUERY,
};

static void
test_bad_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlyTag) initial = NULL;
  g_autoptr(LightlyTag) tag = NULL;
  g_autoptr(LightlyQueryResult) r = NULL;
  g_autoptr(LightlySamplerConfig) config = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(LightlyBitMask) mask = NULL;
  g_autofree char *id = NULL;
  const BadInput table[] = {
    { "malformed CSV", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_UPLOAD_EMBEDDINGS,
      SMALL_HEADER "a.png,1,0,0,0\n\"b.png,0,1,0,0\n" },
    { "no embedding columns", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_UPLOAD_EMBEDDINGS,
      "filenames,labels\na.png,0\n" },
    { "wrong row count", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_UPLOAD_EMBEDDINGS,
      SMALL_HEADER "a.png,1,0,0,0\nb.png,0,1,0,0\nc.png,0,0,1,0\nd.png,1,1,0,0\ne.png,0,1,1,0\n" },
    { "unknown file name", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_UPLOAD_EMBEDDINGS,
      SMALL_HEADER "a.png,1,0,0,0\nb.png,0,1,0,0\nc.png,0,0,1,0\nd.png,1,1,0,0\ne.png,0,1,1,0\nzzz.png,1,0,1,0\n" },
    { "NaN in embeddings", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_UPLOAD_EMBEDDINGS,
      SMALL_HEADER "a.png,1,0,0,0\nb.png,0,nan,0,0\nc.png,0,0,1,0\nd.png,1,1,0,0\ne.png,0,1,1,0\nf.png,1,0,1,0\n" },
    { "zero-length row", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_UPLOAD_EMBEDDINGS,
      SMALL_HEADER "a.png,1,0,0,0\nb.png,0,0,0,0\nc.png,0,0,1,0\nd.png,1,1,0,0\ne.png,0,1,1,0\nf.png,1,0,1,0\n" },
    { "row with a missing column", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_UPLOAD_EMBEDDINGS,
      SMALL_HEADER "a.png,1,0,0,0\nb.png,0,1,0\nc.png,0,0,1,0\nd.png,1,1,0,0\ne.png,0,1,1,0\nf.png,1,0,1,0\n" },
    { "duplicate embedding name", 0, LIGHTLY_ERROR_EXISTS, OP_UPLOAD_EMBEDDINGS, NULL, "default" },
    { "samples registered twice", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_REGISTER_SAMPLES, NULL },
    { "duplicate dataset name", 0, LIGHTLY_ERROR_EXISTS, OP_CREATE_DATASET, NULL, "small" },
    { "duplicate tag name, other members", 0, LIGHTLY_ERROR_EXISTS, OP_CREATE_TAG, NULL, "first-two", 0, 2 },
    { "bad tag name", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_CREATE_TAG, NULL, "x", 0, 1 },
    { "bit mask past the dataset size", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_CREATE_TAG, NULL, "too-far", 0, 6 },
    { "unknown preselected tag", 0, LIGHTLY_ERROR_NOT_FOUND, OP_AGENT_PRESELECTED, NULL, "no-such-tag" },
    { "unknown query tag id", 0, LIGHTLY_ERROR_NOT_FOUND, OP_SAMPLING_UNKNOWN_TAG, NULL, "sel-unknown", 0, 0 },
    { "unknown preselected tag id", 0, LIGHTLY_ERROR_NOT_FOUND, OP_SAMPLING_UNKNOWN_TAG, NULL, "sel-unknown", 0, 1 },
    { "scores of the wrong length", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_UPLOAD_SCORES, NULL, NULL, 5 },
    { "scores of the wrong length (longer)", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_UPLOAD_SCORES, NULL, NULL, 7 },
    { "bad sampler config: no stopping condition", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_QUERY, NULL, "no-stop", 0, 0, -1 },
    { "bad sampler config: bad tag name", 0, LIGHTLY_ERROR_INVALID_INPUT, OP_QUERY, NULL, "?", 0, 0, 3 },
    { "query tag name taken", 0, LIGHTLY_ERROR_EXISTS, OP_QUERY, NULL, "first-two", 0, 0, 3 },
  };

  id = lightly_api_workflow_client_create_dataset (client, "small", NULL, &error);
  g_assert_no_error (error);
  in = stream_for (small_csv);
  g_assert_true (lightly_api_workflow_client_register_samples (client, in, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&in);
  in = stream_for (small_csv);
  g_free (lightly_api_workflow_client_upload_embeddings (client, in, "default", NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&in);
  initial = lightly_api_workflow_client_get_tag_by_name (client, "initial-tag", NULL, &error);
  g_assert_no_error (error);
  mask = lightly_bit_mask_new_from_bin ("0b11", &error);
  g_assert_no_error (error);
  tag = lightly_api_workflow_client_create_tag (client, "first-two", mask, lightly_tag_get_id (initial),
                                                NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&mask, lightly_bit_mask_free);
  agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      const BadInput *t = &table[i];
      g_autofree char *before = test_hash_store (dir);
      g_autofree char *after = NULL;
      g_autoptr(GError) e = NULL;
      gboolean ok = FALSE;

      g_test_message ("bad input: %s", t->what);
      switch (t->op)
        {
        case OP_UPLOAD_EMBEDDINGS:
          {
            g_autoptr(GInputStream) s = stream_for (t->csv != NULL ? t->csv : small_csv);
            g_autofree char *eid = lightly_api_workflow_client_upload_embeddings (client, s,
                                                                                 t->name ? t->name : "bad", NULL, &e);
            ok = eid != NULL;
          }
          break;
        case OP_REGISTER_SAMPLES:
          {
            g_autoptr(GInputStream) s = stream_for (small_csv);

            ok = lightly_api_workflow_client_register_samples (client, s, NULL, &e);
          }
          break;
        case OP_CREATE_DATASET:
          {
            g_autoptr(LightlyApiWorkflowClient) other = new_client (dir);
            g_autofree char *did = lightly_api_workflow_client_create_dataset (other, t->name, NULL, &e);

            ok = did != NULL;
          }
          break;
        case OP_CREATE_TAG:
          {
            g_autoptr(LightlyBitMask) m = lightly_bit_mask_new ();
            g_autoptr(LightlyTag) created = NULL;

            lightly_bit_mask_set_bit (m, t->bit);
            created = lightly_api_workflow_client_create_tag (client, t->name, m, lightly_tag_get_id (initial),
                                                              NULL, &e);
            ok = created != NULL;
          }
          break;
        case OP_AGENT_PRESELECTED:
          {
            g_autoptr(LightlyAgent) a = lightly_agent_new (client, NULL, t->name, NULL, &e);

            ok = a != NULL;
          }
          break;
        case OP_SAMPLING_UNKNOWN_TAG:
          {
            g_autoptr(LightlySamplerConfig) c = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 3, t->name);
            const char *unknown = "0123456789abcdef01234567";
            g_autoptr(LightlyTag) created = lightly_api_workflow_client_sampling (client, c,
                                                                                 t->bit == 1 ? unknown : NULL,
                                                                                 t->bit == 0 ? unknown : NULL,
                                                                                 NULL, &e);

            ok = created != NULL;
          }
          break;
        case OP_UPLOAD_SCORES:
          {
            g_autoptr(LightlyScores) scores = lightly_scores_new (t->n_scores);
            g_autofree double *values = g_new0 (double, t->n_scores);

            g_assert_true (lightly_scores_add (scores, "uncertainty_margin", values, t->n_scores, NULL));
            ok = lightly_api_workflow_client_upload_scores (client, scores, lightly_tag_get_id (initial), NULL, &e);
          }
          break;
        case OP_QUERY:
          {
            g_autoptr(LightlySamplerConfig) c = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, t->n_samples, t->name);
            g_autoptr(LightlyQueryResult) res = lightly_agent_query (agent, c, NULL, NULL, &e);

            ok = res != NULL;
          }
          break;
        default:
          g_assert_not_reached ();
        }
      if (ok)
        g_error ("%s: succeeded", t->what);
      g_assert_nonnull (e);
      if (!g_error_matches (e, t->domain != 0 ? t->domain : LIGHTLY_ERROR, t->code))
        g_error ("%s: got %s %d (%s), expected code %d", t->what, g_quark_to_string (e->domain), e->code,
                 e->message, t->code);
      g_assert_cmpstr (e->message, !=, "");
      g_test_message ("  → %s", e->message);
      after = test_hash_store (dir);
      if (g_strcmp0 (before, after) != 0)
        g_error ("%s: the store's bytes changed", t->what);
    }

  /* And the store still works: a selection over all of it. */
  config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 3, "works");
  r = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strv_len (lightly_query_result_get_added (r)), ==, 3);

  g_clear_object (&agent);
  g_clear_object (&client);
  test_rm_rf (dir);
}

/* ---- main ------------------------------------------------------------------- */

/* The stopping rule is checked where input enters (the config, the agent,
 * the client's public sampling, the local backend for wire input) and says
 * the same thing everywhere. */
static void
test_one_stopping_rule (void)
{
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(LightlySamplerConfig) config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, -1, "no-stop");
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlyQueryResult) result = NULL;
  g_autoptr(LightlyTag) tag = NULL;
  g_autoptr(LightlyBackend) backend = NULL;
  g_autofree char *job_id = NULL;
  g_autoptr(GError) rule = NULL;
  g_autoptr(GError) from_config = NULL;
  g_autoptr(GError) from_agent = NULL;
  g_autoptr(GError) from_client = NULL;
  g_autoptr(GError) from_wire = NULL;
  g_autoptr(GError) error = NULL;
  LightlySelectionRequest request = { .method = LIGHTLY_SAMPLING_METHOD_CORESET, .n_samples = -1,
                                      .min_distance = -1, .new_tag_name = (char *) "no-stop" };

  setup_dataset (client, "fmnist", fixture_path ());
  agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_false (lightly_sampler_rules_check_n_samples (-1, -1, &rule));
  g_assert_false (lightly_sampler_config_validate (config, &from_config));
  result = lightly_agent_query (agent, config, NULL, NULL, &from_agent);
  g_assert_null (result);
  tag = lightly_api_workflow_client_sampling (client, config, NULL, NULL, NULL, &from_client);
  g_assert_null (tag);
  backend = lightly_local_backend_new (dir, &error);
  g_assert_no_error (error);
  job_id = LIGHTLY_BACKEND_GET_IFACE (backend)->start_selection (backend,
                                                                 lightly_api_workflow_client_get_dataset_id (client),
                                                                 lightly_api_workflow_client_get_embedding_id (client),
                                                                 &request, NULL, &from_wire);
  g_assert_null (job_id);

  g_assert_error (rule, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (rule->message, "no stopping condition: n-samples is -1 and min-distance is -1"));
  g_assert_error (from_config, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (from_config->message, ==, rule->message);
  g_assert_error (from_agent, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (from_agent->message, ==, rule->message);
  g_assert_error (from_client, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (from_client->message, ==, rule->message);
  g_assert_error (from_wire, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (from_wire->message, ==, rule->message);
  test_rm_rf (dir);
}

/* An agent reads the masks of its query and preselected tags only, not one
 * per round: the client's find_tags lists the other tags without them (the
 * embedded store), while the public listings still carry every mask. */
static void
test_reads_two_masks (void)
{
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(GBytes) csv = synthetic_csv (40, 4, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlyTag) by_name = NULL;
  const char *names[] = { "round-2", "no-such-tag", NULL };

  setup_dataset_from_bytes (client, "masks", csv);
  for (guint t = 0; t < 4; t++)
    {
      g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new ();
      g_autofree char *name = g_strdup_printf ("round-%u", t);
      g_autoptr(LightlyTag) tag = NULL;

      for (guint i = 0; i <= 3 * t; i++)
        lightly_bit_mask_set_bit (mask, i);
      tag = lightly_api_workflow_client_create_tag (client, name, mask, NULL, NULL, &error);
      g_assert_no_error (error);
    }

  all = lightly_api_workflow_client_get_tags (client, NULL, &error);
  g_assert_no_error (error);
  found = lightly_api_workflow_client_find_tags (client, names, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 5);
  g_assert_cmpuint (found->len, ==, all->len);
  for (guint i = 0; i < all->len; i++)
    {
      LightlyTag *a = g_ptr_array_index (all, i), *f = g_ptr_array_index (found, i);

      g_assert_nonnull (lightly_tag_get_bit_mask_data (a));
      g_assert_cmpstr (lightly_tag_get_id (f), ==, lightly_tag_get_id (a));
      g_assert_cmpstr (lightly_tag_get_name (f), ==, lightly_tag_get_name (a));
      g_assert_cmpuint (lightly_tag_get_tot_size (f), ==, lightly_tag_get_tot_size (a));
      if (g_strcmp0 (lightly_tag_get_name (a), "round-2") == 0)
        g_assert_cmpstr (lightly_tag_get_bit_mask_data (f), ==, lightly_tag_get_bit_mask_data (a));
      else
        g_assert_null (lightly_tag_get_bit_mask_data (f));
    }

  /* The public lookup by name returns the whole tag. */
  by_name = lightly_api_workflow_client_get_tag_by_name (client, "round-3", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_tag_get_count (by_name), ==, 10);

  /* And the agent's sets come out of the two masks it read. */
  agent = lightly_agent_new (client, "round-3", "round-1", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length ((char **) lightly_agent_get_query_set (agent)), ==, 10);
  g_assert_cmpuint (g_strv_length ((char **) lightly_agent_get_labeled_set (agent)), ==, 4);
  g_assert_cmpuint (g_strv_length ((char **) lightly_agent_get_unlabeled_set (agent)), ==, 6);
  g_clear_object (&agent);
  agent = lightly_agent_new (client, "round-9", NULL, NULL, &error);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND);
  g_assert_null (agent);

  g_clear_object (&client);
  test_rm_rf (dir);
}

/* After a query the agent reuses its sample-name mapping when the new tag
 * is exactly as wide (the dataset did not grow) and reads it again when the
 * tag is wider; n_mapping_reads (lightly-agent-private.h) counts the reads,
 * so a reuse that stopped happening, or one that happened over a grown
 * dataset, fails here. */
static void
test_grown_mapping (void)
{
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(LightlySamplerConfig) first = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 10, "same");
  g_autoptr(LightlySamplerConfig) config = new_config (LIGHTLY_SAMPLING_METHOD_CORESET, 20, "grown");
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(LightlyQueryResult) result = NULL;
  g_autoptr(GBytes) csv = synthetic_csv (200, 8, 3);
  g_autoptr(GBytes) all = synthetic_csv (250, 8, 4);
  g_autoptr(GError) error = NULL;
  g_autofree char *embedding_id = NULL;
  g_autoptr(LightlyStore) store = NULL;
  char *more[51] = { NULL };
  g_autoptr(GInputStream) all_in = NULL;
  const char * const *added;
  g_autoptr(GHashTable) before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_grown = 0;

  setup_dataset_from_bytes (client, "grown", csv);
  agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length ((char **) lightly_agent_get_query_set (agent)), ==, 200);
  g_assert_cmpuint (agent->n_mapping_reads, ==, 1);

  /* The dataset as it was: the new tag is as wide as the mapping, which is
   * reused, and the sets are still made over it. */
  result = lightly_agent_query (agent, first, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_tag_get_tot_size (lightly_query_result_get_tag (result)), ==, 200);
  g_assert_cmpuint (agent->n_mapping_reads, ==, 1);
  g_assert_cmpuint (g_strv_length ((char **) lightly_agent_get_added_set (agent)), ==, 10);
  for (added = lightly_agent_get_labeled_set (agent); *added != NULL; added++)
    {
      g_assert_true (strcmp (*added, "s-000200.png") < 0);
      g_hash_table_add (before, g_strdup (*added));
    }
  g_assert_cmpuint (g_hash_table_size (before), ==, 10);
  g_clear_object (&result);

  /* 50 more samples, appended to the mapping in the store (as another
   * process, or a server's dataset upsize, would), and embeddings for all. */
  store = lightly_store_open (dir, &error);
  g_assert_no_error (error);
  for (guint i = 200; i < 250; i++)
    more[i - 200] = g_strdup_printf ("s-%06u.png", i);
  g_assert_true (lightly_store_add_samples (store, lightly_api_workflow_client_get_dataset_id (client),
                                            (const char * const *) more, 50, &error));
  g_assert_no_error (error);
  all_in = g_memory_input_stream_new_from_bytes (all);
  embedding_id = lightly_api_workflow_client_upload_embeddings (client, all_in, "all", NULL, &error);
  g_assert_no_error (error);

  /* The new tag is wider than the mapping: it must be read again (reusing
   * it would name the new rows wrongly or not at all). */
  result = lightly_agent_query (agent, config, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_tag_get_tot_size (lightly_query_result_get_tag (result)), ==, 250);
  g_assert_cmpuint (agent->n_mapping_reads, ==, 2);
  added = lightly_agent_get_added_set (agent);
  g_assert_nonnull (added);
  g_assert_cmpuint (g_strv_length ((char **) added), ==, 10);
  g_assert_cmpuint (g_strv_length ((char **) lightly_agent_get_labeled_set (agent)), ==, 20);
  for (guint i = 0; added[i] != NULL; i++)
    {
      g_assert_true (g_str_has_prefix (added[i], "s-000"));
      g_assert_false (g_hash_table_contains (before, added[i]));
      if (strcmp (added[i], "s-000200.png") >= 0)
        n_grown++;
    }
  /* The query set is still the agent's (the initial tag it read) or the
   * grown one; either way every added name is a real sample's. */
  g_assert_cmpuint (n_grown, <=, 10);
  for (guint i = 0; i < 50; i++)
    g_free (more[i]);
  test_rm_rf (dir);
}

/* The agent names a query's picks from its own mapping: the embedded store
 * hands it rows (lightly-pick-private.h). Against the backend's
 * get_tag_picks(), which looks each name up in the store: the same names
 * in the same order, ranks and utilities, for a method with clusters too;
 * a wrong row or a pick left unnamed fails here. */
static void
test_picks_named_from_mapping (void)
{
  g_autofree char *dir = test_make_tmp_dir ("lightly-agent");
  g_autoptr(LightlyApiWorkflowClient) client = new_client (dir);
  g_autoptr(GBytes) csv = synthetic_csv (300, 8, 6);
  g_autoptr(LightlyBackend) backend = NULL;
  g_autoptr(LightlyAgent) agent = NULL;
  g_autoptr(GError) error = NULL;
  const LightlySamplingMethod methods[] = { LIGHTLY_SAMPLING_METHOD_CORESET,
                                            LIGHTLY_SAMPLING_METHOD_TYPICLUST };

  setup_dataset_from_bytes (client, "picks", csv);
  agent = lightly_agent_new (client, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  backend = lightly_local_backend_new (dir, &error);
  g_assert_no_error (error);
  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      g_autofree char *name = g_strdup_printf ("named-%u", m);
      g_autoptr(LightlySamplerConfig) config = new_config (methods[m], 12 * (m + 1), name);
      g_autoptr(LightlyQueryResult) result = lightly_agent_query (agent, config, NULL, NULL, &error);
      const char *dataset_id = lightly_api_workflow_client_get_dataset_id (client);
      const char *tag_id;
      GPtrArray *picks;
      g_autoptr(GPtrArray) stored = NULL;
      g_autoptr(GPtrArray) rows = NULL;

      g_assert_no_error (error);
      tag_id = lightly_tag_get_id (lightly_query_result_get_tag (result));
      picks = lightly_query_result_get_picks (result);
      stored = lightly_backend_get_tag_picks (backend, dataset_id, tag_id, NULL, &error);
      g_assert_no_error (error);
      rows = lightly_backend_get_tag_pick_rows (backend, dataset_id, tag_id, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (picks->len, ==, 12);
      g_assert_cmpuint (stored->len, ==, picks->len);
      g_assert_cmpuint (rows->len, ==, picks->len);
      for (guint i = 0; i < picks->len; i++)
        {
          const LightlyPick *p = g_ptr_array_index (picks, i);
          const LightlyPick *s = g_ptr_array_index (stored, i);
          const LightlyPick *r = g_ptr_array_index (rows, i);
          g_autoptr(LightlyPick) copy = lightly_pick_copy (r);

          g_assert_nonnull (lightly_pick_get_file_name (p));
          g_assert_true (g_strv_contains (lightly_query_result_get_added (result),
                                          lightly_pick_get_file_name (p)));
          g_assert_cmpstr (lightly_pick_get_file_name (p), ==, lightly_pick_get_file_name (s));
          g_assert_cmpuint (lightly_pick_get_rank (p), ==, i);
          g_assert_cmpuint (lightly_pick_get_rank (s), ==, i);
          g_assert_cmpfloat (lightly_pick_get_utility (p), ==, lightly_pick_get_utility (s));
          g_assert_cmpint (lightly_pick_get_cluster (p), ==, lightly_pick_get_cluster (s));
          /* The rows' variant leaves the names out and keeps the rows. */
          g_assert_null (lightly_pick_get_file_name (r));
          g_assert_cmpuint (lightly_pick_get_row (r), <, 300);
          g_assert_cmpuint (lightly_pick_get_row (r), ==, lightly_pick_get_row (s));
          g_assert_cmpuint (lightly_pick_get_row (copy), ==, lightly_pick_get_row (r));
        }
      if (methods[m] == LIGHTLY_SAMPLING_METHOD_TYPICLUST)
        g_assert_cmpint (lightly_pick_get_cluster (g_ptr_array_index (picks, 0)), >=, 0);
    }
  g_clear_object (&agent);
  g_clear_object (&backend);
  g_clear_object (&client);
  test_rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 5 && strcmp (argv[1], "--child-sets") == 0)
    return child_sets (argv[2], argv[3], argv[4]);
  if (argc == 5 && strcmp (argv[1], "--child-other") == 0)
    return child_other (argv[2], argv[3], argv[4]);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/agent/tutorial", test_tutorial);
  g_test_add_func ("/agent/sets-read-at-once", test_sets_read_at_once);
  g_test_add_func ("/agent/errors", test_errors);
  g_test_add_func ("/agent/owner-thread", test_owner_thread);
  g_test_add_func ("/agent/restart", test_restart);
  g_test_add_func ("/agent/cancel", test_cancel);
  g_test_add_func ("/agent/two-processes", test_two_processes);
  g_test_add_func ("/agent/bad-input", test_bad_input);
  g_test_add_func ("/agent/one-stopping-rule", test_one_stopping_rule);
  g_test_add_func ("/agent/grown-mapping", test_grown_mapping);
  g_test_add_func ("/agent/reads-two-masks", test_reads_two_masks);
  g_test_add_func ("/agent/picks-named-from-mapping", test_picks_named_from_mapping);

  return g_test_run ();
}
