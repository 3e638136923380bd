/** What a blob store knows about one stored blob. */
export interface BlobInfo {
  /** The blob's address in the store: the lowercase hex sha256 of its bytes. */
  key: string;
  /** Bytes stored. */
  size: number;
  /** The media type it was stored with. */
  contentType: string;
}

export interface BlobPutOptions {
  /** The media type served with the blob. */
  contentType: string;
  /**
   * Refuses a body longer than this with `E_BLOB_TOO_LARGE`, having stored nothing. Default: no
   * limit.
   */
  maxBytes?: number;
}

export interface SignedUrlOptions {
  /** How long the URL works, in seconds. Default 300. */
  expiresInSeconds?: number;
}

/** A stored blob and its bytes, read as they are consumed. */
export interface BlobObject {
  info: BlobInfo;
  body: AsyncIterable<Uint8Array>;
}

/**
 * Where uploaded and generated files keep their bytes, content-addressed by sha256: the same
 * bytes stored twice are one blob. The store is a plain byte store; who owns a file, and
 * whether anyone still refers to it, is the `GalaxyStore`'s business.
 */
export interface BlobStore {
  /**
   * Stores the bytes of `body` as they arrive, never holding the whole body in memory. All or
   * nothing: a body that fails (its source throws, or it passes `maxBytes`) leaves no blob.
   */
  put(body: AsyncIterable<Uint8Array>, options: BlobPutOptions): Promise<BlobInfo>;
  /** The blob's bytes as a stream, or undefined when no blob has this key. */
  get(key: string): Promise<BlobObject | undefined>;
  /** What is stored under `key`, without its bytes; undefined when nothing is. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** Removes the blob; false when there was none. */
  delete(key: string): Promise<boolean>;
  /** A URL anyone holding it may GET the bytes from until it expires: for handing a file to a provider. */
  signedUrl(key: string, options?: SignedUrlOptions): Promise<string>;
  /**
   * For stores whose signed URLs this package's router serves (`GET /blobs/:key?exp=&sig=`):
   * whether `exp` and `sig` are a valid, unexpired signature of `key`. Stores whose URLs point
   * elsewhere (S3) leave it out, and the router then has no `/blobs` route.
   */
  verifySignature?(key: string, exp: string, sig: string): boolean;
  /** Throws when the store cannot be reached, for `/ready`. */
  ping(): Promise<void>;
}

/** A blob key: the lowercase hex sha256 the stores address blobs by. */
export const BLOB_KEY = /^[0-9a-f]{64}$/;
