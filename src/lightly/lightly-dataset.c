/* lightly-dataset.c: LightlyDataset, one dataset in a store (protocol DatasetData)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-dataset.h"
#include "lightly-dataset-private.h"

/**
 * LightlyDataset:
 *
 * A snapshot of one dataset in a store or on a server (the Lightly
 * `DatasetData` model): its id, name and number of samples.
 *
 * Every property is read-only; a dataset that changes later is a new
 * `LightlyDataset` the next time it is fetched.
 */
struct _LightlyDataset
{
  GObject parent_instance;

  char *id;
  char *name;
  guint n_samples;
  gint64 created_at;
  gint64 last_modified_at;
};

G_DEFINE_FINAL_TYPE (LightlyDataset, lightly_dataset, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_N_SAMPLES,
  PROP_CREATED_AT,
  PROP_LAST_MODIFIED_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
lightly_dataset_finalize (GObject *object)
{
  LightlyDataset *self = LIGHTLY_DATASET (object);

  g_free (self->id);
  g_free (self->name);

  G_OBJECT_CLASS (lightly_dataset_parent_class)->finalize (object);
}

static void
lightly_dataset_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  LightlyDataset *self = LIGHTLY_DATASET (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_N_SAMPLES:
      g_value_set_uint (value, self->n_samples);
      break;
    case PROP_CREATED_AT:
      g_value_set_int64 (value, self->created_at);
      break;
    case PROP_LAST_MODIFIED_AT:
      g_value_set_int64 (value, self->last_modified_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_dataset_class_init (LightlyDatasetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lightly_dataset_finalize;
  object_class->get_property = lightly_dataset_get_property;

  /**
   * LightlyDataset:id: (getter get_id)
   *
   * The dataset's id, unique in its store (a MongoDB ObjectId on a Lightly
   * server: 24 hexadecimal digits).
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, flags);

  /**
   * LightlyDataset:name: (getter get_name)
   *
   * The dataset's name, as given when it was made.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, flags);

  /**
   * LightlyDataset:n-samples: (getter get_n_samples)
   *
   * The number of samples (file names) registered in the dataset.
   */
  properties[PROP_N_SAMPLES] =
    g_param_spec_uint ("n-samples", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * LightlyDataset:created-at: (getter get_created_at)
   *
   * When the dataset was made, in milliseconds since the Unix epoch (UTC).
   */
  properties[PROP_CREATED_AT] =
    g_param_spec_int64 ("created-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);

  /**
   * LightlyDataset:last-modified-at: (getter get_last_modified_at)
   *
   * When the dataset last changed, in milliseconds since the Unix epoch
   * (UTC).
   */
  properties[PROP_LAST_MODIFIED_AT] =
    g_param_spec_int64 ("last-modified-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_dataset_init (LightlyDataset *self)
{
}

LightlyDataset *
lightly_dataset_new_internal (const char *id,
                              const char *name,
                              guint       n_samples,
                              gint64      created_at,
                              gint64      last_modified_at)
{
  LightlyDataset *self = g_object_new (LIGHTLY_TYPE_DATASET, NULL);

  self->id = g_strdup (id);
  self->name = g_strdup (name);
  self->n_samples = n_samples;
  self->created_at = created_at;
  self->last_modified_at = last_modified_at;

  return self;
}

/**
 * lightly_dataset_get_id: (get-property id)
 * @self: a dataset
 *
 * Gets the dataset's id.
 *
 * Returns: (transfer none): the id
 */
const char *
lightly_dataset_get_id (LightlyDataset *self)
{
  g_return_val_if_fail (LIGHTLY_IS_DATASET (self), NULL);
  return self->id;
}

/**
 * lightly_dataset_get_name: (get-property name)
 * @self: a dataset
 *
 * Gets the dataset's name.
 *
 * Returns: (transfer none): the name
 */
const char *
lightly_dataset_get_name (LightlyDataset *self)
{
  g_return_val_if_fail (LIGHTLY_IS_DATASET (self), NULL);
  return self->name;
}

/**
 * lightly_dataset_get_n_samples: (get-property n-samples)
 * @self: a dataset
 *
 * Gets the number of samples in the dataset.
 *
 * Returns: the number of samples
 */
guint
lightly_dataset_get_n_samples (LightlyDataset *self)
{
  g_return_val_if_fail (LIGHTLY_IS_DATASET (self), 0);
  return self->n_samples;
}

/**
 * lightly_dataset_get_created_at: (get-property created-at)
 * @self: a dataset
 *
 * Gets when the dataset was made.
 *
 * Returns: milliseconds since the Unix epoch
 */
gint64
lightly_dataset_get_created_at (LightlyDataset *self)
{
  g_return_val_if_fail (LIGHTLY_IS_DATASET (self), 0);
  return self->created_at;
}

/**
 * lightly_dataset_get_last_modified_at: (get-property last-modified-at)
 * @self: a dataset
 *
 * Gets when the dataset last changed.
 *
 * Returns: milliseconds since the Unix epoch
 */
gint64
lightly_dataset_get_last_modified_at (LightlyDataset *self)
{
  g_return_val_if_fail (LIGHTLY_IS_DATASET (self), 0);
  return self->last_modified_at;
}
