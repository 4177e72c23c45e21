import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { binarize, cutCaptcha, defaultCaptchaSettings, labelProblem, otsuThreshold, segmentColumns } from '../../src-core/data/captcha-image.ts';
import { importCaptchaFolder, importSynthCaptchas } from '../../src-core/data/import-captchas.ts';
import { exportLabelsCsv, importLabelsCsv, LabelError, setLabel, setStatus } from '../../src-core/data/labels.ts';
import { openStore } from '../../src-core/store/index.ts';
import { getCaptcha, labelCounts, listCaptchas, nextUnlabelled, redoLabel, undoLabel } from '../../src-core/store/captchas.ts';
import { getDataset } from '../../src-core/store/datasets.ts';
import { openDatabase } from '../../src-core/store/open.ts';
import { tempDir } from '../helpers.ts';
import { writeCaptchaFolder } from './fixtures.ts';

describe('captcha import', () => {
  it('imports readable images with file-name labels and reports every bad file with its reason', async () => {
    const dir = tempDir();
    const { texts } = await writeCaptchaFolder(dir, 30);
    const db = openStore(tempDir());
    const r = await importCaptchaFolder(db, dir, { settings: defaultCaptchaSettings(), labelsFromFilenames: true });
    assert.equal(r.imported, 31, 'the 30 captchas and TOOLONG.png (a readable image, unlabelled)');
    assert.equal(r.labelled, 30);
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.file.split('/').at(-1)!, s.reason]));
    assert.match(reasons['EMPT.png']!, /empty file/);
    assert.match(reasons['TRNC.png']!, /truncated|premature|not a readable image|corrupt|vips/i);
    assert.match(reasons['TEXT.png']!, /not a readable image/);
    assert.match(reasons['BOMB.png']!, /decompression bomb refused: 50000×50000/);
    assert.match(reasons['LOOP.png']!, /symbolic link loop/);
    assert.ok(r.skipped.some((s) => /not valid UTF-8/.test(s.reason)));
    assert.equal(r.skipped.length, 6);
    assert.deepEqual(r.refusedLabels.map((s) => s.file.split('/').at(-1)), ['TOOLONG.png']);
    assert.match(r.refusedLabels[0]!.reason, /has 7 characters; this dataset's captchas have 4/);
    const d = getDataset(db, r.dataset.id);
    assert.equal(d.counts.skipped, 6);
    assert.equal(d.errors.length, 7);
    const rows = listCaptchas(db, r.dataset.id, { status: 'labelled' });
    assert.deepEqual(new Set(rows.map((c) => c.label)), new Set(texts));
    // Tiles of an imported captcha match the synthesiser's own tiles closely (same glyphs, resized and re-binarised).
    assert.equal(rows[0]!.pixels.length, 80 * 20);
    db.close();
  });

  it('takes labels from a CSV or TSV file, and a custom size, length and alphabet', async () => {
    const dir = tempDir();
    const { texts } = await writeCaptchaFolder(dir, 6, 4);
    const csv = join(tempDir(), 'labels.tsv');
    writeFileSync(csv, ['file\tlabel', ...texts.slice(0, 4).map((t, i) => `${t}.${i % 5 === 0 ? 'jpg' : 'png'}\t${t}`)].join('\n'));
    const db = openStore(tempDir());
    const r = await importCaptchaFolder(db, dir, { settings: defaultCaptchaSettings(), labelsFile: csv });
    assert.equal(r.labelled, 4);
    const custom = await importCaptchaFolder(db, dir, {
      settings: { ...defaultCaptchaSettings(2, 'AB'), width: 60, height: 30, segmentation: 'projection' }, labelsFromFilenames: true,
    });
    assert.equal(custom.labelled, 0);
    assert.ok(custom.refusedLabels.every((s) => /characters; this dataset's captchas have 2|not in the alphabet AB/.test(s.reason)));
    assert.equal(listCaptchas(db, custom.dataset.id)[0]!.pixels.length, 60 * 30);
    db.close();
  });
});

describe('captcha preprocessing', () => {
  it('Otsu separates two populations; binarising makes the minority the ink', () => {
    const gray = Uint8Array.from({ length: 100 }, (_, i) => (i < 30 ? 40 + (i % 5) : 200 + (i % 7)));
    const t = otsuThreshold(gray);
    assert.ok(t >= 44 && t < 200, `threshold ${t}`);
    const ink = binarize(gray, 'otsu');
    assert.equal(ink.reduce((a, b) => a + b, 0), 30);
    const inverted = binarize(Uint8Array.from(gray, (v) => 255 - v), 'otsu');
    assert.equal(inverted.reduce((a, b) => a + b, 0), 30, 'light-on-dark gives the same ink');
    assert.equal(binarize(gray, 100).reduce((a, b) => a + b, 0), 30);
  });

  it('projection segmentation cuts in the gaps of unevenly spaced characters; equal cuts do not', () => {
    // 3 "characters" of ink at columns 2–9, 13–15 and 22–28 of a 30-wide image.
    const width = 30;
    const height = 10;
    const ink = new Float32Array(width * height);
    for (const [a, b] of [[2, 9], [13, 15], [22, 28]] as const) for (let y = 0; y < height; y++) for (let x = a; x <= b; x++) ink[y * width + x] = 1;
    const cuts = segmentColumns(ink, width, height, 3, 'projection');
    assert.ok(cuts[1]! >= 10 && cuts[1]! <= 12, `cut ${cuts[1]} between the first and second`);
    assert.ok(cuts[2]! >= 16 && cuts[2]! <= 21, `cut ${cuts[2]} between the second and third`);
    assert.deepEqual(segmentColumns(ink, width, height, 3, 'equal'), [0, 10, 20, 30]);
  });

  it('a thesis-sized captcha cuts into exact 20×20 tiles', () => {
    const gray = Uint8Array.from({ length: 80 * 20 }, (_, i) => ((i % 80) < 20 ? 0 : 255));
    const { tiles } = cutCaptcha(gray, defaultCaptchaSettings());
    assert.equal(tiles.length, 4);
    assert.ok(tiles[0]!.every((v) => v === 1) && tiles[1]!.every((v) => v === 0));
  });

  it('labels are validated against the alphabet and length with the reason', () => {
    const s = defaultCaptchaSettings();
    assert.equal(labelProblem('7K2B', s), null);
    assert.match(labelProblem('7K2', s)!, /has 3 characters/);
    assert.match(labelProblem('7K2I', s)!, /"I", not in the alphabet/);
  });
});

describe('labelling backend', () => {
  async function dataset() {
    const home = tempDir();
    const db = openStore(home);
    const r = await importSynthCaptchas(db, 6, 2, defaultCaptchaSettings());
    return { home, db, id: r.dataset.id, captchas: listCaptchas(db, r.dataset.id) };
  }

  it('refuses a bad label with the reason and writes nothing', async () => {
    const { db, captchas } = await dataset();
    const before = getCaptcha(db, captchas[0]!.id);
    assert.throws(() => setLabel(db, captchas[0]!.id, 'AAIO'), (e: unknown) => e instanceof LabelError && /not in the alphabet/.test(e.message));
    assert.deepEqual(getCaptcha(db, captchas[0]!.id), before);
    db.close();
  });

  it('a saved label is durable: another connection sees it as soon as the call returns', async () => {
    const { home, db, captchas } = await dataset();
    setLabel(db, captchas[2]!.id, 'ZZZZ');
    const other = openDatabase(home, { readonly: true });
    assert.equal((other.prepare('SELECT label FROM captchas WHERE pk = ?').get(captchas[2]!.id) as { label: string }).label, 'ZZZZ');
    other.close();
    db.close();
  });

  it('undo and redo are persisted and survive reopening the store', async () => {
    const { home, db, id, captchas } = await dataset();
    const c = captchas[0]!;
    setLabel(db, c.id, '2345');
    setStatus(db, captchas[1]!.id, 'flagged');
    assert.equal(undoLabel(db, id)!.status, 'labelled', 'flag undone');
    assert.equal(undoLabel(db, id)!.label, c.label, 'label restored');
    db.close();
    const again = openStore(home);
    assert.equal(redoLabel(again, id)!.label, '2345');
    assert.equal(redoLabel(again, id)!.status, 'flagged');
    assert.equal(redoLabel(again, id), null);
    // A new change after an undo discards the redo history.
    undoLabel(again, id);
    setStatus(again, c.id, 'skipped');
    assert.equal(redoLabel(again, id), null);
    again.close();
  });

  it('statuses, counts, next unlabelled and filters', async () => {
    const { db, id, captchas } = await dataset();
    setStatus(db, captchas[1]!.id, 'unlabelled');
    setStatus(db, captchas[3]!.id, 'unlabelled');
    setStatus(db, captchas[4]!.id, 'skipped');
    assert.deepEqual(labelCounts(db, id), { unlabelled: 2, labelled: 3, skipped: 1, flagged: 0, total: 6 });
    assert.equal(nextUnlabelled(db, id)!.id, captchas[1]!.id);
    assert.equal(nextUnlabelled(db, id, captchas[1]!.ordinal)!.id, captchas[3]!.id);
    assert.equal(nextUnlabelled(db, id, captchas[3]!.ordinal)!.id, captchas[1]!.id, 'wraps around');
    assert.deepEqual(listCaptchas(db, id, { status: 'skipped' }).map((c) => c.id), [captchas[4]!.id]);
    const some = captchas[0]!.label!.slice(1, 3);
    assert.ok(listCaptchas(db, id, { labelContains: some }).some((c) => c.id === captchas[0]!.id));
    db.close();
  });

  it('labels export to CSV and import back; a bad row refuses the whole file', async () => {
    const { db, id, captchas } = await dataset();
    const csv = exportLabelsCsv(db, id);
    assert.equal(csv.split('\n')[0], 'file,label,status');
    const file = join(tempDir(), 'labels.csv');
    writeFileSync(file, csv.replace(captchas[0]!.label!, '9999').replace(/,labelled\n$/, ',flagged\n'));
    assert.deepEqual(importLabelsCsv(db, id, file), { applied: 2, unchanged: 4 });
    assert.equal(getCaptcha(db, captchas[0]!.id).label, '9999');
    writeFileSync(file, `file,label\n${captchas[1]!.file},ABCD\n${captchas[2]!.file},AB\nnope.png,ABCD\n`);
    assert.throws(() => importLabelsCsv(db, id, file), (e: unknown) => e instanceof LabelError && /row 3: "AB" has 2 characters/.test(e.message) && /row 4: no captcha "nope.png"/.test(e.message));
    assert.notEqual(getCaptcha(db, captchas[1]!.id).label, 'ABCD', 'nothing applied');
    db.close();
  });
});
