// Demo dashboards for the Südkreis: for each municipality with demo sensors, tiles per field of action
// (weather, water levels with warning bands, glass containers, parking), published, most of them also
// on the region's dashboard. Safe to call on every start: a municipality with tiles is left alone.
import type { TileBand, TileConfig } from '@srp/contracts';
import type { AppContext } from '../context.js';
import { systemActor } from '../core/audit/audit.service.js';
import { DeviceRepository } from '../sensors/devices/device.repository.js';
import { DEMO_SENSORS, demoDevEui } from '../sensors/simulator/demo-sensors.js';
import { DashboardService } from './dashboard.service.js';

const band = (
  from: number | null,
  to: number | null,
  level: TileBand['level'],
  color: string,
  de: string,
  en: string,
): TileBand => ({ from, to, level, color, label: { de, en } });

const GAUGE_BANDS = [
  band(null, 80, 'normal', '#1b7a3a', 'Normal', 'Normal'),
  band(80, 120, 'notice', '#8a5a00', 'Erhöht', 'Raised'),
  band(120, 160, 'warning', '#c2410c', 'Hochwasser möglich', 'Flooding possible'),
  band(160, null, 'alarm', '#b91c1c', 'Hochwasser', 'Flooding'),
];
const FILL_BANDS = [
  band(null, 60, 'normal', '#1b7a3a', 'Platz frei', 'Space left'),
  band(60, 85, 'notice', '#8a5a00', 'Fast voll', 'Nearly full'),
  band(85, null, 'warning', '#b91c1c', 'Voll – bitte anderen Container nutzen', 'Full – please use another'),
];

interface TilePlan {
  config: TileConfig;
  onRegion: boolean;
}

export async function seedDemoDashboards(ctx: AppContext): Promise<number> {
  const devices = new DeviceRepository(ctx.db);
  const service = new DashboardService(ctx.db, ctx.audit);
  const actor = systemActor('demo seed');
  let created = 0;
  const slugs = [...new Set(DEMO_SENSORS.map((s) => s.municipality))];
  for (const slug of slugs) {
    const municipality = await ctx.tenancy.municipalityBySlug(slug).catch(() => null);
    if (!municipality) continue;
    if ((await service.list(municipality.id)).length > 0) continue;
    const streams = async (profile: string, field: string) => {
      const ids: number[] = [];
      for (const sensor of DEMO_SENSORS.filter((s) => s.municipality === slug && s.profile === profile)) {
        const device = await devices.findByDevEui(demoDevEui(sensor));
        const id = (device?.field_map as Record<string, number> | undefined)?.[field];
        if (id !== undefined) ids.push(id);
      }
      return ids;
    };
    const name = municipality.name;
    const weather = [
      ...(await streams('weather-station', 'temperature_c')),
      ...(await streams('weather-station', 'rain_mm')),
      ...(await streams('weather-station', 'wind_ms')),
    ];
    const temperature = await streams('weather-station', 'temperature_c');
    const gauges = await streams('water-level', 'water_level_cm');
    const containers = await streams('container-fill', 'fill_level_pct');
    const parking = await streams('parking', 'free_spaces');
    const plans: TilePlan[] = [];
    const text = (de: string, en: string) => ({ de, en });
    if (weather.length > 0)
      plans.push({
        onRegion: true,
        config: {
          fieldOfAction: 'weather',
          chartType: 'value',
          datastreamIds: weather,
          title: text(`Wetter in ${name}`, `Weather in ${name}`),
          description: text(
            'Temperatur, Niederschlag und Wind am Rathaus.',
            'Temperature, rain and wind at the town hall.',
          ),
          bands: [],
          defaultRange: '24h',
        },
      });
    if (gauges.length > 0)
      plans.push({
        onRegion: true,
        config: {
          fieldOfAction: 'water',
          chartType: 'line',
          datastreamIds: gauges,
          title: text(`Wasserstand ${name}`, `Water level ${name}`),
          description: text(
            'Pegelstand mit Warnstufen. Ab „Hochwasser möglich“ informiert die Gemeinde.',
            'River level with warning bands. From “flooding possible” the municipality informs the public.',
          ),
          bands: GAUGE_BANDS,
          defaultRange: '7d',
        },
      });
    if (containers.length > 0)
      plans.push({
        onRegion: true,
        config: {
          fieldOfAction: 'waste',
          chartType: 'fill',
          datastreamIds: containers,
          title: text(`Glascontainer ${name}`, `Glass containers ${name}`),
          description: text(
            'Füllstand der Container: Wo ist noch Platz?',
            'Fill level of the containers: where is there room?',
          ),
          bands: FILL_BANDS,
          defaultRange: '7d',
        },
      });
    if (parking.length > 0)
      plans.push({
        onRegion: true,
        config: {
          fieldOfAction: 'parking',
          chartType: 'spaces',
          datastreamIds: parking,
          title: text(`Freie Parkplätze ${name}`, `Free parking spaces ${name}`),
          description: text('Freie Stellplätze je Parkplatz.', 'Free spaces per car park.'),
          bands: [],
          defaultRange: '24h',
        },
      });
    if (temperature.length > 0)
      plans.push({
        onRegion: false,
        config: {
          fieldOfAction: 'weather',
          chartType: 'line',
          datastreamIds: temperature,
          title: text(`Temperaturverlauf ${name}`, `Temperature ${name}`),
          description: text('Lufttemperatur im Verlauf.', 'Air temperature over time.'),
          bands: [],
          defaultRange: '30d',
        },
      });
    for (const plan of plans) {
      const tile = await service.create(
        municipality.id,
        { draft: plan.config, onRegion: plan.onRegion },
        actor,
      );
      await service.publish(municipality.id, tile.id, actor);
      created++;
    }
  }
  return created;
}
