/* test-scorer-ensemble.c: LightlyScorerEnsemble (BALD, variation ratio,
 * predictive entropy) against vectors computed with numpy:
 *   H = lambda p: -(p * log2(where(p > 0, p, 1))).sum(-1)
 *   bald = H(P.mean(0)) - H(P).mean(0);  vr = 1 - votes.max(1) / T */
#include <math.h>
#include <string.h>

#include <lightly/lightly.h>

/* T = 3 members, N = 4 samples, C = 3 classes, member-major: all sure and
 * agreeing; each sure-ish but disagreeing (with an argmax tie); identical
 * uncertain rows; each sure of another class. */
static const double probs[3 * 4 * 3] = {
  1, 0, 0,   0.5, 0.5, 0,    0.2, 0.3, 0.5,   0.9, 0.05, 0.05,
  1, 0, 0,   0, 0.5, 0.5,    0.2, 0.3, 0.5,   0.05, 0.9, 0.05,
  1, 0, 0,   0.5, 0, 0.5,    0.2, 0.3, 0.5,   0.05, 0.05, 0.9,
};

static const double raw_bald[4] = { 0, 0.5849625007211561, 0, 1.0159669071318749 };
static const double raw_vr[4] = { 0, 0.33333333333333337, 0, 0.6666666666666667 };
static const double raw_entropy[4] = { 0, 1.584962500721156, 1.4854752972273344, 1.584962500721156 };
static const double norm_bald[4] = { 0, 0.3690702464285425, 0, 0.6410037503534697 };
static const double norm_vr[4] = { 0, 0.5, 0, 1 };
static const double norm_entropy[4] = { 0, 1, 0.9372305632161296, 1 };

static void
check (LightlyScores *scores,
       const char    *name,
       const double  *expected,
       double         eps)
{
  gsize n = 0;
  const double *v = lightly_scores_get_values (scores, name, &n);

  g_assert_nonnull (v);
  g_assert_cmpuint (n, ==, 4);
  for (gsize i = 0; i < n; i++)
    if (fabs (v[i] - expected[i]) > eps)
      g_error ("%s[%" G_GSIZE_FORMAT "] = %.15g, expected %.15g", name, i, v[i], expected[i]);
}

static void
check_all (LightlyScorer *scorer,
           gboolean       normalized,
           double         eps)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyScores) scores = lightly_scorer_calculate_scores (scorer, &error);
  g_auto(GStrv) names = NULL;

  g_assert_no_error (error);
  names = lightly_scores_dup_names (scores);
  g_assert_cmpstrv (names, lightly_scorer_ensemble_get_score_names ());
  check (scores, "uncertainty_bald", normalized ? norm_bald : raw_bald, eps);
  check (scores, "uncertainty_variation_ratio", normalized ? norm_vr : raw_vr, eps);
  check (scores, "uncertainty_predictive_entropy", normalized ? norm_entropy : raw_entropy, eps);
}

static void
test_vectors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyScorerEnsemble) scorer = lightly_scorer_ensemble_new (probs, G_N_ELEMENTS (probs), 3, 4, 3,
                                                                          &error);

  g_assert_no_error (error);
  g_assert_cmpuint (lightly_scorer_ensemble_get_n_members (scorer), ==, 3);
  g_assert_cmpuint (lightly_scorer_ensemble_get_n_rows (scorer), ==, 4);
  g_assert_cmpuint (lightly_scorer_ensemble_get_n_cols (scorer), ==, 3);
  g_assert_true (lightly_scorer_ensemble_get_normalize (scorer));
  check_all (LIGHTLY_SCORER (scorer), TRUE, 1e-12);
  lightly_scorer_ensemble_set_normalize (scorer, FALSE);
  check_all (LIGHTLY_SCORER (scorer), FALSE, 1e-12);
}

static void
test_bytes (void)
{
  g_autoptr(GError) error = NULL;
  float f[G_N_ELEMENTS (probs)];
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(LightlyScorerEnsemble) scorer = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (probs); i++)
    f[i] = (float) probs[i];
  bytes = g_bytes_new (f, sizeof f);
  scorer = lightly_scorer_ensemble_new_from_bytes (bytes, 3, 4, 3, &error);
  g_assert_no_error (error);
  /* float32 inputs: 0.05 and 0.3 are not exact, so a looser bound. */
  check_all (LIGHTLY_SCORER (scorer), TRUE, 1e-6);
}

/* One member has no disagreement; a binary column expands to [p, 1 − p]. */
static void
test_one_member_binary (void)
{
  const double p[] = { 0.5, 1.0, 0.25 };
  g_autoptr(GError) error = NULL;
  g_autoptr(LightlyScorerEnsemble) scorer = lightly_scorer_ensemble_new (p, 3, 1, 3, 1, &error);
  g_autoptr(LightlyScores) scores = NULL;
  const double zero[3] = { 0, 0, 0 };
  const double entropy[3] = { 1, 0, 0.8112781244591328 };
  gsize n;

  g_assert_no_error (error);
  scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < 3; i++)
    {
      g_assert_cmpfloat_with_epsilon (lightly_scores_get_values (scores, "uncertainty_bald", &n)[i], zero[i], 1e-12);
      g_assert_cmpfloat_with_epsilon (lightly_scores_get_values (scores, "uncertainty_variation_ratio", &n)[i],
                                      zero[i], 1e-12);
      g_assert_cmpfloat_with_epsilon (lightly_scores_get_values (scores, "uncertainty_predictive_entropy", &n)[i],
                                      entropy[i], 1e-12);
    }
}

static void
test_errors (void)
{
  const double ok[6] = { 0.5, 0.5, 1, 0, 0.2, 0.8 };
  double bad[6];
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) short_bytes = g_bytes_new ("abc", 3);
  LightlyScorerEnsemble *scorer;

  /* T = 0, wrong count, C = 0, wrong byte count. */
  g_assert_null (lightly_scorer_ensemble_new (ok, 6, 0, 3, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (lightly_scorer_ensemble_new (ok, 5, 1, 3, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "5 values were given for 1 members × 3 rows × 2 classes"));
  g_clear_error (&error);
  g_assert_null (lightly_scorer_ensemble_new (ok, 0, 1, 3, 0, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (lightly_scorer_ensemble_new_from_bytes (short_bytes, 1, 1, 1, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* NaN, out of range, a row not summing to 1: each named. */
  memcpy (bad, ok, sizeof bad);
  bad[3] = NAN;
  g_assert_null (lightly_scorer_ensemble_new (bad, 6, 1, 3, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "Member 0, row 1, class 1"));
  g_clear_error (&error);
  memcpy (bad, ok, sizeof bad);
  bad[4] = -0.2;
  bad[5] = 1.2;
  g_assert_null (lightly_scorer_ensemble_new (bad, 6, 3, 1, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "Member 2, row 0, class 0: the probability -0.2 is not in [0, 1]"));
  g_clear_error (&error);
  memcpy (bad, ok, sizeof bad);
  bad[0] = 0.7;
  g_assert_null (lightly_scorer_ensemble_new (bad, 6, 1, 3, 2, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "Member 0, row 0: the probabilities sum to 1.2"));
  g_clear_error (&error);

  /* N = 0 is empty scores, as the other scorers. */
  scorer = lightly_scorer_ensemble_new (NULL, 0, 4, 0, 3, &error);
  g_assert_no_error (error);
  {
    g_autoptr(LightlyScores) scores = lightly_scorer_calculate_scores (LIGHTLY_SCORER (scorer), &error);

    g_assert_no_error (error);
    g_assert_cmpuint (lightly_scores_get_n_samples (scores), ==, 0);
  }
  g_object_unref (scorer);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ensemble/vectors", test_vectors);
  g_test_add_func ("/ensemble/bytes", test_bytes);
  g_test_add_func ("/ensemble/one-member-binary", test_one_member_binary);
  g_test_add_func ("/ensemble/errors", test_errors);

  return g_test_run ();
}
