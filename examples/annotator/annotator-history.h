/* annotator-history.h: undo and redo of labels
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _AnnotatorHistory AnnotatorHistory;

AnnotatorHistory *annotator_history_new     (void);
void              annotator_history_free    (AnnotatorHistory  *history);
void              annotator_history_clear   (AnnotatorHistory  *history);
void              annotator_history_push    (AnnotatorHistory  *history,
                                             const char        *name,
                                             int                before,
                                             int                after);
gboolean          annotator_history_undo    (AnnotatorHistory  *history,
                                             char             **name,
                                             int               *label);
gboolean          annotator_history_redo    (AnnotatorHistory  *history,
                                             char             **name,
                                             int               *label);
guint             annotator_history_get_n_undo (AnnotatorHistory *history);
guint             annotator_history_get_n_redo (AnnotatorHistory *history);

G_END_DECLS
