/**
 * A scenario is written once, with the SDK, and runs against every target (the MSW mock, the
 * server on SQLite, the server on PostgreSQL). `covers` names the operations it exercises; the
 * coverage check compares them with the operationIds of openapi/.
 */
export interface ScenarioContext {
  /** Base URL of the target; the SDK clients are created against it. */
  baseUrl: string;
  target: 'mock' | 'sqlite' | 'postgres';
  /** A collections API key of a second organization, next to `CONTRACT_COLLECTIONS_API_KEY`'s (the authz matrix). */
  otherOrganizationCollectionsApiKey: string;
  /** An OAuth2 client of a second streaming tenant, next to `STREAMING_MOCK_CLIENT`'s (tenant isolation). */
  otherTenantStreamingClient: { tenant: string; clientId: string; clientSecret: string };
}

export interface Scenario {
  name: string;
  covers: string[];
  /**
   * The scenario needs the server's audio encoder (ffmpeg): it waits for tracks to become `ready`,
   * or runs downloader tasks, which write their audio files with it (without one a download fails
   * at once, so it is never seen running). Without ffmpeg it is skipped on the server
   * (REQUIRE_FFMPEG=1 makes that a failure instead).
   */
  needsEncoder?: boolean;
  run(context: ScenarioContext): Promise<void>;
}

export interface ScenarioSuite {
  /** API key, e.g. `trackManager`. */
  api: string;
  /** OpenAPI document name, e.g. `track-manager`. */
  document: string;
  scenarios: Scenario[];
}

export const defineScenarios = (api: string, document: string, scenarios: Scenario[]): ScenarioSuite => ({
  api,
  document,
  scenarios,
});
