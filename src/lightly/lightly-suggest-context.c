/* lightly-suggest-context.c: LightlySuggestContext, where a suggester works
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-suggest-context.h"

/**
 * LightlySuggestContext:
 *
 * What an app tells a [iface@Lightly.BatchSuggester] when it creates it:
 * the store's location, the dataset and the app's id. It is the value of
 * the suggester's construct-only
 * [property@Lightly.BatchSuggester:context] property.
 *
 * New context for suggesters is added here, as new properties of this
 * type, never as new interface properties: plugins written in Python
 * would have to re-declare each interface property.
 *
 * Every property is construct-only, so a context can be read from any
 * thread. A %NULL property means "the suggester's own setting" (for the
 * plugin shipped with lightly-glib: the `org.lightly.Suggest` GSettings
 * schema).
 */
struct _LightlySuggestContext
{
  GObject parent_instance;

  char *location;
  char *dataset_id;
  char *app_id;
};

G_DEFINE_FINAL_TYPE (LightlySuggestContext, lightly_suggest_context, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_DATASET_ID,
  PROP_APP_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
lightly_suggest_context_finalize (GObject *object)
{
  LightlySuggestContext *self = LIGHTLY_SUGGEST_CONTEXT (object);

  g_free (self->location);
  g_free (self->dataset_id);
  g_free (self->app_id);

  G_OBJECT_CLASS (lightly_suggest_context_parent_class)->finalize (object);
}

static void
lightly_suggest_context_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  LightlySuggestContext *self = LIGHTLY_SUGGEST_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_DATASET_ID:
      g_value_set_string (value, self->dataset_id);
      break;
    case PROP_APP_ID:
      g_value_set_string (value, self->app_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* An empty string from a settings dialog means "not set", like NULL. */
static char *
dup_nonempty (const GValue *value)
{
  const char *s = g_value_get_string (value);

  return s != NULL && s[0] != '\0' ? g_strdup (s) : NULL;
}

static void
lightly_suggest_context_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  LightlySuggestContext *self = LIGHTLY_SUGGEST_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_LOCATION:
      self->location = dup_nonempty (value);
      break;
    case PROP_DATASET_ID:
      self->dataset_id = dup_nonempty (value);
      break;
    case PROP_APP_ID:
      self->app_id = dup_nonempty (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_suggest_context_class_init (LightlySuggestContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                            G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lightly_suggest_context_finalize;
  object_class->get_property = lightly_suggest_context_get_property;
  object_class->set_property = lightly_suggest_context_set_property;

  /**
   * LightlySuggestContext:location: (getter get_location)
   *
   * The store's location, a URI as for
   * [property@Lightly.ApiWorkflowClient:server-location]: `file:///…` for
   * the embedded store, `http(s)://…` for a server. %NULL (or empty) lets
   * the suggester use its own setting.
   */
  properties[PROP_LOCATION] =
    g_param_spec_string ("location", NULL, NULL, NULL, flags);

  /**
   * LightlySuggestContext:dataset-id: (getter get_dataset_id)
   *
   * The id of the dataset in the store. %NULL (or empty) lets the
   * suggester use its own setting.
   */
  properties[PROP_DATASET_ID] =
    g_param_spec_string ("dataset-id", NULL, NULL, NULL, flags);

  /**
   * LightlySuggestContext:app-id: (getter get_app_id)
   *
   * The id of the app that loads the suggester, such as
   * `org.example.Annotator`, for logs and per-app settings.
   */
  properties[PROP_APP_ID] =
    g_param_spec_string ("app-id", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_suggest_context_init (LightlySuggestContext *self)
{
}

/**
 * lightly_suggest_context_new:
 * @location: (nullable): the store's location (a `file://` or `http(s)://`
 *   URI), or %NULL for the suggester's setting
 * @dataset_id: (nullable): the dataset's id, or %NULL for the suggester's
 *   setting
 * @app_id: (nullable): the app's id
 *
 * Creates a context.
 *
 * Returns: (transfer full): a new context
 */
LightlySuggestContext *
lightly_suggest_context_new (const char *location,
                             const char *dataset_id,
                             const char *app_id)
{
  return g_object_new (LIGHTLY_TYPE_SUGGEST_CONTEXT,
                       "location", location,
                       "dataset-id", dataset_id,
                       "app-id", app_id,
                       NULL);
}

/**
 * lightly_suggest_context_get_location:
 * @self: a context
 *
 * Gets [property@Lightly.SuggestContext:location].
 *
 * Returns: (transfer none) (nullable): the store's location
 */
const char *
lightly_suggest_context_get_location (LightlySuggestContext *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SUGGEST_CONTEXT (self), NULL);
  return self->location;
}

/**
 * lightly_suggest_context_get_dataset_id:
 * @self: a context
 *
 * Gets [property@Lightly.SuggestContext:dataset-id].
 *
 * Returns: (transfer none) (nullable): the dataset's id
 */
const char *
lightly_suggest_context_get_dataset_id (LightlySuggestContext *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SUGGEST_CONTEXT (self), NULL);
  return self->dataset_id;
}

/**
 * lightly_suggest_context_get_app_id:
 * @self: a context
 *
 * Gets [property@Lightly.SuggestContext:app-id].
 *
 * Returns: (transfer none) (nullable): the app's id
 */
const char *
lightly_suggest_context_get_app_id (LightlySuggestContext *self)
{
  g_return_val_if_fail (LIGHTLY_IS_SUGGEST_CONTEXT (self), NULL);
  return self->app_id;
}
