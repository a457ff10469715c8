// Photos from citizens: the type is taken from the bytes (never from the name or the header the client
// sent), and metadata that can carry a location or a name is removed before anything is stored: JPEG
// APP1..APP15 (EXIF with GPS, XMP) and comments, PNG eXIf and text chunks. Then the picture is decoded
// and re-encoded (sharp): the EXIF orientation of a phone photo is applied to the pixels, it is downsized
// to PHOTO_MAX_EDGE and written without any metadata, so nothing a camera wrote reaches the public.
import sharp from 'sharp';
import { AppError } from '../core/errors.js';

/** The longest edge of a stored photo: sharp on any screen, small enough for a phone's data plan. */
export const PHOTO_MAX_EDGE = 2048;
/** Decoding bombs: a small file claiming a huge canvas is refused before it is decoded. */
const MAX_INPUT_PIXELS = 100_000_000;

export type PhotoType = 'image/jpeg' | 'image/png';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniffPhotoType(bytes: Buffer): PhotoType | null {
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length > 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  return null;
}

const photoInvalid = (message: string) => new AppError('photo_invalid', 400, message);

/** APP0 (JFIF) and APP14 (Adobe colour transform) are needed to decode; every other APPn is metadata. */
const KEPT_APP_MARKERS = new Set([0xe0, 0xee]);

export function stripJpegMetadata(bytes: Buffer): Buffer {
  const parts: Buffer[] = [bytes.subarray(0, 2)];
  let offset = 2;
  while (offset < bytes.length) {
    if (bytes[offset] !== 0xff) throw photoInvalid('The JPEG file is damaged');
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) {
      parts.push(bytes.subarray(offset, offset + 2));
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      parts.push(bytes.subarray(offset, offset + 2));
      offset += 2;
      continue;
    }
    if (offset + 4 > bytes.length) throw photoInvalid('The JPEG file is damaged');
    const length = bytes.readUInt16BE(offset + 2);
    const end = offset + 2 + length;
    if (length < 2 || end > bytes.length) throw photoInvalid('The JPEG file is damaged');
    if (marker === 0xda) {
      // Start of scan: the entropy-coded data and everything after it is image data.
      parts.push(bytes.subarray(offset));
      break;
    }
    const isMetadata = (marker >= 0xe0 && marker <= 0xef && !KEPT_APP_MARKERS.has(marker)) || marker === 0xfe;
    if (!isMetadata) parts.push(bytes.subarray(offset, end));
    offset = end;
  }
  return Buffer.concat(parts);
}

const PNG_METADATA_CHUNKS = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

export function stripPngMetadata(bytes: Buffer): Buffer {
  const parts: Buffer[] = [PNG_SIGNATURE];
  let offset = 8;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) throw photoInvalid('The PNG file is damaged');
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > bytes.length) throw photoInvalid('The PNG file is damaged');
    if (!PNG_METADATA_CHUNKS.has(type)) parts.push(bytes.subarray(offset, end));
    offset = end;
    if (type === 'IEND') break;
  }
  return Buffer.concat(parts);
}

export interface CleanPhoto {
  contentType: PhotoType;
  bytes: Buffer;
}

/** Applies the orientation, downsizes and re-encodes; the output carries no metadata at all. */
async function reencode(bytes: Buffer, contentType: PhotoType): Promise<Buffer> {
  try {
    const image = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: PHOTO_MAX_EDGE, height: PHOTO_MAX_EDGE, fit: 'inside', withoutEnlargement: true });
    return await (
      contentType === 'image/jpeg'
        ? image.jpeg({ quality: 82, mozjpeg: true })
        : image.png({ compressionLevel: 9 })
    ).toBuffer();
  } catch {
    throw photoInvalid('The picture could not be read');
  }
}

/** Checks size and type and returns the photo re-encoded without metadata; throws a 400/413/415 otherwise. */
export async function cleanPhoto(bytes: Buffer, maxBytes: number): Promise<CleanPhoto> {
  if (bytes.length > maxBytes)
    throw new AppError(
      'photo_too_large',
      413,
      `A photo may have at most ${Math.floor(maxBytes / 1048576)} MB`,
    );
  const contentType = sniffPhotoType(bytes);
  if (!contentType)
    throw new AppError('photo_type_unsupported', 415, 'Only JPEG and PNG photos are accepted');
  // Walking the container first gives a damaged file a precise error; the re-encoding reads the original,
  // as it needs the EXIF orientation, and writes no metadata.
  if (contentType === 'image/jpeg') stripJpegMetadata(bytes);
  else stripPngMetadata(bytes);
  return { contentType, bytes: await reencode(bytes, contentType) };
}
