// Runs s3rver (a local S3-compatible server) for the file storage tests, in its own process: s3rver
// signs list continuation tokens with DES, which Node 20's OpenSSL 3 only offers with
// --openssl-legacy-provider. It also lacks AbortMultipartUpload, which this launcher adds.
// Usage: node --openssl-legacy-provider s3rver-launcher.mjs <directory> <bucket>; prints {"port":N}.
import fs from 'node:fs/promises';
import path from 'node:path';
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});

const abortMultipart = async (ctx, next) => {
  const uploadId = ctx.query.uploadId;
  if (ctx.method === 'DELETE' && typeof uploadId === 'string' && /^[0-9a-f]+$/.test(uploadId)) {
    const name = ctx.path.split('/')[1];
    const dir = path.join(ctx.app.store.getResourcePath(name, undefined, 'uploads'), uploadId);
    await fs.rm(dir, { recursive: true, force: true });
    ctx.status = 204;
    return;
  }
  await next();
};
server.middleware.splice(1, 0, abortMultipart);

const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
