import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../src/core/config.js';

describe('config', () => {
  it('has laptop defaults: port 8080, SQLite under ./data, demo data on', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', databaseUrl: undefined, demoData: true });
    expect(config.dataDir).toMatch(/data$/);
  });

  it('reads the environment and rejects a bad port', () => {
    expect(loadConfig({ PORT: '9000', DEMO_DATA: 'false', DATABASE_URL: 'postgres://x' })).toMatchObject({
      port: 9000,
      demoData: false,
      databaseUrl: 'postgres://x',
    });
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });

  it('TRUST_PROXY: off by default, true for one proxy, or a number of proxies', () => {
    expect(loadConfig({}).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'off' }).trustProxy).toBe(0);
    expect(() => loadConfig({ TRUST_PROXY: 'sometimes' })).toThrow(/TRUST_PROXY/);
  });

  it('masks secrets when printed', () => {
    const printed = describeConfig(
      loadConfig({
        DATABASE_URL: 'postgres://app:hunter2@db/x',
        TOKEN_SECRET: 's3cret',
        SPOTIFY_CLIENT_SECRET: 'shh',
        S3_BUCKET: 'files',
        S3_ACCESS_KEY_ID: 'AKIA',
        S3_SECRET_ACCESS_KEY: 'bucket-key',
      }),
    );
    expect(JSON.stringify(printed)).not.toMatch(/hunter2|s3cret|shh|bucket-key/);
    expect(printed.databaseUrl).toBe('postgres://app:***@db/x');
  });
});
