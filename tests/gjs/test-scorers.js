// Scores, scorers and their inputs through GJS (protocol.md §6).
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Lightly from 'gi://Lightly?version=1.0';
import {check, checkThrows, test, finish} from './harness.js';

const CLASSIFICATION_NAMES = ['uncertainty_least_confidence', 'uncertainty_margin', 'uncertainty_entropy'];
const INVALID = Lightly.Error.INVALID_INPUT;

function close(got, want, eps, what) {
    check(got.length === want.length, `${what}: length ${got.length} != ${want.length}`);
    for (let i = 0; i < want.length; i++)
        check(Math.abs(got[i] - want[i]) <= eps, `${what}[${i}]: ${got[i]} != ${want[i]}`);
}

function sameNames(got, want, what) {
    check(JSON.stringify(got) === JSON.stringify(want), `${what}: ${JSON.stringify(got)}`);
}

function throwsMessage(fn, code, needle, what) {
    try {
        fn();
        check(false, `${what}: did not throw`);
    } catch (e) {
        check(e.matches !== undefined && e.matches(Lightly.error_quark(), code), `${what}: threw ${e}`);
        check(String(e.message).includes(needle), `${what}: “${e.message}” lacks “${needle}”`);
    }
}

function f32Bytes(values) {
    const f = new Float32Array(values);
    return new GLib.Bytes(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
}

const JsScorer = GObject.registerClass(
class JsScorer extends Lightly.Scorer {
    _init(values) {
        super._init();
        this._values = values;
        this.calls = 0;
    }

    vfunc_calculate_scores() {
        this.calls++;
        const scores = Lightly.Scores.new(this._values.length);
        scores.add('js_score', this._values);
        return scores;
    }
});

const ThrowingScorer = GObject.registerClass(
class ThrowingScorer extends Lightly.Scorer {
    vfunc_calculate_scores() {
        throw new GLib.Error(Lightly.error_quark(), Lightly.Error.NOT_INITIALIZED, 'my model is not loaded');
    }
});

const BadDataScorer = GObject.registerClass(
class BadDataScorer extends Lightly.Scorer {
    vfunc_calculate_scores() {
        const scores = Lightly.Scores.new(2);
        scores.add('bad', [0.5, NaN]);
        return scores;
    }
});

const NullScorer = GObject.registerClass(
class NullScorer extends Lightly.Scorer {
    vfunc_calculate_scores() {
        return null;
    }
});

test('scores', () => {
    const scores = Lightly.Scores.new(3);
    check(scores.get_n_samples() === 3, 'n_samples');
    check(scores.add('second', [0.1, 0.2, 0.3]) === true, 'add returns true');
    scores.add('first', [1.0, 0.0, 0.5]);
    sameNames(scores.dup_names(), ['second', 'first'], 'names in insertion order');
    check(scores.contains('first') && !scores.contains('third'), 'contains');
    close(scores.get_values('second'), [0.1, 0.2, 0.3], 0, 'get_values');
    const bytes = scores.dup_values_bytes('first').toArray();
    const f64 = new Float64Array(bytes.buffer, bytes.byteOffset, 3);
    close(Array.from(f64), [1.0, 0.0, 0.5], 0, 'float64 bytes');
    throwsMessage(() => scores.add('short', [0.1]), INVALID, '1 values', 'length');
    throwsMessage(() => scores.add('nan', [0.1, NaN, 0.3]), INVALID, 'index 1', 'NaN');
    throwsMessage(() => scores.add('bad name', [0, 0, 0]), INVALID, 'bad name', 'name');
    throwsMessage(() => scores.add('first', [0, 0, 0]), INVALID, 'exists already', 'duplicate');
    check(scores.get_n_names() === 2, 'failed adds add nothing');
    const viaProps = new Lightly.Scores({n_samples: 4});
    check(viaProps.get_n_samples() === 4, 'construct property');
});

test('JS subclass called from C', () => {
    const scorer = new JsScorer([0.25, 0.75]);
    const scores = Lightly.Scorer.prototype.calculate_scores.call(scorer);
    check(scorer.calls === 1, 'vfunc called once');
    sameNames(scores.dup_names(), ['js_score'], 'names');
    close(scores.get_values('js_score'), [0.25, 0.75], 0, 'values');
    close(scorer.calculate_scores().get_values('js_score'), [0.25, 0.75], 0, 'method form');
    check(scorer.calls === 2, 'vfunc called twice');
    checkThrows(() => new ThrowingScorer().calculate_scores(),
        Lightly.error_quark(), Lightly.Error.NOT_INITIALIZED, 'thrown GLib.Error');
    throwsMessage(() => new BadDataScorer().calculate_scores(), INVALID, 'index 1', 'bad data');
    throwsMessage(() => new NullScorer().calculate_scores(), Lightly.Error.FAILED,
        'no scores and no error', 'null');
});

test('classification', () => {
    const rows = [[0.7, 0.2, 0.1], [0.4, 0.5, 0.1], [0.3, 0.3, 0.4]];
    const norm = [[0.45, 0.75, 0.9], [0.5, 0.9, 0.9], [0.7298466992, 0.8586727111, 0.9911594714]];
    const raw = [[0.3, 0.5, 0.6], [0.5, 0.9, 0.9], [1.1567796494, 1.3609640474, 1.5709505945]];
    const flat = rows.flat();

    const scorer = Lightly.ScorerClassification.new(flat, 3, 3);
    check(scorer.normalize === true, 'normalize defaults to true');
    let scores = scorer.calculate_scores();
    sameNames(scores.dup_names(), CLASSIFICATION_NAMES, 'names');
    CLASSIFICATION_NAMES.forEach((n, k) => close(scores.get_values(n), norm[k], 1e-9, n));
    scorer.normalize = false;
    scores = scorer.calculate_scores();
    CLASSIFICATION_NAMES.forEach((n, k) => close(scores.get_values(n), raw[k], 1e-9, `raw ${n}`));

    const scorer32 = Lightly.ScorerClassification.new_from_bytes(f32Bytes(flat), 3, 3);
    scores = scorer32.calculate_scores();
    CLASSIFICATION_NAMES.forEach((n, k) => close(scores.get_values(n), norm[k], 1e-6, `f32 ${n}`));

    const binary = Lightly.ScorerClassification.new([0.7, 0.4], 2, 1).calculate_scores();
    close(binary.get_values('uncertainty_entropy'), [0.8812908992, 0.9709505945], 1e-9, 'binary');

    throwsMessage(() => Lightly.ScorerClassification.new([0.5, 0.5, 0.5], 2, 2), INVALID,
        '3 prediction values', 'shape');
    throwsMessage(() => Lightly.ScorerClassification.new([], 2, 0), INVALID, 'empty dimension 1', 'C = 0');
    throwsMessage(() => Lightly.ScorerClassification.new_from_bytes(f32Bytes([1, 2, 3]), 2, 2), INVALID,
        '12 bytes', 'byte size');
    sameNames(Lightly.ScorerClassification.get_score_names(), CLASSIFICATION_NAMES, 'static names');
});

test('object detection', () => {
    const box = Lightly.BoundingBox.new(0.1, 0.1, 0.9, 0.9, true);
    check(Math.abs(box.get_area() - 0.64) < 1e-12, 'area');
    const clipped = Lightly.BoundingBox.new(-1, 0.5, 0.5, 2, true);
    check(clipped.x0 === 0 && clipped.y1 === 1, 'clip');
    const yolo = Lightly.BoundingBox.new_from_yolo_label(0.5, 0.5, 0.2, 0.4);
    check(Math.abs(yolo.y0 - 0.3) < 1e-12, 'yolo');
    throwsMessage(() => Lightly.BoundingBox.new(0.5, 0.5, 0.5, 0.9, true), INVALID, 'x0=0.5', 'empty box');

    const o1 = Lightly.ObjectDetectionOutput.new([box, box, box], [0.9, 0.8, 0.5],
        [0.7, 0.2, 0.1, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8], 3);
    sameNames(o1.get_labels(), [0, 0, 2], 'labels');
    close(o1.get_scores(), [0.63, 0.48, 0.4], 1e-12, 'box scores');
    check(o1.get_box(1).x1 === 0.9, 'get_box');
    const o2 = Lightly.ObjectDetectionOutput.new([box], [0.5], [0.5, 0.5, 0.0], 3);
    const o3 = Lightly.ObjectDetectionOutput.new([], [], [], 0);
    const scorer = Lightly.ScorerObjectDetection.new([o1, o2, o3]);
    check(scorer.frequency_penalty === 0.25 && scorer.min_score === 0.9, 'defaults');
    const scores = scorer.calculate_scores();
    sameNames(scores.dup_names(), Lightly.ScorerObjectDetection.get_score_names(), 'names');
    close(scores.get_values('object_frequency'), [1.0, 0.9444444444, 0.9], 1e-9, 'object_frequency');
    close(scores.get_values('objectness_least_confidence'), [0.4966666667, 0.75, 0.0], 1e-9, 'objectness');
    close(scores.get_values('uncertainty_least_confidence'), [0.6, 0.75, 0], 1e-9, 'lc');
    close(scores.get_values('uncertainty_margin'), [0.7, 1.0, 0], 1e-9, 'margin');
    close(scores.get_values('uncertainty_entropy'), [0.8173454221, 0.6309297536, 0], 1e-9, 'entropy');

    const fromScores = Lightly.ObjectDetectionOutput.new_from_scores([box, box], [0.8, 0.3], [0, 2]);
    close(fromScores.get_class_probabilities(), [0.8, 0.1, 0.1, 0.35, 0.35, 0.3], 1e-12, 'from_scores');
    throwsMessage(() => Lightly.ObjectDetectionOutput.new([box, box], [0.5], [0.5, 0.5, 0.5, 0.5], 2),
        INVALID, '2 boxes but 1', 'lengths');
    throwsMessage(() => Lightly.ScorerObjectDetection.new([]), INVALID, 'at least one output', 'empty');
});

test('semantic segmentation', () => {
    const probs = [0.9, 0.1, 0.5, 0.5, 0.2, 0.8, 1, 0];
    const scorer = Lightly.ScorerSemanticSegmentation.new();
    check(scorer.calculate_scores().get_n_names() === 0, 'no images, no names');
    scorer.add_image(probs, 2, 2, 2);
    scorer.add_image_from_bytes(f32Bytes(probs), 2, 2, 2);
    const scores = scorer.calculate_scores();
    close(scores.get_values('uncertainty_least_confidence'), [0.4, 0.4], 1e-6, 'lc');
    close(scores.get_values('uncertainty_margin'), [0.4, 0.4], 1e-6, 'margin');
    close(scores.get_values('uncertainty_entropy'), [0.5477309221, 0.5477309221], 1e-6, 'entropy');
    close([scores.get_values('uncertainty_entropy')[0]], [0.5477309221], 1e-9, 'entropy f64');
    throwsMessage(() => scorer.add_image_from_bytes(f32Bytes(probs), 2, 2, 1), INVALID, '32 bytes', 'bytes');
});

test('keypoints', () => {
    const inst = v => Lightly.KeypointInstance.new(v);
    const scorer = Lightly.ScorerKeypointDetection.new();
    scorer.add_image([inst([0, 0, 0.1, 1, 1, 0.2]), inst([0, 0, 0.1, 1, 1, 0.3])]);
    scorer.add_image([inst([0, 0, 0.1, 1, 1, 0.2])]);
    scorer.add_image([]);
    scorer.add_image([inst([]), inst([3, 4, 0.9])]);
    scorer.add_image_flat([0, 0, 1.0, 1, 1, 1.0, 2, 2, 1.0], [9]);
    close(scorer.calculate_scores().get_values('mean_uncertainty'), [0.825, 0.85, 0, 0.1, 0], 1e-9, 'table');
    throwsMessage(() => inst([0, 0, 0.5, 1]), INVALID, 'multiple of 3', '%3');
    throwsMessage(() => inst([0, 0, 1.5]), INVALID, '1.5', 'confidence');
    throwsMessage(() => scorer.add_image_flat([0, 0, 0.5, 0, 0, NaN], [3, 3]), INVALID,
        'instance 1 of image 5', 'flat');
});

test('ensemble: BALD, variation ratio and predictive entropy (numpy vectors)', () => {
    const probs = [
        1, 0, 0, 0.5, 0.5, 0, 0.2, 0.3, 0.5, 0.9, 0.05, 0.05,
        1, 0, 0, 0, 0.5, 0.5, 0.2, 0.3, 0.5, 0.05, 0.9, 0.05,
        1, 0, 0, 0.5, 0, 0.5, 0.2, 0.3, 0.5, 0.05, 0.05, 0.9,
    ];
    const scorer = Lightly.ScorerEnsemble.new_from_bytes(f32Bytes(probs), 3, 4, 3);
    const scores = scorer.calculate_scores();
    sameNames(scores.dup_names(), ['uncertainty_bald', 'uncertainty_variation_ratio',
        'uncertainty_predictive_entropy'], 'names');
    close(scores.get_values('uncertainty_bald'), [0, 0.3690702464285425, 0, 0.6410037503534697], 1e-6, 'bald');
    close(scores.get_values('uncertainty_variation_ratio'), [0, 0.5, 0, 1], 1e-9, 'vr');
    close(scores.get_values('uncertainty_predictive_entropy'), [0, 1, 0.9372305632161296, 1], 1e-6, 'entropy');
    throwsMessage(() => Lightly.ScorerEnsemble.new([0.5, 0.5], 0, 1, 2), INVALID, 'at least one member', 'T = 0');
});

finish();
