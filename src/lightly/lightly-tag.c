/* lightly-tag.c: LightlyTag, one tag of a dataset (protocol TagData)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "lightly-tag.h"
#include "lightly-tag-private.h"

/**
 * LightlyTag:
 *
 * One tag of a dataset: a named subset of its samples, as the store or the
 * server reports it (the Lightly `TagData` model).
 *
 * A tag's membership is the hexadecimal bit mask in
 * [property@Lightly.Tag:bit-mask-data]: bit *i* set means that sample *i* of
 * the dataset's file-name list is in the tag. [property@Lightly.Tag:count]
 * is the number of members.
 *
 * Tags are immutable snapshots: every property is read-only, and a tag
 * changed on the server is a new `LightlyTag` the next time it is fetched.
 */
struct _LightlyTag
{
  GObject parent_instance;

  char *id;
  char *dataset_id;
  char *name;
  char *bit_mask_data;
  guint tot_size;
  char *prev_tag_id;
  char *query_tag_id;
  char *preselected_tag_id;
  char *creator;
  gint64 created_at;
  /* Counted on first use (lightly_tag_get_count()): a listing makes a tag
   * of every tag of the dataset, and counting each one's mask there (n /
   * 4 hex digits a tag) took the more time the more rounds were labeled. */
  gsize count_plus_one;         /* 0 until counted (g_once_init_enter()) */
};

G_DEFINE_FINAL_TYPE (LightlyTag, lightly_tag, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_DATASET_ID,
  PROP_NAME,
  PROP_BIT_MASK_DATA,
  PROP_TOT_SIZE,
  PROP_PREV_TAG_ID,
  PROP_QUERY_TAG_ID,
  PROP_PRESELECTED_TAG_ID,
  PROP_CREATOR,
  PROP_CREATED_AT,
  PROP_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
lightly_tag_finalize (GObject *object)
{
  LightlyTag *self = LIGHTLY_TAG (object);

  g_free (self->id);
  g_free (self->dataset_id);
  g_free (self->name);
  g_clear_pointer (&self->bit_mask_data, g_ref_string_release);
  g_free (self->prev_tag_id);
  g_free (self->query_tag_id);
  g_free (self->preselected_tag_id);
  g_free (self->creator);

  G_OBJECT_CLASS (lightly_tag_parent_class)->finalize (object);
}

static void
lightly_tag_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  LightlyTag *self = LIGHTLY_TAG (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_DATASET_ID:
      g_value_set_string (value, self->dataset_id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_BIT_MASK_DATA:
      g_value_set_string (value, self->bit_mask_data);
      break;
    case PROP_TOT_SIZE:
      g_value_set_uint (value, self->tot_size);
      break;
    case PROP_PREV_TAG_ID:
      g_value_set_string (value, self->prev_tag_id);
      break;
    case PROP_QUERY_TAG_ID:
      g_value_set_string (value, self->query_tag_id);
      break;
    case PROP_PRESELECTED_TAG_ID:
      g_value_set_string (value, self->preselected_tag_id);
      break;
    case PROP_CREATOR:
      g_value_set_string (value, self->creator);
      break;
    case PROP_CREATED_AT:
      g_value_set_int64 (value, self->created_at);
      break;
    case PROP_COUNT:
      g_value_set_uint (value, lightly_tag_get_count (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lightly_tag_class_init (LightlyTagClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = lightly_tag_finalize;
  object_class->get_property = lightly_tag_get_property;

  /**
   * LightlyTag:id: (getter get_id)
   *
   * The tag's id, unique in its store (a MongoDB ObjectId on a Lightly
   * server: 24 hexadecimal digits).
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, flags);

  /**
   * LightlyTag:dataset-id: (getter get_dataset_id)
   *
   * The id of the dataset the tag belongs to.
   */
  properties[PROP_DATASET_ID] =
    g_param_spec_string ("dataset-id", NULL, NULL, NULL, flags);

  /**
   * LightlyTag:name: (getter get_name)
   *
   * The tag's name, unique in its dataset, such as `initial-tag`.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, flags);

  /**
   * LightlyTag:bit-mask-data: (getter get_bit_mask_data)
   *
   * The tag's members as a bit mask in canonical hexadecimal wire form: a
   * `0x` prefix, lowercase digits, no leading zeros (`"0x0"` for an empty
   * tag). Bit *i* is sample *i* of the dataset's file-name list.
   */
  properties[PROP_BIT_MASK_DATA] =
    g_param_spec_string ("bit-mask-data", NULL, NULL, NULL, flags);

  /**
   * LightlyTag:tot-size: (getter get_tot_size)
   *
   * The number of samples in the dataset when the tag was made: the width
   * of [property@Lightly.Tag:bit-mask-data].
   */
  properties[PROP_TOT_SIZE] =
    g_param_spec_uint ("tot-size", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * LightlyTag:prev-tag-id: (getter get_prev_tag_id)
   *
   * The id of the tag's parent, a superset of it, or %NULL for a root tag
   * such as `initial-tag`. For a tag made by a selection it is the
   * preselected tag if there was one, otherwise the initial tag.
   */
  properties[PROP_PREV_TAG_ID] =
    g_param_spec_string ("prev-tag-id", NULL, NULL, NULL, flags);

  /**
   * LightlyTag:query-tag-id: (getter get_query_tag_id)
   *
   * For a tag made by a selection, the id of the tag the selection picked
   * from; otherwise %NULL.
   */
  properties[PROP_QUERY_TAG_ID] =
    g_param_spec_string ("query-tag-id", NULL, NULL, NULL, flags);

  /**
   * LightlyTag:preselected-tag-id: (getter get_preselected_tag_id)
   *
   * For a tag made by a selection, the id of the tag whose samples were
   * already selected (labeled) before it; %NULL when there was none.
   */
  properties[PROP_PRESELECTED_TAG_ID] =
    g_param_spec_string ("preselected-tag-id", NULL, NULL, NULL, flags);

  /**
   * LightlyTag:creator: (getter get_creator)
   *
   * Who made the tag, as the wire's `TagCreator` name: `UNKNOWN`,
   * `USER_WEBAPP`, `USER_PIP` or `SAMPLER_<METHOD>` such as
   * `SAMPLER_CORESET`. %NULL when the server did not say.
   */
  properties[PROP_CREATOR] =
    g_param_spec_string ("creator", NULL, NULL, NULL, flags);

  /**
   * LightlyTag:created-at: (getter get_created_at)
   *
   * When the tag was made, in milliseconds since the Unix epoch (UTC).
   */
  properties[PROP_CREATED_AT] =
    g_param_spec_int64 ("created-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);

  /**
   * LightlyTag:count: (getter get_count)
   *
   * The number of samples in the tag: the number of bits set in
   * [property@Lightly.Tag:bit-mask-data].
   */
  properties[PROP_COUNT] =
    g_param_spec_uint ("count", NULL, NULL, 0, G_MAXUINT, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lightly_tag_init (LightlyTag *self)
{
}

/* Counted from the hex digits, so the count never needs a BitMask and
 * a malformed string (which the wire parser should have refused) cannot
 * crash anything: characters that are not hex digits count as zero. */
static guint
count_hex_bits (const char *hex)
{
  static const guint8 popcount4[16] = { 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4 };
  const char *p = hex;
  guint count = 0;

  if (p == NULL)
    return 0;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    p += 2;
  for (; *p != '\0'; p++)
    {
      int digit = g_ascii_xdigit_value (*p);

      if (digit >= 0)
        count += popcount4[digit];
    }
  return count;
}

LightlyTag *
lightly_tag_new_internal (const char *id,
                          const char *dataset_id,
                          const char *name,
                          char       *bit_mask_data,
                          guint       tot_size,
                          const char *prev_tag_id,
                          const char *query_tag_id,
                          const char *preselected_tag_id,
                          const char *creator,
                          gint64      created_at)
{
  LightlyTag *self = g_object_new (LIGHTLY_TYPE_TAG, NULL);

  self->id = g_strdup (id);
  self->dataset_id = g_strdup (dataset_id);
  self->name = g_strdup (name);
  self->bit_mask_data = bit_mask_data;
  self->tot_size = tot_size;
  self->prev_tag_id = g_strdup (prev_tag_id);
  self->query_tag_id = g_strdup (query_tag_id);
  self->preselected_tag_id = g_strdup (preselected_tag_id);
  self->creator = g_strdup (creator);
  self->created_at = created_at;

  return self;
}

/**
 * lightly_tag_get_id: (get-property id)
 * @self: a tag
 *
 * Gets the tag's id.
 *
 * Returns: (transfer none): the id
 */
const char *
lightly_tag_get_id (LightlyTag *self)
{
  g_return_val_if_fail (LIGHTLY_IS_TAG (self), NULL);
  return self->id;
}

/**
 * lightly_tag_get_dataset_id: (get-property dataset-id)
 * @self: a tag
 *
 * Gets the id of the tag's dataset.
 *
 * Returns: (transfer none): the dataset id
 */
const char *
lightly_tag_get_dataset_id (LightlyTag *self)
{
  g_return_val_if_fail (LIGHTLY_IS_TAG (self), NULL);
  return self->dataset_id;
}

/**
 * lightly_tag_get_name: (get-property name)
 * @self: a tag
 *
 * Gets the tag's name.
 *
 * Returns: (transfer none): the name
 */
const char *
lightly_tag_get_name (LightlyTag *self)
{
  g_return_val_if_fail (LIGHTLY_IS_TAG (self), NULL);
  return self->name;
}

/**
 * lightly_tag_get_bit_mask_data: (get-property bit-mask-data)
 * @self: a tag
 *
 * Gets the tag's members as a hexadecimal bit mask, such as `"0x5"` for
 * samples 0 and 2.
 *
 * Returns: (transfer none): the bit mask in wire form
 */
const char *
lightly_tag_get_bit_mask_data (LightlyTag *self)
{
  g_return_val_if_fail (LIGHTLY_IS_TAG (self), NULL);
  return self->bit_mask_data;
}

/**
 * lightly_tag_get_tot_size: (get-property tot-size)
 * @self: a tag
 *
 * Gets the number of samples in the dataset when the tag was made.
 *
 * Returns: the width of the bit mask
 */
guint
lightly_tag_get_tot_size (LightlyTag *self)
{
  g_return_val_if_fail (LIGHTLY_IS_TAG (self), 0);
  return self->tot_size;
}

/**
 * lightly_tag_get_prev_tag_id: (get-property prev-tag-id)
 * @self: a tag
 *
 * Gets the id of the tag's parent.
 *
 * Returns: (transfer none) (nullable): the parent's id, or %NULL for a root tag
 */
const char *
lightly_tag_get_prev_tag_id (LightlyTag *self)
{
  g_return_val_if_fail (LIGHTLY_IS_TAG (self), NULL);
  return self->prev_tag_id;
}

/**
 * lightly_tag_get_query_tag_id: (get-property query-tag-id)
 * @self: a tag
 *
 * Gets the id of the tag a selection picked this tag's samples from.
 *
 * Returns: (transfer none) (nullable): the query tag's id, or %NULL
 */
const char *
lightly_tag_get_query_tag_id (LightlyTag *self)
{
  g_return_val_if_fail (LIGHTLY_IS_TAG (self), NULL);
  return self->query_tag_id;
}

/**
 * lightly_tag_get_preselected_tag_id: (get-property preselected-tag-id)
 * @self: a tag
 *
 * Gets the id of the tag that was already selected before the selection
 * that made this tag.
 *
 * Returns: (transfer none) (nullable): the preselected tag's id, or %NULL
 */
const char *
lightly_tag_get_preselected_tag_id (LightlyTag *self)
{
  g_return_val_if_fail (LIGHTLY_IS_TAG (self), NULL);
  return self->preselected_tag_id;
}

/**
 * lightly_tag_get_creator: (get-property creator)
 * @self: a tag
 *
 * Gets who made the tag, such as `"USER_PIP"` or `"SAMPLER_CORAL"`.
 *
 * Returns: (transfer none) (nullable): the creator's wire name, or %NULL
 */
const char *
lightly_tag_get_creator (LightlyTag *self)
{
  g_return_val_if_fail (LIGHTLY_IS_TAG (self), NULL);
  return self->creator;
}

/**
 * lightly_tag_get_created_at: (get-property created-at)
 * @self: a tag
 *
 * Gets when the tag was made.
 *
 * Returns: milliseconds since the Unix epoch
 */
gint64
lightly_tag_get_created_at (LightlyTag *self)
{
  g_return_val_if_fail (LIGHTLY_IS_TAG (self), 0);
  return self->created_at;
}

/**
 * lightly_tag_get_count: (get-property count)
 * @self: a tag
 *
 * Gets the number of samples in the tag, counted from
 * [property@Lightly.Tag:bit-mask-data] without building a bit mask.
 *
 * Returns: the number of bits set
 */
guint
lightly_tag_get_count (LightlyTag *self)
{
  g_return_val_if_fail (LIGHTLY_IS_TAG (self), 0);
  if (g_once_init_enter (&self->count_plus_one))
    g_once_init_leave (&self->count_plus_one, (gsize) count_hex_bits (self->bit_mask_data) + 1);
  return (guint) (self->count_plus_one - 1);
}

LightlyTag *
lightly_tag_list_find (GPtrArray  *tags,
                       const char *name)
{
  for (guint i = 0; i < tags->len; i++)
    if (g_strcmp0 (lightly_tag_get_name (g_ptr_array_index (tags, i)), name) == 0)
      return g_ptr_array_index (tags, i);
  return NULL;
}
