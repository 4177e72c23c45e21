import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers.ts';
import { writeCaptchaFolder, writeCeleba } from '../datasets/fixtures.ts';

const BIN = fileURLToPath(new URL('../../bin/gan-workbench.mjs', import.meta.url));

function cli(args: string[], home: string) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--home', home], { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('gan-workbench dataset, labels and recognizer commands', () => {
  it('imports captchas, exports and re-imports labels, trains the recogniser, and a GAN trains on the dataset', async () => {
    const home = tempDir();
    const dir = tempDir();
    await writeCaptchaFolder(dir, 40, 6);
    const imported = JSON.parse(cli(['dataset', 'import-captchas', dir, '--labels-from-filenames', '--json'], home).out) as
      { dataset: number; imported: number; labelled: number; skipped: { reason: string }[] };
    assert.deepEqual([imported.imported, imported.labelled, imported.skipped.length], [41, 40, 6]);
    const synth = JSON.parse(cli(['dataset', 'synth-captchas', '--count', '60', '--seed', '3', '--json'], home).out) as { dataset: number };
    const list = JSON.parse(cli(['dataset', 'list', '--json'], home).out) as { id: number; kind: string }[];
    assert.deepEqual(list.map((d) => [d.id, d.kind]), [[imported.dataset, 'captcha'], [synth.dataset, 'captcha']]);
    const shown = JSON.parse(cli(['dataset', 'show', String(imported.dataset), '--json'], home).out) as { labels: { labelled: number; unlabelled: number } };
    assert.deepEqual([shown.labels.labelled, shown.labels.unlabelled], [40, 1]);

    const csv = join(home, 'labels.csv');
    assert.equal(cli(['labels', 'export', String(imported.dataset), '--out', csv], home).code, 0);
    const text = readFileSync(csv, 'utf8');
    writeFileSync(csv, text.replace(/^TOOLONG\.png,,unlabelled$/m, 'TOOLONG.png,,skipped'));
    assert.match(cli(['labels', 'import', String(imported.dataset), csv], home).out, /1 labels applied, 40 unchanged/);
    writeFileSync(csv, 'file,label\nTOOLONG.png,TOOLONG\n');
    const refused = cli(['labels', 'import', String(imported.dataset), csv], home);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /row 2: "TOOLONG" has 7 characters/);

    const preview = join(home, 'cut.png');
    assert.equal(cli(['dataset', 'preview', String(imported.dataset), '--out', preview], home).code, 0);
    assert.deepEqual([...readFileSync(preview).subarray(1, 4)], [0x50, 0x4e, 0x47]);

    const trained = cli(['recognizer', 'train', '--dataset', String(synth.dataset), '--model', 'lenet', '--steps', '60', '--json'], home);
    assert.equal(trained.code, 0, trained.err);
    const result = JSON.parse(trained.out.trim().split('\n').at(-1)!) as { characterAccuracy: number; captchaAccuracy: number; confusion: number[][] };
    assert.ok(result.characterAccuracy >= 0 && result.characterAccuracy <= 1 && result.confusion.length === 32);
    assert.match(cli(['recognizer', 'prelabel', '--dataset', String(synth.dataset)], home).out, /0 unlabelled captchas pre-labelled/);

    const gan = cli(['train', '--preset', 'captcha-wdcgan-label', '--data', String(synth.dataset), '--steps', '1', '--batch', '8', '--json'], home);
    assert.equal(gan.code, 0, gan.err);
    assert.match(gan.out, /"data":"240 tiles of 60 captchas from dataset/);
    // A folder straight from disk (no import) also trains, its bad files reported as warnings.
    const folder = cli(['train', '--preset', 'captcha-dcgan-label', '--data', dir, '--steps', '1', '--batch', '8', '--json'], home);
    assert.equal(folder.code, 2, 'one file has no label in its name: a label-conditioned net refuses');
    const plain = cli(['train', '--preset', 'captcha-dcgan', '--data', dir, '--steps', '1', '--batch', '8', '--json'], home);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /"data":"164 tiles of 41 captchas from .*\(1 without a label in the name\)"/);
    assert.match(plain.out, /"type":"warning","text":"skipped .*BOMB\.png: decompression bomb refused/);
  });

  it('trains with a label budget: the rest of the labels withheld and read unlabelled; a budget too large or too small is one line, exit 2', async () => {
    const home = tempDir();
    const synth = JSON.parse(cli(['dataset', 'synth-captchas', '--count', '60', '--seed', '3', '--json'], home).out) as { dataset: number };
    const tooMany = cli(['recognizer', 'train', '--dataset', String(synth.dataset), '--labels', '100'], home);
    assert.equal(tooMany.code, 2);
    assert.equal(tooMany.err, 'error: --labels 100: the dataset has 60 labelled captchas, 54 outside the test split\n');
    const tooFew = cli(['recognizer', 'train', '--dataset', String(synth.dataset), '--labels', '5'], home);
    assert.equal(tooFew.code, 2);
    assert.match(tooFew.err, /^error: --labels 5: 20 labelled characters cannot show each of the 32 symbols once; use at least 8\n$/);
    // No synthesiser pretraining (v6 default: 400 steps, more than these 20): this case is about the budget's real labels.
    const trained = cli(['recognizer', 'train', '--dataset', String(synth.dataset), '--labels', '30', '--seed', '1', '--steps', '20', '--set', 'synthPretrainSteps=0', '--json'], home);
    assert.equal(trained.code, 0, trained.err);
    const result = JSON.parse(trained.out.trim().split('\n').at(-1)!) as { captchaAccuracy: number; labelsUsed: number; unlabelledUsed: number; validationCaptchas: number };
    // 6 test captchas held out of 60; 30 labels used (3 of them for validation); the other 24 read unlabelled.
    assert.deepEqual([result.labelsUsed, result.unlabelledUsed, result.validationCaptchas], [30, 24, 6]);
    assert.ok(result.captchaAccuracy >= 0 && result.captchaAccuracy <= 1);
    // The thesis's GAN in the loop: the fitted synthesiser's captchas refined (SimGAN) before the pretraining steps.
    const refined = cli(['recognizer', 'train', '--dataset', String(synth.dataset), '--labels', '30', '--seed', '1', '--steps', '4', '--json',
      '--set', 'synthPretrainSteps=2', '--set', 'synthCount=64', '--set', 'synthRefinerSteps=2'], home);
    assert.equal(refined.code, 0, refined.err);
    assert.match(refined.out, /"type":"note","step":0,"text":"synthetic captchas refined in \d+ s: mean change 0\.\d{3} of the ink range"/);
    assert.match(refined.out, /pretraining for 2 steps \(up to 2000 while it reads fewer than 50 % of them\) on 64 captchas of a synthesiser fitted to the dataset \([^)]*\), refined by a SimGAN refiner \(2 steps, λ 1\)/);
  });

  it('imports CelebA and trains a face preset from it; bad ids and folders exit 2', async () => {
    const home = tempDir();
    const dir = tempDir();
    await writeCeleba(dir, 6, 'official');
    const r = JSON.parse(cli(['dataset', 'import-celeba', dir, '--size', '64', '--json'], home).out) as { dataset: number; records: number };
    assert.equal(r.records, 6);
    const gan = cli(['train', '--preset', 'celeba-wdcgan', '--data', String(r.dataset), '--steps', '1', '--batch', '4', '--json'], home);
    assert.equal(gan.code, 0, gan.err);
    assert.match(gan.out, /6 faces from dataset .* streamed from 1 shard/);
    const notCeleba = cli(['dataset', 'import-celeba', tempDir(), '--size', '64'], home);
    assert.equal(notCeleba.code, 2);
    assert.match(notCeleba.err, /is not a CelebA folder: expected Img\/img_align_celeba\//);
    assert.equal(cli(['dataset', 'show', '99'], home).code, 2);
    assert.equal(cli(['train', '--preset', 'captcha-dcgan', '--data', '99'], home).code, 2);
    // A damaged zip, annotation files without their images, a folder that is not there: one line each, exit 2.
    const broken = tempDir();
    await writeCeleba(broken, 3, 'torchvision-zip');
    writeFileSync(join(broken, 'img_align_celeba.zip'), 'PK\u0003\u0004 not really a zip');
    const noImages = tempDir();
    await writeCeleba(noImages, 3, 'torchvision');
    rmSync(join(noImages, 'img_align_celeba'), { recursive: true });
    for (const [folder, message] of [
      [broken, /img_align_celeba\.zip is not a readable zip file/], [noImages, /annotation files but no images/], [join(broken, 'nope'), /does not exist/],
    ] as const) {
      const r = cli(['dataset', 'import-celeba', folder, '--size', '64'], home);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, message);
      assert.equal(r.err.trim().split('\n').length, 1, `one line, no stack trace:\n${r.err}`);
    }
  });
});
