import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hostAllowList,
  hostNameOf,
  isCorsSimpleContentType,
  isHostAllowed,
  isOwnOrigin,
  type RequestFacts,
  refusalOf,
} from './http-guards.js';

const noMachine = () => [];

describe('hostNameOf', () => {
  it('drops the port, IPv6 brackets and a trailing dot, in lower case', () => {
    assert.equal(hostNameOf('LocalHost:5050'), 'localhost');
    assert.equal(hostNameOf('127.0.0.1'), '127.0.0.1');
    assert.equal(hostNameOf('[::1]:5050'), '::1');
    assert.equal(hostNameOf('[::1]'), '::1');
    assert.equal(hostNameOf('trellis.example.org.:443'), 'trellis.example.org');
  });

  it('is undefined for what is not a host[:port]', () => {
    for (const header of ['', 'user@evil.example', 'evil.example/path', 'a b', '::1', '[::1'])
      assert.equal(hostNameOf(header), undefined, header);
  });
});

describe('isHostAllowed', () => {
  it('admits loopback names on any listen address, and nothing else by default', () => {
    const list = hostAllowList({ allowedHosts: [], listenHost: '127.0.0.1' });
    for (const name of ['localhost', '127.0.0.1', '127.3.2.1', '::1']) assert.ok(isHostAllowed(list, name, noMachine), name);
    for (const name of ['evil.example', 'localhost.evil.example', '10.0.0.5', '127.0.0.1.nip.io'])
      assert.ok(!isHostAllowed(list, name, noMachine), name);
  });

  it("admits public_url's host, allowed_hosts (names, .domains, *), and a specific listen address", () => {
    const list = hostAllowList({
      publicUrl: 'https://Trellis.Example.org:8443',
      allowedHosts: ['ml.corp:8080', ' .svc.cluster.local', '[fd00::7]', 'fd00::8'],
      listenHost: '10.0.0.5',
    });
    for (const name of [
      'trellis.example.org',
      'ml.corp',
      'svc.cluster.local',
      'trellis.ml.svc.cluster.local',
      'fd00::7',
      'fd00::8',
      '10.0.0.5',
    ])
      assert.ok(isHostAllowed(list, name, noMachine), name);
    for (const name of ['evil.example', 'xsvc.cluster.local', 'ml.corp.evil.example'])
      assert.ok(!isHostAllowed(list, name, noMachine), name);
    assert.ok(isHostAllowed(hostAllowList({ allowedHosts: ['*'], listenHost: '127.0.0.1' }), 'anything.example', noMachine));
  });

  it("on 0.0.0.0 or ::, admits this machine's addresses and names, read when a name is not otherwise known", () => {
    let reads = 0;
    const machine = () => {
      reads += 1;
      return ['192.168.1.20', 'fe80::1', 'gpu-box'];
    };
    for (const listenHost of ['0.0.0.0', '::']) {
      const list = hostAllowList({ allowedHosts: [], listenHost });
      for (const name of ['192.168.1.20', 'fe80::1', 'gpu-box']) assert.ok(isHostAllowed(list, name, machine), `${listenHost}: ${name}`);
      assert.ok(!isHostAllowed(list, 'evil.example', machine));
    }
    const readsBefore = reads;
    assert.ok(isHostAllowed(hostAllowList({ allowedHosts: [], listenHost: '0.0.0.0' }), 'localhost', machine));
    assert.equal(reads, readsBefore, 'a loopback name needs no look at the interfaces');
    assert.ok(!isHostAllowed(hostAllowList({ allowedHosts: [], listenHost: '127.0.0.1' }), 'gpu-box', machine));
  });
});

describe('isOwnOrigin', () => {
  const allowed = (name: string) => isHostAllowed(hostAllowList({ allowedHosts: ['ml.corp'], listenHost: '127.0.0.1' }), name, noMachine);
  const local = { protocol: 'http' as const, host: '127.0.0.1:5050' };

  it("is the request's own scheme, an allowed name and the Host header's port", () => {
    assert.ok(isOwnOrigin('http://127.0.0.1:5050', local, allowed));
    assert.ok(isOwnOrigin('http://localhost:5050', local, allowed));
    assert.ok(isOwnOrigin('http://ml.corp', { protocol: 'http', host: 'ml.corp:80' }, allowed));
  });

  it('is not another port, scheme or name, null, or garbage', () => {
    for (const origin of ['http://127.0.0.1:3000', 'https://127.0.0.1:5050', 'http://evil.example:5050', 'null', 'not a url'])
      assert.ok(!isOwnOrigin(origin, local, allowed), origin);
  });

  it("is public_url's origin exactly, which a TLS proxy may serve under another scheme and port", () => {
    assert.ok(isOwnOrigin('https://trellis.example.org', local, allowed, 'https://trellis.example.org/'));
    assert.ok(!isOwnOrigin('https://trellis.example.org:8443', local, allowed, 'https://trellis.example.org'));
  });
});

describe('isCorsSimpleContentType', () => {
  it('is the three types a page can send cross-site without a preflight, whatever their parameters', () => {
    for (const type of ['text/plain', 'Text/Plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])
      assert.ok(isCorsSimpleContentType(type), type);
    for (const type of ['application/json', 'application/yaml', 'application/octet-stream', 'text/csv', 'text/plainx'])
      assert.ok(!isCorsSimpleContentType(type), type);
  });
});

describe('refusalOf', () => {
  const policy = { isAllowedName: (name: string) => name === '127.0.0.1', acceptsCsrfToken: () => false };
  const post = (facts: Partial<RequestFacts>): RequestFacts => ({ method: 'POST', protocol: 'http', host: '127.0.0.1:5050', ...facts });

  it('refuses a Host it does not serve, on every method, naming allowed_hosts', () => {
    for (const method of ['GET', 'POST']) {
      const refusal = refusalOf({ method, protocol: 'http', host: 'evil.example:5050' }, policy);
      assert.equal(refusal?.code, 'HostNotAllowed');
      assert.equal(refusal?.status, 403);
      assert.match(refusal?.message ?? '', /evil\.example.*allowed_hosts.*TRELLIS_ALLOWED_HOSTS/);
    }
    assert.equal(refusalOf({ method: 'GET', protocol: 'http' }, policy), undefined, 'no Host header: no browser');
  });

  it('refuses a state change from a foreign Origin or a cross-site or same-site fetch, not a read', () => {
    assert.equal(refusalOf(post({ origin: 'http://evil.example' }), policy)?.code, 'CrossOriginRefused');
    assert.equal(refusalOf(post({ method: 'DELETE', origin: 'null' }), policy)?.code, 'CrossOriginRefused');
    assert.equal(refusalOf(post({ method: 'PUT', secFetchSite: 'cross-site' }), policy)?.code, 'CrossOriginRefused');
    assert.equal(refusalOf(post({ secFetchSite: 'same-site' }), policy)?.code, 'CrossOriginRefused');
    assert.equal(refusalOf(post({ method: 'GET', origin: 'http://evil.example', secFetchSite: 'cross-site' }), policy), undefined);
    assert.equal(
      refusalOf(post({ origin: 'http://127.0.0.1:5050', secFetchSite: 'same-origin', contentType: 'application/json' }), policy),
      undefined,
    );
  });

  it('refuses a credential-less POST with a form content type, unless it has X-Requested-By, Authorization or a CSRF token', () => {
    const refusal = refusalOf(post({ contentType: 'text/plain;charset=UTF-8' }), policy);
    assert.equal(refusal?.status, 415);
    assert.equal(refusal?.code, 'SimpleContentTypeRefused');
    assert.match(refusal?.message ?? '', /application\/json.*X-Requested-By/);
    assert.equal(refusalOf(post({ contentType: 'application/x-www-form-urlencoded' }), policy)?.code, 'SimpleContentTypeRefused');
    assert.equal(refusalOf(post({ contentType: 'text/plain', requestedBy: 'trellis-client' }), policy), undefined);
    assert.equal(refusalOf(post({ contentType: 'multipart/form-data; boundary=x', authorization: 'Bearer key' }), policy), undefined);
    assert.equal(refusalOf(post({ contentType: 'text/plain' }), { ...policy, acceptsCsrfToken: () => true }), undefined);
    assert.equal(refusalOf(post({ contentType: 'application/json' }), policy), undefined);
    assert.equal(refusalOf(post({}), policy), undefined, 'a bodyless POST has no content type');
    // A PUT cannot leave a browser for another origin without a preflight, which this server never approves.
    assert.equal(refusalOf(post({ method: 'PUT', contentType: 'text/plain' }), policy), undefined);
  });
});
