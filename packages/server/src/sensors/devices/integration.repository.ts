// SQL of the LoRaWAN integrations (one per network-server application a municipality connects).
import type { Selectable } from 'kysely';
import type { Database } from '../../core/db/database.js';
import type { LorawanIntegrationsTable, NetworkServer } from '../../core/db/schema.js';

export type IntegrationRow = Selectable<LorawanIntegrationsTable>;

export class IntegrationRepository {
  constructor(private readonly db: Database) {}

  list(municipalityId: string): Promise<IntegrationRow[]> {
    return this.db
      .selectFrom('lorawan_integrations')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .orderBy('created_at')
      .execute();
  }

  find(municipalityId: string, id: string): Promise<IntegrationRow | undefined> {
    return this.db
      .selectFrom('lorawan_integrations')
      .selectAll()
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Authenticates a network server: the integration whose secret hashes to this value. */
  findBySecretHash(secretHash: string): Promise<IntegrationRow | undefined> {
    return this.db
      .selectFrom('lorawan_integrations')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .executeTakeFirst();
  }

  /** The broker is trusted; the topic's application id names the integration. */
  findByChirpstackApplication(applicationId: string): Promise<IntegrationRow | undefined> {
    return this.db
      .selectFrom('lorawan_integrations')
      .selectAll()
      .where('chirpstack_application_id', '=', applicationId)
      .executeTakeFirst();
  }

  insert(values: {
    municipalityId: string;
    name: string;
    networkServer: NetworkServer;
    secretHash: string;
    chirpstackApplicationId: string | null;
  }): Promise<IntegrationRow> {
    return this.db
      .insertInto('lorawan_integrations')
      .values({
        municipality_id: values.municipalityId,
        name: values.name,
        network_server: values.networkServer,
        secret_hash: values.secretHash,
        chirpstack_application_id: values.chirpstackApplicationId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async updateSecret(municipalityId: string, id: string, secretHash: string): Promise<boolean> {
    const result = await this.db
      .updateTable('lorawan_integrations')
      .set({ secret_hash: secretHash })
      .where('municipality_id', '=', municipalityId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
