import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { encodeEcKeys, exportPkcs8Pem, exportSpkiDer } from '../../../../src/emulator/pki/key-encoding.js';
import { wholePkcs8Pem } from '../../../helpers/pem.js';
import { waitUntil } from '../../../helpers/wait.js';
import {
  KEY_ALGORITHMS,
  KeyPool,
  KeyPoolError,
  generateKeyPairFor,
  generateKeyPairSyncFor,
  type KeyAlgorithm,
  type KeyPairPem,
} from '../../../../src/emulator/pki/index.js';

function describeKey(pair: KeyPairPem): string {
  const details = pair.publicKey.asymmetricKeyDetails ?? {};
  return `${pair.publicKey.asymmetricKeyType}:${details.namedCurve ?? details.modulusLength}`;
}

const EXPECTED: Record<KeyAlgorithm, string> = { 'ec-p256': 'ec:prime256v1', 'ec-p384': 'ec:secp384r1', 'rsa-2048': 'rsa:2048' };

describe('key generation', () => {
  for (const alg of KEY_ALGORITHMS) {
    it(`generates ${alg} keys sync and async with a PKCS#8 PEM that matches the key`, async () => {
      for (const pair of [generateKeyPairSyncFor(alg), await generateKeyPairFor(alg)]) {
        assert.equal(describeKey(pair), EXPECTED[alg]);
        assert.equal(pair.privateKey.type, 'private');
        assert.match(pair.privateKeyPem, wholePkcs8Pem());
        assert.equal(pair.privateKeyPem, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
        assert.doesNotMatch(inspect(pair), /PRIVATE KEY/, 'inspecting a pair must not print the key');
        const reloaded = crypto.createPrivateKey(pair.privateKeyPem);
        const signature = crypto.sign('sha256', Buffer.from('probe'), reloaded);
        assert.equal(crypto.verify('sha256', Buffer.from('probe'), pair.publicKey, signature), true);
      }
    });
  }

  it('encodes SPKI and PKCS#8 byte-identically to OpenSSL (EC via SEC1, others via node)', () => {
    const pairs = [
      crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }),
      crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' }),
      crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
      crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }),
      crypto.generateKeyPairSync('ed25519'),
    ];
    for (const pair of pairs) {
      const label = `${pair.publicKey.asymmetricKeyType} ${pair.publicKey.asymmetricKeyDetails?.namedCurve ?? ''}`;
      const ec = pair.privateKey.asymmetricKeyType === 'ec' ? encodeEcKeys(pair.privateKey) : undefined;
      if (pair.privateKey.asymmetricKeyType === 'ec') {
        assert.ok(ec, label);
        assert.deepEqual(ec.spkiDer, pair.publicKey.export({ type: 'spki', format: 'der' }), label);
        assert.deepEqual(ec.pkcs8Der, pair.privateKey.export({ type: 'pkcs8', format: 'der' }), label);
      }
      assert.deepEqual(exportSpkiDer(pair.publicKey), pair.publicKey.export({ type: 'spki', format: 'der' }), label);
      assert.deepEqual(exportSpkiDer(pair.privateKey), pair.publicKey.export({ type: 'spki', format: 'der' }), label);
      assert.equal(exportPkcs8Pem(pair.privateKey), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), label);
    }
  });

  it('keeps short EC scalars and coordinates at full length', () => {
    // About 1 in 256 P-256 keys has a private scalar with a leading zero byte, and as many per coordinate.
    let checked = 0;
    for (let i = 0; i < 5000 && checked < 3; i++) {
      const pair = generateKeyPairSyncFor('ec-p256');
      const raw = pair.publicKey.export({ type: 'spki', format: 'der' }).subarray(-64);
      const scalar = (pair.privateKey.export({ type: 'sec1', format: 'der' }) as Buffer).subarray(7, 39);
      if (raw[0] !== 0 && raw[32] !== 0 && scalar[0] !== 0) continue;
      checked++;
      assert.deepEqual(exportSpkiDer(pair.publicKey), pair.publicKey.export({ type: 'spki', format: 'der' }));
      assert.equal(pair.privateKeyPem, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    }
    assert.ok(checked > 0, 'expected at least one key with a leading zero byte');
  });
});

describe('KeyPool', () => {
  it('fills in the background, hands out distinct keys, then waits when empty', async () => {
    const pool = new KeyPool({ algorithm: 'ec-p256', size: 3, concurrency: 2 });
    try {
      assert.equal(pool.ready, 0);
      pool.start();
      await waitUntil(() => pool.ready === 3, 10_000, 'the pool filled');
      const taken = await Promise.all([pool.take(), pool.take(), pool.take()]);
      assert.equal(new Set(taken.map((k) => k.privateKeyPem)).size, 3);
      assert.deepEqual(pool.stats(), { generated: 3, handedOut: 3, waited: 0, reused: 0 });
      const fourth = await pool.take();
      assert.ok(!taken.some((k) => k.privateKeyPem === fourth.privateKeyPem));
      const stats = pool.stats();
      assert.equal(stats.handedOut, 4);
      assert.equal(stats.reused, 0);
      assert.equal(stats.waited, 1);
      await waitUntil(() => pool.ready === 3, 10_000, 'the pool filled');
    } finally {
      pool.close();
    }
  });

  it('reuses handed-out keys round-robin instead of waiting when reuse is on', async () => {
    const pool = new KeyPool({ algorithm: 'ec-p256', size: 2, concurrency: 1, reuse: true });
    try {
      pool.start();
      await waitUntil(() => pool.ready === 2, 10_000, 'the pool filled');
      const first = await pool.take();
      const second = await pool.take();
      assert.notEqual(first.privateKeyPem, second.privateKeyPem);
      // Right after the hand-outs the pool is empty (refills finish on a later tick), so reuse kicks in.
      assert.equal(pool.ready, 0);
      const reusedA = await pool.take();
      const reusedB = await pool.take();
      assert.ok([first, second].includes(reusedA) && [first, second].includes(reusedB));
      assert.notEqual(reusedA, reusedB, 'reuse must rotate through the used keys');
      assert.deepEqual(pool.stats(), { generated: 2, handedOut: 4, waited: 0, reused: 2 });
      await waitUntil(() => pool.ready === 2, 10_000, 'the pool filled');
      const fresh = await pool.take();
      assert.ok(![first, second].includes(fresh), 'fresh keys are preferred over reused ones');
    } finally {
      pool.close();
    }
  });

  it('keeps RSA-2048 keys ready without blocking the event loop', { timeout: 60_000 }, async () => {
    const pool = new KeyPool({ algorithm: 'rsa-2048', size: 2, concurrency: 2 });
    try {
      pool.start();
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      await waitUntil(() => pool.ready === 2, 50_000, 'the pool filled');
      clearInterval(ticker);
      assert.ok(ticks > 0, 'the event loop kept running during RSA key generation');
      const pair = await pool.take();
      assert.equal(describeKey(pair), 'rsa:2048');
      assert.equal(pool.stats().waited, 0);
    } finally {
      pool.close();
    }
  });

  it('rejects pending and later take() calls after close()', async () => {
    const pool = new KeyPool({ algorithm: 'rsa-2048', size: 0, concurrency: 1 });
    const pending = pool.take();
    pool.close();
    await assert.rejects(pending, (err: unknown) => err instanceof KeyPoolError && err.code === 'POOL_CLOSED');
    await assert.rejects(pool.take(), { code: 'POOL_CLOSED' });
  });

  it('validates its options', () => {
    assert.throws(() => new KeyPool({ algorithm: 'dsa' as KeyAlgorithm, size: 1 }), TypeError);
    assert.throws(() => new KeyPool({ algorithm: 'ec-p256', size: -1 }), RangeError);
    assert.throws(() => new KeyPool({ algorithm: 'ec-p256', size: 1, concurrency: 0 }), RangeError);
  });
});
