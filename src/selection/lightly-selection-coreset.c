/* lightly-selection-coreset.c: CORESET and CORAL, greedy k-center
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Rules: protocol.md §13 and lightly-selection.h. CORAL is CORESET with the
 * distances weighted by s^β, so both share every pass here. Layout of a
 * run: the candidates are cut into blocks of a size that depends only on
 * `dim`, never on the thread count. A pass hands the blocks to the workers
 * of a pool (lightly-selection-common.c); every block leaves its own maxima,
 * and the calling thread merges them. Maxima are exact and the tie rule
 * ("smallest index among values ≥ max − ε") is evaluated against the merged
 * maximum, so the picks do not depend on the number of threads. The only
 * order-dependent sum, the candidates' mean, is summed in fixed chunks that
 * are merged in order.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-selection-coreset-private.h"

static gsize forced_block_rows = 0;
static LightlySelectionStats last_stats;
static gint pruning = 1;
static gint fast_mode = 1;
static gssize forced_prefetch = -1;

/* Tests only: the float32 fast path of the updates 0: off (every distance
 * in double), 1: on where it applies, to compare the picks. */
void
lightly_selection_set_fast_path (gint mode)
{
  fast_mode = mode;
}

/* Tests only: triangle-inequality pruning 0: off, 1: automatic (adaptive
 * per pick, lightly_coreset_prune_next()), 2: always (every pick, also for
 * few candidates), to compare the picks. */
void
lightly_selection_set_pruning (gint mode)
{
  pruning = mode;
}

/* Tests only: blocks of this many rows (0: automatic), so that small inputs
 * are spread over several blocks and threads. Not thread-safe. */
void
lightly_selection_set_block_rows (gsize rows)
{
  forced_block_rows = rows;
}

/* Benchmarks only: the bytes the update pass prefetches beyond the chunk in
 * hand (-1: the SIMD path's own, LightlySelectionKernels.prefetch_ahead),
 * to compare distances on one machine. Not thread-safe. */
void
lightly_selection_set_prefetch_ahead (gssize bytes)
{
  forced_prefetch = bytes;
}

/**
 * lightly_selection_get_stats:
 * @out: (out): the counters of the most recent greedy run
 */
void
lightly_selection_get_stats (LightlySelectionStats *out)
{
  *out = last_stats;
}

/* ---------------------------------------------------------------------- */
/* Block passes                                                           */

/* Finds the first candidate of the block whose norm is not finite (a NaN
 * or an infinity in the row); data is a guint32 per block, G_MAXUINT32 if
 * none. */
static void
check_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  guint32 *bad = data;
  gsize lo, hi, j;

  block_range (r, b, &lo, &hi);
  bad[b] = G_MAXUINT32;
  for (j = lo; j < hi; j++)
    {
      const float *x = row (r, r->cand[j]);
      float f;

      /* d2f (x, x) is 0 when every element is finite and NaN otherwise
       * (x − x), in float32 SIMD: the double norm this pass computed before
       * cost as much as a pick. */
      r->kern->d2f (x, &x, 1, r->dim, &f);
      if (f != 0)
        {
          bad[b] = (guint32) j;
          break;
        }
    }
  count_add (&r->rows_read, hi - lo);
}

static void
pnorms_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  const guint32 *pre = r->p->preselected;
  gsize lo = b * r->block_rows, hi = MIN (r->p->n_preselected, lo + r->block_rows), j;

  for (j = lo; j < hi; j++)
    {
      const float *x = row (r, pre[j]);

      r->pnorm[j] = r->kern->dot (x, x, r->dim);
    }
}



/* The half copy rides on the fast path (its bound extends the float32
 * one), so it is off with it. */
static void
fast_init (Run *r)
{
  const LightlySelectionHalfKernels *hk;
  gboolean fp16 = r->p->half_kind == LIGHTLY_SELECTION_HALF_FP16;

  r->fast = fast_mode != 0 && lightly_fast_bound_init (&r->fb, r->dim);
  if (!r->fast || r->p->matrix_half == NULL)
    return;
  hk = lightly_selection_half_kernels_get (lightly_selection_simd_current ());
  r->half = r->p->matrix_half;
  r->half_d2 = fp16 ? hk->d2_fp16 : hk->d2_bf16;
  r->half_u = fp16 ? LIGHTLY_HALF_FP16_U : LIGHTLY_HALF_BF16_U;
  r->half_sigma = fp16 ? LIGHTLY_HALF_FP16_SIGMA : LIGHTLY_HALF_BF16_SIGMA;
}

typedef struct {
  double *partial;              /* n_chunks × dim */
} MeanTask;

static void
mean_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  MeanTask *t = data;
  double *acc = t->partial + b * r->dim;
  gsize lo = b * MEAN_CHUNK, hi = MIN (r->m, lo + MEAN_CHUNK), j0, j;
  const float *rows[UPDATE_BATCH];

  for (j0 = lo; j0 < hi; j0 += UPDATE_BATCH)
    {
      gsize n = MIN (hi - j0, UPDATE_BATCH);

      if (cancel_requested (r))
        return;
      for (j = 0; j < n; j++)
        rows[j] = row (r, r->cand[j0 + j]);
      r->kern->sum_rows (acc, rows, n, r->dim);
    }
}

/* Fills mind2 with d² to the candidates' mean (rounded to float, so the
 * distances use the same exact-product kernels) and the block maxima.
 *
 * With @finite, it also stands in for check_rows()' pass: the sum of the
 * candidates, in double, is finite exactly when every element of every
 * candidate is. A NaN makes the sum NaN and an infinity makes it infinite
 * or NaN, as no finite term cancels either; and finite floats cannot
 * overflow it, since fewer than 2³² rows of at most FLT_MAX < 2¹²⁸ sum to
 * less than 2¹⁶⁰, far below DBL_MAX. If it is not finite, *finite is set
 * to FALSE and mind2 is left as it was. */
static gboolean
mean_distances (Run *r, gboolean *finite)
{
  gsize n_chunks = (r->m + MEAN_CHUNK - 1) / MEAN_CHUNK, c, i;
  g_autofree double *partial = g_new0 (double, n_chunks * r->dim);
  g_autofree double *sum = g_new0 (double, r->dim);
  g_autofree float *mean = g_new (float, r->dim);
  g_autofree double *qd = g_new (double, LIGHTLY_SELECTION_PAD8 (r->dim));
  MeanTask mt = { partial };
  UpdateTask ut = { 0 };

  if (!parallel (r, mean_block, &mt, n_chunks))
    return FALSE;
  for (c = 0; c < n_chunks; c++)
    for (i = 0; i < r->dim; i++)
      sum[i] += partial[c * r->dim + i];
  for (i = 0; finite != NULL && i < r->dim; i++)
    if (!isfinite (sum[i]))
      {
        *finite = FALSE;
        return TRUE;
      }
  for (i = 0; i < r->dim; i++)
    mean[i] = (float) (sum[i] / (double) r->m);
  lightly_to_double (qd, mean, r->dim, LIGHTLY_SELECTION_PAD8 (r->dim));
  ut.qd = qd;
  ut.qnorm = r->kern->dot (mean, mean, r->dim);
  ut.replace = TRUE;
  ut.tag = -1;
  ut.pick = -1;
  return parallel (r, lightly_coreset_update_block, &ut, r->n_blocks);
}

/* ---------------------------------------------------------------------- */
/* Greedy argmax                                                          */

typedef enum {
  VALUE_D,                      /* √d² */
  VALUE_DHAT,                   /* √d² / dmax */
  VALUE_CORAL,                  /* √d² · w / dmax */
} ValueKind;

static inline double
value_of (Run *r, ValueKind kind, gsize j, double dmax)
{
  double d = sqrt (r->mind2[j]);

  switch (kind)
    {
    case VALUE_DHAT:
      return d / dmax;
    case VALUE_CORAL:
      return (d * weight (r, j)) / dmax;
    case VALUE_D:
    default:
      return d;
    }
}

static inline double
block_value (Run *r, ValueKind kind, gsize b, double dmax)
{
  switch (kind)
    {
    case VALUE_DHAT:
      return sqrt (r->bmax2[b]) / dmax;
    case VALUE_CORAL:
      return r->bmaxu[b] / dmax;
    case VALUE_D:
    default:
      return sqrt (r->bmax2[b]);
    }
}

/* The smallest unpicked index whose value is within ε of the step maximum,
 * or −1 if every candidate is picked. The maximum of the values is the value
 * of the maximal d² (or u), as √ and division are monotone. */
static gssize
greedy_argmax (Run *r, gboolean coral, double *value)
{
  double m2 = -1.0, mu = -1.0, dmax, thr;
  ValueKind kind = VALUE_D;
  gsize b, j;

  for (b = 0; b < r->n_blocks; b++)
    {
      if (r->bmax2[b] > m2)
        m2 = r->bmax2[b];
      if (coral && r->bmaxu[b] > mu)
        mu = r->bmaxu[b];
    }
  if (m2 < 0)
    return -1;
  dmax = sqrt (m2);
  thr = dmax - EPS;
  if (coral && dmax > 0)
    {
      if (mu > 0)
        {
          kind = VALUE_CORAL;
          thr = mu / dmax - EPS;
        }
      else
        {
          /* Every product is 0: the largest d̂ wins. */
          kind = VALUE_DHAT;
          thr = 1.0 - EPS;
        }
    }
  for (b = 0; b < r->n_blocks; b++)
    {
      gsize lo, hi;

      if (r->bmax2[b] < 0 || !(block_value (r, kind, b, dmax) >= thr))
        continue;
      block_range (r, b, &lo, &hi);
      for (j = lo; j < hi; j++)
        if (r->mind2[j] >= 0 && value_of (r, kind, j, dmax) >= thr)
          {
            /* The value compared, for "why picked". */
            if (value != NULL)
              *value = value_of (r, kind, j, dmax);
            return (gssize) j;
          }
    }
  g_assert_not_reached ();
  return -1;
}

/* CORAL without P: maximise s^β; ties by the CORESET first-pick rule. */
static gssize
coral_first_pick (Run *r, gboolean *ok)
{
  double wmax = -1.0, dbest;
  gsize j, n_tied = 0, first = 0;
  gssize pick = -1;

  *ok = TRUE;
  for (j = 0; j < r->m; j++)
    if (weight (r, j) > wmax)
      wmax = weight (r, j);
  for (j = 0; j < r->m; j++)
    if (weight (r, j) >= wmax - EPS)
      {
        if (n_tied++ == 0)
          first = j;
      }
  if (n_tied == 1)
    return (gssize) first;
  if (!mean_distances (r, NULL))
    {
      *ok = FALSE;
      return -1;
    }
  dbest = -1.0;
  for (j = 0; j < r->m; j++)
    if (weight (r, j) >= wmax - EPS && r->mind2[j] > dbest)
      dbest = r->mind2[j];
  dbest = sqrt (dbest);
  for (j = 0; j < r->m && pick < 0; j++)
    if (weight (r, j) >= wmax - EPS && sqrt (r->mind2[j]) >= dbest - EPS)
      pick = (gssize) j;
  return pick;
}


/* Carried coverage: the anchors come as rows; a row of P becomes its
 * position in P, the anchor id of the pruning when P's rows are anchors
 * (n_panchor = |P|), any other row −1 (unknown: that candidate is not
 * pruned until a pass lowers its minimum). */
static void
carry_init_block (Run *r, gsize lo, gsize hi)
{
  const guint32 *pre = r->p->preselected;
  gsize np = r->p->n_preselected, j;

  for (j = lo; j < hi; j++)
    {
      guint32 a = (guint32) r->anchor[j];
      gsize l = 0, h = np;

      r->anchor[j] = -1;
      if (r->n_panchor == 0 || a == G_MAXUINT32)
        continue;
      while (l < h)
        {
          gsize mid = l + (h - l) / 2;

          if (pre[mid] < a)
            l = mid + 1;
          else
            h = mid;
        }
      if (l < np && pre[l] == a)
        r->anchor[j] = (gint32) l;
    }
}

/* First touch: each block's per-candidate state is written first by the
 * worker that later runs the block's passes, so on a NUMA machine its pages
 * sit on that worker's node (the blocks go to the workers in the same
 * order in every pass, so most blocks stay where they were touched). */
static void
init_block (gpointer ctx, gsize b, gpointer data)
{
  Run *r = ctx;
  gsize lo, hi, j;

  block_range (r, b, &lo, &hi);
  if (r->carry != NULL && r->carry->start)
    {
      carry_init_block (r, lo, hi);
      return;
    }
  for (j = lo; j < hi; j++)
    {
      r->anchor[j] = -1;
      r->mind2[j] = 0.0;   /* ≥ 0: not picked */
    }
}

/* The per-candidate state, the anchors' arrays and CORAL's weights. FALSE
 * if cancelled. */
static gboolean
alloc_state (Run *r, gsize n_anchors, gboolean coral)
{
  const LightlySelectionParams *p = r->p;
  gsize j;

  r->arow = g_new (guint32, MAX (n_anchors, 1));
  r->anorm = g_new (double, MAX (n_anchors, 1));
  if (r->carry != NULL)
    {
      r->anchor = (gint32 *) r->carry->anchor;
      r->mind2 = r->carry->mind2;
    }
  else
    {
      r->anchor = lightly_selection_alloc_rows (r->m, sizeof (gint32));
      r->mind2 = lightly_selection_alloc_rows (r->m, sizeof (double));
    }
  r->bmax2 = g_new (double, r->n_blocks);
  r->bmax_at = g_new0 (guint32, r->n_blocks);
  if (coral)
    {
      r->bmaxu = g_new (double, r->n_blocks);
      r->bmaxu_at = g_new0 (guint32, r->n_blocks);
      if (p->beta == 0)
        r->wmode = WEIGHT_ONE;
      else if (p->beta == 1)
        r->wmode = WEIGHT_SCORE;
      else
        {
          r->wmode = WEIGHT_ARRAY;
          r->w = lightly_selection_alloc_rows (r->m, sizeof (double));
          for (j = 0; j < r->m; j++)
            r->w[j] = pow (p->scores[r->cand[j]], p->beta);
        }
    }
  if (p->n_preselected > 0)
    r->pnorm = g_new (double, p->n_preselected);
  return parallel (r, init_block, NULL, r->n_blocks);
}

/* Every row of C and P has a finite norm (one NaN would poison every
 * distance); fills ‖p‖² and P's anchors on the way. */
static gboolean
check_rows (Run *r, GError **error)
{
  const LightlySelectionParams *p = r->p;
  gsize np = p->n_preselected, pblocks = (np + r->block_rows - 1) / r->block_rows, j, b;
  g_autofree guint32 *bad = g_new (guint32, r->n_blocks);

  if (!parallel (r, check_block, bad, r->n_blocks))
    return lightly_selection_set_cancelled (error);
  for (b = 0; b < r->n_blocks; b++)
    if (bad[b] != G_MAXUINT32)
      {
        g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                     "Embedding row %u contains a value that is not finite (NaN or infinity); "
                     "fix the embeddings", r->cand[bad[b]]);
        return FALSE;
      }
  if (np == 0)
    return TRUE;
  if (!parallel (r, pnorms_block, NULL, pblocks))
    return lightly_selection_set_cancelled (error);
  for (j = 0; j < np; j++)
    if (!isfinite (r->pnorm[j]))
      {
        g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                     "Embedding row %u (preselected) contains a value that is not finite "
                     "(NaN or infinity); fix the embeddings", p->preselected[j]);
        return FALSE;
      }
  for (j = 0; j < r->n_panchor; j++)
    {
      r->arow[j] = p->preselected[j];
      r->anorm[j] = r->pnorm[j];
    }
  return TRUE;
}

static void
stats_block (gpointer ctx, gsize b, gpointer data)
{
  lightly_coreset_block_stats (ctx, b);
}

/* The first pass from carried coverage: mind2 holds the minima over the
 * covered rows of P, and each uncovered row lowers them as a pick does.
 * The update computes the same double d² as the seeding (the same exact
 * kernels; the fast path and the pruning only skip rows they prove cannot
 * change), and min is exact, so mind2 ends as the seeding over all of P
 * would leave it, bit for bit. With P's rows as anchors (n_panchor = |P|),
 * the carried anchors prune these passes and the picks' ones. */
static gboolean
carried_pass (Run *r, double *dsp)
{
  const LightlySelectionCarry *c = r->carry;
  gsize dim8 = LIGHTLY_SELECTION_PAD8 (r->dim), i;
  g_autofree double *qd = g_new (double, dim8);

  if (!parallel (r, stats_block, NULL, r->n_blocks))
    return FALSE;
  for (i = 0; i < c->n_uncovered; i++)
    {
      gsize pos = c->uncovered[i];
      const float *x = row (r, r->p->preselected[pos]);
      UpdateTask ut = { 0 };

      if (cancel_requested (r))
        return FALSE;
      lightly_to_double (qd, x, r->dim, dim8);
      ut.qd = qd;
      ut.qf = x;
      ut.qnorm = r->pnorm[pos];
      lightly_fast_linear (&r->fb, fast_qterm (r, ut.qnorm), &ut.alpha, &ut.beta);
      ut.pick = -1;
      ut.tag = -1;
      if (r->n_panchor > 0)
        {
          if (!lightly_coreset_anchor_distances (r, &ut, r->n_panchor, dsp))
            return FALSE;
          ut.tag = (gint32) pos;
          ut.dsp = dsp;
        }
      if (!parallel (r, lightly_coreset_update_block, &ut, r->n_blocks))
        return FALSE;
    }
  return TRUE;
}

/* A carried run's start: every minimum a distance (≥ 0, finite), the
 * uncovered positions ascending in P, and at least one row covered. */
static gboolean
carry_check (const LightlySelectionParams *p, GError **error)
{
  const LightlySelectionCarry *c = p->carry;
  gsize j;

  if (c->mind2 == NULL || c->anchor == NULL || p->n_preselected == 0 ||
      c->n_uncovered >= p->n_preselected || (c->n_uncovered > 0 && c->uncovered == NULL))
    goto bad;
  for (j = 0; j < c->n_uncovered; j++)
    if (c->uncovered[j] >= p->n_preselected || (j > 0 && c->uncovered[j] <= c->uncovered[j - 1]))
      goto bad;
  for (j = 0; j < p->n_candidates; j++)
    if (!(c->mind2[j] >= 0 && isfinite (c->mind2[j])))
      goto bad;
  return TRUE;

bad:
  g_set_error_literal (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                       "The carried coverage is inconsistent with the preselected rows");
  return FALSE;
}

/* The carried state out: anchors as rows, and whether mind2 is a coverage
 * (there was P or an applied pick: else it holds distances to the mean). */
static void
carry_finish (Run *r)
{
  LightlySelectionCarry *c = r->carry;
  gsize j;

  c->n_applied = r->n_applied;
  c->valid = r->p->n_preselected > 0 || r->n_applied > 0;
  if (!c->valid)
    return;
  for (j = 0; j < r->m; j++)
    c->anchor[j] = r->anchor[j] < 0 ? G_MAXUINT32 : r->arow[r->anchor[j]];
}

/* Whether first_pass() starts from the candidates' mean: CORESET with no
 * P and no carried start. The mean's sum checks the rows as well
 * (mean_distances()), so run_greedy() skips check_rows() exactly then:
 * both ask this one function, so that the two cannot drift apart. */
static gboolean
first_pass_takes_mean (Run *r, gboolean coral)
{
  return !coral && r->p->n_preselected == 0 && !(r->carry != NULL && r->carry->start);
}

/* The first pass: distances to P, or without P the first pick (into
 * *first) by the CORESET or CORAL rule. */
static gboolean
first_pass (Run *r, gboolean coral, gboolean prune_seed, double *dsp, gssize *first,
            GError **error)
{
  gboolean ok = TRUE;

  if (first_pass_takes_mean (r, coral))
    {
      gboolean finite = TRUE;

      /* run_greedy() left the check of the rows to the mean's sum. */
      if ((ok = mean_distances (r, &finite)) && !finite)
        {
          if (check_rows (r, error))
            g_set_error_literal (error, LIGHTLY_SELECTION_ERROR,
                                 LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                                 "The candidates' mean is not finite");
          return FALSE;
        }
      if (ok)
        *first = greedy_argmax (r, FALSE, NULL);
    }
  else if (r->carry != NULL && r->carry->start)
    ok = carried_pass (r, dsp);
  else if (r->p->n_preselected > 0)
    {
      gboolean done;

      ok = lightly_coreset_seed_bf16 (r, prune_seed, &done);
      if (ok && !done)
        ok = prune_seed ? lightly_coreset_seed_pruned (r) : lightly_coreset_seed (r);
    }
  else
    *first = coral_first_pick (r, &ok);
  return ok ? TRUE : lightly_selection_set_cancelled (error);
}

/* The first pick after t whose pass the pruning schedule may prune (see
 * lightly_coreset_prune_next(): while unpruned, only a probe turns it on),
 * or G_MAXSIZE. */
static gsize
unpruned_until (Run *r, gsize t, gsize prune_picks)
{
  if (pruning == 0 || t + 1 >= prune_picks)
    return G_MAXSIZE;
  if (pruning == 2 || r->prune_on)
    return t + 1;
  return r->probe_at < prune_picks ? MAX (r->probe_at, t + 1) : G_MAXSIZE;
}

static gboolean
run_greedy (Run *r, gsize k, GArray *out, GError **error)
{
  const LightlySelectionParams *p = r->p;
  gboolean coral = p->method == LIGHTLY_SELECTION_METHOD_CORAL;
  gsize np = p->n_preselected, t, n_anchors;
  gssize first = -1;
  g_autofree double *qd = g_new (double, LIGHTLY_SELECTION_PAD8 (r->dim));
  g_autofree double *dsp = NULL;
  /* Pruning needs d(new pick, every anchor): (|P| + t)·dim per step. It stays
   * on while t is under 1/32 of |C|, and P's rows are anchors (the seeding is
   * pruned) when |P| is too; so that work stays under 1/16 of a pass. */
  gsize prune_picks = pruning == 0 ? 0 : pruning == 2 ? k : MIN (r->m / 32, (gsize) G_MAXINT32);
  gboolean p_anchors = np > 0 && pruning != 0 && (pruning == 2 || np <= r->m / 32) &&
                       np + MIN (k, prune_picks) < (gsize) G_MAXINT32;
  gboolean start = r->carry != NULL && r->carry->start;
  gboolean prune_seed = p_anchors && k > 0 && !start;

  /* A carried start keeps P's rows as anchors too: its anchors are rows of P. */
  r->n_panchor = prune_seed || (start && p_anchors) ? np : 0;
  n_anchors = r->n_panchor + MIN (k, prune_picks);
  dsp = g_new0 (double, MAX (n_anchors, 1));
  r->prune_on = TRUE;
  r->probe_gap = PROBE_START;
  if (!alloc_state (r, n_anchors, coral))
    return lightly_selection_set_cancelled (error);
  /* When the first pass sums the candidates for their mean, that sum
   * checks the rows as well: one pass less. */
  if (!(k > 0 && first_pass_takes_mean (r, coral)) && !check_rows (r, error))
    return FALSE;
  if (k == 0)
    return TRUE;
  if (!first_pass (r, coral, prune_seed, dsp, &first, error))
    return FALSE;

  for (t = 0; t < k; t++)
    {
      gssize pick;
      UpdateTask ut;
      guint32 c;
      const float *x;
      double utility = 0;
      gint64 skipped, computed;
      gboolean pruned;

      if (cancel_requested (r))
        return lightly_selection_set_cancelled (error);
      if (t == 0 && np == 0)
        {
          /* CORAL: s^β; CORESET: the distance to the candidates' mean. */
          pick = first;
          utility = coral ? weight (r, (gsize) first) : sqrt (MAX (r->mind2[first], 0));
        }
      else
        {
          pick = greedy_argmax (r, coral, &utility);
          if (pick < 0)
            break;
          if (p->min_distance > 0 && sqrt (r->mind2[pick]) < p->min_distance)
            break;
        }
      c = r->cand[pick];
      g_array_append_val (out, c);
      lightly_selection_explain (p, c, utility, -1);
      r->mind2[pick] = -1.0;
      lightly_selection_report (p, t + 1, k);
      if (t + 1 == k)
        break;
      /* A guess of an earlier pass that came true: its update is done. */
      if (lightly_coreset_spec_take (r, (gsize) pick))
        {
          r->n_applied = t + 1;
          continue;
        }
      x = row (r, c);
      lightly_to_double (qd, x, r->dim, LIGHTLY_SELECTION_PAD8 (r->dim));
      ut.qd = qd;
      ut.qf = x;
      ut.qnorm = r->kern->dot (x, x, r->dim);
      lightly_fast_linear (&r->fb, fast_qterm (r, ut.qnorm), &ut.alpha, &ut.beta);
      ut.replace = (t == 0 && np == 0);
      ut.pick = pick;
      ut.dsp = NULL;
      ut.tag = -1;   /* anchors only for picks with known distances */
      ut.spec = r->spec_q;
      ut.n_spec = 0;
      pruned = t < prune_picks && lightly_coreset_prune_next (r, t, pruning);
      /* Guesses ride on every pass but the first of a run without P. An
       * unpruned pass guesses only picks whose passes would run unpruned
       * too, so that a probe of the pruning is not skipped. */
      if (!ut.replace)
        ut.n_spec = lightly_coreset_spec_guess (r, &ut, t,
                                                pruned ? k - 1 :
                                                MIN (k - 1, unpruned_until (r, t, prune_picks)),
                                                prune_picks);
      if (t < prune_picks)
        {
          gsize id = r->n_panchor + t;

          /* Every such pick is an anchor, pruned or not (see
           * lightly_coreset_prune_next()). The pruning's distances run
           * over the anchors before it, for the pick and its guesses. */
          if (pruned)
            {
              if (!lightly_coreset_anchor_distances (r, &ut, id, dsp))
                return lightly_selection_set_cancelled (error);
              ut.dsp = dsp;
            }
          r->arow[id] = c;
          r->anorm[id] = ut.qnorm;
          ut.tag = (gint32) id;
        }
      skipped = r->n_skipped;
      computed = r->n_computed;
      if (!parallel (r, lightly_coreset_update_block, &ut, r->n_blocks))
        return lightly_selection_set_cancelled (error);
      lightly_coreset_spec_done (r, ut.n_spec);
      /* The first update after a first pick without P replaces every
       * minimum: nothing to learn from. */
      if (ut.dsp != NULL && !ut.replace && pruning == 1)
        lightly_coreset_prune_learn (r, t, r->n_skipped - skipped, r->n_computed - computed,
                                     (r->n_panchor + t) * (1 + ut.n_spec));
      r->n_applied = t + 1;
    }
  if (r->carry != NULL)
    carry_finish (r);
  return TRUE;
}

/* Blocks of about 64 Ki multiply-adds: long enough to amortise the
 * hand-out, short enough to check the cancel flag often. */
gboolean
lightly_coreset_run (const LightlySelectionParams  *p,
                     gsize                          k,
                     GArray                        *out,
                     GError                       **error)
{
  Run r = { 0 };
  guint n_threads;
  gboolean ok;

  if (p->n_candidates == 0)
    return TRUE;
  r.p = p;
  r.kern = lightly_selection_kernels_current ();
  r.prefetch_ahead = forced_prefetch >= 0 ? (gsize) forced_prefetch : r.kern->prefetch_ahead;
  r.dim = p->dim;
  r.m = p->n_candidates;
  r.cand = p->candidates;
  r.block_rows = CLAMP (65536 / MAX (r.dim, 1), 64, 4096);
  if (forced_block_rows > 0)
    r.block_rows = forced_block_rows;
  r.n_blocks = (r.m + r.block_rows - 1) / r.block_rows;
  /* Balance runs the method on a ranking of its own: nothing to carry. */
  if (p->carry != NULL && !p->balance)
    {
      if (p->carry->start && !carry_check (p, error))
        return FALSE;
      r.carry = p->carry;
    }
  fast_init (&r);
  lightly_coreset_spec_init (&r);
  n_threads = lightly_selection_thread_count (p);
  /* Seeding with P can split P, so it can use every thread. */
  if (p->n_preselected == 0)
    n_threads = MIN (n_threads, (guint) MIN (r.n_blocks, 256));
  r.pool = lightly_pool_new (n_threads, p->cancel, &r);
  ok = run_greedy (&r, k, out, error);
  lightly_pool_free (r.pool);
  last_stats.computed = (guint64) r.n_computed;
  last_stats.skipped = (guint64) r.n_skipped;
  last_stats.rows_read = (guint64) r.rows_read;
  last_stats.overhead = (guint64) r.n_overhead;
  last_stats.fast = (guint64) r.n_fast;
  last_stats.exact = (guint64) r.n_exact;
  last_stats.half = (guint64) r.n_half;
  last_stats.half_exact = (guint64) r.n_half_exact;
  last_stats.bf16 = (guint64) r.n_bf16;
  last_stats.bf16_exact = (guint64) r.n_bf16_exact;
  last_stats.p_bytes = (guint64) r.p_bytes;
  last_stats.pruned_picks = (guint64) r.n_pruned;
  last_stats.prune_switches = (guint64) r.n_switches;
  last_stats.spec_guesses = (guint64) r.n_spec_guesses;
  last_stats.spec_hits = (guint64) r.n_spec_hits;
  lightly_coreset_spec_free (&r);
  if (r.carry == NULL)
    {
      g_free (r.anchor);
      g_free (r.mind2);
    }
  g_free (r.arow);
  g_free (r.anorm);
  g_free (r.w);
  g_free (r.pnorm);
  g_free (r.bmax2);
  g_free (r.bmaxu);
  g_free (r.bmax_at);
  g_free (r.bmaxu_at);
  return ok;
}
