/* lightly-logreg.h: multinomial logistic regression (softmax), L-BFGS fit
 *
 * Private helper (tools/ml, not installed), shared by the demo, `lightly-al
 * simulate` and the annotation app: this one file pair is the classifier.
 *
 * Model: p(c | x) = softmax(W x + b)_c with W (classes × dim), b (classes).
 * Fit minimises the objective of scikit-learn's
 * LogisticRegression(C=1.0, multi_class='multinomial') (its default with
 * lbfgs and more than two classes):
 *     f(W, b) = Σ_i −log p(y_i | x_i) + ‖W‖²_F / (2C)
 * (a sum over samples, the intercept b not penalised), by L-BFGS (Nocedal &
 * Wright, Numerical Optimization, Alg. 7.4/7.5: two-loop recursion with
 * m = 10 pairs, initial Hessian γ = sᵀy / yᵀy, backtracking Armijo line
 * search, pairs with sᵀy ≤ 10⁻¹⁰ skipped) until max |∇f| ≤ gtol.
 * Everything is double and single-threaded, so fits are deterministic.
 *
 * Normalisation: with options.normalize (the default) the FUNCTIONS
 * L2-normalise every input row (in a private copy; a zero row stays zero),
 * in fit, predict_proba, accuracy and objective alike, so callers pass raw
 * embeddings. With normalize = FALSE the rows are used as given.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * LightlyLogregOptions:
 * @c: inverse regularisation strength C (> 0), default 1.0
 * @gtol: convergence when the largest gradient component (of the summed
 *   objective) is ≤ @gtol, default 1e-4 (scikit-learn's `tol`)
 * @ftol: also stop when an iteration lowers f by at most @ftol relative to
 *   max(|f|, 1), default 64 ε (scikit-learn's setting); 0 disables it
 * @max_iter: iteration cap, default 1000
 * @history: L-BFGS pairs kept, default 10
 * @normalize: L2-normalise input rows, default TRUE
 */
typedef struct {
  double   c;
  double   gtol;
  double   ftol;
  guint    max_iter;
  guint    history;
  gboolean normalize;
} LightlyLogregOptions;

/**
 * LightlyLogreg:
 * @dim: input features
 * @n_classes: classes
 * @normalize: whether inputs are L2-normalised (copied from the options)
 * @weights: n_classes × dim, row-major
 * @intercepts: n_classes
 * @n_iter: L-BFGS iterations used
 * @objective: f at the solution
 * @grad_max: max |∇f| at the solution
 * @converged: whether grad_max ≤ gtol was reached
 */
typedef struct {
  guint    dim;
  guint    n_classes;
  gboolean normalize;
  double  *weights;
  double  *intercepts;
  guint    n_iter;
  double   objective;
  double   grad_max;
  gboolean converged;
} LightlyLogreg;

void           lightly_logreg_options_init  (LightlyLogregOptions        *options);

/* Fits on the @n × @dim row-major @x with labels @y in [0, n_classes).
 * @options may be NULL for the defaults. Bad shapes, labels out of range,
 * non-finite values or bad options → NULL and LIGHTLY_ERROR_INVALID_INPUT.
 * Not reaching gtol within max_iter is not an error: see converged. */
LightlyLogreg *lightly_logreg_fit           (const float                 *x,
                                             gsize                        n,
                                             guint                        dim,
                                             const guint                 *y,
                                             guint                        n_classes,
                                             const LightlyLogregOptions  *options,
                                             GError                     **error);

/* Writes n × n_classes probabilities (rows sum to 1) to @proba. */
void           lightly_logreg_predict_proba (const LightlyLogreg         *model,
                                             const float                 *x,
                                             gsize                        n,
                                             double                      *proba);

/* Writes the most probable class (lowest index on ties) to @labels. */
void           lightly_logreg_predict       (const LightlyLogreg         *model,
                                             const float                 *x,
                                             gsize                        n,
                                             guint                       *labels);

/* Fraction of the @n rows whose predicted class equals @y (0 when n is 0). */
double         lightly_logreg_accuracy      (const LightlyLogreg         *model,
                                             const float                 *x,
                                             gsize                        n,
                                             const guint                 *y);

/* The fit objective f at @model for the data, with inverse regularisation
 * @c; when @grad is not NULL also ∇f as n_classes × (dim + 1) (each row: the
 * class's weights, then its intercept). For tests and diagnostics. */
double         lightly_logreg_objective     (const LightlyLogreg         *model,
                                             const float                 *x,
                                             gsize                        n,
                                             const guint                 *y,
                                             double                       c,
                                             double                      *grad);

void           lightly_logreg_free          (LightlyLogreg               *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LightlyLogreg, lightly_logreg_free)

G_END_DECLS
