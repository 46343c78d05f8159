#!/usr/bin/python3
"""The model types (tag, job, query result, dataset, embedding) through PyGObject.

Real instances come from the client and the agent; here the types, their
read-only properties, the job-status enum and the methods are checked as GI
exposes them.
"""
import unittest

import gi
gi.require_version('Lightly', '1.0')
from gi.repository import GObject, Lightly  # noqa: E402

EXPECTED = {
    Lightly.Tag: {
        'id': str, 'dataset-id': str, 'name': str, 'bit-mask-data': str,
        'tot-size': GObject.TYPE_UINT, 'prev-tag-id': str, 'query-tag-id': str,
        'preselected-tag-id': str, 'creator': str, 'created-at': GObject.TYPE_INT64,
        'count': GObject.TYPE_UINT,
    },
    Lightly.Job: {
        'id': str, 'status': Lightly.JobStatus, 'processed': GObject.TYPE_UINT64,
        'total': GObject.TYPE_UINT64, 'error': str, 'result-tag-id': str,
        'created-at': GObject.TYPE_INT64, 'finished-at': GObject.TYPE_INT64,
        'wait-time-till-next-poll': GObject.TYPE_INT,
    },
    Lightly.QueryResult: {
        'skipped': GObject.TYPE_BOOLEAN, 'tag': Lightly.Tag, 'added': GObject.TYPE_STRV,
        'method': Lightly.SamplingMethod, 'batch-size': GObject.TYPE_UINT, 'total': GObject.TYPE_UINT,
        'reason': GObject.TYPE_STRING,
    },
    Lightly.Dataset: {
        'id': str, 'name': str, 'n-samples': GObject.TYPE_UINT,
        'created-at': GObject.TYPE_INT64, 'last-modified-at': GObject.TYPE_INT64,
    },
    Lightly.Embedding: {
        'id': str, 'name': str, 'is-processed': GObject.TYPE_BOOLEAN,
        'created-at': GObject.TYPE_INT64,
    },
}


def gtype_of(t):
    if t is str:
        return GObject.TYPE_STRING
    if isinstance(t, GObject.GType):
        return t
    return t.__gtype__


class ModelTypesTest(unittest.TestCase):
    def test_properties_read_only(self):
        for cls, props in EXPECTED.items():
            with self.subTest(type=cls.__name__):
                self.assertTrue(cls.__gtype__.is_a(GObject.Object))
                names = sorted(p.name for p in cls.list_properties())
                self.assertEqual(names, sorted(props))
                for name, t in props.items():
                    pspec = cls.find_property(name)
                    self.assertIsNotNone(pspec, name)
                    self.assertEqual(pspec.value_type, gtype_of(t), name)
                    self.assertTrue(pspec.flags & GObject.ParamFlags.READABLE, name)
                    self.assertFalse(pspec.flags & GObject.ParamFlags.WRITABLE, name)
                    self.assertFalse(pspec.flags & GObject.ParamFlags.CONSTRUCT_ONLY, name)

    def test_getters_introspected(self):
        for cls, props in EXPECTED.items():
            for name in props:
                getter = 'get_' + name.replace('-', '_')
                with self.subTest(method=f'{cls.__name__}.{getter}'):
                    self.assertTrue(callable(getattr(cls, getter, None)))
        self.assertTrue(callable(Lightly.Job.is_done))

    def test_cannot_set(self):
        tag = Lightly.Tag()
        with self.assertRaises(TypeError):
            tag.props.name = 'mine'
        self.assertIsNone(tag.props.name)
        self.assertEqual(tag.get_count(), 0)

    def test_empty_query_result(self):
        # A bare instance must still hand out a valid (empty) list, not crash.
        result = Lightly.QueryResult()
        self.assertEqual(result.get_added(), [])
        self.assertEqual(result.props.added, [])
        self.assertIsNone(result.get_tag())
        self.assertFalse(result.get_skipped())
        # nothing ran: no method resolved, nothing added
        self.assertEqual(result.get_method(), Lightly.SamplingMethod.AUTO)
        self.assertEqual(result.props.batch_size, 0)
        self.assertEqual(result.get_total(), 0)

    def test_job_status(self):
        names = {
            Lightly.JobStatus.UNKNOWN: 'UNKNOWN', Lightly.JobStatus.WAITING: 'WAITING',
            Lightly.JobStatus.RUNNING: 'RUNNING', Lightly.JobStatus.FINISHED: 'FINISHED',
            Lightly.JobStatus.FAILED: 'FAILED',
        }
        for status, name in names.items():
            self.assertEqual(Lightly.job_status_to_string(status), name)
        self.assertEqual([int(s) for s in names], [0, 1, 2, 3, 4])
        job = Lightly.Job()
        self.assertEqual(job.get_status(), Lightly.JobStatus.UNKNOWN)
        self.assertFalse(job.is_done())


if __name__ == '__main__':
    unittest.main()
