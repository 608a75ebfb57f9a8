/**
 * The wire format between the server and a worker process, over the socket pair that is the
 * worker's file descriptor 3. Every frame is length-prefixed and carries an id, so many calls can
 * be in flight on one connection and answers are matched by id, in any order. The header is a few
 * fixed little-endian fields (no JSON), and bodies are passed as they are.
 *
 *   request (server → worker): u32 length · u32 id · u8 kind   · u8 content-type length · content type · body
 *   answer  (worker → server): u32 length · u32 id · u16 status · u8 content-type length · content type · body
 *
 * `length` counts the bytes after itself. Id 0 is the worker's control channel: an answer with id 0
 * and status 200 says the model is loaded (body: JSON facts about it), status 500 says it cannot
 * load (body: why, in words), just before the worker exits.
 * Mirrored in workers/python_worker.py (struct formats '<IIBB' and '<IIHB').
 */

/** What a request asks the worker to do. */
/**
 * miniBatch is a batch deployment's scoring-script call: the body is a JSON array of file paths
 * (Azure ML's run(mini_batch)); the answer is {"rows": [...]}, one output line per element run()
 * returned, already formatted.
 */
export const CallKind = { score: 1, v2Infer: 2, v2Metadata: 3, ping: 4, miniBatch: 5 } as const;
export type CallKind = (typeof CallKind)[keyof typeof CallKind];

/** The id of control frames (loaded / failed); calls use ids 1 .. 2^32-1. */
export const CONTROL_ID = 0;
export const ControlStatus = { loaded: 200, failed: 500 } as const;

export const REQUEST_HEADER_BYTES = 10;
export const ANSWER_HEADER_BYTES = 11;
/** A frame larger than this is a broken peer, not a big model input. */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

export interface RequestFrame {
  id: number;
  kind: number;
  contentType: string;
  body: Buffer;
}

export interface AnswerFrame {
  id: number;
  status: number;
  contentType: string;
  body: Buffer;
}

/** The next call id after `id`: 1 .. 2^32-1, wrapping, never the control id. */
export function nextCallId(id: number): number {
  return id >= 0xffffffff ? 1 : id + 1;
}

function contentTypeLength(contentType: string): number {
  const length = contentType.length;
  if (length > 255) throw new RangeError(`content type is longer than 255 characters: ${contentType.slice(0, 40)}...`);
  return length;
}

/** The header of a request frame; the body follows it on the wire (written separately, not copied). */
export function encodeRequestHeader(id: number, kind: number, contentType: string, bodyLength: number): Buffer {
  const typeLength = contentTypeLength(contentType);
  const header = Buffer.allocUnsafe(REQUEST_HEADER_BYTES + typeLength);
  header.writeUInt32LE(REQUEST_HEADER_BYTES - 4 + typeLength + bodyLength, 0);
  header.writeUInt32LE(id, 4);
  header[8] = kind;
  header[9] = typeLength;
  if (typeLength > 0) header.write(contentType, REQUEST_HEADER_BYTES, typeLength, 'latin1');
  return header;
}

/** The header of an answer frame; the body follows it. */
export function encodeAnswerHeader(id: number, status: number, contentType: string, bodyLength: number): Buffer {
  const typeLength = contentTypeLength(contentType);
  const header = Buffer.allocUnsafe(ANSWER_HEADER_BYTES + typeLength);
  header.writeUInt32LE(ANSWER_HEADER_BYTES - 4 + typeLength + bodyLength, 0);
  header.writeUInt32LE(id, 4);
  header.writeUInt16LE(status, 8);
  header[10] = typeLength;
  if (typeLength > 0) header.write(contentType, ANSWER_HEADER_BYTES, typeLength, 'latin1');
  return header;
}

/** A whole request frame in one buffer (tests, and small control frames). */
export function encodeRequest(frame: RequestFrame): Buffer {
  return Buffer.concat([encodeRequestHeader(frame.id, frame.kind, frame.contentType, frame.body.length), frame.body]);
}

/** A whole answer frame in one buffer. */
export function encodeAnswer(frame: AnswerFrame): Buffer {
  return Buffer.concat([encodeAnswerHeader(frame.id, frame.status, frame.contentType, frame.body.length), frame.body]);
}

/**
 * Decodes content types without making a new string per frame: nearly every frame of a
 * connection has the same one.
 */
class ContentTypeCache {
  private bytes: Buffer = Buffer.alloc(0);
  private text = '';

  read(buffer: Buffer, start: number, length: number): string {
    if (length === this.bytes.length && buffer.compare(this.bytes, 0, length, start, start + length) === 0) return this.text;
    this.bytes = Buffer.from(buffer.subarray(start, start + length));
    this.text = buffer.toString('latin1', start, start + length);
    return this.text;
  }
}

/**
 * Cuts a byte stream into frames. Feed it every chunk read from the socket; it calls `onFrame`
 * for each complete frame, in order. Bodies are views into the chunks (no copy) when a frame
 * arrives whole; chunks of a frame split across reads are joined once, when the frame is complete.
 */
abstract class FrameDecoder<F> {
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** Bytes the frame at the head of `parts` needs (prefix included), once its length is known. */
  private needed = 0;
  protected readonly contentTypes = new ContentTypeCache();

  constructor(private readonly onFrame: (frame: F) => void) {}

  protected abstract parse(buffer: Buffer, start: number, end: number): F;
  protected abstract readonly headerBytes: number;

  push(chunk: Buffer): void {
    let buffer = chunk;
    if (this.partsLength > 0) {
      this.parts.push(chunk);
      this.partsLength += chunk.length;
      if (this.needed === 0 && this.partsLength >= 4) this.needed = 4 + readLength(Buffer.concat(this.parts, 4), 0);
      if (this.needed === 0 || this.partsLength < this.needed) return;
      buffer = Buffer.concat(this.parts, this.partsLength);
      this.parts = [];
      this.partsLength = 0;
      this.needed = 0;
    }
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const length = readLength(buffer, offset);
      if (length < this.headerBytes - 4) throw new Error(`worker protocol: a frame of ${length} bytes is shorter than its header`);
      if (buffer.length - offset - 4 < length) {
        this.needed = 4 + length;
        break;
      }
      const start = offset + 4;
      offset = start + length;
      this.onFrame(this.parse(buffer, start, offset));
    }
    if (offset < buffer.length) {
      this.parts.push(buffer.subarray(offset));
      this.partsLength = buffer.length - offset;
    }
  }

  /** Bytes held for a frame that has not arrived whole yet. */
  get pendingBytes(): number {
    return this.partsLength;
  }
}

function readLength(buffer: Buffer, offset: number): number {
  const length = buffer.readUInt32LE(offset);
  if (length > MAX_FRAME_BYTES)
    throw new Error(`worker protocol: a frame of ${length} bytes is over the ${MAX_FRAME_BYTES}-byte limit; the stream is out of step`);
  return length;
}

/** Decodes what the server sends a worker. */
export class RequestDecoder extends FrameDecoder<RequestFrame> {
  protected readonly headerBytes = REQUEST_HEADER_BYTES;

  protected parse(buffer: Buffer, start: number, end: number): RequestFrame {
    const typeLength = buffer[start + 5]!;
    const typeStart = start + 6;
    return {
      id: buffer.readUInt32LE(start),
      kind: buffer[start + 4]!,
      contentType: typeLength === 0 ? '' : this.contentTypes.read(buffer, typeStart, typeLength),
      body: buffer.subarray(typeStart + typeLength, end),
    };
  }
}

/** Decodes what a worker sends the server. */
export class AnswerDecoder extends FrameDecoder<AnswerFrame> {
  protected readonly headerBytes = ANSWER_HEADER_BYTES;

  protected parse(buffer: Buffer, start: number, end: number): AnswerFrame {
    const typeLength = buffer[start + 6]!;
    const typeStart = start + 7;
    return {
      id: buffer.readUInt32LE(start),
      status: buffer.readUInt16LE(start + 4),
      contentType: typeLength === 0 ? '' : this.contentTypes.read(buffer, typeStart, typeLength),
      body: buffer.subarray(typeStart + typeLength, end),
    };
  }
}

/** The worker's end of the socket pair. */
export const PROTOCOL_FD = 3;

/** The environment variable that hands a worker its WorkerConfig, as JSON. */
export const WORKER_CONFIG_ENV = 'TRELLIS_WORKER_CONFIG';

/** What a worker is told to load (the same for the Node and the Python workers). */
export interface WorkerConfig {
  runtime: 'onnx' | 'mlflow' | 'python-script' | 'node-script';
  modelDir: string;
  codeDir?: string | undefined;
  scoringScript?: string | undefined;
  /** The scoring script's command line (sys.argv[1:]): a parallel step's program_arguments. */
  scriptArguments?: string[] | undefined;
  /** The model's name and version in v2 answers (model_name, versions). */
  modelName: string;
  modelVersion: string;
}
