import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { ResumableSha256 } from './sha256.js';

test('matches node:crypto for many lengths, with the state saved and restored in between', () => {
  for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 100_003]) {
    const data = crypto.randomBytes(length);
    const expected = crypto.createHash('sha256').update(data).digest('hex');
    assert.equal(new ResumableSha256().update(data).digestHex(), expected, `length ${length}`);
    let hasher = new ResumableSha256();
    for (let at = 0; at < length;) {
      const next = Math.min(length, at + 1 + ((at * 7919) % 97));
      hasher.update(data.subarray(at, next));
      hasher = new ResumableSha256(
        JSON.parse(JSON.stringify(hasher.save())) as ReturnType<ResumableSha256['save']>,
      );
      at = next;
    }
    assert.equal(hasher.digestHex(), expected, `resumed, length ${length}`);
  }
});
