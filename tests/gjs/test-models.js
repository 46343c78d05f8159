// The model types (tag, job, query result, dataset, embedding) through GJS.
// Real instances come from the client and the agent; here the types, their
// read-only properties, the job-status enum and the methods are checked.
import GObject from 'gi://GObject';
import Lightly from 'gi://Lightly?version=1.0';
import {check, test, finish} from './harness.js';

const S = GObject.TYPE_STRING;
const expected = [
    [Lightly.Tag, {
        'id': S, 'dataset-id': S, 'name': S, 'bit-mask-data': S, 'tot-size': GObject.TYPE_UINT,
        'prev-tag-id': S, 'query-tag-id': S, 'preselected-tag-id': S, 'creator': S,
        'created-at': GObject.TYPE_INT64, 'count': GObject.TYPE_UINT,
    }],
    [Lightly.Job, {
        'id': S, 'status': Lightly.JobStatus.$gtype, 'processed': GObject.TYPE_UINT64,
        'total': GObject.TYPE_UINT64, 'error': S, 'result-tag-id': S,
        'created-at': GObject.TYPE_INT64, 'finished-at': GObject.TYPE_INT64,
        'wait-time-till-next-poll': GObject.TYPE_INT,
    }],
    [Lightly.QueryResult, {
        'skipped': GObject.TYPE_BOOLEAN, 'tag': Lightly.Tag.$gtype, 'added': GObject.type_from_name('GStrv'),
        'method': Lightly.SamplingMethod.$gtype, 'batch-size': GObject.TYPE_UINT, 'total': GObject.TYPE_UINT,
        'reason': GObject.TYPE_STRING,
    }],
    [Lightly.Dataset, {
        'id': S, 'name': S, 'n-samples': GObject.TYPE_UINT,
        'created-at': GObject.TYPE_INT64, 'last-modified-at': GObject.TYPE_INT64,
    }],
    [Lightly.Embedding, {
        'id': S, 'name': S, 'is-processed': GObject.TYPE_BOOLEAN, 'created-at': GObject.TYPE_INT64,
    }],
];

test('properties are read-only', () => {
    for (const [klass, props] of expected) {
        const type = klass.$gtype.name;
        const names = GObject.Object.list_properties.call(klass).map(p => p.name).sort();
        check(JSON.stringify(names) === JSON.stringify(Object.keys(props).sort()),
            `${type} properties: ${names}`);
        for (const [name, gtype] of Object.entries(props)) {
            const pspec = GObject.Object.find_property.call(klass, name);
            check(pspec !== null, `${type}:${name} exists`);
            if (pspec === null)
                continue;
            check(gtype !== undefined && pspec.value_type === gtype, `${type}:${name} type ${pspec.value_type}`);
            check((pspec.flags & GObject.ParamFlags.READABLE) !== 0, `${type}:${name} readable`);
            check((pspec.flags & GObject.ParamFlags.WRITABLE) === 0, `${type}:${name} not writable`);
        }
    }
    check(Lightly.Tag.find_property('bit-mask-data').name === 'bit-mask-data', 'static find_property');
});

test('getters are introspected', () => {
    for (const [klass, props] of expected) {
        for (const name of Object.keys(props)) {
            const getter = `get_${name.replaceAll('-', '_')}`;
            check(typeof klass.prototype[getter] === 'function', `${klass.$gtype.name}.${getter}`);
        }
    }
    check(typeof Lightly.Job.prototype.is_done === 'function', 'Job.is_done');
});

test('cannot set', () => {
    const tag = new Lightly.Tag();
    let threw = false;
    try {
        tag.name = 'mine';
    } catch (e) {
        threw = true;
    }
    check(threw, 'setting a read-only property throws');
    check(tag.name === null, 'name unchanged');
    check(tag.get_count() === 0, 'empty tag count');
});

test('empty query result', () => {
    const result = new Lightly.QueryResult();
    check(Array.isArray(result.get_added()) && result.get_added().length === 0, 'get_added empty');
    check(Array.isArray(result.added) && result.added.length === 0, 'added property empty');
    check(result.get_tag() === null, 'no tag');
    check(result.skipped === false, 'not skipped');
    check(result.get_method() === Lightly.SamplingMethod.AUTO, 'nothing resolved');
    check(result.batch_size === 0 && result.get_batch_size() === 0, 'empty batch');
    check(result.total === 0 && result.get_total() === 0, 'zero total');
});

test('job status', () => {
    const names = ['UNKNOWN', 'WAITING', 'RUNNING', 'FINISHED', 'FAILED'];
    names.forEach((name, i) => {
        check(Lightly.JobStatus[name] === i, `JobStatus.${name} = ${i}`);
        check(Lightly.job_status_to_string(Lightly.JobStatus[name]) === name, `to_string ${name}`);
    });
    const job = new Lightly.Job();
    check(job.status === Lightly.JobStatus.UNKNOWN, 'default status');
    check(job.is_done() === false, 'not done');
});

finish();
