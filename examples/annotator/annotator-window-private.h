/* annotator-window-private.h: the window's fields, shared by its files
 *
 *   annotator-window.c          the grid, labeling, undo, review, report
 *   annotator-window-suggest.c  suggesters, opening a folder, export, suggesting
 *   annotator-window-ui.c       building the widgets
 *   annotator-window-report.c   the report for the test script
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib/gi18n.h>
#include <lightly/lightly.h>

#include "annotator-folder.h"
#include "annotator-history.h"
#include "annotator-item.h"
#include "annotator-window.h"

G_BEGIN_DECLS

struct _AnnotatorWindow
{
  GtkApplicationWindow parent_instance;

  AnnotatorPlugins *plugins;
  AnnotatorFolder *folder;
  PeasExtensionSet *suggesters;
  GPtrArray *suggester_infos;       /* PeasPluginInfo, parallel to suggester_names */
  GtkStringList *suggester_names;
  GListStore *items;
  GtkStringList *class_names;       /* "Unlabeled", then "key · name" per class */
  AnnotatorHistory *history;
  gboolean replaying;               /* an undo or redo is being applied: not a new edit */
  guint viewed_round;               /* the round whose batch is in the grid */

  GCancellable *cancellable;        /* the running open or suggestion */
  gboolean busy;
  gboolean close_pending;
  guint pulse_id;
  gint64 busy_since;
  char *progress_text;
  char *message;
  gboolean message_is_error;
  char *last_request;               /* for the report: what the suggester got */
  gboolean embedding;               /* computing the embeddings of a folder */
  gsize embed_done;                 /* the progress the main loop last got, for the report */
  gsize embed_total;
  guint n_embedded;                 /* images the last embedding run took, for the report */
  GStrv unreadable;                 /* "name: reason" per file it could not read */

  GtkWidget *title;
  GtkWidget *subtitle;
  GtkWidget *suggest_button;
  GtkWidget *suggester_dropdown;
  GtkWidget *batch_spin;
  GtkWidget *message_revealer;
  GtkWidget *message_bar;
  GtkWidget *message_label;
  GtkWidget *progress_revealer;
  GtkWidget *progress_bar;
  GtkWidget *progress_label;
  GtkWidget *stack;                 /* "empty", "grid", "preview" */
  GtkWidget *empty_icon;
  GtkWidget *empty_title;
  GtkWidget *empty_text;
  GtkWidget *empty_suggest;
  GtkWidget *flowbox;
  GtkWidget *preview;
  GtkWidget *sidebar;
  GtkWidget *status;
};

/* annotator-window.c */
void            annotator_window_show_error       (AnnotatorWindow *self,
                                                   const char      *what,
                                                   const GError    *error);
void            annotator_window_set_progress_text (AnnotatorWindow *self,
                                                   const char      *text);
void            annotator_window_set_busy         (AnnotatorWindow *self,
                                                   const char      *text);
gboolean        annotator_window_finish_busy      (AnnotatorWindow *self);
void            annotator_window_update_actions   (AnnotatorWindow *self);
void            annotator_window_show_round       (AnnotatorWindow *self,
                                                   guint            number);
void            annotator_window_update_status    (AnnotatorWindow *self);
AnnotatorItem  *annotator_window_selected_item    (AnnotatorWindow *self,
                                                   int             *index);
gboolean        annotator_window_previewing       (AnnotatorWindow *self);
int             annotator_window_per_row          (AnnotatorWindow *self);

/* annotator-window-suggest.c */
PeasPluginInfo *annotator_window_chosen_info      (AnnotatorWindow *self);
void            annotator_window_rebuild_suggesters (AnnotatorWindow *self);
void            annotator_window_loaded_plugins_changed_cb (GObject    *engine,
                                                            GParamSpec *pspec,
                                                            gpointer    user_data);
void            annotator_window_suggester_selected_cb (GObject    *dropdown,
                                                        GParamSpec *pspec,
                                                        gpointer    user_data);
void            annotator_window_batch_size_changed_cb (GtkSpinButton *spin,
                                                        gpointer       user_data);
void            annotator_window_open_folder_activated (GSimpleAction *action,
                                                        GVariant      *parameter,
                                                        gpointer       user_data);
void            annotator_window_open_demo_activated   (GSimpleAction *action,
                                                        GVariant      *parameter,
                                                        gpointer       user_data);
void            annotator_window_suggest_activated     (GSimpleAction *action,
                                                        GVariant      *parameter,
                                                        gpointer       user_data);
void            annotator_window_cancel_activated      (GSimpleAction *action,
                                                        GVariant      *parameter,
                                                        gpointer       user_data);
void            annotator_window_batch_size_activated  (GSimpleAction *action,
                                                        GVariant      *parameter,
                                                        gpointer       user_data);
void            annotator_window_suggester_activated   (GSimpleAction *action,
                                                        GVariant      *parameter,
                                                        gpointer       user_data);
void            annotator_window_export_csv_activated  (GSimpleAction *action,
                                                        GVariant      *parameter,
                                                        gpointer       user_data);
void            annotator_window_plugins_activated     (GSimpleAction *action,
                                                        GVariant      *parameter,
                                                        gpointer       user_data);

/* annotator-window-ui.c */
void            annotator_window_load_css          (void);
void            annotator_window_build_ui          (AnnotatorWindow *self);

G_END_DECLS
