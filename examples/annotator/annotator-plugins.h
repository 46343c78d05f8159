/* annotator-plugins.h: the libpeas engine, the ABI check and the plugins dialog
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <libpeas/peas.h>

G_BEGIN_DECLS

#define ANNOTATOR_TYPE_PLUGINS (annotator_plugins_get_type ())
G_DECLARE_FINAL_TYPE (AnnotatorPlugins, annotator_plugins, ANNOTATOR, PLUGINS, GObject)

AnnotatorPlugins *annotator_plugins_new              (const char       *config_path);
PeasEngine       *annotator_plugins_get_engine       (AnnotatorPlugins *self);
gboolean          annotator_plugins_check_abi        (PeasPluginInfo   *info,
                                                      char            **reason);
PeasPluginInfo   *annotator_plugins_find             (AnnotatorPlugins *self,
                                                      const char       *module_name);
gboolean          annotator_plugins_set_enabled      (AnnotatorPlugins *self,
                                                      PeasPluginInfo   *info,
                                                      gboolean          enabled,
                                                      GError          **error);
GPtrArray        *annotator_plugins_list_suggesters  (AnnotatorPlugins *self);
const char       *annotator_plugins_get_preferred    (AnnotatorPlugins *self);
void              annotator_plugins_set_preferred    (AnnotatorPlugins *self,
                                                      const char       *module_name);
char             *annotator_plugins_describe         (AnnotatorPlugins *self);

GtkWidget        *annotator_plugins_dialog_new       (AnnotatorPlugins *self,
                                                      GtkWindow        *parent);

G_END_DECLS
