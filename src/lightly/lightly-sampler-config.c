/* lightly-sampler-config.c: LightlySamplerConfig, the parameters of one selection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-sampler-config.h"
#include "lightly-enum-types.h"
#include "lightly-error.h"
#include "lightly-sampler-rules-private.h"

/**
 * LightlySamplerConfig:
 *
 * The parameters of one selection: which method picks the samples, when it
 * stops, and the name of the tag it creates. It follows Lightly's
 * `SamplerConfig(method=CORESET, n_samples=32, min_distance=-1, name=None)`
 * ([protocol](protocol.html) §5) and adds [property@Lightly.SamplerConfig:score-type],
 * [property@Lightly.SamplerConfig:score-strength],
 * [property@Lightly.SamplerConfig:seed],
 * [property@Lightly.SamplerConfig:reuse-scores] ([protocol](protocol.html) §13),
 * [property@Lightly.SamplerConfig:balance] and
 * [property@Lightly.SamplerConfig:matrix-precision].
 *
 * Setting a property never fails, so that a binding can set values one at a
 * time in any order. [method@Lightly.SamplerConfig.validate] checks the whole
 * config and says what to fix; every query calls it.
 *
 * ```python
 * config = Lightly.SamplerConfig(method=Lightly.SamplingMethod.CORAL,
 *                                n_samples=200, score_type='uncertainty_margin')
 * config.validate()
 * ```
 */

struct _LightlySamplerConfig
{
  GObject parent_instance;

  LightlySamplingMethod method;
  int n_samples;
  double min_distance;
  char *name;
  char *score_type;
  double score_strength;
  guint64 seed;
  gboolean reuse_scores;
  gboolean balance;
  LightlyMatrixPrecision matrix_precision;
};

G_DEFINE_FINAL_TYPE (LightlySamplerConfig, lightly_sampler_config, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_METHOD,
  PROP_N_SAMPLES,
  PROP_MIN_DISTANCE,
  PROP_NAME,
  PROP_SCORE_TYPE,
  PROP_SCORE_STRENGTH,
  PROP_SEED,
  PROP_REUSE_SCORES,
  PROP_BALANCE,
  PROP_MATRIX_PRECISION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define DEFAULT_METHOD LIGHTLY_SAMPLING_METHOD_CORESET
#define DEFAULT_N_SAMPLES 32
#define DEFAULT_MIN_DISTANCE (-1.0)
#define DEFAULT_SCORE_STRENGTH 1.0

/* Distances between L2-normalised embeddings lie in [0, 2] (protocol §13). */
#define MAX_DISTANCE 2.0

static void
lightly_sampler_config_finalize (GObject *object)
{
  LightlySamplerConfig *self = LIGHTLY_SAMPLER_CONFIG (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->score_type, g_free);

  G_OBJECT_CLASS (lightly_sampler_config_parent_class)->finalize (object);
}

static void
lightly_sampler_config_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  LightlySamplerConfig *self = LIGHTLY_SAMPLER_CONFIG (object);

  switch (prop_id)
    {
    case PROP_METHOD:
      g_value_set_enum (value, self->method);
      break;
    case PROP_N_SAMPLES:
      g_value_set_int (value, self->n_samples);
      break;
    case PROP_MIN_DISTANCE:
      g_value_set_double (value, self->min_distance);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_SCORE_TYPE:
      g_value_set_string (value, self->score_type);
      break;
    case PROP_SCORE_STRENGTH:
      g_value_set_double (value, self->score_strength);
      break;
    case PROP_SEED:
      g_value_set_uint64 (value, self->seed);
      break;
    case PROP_REUSE_SCORES:
      g_value_set_boolean (value, self->reuse_scores);
      break;
    case PROP_BALANCE:
      g_value_set_boolean (value, self->balance);
      break;
    case PROP_MATRIX_PRECISION:
      g_value_set_enum (value, self->matrix_precision);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_sampler_config_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  LightlySamplerConfig *self = LIGHTLY_SAMPLER_CONFIG (object);

  switch (prop_id)
    {
    case PROP_METHOD:
      lightly_sampler_config_set_method (self, g_value_get_enum (value));
      break;
    case PROP_N_SAMPLES:
      lightly_sampler_config_set_n_samples (self, g_value_get_int (value));
      break;
    case PROP_MIN_DISTANCE:
      lightly_sampler_config_set_min_distance (self, g_value_get_double (value));
      break;
    case PROP_NAME:
      lightly_sampler_config_set_name (self, g_value_get_string (value));
      break;
    case PROP_SCORE_TYPE:
      lightly_sampler_config_set_score_type (self, g_value_get_string (value));
      break;
    case PROP_SCORE_STRENGTH:
      lightly_sampler_config_set_score_strength (self, g_value_get_double (value));
      break;
    case PROP_SEED:
      lightly_sampler_config_set_seed (self, g_value_get_uint64 (value));
      break;
    case PROP_REUSE_SCORES:
      lightly_sampler_config_set_reuse_scores (self, g_value_get_boolean (value));
      break;
    case PROP_BALANCE:
      lightly_sampler_config_set_balance (self, g_value_get_boolean (value));
      break;
    case PROP_MATRIX_PRECISION:
      lightly_sampler_config_set_matrix_precision (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_sampler_config_class_init (LightlySamplerConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lightly_sampler_config_finalize;
  object_class->get_property = lightly_sampler_config_get_property;
  object_class->set_property = lightly_sampler_config_set_property;

  /* The numeric ranges are as wide as the types allow, infinities and NaN
   * included: GObject's own range check would only print a warning and keep
   * the old value, while validate() rejects a bad value with a message that
   * says what to fix. */

  /**
   * LightlySamplerConfig:method: (attributes org.gtk.Property.get=lightly_sampler_config_get_method org.gtk.Property.set=lightly_sampler_config_set_method)
   *
   * How the selection picks samples. The default is
   * %LIGHTLY_SAMPLING_METHOD_CORESET, Lightly's default.
   */
  properties[PROP_METHOD] =
    g_param_spec_enum ("method", NULL, NULL,
                       LIGHTLY_TYPE_SAMPLING_METHOD, DEFAULT_METHOD, flags);

  /**
   * LightlySamplerConfig:n-samples: (attributes org.gtk.Property.get=lightly_sampler_config_get_n_samples org.gtk.Property.set=lightly_sampler_config_set_n_samples)
   *
   * The total size of the labeled (preselected) set after the selection,
   * counting the samples that were labeled before it ([protocol](protocol.html) §3.4): 150
   * labeled samples and `n-samples` 200 add 50. Zero or a negative value
   * (Lightly writes −1) makes this stopping condition inactive; then
   * [property@Lightly.SamplerConfig:min-distance] must be active. The
   * default is 32.
   */
  properties[PROP_N_SAMPLES] =
    g_param_spec_int ("n-samples", NULL, NULL,
                      G_MININT, G_MAXINT, DEFAULT_N_SAMPLES, flags);

  /**
   * LightlySamplerConfig:min-distance: (attributes org.gtk.Property.get=lightly_sampler_config_get_min_distance org.gtk.Property.set=lightly_sampler_config_set_min_distance)
   *
   * Stops the selection before it would pick a sample closer than this to
   * the samples selected so far. Distances are Euclidean between
   * L2-normalised embeddings, so they lie in [0, 2]. Zero or a negative
   * value (Lightly writes −1, the default) makes this stopping condition
   * inactive.
   */
  properties[PROP_MIN_DISTANCE] =
    g_param_spec_double ("min-distance", NULL, NULL,
                         -INFINITY, INFINITY, DEFAULT_MIN_DISTANCE, flags);

  /**
   * LightlySamplerConfig:name: (attributes org.gtk.Property.get=lightly_sampler_config_get_name org.gtk.Property.set=lightly_sampler_config_set_name)
   *
   * The name of the tag the selection creates. It must be at least 3
   * characters long, start with a letter or a digit, and contain only
   * letters, digits, spaces and `. : ; = @ _ -` (Lightly's TagName). When
   * %NULL (the default) a name is generated at query time with
   * [method@Lightly.SamplerConfig.generate_name].
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, flags);

  /**
   * LightlySamplerConfig:score-type: (attributes org.gtk.Property.get=lightly_sampler_config_get_score_type org.gtk.Property.set=lightly_sampler_config_set_score_type)
   *
   * The active-learning score that %LIGHTLY_SAMPLING_METHOD_CORAL and
   * %LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING rank by, such as
   * `"uncertainty_margin"`. When %NULL (the default) the server chooses
   * ([protocol](protocol.html) §13: `uncertainty_margin` if present, else the score uploaded
   * last). Other methods ignore it. It may contain letters, digits and
   * `_ + = , . @ : / -`.
   */
  properties[PROP_SCORE_TYPE] =
    g_param_spec_string ("score-type", NULL, NULL, NULL, flags);

  /**
   * LightlySamplerConfig:score-strength: (attributes org.gtk.Property.get=lightly_sampler_config_get_score_strength org.gtk.Property.set=lightly_sampler_config_set_score_strength)
   *
   * β of the CORAL rule, which picks the candidate that maximises
   * `d̂(c) · s(c)^β` ([protocol](protocol.html) §13): 0 is pure diversity (CORESET), a
   * large value approaches %LIGHTLY_SAMPLING_METHOD_ACTIVE_LEARNING. It must
   * be finite and at least 0; the default is 1. Other methods ignore it.
   */
  properties[PROP_SCORE_STRENGTH] =
    g_param_spec_double ("score-strength", NULL, NULL,
                         -INFINITY, INFINITY, DEFAULT_SCORE_STRENGTH, flags);

  /**
   * LightlySamplerConfig:seed: (attributes org.gtk.Property.get=lightly_sampler_config_get_seed org.gtk.Property.set=lightly_sampler_config_set_seed)
   *
   * The seed of %LIGHTLY_SAMPLING_METHOD_RANDOM: the same seed over the same
   * candidates gives the same picks. The default is 0. Other methods are
   * deterministic and ignore it.
   */
  properties[PROP_SEED] =
    g_param_spec_uint64 ("seed", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * LightlySamplerConfig:reuse-scores: (attributes org.gtk.Property.get=lightly_sampler_config_get_reuse_scores org.gtk.Property.set=lightly_sampler_config_set_reuse_scores)
   *
   * Whether a CORAL or ACTIVE_LEARNING query without a scorer may rank by
   * the scores uploaded in an earlier round. The default %FALSE makes such
   * a query fail with %LIGHTLY_ERROR_SCORES_REQUIRED, so stale scores are
   * never used silently ([protocol](protocol.html) §13). Other methods ignore it.
   */
  properties[PROP_REUSE_SCORES] =
    g_param_spec_boolean ("reuse-scores", NULL, NULL, FALSE, flags);

  /**
   * LightlySamplerConfig:balance: (attributes org.gtk.Property.get=lightly_sampler_config_get_balance org.gtk.Property.set=lightly_sampler_config_set_balance)
   *
   * Class balance, a lightly-glib extension: the batch gets equal quotas per
   * predicted class (the argmax of the model's class probabilities), the
   * leftover of classes with too few candidates going to the others, and
   * takes the method's ranking in order within them. On long-tailed data
   * this keeps a batch from filling up with the majority class. It needs
   * class probabilities with the scores (`class_probability_0` …, see
   * [method@Lightly.Scores.add_probabilities] and
   * [property@Lightly.ScorerClassification:probabilities]); a query without
   * them fails with %LIGHTLY_ERROR_SCORES_REQUIRED. The labeled set does not
   * count against the quotas. RANDOM and ACTIVE_LEARNING rank every
   * candidate for it; CORESET, CORAL, BADGE, TYPICLUST and PROBCOVER rank k·m
   * (k the batch, m the predicted classes), so they take up to m times as
   * long. The default is %FALSE. A lightly-glib server reads it as the
   * `balance` member of the selection request; Lightly's service ignores it.
   *
   * Since: 0.2
   */
  properties[PROP_BALANCE] =
    g_param_spec_boolean ("balance", NULL, NULL, FALSE, flags);

  /**
   * LightlySamplerConfig:matrix-precision: (attributes org.gtk.Property.get=lightly_sampler_config_get_matrix_precision org.gtk.Property.set=lightly_sampler_config_set_matrix_precision)
   *
   * Which copy of the embedding matrix %LIGHTLY_SAMPLING_METHOD_CORESET and
   * %LIGHTLY_SAMPLING_METHOD_CORAL stream, a lightly-glib extension. With
   * %LIGHTLY_MATRIX_PRECISION_FLOAT16 or %LIGHTLY_MATRIX_PRECISION_BFLOAT16
   * the embedded store keeps a half-precision copy beside the float32
   * matrix (2 bytes per value, built on the first query that asks for it)
   * and the passes read it instead, going back to the float32 row only
   * where the copy cannot decide; the picks are the same as with
   * %LIGHTLY_MATRIX_PRECISION_FLOAT32, the default. It pays on large
   * matrices (hundreds of thousands of rows). The other methods ignore it;
   * %LIGHTLY_SAMPLING_METHOD_AUTO uses it when it resolves to CORESET or
   * CORAL (a query bounded by a minimum distance only). A lightly-glib server reads it as the `matrixPrecision`
   * member of the selection request; against another server the client
   * leaves it out, which changes nothing but the speed.
   *
   * Since: 0.2
   */
  properties[PROP_MATRIX_PRECISION] =
    g_param_spec_enum ("matrix-precision", NULL, NULL, LIGHTLY_TYPE_MATRIX_PRECISION,
                       LIGHTLY_MATRIX_PRECISION_FLOAT32, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_sampler_config_init (LightlySamplerConfig *self)
{
  self->method = DEFAULT_METHOD;
  self->n_samples = DEFAULT_N_SAMPLES;
  self->min_distance = DEFAULT_MIN_DISTANCE;
  self->score_strength = DEFAULT_SCORE_STRENGTH;
}

/**
 * lightly_sampler_config_new:
 *
 * Creates a config with Lightly's defaults: CORESET, 32 samples, no minimum
 * distance, and a generated name.
 *
 * Returns: (transfer full): a new config
 */
LightlySamplerConfig *
lightly_sampler_config_new (void)
{
  return g_object_new (LIGHTLY_TYPE_SAMPLER_CONFIG, NULL);
}

/**
 * lightly_sampler_config_copy:
 * @self: a config
 *
 * Copies a config, so that a query can keep the parameters it started with
 * while the caller changes the original.
 *
 * Returns: (transfer full): a new config with the same properties
 */
LightlySamplerConfig *
lightly_sampler_config_copy (LightlySamplerConfig *self)
{
  LightlySamplerConfig *copy;

  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), NULL);

  copy = lightly_sampler_config_new ();
  copy->method = self->method;
  copy->n_samples = self->n_samples;
  copy->min_distance = self->min_distance;
  copy->name = g_strdup (self->name);
  copy->score_type = g_strdup (self->score_type);
  copy->score_strength = self->score_strength;
  copy->seed = self->seed;
  copy->reuse_scores = self->reuse_scores;
  copy->balance = self->balance;
  copy->matrix_precision = self->matrix_precision;
  return copy;
}

/* g_set_str() is GLib 2.76. */
static gboolean
replace_string (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* Bitwise, so that setting NaN twice notifies once. */
static gboolean
same_double (double a,
             double b)
{
  return memcmp (&a, &b, sizeof a) == 0;
}

/**
 * lightly_sampler_config_get_method: (get-property method)
 * @self: a config
 *
 * Gets [property@Lightly.SamplerConfig:method].
 *
 * Returns: the sampling method
 */
LightlySamplingMethod
lightly_sampler_config_get_method (LightlySamplerConfig *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), DEFAULT_METHOD);

  return self->method;
}

/**
 * lightly_sampler_config_set_method: (set-property method)
 * @self: a config
 * @method: the sampling method
 *
 * Sets [property@Lightly.SamplerConfig:method].
 */
void
lightly_sampler_config_set_method (LightlySamplerConfig  *self,
                                   LightlySamplingMethod  method)
{
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self));

  if (self->method == method)
    return;
  self->method = method;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METHOD]);
}

/**
 * lightly_sampler_config_get_n_samples: (get-property n-samples)
 * @self: a config
 *
 * Gets [property@Lightly.SamplerConfig:n-samples].
 *
 * Returns: the total size of the labeled set after the selection, or zero
 *   or less when inactive
 */
int
lightly_sampler_config_get_n_samples (LightlySamplerConfig *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), DEFAULT_N_SAMPLES);

  return self->n_samples;
}

/**
 * lightly_sampler_config_set_n_samples: (set-property n-samples)
 * @self: a config
 * @n_samples: the total size of the labeled set after the selection, or −1
 *   for inactive
 *
 * Sets [property@Lightly.SamplerConfig:n-samples].
 */
void
lightly_sampler_config_set_n_samples (LightlySamplerConfig *self,
                                      int                   n_samples)
{
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self));

  if (self->n_samples == n_samples)
    return;
  self->n_samples = n_samples;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SAMPLES]);
}

/**
 * lightly_sampler_config_get_min_distance: (get-property min-distance)
 * @self: a config
 *
 * Gets [property@Lightly.SamplerConfig:min-distance].
 *
 * Returns: the minimum distance, or zero or less when inactive
 */
double
lightly_sampler_config_get_min_distance (LightlySamplerConfig *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), DEFAULT_MIN_DISTANCE);

  return self->min_distance;
}

/**
 * lightly_sampler_config_set_min_distance: (set-property min-distance)
 * @self: a config
 * @min_distance: the minimum distance in (0, 2], or −1 for inactive
 *
 * Sets [property@Lightly.SamplerConfig:min-distance].
 */
void
lightly_sampler_config_set_min_distance (LightlySamplerConfig *self,
                                         double                min_distance)
{
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self));

  if (same_double (self->min_distance, min_distance))
    return;
  self->min_distance = min_distance;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIN_DISTANCE]);
}

/**
 * lightly_sampler_config_get_name: (get-property name)
 * @self: a config
 *
 * Gets [property@Lightly.SamplerConfig:name].
 *
 * Returns: (transfer none) (nullable): the name of the new tag, or %NULL to
 *   generate one
 */
const char *
lightly_sampler_config_get_name (LightlySamplerConfig *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), NULL);

  return self->name;
}

/**
 * lightly_sampler_config_set_name: (set-property name)
 * @self: a config
 * @name: (nullable): the name of the new tag, or %NULL to generate one
 *
 * Sets [property@Lightly.SamplerConfig:name].
 */
void
lightly_sampler_config_set_name (LightlySamplerConfig *self,
                                 const char           *name)
{
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self));

  if (replace_string (&self->name, name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * lightly_sampler_config_get_score_type: (get-property score-type)
 * @self: a config
 *
 * Gets [property@Lightly.SamplerConfig:score-type].
 *
 * Returns: (transfer none) (nullable): the score to rank by, or %NULL to let
 *   the server choose
 */
const char *
lightly_sampler_config_get_score_type (LightlySamplerConfig *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), NULL);

  return self->score_type;
}

/**
 * lightly_sampler_config_set_score_type: (set-property score-type)
 * @self: a config
 * @score_type: (nullable): the score to rank by, such as
 *   `"uncertainty_margin"`, or %NULL to let the server choose
 *
 * Sets [property@Lightly.SamplerConfig:score-type].
 */
void
lightly_sampler_config_set_score_type (LightlySamplerConfig *self,
                                       const char           *score_type)
{
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self));

  if (replace_string (&self->score_type, score_type))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCORE_TYPE]);
}

/**
 * lightly_sampler_config_get_score_strength: (get-property score-strength)
 * @self: a config
 *
 * Gets [property@Lightly.SamplerConfig:score-strength].
 *
 * Returns: β of the CORAL rule
 */
double
lightly_sampler_config_get_score_strength (LightlySamplerConfig *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), DEFAULT_SCORE_STRENGTH);

  return self->score_strength;
}

/**
 * lightly_sampler_config_set_score_strength: (set-property score-strength)
 * @self: a config
 * @score_strength: β of the CORAL rule, finite and at least 0
 *
 * Sets [property@Lightly.SamplerConfig:score-strength].
 */
void
lightly_sampler_config_set_score_strength (LightlySamplerConfig *self,
                                           double                score_strength)
{
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self));

  if (same_double (self->score_strength, score_strength))
    return;
  self->score_strength = score_strength;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCORE_STRENGTH]);
}

/**
 * lightly_sampler_config_get_seed: (get-property seed)
 * @self: a config
 *
 * Gets [property@Lightly.SamplerConfig:seed].
 *
 * Returns: the seed of RANDOM selections
 */
guint64
lightly_sampler_config_get_seed (LightlySamplerConfig *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), 0);

  return self->seed;
}

/**
 * lightly_sampler_config_set_seed: (set-property seed)
 * @self: a config
 * @seed: the seed of RANDOM selections
 *
 * Sets [property@Lightly.SamplerConfig:seed].
 */
void
lightly_sampler_config_set_seed (LightlySamplerConfig *self,
                                 guint64               seed)
{
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self));

  if (self->seed == seed)
    return;
  self->seed = seed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED]);
}

/**
 * lightly_sampler_config_get_reuse_scores: (get-property reuse-scores)
 * @self: a config
 *
 * Gets [property@Lightly.SamplerConfig:reuse-scores].
 *
 * Returns: whether a query without a scorer may use earlier scores
 */
gboolean
lightly_sampler_config_get_reuse_scores (LightlySamplerConfig *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), FALSE);

  return self->reuse_scores;
}

/**
 * lightly_sampler_config_set_reuse_scores: (set-property reuse-scores)
 * @self: a config
 * @reuse_scores: whether a query without a scorer may use earlier scores
 *
 * Sets [property@Lightly.SamplerConfig:reuse-scores].
 */
void
lightly_sampler_config_set_reuse_scores (LightlySamplerConfig *self,
                                         gboolean              reuse_scores)
{
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self));

  reuse_scores = !!reuse_scores;
  if (self->reuse_scores == reuse_scores)
    return;
  self->reuse_scores = reuse_scores;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REUSE_SCORES]);
}

/**
 * lightly_sampler_config_get_balance: (get-property balance)
 * @self: a config
 *
 * Gets [property@Lightly.SamplerConfig:balance].
 *
 * Returns: whether the batch gets per-class quotas
 *
 * Since: 0.2
 */
gboolean
lightly_sampler_config_get_balance (LightlySamplerConfig *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), FALSE);

  return self->balance;
}

/**
 * lightly_sampler_config_set_balance: (set-property balance)
 * @self: a config
 * @balance: whether the batch gets per-class quotas of the predicted classes
 *
 * Sets [property@Lightly.SamplerConfig:balance].
 *
 * Since: 0.2
 */
void
lightly_sampler_config_set_balance (LightlySamplerConfig *self,
                                    gboolean              balance)
{
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self));

  balance = !!balance;
  if (self->balance == balance)
    return;
  self->balance = balance;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BALANCE]);
}

/**
 * lightly_sampler_config_get_matrix_precision: (get-property matrix-precision)
 * @self: a config
 *
 * Gets [property@Lightly.SamplerConfig:matrix-precision].
 *
 * Returns: the precision of the matrix CORESET and CORAL stream
 *
 * Since: 0.2
 */
LightlyMatrixPrecision
lightly_sampler_config_get_matrix_precision (LightlySamplerConfig *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), LIGHTLY_MATRIX_PRECISION_FLOAT32);

  return self->matrix_precision;
}

/**
 * lightly_sampler_config_set_matrix_precision: (set-property matrix-precision)
 * @self: a config
 * @precision: the precision of the matrix CORESET and CORAL stream
 *
 * Sets [property@Lightly.SamplerConfig:matrix-precision].
 *
 * Since: 0.2
 */
void
lightly_sampler_config_set_matrix_precision (LightlySamplerConfig   *self,
                                             LightlyMatrixPrecision  precision)
{
  g_return_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self));

  if (self->matrix_precision == precision)
    return;
  self->matrix_precision = precision;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MATRIX_PRECISION]);
}

/**
 * lightly_sampler_config_generate_name:
 * @self: a config
 * @now: (nullable): the time to put into the name, or %NULL for the current
 *   local time
 *
 * Generates Lightly's default tag name,
 * `{method}_{n_samples}_{min_distance}_{now:%m_%d_%Y__%H_%M_%S}`, such as
 * `CORESET_32_-1_05_27_2021__14_45_13`. The minimum distance is written in
 * its shortest exact form (`-1`, `0.1`). Queries use this when
 * [property@Lightly.SamplerConfig:name] is %NULL.
 *
 * Returns: (transfer full): the name
 */
char *
lightly_sampler_config_generate_name (LightlySamplerConfig *self,
                                      GDateTime            *now)
{
  g_autoptr(GDateTime) local_now = NULL;
  g_autofree char *when = NULL;
  g_autofree char *distance = NULL;
  g_autofree char *method_number = NULL;
  const char *method;

  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), NULL);

  if (now == NULL)
    now = local_now = g_date_time_new_now_local ();
  when = g_date_time_format (now, "%m_%d_%Y__%H_%M_%S");
  distance = lightly_sampler_rules_format_number (self->min_distance);
  method = lightly_sampling_method_to_string (self->method);
  if (method == NULL)
    method = method_number = g_strdup_printf ("%d", (int) self->method);

  return g_strdup_printf ("%s_%d_%s_%s", method, self->n_samples, distance, when);
}

/**
 * lightly_sampler_config_validate:
 * @self: a config
 * @error: return location for a #GError
 *
 * Checks that a selection with this config can run and stop. It fails when
 *
 * - the method is not a [enum@Lightly.SamplingMethod], or the matrix
 *   precision not a [enum@Lightly.MatrixPrecision];
 * - no stopping condition is active: [property@Lightly.SamplerConfig:n-samples]
 *   and [property@Lightly.SamplerConfig:min-distance] are both zero or less;
 * - the minimum distance is not finite, or above 2 (distances between
 *   L2-normalised embeddings lie in [0, 2], so it could never be met);
 * - the score strength is not finite, or below 0;
 * - the name or the score type break the patterns described at
 *   [property@Lightly.SamplerConfig:name] and
 *   [property@Lightly.SamplerConfig:score-type].
 *
 * A score type, a score strength or reuse-scores on a method that ignores
 * them is fine. Every query calls this first.
 *
 * Returns: %TRUE if the config is valid, else %FALSE with
 *   %LIGHTLY_ERROR_INVALID_INPUT and a message that names the bad value and
 *   says what to fix
 */
gboolean
lightly_sampler_config_validate (LightlySamplerConfig  *self,
                                 GError               **error)
{
  g_return_val_if_fail (LIGHTLY_IS_SAMPLER_CONFIG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (lightly_sampling_method_to_string (self->method) == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The sampling method %d is unknown: use RANDOM, CORESET, CORAL, "
                   "ACTIVE_LEARNING, TYPICLUST, PROBCOVER, AUTO or BADGE", (int) self->method);
      return FALSE;
    }

  if (lightly_matrix_precision_to_string (self->matrix_precision) == NULL)
    {
      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The matrix precision %d is unknown: use FLOAT32, FLOAT16 or BFLOAT16",
                   (int) self->matrix_precision);
      return FALSE;
    }

  if (!isfinite (self->min_distance))
    {
      g_autofree char *value = lightly_sampler_rules_format_number (self->min_distance);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The min-distance %s is not a finite number: use a distance in "
                   "(0, 2], or -1 for no minimum distance", value);
      return FALSE;
    }

  if (self->min_distance > MAX_DISTANCE)
    {
      g_autofree char *value = lightly_sampler_rules_format_number (self->min_distance);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The min-distance %s can never be met: distances between "
                   "L2-normalised embeddings lie in [0, 2]; use a distance in "
                   "(0, 2], or -1 for no minimum distance", value);
      return FALSE;
    }

  if (!lightly_sampler_rules_check_n_samples (self->n_samples, self->min_distance, error))
    return FALSE;

  if (!isfinite (self->score_strength) || self->score_strength < 0)
    {
      g_autofree char *value = lightly_sampler_rules_format_number (self->score_strength);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                   "The score-strength %s is invalid: use a finite number of at "
                   "least 0 (0 ranks by diversity only, 1 is the default)", value);
      return FALSE;
    }

  if (self->name != NULL && !lightly_sampler_rules_check_tag_name (self->name, error))
    return FALSE;

  if (self->score_type != NULL && !lightly_sampler_rules_check_score_type (self->score_type, error))
    return FALSE;

  return TRUE;
}
