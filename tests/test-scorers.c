/* test-scorers.c: LightlyScores, LightlyScorer and the task scorers, with
 * every test vector of protocol.md §6 */
#include <math.h>
#include <string.h>

#include <lightly/lightly.h>
#include "lightly/lightly-scorer-private.h"

#define EPS_F64 1e-9
#define EPS_F32 1e-6

static void
assert_values (LightlyScores *scores,
               const char    *name,
               const double  *expected,
               gsize          n_expected,
               double         eps)
{
  gsize n = 99;
  const double *values = lightly_scores_get_values (scores, name, &n);

  g_assert_nonnull (values);
  g_assert_cmpuint (n, ==, n_expected);
  for (gsize i = 0; i < n; i++)
    {
      if (fabs (values[i] - expected[i]) > eps)
        g_error ("%s[%" G_GSIZE_FORMAT "] = %.12g, expected %.12g", name, i, values[i], expected[i]);
    }
}

static void
assert_names (LightlyScores       *scores,
              const char * const  *expected)
{
  g_auto(GStrv) names = lightly_scores_dup_names (scores);

  g_assert_cmpstrv (names, expected);
  g_assert_cmpuint (lightly_scores_get_n_names (scores), ==, g_strv_length ((char **) expected));
}

static GBytes *
f32_bytes (const double *values,
           gsize         n)
{
  guint8 *data = g_malloc (MAX (n, 1) * 4);

  for (gsize i = 0; i < n; i++)
    {
      float f = (float) values[i];
      guint32 bits;

      memcpy (&bits, &f, 4);
      bits = GUINT32_TO_LE (bits);
      memcpy (data + 4 * i, &bits, 4);
    }
  return g_bytes_new_take (data, n * 4);
}

/* LightlyScores */

static void
test_scores_basic (void)
{
  g_autoptr(LightlyScores) scores = lightly_scores_new (3);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const double a[] = { 0.25, 1.0, 0.0 };
  const double b[] = { -1.5, 2.0, 1e300 };
  const char * const names[] = { "b-second", "a_first", NULL };
  const guint8 *data;
  gsize size, n = 99;

  g_assert_cmpuint (lightly_scores_get_n_samples (scores), ==, 3);
  g_assert_cmpuint (lightly_scores_get_n_names (scores), ==, 0);
  g_assert_null (lightly_scores_get_values (scores, "missing", &n));
  g_assert_cmpuint (n, ==, 0);
  g_assert_null (lightly_scores_dup_values_bytes (scores, "missing"));

  /* insertion order, not alphabetical */
  g_assert_true (lightly_scores_add (scores, "b-second", b, 3, &error));
  g_assert_no_error (error);
  g_assert_true (lightly_scores_add (scores, "a_first", a, 3, &error));
  g_assert_no_error (error);
  assert_names (scores, names);
  g_assert_true (lightly_scores_contains (scores, "a_first"));
  g_assert_false (lightly_scores_contains (scores, "a"));
  assert_values (scores, "a_first", a, 3, 0);
  assert_values (scores, "b-second", b, 3, 0);

  bytes = lightly_scores_dup_values_bytes (scores, "a_first");
  data = g_bytes_get_data (bytes, &size);
  g_assert_cmpuint (size, ==, 24);
  /* 1.0 as float64 little-endian: 00 00 00 00 00 00 f0 3f */
  g_assert_cmpuint (data[8 + 6], ==, 0xf0);
  g_assert_cmpuint (data[8 + 7], ==, 0x3f);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpuint (data[8 + i], ==, 0);

  /* every allowed character */
  g_assert_true (lightly_scores_add (scores, "aZ09_+=,.@:/-", a, 3, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_scores_get_n_names (scores), ==, 3);
}

static void
test_scores_empty (void)
{
  g_autoptr(LightlyScores) scores = lightly_scores_new (0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize n = 99;

  g_assert_true (lightly_scores_add (scores, "x", NULL, 0, &error));
  g_assert_no_error (error);
  /* present but empty: non-NULL, unlike a missing name */
  g_assert_nonnull (lightly_scores_get_values (scores, "x", &n));
  g_assert_cmpuint (n, ==, 0);
  bytes = lightly_scores_dup_values_bytes (scores, "x");
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 0);
}

/* Class probabilities: one score per class, checked row by row; the
 * classification scorer adds them when asked, a single column as [p, 1 − p]. */
static void
test_scores_probabilities (void)
{
  const double good[] = { 0.2, 0.8, 1.0, 0.0, 0.5, 0.5 };
  const double nan_row[] = { 0.2, 0.8, NAN, 0.0, 0.5, 0.5 };
  const double bad_sum[] = { 0.2, 0.8, 0.7, 0.0, 0.5, 0.5 };
  const double binary[] = { 0.25, 1.0, 0.5 };
  struct {
    const double *values;
    gsize n, classes;
    const char *needle;
  } cases[] = {
    { good, 5, 2, "3 samples × 2 classes" },
    { good, 6, 1, "at least 2 classes" },
    { nan_row, 6, 2, "sample 1 is nan" },
    { bad_sum, 6, 2, "sample 1 sum to 0.7" },
  };
  g_autoptr(LightlyScores) scores = lightly_scores_new (3);
  g_autoptr(LightlyScorerClassification) scorer = NULL;
  g_autoptr(LightlyScores) out = NULL;
  g_autoptr(GError) error = NULL;
  const double *v;
  gsize n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_false (lightly_scores_add_probabilities (scores, cases[i].values, cases[i].n, cases[i].classes,
                                                        &error));
      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("“%s” lacks “%s”", error->message, cases[i].needle);
      g_clear_error (&error);
      g_assert_cmpuint (lightly_scores_get_n_names (scores), ==, 0);
    }
  g_assert_true (lightly_scores_add_probabilities (scores, good, 6, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_scores_get_n_names (scores), ==, 2);
  v = lightly_scores_get_values (scores, "class_probability_1", &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat (v[0], ==, 0.8);
  g_assert_cmpfloat (v[1], ==, 0.0);
  g_assert_false (lightly_scores_add_probabilities (scores, good, 6, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  scorer = lightly_scorer_classification_new (binary, 3, 3, 1, &error);
  g_assert_no_error (error);
  g_assert_false (lightly_scorer_classification_get_probabilities (scorer));
  out = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_false (lightly_scores_contains (out, "class_probability_0"));
  g_clear_object (&out);
  lightly_scorer_classification_set_probabilities (scorer, TRUE);
  out = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_scores_get_n_names (out), ==, 5);
  v = lightly_scores_get_values (out, "class_probability_1", &n);
  g_assert_cmpfloat (v[0], ==, 0.75);
  g_assert_cmpfloat (v[1], ==, 0.0);
}

static void
test_scores_errors (void)
{
  g_autoptr(LightlyScores) scores = lightly_scores_new (3);
  const double good[] = { 0.1, 0.2, 0.3 };
  const double with_nan[] = { 0.1, NAN, 0.3 };
  const double with_inf[] = { 0.1, 0.2, -INFINITY };
  struct {
    const char *name;
    const double *values;
    gsize n;
    const char *needles[3];
  } cases[] = {
    { "short", good, 2, { "short", "2 values", "3 samples" } },
    { "nan", with_nan, 3, { "nan", "index 1", "value nan" } },
    { "inf", with_inf, 3, { "inf", "index 2", "-inf" } },
    { "bad name", good, 3, { "bad name", "“ ”", "position 3" } },
    { "tab\tname", good, 3, { "position 3", NULL, NULL } },
    { "", good, 3, { "empty", NULL, NULL } },
    { "ok", good, 3, { "exists already", "ok", NULL } },
  };

  g_assert_true (lightly_scores_add (scores, "ok", good, 3, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (lightly_scores_add (scores, cases[i].name, cases[i].values, cases[i].n, &error));
      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      for (guint j = 0; j < 3 && cases[i].needles[j] != NULL; j++)
        if (strstr (error->message, cases[i].needles[j]) == NULL)
          g_error ("case %u: “%s” does not mention “%s”", i, error->message, cases[i].needles[j]);
    }
  /* nothing was added by a failed call */
  g_assert_cmpuint (lightly_scores_get_n_names (scores), ==, 1);
}

/* LightlyScorer and its wrapper */

typedef enum { MODE_GOOD, MODE_NULL, MODE_ERROR, MODE_BOTH } TestMode;

#define TEST_TYPE_SCORER (test_scorer_get_type ())
G_DECLARE_FINAL_TYPE (TestScorer, test_scorer, TEST, SCORER, LightlyScorer)

struct _TestScorer
{
  LightlyScorer parent_instance;
  TestMode mode;
};

G_DEFINE_FINAL_TYPE (TestScorer, test_scorer, LIGHTLY_TYPE_SCORER)

static LightlyScores *
test_scorer_calculate_scores (LightlyScorer  *scorer,
                              GError        **error)
{
  TestScorer *self = TEST_SCORER (scorer);
  g_autoptr(LightlyScores) scores = lightly_scores_new (2);
  const double v[] = { 0.5, 1.0 };

  g_assert_true (lightly_scores_add (scores, "test", v, 2, NULL));
  switch (self->mode)
    {
    case MODE_GOOD:
      return g_steal_pointer (&scores);
    case MODE_NULL:
      return NULL;
    case MODE_ERROR:
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT, "model exploded");
      return NULL;
    case MODE_BOTH:
    default:
      g_set_error_literal (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT, "both");
      return g_steal_pointer (&scores);
    }
}

static void
test_scorer_class_init (TestScorerClass *klass)
{
  LIGHTLY_SCORER_CLASS (klass)->calculate_scores = test_scorer_calculate_scores;
}

static void
test_scorer_init (TestScorer *self)
{
}

static void
test_scorer_subclass (void)
{
  g_autoptr(TestScorer) scorer = g_object_new (TEST_TYPE_SCORER, NULL);
  g_autoptr(LightlyScores) scores = NULL;
  g_autoptr(GError) error = NULL;
  const double v[] = { 0.5, 1.0 };

  g_assert_true (G_TYPE_IS_ABSTRACT (LIGHTLY_TYPE_SCORER));
  g_assert_false (lightly_scorer_is_builtin (LIGHTLY_SCORER (scorer)));

  scorer->mode = MODE_GOOD;
  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_no_error (error);
  assert_values (scores, "test", v, 2, 0);
  g_clear_object (&scores);

  scorer->mode = MODE_NULL;
  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_null (scores);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "TestScorer"));
  g_clear_error (&error);

  scorer->mode = MODE_ERROR;
  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_null (scores);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (error->message, ==, "model exploded");
  g_clear_error (&error);

  /* scores and an error: a bug in the subclass; the error wins, with a warning */
  scorer->mode = MODE_BOTH;
  g_test_expect_message ("Lightly", G_LOG_LEVEL_WARNING, "*TestScorer*returned scores and set an error*");
  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_test_assert_expected_messages ();
  g_assert_null (scores);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
}

/* §6.1 classification */

typedef struct {
  double row[3];
  gsize n_cols;
  double norm[3];    /* least_confidence, margin, entropy */
  double raw[3];
} ClassificationVector;

/* protocol.md §6.1 (computed with lightly v1.1.23); the raw values of rows
 * the table gives only normalised were computed with the same code. */
static const ClassificationVector classification_vectors[] = {
  { { 0.7, 0.2, 0.1 }, 3, { 0.45, 0.5, 0.7298466992 }, { 0.3, 0.5, 1.1567796494 } },
  { { 0.4, 0.5, 0.1 }, 3, { 0.75, 0.9, 0.8586727111 }, { 0.5, 0.9, 1.3609640474 } },
  { { 0.7 }, 1, { 0.6, 0.6, 0.8812908992 }, { 0.3, 0.6, 0.8812908992 } },
  { { 0.4 }, 1, { 0.8, 0.8, 0.9709505945 }, { 0.4, 0.8, 0.9709505945 } },
  { { 1, 0 }, 2, { 0, 0, 0 }, { 0, 0, 0 } },
  { { 0.5, 0.5 }, 2, { 1, 1, 1 }, { 0.5, 1, 1 } },
  { { 0, 1 }, 2, { 0, 0, 0 }, { 0, 0, 0 } },
  { { 2, 3 }, 2, { 0, 0, 0 }, { -2, 0, -6.7548875022 } },
  { { -1, 0.5 }, 2, { 1, 0, 0.5 }, { 0.5, -0.5, 0.5 } },
  { { 0.2, 0.2 }, 2, { 1, 1, 0.928771238 }, { 0.8, 1, 0.928771238 } },
  { { 0.1, 0.1 }, 2, { 1, 1, 0.664385619 }, { 0.9, 1, 0.664385619 } },
  { { NAN, 0.5 }, 2, { 0, 0, 0 }, { 0, 0, 0 } },
  { { 0.3, 0.3, 0.4 }, 3, { 0.9, 0.9, 0.9911594714 }, { 0.6, 0.9, 1.5709505945 } },
  { { 1.0 }, 1, { 0, 0, 0 }, { 0, 0, 0 } },
};

static LightlyScores *
classify (LightlyScorerClassification *scorer,
          gboolean                     normalize)
{
  g_autoptr(GError) error = NULL;
  LightlyScores *scores;

  lightly_scorer_classification_set_normalize (scorer, normalize);
  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_no_error (error);
  g_assert_nonnull (scores);
  assert_names (scores, lightly_scorer_classification_get_score_names ());
  return scores;
}

static void
check_vector (LightlyScorerClassification *scorer,
              const ClassificationVector  *v,
              double                       eps)
{
  const char * const *names = lightly_scorer_classification_get_score_names ();

  for (int normalize = 0; normalize <= 1; normalize++)
    {
      g_autoptr(LightlyScores) scores = classify (scorer, normalize);

      for (guint k = 0; k < 3; k++)
        assert_values (scores, names[k], normalize ? &v->norm[k] : &v->raw[k], 1, eps);
    }
}

static void
test_classification_vectors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (classification_vectors); i++)
    {
      const ClassificationVector *v = &classification_vectors[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(LightlyScorerClassification) scorer = NULL;
      g_autoptr(LightlyScorerClassification) scorer32 = NULL;
      g_autoptr(GBytes) bytes = f32_bytes (v->row, v->n_cols);

      scorer = lightly_scorer_classification_new (v->row, v->n_cols, 1, v->n_cols, &error);
      g_assert_no_error (error);
      g_assert_true (lightly_scorer_classification_get_normalize (scorer));
      check_vector (scorer, v, EPS_F64);

      scorer32 = lightly_scorer_classification_new_from_bytes (bytes, 1, v->n_cols, &error);
      g_assert_no_error (error);
      check_vector (scorer32, v, EPS_F32);
    }
}

/* The two-class vectors as one N × 2 matrix: checks the row-major layout. */
static void
test_classification_matrix (void)
{
  double matrix[2 * G_N_ELEMENTS (classification_vectors)];
  double expected[3][G_N_ELEMENTS (classification_vectors)];
  const char * const *names = lightly_scorer_classification_get_score_names ();
  g_autoptr(LightlyScorerClassification) scorer = NULL;
  g_autoptr(LightlyScorerClassification) scorer32 = NULL;
  g_autoptr(LightlyScores) scores = NULL;
  g_autoptr(LightlyScores) scores32 = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gsize n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (classification_vectors); i++)
    {
      const ClassificationVector *v = &classification_vectors[i];

      if (v->n_cols != 2)
        continue;
      matrix[2 * n] = v->row[0];
      matrix[2 * n + 1] = v->row[1];
      for (guint k = 0; k < 3; k++)
        expected[k][n] = v->norm[k];
      n++;
    }
  g_assert_cmpuint (n, ==, 8);

  scorer = lightly_scorer_classification_new (matrix, 2 * n, n, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_scorer_classification_get_n_rows (scorer), ==, n);
  g_assert_cmpuint (lightly_scorer_classification_get_n_cols (scorer), ==, 2);
  scores = classify (scorer, TRUE);
  g_assert_cmpuint (lightly_scores_get_n_samples (scores), ==, n);

  bytes = f32_bytes (matrix, 2 * n);
  scorer32 = lightly_scorer_classification_new_from_bytes (bytes, n, 2, &error);
  g_assert_no_error (error);
  scores32 = classify (scorer32, TRUE);

  for (guint k = 0; k < 3; k++)
    {
      assert_values (scores, names[k], expected[k], n, EPS_F64);
      assert_values (scores32, names[k], expected[k], n, EPS_F32);
    }
}

static void
test_classification_empty (void)
{
  const char * const *names = lightly_scorer_classification_get_score_names ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);

  /* N = 0 with any C, from doubles and from bytes */
  for (gsize c = 0; c < 3; c++)
    {
      g_autoptr(LightlyScorerClassification) scorer = NULL;
      g_autoptr(LightlyScorerClassification) scorer32 = NULL;
      g_autoptr(LightlyScores) scores = NULL;
      g_autoptr(LightlyScores) scores32 = NULL;

      scorer = lightly_scorer_classification_new (NULL, 0, 0, c, &error);
      g_assert_no_error (error);
      scores = classify (scorer, TRUE);
      scorer32 = lightly_scorer_classification_new_from_bytes (empty, 0, c, &error);
      g_assert_no_error (error);
      scores32 = classify (scorer32, FALSE);
      for (guint k = 0; k < 3; k++)
        {
          assert_values (scores, names[k], NULL, 0, 0);
          assert_values (scores32, names[k], NULL, 0, 0);
        }
    }
}

static void
test_classification_errors (void)
{
  const double six[] = { 0.1, 0.9, 0.2, 0.8, 0.3, 0.7 };
  g_autoptr(GBytes) bytes = f32_bytes (six, 6);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GError) error = NULL;

  /* shape mismatch names both */
  g_assert_null (lightly_scorer_classification_new (six, 6, 4, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "6 prediction values"));
  g_assert_nonnull (strstr (error->message, "4 rows × 2 columns need 8"));
  g_clear_error (&error);

  /* C = 0 */
  g_assert_null (lightly_scorer_classification_new (NULL, 0, 3, 0, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "empty dimension 1"));
  g_clear_error (&error);
  g_assert_null (lightly_scorer_classification_new_from_bytes (empty, 3, 0, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "empty dimension 1"));
  g_clear_error (&error);

  /* byte size names expected and actual */
  g_assert_null (lightly_scorer_classification_new_from_bytes (bytes, 2, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "24 bytes"));
  g_assert_nonnull (strstr (error->message, "need 16 bytes"));
  g_clear_error (&error);

  /* overflow */
  g_assert_null (lightly_scorer_classification_new (six, 6, G_MAXSIZE, 3, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (lightly_scorer_classification_new_from_bytes (bytes, G_MAXSIZE / 2, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_classification_property (void)
{
  const double row[] = { 0.7, 0.2, 0.1 };
  g_autoptr(LightlyScorerClassification) scorer = lightly_scorer_classification_new (row, 3, 1, 3, NULL);
  g_autoptr(LightlyScorerClassification) scorer2 = NULL;
  gboolean normalize = FALSE;
  guint notified = 0;

  g_object_get (scorer, "normalize", &normalize, NULL);
  g_assert_true (normalize);
  g_signal_connect (scorer, "notify::normalize", G_CALLBACK (on_notify), &notified);
  g_object_set (scorer, "normalize", FALSE, NULL);
  g_assert_cmpuint (notified, ==, 1);
  g_object_set (scorer, "normalize", FALSE, NULL);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_false (lightly_scorer_classification_get_normalize (scorer));

  /* g_object_new gives an empty (N = 0) scorer */
  scorer2 = g_object_new (LIGHTLY_TYPE_SCORER_CLASSIFICATION, "normalize", FALSE, NULL);
  g_assert_false (lightly_scorer_classification_get_normalize (scorer2));
  g_assert_cmpuint (lightly_scorer_classification_get_n_rows (scorer2), ==, 0);
}

/* §6.2 boxes and outputs */

static void
test_bounding_box (void)
{
  g_autoptr(LightlyBoundingBox) box = NULL;
  g_autoptr(LightlyBoundingBox) copy = NULL;
  g_autoptr(GError) error = NULL;

  box = lightly_bounding_box_new (0.1, 0.2, 0.5, 0.6, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (lightly_bounding_box_get_width (box), 0.4, EPS_F64);
  g_assert_cmpfloat_with_epsilon (lightly_bounding_box_get_height (box), 0.4, EPS_F64);
  g_assert_cmpfloat_with_epsilon (lightly_bounding_box_get_area (box), 0.16, EPS_F64);
  copy = lightly_bounding_box_copy (box);
  g_assert_true (copy != box);
  g_assert_cmpmem (copy, sizeof *copy, box, sizeof *box);
  g_clear_pointer (&box, lightly_bounding_box_free);

  /* clipping */
  box = lightly_bounding_box_new (-0.5, 0.5, 1.5, INFINITY, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (box->x0, ==, 0.0);
  g_assert_cmpfloat (box->y0, ==, 0.5);
  g_assert_cmpfloat (box->x1, ==, 1.0);
  g_assert_cmpfloat (box->y1, ==, 1.0);
  g_clear_pointer (&box, lightly_bounding_box_free);

  /* without clipping the coordinates stay */
  box = lightly_bounding_box_new (-0.5, 0.5, 1.5, 2.0, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (box->x0, ==, -0.5);
  g_assert_cmpfloat (box->y1, ==, 2.0);
  g_clear_pointer (&box, lightly_bounding_box_free);

  box = lightly_bounding_box_new_from_x_y_w_h (0.1, 0.2, 0.3, 0.9, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (box->x1, 0.4, EPS_F64);
  g_assert_cmpfloat (box->y1, ==, 1.0);  /* clipped */
  g_clear_pointer (&box, lightly_bounding_box_free);

  box = lightly_bounding_box_new_from_yolo_label (0.5, 0.5, 0.2, 0.4, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (box->x0, 0.4, EPS_F64);
  g_assert_cmpfloat_with_epsilon (box->y0, 0.3, EPS_F64);
  g_assert_cmpfloat_with_epsilon (box->x1, 0.6, EPS_F64);
  g_assert_cmpfloat_with_epsilon (box->y1, 0.7, EPS_F64);
}

static void
test_bounding_box_errors (void)
{
  struct {
    double x0, y0, x1, y1;
    gboolean clip;
    const char *needle;
  } cases[] = {
    { 0.5, 0.1, 0.5, 0.9, TRUE, "x0=0.5, y0=0.1, x1=0.5, y1=0.9" },   /* x0 == x1 */
    { 0.6, 0.1, 0.5, 0.9, FALSE, "x0=0.6" },                           /* x0 > x1 */
    { 0.1, 0.9, 0.5, 0.2, TRUE, "y0 less than y1" },
    { 1.2, 0.1, 1.5, 0.9, TRUE, "after clipping" },                    /* both clip to 1 */
    { NAN, 0.1, 0.5, 0.9, TRUE, "x0=nan" },
    { 0.1, 0.1, INFINITY, 0.9, FALSE, "x1=inf" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (lightly_bounding_box_new (cases[i].x0, cases[i].y0, cases[i].x1, cases[i].y1,
                                               cases[i].clip, &error));
      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %u: “%s” does not mention “%s”", i, error->message, cases[i].needle);
    }
}

static LightlyBoundingBox *
unit_box (void)
{
  return lightly_bounding_box_new (0.1, 0.1, 0.9, 0.9, TRUE, NULL);
}

static void
test_output (void)
{
  g_autoptr(LightlyBoundingBox) box = unit_box ();
  LightlyBoundingBox *boxes[] = { box, box, box };
  const double objectness[] = { 0.9, 0.8, 0.5 };
  const double probs[] = { 0.7, 0.2, 0.1,  0.3, 0.6, 0.1,  0.4, 0.1, 0.4 };
  const double expected_scores[] = { 0.63, 0.48, 0.2 };
  g_autoptr(LightlyObjectDetectionOutput) output = NULL;
  g_autoptr(LightlyObjectDetectionOutput) empty = NULL;
  g_autoptr(GError) error = NULL;
  const double *values;
  const int *labels;
  gsize n;

  output = lightly_object_detection_output_new (boxes, 3, objectness, 3, probs, 9, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_object_detection_output_get_n_boxes (output), ==, 3);
  g_assert_cmpuint (lightly_object_detection_output_get_n_classes (output), ==, 3);
  g_assert_cmpmem (lightly_object_detection_output_get_box (output, 2), sizeof *box, box, sizeof *box);
  values = lightly_object_detection_output_get_scores (output, &n);
  g_assert_cmpuint (n, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (values[i], expected_scores[i], EPS_F64);
  labels = lightly_object_detection_output_get_labels (output, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (labels[0], ==, 0);
  g_assert_cmpint (labels[1], ==, 1);
  g_assert_cmpint (labels[2], ==, 0);   /* the first of two maxima */
  values = lightly_object_detection_output_get_object_probabilities (output, &n);
  g_assert_cmpmem (values, n * sizeof (double), objectness, sizeof objectness);
  values = lightly_object_detection_output_get_class_probabilities (output, &n);
  g_assert_cmpmem (values, n * sizeof (double), probs, sizeof probs);

  empty = lightly_object_detection_output_new (NULL, 0, NULL, 0, NULL, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_object_detection_output_get_n_boxes (empty), ==, 0);
  g_assert_nonnull (lightly_object_detection_output_get_scores (empty, &n));
  g_assert_cmpuint (n, ==, 0);
}

static void
test_output_from_scores (void)
{
  g_autoptr(LightlyBoundingBox) box = unit_box ();
  LightlyBoundingBox *boxes[] = { box, box };
  const double scores[] = { 0.8, 0.3 };
  const int labels[] = { 0, 2 };
  /* protocol.md §6.2's computed example */
  const double expected[] = { 0.8, 0.1, 0.1,  0.35, 0.35, 0.3 };
  const int zero[] = { 0 };
  g_autoptr(LightlyObjectDetectionOutput) output = NULL;
  g_autoptr(LightlyObjectDetectionOutput) single = NULL;
  g_autoptr(GError) error = NULL;
  const double *values;
  const int *got_labels;
  gsize n;

  output = lightly_object_detection_output_new_from_scores (boxes, 2, scores, 2, labels, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_object_detection_output_get_n_classes (output), ==, 3);
  values = lightly_object_detection_output_get_class_probabilities (output, &n);
  g_assert_cmpuint (n, ==, 6);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (values[i], expected[i], EPS_F64);
  /* the given scores and labels, although label 2 is not box 1's argmax */
  values = lightly_object_detection_output_get_scores (output, &n);
  g_assert_cmpmem (values, n * sizeof (double), scores, sizeof scores);
  got_labels = lightly_object_detection_output_get_labels (output, &n);
  g_assert_cmpmem (got_labels, n * sizeof (int), labels, sizeof labels);
  values = lightly_object_detection_output_get_object_probabilities (output, &n);
  g_assert_cmpmem (values, n * sizeof (double), scores, sizeof scores);

  /* num_classes = max (max (labels), 1): a lone label 0 still gives 2 entries */
  single = lightly_object_detection_output_new_from_scores (boxes, 1, scores, 1, zero, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_object_detection_output_get_n_classes (single), ==, 2);
  values = lightly_object_detection_output_get_class_probabilities (single, &n);
  g_assert_cmpfloat_with_epsilon (values[0], 0.8, EPS_F64);
  g_assert_cmpfloat_with_epsilon (values[1], 0.2, EPS_F64);
}

static void
test_output_errors (void)
{
  g_autoptr(LightlyBoundingBox) box = unit_box ();
  LightlyBoundingBox *boxes[] = { box, box };
  const double two[] = { 0.5, 0.5 };
  const double probs[] = { 0.5, 0.5, 0.5, 0.5 };
  const double bad_score[] = { 0.5, 1.5 };
  const double nan_score[] = { NAN, 0.5 };
  const int labels[] = { 0, 1 };
  const int bad_labels[] = { 0, -1 };
  g_autoptr(GError) error = NULL;

  g_assert_null (lightly_object_detection_output_new (boxes, 2, two, 1, probs, 4, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "2 boxes but 1 object probabilities"));
  g_clear_error (&error);

  g_assert_null (lightly_object_detection_output_new (boxes, 2, two, 2, probs, 3, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "3 class probabilities"));
  g_assert_nonnull (strstr (error->message, "need 4"));
  g_clear_error (&error);

  g_assert_null (lightly_object_detection_output_new (boxes, 2, two, 2, NULL, 0, 0, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "0 classes"));
  g_clear_error (&error);

  g_assert_null (lightly_object_detection_output_new_from_scores (boxes, 2, two, 2, labels, 1, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "1 labels"));
  g_clear_error (&error);

  g_assert_null (lightly_object_detection_output_new_from_scores (boxes, 2, bad_score, 2, labels, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "1.5 of box 1"));
  g_clear_error (&error);

  g_assert_null (lightly_object_detection_output_new_from_scores (boxes, 2, nan_score, 2, labels, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "nan of box 0"));
  g_clear_error (&error);

  g_assert_null (lightly_object_detection_output_new_from_scores (boxes, 2, two, 2, bad_labels, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "Label -1 of box 1"));
}

/* §6.3 object detection */

static LightlyScorerObjectDetection *
example_detection_scorer (void)
{
  g_autoptr(LightlyBoundingBox) box = unit_box ();
  LightlyBoundingBox *boxes[] = { box, box, box };
  const double objectness1[] = { 0.9, 0.8, 0.5 };
  const double probs1[] = { 0.7, 0.2, 0.1,  0.6, 0.3, 0.1,  0.1, 0.1, 0.8 };
  const double objectness2[] = { 0.5 };
  const double probs2[] = { 0.5, 0.5, 0.0 };
  g_autoptr(LightlyObjectDetectionOutput) o1 = NULL;
  g_autoptr(LightlyObjectDetectionOutput) o2 = NULL;
  g_autoptr(LightlyObjectDetectionOutput) o3 = NULL;
  LightlyObjectDetectionOutput *outputs[3];
  g_autoptr(GError) error = NULL;
  LightlyScorerObjectDetection *scorer;
  gsize n;
  const int *labels;

  o1 = lightly_object_detection_output_new (boxes, 3, objectness1, 3, probs1, 9, 3, &error);
  g_assert_no_error (error);
  labels = lightly_object_detection_output_get_labels (o1, &n);
  g_assert_cmpint (labels[0], ==, 0);
  g_assert_cmpint (labels[1], ==, 0);
  g_assert_cmpint (labels[2], ==, 2);
  o2 = lightly_object_detection_output_new (boxes, 1, objectness2, 1, probs2, 3, 3, &error);
  g_assert_no_error (error);
  o3 = lightly_object_detection_output_new (NULL, 0, NULL, 0, NULL, 0, 0, &error);
  g_assert_no_error (error);
  outputs[0] = o1;
  outputs[1] = o2;
  outputs[2] = o3;
  scorer = lightly_scorer_object_detection_new (outputs, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_scorer_object_detection_get_n_outputs (scorer), ==, 3);
  g_assert_true (lightly_scorer_is_builtin (LIGHTLY_SCORER (scorer)));
  return scorer;
}

static void
test_object_detection_example (void)
{
  g_autoptr(LightlyScorerObjectDetection) scorer = example_detection_scorer ();
  g_autoptr(LightlyScores) scores = NULL;
  g_autoptr(GError) error = NULL;
  const double object_frequency[] = { 1.0, 0.9444444444, 0.9 };
  const double objectness[] = { 0.4966666667, 0.75, 0.0 };
  const double lc[] = { 0.6, 0.75, 0 };
  const double margin[] = { 0.7, 1.0, 0 };
  const double entropy[] = { 0.8173454221, 0.6309297536, 0 };

  g_assert_cmpfloat (lightly_scorer_object_detection_get_frequency_penalty (scorer), ==, 0.25);
  g_assert_cmpfloat (lightly_scorer_object_detection_get_min_score (scorer), ==, 0.9);

  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_no_error (error);
  assert_names (scores, lightly_scorer_object_detection_get_score_names ());
  assert_values (scores, "object_frequency", object_frequency, 3, EPS_F64);
  assert_values (scores, "objectness_least_confidence", objectness, 3, EPS_F64);
  assert_values (scores, "uncertainty_least_confidence", lc, 3, EPS_F64);
  assert_values (scores, "uncertainty_margin", margin, 3, EPS_F64);
  assert_values (scores, "uncertainty_entropy", entropy, 3, EPS_F64);
}

static void
test_object_detection_config (void)
{
  g_autoptr(LightlyScorerObjectDetection) scorer = example_detection_scorer ();
  g_autoptr(LightlyScores) scores = NULL;
  g_autoptr(GError) error = NULL;
  guint notified = 0;
  /* penalty 1, min 0.5: v = 3, 1, 0 */
  const double object_frequency[] = { 1.0, 0.5 + 0.5 / 3, 0.5 };

  g_signal_connect (scorer, "notify", G_CALLBACK (on_notify), &notified);
  g_object_set (scorer, "frequency-penalty", 1.0, "min-score", 0.5, NULL);
  g_assert_cmpuint (notified, ==, 2);
  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_no_error (error);
  assert_values (scores, "object_frequency", object_frequency, 3, EPS_F64);

  /* out of range is refused by the param spec, the value stays */
  g_test_expect_message ("GLib-GObject", G_LOG_LEVEL_WARNING, "*out of range*");
  g_object_set (scorer, "min-score", 1.5, NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpfloat (lightly_scorer_object_detection_get_min_score (scorer), ==, 0.5);
}

static void
test_object_detection_single (void)
{
  g_autoptr(LightlyBoundingBox) box = unit_box ();
  LightlyBoundingBox *boxes[] = { box };
  const double objectness[] = { NAN };
  const double probs[] = { 0.6, 0.4 };
  g_autoptr(LightlyObjectDetectionOutput) output = NULL;
  g_autoptr(LightlyScorerObjectDetection) scorer = NULL;
  g_autoptr(LightlyScores) scores = NULL;
  g_autoptr(GError) error = NULL;
  const double one[] = { 1.0 };
  const double zero[] = { 0.0 };
  const double lc[] = { 0.8 };

  output = lightly_object_detection_output_new (boxes, 1, objectness, 1, probs, 2, 2, &error);
  g_assert_no_error (error);
  scorer = lightly_scorer_object_detection_new (&output, 1, &error);
  g_assert_no_error (error);
  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_no_error (error);
  /* v_min == v_max: all 1; NaN objectness: 0 */
  assert_values (scores, "object_frequency", one, 1, 0);
  assert_values (scores, "objectness_least_confidence", zero, 1, 0);
  assert_values (scores, "uncertainty_least_confidence", lc, 1, EPS_F64);
}

static void
test_object_detection_empty (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (lightly_scorer_object_detection_new (NULL, 0, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "at least one output"));
}

/* §6.4 semantic segmentation */

static void
test_segmentation_example (void)
{
  /* W × H × C = 2 × 2 × 2: [[[.9,.1],[.5,.5]],[[.2,.8],[1,0]]] */
  const double probs[] = { 0.9, 0.1, 0.5, 0.5, 0.2, 0.8, 1.0, 0.0 };
  const double binary[] = { 0.9, 0.5, 0.2, 1.0 };   /* the same as 2 × 2 × 1 */
  const double lc[] = { 0.4, 0.4, 0.4, 0.4 };
  const double margin[] = { 0.4, 0.4, 0.4, 0.4 };
  const double entropy[] = { 0.5477309221, 0.5477309221, 0.5477309221, 0.5477309221 };
  g_autoptr(LightlyScorerSemanticSegmentation) scorer = lightly_scorer_semantic_segmentation_new ();
  g_autoptr(GBytes) bytes = f32_bytes (probs, 8);
  g_autoptr(GBytes) bytes1 = f32_bytes (binary, 4);
  g_autoptr(LightlyScores) scores = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (lightly_scorer_semantic_segmentation_add_image (scorer, probs, 8, 2, 2, 2, &error));
  g_assert_no_error (error);
  g_assert_true (lightly_scorer_semantic_segmentation_add_image (scorer, binary, 4, 2, 2, 1, &error));
  g_assert_no_error (error);
  g_assert_true (lightly_scorer_semantic_segmentation_add_image_from_bytes (scorer, bytes, 2, 2, 2, &error));
  g_assert_no_error (error);
  g_assert_true (lightly_scorer_semantic_segmentation_add_image_from_bytes (scorer, bytes1, 4, 1, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_scorer_semantic_segmentation_get_n_images (scorer), ==, 4);

  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_no_error (error);
  assert_names (scores, lightly_scorer_semantic_segmentation_get_score_names ());
  /* doubles to 1e-9, float32 to 1e-6 */
  for (guint k = 0; k < 3; k++)
    {
      const char *name = lightly_scorer_semantic_segmentation_get_score_names ()[k];
      const double *expected = k == 0 ? lc : k == 1 ? margin : entropy;
      const double *values = lightly_scores_get_values (scores, name, NULL);

      for (guint i = 0; i < 4; i++)
        g_assert_cmpfloat_with_epsilon (values[i], expected[i], i < 2 ? EPS_F64 : EPS_F32);
    }
  assert_values (scores, "uncertainty_least_confidence", lc, 4, EPS_F32);
  assert_values (scores, "uncertainty_margin", margin, 4, EPS_F32);
  assert_values (scores, "uncertainty_entropy", entropy, 4, EPS_F32);
}

static void
test_segmentation_empty (void)
{
  g_autoptr(LightlyScorerSemanticSegmentation) scorer = lightly_scorer_semantic_segmentation_new ();
  g_autoptr(LightlyScores) scores = NULL;
  g_autoptr(GError) error = NULL;

  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_no_error (error);
  g_assert_nonnull (scores);
  g_assert_cmpuint (lightly_scores_get_n_names (scores), ==, 0);
  g_assert_cmpuint (lightly_scores_get_n_samples (scores), ==, 0);
}

static void
test_segmentation_errors (void)
{
  const double probs[] = { 0.9, 0.1, 0.5, 0.5, 0.2, 0.8, 1.0, 0.0 };
  g_autoptr(LightlyScorerSemanticSegmentation) scorer = lightly_scorer_semantic_segmentation_new ();
  g_autoptr(GBytes) bytes = f32_bytes (probs, 8);
  g_autoptr(GError) error = NULL;

  g_assert_true (lightly_scorer_semantic_segmentation_add_image (scorer, probs, 8, 2, 2, 2, NULL));

  g_assert_false (lightly_scorer_semantic_segmentation_add_image (scorer, probs, 8, 2, 3, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "Image 1 has 8 values"));
  g_assert_nonnull (strstr (error->message, "need 12"));
  g_clear_error (&error);

  g_assert_false (lightly_scorer_semantic_segmentation_add_image (scorer, NULL, 0, 2, 0, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);

  g_assert_false (lightly_scorer_semantic_segmentation_add_image (scorer, NULL, 0, 2, 2, 0, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  g_assert_false (lightly_scorer_semantic_segmentation_add_image_from_bytes (scorer, bytes, 2, 2, 1, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "32 bytes"));
  g_assert_nonnull (strstr (error->message, "need 16 bytes"));
  g_clear_error (&error);

  g_assert_false (lightly_scorer_semantic_segmentation_add_image (scorer, probs, 8, G_MAXSIZE, 4, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "too large"));

  /* failed calls added nothing */
  g_assert_cmpuint (lightly_scorer_semantic_segmentation_get_n_images (scorer), ==, 1);
}

/* §6.5 keypoints */

static LightlyKeypointInstance *
instance (gsize         n_values,
          const double *values)
{
  g_autoptr(GError) error = NULL;
  LightlyKeypointInstance *inst = lightly_keypoint_instance_new (values, n_values, &error);

  g_assert_no_error (error);
  return inst;
}

static void
test_keypoints_table (void)
{
  const double i1a[] = { 0, 0, 0.1,  5, 5, 0.2 };
  const double i1b[] = { 1, 1, 0.1,  2, 2, 0.3 };
  const double i4b[] = { 3, 4, 0.9 };
  const double i5[] = { 0, 0, 1.0,  1, 1, 1.0,  2, 2, 1.0 };
  g_autoptr(LightlyKeypointInstance) a1 = instance (6, i1a);
  g_autoptr(LightlyKeypointInstance) b1 = instance (6, i1b);
  g_autoptr(LightlyKeypointInstance) empty = instance (0, NULL);
  g_autoptr(LightlyKeypointInstance) b4 = instance (3, i4b);
  g_autoptr(LightlyKeypointInstance) only5 = instance (9, i5);
  g_autoptr(LightlyKeypointInstance) copy = lightly_keypoint_instance_copy (b1);
  LightlyKeypointInstance *image1[] = { a1, b1 };
  LightlyKeypointInstance *image2[] = { a1 };
  LightlyKeypointInstance *image4[] = { empty, b4 };
  LightlyKeypointInstance *image5[] = { only5 };
  g_autoptr(LightlyScorerKeypointDetection) scorer = lightly_scorer_keypoint_detection_new ();
  g_autoptr(LightlyScorerKeypointDetection) flat = lightly_scorer_keypoint_detection_new ();
  g_autoptr(LightlyScores) scores = NULL;
  g_autoptr(LightlyScores) flat_scores = NULL;
  g_autoptr(GError) error = NULL;
  const double expected[] = { 0.825, 0.85, 0.0, 0.1, 0.0 };
  const double image1_flat[] = { 0, 0, 0.1, 5, 5, 0.2, 1, 1, 0.1, 2, 2, 0.3 };
  const guint image1_lengths[] = { 6, 6 };
  const guint image4_lengths[] = { 0, 3 };
  const guint image5_lengths[] = { 9 };
  gsize n;

  g_assert_cmpuint (lightly_keypoint_instance_get_n_keypoints (a1), ==, 2);
  g_assert_cmpmem (lightly_keypoint_instance_get_keypoints (copy, &n), n * sizeof (double), i1b, sizeof i1b);
  g_assert_nonnull (lightly_keypoint_instance_get_keypoints (empty, &n));
  g_assert_cmpuint (n, ==, 0);

  lightly_scorer_keypoint_detection_add_image (scorer, image1, 2);
  lightly_scorer_keypoint_detection_add_image (scorer, image2, 1);
  lightly_scorer_keypoint_detection_add_image (scorer, NULL, 0);
  lightly_scorer_keypoint_detection_add_image (scorer, image4, 2);
  lightly_scorer_keypoint_detection_add_image (scorer, image5, 1);
  g_assert_cmpuint (lightly_scorer_keypoint_detection_get_n_images (scorer), ==, 5);
  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_no_error (error);
  assert_names (scores, lightly_scorer_keypoint_detection_get_score_names ());
  assert_values (scores, "mean_uncertainty", expected, 5, EPS_F64);

  g_assert_true (lightly_scorer_keypoint_detection_add_image_flat (flat, image1_flat, 12, image1_lengths, 2, &error));
  g_assert_true (lightly_scorer_keypoint_detection_add_image_flat (flat, i1a, 6, image1_lengths, 1, &error));
  g_assert_true (lightly_scorer_keypoint_detection_add_image_flat (flat, NULL, 0, NULL, 0, &error));
  g_assert_true (lightly_scorer_keypoint_detection_add_image_flat (flat, i4b, 3, image4_lengths, 2, &error));
  g_assert_true (lightly_scorer_keypoint_detection_add_image_flat (flat, i5, 9, image5_lengths, 1, &error));
  g_assert_no_error (error);
  flat_scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (flat), &error);
  g_assert_no_error (error);
  assert_values (flat_scores, "mean_uncertainty", expected, 5, EPS_F64);
}

static void
test_keypoints_none (void)
{
  g_autoptr(LightlyScorerKeypointDetection) scorer = lightly_scorer_keypoint_detection_new ();
  g_autoptr(LightlyScores) scores = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (lightly_scorer_is_builtin (LIGHTLY_SCORER (scorer)));
  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_no_error (error);
  assert_values (scores, "mean_uncertainty", NULL, 0, 0);
}

static void
test_keypoints_errors (void)
{
  const double four[] = { 0, 0, 0.5, 1 };
  const double above[] = { 0, 0, 0.5, 1, 1, 1.5 };
  const double nan_conf[] = { 0, 0, NAN };
  const double negative[] = { 0, 0, -0.1 };
  const double nan_coord[] = { NAN, 0, 0.5 };
  const double ok_then_bad[] = { 0, 0, 0.5,  1, 1, 2.0 };
  const guint lengths_ok_bad[] = { 3, 3 };
  const guint lengths_bad3[] = { 2, 4 };
  const guint lengths_short[] = { 3 };
  g_autoptr(LightlyScorerKeypointDetection) scorer = lightly_scorer_keypoint_detection_new ();
  struct {
    const double *values;
    gsize n;
    const char *needle;
  } cases[] = {
    { four, 4, "4 values, which is not a multiple of 3" },
    { above, 6, "keypoint 1 has the confidence 1.5" },
    { nan_conf, 3, "confidence nan" },
    { negative, 3, "confidence -0.1" },
    { nan_coord, 3, "coordinates (nan, 0)" },
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_null (lightly_keypoint_instance_new (cases[i].values, cases[i].n, &error));
      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("case %u: “%s” does not mention “%s”", i, error->message, cases[i].needle);
      g_clear_error (&error);
    }

  /* the flat form names the image and the instance */
  g_assert_true (lightly_scorer_keypoint_detection_add_image_flat (scorer, NULL, 0, NULL, 0, &error));
  g_assert_false (lightly_scorer_keypoint_detection_add_image_flat (scorer, ok_then_bad, 6, lengths_ok_bad, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "instance 1 of image 1"));
  g_assert_nonnull (strstr (error->message, "confidence 2"));
  g_clear_error (&error);

  g_assert_false (lightly_scorer_keypoint_detection_add_image_flat (scorer, above, 6, lengths_bad3, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "instance 0 of image 1"));
  g_assert_nonnull (strstr (error->message, "not a multiple of 3"));
  g_clear_error (&error);

  g_assert_false (lightly_scorer_keypoint_detection_add_image_flat (scorer, above, 6, lengths_short, 1, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "Image 1"));
  g_assert_nonnull (strstr (error->message, "add up to 3 values, but 6"));
  g_clear_error (&error);

  g_assert_cmpuint (lightly_scorer_keypoint_detection_get_n_images (scorer), ==, 1);
}

/* Many rows from float32 bytes agree with the double path. */
static void
test_classification_large (void)
{
  const gsize n_rows = 20000, n_cols = 10;
  g_autofree double *values = g_new (double, n_rows * n_cols);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(LightlyScorerClassification) scorer = NULL;
  g_autoptr(LightlyScorerClassification) scorer32 = NULL;
  g_autoptr(LightlyScores) scores = NULL;
  g_autoptr(LightlyScores) scores32 = NULL;
  const char * const *names = lightly_scorer_classification_get_score_names ();

  for (gsize i = 0; i < n_rows; i++)
    {
      double sum = 0;

      for (gsize j = 0; j < n_cols; j++)
        sum += values[i * n_cols + j] = (float) g_rand_double (rand);
      for (gsize j = 0; j < n_cols; j++)
        values[i * n_cols + j] = (float) (values[i * n_cols + j] / sum);
    }
  bytes = f32_bytes (values, n_rows * n_cols);
  scorer = lightly_scorer_classification_new (values, n_rows * n_cols, n_rows, n_cols, NULL);
  scorer32 = lightly_scorer_classification_new_from_bytes (bytes, n_rows, n_cols, NULL);
  scores = classify (scorer, TRUE);
  scores32 = classify (scorer32, TRUE);
  for (guint k = 0; k < 3; k++)
    {
      const double *a = lightly_scores_get_values (scores, names[k], NULL);
      const double *b = lightly_scores_get_values (scores32, names[k], NULL);

      for (gsize i = 0; i < n_rows; i++)
        {
          g_assert_cmpfloat (a[i], ==, b[i]);   /* the same float values */
          g_assert_cmpfloat (a[i], >=, 0.0);
          g_assert_cmpfloat (a[i], <=, 1.0);
        }
    }
}

/* The float32 fast path (one pass per row, threads over rows) gives, to the
 * bit, what the double path (lightly's step-by-step formulas) gives on the
 * same values, for every thread count: rows with NaN, ±infinity, zeros of
 * both signs, negative entries, ties and values above 1, both normalised
 * and raw, and the binary (N × 1) layout. Large enough to be threaded. */
static void
test_classification_fast_path_exact (void)
{
  static const double specials[] = { 0.0, -0.0, 1.0, 0.5, 0.25, -1.0, 2.0, 1e-30, 1e30 };
  const gsize n_rows = 40000;
  const gsize col_counts[] = { 1, 2, 3, 10 };
  const char *threads[] = { "1", "2", "3", "7" };
  const char * const *names = lightly_scorer_classification_get_score_names ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint c = 0; c < G_N_ELEMENTS (col_counts); c++)
    {
      gsize n_cols = col_counts[c], n = n_rows * n_cols;
      g_autofree double *values = g_new (double, n);
      g_autoptr(GBytes) bytes = NULL;

      for (gsize i = 0; i < n; i++)
        {
          guint32 r = g_rand_int_range (rand, 0, 100);
          double v = (float) g_rand_double (rand);

          if (r < 2)
            v = NAN;
          else if (r < 4)
            v = r == 2 ? INFINITY : -INFINITY;
          else if (r < 24)
            v = specials[g_rand_int_range (rand, 0, G_N_ELEMENTS (specials))];
          else if (r < 34 && i % n_cols > 0)
            v = values[i - 1];   /* a tie with the previous column */
          values[i] = (float) v;
        }
      bytes = f32_bytes (values, n);

      for (int normalize = 0; normalize <= 1; normalize++)
        {
          g_autoptr(LightlyScorerClassification) scorer =
            lightly_scorer_classification_new (values, n, n_rows, n_cols, NULL);
          g_autoptr(LightlyScores) ref = NULL;

          g_setenv ("LIGHTLY_THREADS", "1", TRUE);
          ref = classify (scorer, normalize);
          for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
            {
              g_autoptr(LightlyScorerClassification) scorer32 =
                lightly_scorer_classification_new_from_bytes (bytes, n_rows, n_cols, NULL);
              g_autoptr(LightlyScores) got = NULL;

              g_setenv ("LIGHTLY_THREADS", threads[t], TRUE);
              got = classify (scorer32, normalize);
              for (guint k = 0; k < 3; k++)
                {
                  g_autoptr(GBytes) a = lightly_scores_dup_values_bytes (ref, names[k]);
                  g_autoptr(GBytes) b = lightly_scores_dup_values_bytes (got, names[k]);

                  g_assert_cmpmem (g_bytes_get_data (a, NULL), g_bytes_get_size (a),
                                   g_bytes_get_data (b, NULL), g_bytes_get_size (b));
                }
            }
          g_unsetenv ("LIGHTLY_THREADS");
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/scores/basic", test_scores_basic);
  g_test_add_func ("/scores/empty", test_scores_empty);
  g_test_add_func ("/scores/errors", test_scores_errors);
  g_test_add_func ("/scores/probabilities", test_scores_probabilities);
  g_test_add_func ("/scorer/subclass", test_scorer_subclass);
  g_test_add_func ("/classification/vectors", test_classification_vectors);
  g_test_add_func ("/classification/matrix", test_classification_matrix);
  g_test_add_func ("/classification/empty", test_classification_empty);
  g_test_add_func ("/classification/errors", test_classification_errors);
  g_test_add_func ("/classification/property", test_classification_property);
  g_test_add_func ("/classification/large", test_classification_large);
  g_test_add_func ("/classification/fast-path-exact", test_classification_fast_path_exact);
  g_test_add_func ("/bounding-box/basic", test_bounding_box);
  g_test_add_func ("/bounding-box/errors", test_bounding_box_errors);
  g_test_add_func ("/object-detection-output/basic", test_output);
  g_test_add_func ("/object-detection-output/from-scores", test_output_from_scores);
  g_test_add_func ("/object-detection-output/errors", test_output_errors);
  g_test_add_func ("/object-detection/example", test_object_detection_example);
  g_test_add_func ("/object-detection/config", test_object_detection_config);
  g_test_add_func ("/object-detection/single", test_object_detection_single);
  g_test_add_func ("/object-detection/empty", test_object_detection_empty);
  g_test_add_func ("/semantic-segmentation/example", test_segmentation_example);
  g_test_add_func ("/semantic-segmentation/empty", test_segmentation_empty);
  g_test_add_func ("/semantic-segmentation/errors", test_segmentation_errors);
  g_test_add_func ("/keypoints/table", test_keypoints_table);
  g_test_add_func ("/keypoints/none", test_keypoints_none);
  g_test_add_func ("/keypoints/errors", test_keypoints_errors);

  return g_test_run ();
}
