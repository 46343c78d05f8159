/* lightly-query-result.c: LightlyQueryResult, what one agent query did
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-query-result.h"
#include "lightly-enum-types.h"
#include "lightly-query-result-private.h"
#include "lightly-pick.h"

/**
 * LightlyQueryResult:
 *
 * What one active-learning query did: the result of
 * `lightly_agent_query_finish()`.
 *
 * A query that had nothing to do, because the labeled set already has the
 * requested size or the pool is empty, is *skipped*: that is not an error,
 * [property@Lightly.QueryResult:skipped] is %TRUE, no tag is made and
 * nothing is added. Otherwise [property@Lightly.QueryResult:tag] is the tag
 * the selection made and [property@Lightly.QueryResult:added] lists the file
 * names it added to the labeled set, the batch to label next.
 *
 * The result also says what the query meant, as the agent decided it:
 * [property@Lightly.QueryResult:method] is the method that ran (what
 * %LIGHTLY_SAMPLING_METHOD_AUTO became),
 * [property@Lightly.QueryResult:batch-size] how many samples were added and
 * [property@Lightly.QueryResult:total] the size of the labeled set
 * afterwards, so a program never has to repeat the agent's rules.
 *
 * Every property is read-only.
 */
struct _LightlyQueryResult
{
  GObject parent_instance;

  gboolean skipped;
  LightlyTag *tag;
  char **added;
  LightlySamplingMethod method;
  guint total;
  char *reason;
  GPtrArray *picks;
};

G_DEFINE_FINAL_TYPE (LightlyQueryResult, lightly_query_result, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SKIPPED,
  PROP_TAG,
  PROP_ADDED,
  PROP_METHOD,
  PROP_BATCH_SIZE,
  PROP_TOTAL,
  PROP_REASON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
lightly_query_result_finalize (GObject *object)
{
  LightlyQueryResult *self = LIGHTLY_QUERY_RESULT (object);

  g_clear_object (&self->tag);
  g_strfreev (self->added);
  g_free (self->reason);
  g_clear_pointer (&self->picks, g_ptr_array_unref);

  G_OBJECT_CLASS (lightly_query_result_parent_class)->finalize (object);
}

static void
lightly_query_result_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  LightlyQueryResult *self = LIGHTLY_QUERY_RESULT (object);

  switch (prop_id)
    {
    case PROP_SKIPPED:
      g_value_set_boolean (value, self->skipped);
      break;
    case PROP_TAG:
      g_value_set_object (value, self->tag);
      break;
    case PROP_ADDED:
      g_value_set_boxed (value, self->added);
      break;
    case PROP_METHOD:
      g_value_set_enum (value, self->method);
      break;
    case PROP_BATCH_SIZE:
      g_value_set_uint (value, lightly_query_result_get_batch_size (self));
      break;
    case PROP_TOTAL:
      g_value_set_uint (value, self->total);
      break;
    case PROP_REASON:
      g_value_set_string (value, self->reason);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_query_result_class_init (LightlyQueryResultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lightly_query_result_finalize;
  object_class->get_property = lightly_query_result_get_property;

  /**
   * LightlyQueryResult:skipped: (getter get_skipped)
   *
   * Whether the query had nothing to select and did nothing. A skipped
   * query has no tag and adds nothing.
   */
  properties[PROP_SKIPPED] =
    g_param_spec_boolean ("skipped", NULL, NULL, FALSE, flags);

  /**
   * LightlyQueryResult:tag: (getter get_tag)
   *
   * The tag the selection made: the new labeled set. %NULL when the query
   * was skipped.
   */
  properties[PROP_TAG] =
    g_param_spec_object ("tag", NULL, NULL, LIGHTLY_TYPE_TAG, flags);

  /**
   * LightlyQueryResult:added: (getter get_added)
   *
   * The file names the query added to the labeled set, in the dataset's
   * order; empty (never %NULL) when nothing was added.
   */
  properties[PROP_ADDED] =
    g_param_spec_boxed ("added", NULL, NULL, G_TYPE_STRV, flags);

  /**
   * LightlyQueryResult:method: (getter get_method)
   *
   * The sampling method the query ran: the config's method, with
   * %LIGHTLY_SAMPLING_METHOD_AUTO resolved by
   * [func@Lightly.SamplingMethod.resolve]. A skipped query ran nothing: it
   * keeps the config's method as given, which may be AUTO.
   *
   * Since: 0.2
   */
  properties[PROP_METHOD] =
    g_param_spec_enum ("method", NULL, NULL, LIGHTLY_TYPE_SAMPLING_METHOD,
                       LIGHTLY_SAMPLING_METHOD_AUTO, flags);

  /**
   * LightlyQueryResult:batch-size: (getter get_batch_size)
   *
   * How many samples the query added to the labeled set: the length of
   * [property@Lightly.QueryResult:added]. It can be smaller than asked for
   * when the pool runs out or a minimum distance stops the selection; 0 when
   * the query was skipped.
   *
   * Since: 0.2
   */
  properties[PROP_BATCH_SIZE] =
    g_param_spec_uint ("batch-size", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * LightlyQueryResult:total: (getter get_total)
   *
   * The size of the labeled set after the query: the previous labeled set
   * plus the batch. When the query was skipped, the labeled set as it was.
   *
   * Since: 0.2
   */
  properties[PROP_TOTAL] =
    g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * LightlyQueryResult:reason: (getter get_reason)
   *
   * Why the query ran [property@Lightly.QueryResult:method], as a short
   * English sentence for logs and tooltips: for
   * %LIGHTLY_SAMPLING_METHOD_AUTO the rule of
   * [func@Lightly.SamplingMethod.resolve_in_pool] that decided, with the
   * numbers it used, such as `"RANDOM: 500 of 1500 labeled after the
   * query (33%), past the typical samples' 10% of the pool (150); the batch
   * of 300 is larger than the 200 labels the model learned from (…)"`. It
   * starts with the method's wire name, or with `"skipped"` for a skipped
   * query. Not meant to be parsed; %NULL for a result not made by a query.
   *
   * Since: 0.2
   */
  properties[PROP_REASON] =
    g_param_spec_string ("reason", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_query_result_init (LightlyQueryResult *self)
{
  /* Bindings can construct an empty result with g_object_new(); its list
   * must be as empty-but-valid as the one from a real query. */
  self->added = g_new0 (char *, 1);
  self->method = LIGHTLY_SAMPLING_METHOD_AUTO;
  self->picks = g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_pick_free);
}

LightlyQueryResult *
lightly_query_result_new_internal (gboolean               skipped,
                                   LightlySamplingMethod  method,
                                   LightlyTag            *tag,
                                   const char * const    *added,
                                   guint                  total,
                                   const char            *reason)
{
  LightlyQueryResult *self;

  g_return_val_if_fail (tag == NULL || LIGHTLY_IS_TAG (tag), NULL);

  self = g_object_new (LIGHTLY_TYPE_QUERY_RESULT, NULL);
  self->skipped = !!skipped;
  self->method = method;
  self->total = total;
  self->reason = g_strdup (reason);
  self->tag = tag != NULL ? g_object_ref (tag) : NULL;
  /* Bindings and callers index the list without a NULL check, so "nothing
   * added" stays the empty vector from init, not NULL. */
  if (added != NULL)
    {
      g_strfreev (self->added);
      self->added = g_strdupv ((char **) added);
    }

  return self;
}

/**
 * lightly_query_result_get_skipped: (get-property skipped)
 * @self: a query result
 *
 * Gets whether the query had nothing to do.
 *
 * Returns: %TRUE when the query was skipped
 */
gboolean
lightly_query_result_get_skipped (LightlyQueryResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_QUERY_RESULT (self), FALSE);
  return self->skipped;
}

/**
 * lightly_query_result_get_tag: (get-property tag)
 * @self: a query result
 *
 * Gets the tag the selection made.
 *
 * Returns: (transfer none) (nullable): the new tag, or %NULL when the query
 *   was skipped
 */
LightlyTag *
lightly_query_result_get_tag (LightlyQueryResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_QUERY_RESULT (self), NULL);
  return self->tag;
}

/**
 * lightly_query_result_get_added: (get-property added)
 * @self: a query result
 *
 * Gets the file names the query added to the labeled set.
 *
 * Returns: (transfer none) (array zero-terminated=1): the file names, empty
 *   when nothing was added
 */
const char * const *
lightly_query_result_get_added (LightlyQueryResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_QUERY_RESULT (self), NULL);
  return (const char * const *) self->added;
}

/**
 * lightly_query_result_get_method: (get-property method)
 * @self: a query result
 *
 * Gets the sampling method the query ran, with AUTO resolved.
 *
 * Returns: the method that ran; for a skipped query, the config's method
 *
 * Since: 0.2
 */
LightlySamplingMethod
lightly_query_result_get_method (LightlyQueryResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_QUERY_RESULT (self), LIGHTLY_SAMPLING_METHOD_AUTO);
  return self->method;
}

/**
 * lightly_query_result_get_batch_size: (get-property batch-size)
 * @self: a query result
 *
 * Gets how many samples the query added to the labeled set.
 *
 * Returns: the number of added samples, 0 when the query was skipped
 *
 * Since: 0.2
 */
guint
lightly_query_result_get_batch_size (LightlyQueryResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_QUERY_RESULT (self), 0);
  return g_strv_length (self->added);
}

/**
 * lightly_query_result_get_total: (get-property total)
 * @self: a query result
 *
 * Gets the size of the labeled set after the query.
 *
 * Returns: the labeled set's size afterwards
 *
 * Since: 0.2
 */
guint
lightly_query_result_get_total (LightlyQueryResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_QUERY_RESULT (self), 0);
  return self->total;
}

/**
 * lightly_query_result_get_reason: (get-property reason)
 * @self: a query result
 *
 * Gets why the query ran its method, AUTO's decision included.
 *
 * Returns: (transfer none) (nullable): a short sentence starting with the
 *   method's wire name (or `"skipped"`)
 *
 * Since: 0.2
 */
const char *
lightly_query_result_get_reason (LightlyQueryResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_QUERY_RESULT (self), NULL);
  return self->reason;
}

void
lightly_query_result_set_picks_internal (LightlyQueryResult *self,
                                         GPtrArray          *picks)
{
  g_return_if_fail (LIGHTLY_IS_QUERY_RESULT (self));
  g_return_if_fail (picks != NULL);

  g_ptr_array_unref (self->picks);
  self->picks = g_ptr_array_ref (picks);
}

/**
 * lightly_query_result_get_picks:
 * @self: a query result
 *
 * Gets why each added sample was picked: one [struct@Lightly.Pick] per
 * sample of [property@Lightly.QueryResult:added], in pick order (the rank),
 * with the method that picked it, its utility and its cluster or ball. An
 * annotation tool can show them as badges and present the batch in rank
 * order. Empty when the query was skipped, or when the server is not a
 * lightly-glib server and cannot say.
 *
 * Returns: (transfer none) (element-type LightlyPick): the picks
 *
 * Since: 0.2
 */
GPtrArray *
lightly_query_result_get_picks (LightlyQueryResult *self)
{
  g_return_val_if_fail (LIGHTLY_IS_QUERY_RESULT (self), NULL);
  return self->picks;
}
