/* lightly-suggest-request.c: LightlySuggestRequest, one "Suggest next batch"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-suggest-request.h"
#include "lightly-pick.h"

/**
 * LightlySuggestRequest:
 *
 * What an app asks a [iface@Lightly.BatchSuggester] for when the user
 * presses "Suggest next batch": how many files, which files the user has
 * labeled, and optionally the model's current predictions.
 *
 * [property@Lightly.SuggestRequest:labeled] is the truth about what is
 * labeled: users skip suggested images and label images that were never
 * suggested, so a suggester must not assume that its last batch was
 * labeled. Every name a suggester returns is outside this set.
 *
 * [property@Lightly.SuggestRequest:predictions] are keyed by file name and
 * may be in any order; the suggester reorders them.
 *
 * Every property is construct-only, so a request can be read from any
 * thread, including the worker thread in which
 * [vfunc@Lightly.BatchSuggester.suggest] runs.
 */
struct _LightlySuggestRequest
{
  GObject parent_instance;

  guint batch_size;
  char **labeled;
  LightlyPredictions *predictions;
  /* The suggester's answer, set from its own context: guarded. */
  GMutex lock;
  GPtrArray *picks;
};

G_DEFINE_FINAL_TYPE (LightlySuggestRequest, lightly_suggest_request, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BATCH_SIZE,
  PROP_LABELED,
  PROP_PREDICTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
lightly_suggest_request_finalize (GObject *object)
{
  LightlySuggestRequest *self = LIGHTLY_SUGGEST_REQUEST (object);

  g_strfreev (self->labeled);
  g_clear_object (&self->predictions);
  g_clear_pointer (&self->picks, g_ptr_array_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (lightly_suggest_request_parent_class)->finalize (object);
}

static void
lightly_suggest_request_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  LightlySuggestRequest *self = LIGHTLY_SUGGEST_REQUEST (object);

  switch (prop_id)
    {
    case PROP_BATCH_SIZE:
      g_value_set_uint (value, self->batch_size);
      break;
    case PROP_LABELED:
      g_value_set_boxed (value, self->labeled);
      break;
    case PROP_PREDICTIONS:
      g_value_set_object (value, self->predictions);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_suggest_request_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  LightlySuggestRequest *self = LIGHTLY_SUGGEST_REQUEST (object);

  switch (prop_id)
    {
    case PROP_BATCH_SIZE:
      self->batch_size = g_value_get_uint (value);
      break;
    case PROP_LABELED:
      {
        char **labeled = g_value_dup_boxed (value);

        g_strfreev (self->labeled);
        /* Suggesters iterate the list without a NULL check. */
        self->labeled = labeled != NULL ? labeled : g_new0 (char *, 1);
      }
      break;
    case PROP_PREDICTIONS:
      g_clear_object (&self->predictions);
      self->predictions = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_suggest_request_class_init (LightlySuggestRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                            G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lightly_suggest_request_finalize;
  object_class->get_property = lightly_suggest_request_get_property;
  object_class->set_property = lightly_suggest_request_set_property;

  /**
   * LightlySuggestRequest:batch-size: (getter get_batch_size)
   *
   * How many files to suggest at most. 0 means the suggester's own setting
   * (for the plugin shipped with lightly-glib, the `batch-size` key of the
   * `org.lightly.Suggest` GSettings schema).
   */
  properties[PROP_BATCH_SIZE] =
    g_param_spec_uint ("batch-size", NULL, NULL, 0, G_MAXINT, 0, flags);

  /**
   * LightlySuggestRequest:labeled: (getter get_labeled)
   *
   * The file names the user has labeled so far, in any order; never
   * %NULL (an empty list when nothing is labeled).
   */
  properties[PROP_LABELED] =
    g_param_spec_boxed ("labeled", NULL, NULL, G_TYPE_STRV, flags);

  /**
   * LightlySuggestRequest:predictions: (getter get_predictions)
   *
   * The model's class probabilities for the pool, keyed by file name, or
   * %NULL when there is no model yet.
   */
  properties[PROP_PREDICTIONS] =
    g_param_spec_object ("predictions", NULL, NULL, LIGHTLY_TYPE_PREDICTIONS, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_suggest_request_init (LightlySuggestRequest *self)
{
  g_mutex_init (&self->lock);
  self->picks = g_ptr_array_new_with_free_func ((GDestroyNotify) lightly_pick_free);
  self->labeled = g_new0 (char *, 1);
}

/**
 * lightly_suggest_request_new:
 * @batch_size: how many files to suggest at most; 0 for the suggester's
 *   setting
 * @labeled: (array zero-terminated=1) (nullable): the file names labeled
 *   so far; %NULL for none
 * @predictions: (nullable): the model's predictions, keyed by file name
 *
 * Creates a request.
 *
 * Returns: (transfer full): a new request
 */
LightlySuggestRequest *
lightly_suggest_request_new (guint                batch_size,
                             const char * const  *labeled,
                             LightlyPredictions  *predictions)
{
  g_return_val_if_fail (batch_size <= G_MAXINT, NULL);
  g_return_val_if_fail (predictions == NULL || LIGHTLY_IS_PREDICTIONS (predictions), NULL);

  return g_object_new (LIGHTLY_TYPE_SUGGEST_REQUEST,
                       "batch-size", batch_size,
                       "labeled", labeled,
                       "predictions", predictions,
                       NULL);
}

/**
 * lightly_suggest_request_get_batch_size:
 * @self: a request
 *
 * Gets [property@Lightly.SuggestRequest:batch-size].
 *
 * Returns: the largest batch wanted, or 0 for the suggester's setting
 */
guint
lightly_suggest_request_get_batch_size (LightlySuggestRequest *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SUGGEST_REQUEST (self), 0);
  return self->batch_size;
}

/**
 * lightly_suggest_request_get_labeled:
 * @self: a request
 *
 * Gets [property@Lightly.SuggestRequest:labeled].
 *
 * Returns: (transfer none) (array zero-terminated=1): the labeled file
 *   names
 */
const char * const *
lightly_suggest_request_get_labeled (LightlySuggestRequest *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SUGGEST_REQUEST (self), NULL);
  return (const char * const *) self->labeled;
}

/**
 * lightly_suggest_request_get_predictions:
 * @self: a request
 *
 * Gets [property@Lightly.SuggestRequest:predictions].
 *
 * Returns: (transfer none) (nullable): the predictions
 */
LightlyPredictions *
lightly_suggest_request_get_predictions (LightlySuggestRequest *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SUGGEST_REQUEST (self), NULL);
  return self->predictions;
}

/**
 * lightly_suggest_request_dup_picks:
 * @self: a request
 *
 * Gets why each sample of the suggested batch was picked, as the suggester
 * reported it with [method@Lightly.SuggestRequest.set_picks]: one
 * [struct@Lightly.Pick] per suggested file, in rank order (the order of the
 * batch), so an annotation tool can show badges. Empty until the suggester
 * sets them, and when it cannot say (a suggester without provenance).
 *
 * Returns: (transfer container) (element-type LightlyPick): the picks
 *
 * Since: 0.2
 */
GPtrArray *
lightly_suggest_request_dup_picks (LightlySuggestRequest *self)
{
  GPtrArray *out;

  g_return_val_if_fail (LIGHTLY_IS_SUGGEST_REQUEST (self), NULL);

  g_mutex_lock (&self->lock);
  out = g_ptr_array_ref (self->picks);
  g_mutex_unlock (&self->lock);
  return out;
}

/**
 * lightly_suggest_request_set_picks:
 * @self: a request
 * @picks: (element-type LightlyPick): why each suggested file was picked,
 *   in the batch's order; the request keeps copies
 *
 * Called by a suggester before it completes, to report the provenance of
 * its batch ("why picked"); the app reads it with
 * [method@Lightly.SuggestRequest.dup_picks] after
 * [method@Lightly.BatchSuggester.suggest_finish]. Safe from any thread.
 *
 * Since: 0.2
 */
void
lightly_suggest_request_set_picks (LightlySuggestRequest *self,
                                   GPtrArray             *picks)
{
  GPtrArray *old, *copy;

  g_return_if_fail (LIGHTLY_IS_SUGGEST_REQUEST (self));
  g_return_if_fail (picks != NULL);

  /* A copy: bindings pass arrays whose elements live only for the call. */
  copy = g_ptr_array_copy (picks, (GCopyFunc) (void (*) (void)) lightly_pick_copy, NULL);
  g_ptr_array_set_free_func (copy, (GDestroyNotify) lightly_pick_free);
  g_mutex_lock (&self->lock);
  old = self->picks;
  self->picks = copy;
  g_mutex_unlock (&self->lock);
  g_ptr_array_unref (old);
}
