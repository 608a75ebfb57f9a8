import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AnswerDecoder,
  CallKind,
  encodeAnswer,
  encodeAnswerHeader,
  encodeRequest,
  encodeRequestHeader,
  nextCallId,
  RequestDecoder,
  type AnswerFrame,
  type RequestFrame,
} from './worker-protocol.js';

const json = 'application/json';

function decodeRequests(chunks: Buffer[]): RequestFrame[] {
  const frames: RequestFrame[] = [];
  const decoder = new RequestDecoder((frame) => frames.push({ ...frame, body: Buffer.from(frame.body) }));
  for (const chunk of chunks) decoder.push(chunk);
  assert.equal(decoder.pendingBytes, 0);
  return frames;
}

describe('worker protocol', () => {
  it('round-trips requests and answers, empty bodies and content types included', () => {
    const requests: RequestFrame[] = [
      { id: 1, kind: CallKind.score, contentType: json, body: Buffer.from('{"data":[[1,2,3,4]]}') },
      { id: 2, kind: CallKind.ping, contentType: '', body: Buffer.alloc(0) },
      { id: 0xffffffff, kind: CallKind.v2Metadata, contentType: '', body: Buffer.alloc(0) },
    ];
    assert.deepEqual(decodeRequests([Buffer.concat(requests.map(encodeRequest))]), requests);

    const answers: AnswerFrame[] = [];
    const decoder = new AnswerDecoder((frame) => answers.push(frame));
    const sent: AnswerFrame[] = [
      { id: 7, status: 400, contentType: json, body: Buffer.from('{"error":"bad shape"}') },
      { id: 0, status: 200, contentType: json, body: Buffer.from('{}') },
    ];
    decoder.push(Buffer.concat(sent.map(encodeAnswer)));
    assert.deepEqual(answers, sent);
  });

  it('header and body written apart read the same as one buffer', () => {
    const body = Buffer.from('hello');
    const wire = Buffer.concat([encodeRequestHeader(9, CallKind.v2Infer, 'text/plain', body.length), body]);
    assert.deepEqual(wire, encodeRequest({ id: 9, kind: CallKind.v2Infer, contentType: 'text/plain', body }));
    const answer = Buffer.concat([encodeAnswerHeader(9, 503, json, body.length), body]);
    assert.deepEqual(answer, encodeAnswer({ id: 9, status: 503, contentType: json, body }));
  });

  it('joins frames split at every byte, and frames that share a chunk', () => {
    const frames: RequestFrame[] = Array.from({ length: 5 }, (_, index) => ({
      id: index + 1,
      kind: CallKind.score,
      contentType: index % 2 ? json : 'text/csv',
      body: Buffer.from('x'.repeat(index * 37)),
    }));
    const wire = Buffer.concat(frames.map(encodeRequest));
    const bytes = Array.from({ length: wire.length }, (_, index) => wire.subarray(index, index + 1));
    assert.deepEqual(decodeRequests(bytes), frames);
    for (const cut of [3, 11, 50, wire.length - 1]) assert.deepEqual(decodeRequests([wire.subarray(0, cut), wire.subarray(cut)]), frames);
  });

  it('passes a large body whole after many reads', () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    const wire = encodeRequest({ id: 3, kind: CallKind.score, contentType: json, body });
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < wire.length; offset += 65536) chunks.push(wire.subarray(offset, offset + 65536));
    const [frame] = decodeRequests(chunks);
    assert.equal(frame?.body.length, body.length);
    assert.ok(frame?.body.equals(body));
  });

  it('refuses a frame length that cannot be real', () => {
    const decoder = new RequestDecoder(() => {});
    const broken = Buffer.alloc(8);
    broken.writeUInt32LE(0xfffffff0, 0);
    assert.throws(() => decoder.push(broken), /out of step/);
    const short = Buffer.alloc(8);
    short.writeUInt32LE(2, 0);
    assert.throws(() => new RequestDecoder(() => {}).push(short), /shorter than its header/);
  });

  it('call ids wrap past 2^32-1 and never reuse the control id', () => {
    assert.equal(nextCallId(0), 1);
    assert.equal(nextCallId(41), 42);
    assert.equal(nextCallId(0xffffffff), 1);
  });
});
