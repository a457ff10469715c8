// MQTT framing for the ingestion subscriber: the byte stream is cut into whole packets by the fixed
// header (type, flags, remaining length), and a PUBLISH, nearly everything the broker sends, is read
// here directly: topic, packet id and payload, its properties skipped. mqtt-packet's general parser
// (BufferList, one object per field, debug calls) was a fifth of the subscriber's CPU per message. Every
// other packet goes to mqtt-packet whole.

/** A PUBLISH as the subscriber needs it. */
export interface PublishFrame {
  topic: string;
  /** Part of the chunk it arrived in; never written to. */
  payload: Buffer;
  qos: 0 | 1 | 2;
  dup: boolean;
  /** Only for QoS 1 and 2. */
  messageId: number | undefined;
}

/** A packet that breaks the protocol (the connection is then closed). */
export class MqttFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MqttFrameError';
  }
}

const PUBLISH = 3;

/**
 * Cuts a stream into packets: `push` each chunk read; `onPublish` gets every PUBLISH, `onOther` every
 * other whole packet (fixed header included), in order.
 */
export class MqttFramer {
  /** The start of a packet not complete yet, as it arrived (joined only once it is complete). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the pending packet has in all, once its fixed header has arrived (else 0). */
  private needed = 0;

  constructor(
    private readonly onPublish: (frame: PublishFrame) => void,
    private readonly onOther: (packet: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.pending.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      // A large message arrives in many chunks: joining them at each one would copy it over and over.
      if (this.needed > 0 && this.pendingBytes < this.needed) return;
    }
    const data = this.pending.length > 0 ? Buffer.concat(this.pending, this.pendingBytes) : chunk;
    this.pending = [];
    this.pendingBytes = 0;
    this.needed = 0;
    let at = 0;
    while (at < data.length) {
      const header = remainingLength(data, at + 1);
      const end = header === null ? 0 : at + 1 + header.bytes + header.length;
      if (header === null || end > data.length) {
        this.pending = [data.subarray(at)];
        this.pendingBytes = data.length - at;
        this.needed = header === null ? 0 : end - at;
        return;
      }
      const body = at + 1 + header.bytes;
      if (data[at]! >> 4 === PUBLISH) this.onPublish(publishFrame(data, data[at]! & 0x0f, body, end));
      else this.onOther(data.subarray(at, end));
      at = end;
    }
  }
}

/** MQTT's variable byte integer at `at`; null when the chunk ends inside it. */
function remainingLength(data: Buffer, at: number): { length: number; bytes: number } | null {
  let length = 0;
  for (let i = 0; i < 4; i++) {
    if (at + i >= data.length) return null;
    const byte = data[at + i]!;
    length += (byte & 0x7f) * 128 ** i;
    if (byte < 0x80) return { length, bytes: i + 1 };
  }
  throw new MqttFrameError('remaining length longer than 4 bytes');
}

/** MQTT 5 PUBLISH: topic (2-byte length), packet id (QoS > 0), properties (skipped), payload. */
function publishFrame(data: Buffer, flags: number, start: number, end: number): PublishFrame {
  const qos = (flags >> 1) & 0x03;
  if (qos === 3) throw new MqttFrameError('PUBLISH with QoS 3');
  if (start + 2 > end) throw new MqttFrameError('PUBLISH without a topic');
  const topicEnd = start + 2 + data.readUInt16BE(start);
  let at = topicEnd;
  let messageId: number | undefined;
  if (qos > 0) {
    if (at + 2 > end) throw new MqttFrameError('PUBLISH without a packet id');
    messageId = data.readUInt16BE(at);
    at += 2;
  }
  const properties = remainingLength(data, at);
  if (properties === null) throw new MqttFrameError('PUBLISH without properties');
  at += properties.bytes + properties.length;
  if (topicEnd > end || at > end) throw new MqttFrameError('PUBLISH longer than its packet');
  return {
    topic: data.toString('utf8', start + 2, topicEnd),
    payload: data.subarray(at, end),
    qos: qos as 0 | 1 | 2,
    dup: (flags & 0x08) !== 0,
    messageId,
  };
}
