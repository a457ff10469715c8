// Tiny synthetic images with location metadata, for the tests of metadata removal (not valid pictures,
// but valid containers: the segments and chunks a camera or phone writes).
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

function segment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header[0] = 0xff;
  header[1] = marker;
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/** A JPEG with JFIF, an EXIF segment carrying GPS tags, an XMP segment and a comment. */
export function jpegWithGps(): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x02\0\0\x01\0\x01\0\0', 'latin1')),
    segment(0xe1, Buffer.from('Exif\0\0MM\0*GPSLatitude 50.4236 GPSLongitude 9.5667', 'latin1')),
    segment(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Flieden</x:xmpmeta>', 'latin1')),
    segment(0xfe, Buffer.from('Kamera-Kommentar', 'latin1')),
    segment(0xdb, Buffer.alloc(65, 1)),
    segment(0xc0, Buffer.from([8, 0, 1, 0, 1, 1, 1, 0x11, 0])),
    segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    Buffer.from('SCAN-DATA'),
    Buffer.from([0xff, 0xd9]),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A PNG with an eXIf chunk (GPS) and a text chunk naming the author. */
export function pngWithExif(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('eXIf', Buffer.from('MM\0*GPSLatitude 50.4236', 'latin1')),
    chunk('tEXt', Buffer.from('Author\0Bea Buergerin', 'latin1')),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x63, 0xf8, 0x0f, 0x00, 0x01, 0x01, 0x01, 0x00])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A real phone-style photo (64×32 pixels as stored, EXIF orientation 6 = "turn right to view", GPS
 * position and the owner's name in EXIF), for the re-encoding tests.
 */
export async function phonePhoto(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 32, channels: 3, background: { r: 200, g: 40, b: 0 } } })
    .jpeg()
    .withExif({
      IFD0: { Artist: 'Bea Buergerin' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '50/1 25/1 2500/100', GPSMapDatum: 'WGS-84' },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}
