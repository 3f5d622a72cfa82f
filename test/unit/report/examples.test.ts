/**
 * The examples in examples/ parse, and their shard wiring is right: the Indexed Job's completions
 * equal the N of its --shard arithmetic and every pod index maps to one shard 1..N (evaluated with
 * the real shell); the CI matrix covers 1..N; every shard shares one run ID; the merge steps read
 * where the shards wrote; the embedded scenario is valid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { parseShard } from '../../../src/load/split.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { REPO_ROOT } from '../../helpers/emulator.js';

type Doc = Record<string, any>;

const K8S = path.join(REPO_ROOT, 'examples', 'kubernetes');

function docs(file: string): Doc[] {
  const all = YAML.parseAllDocuments(readFileSync(file, 'utf8'));
  for (const d of all) assert.deepEqual(d.errors, [], `${file} parses`);
  return all.map((d) => d.toJS() as Doc).filter((d) => d !== null);
}

const envOf = (c: Doc): Record<string, string> => Object.fromEntries((c.env as Doc[]).filter((e) => typeof e.value === 'string').map((e) => [e.name, e.value]));

/** Run a container's `sh -c` script with `node` replaced by a function that prints its arguments. */
function argvOf(script: string, env: Record<string, string>): string[] {
  const stub = `node() { shift; for a in "$@"; do printf '%s\\n' "$a"; done; }\n${script.replace(/^exec /, '')}`;
  return execFileSync('/bin/sh', ['-c', stub], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' }).trimEnd().split('\n');
}

const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];

test('Kubernetes: the Indexed Job runs shards 1..N of N with one run ID on the shared volume; the merge Job reads them', () => {
  const shardDocs = docs(path.join(K8S, 'fleetsim-shards-job.yaml'));
  const job = shardDocs.find((d) => d.kind === 'Job');
  const pvc = shardDocs.find((d) => d.kind === 'PersistentVolumeClaim');
  const cm = shardDocs.find((d) => d.kind === 'ConfigMap');
  assert.ok(job && pvc && cm);
  assert.equal(job.spec.completionMode, 'Indexed');
  const n = job.spec.completions as number;
  assert.ok(Number.isInteger(n) && n > 1);
  assert.ok(job.spec.parallelism <= n);
  assert.ok(pvc.spec.accessModes.includes('ReadWriteMany'));
  const pod = job.spec.template.spec;
  const c = pod.containers[0] as Doc;
  const env = envOf(c);
  const seen: string[] = [];
  const runIds = new Set<string>();
  for (let i = 0; i < n; i++) {
    const argv = argvOf((c.args as string[]).join(' '), { ...env, JOB_COMPLETION_INDEX: String(i) });
    assert.equal(argv[0], 'run');
    const shard = flag(argv, '--shard') as string;
    const parsed = parseShard(shard);
    assert.ok(parsed, `pod ${i}: --shard ${shard}`);
    assert.equal(parsed.shards, n, `pod ${i}: N in --shard equals completions`);
    assert.equal(parsed.shard, i, `pod ${i} runs shard ${i + 1}`);
    seen.push(shard);
    runIds.add(flag(argv, '--run-id') as string);
    const out = flag(argv, '--out') as string;
    const mount = (c.volumeMounts as Doc[]).find((m) => m.mountPath === out);
    assert.ok(mount, `--out ${out} is a mounted volume`);
    assert.equal(pod.volumes.find((v: Doc) => v.name === mount.name).persistentVolumeClaim.claimName, pvc.metadata.name);
    // the scenario comes from the ConfigMap mount
    const scenarioFile = argv[1] as string;
    const sm = (c.volumeMounts as Doc[]).find((m) => scenarioFile.startsWith(`${m.mountPath}/`));
    assert.equal(pod.volumes.find((v: Doc) => v.name === sm?.name).configMap.name, cm.metadata.name);
    assert.ok(path.basename(scenarioFile) in cm.data);
  }
  assert.deepEqual(seen, Array.from({ length: n }, (_, i) => `${i + 1}/${n}`));
  assert.equal(runIds.size, 1, 'one run ID for every shard');
  const runId = [...runIds][0] as string;
  assert.ok(runId.length > 0 && !runId.includes('$'));

  // the embedded scenario is valid (placeholders filled in as the pod's environment would)
  const name = Object.keys(cm.data)[0] as string;
  const scenario = parseScenario(YAML.parse(cm.data[name]), {
    file: name,
    baseDir: K8S,
    env: { FLEETSIM_IOT_ENDPOINT: 'abc123example-ats.iot.eu-west-1.amazonaws.com', FLEETSIM_TEMPLATE: 'my-template' },
  });
  assert.equal(scenario.target.type, 'aws');
  assert.match(scenario.fleet.clientId, /\{index/, 'client IDs from the global index');

  // the merge Job mounts the same claim and merges /results/<the same run ID>
  const merge = docs(path.join(K8S, 'fleetsim-merge-job.yaml')).find((d) => d.kind === 'Job');
  assert.ok(merge);
  const mc = merge.spec.template.spec.containers[0] as Doc;
  const margv = argvOf((mc.args as string[]).join(' '), envOf(mc));
  assert.deepEqual(margv.slice(0, 2), ['report', 'merge']);
  const mergeDir = margv[2] as string;
  const mm = (mc.volumeMounts as Doc[]).find((m) => mergeDir.startsWith(`${m.mountPath}/`));
  assert.ok(mm);
  assert.equal(merge.spec.template.spec.volumes.find((v: Doc) => v.name === mm.name).persistentVolumeClaim.claimName, pvc.metadata.name);
  assert.equal(mergeDir, path.posix.join(mm.mountPath, runId), 'merges the folder the shards wrote');
});

test('GitHub Actions: the matrix covers shards 1..N, artifacts reach the merge job, JUnit is published', () => {
  const file = path.join(REPO_ROOT, 'examples', 'ci', 'github-actions-nightly.yml');
  const [wf] = docs(file);
  assert.ok(wf);
  assert.ok(wf.on.schedule?.[0]?.cron, 'nightly schedule');
  const n = Number(wf.env.SHARDS);
  const shardJob = wf.jobs.shard as Doc;
  assert.deepEqual(shardJob.strategy.matrix.shard, Array.from({ length: n }, (_, i) => i + 1), 'matrix = 1..N');
  const runStep = (shardJob.steps as Doc[]).find((s) => typeof s.run === 'string' && s.run.includes('fleetsim.js run'));
  assert.ok(runStep);
  assert.match(runStep.run, /--shard \$\{\{ matrix\.shard \}\}\/\$\{\{ env\.SHARDS \}\}/);
  assert.match(runStep.run, /--run-id "\$RUN_ID"/);
  assert.doesNotMatch(wf.env.RUN_ID, /matrix/, 'one run ID for every shard');
  const out = /--out (\S+)/.exec(runStep.run)?.[1];
  const upload = (shardJob.steps as Doc[]).find((s) => String(s.uses).startsWith('actions/upload-artifact'));
  assert.equal(upload?.with.path.replace(/\/$/, ''), out);
  assert.match(upload?.with.name, /\$\{\{ matrix\.shard \}\}/, 'one artifact per shard');

  const merge = wf.jobs.merge as Doc;
  assert.equal(merge.needs, 'shard');
  const download = (merge.steps as Doc[]).find((s) => String(s.uses).startsWith('actions/download-artifact'));
  const pattern = new RegExp(`^${String(download?.with.pattern).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  for (let i = 1; i <= n; i++) assert.match(upload?.with.name.replace('${{ matrix.shard }}', String(i)), pattern, `shard ${i} is downloaded`);
  assert.equal(download?.with['merge-multiple'], true);
  const mergeStep = (merge.steps as Doc[]).find((s) => typeof s.run === 'string' && s.run.includes('report merge'));
  assert.ok(mergeStep);
  assert.match(mergeStep.run, new RegExp(`report merge "${download?.with.path}/\\$RUN_ID"`), 'merges the run folder the shards uploaded');
  const mergedOut = /--out (\S+)/.exec(mergeStep.run)?.[1];
  const junit = (merge.steps as Doc[]).find((s) => /junit/i.test(String(s.uses)));
  assert.equal(junit?.with.report_paths, `${mergedOut}/junit.xml`);
  assert.equal(junit?.if, 'always()');
  const reportUpload = (merge.steps as Doc[]).find((s) => String(s.uses).startsWith('actions/upload-artifact'));
  const baseline = (merge.steps as Doc[]).find((s) => s.id === 'baseline');
  assert.match(baseline?.run, new RegExp(`--name ${reportUpload?.with.name} `), "the baseline is last night's merged report");
  assert.match(mergeStep.run, /\$\{\{ steps\.baseline\.outputs\.args \}\}/);
});
