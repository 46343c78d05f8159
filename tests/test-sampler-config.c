/* test-sampler-config.c: LightlySamplerConfig, protocol §5 and §13 */
#include <lightly/lightly.h>

#include <math.h>
#include <string.h>

static void
test_defaults (void)
{
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autoptr(GError) error = NULL;
  LightlySamplingMethod method;
  int n_samples;
  double min_distance, score_strength;
  g_autofree char *name = NULL;
  g_autofree char *score_type = NULL;
  guint64 seed;
  gboolean reuse_scores;

  g_assert_cmpint (lightly_sampler_config_get_method (config), ==, LIGHTLY_SAMPLING_METHOD_CORESET);
  g_assert_cmpint (lightly_sampler_config_get_n_samples (config), ==, 32);
  g_assert_cmpfloat (lightly_sampler_config_get_min_distance (config), ==, -1.0);
  g_assert_null (lightly_sampler_config_get_name (config));
  g_assert_null (lightly_sampler_config_get_score_type (config));
  g_assert_cmpfloat (lightly_sampler_config_get_score_strength (config), ==, 1.0);
  g_assert_cmpuint (lightly_sampler_config_get_seed (config), ==, 0);
  g_assert_false (lightly_sampler_config_get_reuse_scores (config));
  g_assert_true (lightly_sampler_config_validate (config, &error));
  g_assert_no_error (error);

  g_object_get (config,
                "method", &method, "n-samples", &n_samples, "min-distance", &min_distance,
                "name", &name, "score-type", &score_type, "score-strength", &score_strength,
                "seed", &seed, "reuse-scores", &reuse_scores, NULL);
  g_assert_cmpint (method, ==, LIGHTLY_SAMPLING_METHOD_CORESET);
  g_assert_cmpint (n_samples, ==, 32);
  g_assert_cmpfloat (min_distance, ==, -1.0);
  g_assert_null (name);
  g_assert_null (score_type);
  g_assert_cmpfloat (score_strength, ==, 1.0);
  g_assert_cmpuint (seed, ==, 0);
  g_assert_false (reuse_scores);
}

/* The pspecs' defaults agree with the instance, and their ranges leave all
 * checking to validate(). */
static void
test_pspecs (void)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (LIGHTLY_TYPE_SAMPLER_CONFIG);
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamSpecInt *n = G_PARAM_SPEC_INT (g_object_class_find_property (object_class, "n-samples"));
  GParamSpecDouble *d = G_PARAM_SPEC_DOUBLE (g_object_class_find_property (object_class, "min-distance"));
  GParamSpecDouble *s = G_PARAM_SPEC_DOUBLE (g_object_class_find_property (object_class, "score-strength"));
  GParamSpecUInt64 *seed = G_PARAM_SPEC_UINT64 (g_object_class_find_property (object_class, "seed"));
  GParamSpecEnum *m = G_PARAM_SPEC_ENUM (g_object_class_find_property (object_class, "method"));
  const char * const names[] = { "method", "n-samples", "min-distance", "name", "score-type",
                                 "score-strength", "seed", "reuse-scores" };

  g_assert_cmpint (n->minimum, ==, G_MININT);
  g_assert_cmpint (n->maximum, ==, G_MAXINT);
  g_assert_cmpint (n->default_value, ==, 32);
  g_assert_true (isinf (d->minimum) && d->minimum < 0);
  g_assert_true (isinf (d->maximum) && d->maximum > 0);
  g_assert_cmpfloat (d->default_value, ==, -1.0);
  g_assert_true (isinf (s->minimum) && isinf (s->maximum));
  g_assert_cmpfloat (s->default_value, ==, 1.0);
  g_assert_cmpuint (seed->maximum, ==, G_MAXUINT64);
  g_assert_cmpint (m->default_value, ==, LIGHTLY_SAMPLING_METHOD_CORESET);
  g_assert_true (G_PARAM_SPEC_VALUE_TYPE (m) == LIGHTLY_TYPE_SAMPLING_METHOD);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GParamSpec *pspec = g_object_class_find_property (object_class, names[i]);

      g_assert_nonnull (pspec);
      g_assert_true (pspec->flags & G_PARAM_READWRITE);
      g_assert_true (pspec->flags & G_PARAM_EXPLICIT_NOTIFY);
    }
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  GHashTable *counts = user_data;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (n + 1));
}

static guint
notified (GHashTable *counts,
          const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static void
test_properties_and_notify (void)
{
  g_autoptr(LightlySamplerConfig) config = NULL;
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *name = NULL;

  config = g_object_new (LIGHTLY_TYPE_SAMPLER_CONFIG,
                         "method", LIGHTLY_SAMPLING_METHOD_CORAL,
                         "n-samples", 200,
                         "min-distance", 0.25,
                         "name", "round-2",
                         "score-type", "uncertainty_margin",
                         "score-strength", 2.5,
                         "seed", G_GUINT64_CONSTANT (18446744073709551615),
                         "reuse-scores", TRUE,
                         NULL);
  g_assert_cmpint (lightly_sampler_config_get_method (config), ==, LIGHTLY_SAMPLING_METHOD_CORAL);
  g_assert_cmpint (lightly_sampler_config_get_n_samples (config), ==, 200);
  g_assert_cmpfloat (lightly_sampler_config_get_min_distance (config), ==, 0.25);
  g_assert_cmpstr (lightly_sampler_config_get_name (config), ==, "round-2");
  g_assert_cmpstr (lightly_sampler_config_get_score_type (config), ==, "uncertainty_margin");
  g_assert_cmpfloat (lightly_sampler_config_get_score_strength (config), ==, 2.5);
  g_assert_cmpuint (lightly_sampler_config_get_seed (config), ==, G_MAXUINT64);
  g_assert_true (lightly_sampler_config_get_reuse_scores (config));

  g_signal_connect (config, "notify", G_CALLBACK (count_notify), counts);

  /* The same value again: no notification. */
  lightly_sampler_config_set_method (config, LIGHTLY_SAMPLING_METHOD_CORAL);
  lightly_sampler_config_set_n_samples (config, 200);
  lightly_sampler_config_set_min_distance (config, 0.25);
  lightly_sampler_config_set_name (config, "round-2");
  lightly_sampler_config_set_score_type (config, "uncertainty_margin");
  lightly_sampler_config_set_score_strength (config, 2.5);
  lightly_sampler_config_set_seed (config, G_MAXUINT64);
  lightly_sampler_config_set_reuse_scores (config, TRUE);
  lightly_sampler_config_set_reuse_scores (config, 2);   /* still TRUE */
  g_object_set (config, "n-samples", 200, "name", "round-2", NULL);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 0);

  /* A new value: one notification each. */
  lightly_sampler_config_set_method (config, LIGHTLY_SAMPLING_METHOD_RANDOM);
  lightly_sampler_config_set_n_samples (config, -1);
  lightly_sampler_config_set_min_distance (config, 0.1);
  lightly_sampler_config_set_name (config, NULL);
  lightly_sampler_config_set_score_type (config, NULL);
  lightly_sampler_config_set_score_strength (config, 0.0);
  lightly_sampler_config_set_seed (config, 7);
  lightly_sampler_config_set_reuse_scores (config, FALSE);
  g_object_set (config, "n-samples", 10, NULL);
  g_assert_cmpuint (notified (counts, "method"), ==, 1);
  g_assert_cmpuint (notified (counts, "n-samples"), ==, 2);
  g_assert_cmpuint (notified (counts, "min-distance"), ==, 1);
  g_assert_cmpuint (notified (counts, "name"), ==, 1);
  g_assert_cmpuint (notified (counts, "score-type"), ==, 1);
  g_assert_cmpuint (notified (counts, "score-strength"), ==, 1);
  g_assert_cmpuint (notified (counts, "seed"), ==, 1);
  g_assert_cmpuint (notified (counts, "reuse-scores"), ==, 1);

  /* NaN twice notifies once. */
  lightly_sampler_config_set_min_distance (config, NAN);
  lightly_sampler_config_set_min_distance (config, NAN);
  g_assert_cmpuint (notified (counts, "min-distance"), ==, 2);

  /* Values GObject's range check would refuse reach validate(). */
  g_object_set (config, "min-distance", INFINITY, "score-strength", -INFINITY,
                "n-samples", G_MININT, NULL);
  g_assert_true (isinf (lightly_sampler_config_get_min_distance (config)));
  g_assert_true (isinf (lightly_sampler_config_get_score_strength (config)));
  g_assert_cmpint (lightly_sampler_config_get_n_samples (config), ==, G_MININT);

  g_object_get (config, "name", &name, NULL);
  g_assert_null (name);
}

static void
test_copy (void)
{
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autoptr(LightlySamplerConfig) copy = NULL;

  lightly_sampler_config_set_method (config, LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING);
  lightly_sampler_config_set_n_samples (config, 77);
  lightly_sampler_config_set_min_distance (config, 0.5);
  lightly_sampler_config_set_name (config, "my tag");
  lightly_sampler_config_set_score_type (config, "uncertainty_entropy");
  lightly_sampler_config_set_score_strength (config, 3.0);
  lightly_sampler_config_set_seed (config, 42);
  lightly_sampler_config_set_reuse_scores (config, TRUE);

  copy = lightly_sampler_config_copy (config);
  g_assert_true (copy != config);
  g_assert_cmpint (lightly_sampler_config_get_method (copy), ==, LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING);
  g_assert_cmpint (lightly_sampler_config_get_n_samples (copy), ==, 77);
  g_assert_cmpfloat (lightly_sampler_config_get_min_distance (copy), ==, 0.5);
  g_assert_cmpstr (lightly_sampler_config_get_name (copy), ==, "my tag");
  g_assert_cmpstr (lightly_sampler_config_get_score_type (copy), ==, "uncertainty_entropy");
  g_assert_cmpfloat (lightly_sampler_config_get_score_strength (copy), ==, 3.0);
  g_assert_cmpuint (lightly_sampler_config_get_seed (copy), ==, 42);
  g_assert_true (lightly_sampler_config_get_reuse_scores (copy));

  /* Independent of the original. */
  lightly_sampler_config_set_name (config, "other");
  lightly_sampler_config_set_n_samples (config, 1);
  g_assert_cmpstr (lightly_sampler_config_get_name (copy), ==, "my tag");
  g_assert_cmpint (lightly_sampler_config_get_n_samples (copy), ==, 77);
}

static void
test_generate_name (void)
{
  static const struct {
    LightlySamplingMethod method;
    int n_samples;
    double min_distance;
    const char *expected;
  } cases[] = {
    { LIGHTLY_SAMPLING_METHOD_CORESET, 32, -1, "CORESET_32_-1_05_27_2021__14_45_13" },
    { LIGHTLY_SAMPLING_METHOD_CORESET, -1, 0.1, "CORESET_-1_0.1_05_27_2021__14_45_13" },
    { LIGHTLY_SAMPLING_METHOD_CORAL, 200, 0.25, "CORAL_200_0.25_05_27_2021__14_45_13" },
    { LIGHTLY_SAMPLING_METHOD_RANDOM, 10, 2, "RANDOM_10_2_05_27_2021__14_45_13" },
    { LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING, 5, 0.1 + 0.2, "ACTIVE_LEARNING_5_0.30000000000000004_05_27_2021__14_45_13" },
    { LIGHTLY_SAMPLING_METHOD_CORESET, 5, 1e-05, "CORESET_5_1e-05_05_27_2021__14_45_13" },
    { LIGHTLY_SAMPLING_METHOD_CORESET, 5, 1.0 / 3, "CORESET_5_0.3333333333333333_05_27_2021__14_45_13" },
  };
  g_autoptr(GDateTime) when = g_date_time_new_utc (2021, 5, 27, 14, 45, 13);
  g_autoptr(GDateTime) morning = g_date_time_new_utc (2022, 1, 2, 3, 4, 5);
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autofree char *early = NULL;
  g_autofree char *now_name = NULL;
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = NULL;

      lightly_sampler_config_set_method (config, cases[i].method);
      lightly_sampler_config_set_n_samples (config, cases[i].n_samples);
      lightly_sampler_config_set_min_distance (config, cases[i].min_distance);
      name = lightly_sampler_config_generate_name (config, when);
      g_assert_cmpstr (name, ==, cases[i].expected);

      /* A generated name is a valid tag name. */
      lightly_sampler_config_set_name (config, name);
      g_assert_true (lightly_sampler_config_validate (config, &error));
      g_assert_no_error (error);
      lightly_sampler_config_set_name (config, NULL);
    }

  /* Zero-padded fields; the explicit name is not used. */
  lightly_sampler_config_set_method (config, LIGHTLY_SAMPLING_METHOD_CORESET);
  lightly_sampler_config_set_n_samples (config, 32);
  lightly_sampler_config_set_min_distance (config, -1);
  lightly_sampler_config_set_name (config, "explicit");
  early = lightly_sampler_config_generate_name (config, morning);
  g_assert_cmpstr (early, ==, "CORESET_32_-1_01_02_2022__03_04_05");

  now_name = lightly_sampler_config_generate_name (config, NULL);
  g_assert_true (g_str_has_prefix (now_name, "CORESET_32_-1_"));
  g_assert_cmpuint (strlen (now_name), ==, strlen ("CORESET_32_-1_") + strlen ("05_27_2021__14_45_13"));
}

typedef struct {
  LightlySamplingMethod method;
  int n_samples;
  double min_distance;
  const char *name;
  const char *score_type;
  double score_strength;
  gboolean reuse_scores;
  /* NULL: valid; else fragments the message must contain */
  const char *fragment1;
  const char *fragment2;
} Case;

#define CORESET LIGHTLY_SAMPLING_METHOD_CORESET
#define RANDOM LIGHTLY_SAMPLING_METHOD_RANDOM
#define CORAL LIGHTLY_SAMPLING_METHOD_CORAL
#define AL LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING

static const Case validate_cases[] = {
  /* valid */
  { CORESET, 32, -1, NULL, NULL, 1, FALSE, NULL, NULL },
  { CORESET, -1, 0.1, NULL, NULL, 1, FALSE, NULL, NULL },      /* the seed's docstring example */
  { CORESET, 0, 2.0, NULL, NULL, 1, FALSE, NULL, NULL },       /* the largest distance */
  { CORESET, 1, 0, NULL, NULL, 1, FALSE, NULL, NULL },
  { CORESET, 32, -0.5, NULL, NULL, 1, FALSE, NULL, NULL },
  { CORESET, G_MAXINT, -1, NULL, NULL, 1, FALSE, NULL, NULL },
  { RANDOM, 10, -1, NULL, "uncertainty_margin", 1, TRUE, NULL, NULL },   /* ignored */
  { CORESET, 10, -1, NULL, "x", 5, TRUE, NULL, NULL },
  { CORAL, 10, 0.3, NULL, "uncertainty_margin", 0, FALSE, NULL, NULL },
  { AL, 10, -1, NULL, NULL, 1e6, TRUE, NULL, NULL },
  { CORESET, 32, -1, "abc", NULL, 1, FALSE, NULL, NULL },
  { CORESET, 32, -1, "a b", NULL, 1, FALSE, NULL, NULL },
  { CORESET, 32, -1, "0.5:x;y=z@w_v-u", NULL, 1, FALSE, NULL, NULL },
  { CORESET, 32, -1, "CORESET_32_-1_05_27_2021__14_45_13", NULL, 1, FALSE, NULL, NULL },
  { CORAL, 32, -1, NULL, "a/b+c=d,e.f@g:h-i_J9", 1, FALSE, NULL, NULL },

  /* no stopping condition */
  { CORESET, -1, -1, NULL, NULL, 1, FALSE, "no stopping condition", "n-samples is -1 and min-distance is -1" },
  { CORESET, 0, 0, NULL, NULL, 1, FALSE, "no stopping condition", "n-samples is 0 and min-distance is 0" },
  { CORESET, G_MININT, -0.25, NULL, NULL, 1, FALSE, "no stopping condition", "-0.25" },

  /* min-distance */
  { CORESET, 32, NAN, NULL, NULL, 1, FALSE, "min-distance nan", "finite" },
  { CORESET, 32, INFINITY, NULL, NULL, 1, FALSE, "min-distance inf", "finite" },
  { CORESET, -1, -INFINITY, NULL, NULL, 1, FALSE, "min-distance -inf", "finite" },
  { CORESET, 32, 2.5, NULL, NULL, 1, FALSE, "min-distance 2.5 can never be met", "[0, 2]" },
  { CORESET, -1, 2.0000000000000004, NULL, NULL, 1, FALSE, "2.0000000000000004", "L2-normalised" },

  /* score-strength */
  { CORAL, 32, -1, NULL, NULL, NAN, FALSE, "score-strength nan", "at least 0" },
  { CORAL, 32, -1, NULL, NULL, INFINITY, FALSE, "score-strength inf", "finite" },
  { CORAL, 32, -1, NULL, NULL, -0.5, FALSE, "score-strength -0.5", "at least 0" },
  { RANDOM, 32, -1, NULL, NULL, -1, FALSE, "score-strength -1", NULL },

  /* method */
  { (LightlySamplingMethod) 99, 32, -1, NULL, NULL, 1, FALSE, "method 99", "CORESET" },
  { (LightlySamplingMethod) -1, 32, -1, NULL, NULL, 1, FALSE, "method -1", "RANDOM" },

  /* name (TagName) */
  { CORESET, 32, -1, "", NULL, 1, FALSE, "“” is too short", "at least 3" },
  { CORESET, 32, -1, "ab", NULL, 1, FALSE, "“ab” is too short", "unset" },
  { CORESET, 32, -1, "_abc", NULL, 1, FALSE, "“_abc” starts with “_”", "letter or a digit" },
  { CORESET, 32, -1, " abc", NULL, 1, FALSE, "starts with U+0020", NULL },
  { CORESET, 32, -1, "ab/c", NULL, 1, FALSE, "“/” at index 2", ". : ; = @ _ -" },
  { CORESET, 32, -1, "abc\n", NULL, 1, FALSE, "U+000A at index 3", NULL },
  { CORESET, 32, -1, "tag ü", NULL, 1, FALSE, "“ü” at index 4", NULL },
  { CORESET, 32, -1, "ab\xff", NULL, 1, FALSE, "not valid UTF-8", "byte 0xff at index 2" },

  /* score-type */
  { CORAL, 32, -1, NULL, "", 1, FALSE, "score type is empty", "uncertainty_margin" },
  { CORAL, 32, -1, NULL, "a b", 1, FALSE, "“a b” has U+0020 at index 1", "_ + = , . @ : / -" },
  { AL, 32, -1, NULL, "margin;drop", 1, FALSE, "“;” at index 6", NULL },
  { RANDOM, 32, -1, NULL, "x y", 1, FALSE, "score type", NULL },   /* checked even when ignored */
};

static void
test_validate (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (validate_cases); i++)
    {
      const Case *c = &validate_cases[i];
      g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
      g_autoptr(GError) error = NULL;
      gboolean ok;

      lightly_sampler_config_set_method (config, c->method);
      lightly_sampler_config_set_n_samples (config, c->n_samples);
      lightly_sampler_config_set_min_distance (config, c->min_distance);
      lightly_sampler_config_set_name (config, c->name);
      lightly_sampler_config_set_score_type (config, c->score_type);
      lightly_sampler_config_set_score_strength (config, c->score_strength);
      lightly_sampler_config_set_reuse_scores (config, c->reuse_scores);

      ok = lightly_sampler_config_validate (config, &error);
      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, error ? error->message : "valid");
      if (c->fragment1 == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          continue;
        }
      g_assert_false (ok);
      g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      if (strstr (error->message, c->fragment1) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": “%s” not in “%s”", i, c->fragment1, error->message);
      if (c->fragment2 != NULL && strstr (error->message, c->fragment2) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": “%s” not in “%s”", i, c->fragment2, error->message);
    }
}

/* balance: off by default, notifies once per change, copied, and BADGE
 * (appended after AUTO, so the older values keep their numbers) parses. */
static void
test_balance (void)
{
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autoptr(LightlySamplerConfig) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_false (lightly_sampler_config_get_balance (config));
  g_signal_connect (config, "notify", G_CALLBACK (count_notify), counts);
  lightly_sampler_config_set_balance (config, 5);
  lightly_sampler_config_set_balance (config, TRUE);
  g_assert_true (lightly_sampler_config_get_balance (config));
  g_assert_cmpuint (notified (counts, "balance"), ==, 1);
  copy = lightly_sampler_config_copy (config);
  g_assert_true (lightly_sampler_config_get_balance (copy));
  g_assert_cmpint (LIGHTLY_SAMPLING_METHOD_AUTO, ==, 6);
  g_assert_cmpint (LIGHTLY_SAMPLING_METHOD_BADGE, ==, 7);
  g_assert_cmpint (lightly_sampling_method_from_string ("badge", &error), ==, LIGHTLY_SAMPLING_METHOD_BADGE);
  g_assert_no_error (error);
  g_assert_cmpstr (lightly_sampling_method_to_string (LIGHTLY_SAMPLING_METHOD_BADGE), ==, "BADGE");
  lightly_sampler_config_set_method (config, LIGHTLY_SAMPLING_METHOD_BADGE);
  g_assert_true (lightly_sampler_config_validate (config, &error));
  g_assert_no_error (error);
}

/* matrix-precision: FLOAT32 by default, an enum pspec, notifies once per
 * change, copied, wire names both ways, and a value that is not a
 * precision fails validate() with the names. */
static void
test_matrix_precision (void)
{
  g_autoptr(LightlySamplerConfig) config = lightly_sampler_config_new ();
  g_autoptr(LightlySamplerConfig) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config), "matrix-precision");

  g_assert_nonnull (pspec);
  g_assert_true (G_PARAM_SPEC_VALUE_TYPE (pspec) == LIGHTLY_TYPE_MATRIX_PRECISION);
  g_assert_cmpint (G_PARAM_SPEC_ENUM (pspec)->default_value, ==, LIGHTLY_MATRIX_PRECISION_FLOAT32);
  g_assert_true (pspec->flags & G_PARAM_EXPLICIT_NOTIFY);
  g_assert_cmpint (lightly_sampler_config_get_matrix_precision (config), ==, LIGHTLY_MATRIX_PRECISION_FLOAT32);
  g_signal_connect (config, "notify", G_CALLBACK (count_notify), counts);
  lightly_sampler_config_set_matrix_precision (config, LIGHTLY_MATRIX_PRECISION_BFLOAT16);
  g_object_set (config, "matrix-precision", LIGHTLY_MATRIX_PRECISION_BFLOAT16, NULL);
  g_assert_cmpuint (notified (counts, "matrix-precision"), ==, 1);
  copy = lightly_sampler_config_copy (config);
  g_assert_cmpint (lightly_sampler_config_get_matrix_precision (copy), ==, LIGHTLY_MATRIX_PRECISION_BFLOAT16);
  g_assert_true (lightly_sampler_config_validate (config, &error));

  g_assert_cmpstr (lightly_matrix_precision_to_string (LIGHTLY_MATRIX_PRECISION_FLOAT16), ==, "FLOAT16");
  g_assert_null (lightly_matrix_precision_to_string ((LightlyMatrixPrecision) 3));
  g_assert_cmpint (lightly_matrix_precision_from_string ("Float16", &error), ==, LIGHTLY_MATRIX_PRECISION_FLOAT16);
  g_assert_no_error (error);
  g_assert_cmpint (lightly_matrix_precision_from_string ("fp16", &error), ==, LIGHTLY_MATRIX_PRECISION_FLOAT32);
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (error->message, ==, "Unknown matrix precision “fp16”: use FLOAT32, FLOAT16 or BFLOAT16");
  g_clear_error (&error);

  lightly_sampler_config_set_matrix_precision (config, (LightlyMatrixPrecision) 7);
  g_assert_false (lightly_sampler_config_validate (config, &error));
  g_assert_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT);
  g_assert_cmpstr (error->message, ==, "The matrix precision 7 is unknown: use FLOAT32, FLOAT16 or BFLOAT16");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sampler-config/defaults", test_defaults);
  g_test_add_func ("/sampler-config/balance", test_balance);
  g_test_add_func ("/sampler-config/matrix-precision", test_matrix_precision);
  g_test_add_func ("/sampler-config/pspecs", test_pspecs);
  g_test_add_func ("/sampler-config/properties-and-notify", test_properties_and_notify);
  g_test_add_func ("/sampler-config/copy", test_copy);
  g_test_add_func ("/sampler-config/generate-name", test_generate_name);
  g_test_add_func ("/sampler-config/validate", test_validate);
  return g_test_run ();
}
