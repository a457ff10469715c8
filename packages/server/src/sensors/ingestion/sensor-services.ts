// The services of device registry and ingestion, built once per AppContext (routes, MQTT client, simulator
// and jobs share them).
import type { AppContext } from '../../context.js';
import { DeviceService } from '../devices/device.service.js';
import { IngestionService } from './ingestion.service.js';

export interface SensorServices {
  devices: DeviceService;
  ingestion: IngestionService;
}

const built = new WeakMap<AppContext, SensorServices>();

export function sensorServices(ctx: AppContext): SensorServices {
  let services = built.get(ctx);
  if (!services) {
    services = {
      devices: new DeviceService(ctx.db, ctx.audit, ctx.publications),
      ingestion: new IngestionService(ctx.db, ctx.observations, ctx.audit, {
        limits: {
          timeoutMs: ctx.config.DECODER_TIMEOUT_MS,
          memoryBytes: ctx.config.DECODER_MEMORY_MB * 1024 * 1024,
        },
      }),
    };
    built.set(ctx, services);
  }
  return services;
}
