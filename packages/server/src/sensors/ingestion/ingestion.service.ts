// Turns a network server's uplink into observations, the same way for every path (TTS webhook, ChirpStack
// HTTP and MQTT, the demo simulator): find the device, drop duplicates, decode in the sandbox, convert
// with the mounting parameters, check plausibility and time, then store through the one observation
// entry point and update the device's health in one transaction. Whatever cannot be stored goes to the
// quarantine with a reason, so nothing is lost and staff can release or discard it.
import type { AuditActor, AuditService } from '../../core/audit/audit.service.js';
import type { Database } from '../../core/db/database.js';
import type { QuarantineStatus } from '../../core/db/schema.js';
import { Errors } from '../../core/errors.js';
import type { ObservationService } from '../observations/observation.service.js';
import type { ObservationInput, StoredObservation } from '../observations/observation.types.js';
import { DeviceRepository, type DeviceRow } from '../devices/device.repository.js';
import type { IntegrationRow } from '../devices/integration.repository.js';
import { batteryPercent, isProfileId, PROFILES, type DeviceProfile } from '../devices/profiles.js';
import { DecoderError, runDecoder, type SandboxLimits } from './decoder-sandbox.js';
import { IngestionRepository, type QuarantineRow } from './ingestion.repository.js';
import { parseStored, type DeviceEvent, type NetworkMessage, type Uplink } from './uplink.js';

export const QUARANTINE_REASONS = [
  'unknown_device',
  'device_disabled',
  'no_payload',
  'decoder_threw',
  'decoder_timeout',
  'decoder_memory',
  'decoder_invalid_output',
  'invalid_values',
  'out_of_range',
  'timestamp_in_future',
  'storage_failed',
] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

export class QuarantineSignal extends Error {
  constructor(
    readonly reason: QuarantineReason,
    readonly detail: string,
    readonly device: DeviceRow | null,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'QuarantineSignal';
  }
}

export type IngestResult =
  | { status: 'stored'; deviceId: number; observations: number }
  | { status: 'duplicate'; deviceId: number }
  | {
      status: 'quarantined';
      reason: QuarantineReason;
      detail: string;
      quarantineId: number;
      deviceId: number | null;
    }
  | { status: 'ignored'; detail: string };

export interface IngestionOptions {
  limits: SandboxLimits;
  /** Tolerated clock skew of a network server ahead of ours. */
  maxFutureMs?: number;
  /** Same frame counter within this window counts as the same uplink. */
  duplicateWindowMs?: number;
  now?: () => Date;
}

/** Where a message came from: the integration (its municipality) and the raw body for the quarantine. */
export interface Delivery {
  municipalityId: string;
  integrationId: string | null;
  raw: unknown;
}

interface Plan {
  device: DeviceRow;
  dedupKey: string;
  observations: ObservationInput[];
  batteryMv: number | null;
}

export class IngestionService {
  private readonly maxFutureMs: number;
  private readonly duplicateWindowMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    private readonly observations: ObservationService,
    private readonly audit: AuditService,
    private readonly options: IngestionOptions,
  ) {
    this.maxFutureMs = options.maxFutureMs ?? 5 * 60_000;
    this.duplicateWindowMs = options.duplicateWindowMs ?? 10 * 60_000;
    this.now = options.now ?? (() => new Date());
  }

  static forIntegration(integration: IntegrationRow, raw: unknown): Delivery {
    return { municipalityId: integration.municipality_id, integrationId: integration.id, raw };
  }

  /** Handles one message; never throws for bad content (that is quarantined), only for storage outages. */
  async ingest(delivery: Delivery, message: NetworkMessage): Promise<IngestResult> {
    if (message.kind === 'event') return this.deviceEvent(delivery, message);
    try {
      return await this.store(delivery, message, { checks: true });
    } catch (error) {
      if (!(error instanceof QuarantineSignal)) throw error;
      const repository = new IngestionRepository(this.db);
      const quarantineId = await repository.quarantine({
        municipalityId: delivery.municipalityId,
        integrationId: delivery.integrationId,
        deviceId: error.device?.id ?? null,
        devEui: message.devEui,
        source: message.source,
        reason: error.reason,
        detail: error.detail,
        payload: delivery.raw,
      });
      if (error.device)
        await new DeviceRepository(this.db).updateHealth(error.device.municipality_id, error.device.id, {
          lastSeenAt: message.receivedAt,
          rssi: message.rssi,
          snr: message.snr,
          fCnt: message.fCnt,
          lastError: `${error.reason}: ${error.detail}`.slice(0, 500),
        });
      return {
        status: 'quarantined',
        reason: error.reason,
        detail: error.detail,
        quarantineId,
        deviceId: error.device?.id ?? null,
      };
    }
  }

  private async deviceEvent(delivery: Delivery, event: DeviceEvent): Promise<IngestResult> {
    const device = await new DeviceRepository(this.db).findByDevEui(event.devEui);
    if (!device || device.municipality_id !== delivery.municipalityId)
      return { status: 'ignored', detail: `${event.event} event of an unknown device` };
    await new DeviceRepository(this.db).updateHealth(device.municipality_id, device.id, {
      lastSeenAt: event.event === 'log' ? undefined : event.at,
      batteryPercent: event.batteryPercent,
      ...(event.error ? { lastError: event.error } : {}),
    });
    return { status: 'ignored', detail: `${event.event} event recorded in the device health` };
  }

  /** Stores the uplink or throws QuarantineSignal. `checks: false` is a staff release (values accepted). */
  private async store(delivery: Delivery, uplink: Uplink, mode: { checks: boolean }): Promise<IngestResult> {
    const devices = new DeviceRepository(this.db);
    const device = await devices.findByDevEui(uplink.devEui);
    if (!device || device.municipality_id !== delivery.municipalityId)
      throw new QuarantineSignal(
        'unknown_device',
        `No device with DevEUI ${uplink.devEui} is registered here`,
        null,
      );
    const dedupKey = uplink.messageId
      ? `id:${uplink.messageId}`
      : `fcnt:${uplink.fCnt ?? 'none'}:${Math.floor(uplink.receivedAt.getTime() / 3_600_000)}`;
    const ingestion = new IngestionRepository(this.db);
    if (await this.isDuplicate(ingestion, device, dedupKey, uplink))
      return { status: 'duplicate', deviceId: device.id };
    if (device.status !== 'active')
      throw new QuarantineSignal('device_disabled', 'The device is disabled', device);

    const plan = await this.plan(device, dedupKey, uplink, mode);
    let stored: StoredObservation[] = [];
    const fresh = await this.db.transaction().execute(async (trx) => {
      if (
        !(await new IngestionRepository(trx).claimUplink(device.id, dedupKey, uplink.fCnt, uplink.receivedAt))
      )
        return false;
      stored = await this.observations.create(device.municipality_id, plan.observations, trx);
      await new DeviceRepository(trx).updateHealth(device.municipality_id, device.id, {
        lastSeenAt: uplink.receivedAt,
        rssi: uplink.rssi,
        snr: uplink.snr,
        fCnt: uplink.fCnt,
        batteryMv: plan.batteryMv,
        batteryPercent: plan.batteryMv === null ? null : batteryPercent(plan.batteryMv),
      });
      return true;
    });
    if (!fresh) return { status: 'duplicate', deviceId: device.id };
    // The transaction was ours, so telling the listeners is ours too.
    this.observations.events.emit('stored', stored);
    return { status: 'stored', deviceId: device.id, observations: stored.length };
  }

  private async isDuplicate(
    repository: IngestionRepository,
    device: DeviceRow,
    dedupKey: string,
    uplink: Uplink,
  ): Promise<boolean> {
    if (await repository.uplinkExists(device.id, dedupKey)) return true;
    return (
      uplink.fCnt !== null &&
      repository.frameSeen(device.id, uplink.fCnt, uplink.receivedAt, this.duplicateWindowMs)
    );
  }

  private async plan(
    device: DeviceRow,
    dedupKey: string,
    uplink: Uplink,
    mode: { checks: boolean },
  ): Promise<Plan> {
    if (!isProfileId(device.profile))
      throw new QuarantineSignal(
        'invalid_values',
        `The device has the unknown profile ${device.profile}`,
        device,
      );
    const profile = PROFILES[device.profile];
    const mounting = device.mounting as Record<string, number>;
    const fieldMap = device.field_map as Record<string, number>;

    // The network server's decoded payload wins when it yields every measurement; otherwise our decoder
    // runs on the raw bytes.
    let data = uplink.decoded;
    let values = data ? profile.convert(data, mounting) : null;
    if (!values || (!allFinite(values) && uplink.bytes)) {
      if (!uplink.bytes)
        throw new QuarantineSignal(
          'no_payload',
          'The uplink has neither payload bytes nor a decoded payload',
          device,
        );
      data = await this.decode(device, profile, uplink);
      values = profile.convert(data, mounting);
    }
    for (const m of profile.measurements) {
      const value = values[m.field];
      if (value === undefined || !Number.isFinite(value))
        throw new QuarantineSignal('invalid_values', `${m.field} is missing or not a number`, device);
      if (mode.checks && (value < m.min || value > m.max))
        throw new QuarantineSignal(
          'out_of_range',
          `${m.field} = ${value} ${m.unit.symbol} is outside ${m.min}…${m.max} ${m.unit.symbol}`,
          device,
        );
    }
    const phenomenonTime = this.observationTime(uplink);
    if (mode.checks && phenomenonTime.getTime() > this.now().getTime() + this.maxFutureMs)
      throw new QuarantineSignal(
        'timestamp_in_future',
        `The uplink is dated ${phenomenonTime.toISOString()}`,
        device,
      );
    const battery =
      data && typeof data.battery_mv === 'number' && Number.isFinite(data.battery_mv)
        ? data.battery_mv
        : null;
    return {
      device,
      dedupKey,
      batteryMv: battery !== null && battery >= 0 && battery <= 10_000 ? Math.round(battery) : null,
      observations: profile.measurements
        .filter((m) => fieldMap[m.field] !== undefined)
        .map((m) => ({
          datastreamId: fieldMap[m.field]!,
          phenomenonTime: { start: phenomenonTime, end: null },
          resultTime: uplink.receivedAt,
          result: values[m.field]!,
          parameters: { devEui: device.dev_eui, ...(uplink.fCnt !== null ? { fCnt: uplink.fCnt } : {}) },
        })),
    };
  }

  /** The gateway's time when it is plausible (close before the network server's), else the server's. */
  private observationTime(uplink: Uplink): Date {
    const g = uplink.gatewayTime?.getTime();
    const ns = uplink.receivedAt.getTime();
    return g !== undefined && g <= ns + 1_000 && g >= ns - 60_000 ? uplink.gatewayTime! : uplink.receivedAt;
  }

  private async decode(
    device: DeviceRow,
    profile: DeviceProfile,
    uplink: Uplink,
  ): Promise<Record<string, unknown>> {
    const code =
      (await new DeviceRepository(this.db).customDecoder(device.municipality_id, profile.id)) ??
      profile.decoder;
    try {
      const output = await runDecoder(
        code,
        { bytes: [...uplink.bytes!], fPort: uplink.fPort ?? 0, recvTime: uplink.receivedAt.toISOString() },
        this.options.limits,
      );
      return output.data;
    } catch (error) {
      if (error instanceof DecoderError) throw new QuarantineSignal(error.reason, error.message, device);
      throw error;
    }
  }

  // --- quarantine ------------------------------------------------------------------------------------

  listQuarantine(
    municipalityId: string,
    filter: { deviceId?: number; status?: QuarantineStatus; limit: number; offset: number },
  ): Promise<QuarantineRow[]> {
    return new IngestionRepository(this.db).listQuarantine(municipalityId, filter);
  }

  /**
   * Staff looked at the entry and want it stored: the message is processed again, with its values
   * accepted as they are (range and time checks are the staff's call now). It must still decode and
   * belong to a registered device; otherwise the entry stays open and the reason is returned.
   */
  async release(municipalityId: string, id: number, actor: AuditActor): Promise<IngestResult> {
    const entry = await this.openEntry(municipalityId, id);
    let result: IngestResult;
    try {
      const message = parseStored(entry.source, entry.payload);
      if (message.kind !== 'uplink') throw Errors.conflict('The entry is no uplink');
      result = await this.store(
        { municipalityId, integrationId: entry.integration_id, raw: entry.payload },
        message,
        { checks: false },
      );
    } catch (error) {
      if (error instanceof QuarantineSignal)
        throw Errors.conflict(`The entry still cannot be stored: ${error.detail}`, { reason: error.reason });
      throw error;
    }
    await this.resolve(municipalityId, id, 'released', actor, { result: result.status });
    return result;
  }

  async discard(municipalityId: string, id: number, actor: AuditActor): Promise<void> {
    await this.openEntry(municipalityId, id);
    await this.resolve(municipalityId, id, 'discarded', actor, {});
  }

  private async openEntry(municipalityId: string, id: number): Promise<QuarantineRow> {
    const entry = await new IngestionRepository(this.db).findQuarantine(municipalityId, id);
    if (!entry) throw Errors.notFound('Quarantine entry');
    if (entry.status !== 'open') throw Errors.conflict(`The entry was ${entry.status} already`);
    return entry;
  }

  private async resolve(
    municipalityId: string,
    id: number,
    status: 'released' | 'discarded',
    actor: AuditActor,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await new IngestionRepository(trx).resolveQuarantine(municipalityId, id, status, actor.userId)))
        throw Errors.conflict('The entry was resolved already');
      await this.audit.record(
        actor,
        {
          action: `sensor_quarantine.${status}`,
          targetType: 'sensor_quarantine',
          targetId: String(id),
          municipalityId,
          details,
        },
        trx,
      );
    });
  }
}

function allFinite(values: Record<string, number>): boolean {
  return Object.values(values).every((v) => Number.isFinite(v));
}
