/* lightly-embedding.c: LightlyEmbedding, one embedding of a dataset (protocol DatasetEmbeddingData)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-embedding.h"
#include "lightly-embedding-private.h"

/**
 * LightlyEmbedding:
 *
 * One embedding uploaded to a dataset (the Lightly `DatasetEmbeddingData`
 * model): a vector per sample that selection measures diversity with.
 *
 * Every property is read-only.
 */
struct _LightlyEmbedding
{
  GObject parent_instance;

  char *id;
  char *name;
  gboolean is_processed;
  gint64 created_at;
};

G_DEFINE_FINAL_TYPE (LightlyEmbedding, lightly_embedding, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_IS_PROCESSED,
  PROP_CREATED_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
lightly_embedding_finalize (GObject *object)
{
  LightlyEmbedding *self = LIGHTLY_EMBEDDING (object);

  g_free (self->id);
  g_free (self->name);

  G_OBJECT_CLASS (lightly_embedding_parent_class)->finalize (object);
}

static void
lightly_embedding_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  LightlyEmbedding *self = LIGHTLY_EMBEDDING (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_IS_PROCESSED:
      g_value_set_boolean (value, self->is_processed);
      break;
    case PROP_CREATED_AT:
      g_value_set_int64 (value, self->created_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_embedding_class_init (LightlyEmbeddingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lightly_embedding_finalize;
  object_class->get_property = lightly_embedding_get_property;

  /**
   * LightlyEmbedding:id: (getter get_id)
   *
   * The embedding's id, unique in its store.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, flags);

  /**
   * LightlyEmbedding:name: (getter get_name)
   *
   * The name the embedding was uploaded under, unique in its dataset.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, flags);

  /**
   * LightlyEmbedding:is-processed: (getter get_is_processed)
   *
   * Whether the store or server has finished processing the uploaded
   * vectors, so that selections can use them.
   */
  properties[PROP_IS_PROCESSED] =
    g_param_spec_boolean ("is-processed", NULL, NULL, FALSE, flags);

  /**
   * LightlyEmbedding:created-at: (getter get_created_at)
   *
   * When the embedding was uploaded, in milliseconds since the Unix epoch
   * (UTC).
   */
  properties[PROP_CREATED_AT] =
    g_param_spec_int64 ("created-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_embedding_init (LightlyEmbedding *self)
{
}

LightlyEmbedding *
lightly_embedding_new_internal (const char *id,
                                const char *name,
                                gboolean    is_processed,
                                gint64      created_at)
{
  LightlyEmbedding *self = g_object_new (LIGHTLY_TYPE_EMBEDDING, NULL);

  self->id = g_strdup (id);
  self->name = g_strdup (name);
  self->is_processed = !!is_processed;
  self->created_at = created_at;

  return self;
}

/**
 * lightly_embedding_get_id: (get-property id)
 * @self: an embedding
 *
 * Gets the embedding's id.
 *
 * Returns: (transfer none): the id
 */
const char *
lightly_embedding_get_id (LightlyEmbedding *self)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDING (self), NULL);
  return self->id;
}

/**
 * lightly_embedding_get_name: (get-property name)
 * @self: an embedding
 *
 * Gets the embedding's name.
 *
 * Returns: (transfer none): the name
 */
const char *
lightly_embedding_get_name (LightlyEmbedding *self)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDING (self), NULL);
  return self->name;
}

/**
 * lightly_embedding_get_is_processed: (get-property is-processed)
 * @self: an embedding
 *
 * Gets whether the embedding is ready for selections.
 *
 * Returns: %TRUE when the embedding has been processed
 */
gboolean
lightly_embedding_get_is_processed (LightlyEmbedding *self)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDING (self), FALSE);
  return self->is_processed;
}

/**
 * lightly_embedding_get_created_at: (get-property created-at)
 * @self: an embedding
 *
 * Gets when the embedding was uploaded.
 *
 * Returns: milliseconds since the Unix epoch
 */
gint64
lightly_embedding_get_created_at (LightlyEmbedding *self)
{
  g_return_val_if_fail (LIGHTLY_IS_EMBEDDING (self), 0);
  return self->created_at;
}
