/* lightly-keypoint-private.h: checks and means of flat keypoint arrays
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @where names the instance in messages, such as "Keypoint instance 2 of image 0". */
gboolean lightly_keypoints_check (const double  *values,
                                  gsize          n_values,
                                  const char    *where,
                                  GError       **error);

/* The mean of the confidences; only for n_values ≥ 3. */
double   lightly_keypoints_mean_confidence (const double *values,
                                            gsize         n_values);

G_END_DECLS
