// The EventBus SDK examples, run exactly as their READMEs say (`node --import tsx examples/<name>/run.ts`),
// each against its own embedded broker: exit code 0 and the lines that show the scenario happened.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = fileURLToPath(new URL('..', import.meta.url));

function runExample(name: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}/run.ts`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    // 'close' (after the output was read), not 'exit' (which can come before its last lines).
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve({ code, out, err });
    });
  });
}

function lines(out: string, re: RegExp): string[] {
  return out.split('\n').filter((l) => re.test(l));
}

test('examples/ecommerce: fan-out, retry after backoff, dead letter, re-drive', { timeout: 90_000 }, async () => {
  const { code, out, err } = await runExample('ecommerce');
  assert.equal(code, 0, `exit code\n${out}\n${err}`);
  for (const service of ['inventory-service', 'shipping-service', 'analytics-service']) {
    const got = lines(out, new RegExp(`^\\[${service}\\] .*order-100[123]`)).map((l) => /order-100\d/.exec(l)![0]).sort();
    assert.deepEqual(got, ['order-1001', 'order-1002', 'order-1003'], `${service} got every order once`);
  }
  assert.match(out, /\[email-service\] order-1002 attempt 1\/3 failed .*SMTP 421/);
  assert.match(out, /\[email-service\] sent confirmation for order-1002 .* on attempt 2/);
  assert.equal(lines(out, /\[email-service\] order-1003 attempt \d\/3 failed/).length, 3);
  assert.match(out, /\[email-service\] order-1003 attempt 3\/3 failed .* -> dead letter/);
  assert.match(out, /\[ops\] dead letter: order-1003 \(event [0-9a-f-]{36}\) from email-service\.OrderPlaced after 3 attempts: Error: SMTP 550/);
  assert.match(out, /\[ops\] re-drove order-1003: dead letter [0-9a-f-]{36} -> OrderPlaced\.redrive\.email-service/);
  assert.match(out, /\[email-service\] sent confirmation for order-1003 to grace@example\.com on attempt 1 \(re-driven/);
  assert.match(out, /email-service: 3 confirmations sent: order-1001, order-1002 \(attempt 2\), order-1003 \(re-driven\)/);
  assert.match(out, /^dead letters: 1 /m);
  assert.match(out, /^ecommerce example: OK$/m);
});

test('examples/video-pipeline: a choreographed chain, rebuilt from correlation and causation ids', { timeout: 90_000 }, async () => {
  const { code, out, err } = await runExample('video-pipeline');
  assert.equal(code, 0, `exit code\n${out}\n${err}`);
  for (const [video, uploader] of [['vid-cat', 'u-7'], ['vid-rocket', 'u-9']]) {
    assert.match(out, new RegExp(`\\[transcoder\\] transcoding ${video} `));
    assert.match(out, new RegExp(`\\[thumbnailer\\] thumbnail for ${video} `));
    assert.match(out, new RegExp(`\\[notifier\\] notifying ${uploader}: ${video} is ready`));
    const section = out.split('== causal chain of ').find((s) => s.startsWith(`${video}:`));
    assert.ok(section, `the chain of ${video} is printed`);
    const root = /^VideoUploaded ([0-9a-f-]{36}) from upload-service \(root\)/m.exec(section)![1]!;
    assert.match(section, new RegExp(`^${video}: correlation ${root}, trace [0-9a-f]{32}$`, 'm'));
    const transcoded = new RegExp(`^└─ VideoTranscoded ([0-9a-f-]{36}) from transcoder \\(caused by ${root}\\)`, 'm').exec(section)![1]!;
    const thumb = new RegExp(`^   └─ ThumbnailGenerated ([0-9a-f-]{36}) from thumbnailer \\(caused by ${transcoded}\\)`, 'm').exec(section)![1]!;
    assert.match(section, new RegExp(`^      └─ UploaderNotified [0-9a-f-]{36} from notifier \\(caused by ${thumb}\\): to ${uploader}`, 'm'));
    assert.match(section, /^chain verified: 4 events, one correlation id/m);
  }
  assert.match(out, /^video-pipeline example: OK$/m);
});

test('examples/profile-sync: v1 and v2 producers, two consumers see v2 and stay in sync', { timeout: 90_000 }, async () => {
  const { code, out, err } = await runExample('profile-sync');
  assert.equal(code, 0, `exit code\n${out}\n${err}`);
  const crm = lines(out, /^\[crm-service\] /);
  assert.equal(crm.length, 6);
  assert.equal(lines(out, /^\[comments-service\] /).length, 6);
  for (const l of crm) assert.match(l, /handled as v2\): \{"userId":"u-\d","firstName":"[^"]+","lastName":"[^"]+","email":"[^"]+","locale":"[a-z]{2}-[A-Z]{2}"\}$/);
  assert.equal(lines(out, /^\[crm-service\] .*published as v1/).length, 4);
  assert.equal(lines(out, /^\[crm-service\] .*published as v2/).length, 2);
  const u1 = crm.filter((l) => l.startsWith('[crm-service] u-1 ')).map((l) => /"lastName":"(\w+)"/.exec(l)![1]);
  assert.deepEqual(u1, ['Lovelace', 'King'], 'one user\'s updates apply in order across producers');
  assert.match(out, /^stored in the log as written: v1, v1, v1, v2, v1, v2; first v1 event: \{"userId":"u-1","name":"Ada Lovelace"/m);
  assert.match(out, /^u-1 {2}King, Ada <ada@example\.com> en-GB$/m);
  assert.match(out, /^u-2 {2}Hopper, Grace <grace\.hopper@navy\.example> en-US$/m);
  assert.match(out, /^u-3 {2}Turing, Alan <turing@example\.com> en-GB$/m);
  assert.match(out, /^u-1 {2}Ada K\.$/m);
  assert.match(out, /^both copies in sync with the latest update of each user: yes$/m);
  assert.match(out, /^handlers only ever saw v2 payloads: yes$/m);
  assert.match(out, /^profile-sync example: OK$/m);
});
