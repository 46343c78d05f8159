/* lightly-al-plot.h: the learning-curve charts of `lightly-al simulate`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

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

/* Mean and sample sd over the seeds of round @r of @acc (seeds × rounds). */
void     lightly_al_mean_sd     (const double *acc,
                                 guint         n_seeds,
                                 guint         n_rounds,
                                 guint         r,
                                 double       *mean,
                                 double       *sd);

/* Writes PREFIX.png and PREFIX.svg: accuracy against labels (log scale)
 * and, with RANDOM, a second panel of points above RANDOM's mean. */
gboolean lightly_al_write_plots (const char          *prefix,
                                 const LightlyAlPlot *plot,
                                 const char          *title,
                                 GError             **error);

G_END_DECLS
