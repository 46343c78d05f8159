/* test-worker-context.c: the default workers of LightlyEmbedder and
 * LightlyBatchSuggester keep the caller's main context alive while they
 * still use it
 *
 * Each default worker hands its result to the caller's context with an idle
 * source: g_source_attach(), then g_source_unref(). Once attached, the
 * caller's thread may run the idle, finish the call and drop the last
 * reference on its context (a blocking call's private one) while the
 * worker is still inside g_source_unref(), which reads the source's
 * context and then locks it and unlinks the source from it: writes into
 * freed memory (GLib criticals, aborts and hangs when blocking calls run
 * in a loop under load; the likely cause of the one "corrupted
 * double-linked list" abort of test-embed-plugin). The window is a few
 * instructions wide, so this program widens it: it replaces
 * g_source_unref() (the executable's definition comes before GLib's) and,
 * for the worker's result source only, waits there until the blocking call
 * has returned. The caller's context must still exist then.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include "config.h"

#include <dlfcn.h>
#include <string.h>

#include <lightly/lightly.h>

/* ---------------------------------------------------------------------------
 * The gate in g_source_unref()
 * ------------------------------------------------------------------------- */

typedef struct {
  GMutex lock;
  GCond cond;
  const char *name;         /* the result source to hold, NULL: none */
  GThread *caller;
  gboolean call_returned;   /* the blocking call is back in the caller */
  gboolean checked;         /* the worker reached its g_source_unref() */
  gboolean context_alive;   /* the source's context still existed then */
} Gate;

static Gate gate;

/* Waits on the gate's condition until *flag is set or 5 s have passed;
 * the gate's lock is held. */
static gboolean
gate_wait (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  while (!*flag)
    if (!g_cond_wait_until (&gate.cond, &gate.lock, deadline))
      break;
  return *flag;
}

void
g_source_unref (GSource *source)
{
  static gpointer real;
  void (*real_unref) (GSource *);
  const char *name = g_source_get_name (source);

  /* Every thread looks up the same address: a race here is harmless. */
  if (g_atomic_pointer_get (&real) == NULL)
    g_atomic_pointer_set (&real, dlsym (RTLD_NEXT, "g_source_unref"));
  real_unref = (void (*) (GSource *)) g_atomic_pointer_get (&real);

  g_mutex_lock (&gate.lock);
  if (gate.name != NULL && name != NULL && strcmp (name, gate.name) == 0 &&
      g_thread_self () != gate.caller)
    {
      gate_wait (&gate.call_returned);
      /* A finalized GMainContext sets the context of every source it still
       * lists to NULL: this one is still listed, because the worker's
       * reference keeps it. */
      gate.context_alive = source->context != NULL;
      gate.checked = TRUE;
      g_cond_broadcast (&gate.cond);
    }
  g_mutex_unlock (&gate.lock);
  real_unref (source);
}

static void
gate_arm (const char *name)
{
  g_mutex_lock (&gate.lock);
  gate.name = name;
  gate.caller = g_thread_self ();
  gate.call_returned = FALSE;
  gate.checked = FALSE;
  gate.context_alive = FALSE;
  g_mutex_unlock (&gate.lock);
}

/* Called when the blocking call has returned: lets the worker go on and
 * waits until it has looked at its source. */
static void
gate_release_and_check (void)
{
  gboolean checked;

  g_mutex_lock (&gate.lock);
  gate.call_returned = TRUE;
  g_cond_broadcast (&gate.cond);
  checked = gate_wait (&gate.checked);
  gate.name = NULL;
  g_mutex_unlock (&gate.lock);
  g_assert_true (checked);
  g_assert_true (gate.context_alive);
}

/* ---------------------------------------------------------------------------
 * An embedder and a suggester with the synchronous vfunc only, so the
 * default worker runs them
 * ------------------------------------------------------------------------- */

#define TEST_TYPE_EMBEDDER (test_embedder_get_type ())
G_DECLARE_FINAL_TYPE (TestEmbedder, test_embedder, TEST, EMBEDDER, GObject)

struct _TestEmbedder
{
  GObject parent_instance;
};

static LightlyEmbedderResult *
test_embedder_embed (LightlyEmbedder  *embedder,
                     GFile            *folder,
                     GCancellable     *cancellable,
                     GError          **error)
{
  const char * const names[] = { "a.png", "b.png", NULL };
  const float values[2] = { 1, 2 };
  g_autoptr(GBytes) rows = g_bytes_new (values, sizeof values);

  return lightly_embedder_result_new (names, rows, 1, NULL, error);
}

static void
test_embedder_iface_init (LightlyEmbedderInterface *iface)
{
  iface->embed = test_embedder_embed;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestEmbedder, test_embedder, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LIGHTLY_TYPE_EMBEDDER, test_embedder_iface_init))

static void test_embedder_class_init (TestEmbedderClass *klass) { }
static void test_embedder_init (TestEmbedder *self) { }

#define TEST_TYPE_SUGGESTER (test_suggester_get_type ())
G_DECLARE_FINAL_TYPE (TestSuggester, test_suggester, TEST, SUGGESTER, GObject)

struct _TestSuggester
{
  GObject parent_instance;
  LightlySuggestContext *context;
};

static char **
test_suggester_suggest (LightlyBatchSuggester  *suggester,
                        LightlySuggestRequest  *request,
                        GCancellable           *cancellable,
                        GError                **error)
{
  return g_strsplit ("a.png", ",", -1);
}

static void
test_suggester_iface_init (LightlyBatchSuggesterInterface *iface)
{
  iface->suggest = test_suggester_suggest;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestSuggester, test_suggester, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (LIGHTLY_TYPE_BATCH_SUGGESTER, test_suggester_iface_init))

static void
test_suggester_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  g_value_set_object (value, TEST_SUGGESTER (object)->context);
}

static void
test_suggester_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TestSuggester *self = TEST_SUGGESTER (object);

  g_clear_object (&self->context);
  self->context = g_value_dup_object (value);
}

static void
test_suggester_finalize (GObject *object)
{
  g_clear_object (&TEST_SUGGESTER (object)->context);
  G_OBJECT_CLASS (test_suggester_parent_class)->finalize (object);
}

static void
test_suggester_class_init (TestSuggesterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_suggester_get_property;
  object_class->set_property = test_suggester_set_property;
  object_class->finalize = test_suggester_finalize;
  g_object_class_override_property (object_class, 1, "context");
}

static void test_suggester_init (TestSuggester *self) { }

/* ---------------------------------------------------------------------------
 * The tests
 * ------------------------------------------------------------------------- */

static void
test_embedder_blocking (void)
{
  g_autoptr(TestEmbedder) embedder = g_object_new (TEST_TYPE_EMBEDDER, NULL);
  g_autoptr(GFile) folder = g_file_new_for_path ("never-read");
  g_autoptr(LightlyEmbedderResult) result = NULL;
  g_autoptr(GError) error = NULL;

  gate_arm ("[lightly] embedder result");
  result = lightly_embedder_embed (LIGHTLY_EMBEDDER (embedder), folder, NULL, &error);
  gate_release_and_check ();
  g_assert_no_error (error);
  g_assert_cmpuint (lightly_embedder_result_get_n_rows (result), ==, 2);
}

static void
test_suggester_blocking (void)
{
  const char * const labeled[] = { NULL };
  g_autoptr(TestSuggester) suggester = g_object_new (TEST_TYPE_SUGGESTER, NULL);
  g_autoptr(LightlySuggestRequest) request = lightly_suggest_request_new (1, labeled, NULL);
  g_auto(GStrv) names = NULL;
  g_autoptr(GError) error = NULL;

  gate_arm ("[lightly] suggester result");
  names = lightly_batch_suggester_suggest (LIGHTLY_BATCH_SUGGESTER (suggester), request, NULL,
                                           &error);
  gate_release_and_check ();
  g_assert_no_error (error);
  g_assert_cmpstr (names[0], ==, "a.png");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/worker-context/embedder", test_embedder_blocking);
  g_test_add_func ("/worker-context/suggester", test_suggester_blocking);
  return g_test_run ();
}
