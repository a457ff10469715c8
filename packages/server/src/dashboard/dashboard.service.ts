// Tiles of the public dashboard: staff edit a draft, preview it, publish it (the public sees the
// published copy only), withdraw it, order tiles; every step is versioned and audited in one
// transaction. A tile may only show Datastreams its municipality has published.
import type { PublicTile, TileConfig } from '@srp/contracts';
import type { AuditActor, AuditService } from '../core/audit/audit.service.js';
import type { Database } from '../core/db/database.js';
import type { DashboardTileAction } from '../core/db/schema.js';
import { Errors } from '../core/errors.js';
import { DashboardRepository, type PublishedTileRow, type TileRow } from './dashboard.repository.js';

export class DashboardService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
  ) {}

  private repository(executor: Database = this.db) {
    return new DashboardRepository(executor);
  }

  list(municipalityId: string): Promise<TileRow[]> {
    return this.repository().list(municipalityId);
  }

  async get(municipalityId: string, id: string): Promise<TileRow> {
    const tile = await this.repository().find(municipalityId, id);
    if (!tile) throw Errors.notFound('Tile');
    return tile;
  }

  history(municipalityId: string, id: string) {
    return this.repository().history(municipalityId, id);
  }

  /** Published Datastreams of the municipality, to choose from in the editor. */
  datastreamOptions(municipalityId: string) {
    return this.repository().publishedDatastreams([], municipalityId);
  }

  async create(
    municipalityId: string,
    input: { draft: TileConfig; onRegion: boolean },
    actor: AuditActor,
  ): Promise<TileRow> {
    await this.assertPublished(municipalityId, input.draft.datastreamIds);
    return this.db.transaction().execute(async (trx) => {
      const tile = await this.repository(trx).insert(municipalityId, { ...input, createdBy: actor.userId });
      await this.record(trx, municipalityId, tile, 'created', input.draft, actor);
      return tile;
    });
  }

  async update(
    municipalityId: string,
    id: string,
    input: { draft: TileConfig; onRegion: boolean },
    actor: AuditActor,
  ): Promise<TileRow> {
    await this.assertPublished(municipalityId, input.draft.datastreamIds);
    return this.db.transaction().execute(async (trx) => {
      const tile = await this.repository(trx).updateDraft(municipalityId, id, input);
      if (!tile) throw Errors.notFound('Tile');
      await this.record(trx, municipalityId, tile, 'saved', input.draft, actor);
      return tile;
    });
  }

  /** Makes the current draft what the public sees. */
  async publish(municipalityId: string, id: string, actor: AuditActor): Promise<TileRow> {
    const current = await this.get(municipalityId, id);
    // Checked again at publishing: a Datastream may have been withdrawn since the draft was saved.
    await this.assertPublished(municipalityId, current.draft.datastreamIds);
    return this.db.transaction().execute(async (trx) => {
      const tile = await this.repository(trx).setPublished(municipalityId, id, current.draft);
      if (!tile) throw Errors.notFound('Tile');
      await this.record(trx, municipalityId, tile, 'published', current.draft, actor);
      return tile;
    });
  }

  async withdraw(municipalityId: string, id: string, actor: AuditActor): Promise<TileRow> {
    return this.db.transaction().execute(async (trx) => {
      const tile = await this.repository(trx).setPublished(municipalityId, id, null);
      if (!tile) throw Errors.notFound('Tile');
      await this.record(trx, municipalityId, tile, 'withdrawn', tile.draft, actor);
      return tile;
    });
  }

  async reorder(municipalityId: string, ids: readonly string[], actor: AuditActor): Promise<TileRow[]> {
    const known = new Set((await this.list(municipalityId)).map((t) => t.id));
    if (ids.length !== known.size || ids.some((id) => !known.has(id)))
      throw Errors.validation('Name every tile of the municipality exactly once');
    await this.db.transaction().execute(async (trx) => {
      await this.repository(trx).setPositions(municipalityId, ids);
      await this.audit.record(
        actor,
        {
          action: 'dashboard.tiles_reordered',
          targetType: 'dashboard',
          targetId: municipalityId,
          municipalityId,
        },
        trx,
      );
    });
    return this.list(municipalityId);
  }

  async delete(municipalityId: string, id: string, actor: AuditActor): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await this.repository(trx).delete(municipalityId, id))) throw Errors.notFound('Tile');
      await this.audit.record(
        actor,
        { action: 'dashboard.tile_deleted', targetType: 'dashboard_tile', targetId: id, municipalityId },
        trx,
      );
    });
  }

  /** The public view of published tiles, Datastreams that are no longer published left out. */
  async publicTiles(municipalityIds: readonly string[], regionOnly: boolean): Promise<PublicTile[]> {
    const rows = await this.repository().publishedTiles(municipalityIds, regionOnly);
    return this.present(rows);
  }

  async publicTile(id: string): Promise<PublicTile> {
    const row = await this.repository().publishedTile(id);
    const [tile] = row ? await this.present([row]) : [];
    if (!tile) throw Errors.notFound('Tile');
    return tile;
  }

  private async present(rows: PublishedTileRow[]): Promise<PublicTile[]> {
    const ids = [...new Set(rows.flatMap((r) => r.published.datastreamIds))];
    const streams = new Map((await this.repository().publishedDatastreams(ids)).map((d) => [d.id, d]));
    return rows.flatMap((row) => {
      const config = row.published;
      const datastreams = config.datastreamIds
        .map((id) => streams.get(id))
        // A tile never shows another municipality's Datastream, even if someone managed to name it.
        .filter((d) => d !== undefined && d.municipalityId === row.municipality_id)
        .map((d) => ({ id: d!.id, name: d!.name, unit: d!.unit, location: d!.location }));
      if (datastreams.length === 0) return [];
      return [
        {
          id: row.id,
          municipalityId: row.municipality_id,
          municipalityName: row.municipality_name,
          fieldOfAction: config.fieldOfAction,
          chartType: config.chartType,
          title: config.title,
          description: config.description,
          bands: config.bands,
          defaultRange: config.defaultRange,
          datastreams,
          publishedAt: row.published_at?.toISOString() ?? null,
        },
      ];
    });
  }

  private async assertPublished(municipalityId: string, ids: readonly number[]): Promise<void> {
    const found = await this.repository().publishedDatastreams(ids, municipalityId);
    const known = new Set(found.map((d) => d.id));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length > 0)
      throw Errors.validation('A tile can only show published Datastreams of its municipality', {
        datastreamIds: missing,
      });
  }

  private async record(
    trx: Database,
    municipalityId: string,
    tile: TileRow,
    action: DashboardTileAction,
    config: TileConfig,
    actor: AuditActor,
  ): Promise<void> {
    await this.repository(trx).addVersion(municipalityId, tile, action, config, {
      id: actor.userId,
      name: actor.label,
    });
    await this.audit.record(
      actor,
      {
        action: `dashboard.tile_${action}`,
        targetType: 'dashboard_tile',
        targetId: tile.id,
        municipalityId,
        details: { version: tile.version },
      },
      trx,
    );
  }
}
