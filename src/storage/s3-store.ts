/**
 * `s3://bucket/prefix` store. A PUT (or a completed multipart upload) replaces an object
 * atomically, so `put` needs no temp key; bodies over the multipart threshold go through
 * lib-storage's `Upload`, which aborts the upload — publishing nothing — when a part fails.
 */
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Client, s3Defaults, type S3Options } from './s3-config';
import { mapS3Error, noBucket } from './s3-errors';
import { guardSource, sourceFailureIn, toBytes } from './source';
import { StorageError, type ArtifactStore } from './store';
import { checkKey, checkPrefix, formatUri } from './uri';

export class S3Store implements ArtifactStore {
  readonly uri: string;
  /** The SDK client, for callers that need an operation the store does not offer. */
  readonly client: S3Client;
  private readonly endpointLabel: string;
  private readonly secrets: string[];
  private bucketChecked: Promise<void> | undefined;

  constructor(
    readonly bucket: string,
    readonly prefix: string,
    private readonly opts: S3Options = {},
  ) {
    this.uri = formatUri({ kind: 's3', bucket, prefix });
    const setup = createS3Client(opts);
    this.client = setup.client;
    this.endpointLabel = setup.endpointLabel;
    this.secrets = setup.secrets;
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const bytes = toBytes(body);
    const Key = this.objectKey(key);
    if (bytes.byteLength > (this.opts.multipartThresholdBytes ?? s3Defaults.multipartThresholdBytes)) {
      return this.upload(key, bytes);
    }
    await this.call('write', key, () =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes, ContentLength: bytes.byteLength }),
      ),
    );
  }

  async putStream(key: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    this.objectKey(key);
    await this.upload(key, Readable.from(guardSource(chunks), { objectMode: false }));
  }

  /** Multipart when the body spans several parts, one PutObject otherwise (Upload decides). */
  private async upload(key: string, body: Uint8Array | Readable): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.objectKey(key), Body: body },
      partSize: this.opts.partSizeBytes ?? s3Defaults.partSizeBytes,
      queueSize: 4,
      leavePartsOnError: false,
    });
    try {
      await this.call('write', key, () => upload.done());
    } catch (err) {
      if (body instanceof Readable) body.destroy();
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    return this.call('read', key, async () => {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      if (!out.Body)
        throw new StorageError('unavailable', `S3 returned no body for ${this.target(key)}; retry`);
      return out.Body.transformToByteArray();
    });
  }

  async getText(key: string): Promise<string> {
    return Buffer.from(await this.get(key)).toString('utf8');
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.call('check', key, () =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })),
      );
      return true;
    } catch (err) {
      if (err instanceof StorageError && err.code === 'not_found') return false;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    const root = this.prefix ? this.prefix + '/' : '';
    const keys: string[] = [];
    await this.call('list', prefix, async () => {
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: root + prefix,
            ContinuationToken: token,
            MaxKeys: this.opts.listPageSize,
          }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key?.startsWith(root)) keys.push(object.Key.slice(root.length));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    });
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.call('delete', key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })),
    );
  }

  /** Read-modify-write: correct for one writer per key (each experiment's lineage has one). */
  async append(key: string, line: string): Promise<void> {
    let before: Uint8Array = new Uint8Array(0);
    try {
      before = await this.get(key);
    } catch (err) {
      if (!(err instanceof StorageError && err.code === 'not_found')) throw err;
    }
    const added = Buffer.from(line.endsWith('\n') ? line : line + '\n', 'utf8');
    await this.put(key, Buffer.concat([before, added]));
  }

  private objectKey(key: string): string {
    checkKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private target(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  /** Runs one store operation after the bucket check, mapping whatever it throws. */
  private async call<T>(verb: string, key: string, run: () => Promise<T>): Promise<T> {
    // Validates the key before anything goes over the network.
    const target =
      verb === 'list'
        ? `s3://${this.bucket}/${this.prefix ? this.prefix + '/' : ''}${key}*`
        : this.target(key);
    try {
      await this.ensureBucket();
      return await run();
    } catch (err) {
      const source = sourceFailureIn(err);
      if (source) throw source.original;
      throw mapS3Error(err, {
        verb,
        target,
        bucket: this.bucket,
        endpointLabel: this.endpointLabel,
        secrets: this.secrets,
      });
    }
  }

  /**
   * Checked once per store because a HEAD on an object of a missing bucket is a bare 404, which
   * would otherwise read as "object absent". A failed check is forgotten, so a later call retries.
   */
  private ensureBucket(): Promise<void> {
    this.bucketChecked ??= this.checkBucket().catch((err: unknown) => {
      this.bucketChecked = undefined;
      throw err;
    });
    return this.bucketChecked;
  }

  private async checkBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      const missing =
        e.name === 'NotFound' || e.name === 'NoSuchBucket' || e.$metadata?.httpStatusCode === 404;
      if (!missing) throw err;
    }
    if (!this.opts.createBucket) throw noBucket(this.bucket, this.endpointLabel);
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const name = (err as { name?: string }).name;
      // Another process may have created it meanwhile; that is success.
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    }
  }
}
