// The SensorThings adapter's parts, built once per application context and shared by the HTTP routes
// (app.ts) and the MQTT server (server.ts).
import type { AppContext } from '../../context.js';
import { EntityService } from '../entities/entity.service.js';
import { StaHandler } from './handler.js';

export interface SensorThings {
  entities: EntityService;
  handler: StaHandler;
  /** The MQTT endpoint announced in the service root (set when the MQTT server has started). */
  mqtt: { url: string | null };
}

const modules = new WeakMap<AppContext, SensorThings>();

export function sensorThingsFor(ctx: AppContext): SensorThings {
  let module = modules.get(ctx);
  if (!module) {
    const entities = new EntityService(ctx.db, ctx.observations);
    const settings = { defaultTop: 100, maxTop: ctx.config.STA_MAX_TOP, mqttUrl: null as string | null };
    const handler = new StaHandler({ db: ctx.db, entities, settings });
    const mqtt = {
      get url() {
        return settings.mqttUrl;
      },
      set url(value: string | null) {
        settings.mqttUrl = value;
      },
    };
    module = { entities, handler, mqtt };
    modules.set(ctx, module);
  }
  return module;
}
