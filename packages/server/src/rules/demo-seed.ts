// Demo rules on the demo sensors, so the simulator makes alerts, tasks and warnings appear: a full glass
// container becomes a task for the Bauhof, a rising gauge a public warning, a silent sensor an alert.
import type { AppContext } from '../context.js';
import { systemActor } from '../core/audit/audit.service.js';
import type { RuleInput } from './rules.schema.js';

const MUNICIPALITIES = ['flieden', 'kalbach', 'neuhof'];

/** Adds the demo rules to the Südkreis municipalities that have none yet. Safe to call again. */
export async function seedDemoRules(ctx: AppContext): Promise<number> {
  const actor = systemActor('demo seed');
  let created = 0;
  for (const slug of MUNICIPALITIES) {
    const municipality = await ctx.tenancy.municipalityBySlug(slug).catch(() => null);
    if (!municipality) continue;
    if ((await ctx.rules.listRules(municipality.id)).length > 0) continue;
    const devices = await ctx.db
      .selectFrom('sensor_devices')
      .select(['profile', 'field_map'])
      .where('municipality_id', '=', municipality.id)
      .execute();
    const streams = (profile: string, field: string) =>
      devices
        .filter((d) => d.profile === profile)
        .map((d) => (d.field_map as Record<string, number>)[field])
        .filter((id): id is number => typeof id === 'number');
    const bauhof = (await ctx.tenancy.listOrgUnits(municipality.id)).find((u) => u.kind === 'building_yard');
    const rules: RuleInput[] = [];
    const glass = streams('container-fill', 'fill_level_pct');
    if (glass.length > 0)
      rules.push({
        name: 'Glascontainer voll',
        description: 'Füllstand über 80 % für mindestens 30 Minuten: der Bauhof leert den Container.',
        enabled: true,
        shared: slug === 'flieden',
        severity: 'minor',
        condition: {
          type: 'threshold',
          datastreamIds: glass,
          operator: '>',
          value: 80,
          hysteresis: 30,
          forSeconds: 1800,
        },
        actions: {
          task: {
            title: `Altglascontainer leeren`,
            priority: 'normal',
            ...(bauhof ? { teamId: bauhof.id } : {}),
          },
        },
      });
    const gauges = streams('water-level', 'water_level_cm');
    if (gauges.length > 0)
      rules.push({
        name: 'Pegel steigt schnell',
        description: 'Der Wasserstand steigt um mehr als 10 cm pro Stunde.',
        enabled: true,
        shared: slug === 'flieden',
        severity: 'severe',
        condition: { type: 'rate', datastreamIds: gauges, operator: '>', perHour: 10, hysteresis: 5 },
        actions: {
          email: [`bauhof@${slug}.example`],
          warning: {
            level: 'moderate',
            title: `Steigender Pegel in ${municipality.name}`,
            text: 'Der Wasserstand steigt schnell. Bitte meiden Sie die Uferbereiche und beachten Sie Hinweise der Feuerwehr.',
            validHours: 12,
          },
          escalation: { afterMinutes: 30, email: [`buergermeister@${slug}.example`] },
        },
      });
    const all = devices.flatMap((d) => Object.values(d.field_map as Record<string, number>)).slice(0, 50);
    if (all.length > 0)
      rules.push({
        name: 'Sensor meldet sich nicht',
        description: 'Seit zwei Stunden keine Messwerte: Batterie, Funk oder Gerät prüfen.',
        enabled: true,
        severity: 'minor',
        condition: { type: 'silent', datastreamIds: all, minutes: 120 },
      });
    for (const rule of rules) {
      await ctx.rules.createRule(municipality.id, rule, actor);
      created++;
    }
  }
  return created;
}
