/* lightly-al-plot.h: the learning-curve charts of `lightly-al simulate`
 *
 * The charts are drawn by a module of their own (lightly-al-plot.c, with
 * cairo and fontconfig), which lightly-al-plot-load.c loads when simulate
 * writes them: every other command starts without those libraries.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gmodule.h>
#include <math.h>

G_BEGIN_DECLS

/* One curve: a strategy's accuracy per seed and round (seeds × rounds). */
typedef struct {
  const char   *name;
  gboolean      emphasised;     /* AUTO and its switches: drawn last and thicker */
  const double *acc;
} LightlyAlPlotSeries;

typedef struct {
  const LightlyAlPlotSeries *series;
  guint                      n_series;
  guint                      random_index;    /* RANDOM's series, or ≥ n_series for none */
  const guint               *schedule;        /* the budgets, one per round */
  guint                      n_rounds;
  guint                      n_seeds;
} LightlyAlPlot;

/* Mean and sample sd over the seeds of round @r of @acc (seeds × rounds).
 * Inline: both lightly-al and the plot module use it. */
static inline void
lightly_al_mean_sd (const double *acc,
                    guint         n_seeds,
                    guint         n_rounds,
                    guint         r,
                    double       *mean,
                    double       *sd)
{
  double s = 0, s2 = 0;

  for (guint i = 0; i < n_seeds; i++)
    s += acc[i * n_rounds + r];
  *mean = s / n_seeds;
  for (guint i = 0; i < n_seeds; i++)
    s2 += (acc[i * n_rounds + r] - *mean) * (acc[i * n_rounds + r] - *mean);
  *sd = n_seeds > 1 ? sqrt (s2 / (n_seeds - 1)) : 0.0;
}

/* Writes PREFIX.png and PREFIX.svg: accuracy against labels (log scale)
 * and, with RANDOM, a second panel of points above RANDOM's mean. Loads
 * the plot module; fails with a GError when it cannot. */
gboolean lightly_al_write_plots (const char          *prefix,
                                 const LightlyAlPlot *plot,
                                 const char          *title,
                                 GError             **error);

/* The module's one entry point, found by name; same contract. */
#define LIGHTLY_AL_PLOT_MODULE_SYMBOL "lightly_al_plot_module_write"
typedef gboolean (*LightlyAlPlotWriteFunc) (const char          *prefix,
                                            const LightlyAlPlot *plot,
                                            const char          *title,
                                            GError             **error);
G_MODULE_EXPORT gboolean lightly_al_plot_module_write (const char          *prefix,
                                                       const LightlyAlPlot *plot,
                                                       const char          *title,
                                                       GError             **error);

G_END_DECLS
