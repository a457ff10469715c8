import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../core/errors.js';
import sharp from 'sharp';
import { cleanPhoto, PHOTO_MAX_EDGE, sniffPhotoType, stripJpegMetadata, stripPngMetadata } from './photos.js';
import { jpegWithGps, phonePhoto, pngWithExif } from './test-image-fixtures.js';

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

test('too large, unsupported and damaged photos are refused with clear codes', async () => {
  const codeOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof AppError);
      return `${error.status} ${error.code}`;
    }
    return 'accepted';
  };
  const photo = await phonePhoto();
  assert.equal(await codeOf(cleanPhoto(photo, 10)), '413 photo_too_large');
  assert.equal(await codeOf(cleanPhoto(Buffer.from('%PDF-1.7 hello'), 1000)), '415 photo_type_unsupported');
  const damaged = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x7f, 0xff]), Buffer.from('x')]);
  assert.equal(await codeOf(cleanPhoto(damaged, 1000)), '400 photo_invalid');
  assert.equal(
    await codeOf(cleanPhoto(jpegWithGps(), 100_000)),
    '400 photo_invalid',
    'a container without a picture',
  );
  assert.equal(await codeOf(cleanPhoto(photo, 100_000)), 'accepted');
});

test('a phone photo is turned upright, stripped of EXIF and GPS, and downsized', async () => {
  const original = await phonePhoto();
  const before = await sharp(original).metadata();
  assert.equal(before.orientation, 6);
  assert.ok(
    original.includes('WGS-84') && original.includes('Bea Buergerin'),
    'the fixture carries GPS and a name',
  );

  const clean = await cleanPhoto(original, 1_000_000);
  assert.equal(clean.contentType, 'image/jpeg');
  const after = await sharp(clean.bytes).metadata();
  assert.deepEqual([after.width, after.height], [32, 64], 'the orientation is applied to the pixels');
  assert.equal(after.orientation, undefined);
  assert.equal(after.exif, undefined);
  assert.ok(!clean.bytes.includes('WGS-84') && !clean.bytes.includes('Bea Buergerin'));

  const large = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: 'white' } })
    .png()
    .toBuffer();
  const small = await cleanPhoto(large, 50_000_000);
  assert.equal(small.contentType, 'image/png');
  const size = await sharp(small.bytes).metadata();
  assert.deepEqual([size.width, size.height], [PHOTO_MAX_EDGE, 1536]);
});
