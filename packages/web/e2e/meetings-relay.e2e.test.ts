// Video meetings relayed through a local coturn: the server hands out TURN credentials in coturn's REST
// API scheme, the browsers are forced to iceTransportPolicy 'relay', and two and four peers still
// exchange audio and video, every selected candidate pair being relay on both ends.
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { MEDIA_ARGS, meetAndMeasure, startTurn, type Turn } from './meetings-support.js';
import { browserSuite } from './support.js';

const TURN_SECRET = randomBytes(16).toString('hex');
let turn: Turn | undefined;
const suite = browserSuite(async () => {
  turn = await startTurn(TURN_SECRET);
  return { TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=udp`, TURN_SECRET };
}, MEDIA_ARGS);
after(() => turn?.close());

describe('video meetings relayed through TURN', () => {
  test('two peers exchange audio and video relayed through coturn', () => meetAndMeasure(suite, 2, true));
  test('four peers exchange audio and video relayed through coturn', () => meetAndMeasure(suite, 4, true));
});
