/* lightly-al-plot.c: the learning-curve charts of `lightly-al simulate`
 *
 * Drawn with cairo's toy font API, once onto an image surface (PNG) and once
 * onto an SVG surface, so both files show the same chart. Built as a module
 * (lightly-al-plot.so) that only `simulate` loads, through
 * lightly-al-plot-load.c: cairo, pixman, fontconfig and freetype cost every
 * other command several milliseconds of start-up.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <cairo.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "lightly-al-plot.h"

/* ---------------------------------------------------------------------- */
/* Plot                                                                   */

static const double palette[][3] = {
  { 0.85, 0.37, 0.01 },         /* orange */
  { 0.00, 0.45, 0.70 },         /* blue */
  { 0.00, 0.62, 0.45 },         /* green */
  { 0.80, 0.47, 0.65 },         /* purple */
  { 0.34, 0.71, 0.91 },         /* sky */
  { 0.90, 0.62, 0.00 },         /* yellow */
  { 0.40, 0.40, 0.40 },         /* grey */
};

typedef struct {
  double x0, x1, y0, y1;        /* plot area in device units */
  double lmin, lmax;            /* log10 budget range */
  double vmin, vmax;            /* value range */
} Frame;

static double
fx (const Frame *f, double budget)
{
  return f->x0 + (log10 (budget) - f->lmin) / (f->lmax - f->lmin) * (f->x1 - f->x0);
}

static double
fy (const Frame *f, double v)
{
  return f->y1 - (v - f->vmin) / (f->vmax - f->vmin) * (f->y1 - f->y0);
}

/* Panel values: accuracy, or points above RANDOM's mean (delta). */
static void
value_at (const LightlyAlPlot *pl, guint s, guint r, gboolean delta, double *mean, double *sd)
{
  lightly_al_mean_sd (pl->series[s].acc, pl->n_seeds, pl->n_rounds, r, mean, sd);
  if (delta)
    {
      double rm, rsd;

      lightly_al_mean_sd (pl->series[pl->random_index].acc, pl->n_seeds, pl->n_rounds, r, &rm, &rsd);
      *mean = 100 * (*mean - rm);
      *sd = 100 * *sd;
    }
}

static void
show_text_at (cairo_t *cr, double x, double y, double align, const char *text)
{
  cairo_text_extents_t ext;

  cairo_text_extents (cr, text, &ext);
  cairo_move_to (cr, x - align * ext.x_advance, y);
  cairo_show_text (cr, text);
}

static void
colour_of (const LightlyAlPlot *pl, guint s, double rgb[3])
{
  guint c = 0;

  if (s == pl->random_index)
    {
      memcpy (rgb, palette[6], sizeof palette[6]);
      return;
    }
  for (guint i = 0; i < s; i++)
    c += i != pl->random_index;
  memcpy (rgb, palette[c % 6], sizeof palette[0]);
}

/* A series' colour, width (thicker when emphasised) and dash (RANDOM). */
static void
set_pen (cairo_t *cr, const LightlyAlPlot *pl, guint s)
{
  double rgb[3];

  colour_of (pl, s, rgb);
  cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  cairo_set_line_width (cr, pl->series[s].emphasised ? 3.5 : 2);
  if (s == pl->random_index)
    {
      double dash[] = { 6, 4 };

      cairo_set_dash (cr, dash, 2, 0);
    }
}

static void
draw_series (cairo_t *cr, const LightlyAlPlot *pl, const Frame *f, guint s, gboolean delta)
{
  gboolean is_auto = pl->series[s].emphasised;
  guint r;

  set_pen (cr, pl, s);
  for (r = 0; r < pl->n_rounds; r++)
    {
      double m, sd;

      value_at (pl, s, r, delta, &m, &sd);
      if (r == 0)
        cairo_move_to (cr, fx (f, pl->schedule[r]), fy (f, m));
      else
        cairo_line_to (cr, fx (f, pl->schedule[r]), fy (f, m));
    }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  for (r = 0; r < pl->n_rounds; r++)
    {
      double m, sd;

      value_at (pl, s, r, delta, &m, &sd);
      cairo_arc (cr, fx (f, pl->schedule[r]), fy (f, m), is_auto ? 4 : 3, 0, 2 * G_PI);
      cairo_fill (cr);
    }
}

/* Sets @f's value range to cover every mean (and RANDOM's band, or every
 * band without @delta), rounded to a step of the axis: 1, 2 or 5 times a
 * power of ten. Returns the step. */
static double
panel_range (const LightlyAlPlot *pl, Frame *f, gboolean delta)
{
  double lo = delta ? 0 : 1, hi = 0, step, unit;
  guint s, r;

  for (s = 0; s < pl->n_series; s++)
    for (r = 0; r < pl->n_rounds; r++)
      {
        double m, sd;

        value_at (pl, s, r, delta, &m, &sd);
        if (s == pl->random_index || !delta)
          {
            lo = MIN (lo, m - sd);
            hi = MAX (hi, m + sd);
          }
        lo = MIN (lo, m);
        hi = MAX (hi, m);
      }
  unit = (hi - lo) / 5;
  if (!(unit > 0))
    unit = delta ? 1 : 0.01;
  step = pow (10, floor (log10 (unit)));
  if (unit / step > 5)
    step *= 5;
  else if (unit / step > 2)
    step *= 2;
  f->vmin = floor (lo / step) * step;
  f->vmax = ceil (hi / step) * step;
  if (f->vmax <= f->vmin)
    f->vmax = f->vmin + step;
  if (!delta)
    {
      f->vmin = MAX (0, f->vmin);
      f->vmax = MIN (1, f->vmax);
    }
  return step;
}

/* Horizontal grid lines with the y ticks, vertical ones at the budgets (log
 * scale) with the x ticks; x labels that would overlap are left out. */
static void
draw_grid (cairo_t *cr, const LightlyAlPlot *pl, const Frame *f, gboolean delta, double step, gboolean x_labels)
{
  double v, last_right = -1e9;
  char buf[64];

  cairo_set_font_size (cr, 11);
  cairo_set_line_width (cr, 1);
  for (v = f->vmin; v <= f->vmax + step / 2; v += step)
    {
      gboolean zero = delta && fabs (v) < step / 2;

      cairo_set_source_rgb (cr, zero ? 0.55 : 0.88, zero ? 0.55 : 0.88, zero ? 0.55 : 0.88);
      cairo_move_to (cr, f->x0, fy (f, v));
      cairo_line_to (cr, f->x1, fy (f, v));
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0, 0, 0);
      if (delta)
        g_snprintf (buf, sizeof buf, "%+.*f", step < 1 ? 1 : 0, fabs (v) < step / 2 ? 0.0 : v);
      else
        g_snprintf (buf, sizeof buf, "%.*f", step < 0.01 ? 3 : 2, v);
      show_text_at (cr, f->x0 - 8, fy (f, v) + 4, 1.0, buf);
    }
  for (guint r = 0; r < pl->n_rounds; r++)
    {
      double x = fx (f, pl->schedule[r]);
      cairo_text_extents_t ext;

      cairo_set_source_rgb (cr, 0.93, 0.93, 0.93);
      cairo_move_to (cr, x, f->y0);
      cairo_line_to (cr, x, f->y1);
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0, 0, 0);
      cairo_move_to (cr, x, f->y1);
      cairo_line_to (cr, x, f->y1 + 4);
      cairo_stroke (cr);
      g_snprintf (buf, sizeof buf, "%u", pl->schedule[r]);
      cairo_text_extents (cr, buf, &ext);
      if (x_labels && x - ext.x_advance / 2 > last_right + 4)
        {
          show_text_at (cr, x, f->y1 + 17, 0.5, buf);
          last_right = x + ext.x_advance / 2;
        }
    }
}

static void
draw_axes (cairo_t *cr, const Frame *f, const char *y_label)
{
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_set_line_width (cr, 1.2);
  cairo_move_to (cr, f->x0, f->y0);
  cairo_line_to (cr, f->x0, f->y1);
  cairo_line_to (cr, f->x1, f->y1);
  cairo_stroke (cr);
  cairo_set_font_size (cr, 12);
  cairo_save (cr);
  cairo_translate (cr, 24, (f->y0 + f->y1) / 2);
  cairo_rotate (cr, -G_PI / 2);
  show_text_at (cr, 0, 0, 0.5, y_label);
  cairo_restore (cr);
}

/* RANDOM's mean ± sd as a grey band. */
static void
draw_random_band (cairo_t *cr, const LightlyAlPlot *pl, const Frame *f, gboolean delta)
{
  guint r;

  for (r = 0; r < pl->n_rounds; r++)
    {
      double m, sd;

      value_at (pl, pl->random_index, r, delta, &m, &sd);
      if (r == 0)
        cairo_move_to (cr, fx (f, pl->schedule[r]), fy (f, m + sd));
      else
        cairo_line_to (cr, fx (f, pl->schedule[r]), fy (f, m + sd));
    }
  for (r = pl->n_rounds; r-- > 0;)
    {
      double m, sd;

      value_at (pl, pl->random_index, r, delta, &m, &sd);
      cairo_line_to (cr, fx (f, pl->schedule[r]), fy (f, m - sd));
    }
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.25);
  cairo_fill (cr);
}

static void
draw_panel (cairo_t *cr, const LightlyAlPlot *pl, Frame *f, gboolean delta, gboolean x_labels, const char *y_label)
{
  double step = panel_range (pl, f, delta);
  guint s;

  draw_grid (cr, pl, f, delta, step, x_labels);
  draw_axes (cr, f, y_label);
  /* RANDOM's band first, so that the lines stay on top. */
  if (pl->random_index < pl->n_series)
    draw_random_band (cr, pl, f, delta);
  /* AUTO last and thicker: it often coincides with the method it ran. */
  for (s = 0; s < pl->n_series; s++)
    if (!pl->series[s].emphasised)
      draw_series (cr, pl, f, s, delta);
  for (s = 0; s < pl->n_series; s++)
    if (pl->series[s].emphasised)
      draw_series (cr, pl, f, s, delta);
}

static void
draw_plot (cairo_t *cr, double width, double height, const LightlyAlPlot *pl, const char *title)
{
  Frame top, bottom;
  double legend_w = 0, lx, ly;
  gboolean with_delta = pl->random_index < pl->n_series;
  guint s;
  char buf[64];

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 12);
  for (s = 0; s < pl->n_series; s++)
    {
      cairo_text_extents_t ext;

      cairo_text_extents (cr, pl->series[s].name, &ext);
      legend_w = MAX (legend_w, ext.x_advance);
    }
  legend_w = MAX (legend_w, 90) + 56;

  top.x0 = bottom.x0 = 75;
  top.x1 = bottom.x1 = width - legend_w - 10;
  top.lmin = bottom.lmin = log10 (pl->schedule[0]) - 0.08;
  top.lmax = bottom.lmax = log10 (pl->schedule[pl->n_rounds - 1]) + 0.08;
  if (pl->n_rounds == 1)
    {
      top.lmin = bottom.lmin = top.lmin - 0.5;
      top.lmax = bottom.lmax = top.lmax + 0.5;
    }
  top.y0 = 45;
  top.y1 = with_delta ? 45 + (height - 45 - 60) * 0.62 : height - 60;
  bottom.y0 = top.y1 + 30;
  bottom.y1 = height - 60;

  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_set_font_size (cr, 15);
  show_text_at (cr, (top.x0 + top.x1) / 2, 28, 0.5, title);
  draw_panel (cr, pl, &top, FALSE, !with_delta, "test accuracy");
  if (with_delta)
    draw_panel (cr, pl, &bottom, TRUE, TRUE, "points vs RANDOM");
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_set_font_size (cr, 12);
  show_text_at (cr, (top.x0 + top.x1) / 2, height - 22, 0.5, "labeled samples (log scale)");

  /* Legend. */
  lx = top.x1 + 24;
  ly = top.y0 + 10;
  for (s = 0; s < pl->n_series; s++)
    {
      set_pen (cr, pl, s);
      cairo_move_to (cr, lx, ly);
      cairo_line_to (cr, lx + 28, ly);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_set_source_rgb (cr, 0, 0, 0);
      show_text_at (cr, lx + 36, ly + 4, 0, pl->series[s].name);
      ly += 22;
      if (s == pl->random_index)
        {
          cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.25);
          cairo_rectangle (cr, lx, ly - 7, 28, 12);
          cairo_fill (cr);
          cairo_set_source_rgb (cr, 0, 0, 0);
          show_text_at (cr, lx + 36, ly + 4, 0, "RANDOM ± sd");
          ly += 22;
        }
    }
  cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
  cairo_set_font_size (cr, 10);
  g_snprintf (buf, sizeof buf, "mean of %u seeds", pl->n_seeds);
  show_text_at (cr, lx, ly + 6, 0, buf);
}

static gboolean
cairo_ok (cairo_status_t status, const char *path, GError **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s: %s", path,
               cairo_status_to_string (status));
  return FALSE;
}

gboolean
lightly_al_plot_module_write (const char *prefix, const LightlyAlPlot *pl, const char *title, GError **error)
{
  const double w = 900, h = pl->random_index < pl->n_series ? 640 : 540;
  g_autofree char *png = g_strconcat (prefix, ".png", NULL);
  g_autofree char *svg = g_strconcat (prefix, ".svg", NULL);
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) w, (int) h);
  cr = cairo_create (surface);
  draw_plot (cr, w, h, pl, title);
  status = cairo_status (cr);
  cairo_destroy (cr);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png (surface, png);
  cairo_surface_destroy (surface);
  if (!cairo_ok (status, png, error))
    return FALSE;

  surface = cairo_svg_surface_create (svg, w, h);
  cr = cairo_create (surface);
  draw_plot (cr, w, h, pl, title);
  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  /* The toy font API keeps caches (cairo's and fontconfig's) for the life of
   * the process; let leak checkers see a clean exit. */
  cairo_debug_reset_static_data ();
  FcFini ();
  return cairo_ok (status, svg, error);
}

