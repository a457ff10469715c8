// The SensorThings adapter's parts, built once per application context and shared by the HTTP routes
// (app.ts) and, later, the MQTT extension.
import type { AppContext } from '../../context.js';
import { EntityService } from '../entities/entity.service.js';
import { StaHandler, type StaExtensions } from './handler.js';
import type { ReadSettings } from './reader.js';

export interface SensorThings {
  entities: EntityService;
  handler: StaHandler;
  /** Shared with the handler; `postgis` is set once the database has been asked (sta.routes.ts). */
  settings: ReadSettings;
  /** Filled in by extensions when they start (the MQTT extension announces itself here). */
  extensions: StaExtensions;
}

const modules = new WeakMap<AppContext, SensorThings>();

export function sensorThingsFor(ctx: AppContext): SensorThings {
  let module = modules.get(ctx);
  if (!module) {
    const entities = new EntityService(ctx.db, ctx.observations);
    const settings: ReadSettings = { defaultTop: 100, maxTop: ctx.config.STA_MAX_TOP };
    const extensions: StaExtensions = { conformance: [], settings: {} };
    const handler = new StaHandler({ db: ctx.db, entities, settings, extensions });
    module = { entities, handler, settings, extensions };
    modules.set(ctx, module);
  }
  return module;
}
