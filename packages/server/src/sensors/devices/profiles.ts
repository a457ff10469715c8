// Device profiles shipped with the platform: what a device of a kind measures, how its uplink bytes are
// laid out (the decoder, JavaScript with the LoRaWAN codec signature, run in the sandbox), how decoded
// fields become measurements with the device's mounting parameters, and which values are plausible.
// Byte layouts are this project's own; sensors/ingestion/README.md documents them.

export type ProfileId = 'weather-station' | 'water-level' | 'container-fill' | 'parking';
export const PROFILE_IDS: readonly ProfileId[] = [
  'weather-station',
  'water-level',
  'container-fill',
  'parking',
];

export interface Unit {
  name: string;
  symbol: string;
  definition: string;
}

export interface Measurement {
  /** The field of the converted uplink, also the key of the device's field map. */
  field: string;
  /** Datastream name, prefixed with the device name. */
  label: string;
  observedProperty: { name: string; definition: string; description: string };
  unit: Unit;
  /** Values outside are implausible (wrong units, broken sensor) and go to quarantine. */
  min: number;
  max: number;
}

export interface MountingParameter {
  key: string;
  description: string;
  min: number;
  max: number;
}

export interface DeviceProfile {
  id: ProfileId;
  name: string;
  description: string;
  /** Human-readable byte layout (also in the README). */
  layout: string;
  decoder: string;
  mounting: MountingParameter[];
  measurements: Measurement[];
  /** Decoded fields plus mounting parameters to measurement values; missing inputs give NaN. */
  convert(data: Record<string, unknown>, mounting: Record<string, number>): Record<string, number>;
  /** Raw sensor values to uplink bytes (the simulator's device firmware). */
  encode(values: Record<string, number>): Uint8Array;
}

const UCUM = 'http://unitsofmeasure.org/ucum.html#para-30';
const QUDT = 'http://qudt.org/vocab/quantitykind/';

const num = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);
const u16 = (view: DataView, offset: number, value: number) =>
  view.setUint16(offset, Math.max(0, Math.min(0xffff, Math.round(value))));

/** Common to all shipped profiles: bytes 0-1 battery voltage in mV, unsigned big-endian. */
const BATTERY = `var battery = (input.bytes[0] << 8) | input.bytes[1];`;

const distanceDecoder = `
function decodeUplink(input) {
  if (input.bytes.length < 4) return { errors: ['expected 4 bytes, got ' + input.bytes.length] };
  ${BATTERY}
  var distance = (input.bytes[2] << 8) | input.bytes[3];
  return { data: { battery_mv: battery, distance_mm: distance }, warnings: [], errors: [] };
}`;

const encodeDistance = (values: Record<string, number>) => {
  const bytes = new Uint8Array(4);
  const view = new DataView(bytes.buffer);
  u16(view, 0, values.battery_mv ?? 3300);
  u16(view, 2, values.distance_mm ?? 0);
  return bytes;
};

export const PROFILES: Record<ProfileId, DeviceProfile> = {
  'weather-station': {
    id: 'weather-station',
    name: 'Wetterstation',
    description: 'Temperatur, Luftfeuchte, Niederschlag und Wind',
    layout:
      '9 bytes, big-endian: 0-1 battery mV (uint16); 2-3 temperature in 0.01 °C (int16); 4 relative humidity in 0.5 % (uint8); 5-6 rain since the previous uplink in 0.1 mm (uint16); 7-8 wind speed in 0.01 m/s (uint16)',
    decoder: `
function decodeUplink(input) {
  var b = input.bytes;
  if (b.length < 9) return { errors: ['expected 9 bytes, got ' + b.length] };
  ${BATTERY}
  var raw = (b[2] << 8) | b[3];
  if (raw > 0x7fff) raw -= 0x10000;
  return {
    data: {
      battery_mv: battery,
      temperature_c: raw / 100,
      humidity_pct: b[4] / 2,
      rain_mm: ((b[5] << 8) | b[6]) / 10,
      wind_ms: ((b[7] << 8) | b[8]) / 100
    },
    warnings: [],
    errors: []
  };
}`,
    mounting: [],
    measurements: [
      {
        field: 'temperature_c',
        label: 'Lufttemperatur',
        observedProperty: {
          name: 'Lufttemperatur',
          definition: `${QUDT}Temperature`,
          description: 'Temperatur der Luft in 2 m Höhe',
        },
        unit: { name: 'Grad Celsius', symbol: '°C', definition: `${UCUM}Cel` },
        min: -40,
        max: 50,
      },
      {
        field: 'humidity_pct',
        label: 'Luftfeuchte',
        observedProperty: {
          name: 'Relative Luftfeuchte',
          definition: `${QUDT}RelativeHumidity`,
          description: 'Relative Feuchte der Luft',
        },
        unit: { name: 'Prozent', symbol: '%', definition: `${UCUM}%` },
        min: 0,
        max: 100,
      },
      {
        field: 'rain_mm',
        label: 'Niederschlag',
        observedProperty: {
          name: 'Niederschlag',
          definition: `${QUDT}Rainfall`,
          description: 'Niederschlagshöhe seit der vorigen Messung',
        },
        unit: { name: 'Millimeter', symbol: 'mm', definition: `${UCUM}mm` },
        min: 0,
        max: 200,
      },
      {
        field: 'wind_ms',
        label: 'Windgeschwindigkeit',
        observedProperty: {
          name: 'Windgeschwindigkeit',
          definition: `${QUDT}Speed`,
          description: 'Mittlere Windgeschwindigkeit',
        },
        unit: { name: 'Meter pro Sekunde', symbol: 'm/s', definition: `${UCUM}m/s` },
        min: 0,
        max: 75,
      },
    ],
    convert: (data) => ({
      temperature_c: num(data.temperature_c),
      humidity_pct: num(data.humidity_pct),
      rain_mm: num(data.rain_mm),
      wind_ms: num(data.wind_ms),
    }),
    encode: (values) => {
      const bytes = new Uint8Array(9);
      const view = new DataView(bytes.buffer);
      u16(view, 0, values.battery_mv ?? 3300);
      view.setInt16(2, Math.max(-32768, Math.min(32767, Math.round((values.temperature_c ?? 0) * 100))));
      view.setUint8(4, Math.max(0, Math.min(200, Math.round((values.humidity_pct ?? 0) * 2))));
      u16(view, 5, (values.rain_mm ?? 0) * 10);
      u16(view, 7, (values.wind_ms ?? 0) * 100);
      return bytes;
    },
  },
  'water-level': {
    id: 'water-level',
    name: 'Pegel (Ultraschall)',
    description: 'Wasserstand über Pegelnull aus dem Abstand eines Ultraschallsensors zur Wasseroberfläche',
    layout:
      '4 bytes, big-endian: 0-1 battery mV (uint16); 2-3 distance from sensor to water surface in mm (uint16). Water level in cm above gauge zero = mountingHeightCm − distance/10',
    decoder: distanceDecoder,
    mounting: [
      {
        key: 'mountingHeightCm',
        description: 'Height of the sensor above gauge zero (river bed) in cm',
        min: 10,
        max: 3000,
      },
    ],
    measurements: [
      {
        field: 'water_level_cm',
        label: 'Wasserstand',
        observedProperty: {
          name: 'Wasserstand',
          definition: `${QUDT}Height`,
          description: 'Wasserstand über Pegelnull',
        },
        unit: { name: 'Zentimeter', symbol: 'cm', definition: `${UCUM}cm` },
        min: -50,
        max: 1500,
      },
    ],
    convert: (data, mounting) => ({
      water_level_cm:
        typeof data.water_level_cm === 'number'
          ? data.water_level_cm
          : round1(num(mounting.mountingHeightCm) - num(data.distance_mm) / 10),
    }),
    encode: encodeDistance,
  },
  'container-fill': {
    id: 'container-fill',
    name: 'Füllstand Container (Ultraschall)',
    description: 'Füllstand eines Glas- oder Altkleidercontainers aus dem Abstand vom Deckel zum Füllgut',
    layout:
      '4 bytes, big-endian: 0-1 battery mV (uint16); 2-3 distance from lid to contents in mm (uint16). Fill level in % = 100 × (1 − distance/containerDepthMm)',
    decoder: distanceDecoder,
    mounting: [
      {
        key: 'containerDepthMm',
        description: 'Distance from the sensor to the empty container floor in mm',
        min: 100,
        max: 5000,
      },
    ],
    measurements: [
      {
        field: 'fill_level_pct',
        label: 'Füllstand',
        observedProperty: {
          name: 'Füllstand',
          definition: 'https://smart-region.example/def/fill-level',
          description: 'Füllstand des Containers',
        },
        unit: { name: 'Prozent', symbol: '%', definition: `${UCUM}%` },
        min: 0,
        max: 100,
      },
    ],
    convert: (data, mounting) => {
      if (typeof data.fill_level_pct === 'number') return { fill_level_pct: data.fill_level_pct };
      const depth = num(mounting.containerDepthMm);
      const distance = num(data.distance_mm);
      // A few centimetres of echo noise beyond the floor or above the lid read as empty / full; a far
      // larger distance is a broken reading and stays out of range.
      let fill = 100 * (1 - distance / depth);
      if (fill < 0 && fill > -10) fill = 0;
      if (fill > 100 && fill < 105) fill = 100;
      return { fill_level_pct: round1(fill) };
    },
    encode: encodeDistance,
  },
  parking: {
    id: 'parking',
    name: 'Parkplatzbelegung',
    description: 'Freie und belegte Stellplätze eines Parkplatzes (Zählsensor am Ein-/Ausgang)',
    layout:
      '6 bytes, big-endian: 0-1 battery mV (uint16); 2-3 free spaces (uint16); 4-5 occupied spaces (uint16)',
    decoder: `
function decodeUplink(input) {
  var b = input.bytes;
  if (b.length < 6) return { errors: ['expected 6 bytes, got ' + b.length] };
  ${BATTERY}
  return {
    data: { battery_mv: battery, free_spaces: (b[2] << 8) | b[3], occupied_spaces: (b[4] << 8) | b[5] },
    warnings: [],
    errors: []
  };
}`,
    mounting: [{ key: 'capacity', description: 'Number of parking spaces', min: 1, max: 5000 }],
    measurements: [
      {
        field: 'free_spaces',
        label: 'Freie Stellplätze',
        observedProperty: {
          name: 'Freie Stellplätze',
          definition: 'https://smart-region.example/def/free-parking-spaces',
          description: 'Anzahl freier Stellplätze',
        },
        unit: { name: 'Anzahl', symbol: '1', definition: `${UCUM}1` },
        min: 0,
        max: 5000,
      },
      {
        field: 'occupied_spaces',
        label: 'Belegte Stellplätze',
        observedProperty: {
          name: 'Belegte Stellplätze',
          definition: 'https://smart-region.example/def/occupied-parking-spaces',
          description: 'Anzahl belegter Stellplätze',
        },
        unit: { name: 'Anzahl', symbol: '1', definition: `${UCUM}1` },
        min: 0,
        max: 5000,
      },
    ],
    convert: (data, mounting) => {
      const free = num(data.free_spaces);
      const occupied = num(data.occupied_spaces);
      const capacity = mounting.capacity;
      // A count above the lot's capacity is a broken counter, not a full lot.
      if (capacity !== undefined && free + occupied > capacity * 1.2)
        return { free_spaces: Number.POSITIVE_INFINITY, occupied_spaces: occupied };
      return { free_spaces: free, occupied_spaces: occupied };
    },
    encode: (values) => {
      const bytes = new Uint8Array(6);
      const view = new DataView(bytes.buffer);
      u16(view, 0, values.battery_mv ?? 3300);
      u16(view, 2, values.free_spaces ?? 0);
      u16(view, 4, values.occupied_spaces ?? 0);
      return bytes;
    },
  },
};

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

export function isProfileId(value: string): value is ProfileId {
  return (PROFILE_IDS as readonly string[]).includes(value);
}

/** Battery charge estimated from the voltage of a 3.6 V lithium cell (2.5 V empty). */
export function batteryPercent(millivolts: number): number {
  return Math.round(Math.max(0, Math.min(100, ((millivolts - 2500) / (3600 - 2500)) * 100)));
}
