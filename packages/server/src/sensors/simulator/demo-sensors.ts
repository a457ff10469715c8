// The demo region's sensors: what each municipality of the Südkreis has in the field, and the raw values
// each one reports at a given time (what its firmware would measure).
import type { ProfileId } from '../devices/profiles.js';
import {
  batteryMv,
  containerFillPct,
  hash01,
  humidityPct,
  parkingOccupied,
  rainMm,
  riverLevelCm,
  temperatureC,
  windMs,
} from './signals.js';

export interface DemoSensor {
  key: string;
  municipality: string;
  name: string;
  profile: ProfileId;
  mounting: Record<string, number>;
  latitude: number;
  longitude: number;
  /** Gauges: mean level in cm; parking: capacity. */
  base?: number;
}

export const DEMO_SENSORS: DemoSensor[] = [
  {
    key: 'flieden-wetter',
    municipality: 'flieden',
    name: 'Wetterstation Flieden Rathaus',
    profile: 'weather-station',
    mounting: {},
    latitude: 50.4233,
    longitude: 9.5662,
  },
  {
    key: 'flieden-pegel-fliede',
    municipality: 'flieden',
    name: 'Pegel Fliede Flieden',
    profile: 'water-level',
    mounting: { mountingHeightCm: 320 },
    latitude: 50.4221,
    longitude: 9.5621,
    base: 45,
  },
  {
    key: 'flieden-glas-markt',
    municipality: 'flieden',
    name: 'Glascontainer Flieden Marktplatz',
    profile: 'container-fill',
    mounting: { containerDepthMm: 1600 },
    latitude: 50.4239,
    longitude: 9.5671,
  },
  {
    key: 'flieden-glas-bahnhof',
    municipality: 'flieden',
    name: 'Glascontainer Flieden Bahnhof',
    profile: 'container-fill',
    mounting: { containerDepthMm: 1600 },
    latitude: 50.4205,
    longitude: 9.5608,
  },
  {
    key: 'flieden-park-bahnhof',
    municipality: 'flieden',
    name: 'P+R Bahnhof Flieden',
    profile: 'parking',
    mounting: { capacity: 80 },
    latitude: 50.4201,
    longitude: 9.5601,
    base: 80,
  },
  {
    key: 'kalbach-wetter',
    municipality: 'kalbach',
    name: 'Wetterstation Kalbach Rathaus',
    profile: 'weather-station',
    mounting: {},
    latitude: 50.3877,
    longitude: 9.6768,
  },
  {
    key: 'kalbach-pegel',
    municipality: 'kalbach',
    name: 'Pegel Kalbach Ortsmitte',
    profile: 'water-level',
    mounting: { mountingHeightCm: 250 },
    latitude: 50.3866,
    longitude: 9.6742,
    base: 30,
  },
  {
    key: 'kalbach-glas-markt',
    municipality: 'kalbach',
    name: 'Glascontainer Kalbach Marktplatz',
    profile: 'container-fill',
    mounting: { containerDepthMm: 1500 },
    latitude: 50.3881,
    longitude: 9.6779,
  },
  {
    key: 'neuhof-wetter',
    municipality: 'neuhof',
    name: 'Wetterstation Neuhof Rathaus',
    profile: 'weather-station',
    mounting: {},
    latitude: 50.4547,
    longitude: 9.6131,
  },
  {
    key: 'neuhof-pegel-fliede',
    municipality: 'neuhof',
    name: 'Pegel Fliede Neuhof',
    profile: 'water-level',
    mounting: { mountingHeightCm: 380 },
    latitude: 50.4561,
    longitude: 9.6102,
    base: 60,
  },
  {
    key: 'neuhof-glas-hanauer',
    municipality: 'neuhof',
    name: 'Glascontainer Neuhof Hanauer Straße',
    profile: 'container-fill',
    mounting: { containerDepthMm: 1600 },
    latitude: 50.4532,
    longitude: 9.6148,
  },
  {
    key: 'neuhof-glas-sportplatz',
    municipality: 'neuhof',
    name: 'Glascontainer Neuhof Sportplatz',
    profile: 'container-fill',
    mounting: { containerDepthMm: 1500 },
    latitude: 50.4585,
    longitude: 9.6189,
  },
  {
    key: 'neuhof-park-rathaus',
    municipality: 'neuhof',
    name: 'Parkplatz Rathaus Neuhof',
    profile: 'parking',
    mounting: { capacity: 45 },
    latitude: 50.4549,
    longitude: 9.6125,
    base: 45,
  },
];

/** A stable DevEUI per demo sensor (70B3D5 is a prefix often seen on LoRaWAN devices). */
export function demoDevEui(sensor: DemoSensor): string {
  const a = Math.floor(hash01('dev-eui', sensor.key, 1) * 0x10000000);
  const b = Math.floor(hash01('dev-eui', sensor.key, 2) * 0x1000000);
  return `70B3D5${a.toString(16).padStart(7, '0')}${b.toString(16).padStart(6, '0').slice(0, 3)}`.toUpperCase();
}

/** What the sensor's firmware measures at time t: the fields its profile encodes. */
export function rawValues(seed: string, sensor: DemoSensor, t: number): Record<string, number> {
  const battery = batteryMv(seed, sensor.key, t);
  switch (sensor.profile) {
    case 'weather-station':
      return {
        battery_mv: battery,
        temperature_c: temperatureC(seed, sensor.key, t),
        humidity_pct: humidityPct(seed, sensor.key, t),
        rain_mm: rainMm(seed, sensor.key, t),
        wind_ms: windMs(seed, sensor.key, t),
      };
    case 'water-level': {
      const level = riverLevelCm(seed, sensor.key, t, sensor.base ?? 40);
      return {
        battery_mv: battery,
        distance_mm: Math.round((sensor.mounting.mountingHeightCm! - level) * 10),
      };
    }
    case 'container-fill': {
      const fill = containerFillPct(seed, sensor.key, t);
      return {
        battery_mv: battery,
        distance_mm: Math.round(sensor.mounting.containerDepthMm! * (1 - fill / 100)),
      };
    }
    case 'parking': {
      const capacity = sensor.base ?? sensor.mounting.capacity ?? 50;
      const occupied = parkingOccupied(seed, sensor.key, t, capacity);
      return { battery_mv: battery, free_spaces: capacity - occupied, occupied_spaces: occupied };
    }
  }
}
