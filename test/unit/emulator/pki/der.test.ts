import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeNamedBits,
  encodeOid,
  encodeOctetString,
  encodePrintableString,
  encodeSequence,
  encodeSet,
  encodeSmallInteger,
  encodeTime,
  encodeUnsignedInteger,
  encodeUtf8String,
} from '../../../../src/emulator/pki/der.js';
import { decodeOid, readChildren, readNode, readRoot } from '../../../../src/emulator/pki/der-reader.js';
import { parseIpAddress } from '../../../../src/emulator/pki/certificate.js';
import { PkiError } from '../../../../src/emulator/pki/errors.js';

const hex = (buf: Buffer): string => buf.toString('hex');

describe('DER encoder', () => {
  it('encodes OIDs, including multi-byte arcs', () => {
    assert.equal(hex(encodeOid('2.5.4.3')), '0603550403');
    assert.equal(hex(encodeOid('1.2.840.113549.1.1.11')), '06092a864886f70d01010b');
    assert.equal(hex(encodeOid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
    assert.throws(() => encodeOid('3.1'), PkiError);
    assert.throws(() => encodeOid('1.x'), PkiError);
  });

  it('round-trips OIDs through the reader', () => {
    for (const oid of ['2.5.29.35', '1.3.6.1.5.5.7.3.2', '1.3.132.0.34', '2.999.1']) {
      assert.equal(decodeOid(encodeOid(oid).subarray(2)), oid);
    }
  });

  it('uses short and long length forms', () => {
    assert.equal(hex(encodeOctetString(Buffer.alloc(127)).subarray(0, 2)), '047f');
    assert.equal(hex(encodeOctetString(Buffer.alloc(128)).subarray(0, 3)), '048180');
    assert.equal(hex(encodeOctetString(Buffer.alloc(300)).subarray(0, 4)), '0482012c');
    assert.equal(encodeOctetString(Buffer.alloc(70000)).length, 70000 + 5);
  });

  it('encodes minimal positive integers', () => {
    assert.equal(hex(encodeSmallInteger(0)), '020100');
    assert.equal(hex(encodeSmallInteger(2)), '020102');
    assert.equal(hex(encodeSmallInteger(128)), '02020080');
    assert.equal(hex(encodeSmallInteger(65537)), '0203010001');
    assert.equal(hex(encodeUnsignedInteger(Buffer.from('0000ff', 'hex'))), '020200ff');
    assert.equal(hex(encodeUnsignedInteger(Buffer.from('00007f', 'hex'))), '02017f');
  });

  it('encodes named bits with DER unused-bit counts', () => {
    assert.equal(hex(encodeNamedBits([0])), '03020780'); // digitalSignature
    assert.equal(hex(encodeNamedBits([0, 2])), '030205a0'); // + keyEncipherment
    assert.equal(hex(encodeNamedBits([5, 6])), '03020106'); // keyCertSign + cRLSign
  });

  it('switches from UTCTime to GeneralizedTime in 2050', () => {
    assert.equal(encodeTime(new Date('2049-12-31T23:59:59.900Z')).toString('latin1'), '\x17\x0d491231235959Z');
    assert.equal(encodeTime(new Date('2050-01-01T00:00:00Z')).toString('latin1'), '\x18\x0f20500101000000Z');
    assert.equal(encodeTime(new Date('1999-02-03T04:05:06Z')).toString('latin1'), '\x17\x0d990203040506Z');
  });

  it('sorts SET OF members and checks PrintableString', () => {
    const a = encodeUtf8String('b');
    const b = encodeUtf8String('a');
    assert.equal(hex(encodeSet(a, b)), `3106${hex(b)}${hex(a)}`);
    assert.equal(hex(encodePrintableString('US')), '13025553');
    assert.throws(() => encodePrintableString('a@b'), PkiError);
  });
});

describe('DER reader', () => {
  it('walks nested values', () => {
    const der = encodeSequence(encodeSmallInteger(5), encodeSequence(encodeOid('2.5.4.3')));
    const root = readRoot(der, 0x30, 'test');
    const [int, inner] = readChildren(der, root);
    assert.equal(int?.tag, 0x02);
    assert.equal(der[int!.contentStart], 5);
    assert.equal(readChildren(der, inner!).length, 1);
  });

  it('rejects truncated, indefinite and trailing input', () => {
    const der = encodeSequence(encodeSmallInteger(5));
    assert.throws(() => readRoot(der.subarray(0, der.length - 1), 0x30, 't'), { code: 'INVALID_DER' });
    assert.throws(() => readNode(Buffer.from('3080', 'hex'), 0), { code: 'INVALID_DER' });
    assert.throws(() => readNode(Buffer.from('3085ffffffffff', 'hex'), 0), { code: 'INVALID_DER' });
    assert.throws(() => readRoot(Buffer.concat([der, Buffer.of(0)]), 0x30, 't'), { code: 'INVALID_DER' });
    assert.throws(() => readRoot(der, 0x31, 't'), { code: 'INVALID_DER' });
  });
});

describe('parseIpAddress', () => {
  it('parses IPv4 and IPv6 forms', () => {
    assert.equal(hex(parseIpAddress('127.0.0.1')), '7f000001');
    assert.equal(hex(parseIpAddress('::1')), '00000000000000000000000000000001');
    assert.equal(hex(parseIpAddress('fe80::1:2')), 'fe800000000000000000000000010002');
    assert.equal(hex(parseIpAddress('2001:db8::')), '20010db8000000000000000000000000');
    assert.equal(hex(parseIpAddress('::ffff:10.0.0.1')), '00000000000000000000ffff0a000001');
    assert.equal(hex(parseIpAddress('1:2:3:4:5:6:7:8')), '00010002000300040005000600070008');
  });

  it('rejects non-addresses', () => {
    for (const bad of ['localhost', '256.0.0.1', '1::2::3', 'fe80::1%eth0', '']) {
      assert.throws(() => parseIpAddress(bad), { code: 'INVALID_ISSUE_OPTIONS' }, bad);
    }
  });
});
