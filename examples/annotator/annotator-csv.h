/* annotator-csv.h: the two-column CSV of labels.csv and of the export
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean annotator_csv_split_pair   (const char  *line,
                                     char       **a,
                                     char       **b);
void     annotator_csv_append_field (GString     *out,
                                     const char  *value);

G_END_DECLS
