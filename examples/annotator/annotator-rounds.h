/* annotator-rounds.h: the history of a folder's rounds
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint number;
  GStrv batch;          /* in the order the suggester returned it */
  GStrv predicted;      /* the class name the model predicted per batch image, "" for none */
  GStrv why;            /* per batch image, why the selection picked it ("METHOD utility cluster"), "" unknown */
  GPtrArray *off;       /* char *: images labeled off the suggestion while this round was current */
} AnnotatorRound;

typedef struct _AnnotatorRounds AnnotatorRounds;

AnnotatorRounds *annotator_rounds_new        (void);
void             annotator_rounds_free       (AnnotatorRounds     *rounds);
void             annotator_rounds_load       (AnnotatorRounds     *rounds,
                                              GKeyFile            *kf);
void             annotator_rounds_save       (AnnotatorRounds     *rounds,
                                              GKeyFile            *kf);
AnnotatorRound  *annotator_rounds_add        (AnnotatorRounds     *rounds,
                                              guint                number,
                                              const char * const  *batch,
                                              const char * const  *predicted,
                                              const char * const  *why);
guint            annotator_rounds_get_n      (AnnotatorRounds     *rounds);
AnnotatorRound  *annotator_rounds_get        (AnnotatorRounds     *rounds,
                                              guint                index);
AnnotatorRound  *annotator_rounds_find       (AnnotatorRounds     *rounds,
                                              guint                number);
gboolean         annotator_rounds_in_a_batch (AnnotatorRounds     *rounds,
                                              const char          *name);
void             annotator_round_note_off    (AnnotatorRound      *round,
                                              const char          *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AnnotatorRounds, annotator_rounds_free)

G_END_DECLS
