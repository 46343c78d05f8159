/* lightly-store-scores.c: active-learning scores of the store
 *
 * Owns the scores table: one array of finite doubles per (tag, score
 * type), stored as little-endian IEEE 754 so a store moves between
 * machines. A replacement keeps its id but becomes the newest upload,
 * which is what "the score" of a tag means (protocol §13).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly/lightly-error.h"
#include "store/lightly-store-private.h"

/* ---- Scores --------------------------------------------------------------- */

void
lightly_store_score_free (LightlyStoreScore *score)
{
  if (score == NULL)
    return;
  g_free (score->id);
  g_free (score->tag_id);
  g_free (score->score_type);
  g_free (score->values);
  g_free (score);
}

/* The tag must exist; NOT_FOUND otherwise. */
static gboolean
require_tag (Conn *c, const char *tag_id, GError **error)
{
  int rc = store_row_exists (c, "SELECT 1 FROM tags WHERE id = ?", tag_id, NULL, "looking up a tag",
                       error);

  if (rc == 0)
    store_not_found (error, "tag", tag_id);
  return rc > 0;
}

char *
lightly_store_set_scores (LightlyStore *self,
                          const char   *tag_id,
                          const char   *score_type,
                          const double *values,
                          gsize         n_values,
                          GError      **error)
{
  g_autofree char *id = NULL;
  g_autofree guint64 *le = NULL;
  Conn *c;
  int rc;

  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);
  g_return_val_if_fail (values != NULL || n_values == 0, NULL);

  if (!store_check_text ("score type", score_type, MAX_NAME_BYTES, error))
    return NULL;
  le = g_new (guint64, MAX (n_values, 1));
  for (gsize i = 0; i < n_values; i++)
    {
      guint64 bits;

      if (!isfinite (values[i]))
        {
          g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_INVALID_INPUT,
                       "score %" G_GSIZE_FORMAT " of '%s' is %g; scores must be finite",
                       i, score_type, values[i]);
          return NULL;
        }
      memcpy (&bits, &values[i], sizeof bits);
      le[i] = GUINT64_TO_LE (bits);
    }

  c = store_write_begin (self, error);
  if (c == NULL)
    return NULL;
  if (!require_tag (c, tag_id, error))
    goto fail;
  rc = store_query_text (c, "SELECT id FROM scores WHERE tag_id = ? AND score_type = ?", tag_id,
                   score_type, "looking up a score", &id, error);
  if (rc < 0)
    goto fail;
  if (rc == 0)
    id = lightly_store_new_id ();
  {
    /* Delete and insert, so a replacement becomes the newest upload. */
    STMT st = store_prep (c, "DELETE FROM scores WHERE id = ?", error);

    if (st == NULL)
      goto fail;
    store_bind_text (st, 1, id);
    if (!store_step_done (c, st, "replacing a score", error))
      goto fail;
  }
  {
    STMT st = store_prep (c, "INSERT INTO scores (id, tag_id, score_type, n_values, vals, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", error);

    if (st == NULL)
      goto fail;
    store_bind_text (st, 1, id);
    store_bind_text (st, 2, tag_id);
    store_bind_text (st, 3, score_type);
    sqlite3_bind_int64 (st, 4, (gint64) n_values);
    sqlite3_bind_blob64 (st, 5, le, n_values * sizeof (guint64), SQLITE_STATIC);
    sqlite3_bind_int64 (st, 6, store_now_ms ());
    if (!store_step_done (c, st, "storing scores", error))
      goto fail;
  }
  if (!store_write_commit (c, error))
    return NULL;
  return g_steal_pointer (&id);

fail:
  store_conn_release (c);
  return NULL;
}

static LightlyStoreScore *
score_from_row (sqlite3_stmt *st, gboolean with_values)
{
  LightlyStoreScore *s = g_new0 (LightlyStoreScore, 1);

  s->id = store_col_text (st, 0);
  s->tag_id = store_col_text (st, 1);
  s->score_type = store_col_text (st, 2);
  s->created_at = sqlite3_column_int64 (st, 3);
  s->n_values = (gsize) sqlite3_column_int64 (st, 4);
  if (with_values)
    {
      const guint64 *blob = sqlite3_column_blob (st, 5);
      gsize bytes = (gsize) sqlite3_column_bytes (st, 5);

      s->n_values = MIN (s->n_values, bytes / sizeof (guint64));
      s->values = g_new (double, MAX (s->n_values, 1));
      for (gsize i = 0; i < s->n_values; i++)
        {
          guint64 bits;

          memcpy (&bits, blob + i, sizeof bits);
          bits = GUINT64_FROM_LE (bits);
          memcpy (&s->values[i], &bits, sizeof bits);
        }
    }
  return s;
}

#define SCORE_COLUMNS "id, tag_id, score_type, created_at, n_values, vals"

static gpointer
score_row (LightlyStore *self, sqlite3_stmt *st)
{
  return score_from_row (st, TRUE);
}

/* List results carry no values. */
static gpointer
score_list_row (LightlyStore *self, sqlite3_stmt *st)
{
  return score_from_row (st, FALSE);
}

/* One score with its values; no row is NOT_FOUND "PREFIX “KEY”SUFFIX". */
static LightlyStoreScore *
get_score_where (LightlyStore *self, const char *sql, const char *a, const char *b,
                 const char *message_prefix, const char *message_key,
                 const char *message_suffix, GError **error)
{
  gpointer score = NULL;
  int rc = store_read_row (self, sql, a, b, score_row, "reading a score", &score, error);

  if (rc == 0)
    {
      g_autofree char *q = store_quote (message_key);

      g_set_error (error, LIGHTLY_ERROR, LIGHTLY_ERROR_NOT_FOUND, "%s %s%s", message_prefix, q,
                   message_suffix);
    }
  return score;
}

GPtrArray *
lightly_store_list_scores (LightlyStore *self, const char *tag_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return store_list_rows (self, require_tag, tag_id,
                    "SELECT " SCORE_COLUMNS " FROM scores WHERE tag_id = ? ORDER BY seq",
                    "listing scores", score_list_row,
                    (GDestroyNotify) lightly_store_score_free, error);
}

LightlyStoreScore *
lightly_store_get_score (LightlyStore *self, const char *tag_id, const char *score_id,
                         GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  if (tag_id == NULL)
    return get_score_where (self, "SELECT " SCORE_COLUMNS " FROM scores WHERE id = ?",
                            score_id, NULL, "there is no score with id", score_id, "", error);
  return get_score_where (self, "SELECT " SCORE_COLUMNS " FROM scores WHERE id = ? AND "
                                "tag_id = ?", score_id, tag_id,
                          "there is no score with id", score_id, " on that tag", error);
}

LightlyStoreScore *
lightly_store_get_score_by_type (LightlyStore *self, const char *tag_id,
                                 const char *score_type, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return get_score_where (self, "SELECT " SCORE_COLUMNS " FROM scores WHERE tag_id = ? AND "
                                "score_type = ?", tag_id, score_type,
                          "the tag has no score of type", score_type, "", error);
}

LightlyStoreScore *
lightly_store_get_newest_score (LightlyStore *self, const char *tag_id, GError **error)
{
  g_return_val_if_fail (LIGHTLY_IS_STORE (self), NULL);

  return get_score_where (self, "SELECT " SCORE_COLUMNS " FROM scores WHERE tag_id = ? "
                                "ORDER BY seq DESC LIMIT 1", tag_id, NULL,
                          "the tag", tag_id, " has no scores; upload scores first", error);
}
