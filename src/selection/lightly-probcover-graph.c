/* lightly-probcover-graph.c: PROBCOVER's δ-graph, exact, from float32 tiles
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The graph is defined in lightly-probcover-graph.h: j is in the ball of i
 * iff j = i or d_D(i, j) = (‖x_i‖²_D + ‖x_j‖²_D) − 2⟨x_i, x_j⟩_D < δ², with
 * the double kernels' values (the same bits on every SIMD path, and the same
 * either way round, so the graph is symmetric).
 *
 * The exact builder computes every d_D: O(n²·D) double products, 22 s at
 * 50k × 64 on the bench machine. The blocked builder computes the same
 * graph from float32 dot products s_f of 6 × 16 tiles (lightly-probcover-
 * tile.h; query rows of a superblock against a packed chunk of targets,
 * both cache-resident), and decides each entry as follows.
 *
 * Claim. With n = dim, u = 2⁻²⁴, U = 2⁻⁵³, γ = n·u/(1 − n·u), Γ the same
 * with U, N = ‖x_i‖²_D + ‖x_j‖²_D, κ = 2(γ + Γ) + 16U, τ = 4n·2⁻¹⁴⁹, and
 * every norm finite and ≤ 2¹⁰⁰:
 *   |d_D − (N − 2·s_f)| ≤ E/2, where E = κ·N + τ.
 * Proof. Let s be the exact ⟨x_i, x_j⟩ and P = Σ|x_i,d · x_j,d| ≤
 * ‖x_i‖‖x_j‖ ≤ (‖x_i‖² + ‖x_j‖²)/2 ≤ N/2·(1 + Γ). Float32 summation of n
 * products in any order, with or without FMA, gives |s_f − s| ≤ γ·P plus
 * at most n·2⁻¹⁵⁰ of underflow (Higham, §3.1; each rounding of a subnormal
 * result is absolute); no partial sum overflows, as each is ≤ P(1 + γ) ≤
 * 2¹⁰¹. The double kernel's products are exact, so |s_D − s| ≤ Γ·P. The
 * double path rounds N and the final difference: d_D = (N − 2s_D)(1 + ε),
 * |ε| ≤ U, and |N − 2s_D| ≤ 2.01·N. Together |d_D − (N − 2s_f)| ≤
 * 2(γ + Γ)·P + 2n·2⁻¹⁵⁰ + 2.01·U·N ≤ ((γ + Γ)(1 + Γ) + 2.01U)·N + n·2⁻¹⁴⁹
 * ≤ E/2.
 * Decision. a = N − 2s_f and a ± E are evaluated in double; each of the
 * three roundings is ≤ U·(|a| + E) ≤ 2.1U·N + U·τ, well inside the other
 * half of E (≥ 8U·N + τ/2). So a + E < δ² proves d_D < δ² (an edge), and
 * a − E ≥ δ² proves d_D ≥ δ² (none); otherwise d_D is computed with the
 * double kernel, as the exact builder does, and compared as it does.
 * Filter. Most entries are far from δ², and the tile rejects them in
 * float32 before any double arithmetic: with h_i = ((1 − κ/2)·‖x_i‖²_D −
 * τ/4 − δ²/2)/2 − m_i, m_i = 2⁻²⁰(‖x_i‖²_D + δ²) + 2⁻¹⁴⁰, rounded down to
 * float, an entry with s_f ≤ fl32(h_i + h_j) has s_f ≤ (N(1 − κ/2) − τ/2
 * − δ²)/2 (the float addition errs by ≤ u·(|h_i| + |h_j|) < m_i + m_j), so
 * d_D ≥ N − 2s_f − E/2 ≥ δ²: no edge. Only entries above the threshold are
 * decided as above (and the diagonal, always an edge).
 * Inputs outside the claim (a norm not finite or above 2¹⁰⁰, dim ≥ 2²⁰)
 * use the exact builder.
 *
 * Tiles. The AVX-512 path computes two adjacent panels per call (6 × 32,
 * lightly-probcover-tile-avx512.c); the others call their 6 × 16 tile
 * twice. The argument above holds for each entry whatever the path.
 * Pruning. From PRUNE_MIN_ROWS candidates (or when forced by tests), the
 * candidates are grouped into cells and ordered by cell
 * (lightly-probcover-prune.c, with its proof), the graph is built in that
 * order, skipping every tile whose pairs of cells are proven to hold no
 * entry with d_D < δ², and the lists are mapped back to the candidates'
 * positions and sorted: the same graph, entry for entry.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "lightly-probcover-graph.h"
#include "lightly-probcover-tile.h"

/* Exact builder: rows per block, and candidates per dot_qf call. */
#define EX_BLOCK 32
#define EX_CHUNK 256
/* Blocked builder: query rows per superblock (a multiple of the tile's). */
#define SB_ROWS 384
/* Blocked builder: bytes of a packed target chunk. */
#define CHUNK_BYTES 131072
/* Pruning by default from this many candidates (below, its k-means costs
 * more than it saves). */
#define PRUNE_MIN_ROWS 20000

G_STATIC_ASSERT (SB_ROWS % LIGHTLY_PC_TILE_ROWS == 0);

void
lightly_pc_tile_portable (const float *const *q, const float *panel, size_t dim,
                          const float *qthr, const float *tthr, float *out, uint32_t *mask)
{
  float acc[LIGHTLY_PC_TILE_ROWS][LIGHTLY_PC_TILE_COLS];
  size_t d, r, l;

  memset (acc, 0, sizeof acc);
  for (d = 0; d < dim; d++)
    for (r = 0; r < LIGHTLY_PC_TILE_ROWS; r++)
      {
        float a = q[r][d];

        for (l = 0; l < LIGHTLY_PC_TILE_COLS; l++)
          acc[r][l] += a * panel[d * LIGHTLY_PC_TILE_COLS + l];
      }
  for (r = 0; r < LIGHTLY_PC_TILE_ROWS; r++)
    {
      uint32_t m = 0;

      for (l = 0; l < LIGHTLY_PC_TILE_COLS; l++)
        {
          out[r * LIGHTLY_PC_TILE_COLS + l] = acc[r][l];
          if (acc[r][l] > qthr[r] + tthr[l])
            m |= (uint32_t) 1 << l;
        }
      mask[r] = m;
    }
}

/* The double tiles of the paths without one of their own: two calls. */
static void
tile2_portable (const float *const *q, const float *panel, size_t dim, const float *qthr,
                const float *tthr, float *out, uint32_t *mask)
{
  const gsize TR = LIGHTLY_PC_TILE_ROWS, TC = LIGHTLY_PC_TILE_COLS;

  lightly_pc_tile_portable (q, panel, dim, qthr, tthr, out, mask);
  lightly_pc_tile_portable (q, panel + TC * dim, dim, qthr, tthr + TC, out + TR * TC, mask + TR);
}

#ifdef LIGHTLY_SELECTION_HAVE_AVX2
static void
tile2_avx2 (const float *const *q, const float *panel, size_t dim, const float *qthr,
            const float *tthr, float *out, uint32_t *mask)
{
  const gsize TR = LIGHTLY_PC_TILE_ROWS, TC = LIGHTLY_PC_TILE_COLS;

  lightly_pc_tile_avx2 (q, panel, dim, qthr, tthr, out, mask);
  lightly_pc_tile_avx2 (q, panel + TC * dim, dim, qthr, tthr + TC, out + TR * TC, mask + TR);
}
#endif

typedef struct {
  const LightlyPoints *pts;
  const double *norms;
  double delta2;
  gsize max_edges;
  gsize block0;
  LightlyProbcoverGraph *g;
  gint overflow;
  GMutex lock;
  /* blocked builder */
  LightlyPcTile2Func tile;
  const float *thr;             /* per packed target: h_i as float, +∞ past n */
  double kappa, tau;
  float *panels;                /* the packed targets, 16 per panel, an even number */
  GArray **up;                  /* per superblock: its rows' lists from lo on */
  guint32 *up_start, *up_len;   /* per candidate */
  const LightlyPcPrune *prune;  /* NULL: no tile is skipped */
  guint64 n_skipped;
} Build;

static void
account (Build *t, gsize b, GArray *adj, guint64 n_checked, guint64 n_double)
{
  t->g->adj[b] = adj;
  g_mutex_lock (&t->lock);
  t->g->n_edges += adj->len;
  t->g->n_checked += n_checked;
  t->g->n_double += n_double;
  if (t->g->n_edges > t->max_edges)
    g_atomic_int_set (&t->overflow, 1);
  g_mutex_unlock (&t->lock);
}

/* ---------------------------------------------------------------------- */
/* Exact: every entry in double                                           */

static void
exact_block (gsize bb, gpointer data)
{
  Build *t = data;
  const LightlyPoints *pts = t->pts;
  gsize b = t->block0 + bb;
  gsize dim = pts->dim, dim8 = LIGHTLY_SELECTION_PAD8 (dim);
  gsize lo = b * EX_BLOCK, hi = MIN (pts->n, lo + EX_BLOCK), i, c, j;
  g_autofree double *q = g_new (double, dim8);
  double dots[EX_CHUNK];
  const float *rows[EX_CHUNK];
  GArray *adj = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (g_atomic_int_get (&t->overflow))
    {
      account (t, b, adj, 0, 0);
      return;
    }
  for (i = lo; i < hi; i++)
    {
      t->g->start[i] = adj->len;
      lightly_to_double (q, pts->matrix + (gsize) pts->rows[i] * dim, dim, dim8);
      for (c = 0; c < pts->n; c += EX_CHUNK)
        {
          gsize m = MIN (EX_CHUNK, pts->n - c);

          for (j = 0; j < m; j++)
            rows[j] = pts->matrix + (gsize) pts->rows[c + j] * dim;
          pts->kern->dot_qf (q, rows, m, dim, dots);
          for (j = 0; j < m; j++)
            {
              double d2 = (t->norms[i] + t->norms[c + j]) - 2.0 * dots[j];

              if (c + j == i || d2 < t->delta2)
                {
                  guint32 v = (guint32) (c + j);

                  g_array_append_val (adj, v);
                }
            }
        }
      t->g->deg[i] = adj->len - t->g->start[i];
    }
  account (t, b, adj, 0, 0);
}

/* ---------------------------------------------------------------------- */
/* Blocked: float32 tiles, double where the bound cannot decide           */

/* Panels per packing block. */
#define PACK_PANELS 256

/* Panels of n targets: an even number, as the double tiles read two. */
static gsize
n_panels (gsize n)
{
  gsize np = (n + LIGHTLY_PC_TILE_COLS - 1) / LIGHTLY_PC_TILE_COLS;

  return np + (np & 1);
}

typedef struct {
  const LightlyPoints *pts;
  float *panels;
  float *thr;
} Pack;

/* Packs panels [bb·PACK_PANELS, …): targets 16p … dimension-major; past
 * the end zeros, with the threshold +∞ (never above). */
static void
pack_block (gsize bb, gpointer data)
{
  Pack *t = data;
  const LightlyPoints *pts = t->pts;
  const gsize TC = LIGHTLY_PC_TILE_COLS;
  gsize n = pts->n, dim = pts->dim, np = n_panels (n);
  gsize p0 = bb * PACK_PANELS, p1 = MIN (np, p0 + PACK_PANELS), p, l, d;

  for (p = p0; p < p1; p++)
    {
      float *panel = t->panels + p * TC * dim;

      for (l = 0; l < TC; l++)
        {
          gsize j = p * TC + l;

          if (j < n)
            {
              const float *x = pts->matrix + (gsize) pts->rows[j] * dim;

              for (d = 0; d < dim; d++)
                panel[d * TC + l] = x[d];
            }
          else
            {
              for (d = 0; d < dim; d++)
                panel[d * TC + l] = 0.0f;
              t->thr[j] = INFINITY;
            }
        }
    }
}

gboolean
lightly_probcover_pack_panels (const LightlyPoints *pts, float *panels, float *thr)
{
  Pack t = { pts, panels, thr };

  return lightly_points_parallel (pts, (n_panels (pts->n) + PACK_PANELS - 1) / PACK_PANELS,
                                  pack_block, &t);
}

/* Whether every pair of cells spanned by the rows r0 … r1 and the targets
 * c0 … c1 (ordered positions, inclusive) is separated: no edge there. */
static gboolean
tile_separated (const LightlyPcPrune *pr, gsize r0, gsize r1, gsize c0, gsize c1)
{
  guint32 A, B;

  for (A = pr->cell[r0]; A <= pr->cell[r1]; A++)
    for (B = pr->cell[c0]; B <= pr->cell[c1]; B++)
      if (!pr->sep[A * pr->K + B])
        return FALSE;
  return TRUE;
}

/* Superblock b: the rows lo … hi against the targets lo … n − 1 (the graph
 * is symmetric; assemble() mirrors the entries past hi). Each row's list is
 * in increasing target order. */
static void
tiled_block (gsize bb, gpointer data)
{
  Build *t = data;
  const LightlyPoints *pts = t->pts;
  const gsize TR = LIGHTLY_PC_TILE_ROWS, TC = LIGHTLY_PC_TILE_COLS;
  gsize b = t->block0 + bb, n = pts->n, dim = pts->dim;
  gsize lo = b * SB_ROWS, hi = MIN (n, lo + SB_ROWS), nq = hi - lo;
  gsize chunk = MAX (2 * TC, (CHUNK_BYTES / (MAX (dim, 1) * sizeof (float))) / (2 * TC) * (2 * TC));
  GArray *lists[SB_ROWS];
  GArray *up;
  guint64 n_checked = 0, n_double = 0, cross = 0, n_skipped = 0;
  gsize c0, i, r, l, p, h;

  up = g_array_new (FALSE, FALSE, sizeof (guint32));
  if (g_atomic_int_get (&t->overflow))
    {
      t->up[b] = up;
      return;
    }
  for (i = 0; i < nq; i++)
    lists[i] = g_array_new (FALSE, FALSE, sizeof (guint32));
  /* Chunks hold an even number of panels; the last chunk's may read the
   * padding panel, whose targets are past n. */
  for (c0 = lo; c0 < n; c0 += chunk)
    {
      gsize m = MIN (chunk, n - c0), np = (m + TC - 1) / TC;

      for (i = 0; i < nq; i += TR)
        {
          const float *q[LIGHTLY_PC_TILE_ROWS];
          float qthr[LIGHTLY_PC_TILE_ROWS];
          gsize nr = MIN (TR, nq - i);

          for (r = 0; r < TR; r++)
            {
              gsize qi = lo + i + MIN (r, nr - 1);

              q[r] = pts->matrix + (gsize) pts->rows[qi] * dim;
              qthr[r] = t->thr[qi];
            }
          for (p = 0; p < np; p += 2)
            {
              float out2[2 * LIGHTLY_PC_TILE_ROWS * LIGHTLY_PC_TILE_COLS];
              guint32 mask2[2 * LIGHTLY_PC_TILE_ROWS];

              if (t->prune != NULL &&
                  tile_separated (t->prune, lo + i, lo + i + nr - 1, c0 + p * TC,
                                  MIN (c0 + p * TC + 2 * TC, n) - 1))
                {
                  n_skipped++;
                  continue;
                }
              t->tile (q, t->panels + (c0 + p * TC) * dim, dim, qthr, t->thr + c0 + p * TC, out2, mask2);
              for (h = 0; h < 2; h++)
                {
                  gsize j0 = c0 + (p + h) * TC;
                  const float *out = out2 + h * TR * TC;
                  const guint32 *mask = mask2 + h * TR;

                  for (r = 0; r < nr; r++)
                    {
                      gsize qi = lo + i + r;
                      guint32 mk = mask[r];

                      if (qi >= j0 && qi < j0 + TC)
                        mk |= (guint32) 1 << (qi - j0);
                      while (mk != 0)
                        {
                          guint32 v;
                          gsize j;
                          double N, a, e;
                          gboolean edge;

                          l = (gsize) __builtin_ctz (mk);
                          mk &= mk - 1;
                          j = j0 + l;
                          if (j >= n)
                            break;
                          n_checked++;
                          N = t->norms[qi] + t->norms[j];
                          a = N - 2.0 * (double) out[r * TC + l];
                          e = t->kappa * N + t->tau;
                          if (j == qi || a + e < t->delta2)
                            edge = TRUE;
                          else if (a - e >= t->delta2)
                            edge = FALSE;
                          else
                            {
                              double dot = pts->kern->dot (q[r], pts->matrix + (gsize) pts->rows[j] * dim, dim);

                              edge = (t->norms[qi] + t->norms[j]) - 2.0 * dot < t->delta2;
                              n_double++;
                            }
                          if (edge)
                            {
                              v = (guint32) j;
                              g_array_append_val (lists[i + r], v);
                              cross += j >= hi;
                            }
                        }
                    }
                }
            }
        }
    }
  for (i = 0; i < nq; i++)
    {
      t->up_start[lo + i] = up->len;
      t->up_len[lo + i] = lists[i]->len;
      g_array_append_vals (up, lists[i]->data, lists[i]->len);
      g_array_free (lists[i], TRUE);
    }
  t->up[b] = up;
  g_mutex_lock (&t->lock);
  t->g->n_edges += up->len + cross;
  t->g->n_checked += n_checked;
  t->g->n_double += n_double;
  t->n_skipped += n_skipped;
  if (t->g->n_edges > t->max_edges)
    g_atomic_int_set (&t->overflow, 1);
  g_mutex_unlock (&t->lock);
}

/* The full graph from the superblocks' upper lists: row j's list is the
 * rows i < lo(j) that hold j (mirrored, in increasing i: blocks and rows are
 * visited in order), then its own list from lo(j) on. */
static void
assemble (Build *t)
{
  LightlyProbcoverGraph *g = t->g;
  gsize n = g->n, b, i, e;
  g_autofree guint32 *pos = g_new0 (guint32, MAX (n, 1));

  for (b = 0; b < g->n_blocks; b++)
    {
      gsize lo = b * SB_ROWS, hi = MIN (n, lo + SB_ROWS);

      for (i = lo; i < hi; i++)
        {
          const guint32 *l = &g_array_index (t->up[b], guint32, t->up_start[i]);

          for (e = 0; e < t->up_len[i]; e++)
            if (l[e] >= hi)
              pos[l[e]]++;      /* mirrored count, for now */
        }
    }
  for (b = 0; b < g->n_blocks; b++)
    {
      gsize lo = b * SB_ROWS, hi = MIN (n, lo + SB_ROWS), len = 0;

      for (i = lo; i < hi; i++)
        {
          g->start[i] = (guint32) len;
          g->deg[i] = pos[i] + t->up_len[i];
          len += g->deg[i];
          pos[i] = g->start[i];
        }
      g->adj[b] = g_array_sized_new (FALSE, FALSE, sizeof (guint32), (guint) len);
      g_array_set_size (g->adj[b], (guint) len);
    }
  for (b = 0; b < g->n_blocks; b++)
    {
      gsize lo = b * SB_ROWS, hi = MIN (n, lo + SB_ROWS);

      for (i = lo; i < hi; i++)
        {
          const guint32 *l = &g_array_index (t->up[b], guint32, t->up_start[i]);

          for (e = 0; e < t->up_len[i]; e++)
            if (l[e] >= hi)
              {
                guint32 j = l[e];

                g_array_index (g->adj[j / SB_ROWS], guint32, pos[j]++) = (guint32) i;
              }
        }
    }
  for (b = 0; b < g->n_blocks; b++)
    {
      gsize lo = b * SB_ROWS, hi = MIN (n, lo + SB_ROWS);

      for (i = lo; i < hi; i++)
        if (t->up_len[i] > 0)
          memcpy (&g_array_index (g->adj[b], guint32, pos[i]),
                  &g_array_index (t->up[b], guint32, t->up_start[i]),
                  t->up_len[i] * sizeof (guint32));
      g_array_free (t->up[b], TRUE);
      t->up[b] = NULL;
    }
}

gboolean
lightly_probcover_claim (const LightlyPoints *pts, const double *norms, double *kappa, double *tau)
{
  double nd = (double) pts->dim;
  double gam = nd * 0x1p-24 / (1 - nd * 0x1p-24), Gam = nd * 0x1p-53 / (1 - nd * 0x1p-53);
  gsize i;

  if (pts->dim == 0 || pts->dim >= ((gsize) 1 << 20))
    return FALSE;
  for (i = 0; i < pts->n; i++)
    if (!isfinite (norms[i]) || norms[i] > 0x1p100)
      return FALSE;
  *kappa = 2 * (gam + Gam) + 16 * 0x1p-53;
  *tau = 4 * nd * 0x1p-149;
  return TRUE;
}

/* The float thresholds h_i of the filter (the proof above), and whether the
 * claim's conditions hold. */
static gboolean
tiled_init (Build *t, float *thr)
{
  gsize i;

  if (!lightly_probcover_claim (t->pts, t->norms, &t->kappa, &t->tau))
    return FALSE;
  for (i = 0; i < t->pts->n; i++)
    {
      double nq = t->norms[i], h;
      float f;

      h = ((1 - t->kappa / 2) * nq - t->tau / 4 - t->delta2 / 2) / 2
          - (0x1p-20 * (nq + t->delta2) + 0x1p-140);
      f = (float) h;
      if ((double) f > h)
        f = nextafterf (f, -INFINITY);
      thr[i] = f;
    }
  return TRUE;
}

LightlyPcTile2Func
lightly_probcover_tile_for (const LightlySelectionKernels *kern)
{
#ifdef LIGHTLY_SELECTION_HAVE_AVX2
  if (kern == &lightly_selection_kernels_avx2)
    return tile2_avx2;
#endif
#ifdef LIGHTLY_SELECTION_HAVE_AVX512
  if (kern == &lightly_selection_kernels_avx512)
    return lightly_pc_tile2_avx512;
#endif
  return tile2_portable;
}

gsize
lightly_probcover_n_panels (gsize n)
{
  return n_panels (n);
}

static gboolean
build (const LightlyPoints            *pts,
       const double                   *norms,
       double                          delta,
       gsize                           max_edges,
       gboolean                        exact,
       const LightlyPcPrune           *prune,
       LightlyProbcoverGraphProgress   progress,
       gpointer                        progress_data,
       LightlyProbcoverGraph          *g,
       GError                        **error)
{
  g_autofree float *thr = NULL;
  Build t = { 0 };
  LightlyBlockFunc fn;
  gsize done;
  gboolean ok = TRUE;

  t.prune = prune;
  t.pts = pts;
  t.norms = norms;
  t.delta2 = delta * delta;
  t.max_edges = max_edges;
  t.g = g;
  g_mutex_init (&t.lock);
  g->n = pts->n;
  if (!exact)
    {
      thr = g_new (float, MAX (n_panels (pts->n) * LIGHTLY_PC_TILE_COLS, 1));
      exact = !tiled_init (&t, thr);
    }
  g->block = exact ? EX_BLOCK : SB_ROWS;
  fn = exact ? exact_block : tiled_block;
  t.thr = thr;
  t.tile = lightly_probcover_tile_for (pts->kern);
  g->n_blocks = (pts->n + g->block - 1) / g->block;
  g->adj = g_new0 (GArray *, MAX (g->n_blocks, 1));
  g->start = g_new (guint32, MAX (pts->n, 1));
  g->deg = g_new (guint32, MAX (pts->n, 1));
  if (!exact)
    {
      gsize np = n_panels (pts->n);

      t.panels = g_new (float, np * LIGHTLY_PC_TILE_COLS * pts->dim);
      t.up = g_new0 (GArray *, MAX (g->n_blocks, 1));
      t.up_start = g_new (guint32, MAX (pts->n, 1));
      t.up_len = g_new (guint32, MAX (pts->n, 1));
      if (!lightly_probcover_pack_panels (pts, t.panels, thr))
        ok = lightly_selection_set_cancelled (error);
    }

  /* In slices, so that progress comes from this thread between them; each
   * slice has blocks for every thread. */
  for (done = 0; ok && done < g->n_blocks;)
    {
      gsize slice = MIN (g->n_blocks - done,
                         MAX ((gsize) 4 * MAX (pts->n_threads, 1), g->n_blocks / 32));

      t.block0 = done;
      if (!lightly_points_parallel (pts, slice, fn, &t))
        {
          ok = lightly_selection_set_cancelled (error);
          break;
        }
      if (t.overflow)
        {
          g_set_error (error, LIGHTLY_SELECTION_ERROR, LIGHTLY_SELECTION_ERROR_INVALID_INPUT,
                       "PROBCOVER's graph at δ = %g would hold more than %" G_GSIZE_FORMAT
                       " edges: set a smaller δ", delta, max_edges);
          ok = FALSE;
          break;
        }
      done += slice;
      if (progress != NULL)
        progress ((double) done / (double) g->n_blocks, progress_data);
    }
  if (!exact)
    {
      gsize b;

      if (ok)
        assemble (&t);
      for (b = 0; b < g->n_blocks; b++)
        if (t.up[b] != NULL)
          g_array_free (t.up[b], TRUE);
      g_free (t.up);
      g_free (t.up_start);
      g_free (t.up_len);
      g_free (t.panels);
    }
  g->n_skipped = t.n_skipped;
  g_mutex_clear (&t.lock);
  return ok;
}

static int
cmp_u32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return (x > y) - (x < y);
}

/* g from the graph g2 of the candidates in the order pr->order: the same
 * balls, as original positions, each list increasing. */
static void
unpermute (const LightlyPcPrune *pr, LightlyProbcoverGraph *g2, LightlyProbcoverGraph *g)
{
  gsize n = g2->n, b, i, e;
  g_autofree guint32 *inv = g_new (guint32, MAX (n, 1));

  for (i = 0; i < n; i++)
    inv[pr->order[i]] = (guint32) i;
  g->n = n;
  g->block = g2->block;
  g->n_blocks = g2->n_blocks;
  g->adj = g_new0 (GArray *, MAX (g->n_blocks, 1));
  g->start = g_new (guint32, MAX (n, 1));
  g->deg = g_new (guint32, MAX (n, 1));
  g->n_edges = g2->n_edges;
  g->n_checked = g2->n_checked;
  g->n_double = g2->n_double;
  g->n_skipped = g2->n_skipped;
  for (b = 0; b < g->n_blocks; b++)
    {
      gsize lo = b * g->block, hi = MIN (n, lo + g->block), len = 0;
      guint32 *out;

      for (i = lo; i < hi; i++)
        {
          g->start[i] = (guint32) len;
          g->deg[i] = g2->deg[inv[i]];
          len += g->deg[i];
        }
      g->adj[b] = g_array_sized_new (FALSE, FALSE, sizeof (guint32), (guint) len);
      g_array_set_size (g->adj[b], (guint) len);
      out = (guint32 *) (void *) g->adj[b]->data;
      for (i = lo; i < hi; i++)
        {
          guint32 d;
          const guint32 *nb = lightly_probcover_graph_neighbours (g2, inv[i], &d);
          guint32 *dst = out + g->start[i];

          for (e = 0; e < d; e++)
            dst[e] = pr->order[nb[e]];
          qsort (dst, d, sizeof (guint32), cmp_u32);
        }
    }
}

static int graph_pruning = -1;

void
lightly_probcover_set_graph_pruning (int mode)
{
  graph_pruning = mode;
}

gboolean
lightly_probcover_graph_build (const LightlyPoints            *pts,
                               const double                   *norms,
                               double                          delta,
                               gsize                           max_edges,
                               gboolean                        exact,
                               LightlyProbcoverGraphProgress   progress,
                               gpointer                        progress_data,
                               LightlyProbcoverGraph          *g,
                               GError                        **error)
{
  LightlyPcPrune pr;
  LightlyProbcoverGraph g2 = { 0 };
  LightlyPoints op = *pts;
  g_autofree guint32 *orows = NULL;
  g_autofree double *onorms = NULL;
  gsize i;
  gboolean ok;

  /* Pruning needs the blocked builder's claim (norms ≤ 2¹⁰⁰). */
  if (exact || graph_pruning == 0 || (graph_pruning < 0 && pts->n < PRUNE_MIN_ROWS) ||
      pts->dim == 0 || pts->dim >= ((gsize) 1 << 20))
    return build (pts, norms, delta, max_edges, exact, NULL, progress, progress_data, g, error);
  for (i = 0; i < pts->n; i++)
    if (!isfinite (norms[i]) || norms[i] > 0x1p100)
      return build (pts, norms, delta, max_edges, exact, NULL, progress, progress_data, g, error);
  if (!lightly_pc_prune_init (pts, norms, delta * delta, &pr))
    return build (pts, norms, delta, max_edges, exact, NULL, progress, progress_data, g, error);
  orows = g_new (guint32, pts->n);
  onorms = g_new (double, pts->n);
  for (i = 0; i < pts->n; i++)
    {
      orows[i] = pts->rows[pr.order[i]];
      onorms[i] = norms[pr.order[i]];
    }
  op.rows = orows;
  ok = build (&op, onorms, delta, max_edges, FALSE, &pr, progress, progress_data, &g2, error);
  if (ok)
    unpermute (&pr, &g2, g);
  else
    g->n = pts->n;
  lightly_probcover_graph_clear (&g2);
  lightly_pc_prune_clear (&pr);
  return ok;
}

void
lightly_probcover_graph_clear (LightlyProbcoverGraph *g)
{
  gsize b;

  if (g->adj != NULL)
    for (b = 0; b < g->n_blocks; b++)
      if (g->adj[b] != NULL)
        g_array_free (g->adj[b], TRUE);
  g_free (g->adj);
  g_free (g->start);
  g_free (g->deg);
  memset (g, 0, sizeof *g);
}
