import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/**
 * An S3-compatible server in this process (s3rver: a real HTTP S3 API over a temporary directory),
 * on a random port, with one empty bucket. Shared by the contract suite and the server's own tests,
 * so the S3 blob store is tested against the wire protocol without a network or a container.
 */
export async function startTestS3Server(): Promise<{
  /** The settings as the server reads them from its environment. */
  env: { S3_URL: string; S3_BUCKET: string; S3_ACCESS_KEY_ID: string; S3_SECRET_ACCESS_KEY: string };
  stop(): Promise<void>;
}> {
  const directory = await mkdtemp(join(tmpdir(), 'music-apis-s3-'));
  const bucket = 'music-apis-test';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  return {
    // s3rver accepts any credentials; these are its documented defaults.
    env: {
      S3_URL: `http://127.0.0.1:${port}`,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
