/* test-half-store.c: LightlySamplerConfig:matrix-precision through the
 * whole local path (client → local backend → store's half copy → engine)
 *
 * The picks with a float16 or bfloat16 copy equal the float32 picks, and the
 * copy was really streamed (the engine's stats); the copy is a file beside
 * the matrix, rebuilt when damaged, truncated or of another matrix, removed
 * with its embedding; a value float16 cannot hold fails the job with a
 * message that says what to do. The in-memory store (no file) is covered by
 * test-server-routes.
 */
#include <lightly/lightly.h>

#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include <glib/gstdio.h>

#include "backend/lightly-local-backend.h"
#include "selection/lightly-selection.h"
#include "store/lightly-store.h"
#include "test-utils.h"

#define ROWS 1500
#define DIM 24

/* Gaussian blobs of different sizes and spreads, so that the greedy picks
 * have near ties for the half copy to get wrong if the engine trusted it. */
static float *
make_matrix (guint32 seed, gsize n, gsize dim)
{
  GRand *rand = g_rand_new_with_seed (seed);
  float *x = g_new (float, n * dim);
  float centres[8][DIM];

  for (gsize c = 0; c < 8; c++)
    for (gsize j = 0; j < dim; j++)
      centres[c][j] = (float) g_rand_double_range (rand, -1, 1);
  for (gsize i = 0; i < n; i++)
    {
      gsize c = (gsize) g_rand_int_range (rand, 0, 8);
      double spread = 0.02 + 0.1 * (double) c;

      for (gsize j = 0; j < dim; j++)
        x[i * dim + j] = centres[c][j] + (float) (spread * g_rand_double_range (rand, -1, 1));
    }
  g_rand_free (rand);
  return x;
}

typedef struct {
  char *dir;
  LightlyApiWorkflowClient *client;
  char *emb;
  char *initial;
  char **names;
} Store;

static void
store_setup (Store *s, const char *dir, const float *x)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *ds = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (x, sizeof (float) * ROWS * DIM);
  g_autoptr(LightlyTag) initial = NULL;

  s->names = g_new0 (char *, ROWS + 1);
  for (guint r = 0; r < ROWS; r++)
    s->names[r] = g_strdup_printf ("img-%04u.png", r);
  s->dir = g_strdup (dir);
  uri = g_filename_to_uri (dir, NULL, NULL);
  s->client = lightly_api_workflow_client_new (uri, NULL, NULL, &error);
  g_assert_no_error (error);
  ds = lightly_api_workflow_client_create_dataset (s->client, "half", NULL, &error);
  g_assert_no_error (error);
  lightly_api_workflow_client_register_samples_from_names (s->client, (const char * const *) s->names, NULL,
                                                           &error);
  g_assert_no_error (error);
  s->emb = lightly_api_workflow_client_upload_embeddings_from_bytes (s->client, (const char * const *) s->names,
                                                                     bytes, ROWS, DIM, "emb", NULL, &error);
  g_assert_no_error (error);
  initial = lightly_api_workflow_client_get_tag_by_name (s->client, "initial-tag", NULL, &error);
  g_assert_no_error (error);
  s->initial = g_strdup (lightly_tag_get_id (initial));
}

static void
store_clear (Store *s)
{
  g_clear_object (&s->client);
  test_rm_rf (s->dir);
  g_free (s->dir);
  g_free (s->emb);
  g_free (s->initial);
  g_strfreev (s->names);
}

static char *
half_file (Store *s, const char *suffix)
{
  g_autofree char *base = g_strconcat (s->emb, suffix, NULL);

  return g_build_filename (s->dir, "embeddings", base, NULL);
}

/* One selection; returns the tag's bit mask (NULL with *error on failure)
 * and the engine's count of distances from the half copy. */
static char *
select_mask (Store                  *s,
             LightlySamplingMethod   method,
             LightlyMatrixPrecision  precision,
             const char             *preselected,
             int                     n_samples,
             guint64                *half,
             GError                **error)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("sel-%u", counter++);
  g_autoptr(LightlySamplerConfig) config = g_object_new (LIGHTLY_TYPE_SAMPLER_CONFIG,
                                                         "method", method, "n-samples", n_samples,
                                                         "name", name, "matrix-precision", precision,
                                                         NULL);
  g_autoptr(LightlyTag) tag = NULL;
  LightlySelectionStats stats;

  g_assert_true (lightly_sampler_config_validate (config, NULL));
  tag = lightly_api_workflow_client_sampling (s->client, config, preselected, NULL, NULL, error);
  if (tag == NULL)
    return NULL;
  lightly_selection_get_stats (&stats);
  if (half != NULL)
    *half = stats.half;
  return g_strdup (lightly_tag_get_bit_mask_data (tag));
}

/* A tag of every 50th sample, as the labeled set. */
static char *
make_preselected (Store *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyBitMask) mask = lightly_bit_mask_new ();
  g_autoptr(LightlyTag) tag = NULL;

  for (guint r = 0; r < ROWS; r += 50)
    lightly_bit_mask_set_bit (mask, r);
  tag = lightly_api_workflow_client_create_tag (s->client, "labeled", mask, s->initial, NULL, &error);
  g_assert_no_error (error);
  return g_strdup (lightly_tag_get_id (tag));
}

static void
upload_scores (Store *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyScores) scores = lightly_scores_new (ROWS);
  g_autofree double *v = g_new (double, ROWS);

  for (guint r = 0; r < ROWS; r++)
    v[r] = 0.5 + 0.5 * sin ((double) r * 0.37);
  g_assert_true (lightly_scores_add (scores, "uncertainty_margin", v, ROWS, &error));
  g_assert_true (lightly_api_workflow_client_upload_scores (s->client, scores, s->initial, NULL, &error));
  g_assert_no_error (error);
}

/* ---- The picks, on disk and in memory ------------------------------------ */

static void
check_picks (Store *s)
{
  static const LightlySamplingMethod methods[] = { LIGHTLY_SAMPLING_METHOD_CORESET,
                                                   LIGHTLY_SAMPLING_METHOD_CORAL };
  static const LightlyMatrixPrecision halves[] = { LIGHTLY_MATRIX_PRECISION_FLOAT16,
                                                   LIGHTLY_MATRIX_PRECISION_BFLOAT16 };
  g_autofree char *pre = make_preselected (s);

  upload_scores (s);
  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    for (guint p = 0; p < 2; p++)
      {
        const char *preselected = p == 0 ? NULL : pre;
        int n = p == 0 ? 120 : 30 + 120;
        g_autoptr(GError) error = NULL;
        g_autofree char *f32 = NULL;
        guint64 half = 0;

        g_setenv ("LIGHTLY_CARRIED_COVERAGE", "0", TRUE);
        /* Passes that compute guessed picks stream the float32 rows, and
         * on these few rows every pass would: without the guesses every
         * update pass streams the copy, so the copy is seen to serve. */
        lightly_selection_set_speculation (0, 0);
        f32 = select_mask (s, methods[m], LIGHTLY_MATRIX_PRECISION_FLOAT32, preselected, n, &half, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (half, ==, 0);
        for (guint h = 0; h < G_N_ELEMENTS (halves); h++)
          for (guint again = 0; again < 2; again++)   /* built, then loaded */
            {
              g_autofree char *mask = select_mask (s, methods[m], halves[h], preselected, n, &half, &error);

              g_assert_no_error (error);
              g_assert_cmpstr (mask, ==, f32);
              g_assert_cmpuint (half, >, 0);
            }
        g_unsetenv ("LIGHTLY_CARRIED_COVERAGE");
        lightly_selection_set_speculation (-1, 0);
      }
  /* Methods that do not stream the matrix ignore the option. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *a = select_mask (s, LIGHTLY_SAMPLING_METHOD_RANDOM, LIGHTLY_MATRIX_PRECISION_FLOAT32,
                                      NULL, 40, NULL, &error);
    g_autofree char *b = select_mask (s, LIGHTLY_SAMPLING_METHOD_RANDOM, LIGHTLY_MATRIX_PRECISION_FLOAT16,
                                      NULL, 40, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (a, ==, b);
  }
}

static void
test_picks_disk (void)
{
  g_autofree float *x = make_matrix (5, ROWS, DIM);
  g_autofree char *dir = test_make_tmp_dir ("lightly-half-");
  Store s = { 0 };

  store_setup (&s, dir, x);
  check_picks (&s);
  {
    g_autofree char *f16 = half_file (&s, ".f16");
    g_autofree char *bf16 = half_file (&s, ".bf16");
    GStatBuf st;

    g_assert_cmpint (g_stat (f16, &st), ==, 0);
    g_assert_cmpuint ((guint64) st.st_size, ==, 64 + 2 * ROWS * DIM);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    g_assert_cmpint (g_stat (bf16, &st), ==, 0);
    g_assert_cmpuint ((guint64) st.st_size, ==, 64 + 2 * ROWS * DIM);
  }
  store_clear (&s);
}

/* ---- Damaged, truncated, stale copies are rebuilt ----------------------------- */

static void
test_rebuild (void)
{
  g_autofree float *x = make_matrix (7, ROWS, DIM);
  g_autofree float *y = make_matrix (8, ROWS, DIM);
  g_autofree char *dir = test_make_tmp_dir ("lightly-half-");
  g_autofree char *dir2 = test_make_tmp_dir ("lightly-half-");
  g_autofree char *path = NULL, *other = NULL, *good = NULL, *f32 = NULL, *first = NULL;
  g_autoptr(GError) error = NULL;
  Store s = { 0 }, t = { 0 };
  gsize len;
  guint64 half;

  store_setup (&s, dir, x);
  path = half_file (&s, ".f16");
  f32 = select_mask (&s, LIGHTLY_SAMPLING_METHOD_CORESET, LIGHTLY_MATRIX_PRECISION_FLOAT32, NULL, 80, NULL, &error);
  g_assert_no_error (error);
  first = select_mask (&s, LIGHTLY_SAMPLING_METHOD_CORESET, LIGHTLY_MATRIX_PRECISION_FLOAT16, NULL, 80, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, f32);
  g_assert_true (g_file_get_contents (path, &good, &len, NULL));
  g_assert_cmpuint (len, ==, 64 + 2 * ROWS * DIM);

  /* Another store's copy of another matrix, same shape, under this id. */
  store_setup (&t, dir2, y);
  {
    g_autofree char *mask G_GNUC_UNUSED = select_mask (&t, LIGHTLY_SAMPLING_METHOD_CORESET, LIGHTLY_MATRIX_PRECISION_FLOAT16,
                                         NULL, 80, NULL, &error);
    g_autofree char *base = g_strconcat (t.emb, ".f16", NULL);

    g_assert_no_error (error);
    other = g_build_filename (dir2, "embeddings", base, NULL);
  }

  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *bad = NULL;
      g_autofree char *mask = NULL;
      g_autofree char *after = NULL;
      gsize bad_len = len, after_len;

      if (i == 7)
        g_assert_true (g_file_get_contents (other, &bad, &bad_len, NULL));
      else
        bad = g_memdup2 (good, len);
      switch (i)
        {
        case 0: bad_len = len - 1; break;                   /* truncated by a byte */
        case 1: bad_len = 40; break;                        /* inside the header */
        case 2: bad_len = 0; break;                         /* empty */
        case 3: bad[len - 100] ^= 0x04; break;              /* one flipped bit in the body */
        case 4: bad[64 + 2 * DIM * 700] ^= 0x01; break;     /* … mid-matrix, the lowest bit */
        case 5: bad[20] ^= 0x01; break;                     /* … in the header */
        case 6: memset (bad, 0xff, len); break;             /* garbage */
        default: break;                                     /* another matrix's copy */
        }
      g_assert_true (g_file_set_contents (path, bad, (gssize) bad_len, NULL));
      g_test_expect_message ("Lightly", G_LOG_LEVEL_WARNING, "Ignoring the half-precision copy*");
      mask = select_mask (&s, LIGHTLY_SAMPLING_METHOD_CORESET, LIGHTLY_MATRIX_PRECISION_FLOAT16, NULL, 80,
                          &half, &error);
      g_test_assert_expected_messages ();
      g_assert_no_error (error);
      g_assert_cmpstr (mask, ==, f32);
      g_assert_cmpuint (half, >, 0);
      /* Rebuilt: the file is the good copy again. */
      g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
      g_assert_cmpuint (after_len, ==, len);
      g_assert_true (memcmp (after, good, len) == 0);
    }

  /* Bytes appended to a good copy. */
  {
    g_autofree char *longer = g_malloc0 (len + 2);
    g_autofree char *mask = NULL;

    memcpy (longer, good, len);
    g_assert_true (g_file_set_contents (path, longer, (gssize) len + 2, NULL));
    g_test_expect_message ("Lightly", G_LOG_LEVEL_WARNING, "Ignoring the half-precision copy*");
    mask = select_mask (&s, LIGHTLY_SAMPLING_METHOD_CORESET, LIGHTLY_MATRIX_PRECISION_FLOAT16, NULL, 80, NULL,
                        &error);
    g_test_assert_expected_messages ();
    g_assert_cmpstr (mask, ==, f32);
  }
  /* A copy that is not a file cannot be replaced: the job still runs on
   * the copy it built, with a warning that it was not saved. */
  {
    g_autofree char *mask = NULL;

    g_assert_cmpint (g_unlink (path), ==, 0);
    g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
    g_test_expect_message ("Lightly", G_LOG_LEVEL_WARNING, "Could not read the half-precision copy*");
    g_test_expect_message ("Lightly", G_LOG_LEVEL_WARNING, "The half-precision copy of embedding * was not saved*");
    mask = select_mask (&s, LIGHTLY_SAMPLING_METHOD_CORESET, LIGHTLY_MATRIX_PRECISION_FLOAT16, NULL, 80, &half,
                        &error);
    g_test_assert_expected_messages ();
    g_assert_no_error (error);
    g_assert_cmpstr (mask, ==, f32);
    g_assert_cmpuint (half, >, 0);
    g_assert_cmpint (g_rmdir (path), ==, 0);
  }
  store_clear (&s);
  store_clear (&t);
}

/* ---- The copies go with their embedding ------------------------------------- */

static void
test_removed_with_embedding (void)
{
  g_autofree float *x = make_matrix (9, ROWS, DIM);
  g_autofree char *dir = test_make_tmp_dir ("lightly-half-");
  g_autofree char *f16 = NULL, *bf16 = NULL, *f32 = NULL, *tmp = NULL, *stray = NULL, *db_path = NULL;
  g_autoptr(GError) error = NULL;
  Store s = { 0 };
  sqlite3 *db = NULL;

  store_setup (&s, dir, x);
  g_free (select_mask (&s, LIGHTLY_SAMPLING_METHOD_CORESET, LIGHTLY_MATRIX_PRECISION_FLOAT16, NULL, 20, NULL, &error));
  g_free (select_mask (&s, LIGHTLY_SAMPLING_METHOD_CORESET, LIGHTLY_MATRIX_PRECISION_BFLOAT16, NULL, 20, NULL, &error));
  g_assert_no_error (error);
  f16 = half_file (&s, ".f16");
  bf16 = half_file (&s, ".bf16");
  f32 = half_file (&s, ".f32");
  tmp = half_file (&s, ".f16.Ab12Cd");
  stray = g_build_filename (dir, "embeddings", "0123456789abcdef01234567.bf16", NULL);
  g_assert_true (g_file_set_contents (tmp, "x", 1, NULL));
  g_assert_true (g_file_set_contents (stray, "x", 1, NULL));
  g_clear_object (&s.client);

  /* Reopening keeps the copies of a live embedding, and removes a crash's
   * temporary and the copy of an embedding that does not exist. */
  {
    g_autoptr(LightlyStore) store G_GNUC_UNUSED = lightly_store_open (dir, &error);

    g_assert_no_error (error);
    g_assert_true (g_file_test (f16, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (bf16, G_FILE_TEST_IS_REGULAR));
    g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (stray, G_FILE_TEST_EXISTS));
  }

  /* The embedding's row goes (as a crash before its commit leaves it):
   * its matrix and both copies go with it. */
  db_path = g_build_filename (dir, "lightly.db", NULL);
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  {
    g_autofree char *sql = g_strdup_printf ("DELETE FROM embeddings WHERE id = '%s'", s.emb);

    g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_changes (db), ==, 1);
  }
  sqlite3_close (db);
  {
    g_autoptr(LightlyStore) store G_GNUC_UNUSED = lightly_store_open (dir, &error);

    g_assert_no_error (error);
    g_assert_false (g_file_test (f32, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (f16, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (bf16, G_FILE_TEST_EXISTS));
  }
  store_clear (&s);
}

/* ---- A value float16 cannot hold -------------------------------------------- */

static void
test_float16_overflow (void)
{
  g_autofree float *x = make_matrix (10, ROWS, DIM);
  g_autofree char *dir = test_make_tmp_dir ("lightly-half-");
  g_autofree char *f32 = NULL, *bytes = NULL, *f16 = NULL;
  g_autoptr(GError) error = NULL;
  Store s = { 0 };
  gsize len;

  store_setup (&s, dir, x);
  /* Uploads are L2-normalised, so no stored row can overflow float16; a
   * matrix file changed behind the store's back is the only way to one. */
  f32 = half_file (&s, ".f32");
  g_assert_true (g_file_get_contents (f32, &bytes, &len, NULL));
  ((float *) (gpointer) bytes)[DIM * 321 + 5] = -70000.0f;
  g_assert_true (g_file_set_contents (f32, bytes, (gssize) len, NULL));

  g_assert_null (select_mask (&s, LIGHTLY_SAMPLING_METHOD_CORESET, LIGHTLY_MATRIX_PRECISION_FLOAT16, NULL, 20,
                              NULL, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_JOB_FAILED);
  g_assert_nonnull (strstr (error->message, "matrix-precision FLOAT16: Embedding row 321 holds -70000, "
                                            "which overflows float16"));
  g_assert_nonnull (strstr (error->message, "keep float32 or use bfloat16"));
  f16 = half_file (&s, ".f16");
  g_assert_false (g_file_test (f16, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  /* bfloat16 holds it. */
  g_free (select_mask (&s, LIGHTLY_SAMPLING_METHOD_CORESET, LIGHTLY_MATRIX_PRECISION_BFLOAT16, NULL, 20, NULL,
                       &error));
  g_assert_no_error (error);
  store_clear (&s);
}

/* A checked copy is kept by the store and handed out again while its file
 * is the one checked; a rewritten file is checked again, a damaged one
 * ignored. */
static void
test_kept (void)
{
  g_autofree char *dir = test_make_tmp_dir ("lightly-half-kept");
  g_autofree float *x = make_matrix (11, ROWS, DIM);
  g_autoptr(GError) error = NULL;
  g_autofree char *mask = NULL, *path = NULL, *good = NULL;
  g_autoptr(LightlyStore) store = NULL;
  g_autoptr(LightlyStoreMatrix) matrix = NULL;
  g_autoptr(GBytes) b1 = NULL;
  g_autoptr(GBytes) b2 = NULL;
  g_autoptr(GBytes) b3 = NULL;
  gsize len;
  Store s;

  store_setup (&s, dir, x);
  mask = select_mask (&s, LIGHTLY_SAMPLING_METHOD_CORESET, LIGHTLY_MATRIX_PRECISION_FLOAT16, NULL, 20,
                      NULL, &error);
  g_assert_no_error (error);
  path = half_file (&s, ".f16");
  g_assert_true (g_file_get_contents (path, &good, &len, NULL));

  store = lightly_store_open (dir, &error);
  g_assert_no_error (error);
  matrix = lightly_store_map_embedding (store, s.emb, &error);
  g_assert_no_error (error);
  b1 = lightly_store_load_half (store, s.emb, LIGHTLY_STORE_HALF_FLOAT16, matrix);
  b2 = lightly_store_load_half (store, s.emb, LIGHTLY_STORE_HALF_FLOAT16, matrix);
  g_assert_nonnull (b1);
  g_assert_true (g_bytes_get_data (b2, NULL) == g_bytes_get_data (b1, NULL));
  g_clear_pointer (&b2, g_bytes_unref);

  /* The same bytes in a new file: checked and mapped again. */
  g_assert_true (g_file_set_contents (path, good, (gssize) len, NULL));
  b2 = lightly_store_load_half (store, s.emb, LIGHTLY_STORE_HALF_FLOAT16, matrix);
  g_assert_nonnull (b2);
  g_assert_true (g_bytes_get_data (b2, NULL) != g_bytes_get_data (b1, NULL));
  g_assert_true (g_bytes_equal (b1, b2));

  /* A flipped bit in a new file: ignored, with the warning. */
  good[len - 10] ^= 0x10;
  g_assert_true (g_file_set_contents (path, good, (gssize) len, NULL));
  g_test_expect_message ("Lightly", G_LOG_LEVEL_WARNING, "Ignoring the half-precision copy*");
  g_assert_null (lightly_store_load_half (store, s.emb, LIGHTLY_STORE_HALF_FLOAT16, matrix));
  g_test_assert_expected_messages ();
  /* Gone: nothing kept is handed out. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_null (lightly_store_load_half (store, s.emb, LIGHTLY_STORE_HALF_FLOAT16, matrix));
  good[len - 10] ^= 0x10;
  g_assert_true (g_file_set_contents (path, good, (gssize) len, NULL));
  b3 = lightly_store_load_half (store, s.emb, LIGHTLY_STORE_HALF_FLOAT16, matrix);
  g_assert_nonnull (b3);
  g_assert_true (g_bytes_equal (b1, b3));

  g_clear_pointer (&matrix, lightly_store_matrix_unref);
  g_clear_object (&store);
  store_clear (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/half-store/picks/disk", test_picks_disk);
  g_test_add_func ("/half-store/rebuild", test_rebuild);
  g_test_add_func ("/half-store/kept", test_kept);
  g_test_add_func ("/half-store/removed-with-embedding", test_removed_with_embedding);
  g_test_add_func ("/half-store/float16-overflow", test_float16_overflow);
  return g_test_run ();
}
