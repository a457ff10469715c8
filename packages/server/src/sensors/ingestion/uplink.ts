// The network servers' messages translated into one shape. Each adapter reads its wire format (The
// Things Stack v3 webhook JSON, ChirpStack v4 integration events) and never touches the database.
import { Errors } from '../../core/errors.js';
import { normaliseDevEui } from '../devices/device.service.js';

export type UplinkSource = 'tts' | 'chirpstack' | 'simulator';

export interface Uplink {
  kind: 'uplink';
  source: UplinkSource;
  devEui: string;
  /** The network server's id of this message (TTS correlation id, ChirpStack deduplicationId). */
  messageId: string | null;
  fCnt: number | null;
  fPort: number | null;
  bytes: Uint8Array | null;
  /** The network server's decoded payload, when it has a codec. */
  decoded: Record<string, unknown> | null;
  /** When the network server received the uplink. */
  receivedAt: Date;
  /** The best gateway's own receive time, when it has one. */
  gatewayTime: Date | null;
  rssi: number | null;
  snr: number | null;
}

/** Events without measurements that still say something about the device. */
export interface DeviceEvent {
  kind: 'event';
  source: UplinkSource;
  event: string;
  devEui: string;
  at: Date;
  batteryPercent: number | null;
  error: string | null;
}

export type NetworkMessage = Uplink | DeviceEvent;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : null);
const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function date(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  // Nanosecond fractions (TTS) are beyond Date; keep milliseconds.
  const trimmed = value.replace(/(\.\d{3})\d+/, '$1');
  const parsed = new Date(trimmed);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

function devEuiOf(value: unknown): string {
  const eui = typeof value === 'string' ? normaliseDevEui(value) : null;
  if (!eui) throw Errors.badRequest('The message names no valid DevEUI');
  return eui;
}

function base64Bytes(value: unknown): Uint8Array | null {
  if (typeof value !== 'string' || value === '') return null;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw Errors.badRequest('The payload is not base64');
  return new Uint8Array(Buffer.from(value, 'base64'));
}

/** The gateway that heard the device best: highest SNR, then RSSI. */
function bestGateway<T extends { snr: number | null; rssi: number | null }>(list: T[]): T | null {
  let best: T | null = null;
  for (const g of list)
    if (
      !best ||
      (g.snr ?? -99) > (best.snr ?? -99) ||
      ((g.snr ?? -99) === (best.snr ?? -99) && (g.rssi ?? -999) > (best.rssi ?? -999))
    )
      best = g;
  return best;
}

const nonEmpty = (v: unknown) => (isObj(v) && Object.keys(v).length > 0 ? v : null);

/** A The Things Stack v3 application-layer message as its webhook posts it. */
export function parseTtsMessage(body: unknown, source: UplinkSource = 'tts'): NetworkMessage {
  if (!isObj(body) || !isObj(body.end_device_ids)) throw Errors.badRequest('Not a The Things Stack message');
  const devEui = devEuiOf(body.end_device_ids.dev_eui);
  const up = body.uplink_message;
  if (!isObj(up)) {
    if (isObj(body.join_accept))
      return {
        kind: 'event',
        source,
        event: 'join',
        devEui,
        at: date(body.received_at) ?? new Date(),
        batteryPercent: null,
        error: null,
      };
    throw Errors.badRequest('The message carries no uplink_message');
  }
  const correlation = Array.isArray(body.correlation_ids)
    ? body.correlation_ids.filter((c) => typeof c === 'string')
    : [];
  const messageId = correlation.find((c) => c.startsWith('as:up:')) ?? correlation[0] ?? null;
  const gateways = (Array.isArray(up.rx_metadata) ? up.rx_metadata : []).filter(isObj).map((g) => ({
    rssi: finite(g.rssi) ?? finite(g.channel_rssi),
    snr: finite(g.snr),
    time: date(g.time),
  }));
  const best = bestGateway(gateways);
  const receivedAt = date(up.received_at) ?? date(body.received_at);
  if (!receivedAt) throw Errors.badRequest('The uplink has no received_at time');
  return {
    kind: 'uplink',
    source,
    devEui,
    messageId,
    // The Things Stack omits zero values, so a missing f_cnt is frame 0.
    fCnt: finite(up.f_cnt) ?? 0,
    fPort: finite(up.f_port),
    bytes: base64Bytes(up.frm_payload),
    decoded: nonEmpty(up.decoded_payload),
    receivedAt,
    gatewayTime: best?.time ?? null,
    rssi: best?.rssi ?? null,
    snr: best?.snr ?? null,
  };
}

export const CHIRPSTACK_EVENTS = [
  'up',
  'status',
  'join',
  'ack',
  'txack',
  'log',
  'location',
  'integration',
] as const;
export type ChirpstackEvent = (typeof CHIRPSTACK_EVENTS)[number];

/** A ChirpStack v4 integration event (HTTP `?event=…` or MQTT `…/event/{event}`), JSON marshaler. */
export function parseChirpstackEvent(event: string, body: unknown): NetworkMessage {
  if (!isObj(body) || !isObj(body.deviceInfo)) throw Errors.badRequest('Not a ChirpStack event');
  const devEui = devEuiOf(body.deviceInfo.devEui);
  const at = date(body.time) ?? new Date();
  if (event !== 'up') {
    const battery =
      event === 'status' && body.batteryLevelUnavailable !== true ? finite(body.batteryLevel) : null;
    const error =
      event === 'log' && body.level === 'ERROR'
        ? `${str(body.code) ?? 'error'}: ${str(body.description) ?? ''}`.slice(0, 500)
        : null;
    return { kind: 'event', source: 'chirpstack', event, devEui, at, batteryPercent: battery, error };
  }
  const gateways = (Array.isArray(body.rxInfo) ? body.rxInfo : []).filter(isObj).map((g) => ({
    rssi: finite(g.rssi),
    snr: finite(g.snr),
    time: date(g.gwTime) ?? date(g.time),
    nsTime: date(g.nsTime),
  }));
  const best = bestGateway(gateways);
  const receivedAt = date(body.time) ?? best?.nsTime ?? null;
  if (!receivedAt) throw Errors.badRequest('The uplink has no time');
  return {
    kind: 'uplink',
    source: 'chirpstack',
    devEui,
    messageId: str(body.deduplicationId),
    fCnt: finite(body.fCnt) ?? 0,
    fPort: finite(body.fPort),
    bytes: base64Bytes(body.data),
    decoded: nonEmpty(body.object),
    receivedAt,
    gatewayTime: best?.time ?? null,
    rssi: best?.rssi ?? null,
    snr: best?.snr ?? null,
  };
}

/** Re-reads a stored raw message (quarantine release) with the adapter it came through. */
export function parseStored(source: string, payload: unknown): NetworkMessage {
  if (source === 'chirpstack') return parseChirpstackEvent('up', payload);
  return parseTtsMessage(payload, source === 'simulator' ? 'simulator' : 'tts');
}
