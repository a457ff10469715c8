import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../core/errors.js';
import { cleanPhoto, sniffPhotoType, stripJpegMetadata, stripPngMetadata } from './photos.js';
import { jpegWithGps, pngWithExif } from './test-image-fixtures.js';

test('photo types come from the bytes, not from names or headers', () => {
  assert.equal(sniffPhotoType(jpegWithGps()), 'image/jpeg');
  assert.equal(sniffPhotoType(pngWithExif()), 'image/png');
  assert.equal(sniffPhotoType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), null);
  assert.equal(sniffPhotoType(Buffer.from('GIF89a....')), null);
});

test('JPEG: EXIF (with GPS), XMP and comments are removed, the image data stays', () => {
  const original = jpegWithGps();
  assert.ok(original.includes('GPSLatitude'));
  const clean = stripJpegMetadata(original);
  assert.ok(!clean.includes('Exif'), 'no EXIF segment');
  assert.ok(!clean.includes('GPSLatitude'));
  assert.ok(!clean.includes('Kamera-Kommentar'));
  assert.ok(clean.includes('JFIF'), 'the JFIF header is kept');
  assert.ok(clean.includes(Buffer.from('SCAN-DATA')), 'the scan data is kept');
  assert.deepEqual([...clean.subarray(0, 2)], [0xff, 0xd8]);
  assert.deepEqual([...clean.subarray(-2)], [0xff, 0xd9]);
});

test('PNG: eXIf and text chunks are removed, image chunks stay in order', () => {
  const clean = stripPngMetadata(pngWithExif());
  assert.ok(!clean.includes('eXIf'));
  assert.ok(!clean.includes('Author'));
  for (const chunk of ['IHDR', 'IDAT', 'IEND']) assert.ok(clean.includes(chunk), chunk);
  assert.ok(clean.indexOf('IHDR') < clean.indexOf('IDAT'));
});

test('too large, unsupported and damaged photos are refused with clear codes', () => {
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof AppError);
      return `${error.status} ${error.code}`;
    }
    return 'accepted';
  };
  assert.equal(
    codeOf(() => cleanPhoto(jpegWithGps(), 10)),
    '413 photo_too_large',
  );
  assert.equal(
    codeOf(() => cleanPhoto(Buffer.from('%PDF-1.7 hello'), 1000)),
    '415 photo_type_unsupported',
  );
  const damaged = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x7f, 0xff]), Buffer.from('x')]);
  assert.equal(
    codeOf(() => cleanPhoto(damaged, 1000)),
    '400 photo_invalid',
  );
  assert.equal(
    codeOf(() => cleanPhoto(jpegWithGps(), 100_000)),
    'accepted',
  );
});
