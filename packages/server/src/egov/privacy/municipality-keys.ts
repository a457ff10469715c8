// Citizen data at rest, encrypted per municipality (envelope encryption): each municipality has its
// own random data key, stored only wrapped (AES-256-GCM) with the platform's egov master key. Form
// data, engine state and messages are sealed with the municipality's key and the record's id as
// additional data, so a ciphertext copied to another record or municipality does not open. Attachments
// and documents go through core/files' EncryptedFileStorage with the municipality's key as its master.
import crypto from 'node:crypto';
import type { Database } from '../../core/db/database.js';
import { EncryptedFileStorage, type FileStorage } from '../../core/files/index.js';
import { AppError, Errors } from '../../core/errors.js';

const VERSION = 'v1';

function seal(key: Buffer, plain: Buffer, aad: string): string {
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return `${VERSION}.${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')}`;
}

function open(key: Buffer, sealed: string, aad: string): Buffer {
  const [version, payload] = sealed.split('.');
  if (version !== VERSION || !payload) throw integrity();
  const raw = Buffer.from(payload, 'base64');
  if (raw.length < 28) throw integrity();
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
  } catch {
    throw integrity();
  }
}

const integrity = () => new AppError('egov_data_integrity', 500, 'Encrypted case data failed authentication');

export class MunicipalityKeys {
  readonly #cache = new Map<string, Buffer>();
  readonly #files = new Map<string, FileStorage>();

  constructor(
    private readonly db: Database,
    /** null: no key configured in production; every use fails with 503 until one is set. */
    private readonly configuredKey: Buffer | null,
    private readonly baseFiles: FileStorage,
  ) {
    if (configuredKey && configuredKey.length !== 32) throw new Error('the egov master key must be 32 bytes');
  }

  private get masterKey(): Buffer {
    if (!this.configuredKey)
      throw Errors.unavailable('Online services need EGOV_ENCRYPTION_KEY to be configured');
    return this.configuredKey;
  }

  /** The municipality's data key; created on first use (two instances racing agree on the first one). */
  async key(municipalityId: string): Promise<Buffer> {
    const cached = this.#cache.get(municipalityId);
    if (cached) return cached;
    let row = await this.db
      .selectFrom('egov_municipality_keys')
      .select('wrapped_key')
      .where('municipality_id', '=', municipalityId)
      .executeTakeFirst();
    if (!row) {
      const wrapped = seal(this.masterKey, crypto.randomBytes(32), `key:${municipalityId}`);
      await this.db
        .insertInto('egov_municipality_keys')
        .values({ municipality_id: municipalityId, wrapped_key: wrapped })
        .onConflict((oc) => oc.column('municipality_id').doNothing())
        .execute();
      row = await this.db
        .selectFrom('egov_municipality_keys')
        .select('wrapped_key')
        .where('municipality_id', '=', municipalityId)
        .executeTakeFirstOrThrow();
    }
    const key = open(this.masterKey, row.wrapped_key, `key:${municipalityId}`);
    this.#cache.set(municipalityId, key);
    return key;
  }

  async encryptJson(municipalityId: string, recordId: string, value: unknown): Promise<string> {
    const key = await this.key(municipalityId);
    return seal(key, Buffer.from(JSON.stringify(value)), `${municipalityId}:${recordId}`);
  }

  async decryptJson<T>(municipalityId: string, recordId: string, sealed: string): Promise<T> {
    const key = await this.key(municipalityId);
    return JSON.parse(open(key, sealed, `${municipalityId}:${recordId}`).toString('utf8')) as T;
  }

  /** The file storage for this municipality's case files, encrypted with its key. */
  async files(municipalityId: string): Promise<FileStorage> {
    let storage = this.#files.get(municipalityId);
    if (!storage) {
      storage = new EncryptedFileStorage(this.baseFiles, await this.key(municipalityId));
      this.#files.set(municipalityId, storage);
    }
    return storage;
  }

  /**
   * Reads files by key, decrypting case files (`m/<municipality>/egov/…`) with their municipality's key;
   * other keys are read as stored. The connectors read attachments through it.
   */
  fileReader(): Pick<FileStorage, 'get'> {
    return {
      get: async (key) => {
        const match = /^m\/([0-9a-f-]{36})\/egov\//.exec(key);
        return match ? (await this.files(match[1]!)).get(key) : this.baseFiles.get(key);
      },
    };
  }
}

/**
 * The master key from EGOV_ENCRYPTION_KEY; outside production a fixed development key stands in, in
 * production there is none (the rest of the platform runs, online services answer 503).
 */
export function egovMasterKey(configured: string | undefined, nodeEnv: string): Buffer | null {
  if (configured) return Buffer.from(configured, 'base64');
  if (nodeEnv === 'production') return null;
  return crypto.createHash('sha256').update('srp-egov-development-master-key').digest();
}
