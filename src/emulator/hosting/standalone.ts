/**
 * The emulator on its own (`fleetsim emulator`): a folder of ready-to-use files for firmware and
 * AWS's SDK samples (root CA, claim certificate and key, claim policy), a root CA that survives
 * restarts, and the registry kept in a JSON state file between runs.
 *
 * Folder layout (private keys mode 0600):
 *   root-ca.pem              the emulator's root CA (what AmazonRootCA1.pem is for AWS)
 *   root-ca.private.pem.key  its key, kept so a restart reuses the same CA
 *   claim.pem.crt            a claim certificate, new at each start (earlier ones stay valid)
 *   claim.private.pem.key    its key
 *   claim-policy.json        the claim policy the emulator enforces (AWS IoT policy JSON)
 *   state.json               things, certificates and policies (default --state)
 *   logs/<template>/*.log    the pre-provisioning hook's log streams, one per execution environment
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { InputError, RunError, type ValidationIssue } from '../../util/errors.js';
import type { TrafficObserver } from '../traffic.js';
import { startEmulator, type Emulator } from '../emulator.js';
import { CertificateAuthority } from '../pki/index.js';
import { buildClaimPolicyDocument } from '../policy/claim-policy.js';
import { STANDALONE_STATS_WINDOW_SECONDS } from '../provisioning/server-stats.js';
import { Registry } from '../registry/index.js';
import type { LoadedTemplate } from '../templates/index.js';
import { emulatorOptionsFor, resolveEmulatorSection, type EmulatorFlagSettings } from './settings.js';
import { readTemplateFiles, type TemplateFileEntry } from './template-files.js';
import { loadMallocTrim, startMemoryRelease, type MemoryRelease, type MemoryReleaseEvent, type MemoryReleaseStatus, type ReleasePolicy, type TrimFunction } from './memory-release.js';
export { exampleParameters } from './example-parameters.js';

export const STANDALONE_FILES = {
  rootCa: 'root-ca.pem',
  caKey: 'root-ca.private.pem.key',
  claimCert: 'claim.pem.crt',
  claimKey: 'claim.private.pem.key',
  claimPolicy: 'claim-policy.json',
  state: 'state.json',
} as const;

export interface TemplateSource {
  name: string;
  /** a template body file, or CreateProvisioningTemplate's input (templateBody as a string) */
  file: string;
}

/**
 * Where and what to serve. The settings (key algorithm, control-plane port, TLS session resumption,
 * thing groups and types) are those of the scenario schema's `emulator` section, defaults included
 * (settings.ts); where it listens has no scenario counterpart and is the caller's to say.
 */
export interface StandaloneOptions extends EmulatorFlagSettings {
  dir: string;
  host: string;
  port: number;
  templates: TemplateSource[];
  /** template name → hook module file */
  hooks?: Record<string, string>;
  /** default: <dir>/state.json */
  stateFile?: string;
  /** told of every connect, disconnect, subscribe, request and reply */
  observe?: TrafficObserver;
  /** hand memory freed by closed connections back to the OS (glibc malloc_trim; default true) */
  releaseMemory?: boolean;
  /** told of every trim */
  onMemoryRelease?: (e: MemoryReleaseEvent) => void;
  /** tests: when to trim, and the trim function itself (or why there is none) */
  memoryReleasePolicy?: ReleasePolicy;
  mallocTrim?: TrimFunction | string;
}

export interface StandaloneFiles {
  dir: string;
  rootCa: string;
  caKey: string;
  claimCert: string;
  claimKey: string;
  claimPolicy: string;
  state: string;
}

export interface StandaloneEmulator {
  emulator: Emulator;
  files: StandaloneFiles;
  templates: LoadedTemplate[];
  /** false when this start created the root CA */
  reusedCa: boolean;
  /** what the state file held at start (undefined: no state file yet) */
  restored: { things: number; certificates: number; policies: number } | undefined;
  /** the restored state holds certificates another CA signed: they cannot connect any more */
  foreignCertificates: boolean;
  /** whether memory freed by closed connections goes back to the OS, and how or why not */
  memoryRelease: MemoryReleaseStatus;
  /** trims so far */
  memoryReleases(): number;
  /** write the registry to the state file (atomic, 0600) */
  save(): Promise<void>;
  /** save, then stop the emulator */
  close(): Promise<void>;
}

/** Read every template file through the one loader (template-files.ts); all problems at once, as an InputError naming the flag and file. */
export function loadTemplateSources(sources: TemplateSource[], hooks: Record<string, string> = {}): LoadedTemplate[] {
  const issues: ValidationIssue[] = [];
  const out: LoadedTemplate[] = [];
  const seen = new Set<string>();
  for (const src of sources) {
    const where = `--template ${src.name}=${src.file}`;
    if (seen.has(src.name)) {
      issues.push({ path: where, message: `template name ${src.name} is given twice` });
      continue;
    }
    seen.add(src.name);
    const hookFlag = `--hook ${src.name}=${hooks[src.name] ?? ''}`;
    const entry: TemplateFileEntry = {
      name: src.name,
      file: src.file,
      enabled: true,
      hook: hooks[src.name],
      names: { file: where, body: (at) => `${where}: ${at}`, hook: (field) => (field === 'hook' ? hookFlag : where) },
    };
    const read = readTemplateFiles([entry], process.cwd());
    issues.push(...read.issues);
    out.push(...read.templates);
  }
  for (const name of Object.keys(hooks)) {
    if (!seen.has(name)) issues.push({ path: `--hook ${name}=${hooks[name] ?? ''}`, message: `no template named ${name} (templates: ${[...seen].join(', ') || 'none'})` });
  }
  if (issues.length > 0) throw new InputError(`${issues.length} problem${issues.length === 1 ? '' : 's'} with the emulator's templates`, { issues });
  return out;
}

function filesIn(dir: string, stateFile: string | undefined): StandaloneFiles {
  const abs = path.resolve(dir);
  const f = (name: string) => path.join(abs, name);
  return {
    dir: abs,
    rootCa: f(STANDALONE_FILES.rootCa),
    caKey: f(STANDALONE_FILES.caKey),
    claimCert: f(STANDALONE_FILES.claimCert),
    claimKey: f(STANDALONE_FILES.claimKey),
    claimPolicy: f(STANDALONE_FILES.claimPolicy),
    state: stateFile === undefined ? f(STANDALONE_FILES.state) : path.resolve(stateFile),
  };
}

/** Write a file with `mode`, whatever the umask, replacing what was there. */
function writeWithMode(file: string, text: string, mode: number): void {
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
}

function prepareDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new InputError(`--dir ${dir}: cannot create the folder: ${(err as Error).message}`);
  }
}

/** The saved root CA, or a new one written to the folder. */
function loadOrCreateCa(files: StandaloneFiles): { ca: CertificateAuthority; reused: boolean } {
  const haveCert = existsSync(files.rootCa);
  const haveKey = existsSync(files.caKey);
  if (haveCert && haveKey) {
    try {
      return { ca: CertificateAuthority.fromPem(readFileSync(files.rootCa, 'utf8'), readFileSync(files.caKey, 'utf8')), reused: true };
    } catch (err) {
      throw new InputError(`${files.rootCa}: the saved root CA cannot be used: ${(err as Error).message}`, {
        hint: `delete ${files.rootCa} and ${files.caKey} to create a new CA (devices provisioned with the old one must provision again)`,
      });
    }
  }
  if (haveCert !== haveKey) {
    const missing = haveCert ? files.caKey : files.rootCa;
    throw new InputError(`${missing} is missing, but its partner file exists`, {
      hint: `restore it, or delete ${haveCert ? files.rootCa : files.caKey} to create a new CA`,
    });
  }
  const ca = CertificateAuthority.create({ subject: { CN: 'fleetsim emulator root CA', O: 'fleetsim' }, keyAlgorithm: 'ec-p256' });
  writeWithMode(files.caKey, ca.exportPrivateKeyPem(), 0o600);
  writeWithMode(files.rootCa, ca.certificatePem, 0o644);
  return { ca, reused: false };
}

async function loadRegistry(file: string): Promise<Registry | undefined> {
  if (!existsSync(file)) return undefined;
  return Registry.loadFrom(file); // RegistryStateError: bad input, names the file
}

/** Whether a sample of the registry's certificates was signed by another CA (e.g. the CA files were deleted). */
function holdsForeignCertificates(registry: Registry, ca: CertificateAuthority): boolean {
  const caKey = new X509Certificate(ca.certificatePem).publicKey;
  const sample = registry.listCertificates({ pageSize: 20 }).certificates;
  return sample.some((c) => {
    try {
      return !new X509Certificate(c.certificatePem).verify(caKey);
    } catch {
      return true;
    }
  });
}

export async function startStandaloneEmulator(o: StandaloneOptions): Promise<StandaloneEmulator> {
  const templates = loadTemplateSources(o.templates, o.hooks);
  const section = resolveEmulatorSection(o);
  const files = filesIn(o.dir, o.stateFile);
  prepareDir(files.dir);
  const { ca, reused } = loadOrCreateCa(files);
  const loaded = await loadRegistry(files.state);
  const registry = loaded ?? new Registry();
  const restored = loaded?.counts();
  const foreign = loaded !== undefined && holdsForeignCertificates(loaded, ca);

  let emulator: Emulator;
  try {
    emulator = await startEmulator({
      ...emulatorOptionsFor(section),
      // hook environments' log streams: <dir>/logs/<template>/<stream>.log
      hookLogs: { dir: path.join(files.dir, 'logs'), displayBase: files.dir },
      host: o.host,
      port: o.port,
      templates,
      ca: { certPem: ca.certificatePem, keyPem: ca.exportPrivateKeyPem() },
      registry,
      // left running for days: per-second stats for the last hour, older seconds summed
      statsWindowSeconds: STANDALONE_STATS_WINDOW_SECONDS,
      ...(o.observe === undefined ? {} : { observe: o.observe }),
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'BROKER_TLS_LISTEN_FAILED' || code === 'EADDRINUSE' || code === 'EACCES') {
      throw new RunError('EMULATOR_LISTEN_FAILED', `the emulator could not start: ${(err as Error).message}`, {
        hint: 'is another program (an earlier `fleetsim emulator`, mosquitto) using the port? pick another with --port, or --port 0 for any free port',
        cause: err,
      });
    }
    throw err;
  }

  writeWithMode(files.claimCert, emulator.claim.certificatePem, 0o644);
  writeWithMode(files.claimKey, emulator.claim.privateKeyPem, 0o600);
  const policy = buildClaimPolicyDocument(
    templates.map((t) => t.name),
    registry.region,
    registry.accountId,
  );
  writeWithMode(files.claimPolicy, `${JSON.stringify(policy, null, 2)}\n`, 0o644);

  const release: MemoryRelease = startMemoryRelease({
    closedConnections: () => emulator.closedConnections(),
    trim: o.releaseMemory === false ? 'kept by the allocator (--no-release-memory)' : (o.mallocTrim ?? (await loadMallocTrim())),
    ...(o.memoryReleasePolicy === undefined ? {} : { policy: o.memoryReleasePolicy }),
    ...(o.onMemoryRelease === undefined ? {} : { onRelease: o.onMemoryRelease }),
  });

  let closed = false;
  const save = () => registry.saveTo(files.state);
  return {
    emulator,
    files,
    templates,
    reusedCa: reused,
    restored,
    foreignCertificates: foreign,
    memoryRelease: release.status,
    memoryReleases: () => release.trims(),
    save,
    async close() {
      if (closed) return;
      closed = true;
      release.stop();
      try {
        await save();
      } finally {
        await emulator.close();
      }
    },
  };
}
