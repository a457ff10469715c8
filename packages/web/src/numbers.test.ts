import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatNumber } from './numbers.js';

void test('formatNumber matches Intl.NumberFormat for German and English', () => {
  const values = [0, 1, -1, 0.04, -0.04, 1.25, 12.5, 999.96, 1234.5, -98765.432, 1_000_000, 3.14159];
  for (const language of ['de', 'en'])
    for (const digits of [0, 1, 2])
      for (const value of values) {
        const expected = new Intl.NumberFormat(language, { maximumFractionDigits: digits })
          .format(value)
          .replace(/^-0$/, '0');
        assert.equal(formatNumber(value, language, digits), expected, `${value} ${language} ${digits}`);
      }
});
