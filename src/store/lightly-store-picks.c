/* lightly-store-picks.c: why each sample of a selection's tag was picked
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Table tag_picks (schema version 2): one row per result tag of a
 * selection, keyed by the tag id, with the method's wire name and the picks
 * as one blob of 16-byte records in pick order: row (u32), cluster (i32),
 * utility (IEEE-754 double), all little-endian. One blob, not a row per
 * pick, because a selection of 100,000 picks is read and written whole.
 */
#include "config.h"

#include <string.h>

#include "lightly/lightly-error.h"
#include "store/lightly-store-private.h"

#define RECORD 16

static guint8 *
encode (const LightlyStorePick *picks, gsize n)
{
  guint8 *blob = g_malloc (MAX (n, 1) * RECORD);

  for (gsize i = 0; i < n; i++)
    {
      guint32 row = GUINT32_TO_LE (picks[i].row);
      guint32 cluster = GUINT32_TO_LE ((guint32) picks[i].cluster);
      guint64 bits;

      memcpy (&bits, &picks[i].utility, sizeof bits);
      bits = GUINT64_TO_LE (bits);
      memcpy (blob + i * RECORD, &row, 4);
      memcpy (blob + i * RECORD + 4, &cluster, 4);
      memcpy (blob + i * RECORD + 8, &bits, 8);
    }
  return blob;
}

/* Inside the job's write transaction (lightly_store_finish_job_with_picks),
 * so the tag and its picks appear together. */
gboolean
store_set_tag_picks_tx (Conn                   *c,
                        const char             *tag_id,
                        const char             *method,
                        const LightlyStorePick *picks,
                        gsize                   n_picks,
                        GError                **error)
{
  g_autofree guint8 *blob = encode (picks, n_picks);
  STMT st = store_prep (c, "INSERT INTO tag_picks (tag_id, method, n_picks, picks) VALUES (?, ?, ?, ?)", error);

  if (st == NULL)
    return FALSE;
  store_bind_text (st, 1, tag_id);
  store_bind_text (st, 2, method);
  sqlite3_bind_int64 (st, 3, (sqlite3_int64) n_picks);
  sqlite3_bind_blob64 (st, 4, blob, (sqlite3_uint64) n_picks * RECORD, SQLITE_STATIC);
  return store_step_done (c, st, "storing why the samples were picked", error);
}

typedef struct {
  char *method;
  GArray *picks;
} PicksRow;

static gpointer
picks_row (LightlyStore *self, sqlite3_stmt *st)
{
  PicksRow *r = g_new0 (PicksRow, 1);
  const guint8 *blob = sqlite3_column_blob (st, 1);
  gsize n = MIN ((gsize) sqlite3_column_int64 (st, 2), (gsize) sqlite3_column_bytes (st, 1) / RECORD);

  r->method = store_col_text (st, 0);
  r->picks = g_array_sized_new (FALSE, FALSE, sizeof (LightlyStorePick), (guint) n);
  for (gsize i = 0; i < n; i++)
    {
      LightlyStorePick p;
      guint32 row, cluster;
      guint64 bits;

      memcpy (&row, blob + i * RECORD, 4);
      memcpy (&cluster, blob + i * RECORD + 4, 4);
      memcpy (&bits, blob + i * RECORD + 8, 8);
      p.row = GUINT32_FROM_LE (row);
      p.cluster = (gint32) GUINT32_FROM_LE (cluster);
      bits = GUINT64_FROM_LE (bits);
      memcpy (&p.utility, &bits, sizeof bits);
      g_array_append_val (r->picks, p);
    }
  return r;
}

/* lightly_store_get_tag_picks: why the samples of tag @tag_id of @dataset_id were picked: *@out_method
 * (the method's wire name) and *@out_picks (element-type LightlyStorePick, in
 * pick order). A tag that no selection made (or made before schema version
 * 2) has none: TRUE with *@out_method NULL and an empty array. An unknown tag
 * is LIGHTLY_ERROR_NOT_FOUND.
 */
gboolean
lightly_store_get_tag_picks (LightlyStore  *self,
                             const char    *dataset_id,
                             const char    *tag_id,
                             char         **out_method,
                             GArray       **out_picks,
                             GError       **error)
{
  g_autoptr(LightlyStoreTag) tag = NULL;
  gpointer row = NULL;
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_method != NULL && out_picks != NULL, FALSE);

  *out_method = NULL;
  *out_picks = NULL;
  tag = lightly_store_get_tag (self, dataset_id, tag_id, error);
  if (tag == NULL)
    return FALSE;
  rc = store_read_row (self, "SELECT method, picks, n_picks FROM tag_picks WHERE tag_id = ?", tag_id, NULL,
                       picks_row, "reading why the samples were picked", &row, error);
  if (rc < 0)
    return FALSE;
  if (rc == 0)
    {
      *out_picks = g_array_new (FALSE, FALSE, sizeof (LightlyStorePick));
      return TRUE;
    }
  *out_method = ((PicksRow *) row)->method;
  *out_picks = ((PicksRow *) row)->picks;
  g_free (row);
  return TRUE;
}
