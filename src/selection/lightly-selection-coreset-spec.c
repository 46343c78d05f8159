/* lightly-selection-coreset-spec.c: speculative picks of CORESET/CORAL
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An unpruned update pass streams every candidate row for one multiply-add
 * per element: it is bound by memory, not by arithmetic. So while a row is
 * in cache, the pass also computes its distance to the picks that are
 * likely to come next, and keeps, per guess, the few rows whose minimum the
 * guess would lower. When the next greedy pick turns out to be the guess,
 * those rows are written and the guess's own pass is skipped: up to
 * 1 + SPEC_MAX picks per read of the matrix.
 *
 * Why the picks stay exact. Let s₁ … s_L be the guesses of the pass for
 * pick c. For each row j the pass first makes c's update (m⁰_j, the value
 * mind2[j] gets), then, for level l = 1 … L in order, computes what the
 * update pass of s_l would do to the row if s₁ … s_l were the next picks:
 * m^l_j = d_D(j, s_l) if that is below m^{l−1}_j, else m^{l−1}_j, with the
 * rows s₁ … s_l excluded (they would be picked, mind2 < 0) and the same
 * decision rule as update_batch_fast(): the float32 bound skips a row only
 * when it proves d_D ≥ m^{l−1}_j, and every other row is computed in double
 * by the same kernel as the pass (the same bits). So m^l is, bit for bit,
 * what the passes of s₁ … s_l would leave after c's, and the rows where
 * m^l ≠ m^{l−1} are the rows that s_l's pass would lower (and tag with its
 * anchor). Nothing else of the state changes in a pass: the block maxima
 * are recomputed from mind2 (lightly_coreset_spec_take() does it for every
 * block it writes and for the pick's block).
 * After the pass, mind2 holds m⁰, as without guesses. The loop picks the
 * next row by the usual greedy_argmax() on it; if that row is s₁, writing
 * level 1's rows makes mind2 = m¹, the state s₁'s pass would have left, so
 * the pass is skipped; if the following pick is then s₂, level 2 follows;
 * at the first pick that is not the next guess, the remaining levels are
 * dropped and that pick runs its pass as usual. A guess only decides which
 * work is done early; every pick is still chosen by greedy_argmax() on the
 * state the sequential passes would give, so the picks, their order, the
 * anchors and the carried coverage are those of a run without guesses, on
 * every SIMD path and thread count.
 * The lists have a fixed room per block, shared by the levels of a pass
 * (spec_cap each); a level that overflows anywhere is lost, with every
 * level after it (they start from its values), and the next pass guesses
 * fewer levels with more room each. Which level overflows first depends
 * only on the rows, never on the threads: a block stops at level l only
 * when another block has truly overflowed at l, so no level before the
 * first true overflow is ever cut short.
 *
 * The float32 distances of the pick and of its guesses come from one
 * d2f_multi() call per chunk (lightly_coreset_spec_queries() lists the
 * queries), so a row is loaded once per four queries rather than once per
 * query. A row that no query can lower by the float32 bound is then done;
 * the few others wait in groups (lightly-selection-coreset-update.c,
 * spec_chunk()) for the pick's update and the levels' decisions, level by
 * level as above.
 *
 * Guesses run on float32 passes, pruned or not, but not on the first
 * update after a first pick without P (it replaces every minimum). A
 * pruned pass with guesses skips a row only when none of its queries can
 * lower it: its anchor distances are dsp[a] = min over c, s₁ … s_L of
 * d(query, a) (lightly_coreset_anchor_distances()), so the skip test of
 * lightly-selection-coreset-update.c, d(q, a) ≥ 2·d(c_j, a) + margin, holds
 * for every query q of the pass (each d(q, a) ≥ dsp[a]). It proves that q
 * cannot lower m_j = d²(c_j, a), the row's value before the pass, and the
 * levels only lower values: m^{l−1}_j ≤ m_j, so s_l cannot lower m^{l−1}_j
 * either, and a skipped row keeps its value at every level, as it does in
 * the passes of s₁ … s_l (pruned or not, they leave such a row alone). On
 * a pruned schedule the guesses go up to the last pick's pass: a pruned
 * pass that a guess spares is not learnt from, so the pruning decides on
 * fewer passes than without guesses, from counts that are still the same
 * for every thread count and SIMD path (the lists, and which of them
 * overflow, depend on the rows only). With a half
 * copy of the matrix, a pass with guesses streams the float32 rows (the
 * guesses use the float32 bound) and a pass without streams the copy: on
 * 1M × 128 iid rows, the copy alone took 2.2 times as long as float32
 * rows with guesses. The memory is 10 bytes per entry, and each block has
 * room for 0.35 entries per row, shared by the levels: 3.5 bytes per
 * candidate. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-selection-coreset-private.h"

/* Levels per pass unless a test sets them: arithmetic is cheap next to the
 * bytes, but each level after the first only pays when the ones before it
 * were right (on 1M × 128 iid rows, 1,000 picks, Zen 5: 3 levels saved 712
 * passes, 6 saved 817, 8 saved 845 but took as long as 6). The lists take
 * at most SPEC_ROW_BYTES per candidate, which keeps the engine within 16
 * bytes per candidate. */
#define SPEC_DEPTH 6
#define SPEC_ROW_BYTES 3.5
/* The guesses come from the rows of the blocks with the largest maxima,
 * at most SPEC_BLOCKS of them (pool_fill()). With 16 blocks, iid rows
 * (1M × 128, 245 blocks of similar maxima) left the pool's bound theta
 * high, so fewer guesses were sure: 32 blocks took k = 100 from 28 passes
 * to 24 (9–13 % faster on the Xeon of session 22), 64 or 128 to 25; the
 * clustered, preselected and Fashion-MNIST sets kept their passes. */
#define SPEC_BLOCKS 32
#define SPEC_POOL 64

static gint forced_depth = -1;
static gsize forced_cap = 0;

/* Tests and benchmarks only: guessed picks per pass (−1: automatic, 0:
 * off) and entries per block and level (0: automatic). Not thread-safe. */
void
lightly_selection_set_speculation (gint depth, gsize cap)
{
  forced_depth = MIN (depth, SPEC_MAX);
  forced_cap = cap;
}

void
lightly_coreset_spec_init (Run *r)
{
  gsize dim8 = LIGHTLY_SELECTION_PAD8 (r->dim), depth, lists;

  depth = forced_depth >= 0 ? (gsize) forced_depth : SPEC_DEPTH;
  /* Each block's room, shared by the levels of a pass: what SPEC_ROW_BYTES
   * per row pays for (10 bytes an entry), or what a test sets per level. */
  if (forced_cap > 0)
    r->spec_room = depth * forced_cap;
  else
    r->spec_room = (gsize) (SPEC_ROW_BYTES * (double) r->block_rows /
                            (sizeof (guint16) + sizeof (double)));
  depth = MIN (depth, r->spec_room);
  /* Offsets in a block are 16-bit (blocks have at most 4096 rows unless
   * a test forces more). */
  r->spec_depth = r->fast && r->block_rows <= 65536 ? depth : 0;
  if (r->spec_depth == 0)
    return;
  lists = r->spec_depth * r->n_blocks;
  r->spec_now = r->spec_depth;
  r->spec_cap = MIN (r->block_rows, r->spec_room / r->spec_depth);
  r->spec_off = lightly_selection_alloc_rows (r->n_blocks * r->spec_room, sizeof (guint16));
  r->spec_val = lightly_selection_alloc_rows (r->n_blocks * r->spec_room, sizeof (double));
  r->spec_n = g_new0 (guint32, lists);
  r->spec_qd = g_new (double, r->spec_depth * dim8);
}

void
lightly_coreset_spec_free (Run *r)
{
  g_free (r->spec_off);
  g_free (r->spec_val);
  g_free (r->spec_n);
  g_free (r->spec_qd);
}

/* What the greedy argmax ranks: d² for CORESET, √d²·w for CORAL (the
 * order of its values; dmax divides them all alike). */
static inline double
rank_key (Run *r, gsize j, double d2)
{
  return r->wmode == WEIGHT_NONE ? d2 : sqrt (d2) * weight (r, j);
}

static inline double
block_key (Run *r, gsize b)
{
  return r->wmode == WEIGHT_NONE ? r->bmax2[b] : r->bmaxu[b];
}

typedef struct {
  gsize n;
  gsize pos[SPEC_POOL];
  const float *rows[SPEC_POOL];
  double v[SPEC_POOL];          /* d² after c and the guesses so far; < 0: guessed */
  double theta;                 /* no row outside the pool ranks above this */
} Pool;

/* Restores the pool's min-heap on key from entry i down (its entries are
 * key, pos and v at the same index). */
static void
pool_sift_down (Pool *pl, double *key, gsize i)
{
  for (;;)
    {
      gsize l = 2 * i + 1, m = i, tp;
      double tk, tv;

      if (l < pl->n && key[l] < key[m])
        m = l;
      if (l + 1 < pl->n && key[l + 1] < key[m])
        m = l + 1;
      if (m == i)
        return;
      tk = key[i];
      tv = pl->v[i];
      tp = pl->pos[i];
      key[i] = key[m];
      pl->v[i] = pl->v[m];
      pl->pos[i] = pl->pos[m];
      key[m] = tk;
      pl->v[m] = tv;
      pl->pos[m] = tp;
      i = m;
    }
}

typedef struct {
  double key;
  gsize b;
} BlockKey;

/* Largest key first; equal keys by block. */
static int
block_key_cmp (const void *pa, const void *pb)
{
  const BlockKey *a = pa, *b = pb;

  if (a->key != b->key)
    return a->key > b->key ? -1 : 1;
  return a->b < b->b ? -1 : a->b > b->b;
}

/* The SPEC_POOL unpicked rows with the largest keys among the blocks that
 * can hold one, in the order of their maxima, at most SPEC_BLOCKS of them;
 * theta bounds everything left out (the rows that did not enter, and the
 * maximum of the first block not read, which bounds all the blocks after
 * it). Once the pool is full it is a min-heap on the key, so a row that
 * does not enter costs one comparison and one that does log₂ SPEC_POOL; a
 * block whose maximum does not exceed the pool's least key ends the
 * search. */
static void
pool_fill (Run *r, Pool *pl)
{
  g_autofree BlockKey *bk = g_new (BlockKey, r->n_blocks);
  double key[SPEC_POOL];
  gsize nb = 0, b, i, j, h;

  pl->n = 0;
  pl->theta = -1.0;
  for (b = 0; b < r->n_blocks; b++)
    {
      double kb = block_key (r, b);

      if (kb < 0)
        continue;
      bk[nb].key = kb;
      bk[nb++].b = b;
    }
  qsort (bk, nb, sizeof *bk, block_key_cmp);
  for (i = 0; i < nb; i++)
    {
      gsize lo, hi;

      if (i == SPEC_BLOCKS || (pl->n == SPEC_POOL && !(bk[i].key > key[0])))
        {
          pl->theta = MAX (pl->theta, bk[i].key);
          break;
        }
      block_range (r, bk[i].b, &lo, &hi);
      for (j = lo; j < hi; j++)
        {
          double m = r->mind2[j], kj;

          if (m < 0)
            continue;
          kj = rank_key (r, j, m);
          if (pl->n < SPEC_POOL)
            {
              key[pl->n] = kj;
              pl->pos[pl->n] = j;
              pl->v[pl->n++] = m;
              if (pl->n == SPEC_POOL)
                for (h = SPEC_POOL / 2; h-- > 0;)
                  pool_sift_down (pl, key, h);
              continue;
            }
          if (!(kj > key[0]))
            {
              pl->theta = MAX (pl->theta, kj);
              continue;
            }
          pl->theta = MAX (pl->theta, key[0]);
          key[0] = kj;
          pl->pos[0] = j;
          pl->v[0] = m;
          pool_sift_down (pl, key, 0);
        }
    }
  for (i = 0; i < pl->n; i++)
    pl->rows[i] = row (r, r->cand[pl->pos[i]]);
}

/* v = min (v, d_D(row, q)) over the pool's unguessed rows, in double by the
 * pass's kernel. */
static void
pool_lower (Run *r, Pool *pl, const double *qd, double qnorm)
{
  double dots[SPEC_POOL], norms[SPEC_POOL];
  gsize i;

  r->kern->dot_qf_norm (qd, pl->rows, pl->n, r->dim, dots, norms);
  for (i = 0; i < pl->n; i++)
    {
      double d2 = lightly_sqdist (norms[i], qnorm, dots[i]);

      if (pl->v[i] >= 0 && d2 < pl->v[i])
        pl->v[i] = d2;
    }
}

/* Guesses the picks after u's (pick t) into r->spec_q: the pool's greedy
 * order after u's update, as deep as the guesses are sure to lead the pool
 * (a guess ranked above theta is the next pick unless a tie within ε
 * decides otherwise) plus one, and only picks below limit: short of the
 * last pick (which runs no pass), and on an unpruned pass short of the
 * next probe of the pruning (so that no probe is skipped). Returns how
 * many. */
gsize
lightly_coreset_spec_guess (Run *r, const UpdateTask *u, gsize t, gsize limit, gsize prune_picks)
{
  gsize dim8 = LIGHTLY_SELECTION_PAD8 (r->dim), depth, l, i;
  Pool pl;

  if (r->spec_depth == 0 || t + 1 >= limit)
    return 0;
  depth = MIN (r->spec_now, limit - t - 1);
  pool_fill (r, &pl);
  if (pl.n == 0)
    return 0;
  pool_lower (r, &pl, u->qd, u->qnorm);
  for (l = 0; l < depth; l++)
    {
      SpecGuess *g = &r->spec_q[l];
      double *qd = r->spec_qd + l * dim8, best = -1.0;
      gssize at = -1;

      for (i = 0; i < pl.n; i++)
        {
          double kv;

          if (pl.v[i] < 0)
            continue;
          kv = rank_key (r, pl.pos[i], pl.v[i]);
          if (at < 0 || kv > best || (kv == best && pl.pos[i] < pl.pos[at]))
            {
              best = kv;
              at = (gssize) i;
            }
        }
      if (at < 0)
        break;
      g->pos = pl.pos[at];
      g->qf = pl.rows[at];
      lightly_to_double (qd, g->qf, r->dim, dim8);
      g->qd = qd;
      g->qnorm = r->kern->dot (g->qf, g->qf, r->dim);
      lightly_fast_linear (&r->fb, fast_qterm (r, g->qnorm), &g->alpha, &g->beta);
      g->tag = t + l + 1 < prune_picks ? (gint32) (r->n_panchor + t + l + 1) : -1;
      pl.v[at] = -1.0;
      if (!(best > pl.theta))
        {
          l++;
          break;
        }
      if (l + 1 < depth)
        pool_lower (r, &pl, qd, g->qnorm);
    }
  for (i = 0; i < l; i++)
    r->spec_full[i] = 0;
  /* The levels share each block's room. */
  if (l > 0)
    r->spec_cap = MIN (r->block_rows, r->spec_room / l);
  return l;
}

/* After the pass: the levels before the first overflow stay valid, and
 * they set the depth of the next guesses. Depends on the rows only (see
 * the top of the file), so the work is the same for any thread count. */
void
lightly_coreset_spec_done (Run *r, gsize n_spec)
{
  gsize l = 0;

  while (l < n_spec && !r->spec_full[l])
    l++;
  /* After an overflow, fewer levels with more room each (early picks lower
   * many rows); after a pass that kept every level it asked for, one more. */
  if (l < n_spec)
    r->spec_now = MAX (l, 1);
  else if (n_spec == r->spec_now)
    r->spec_now = MIN (r->spec_depth, r->spec_now + 1);
  r->spec_levels = l;
  r->spec_next = 0;
  r->n_spec_guesses += (gint64) n_spec;
}

/* Block b's list lengths, kept by its pass (see
 * lightly_coreset_spec_batch()), where lightly_coreset_spec_take() reads
 * them. */
void
lightly_coreset_spec_block_end (Run *r, const UpdateTask *u, gsize b, const guint32 *cnt_of)
{
  gsize k;

  for (k = 0; k < u->n_spec; k++)
    r->spec_n[k * r->n_blocks + b] = cnt_of[k];
}

/* If pick (just marked picked) is the next guess, writes its level's rows
 * and block maxima, registers its anchor, and returns TRUE: its pass is
 * done. Otherwise drops the guesses left. */
gboolean
lightly_coreset_spec_take (Run *r, gsize pick)
{
  const SpecGuess *g;
  gsize l = r->spec_next, b;

  if (l >= r->spec_levels || r->spec_q[l].pos != pick)
    {
      r->spec_levels = 0;
      return FALSE;
    }
  g = &r->spec_q[l];
  for (b = 0; b < r->n_blocks; b++)
    {
      gsize n = r->spec_n[l * r->n_blocks + b], base = (l * r->n_blocks + b) * r->spec_cap;
      gsize lo = b * r->block_rows, e;

      for (e = 0; e < n; e++)
        {
          gsize j = lo + r->spec_off[base + e];

          r->mind2[j] = r->spec_val[base + e];
          r->anchor[j] = g->tag;
        }
      if (n > 0 || (pick >= lo && pick < lo + r->block_rows))
        lightly_coreset_block_stats_after (r, b, FALSE);
    }
  if (g->tag >= 0)
    {
      r->arow[g->tag] = r->cand[pick];
      r->anorm[g->tag] = g->qnorm;
    }
  r->spec_next = l + 1;
  r->n_spec_hits++;
  return TRUE;
}

/* The pass's query, then the guesses up to the first level known to have
 * overflowed (a level that overflows later, on another thread, is still
 * caught by spec_batch()). Returns 1 + the levels. */
gsize
lightly_coreset_spec_queries (Run *r, const UpdateTask *u, const float **qs)
{
  gsize k;

  qs[0] = u->qf;
  for (k = 0; k < u->n_spec; k++)
    {
      if (__atomic_load_n (&r->spec_full[k], __ATOMIC_RELAXED))
        break;
      qs[k + 1] = u->spec[k].qf;
    }
  return k + 1;
}

/* The guesses' part of a group of rows of the pass (rows idx, whose mind2
 * the pick's update has just written): per level, the rows the guess
 * would lower, into block b's list, whose length so far is cnt_of[level].
 * f holds the float32 distances of the first n_levels guesses (n per
 * level, from lightly_coreset_spec_queries() and d2f_multi()); the levels
 * after them have overflowed. The caller keeps the lengths until the
 * block ends (lightly_coreset_spec_block_end()): in r->spec_n, the two
 * threads' blocks share cache lines, and reading a length there on every
 * group took half of this function's time on a Zen 5. */
void
lightly_coreset_spec_batch (Run *r, const UpdateTask *u, gsize b, gsize lo,
                            const gsize *idx, const float *const *rows, gsize n,
                            const float *f, gsize n_levels, guint32 *cnt_of)
{
  double cur[UPDATE_BATCH], dots[UPDATE_BATCH], norms[UPDATE_BATCH];
  const float *redo[UPDATE_BATCH];
  gsize at[UPDATE_BATCH];
  gsize l, i, k;

  for (i = 0; i < n; i++)
    cur[i] = r->mind2[idx[i]];
  for (k = 0; k < n_levels; k++, f += n)
    {
      const SpecGuess *g = &u->spec[k];
      gsize list = k * r->n_blocks + b, base = list * r->spec_cap, nr = 0;
      guint32 cnt = cnt_of[k];

      if (__atomic_load_n (&r->spec_full[k], __ATOMIC_RELAXED))
        return;
      for (i = 0; i < n; i++)
        if (idx[i] == g->pos)
          cur[i] = -1.0;
      for (i = 0; i < n; i++)
        {
          /* Rows a guess before this one picked are out (cur < 0). */
          if (cur[i] < 0 || fast_rules_out (g->alpha, g->beta, f[i], cur[i]))
            continue;
          redo[nr] = rows[i];
          at[nr++] = i;
        }
      if (nr == 0)
        continue;
      r->kern->dot_qf_norm (g->qd, redo, nr, r->dim, dots, norms);
      for (l = 0; l < nr; l++)
        {
          double d2 = lightly_sqdist (norms[l], g->qnorm, dots[l]);

          i = at[l];
          if (!(d2 < cur[i]))
            continue;
          if (cnt == r->spec_cap)
            {
              __atomic_store_n (&r->spec_full[k], 1, __ATOMIC_RELAXED);
              return;
            }
          r->spec_off[base + cnt] = (guint16) (idx[i] - lo);
          r->spec_val[base + cnt] = d2;
          cnt_of[k] = ++cnt;
          cur[i] = d2;
        }
    }
}
