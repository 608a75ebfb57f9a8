import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { browserUnavailable, openBrowserPage, screenshotFolder } from './support/browser.js';
import { type OidcProvider, startOidcProvider, trellisOidcEnv } from './support/oidc-provider/start-provider.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The studio's sign-in (issue 14) in chromium, with local authentication off: the sign-in page
 * when the server asks who is calling, the OpenID provider's authorization code flow with PKCE
 * (a real oidc-provider), the session cookie's flags, CSRF protection of changes made with it,
 * signing out, and signing in with a personal access token instead.
 */

const audience = 'https://trellis.test/api';

describe('the studio signs in (local authentication off, an OpenID provider configured)', { skip: browserUnavailable }, () => {
  let provider: OidcProvider;
  let trellis: TrellisProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let owner: string;
  const cspViolations: string[] = [];

  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const response = await fetch(`${trellis.url}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      redirect: 'manual',
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Not JSON (a redirect): the status is what the test reads.
    }
    return { status: response.status, json, text, headers: response.headers };
  };
  const asOwner = (method: string, path: string, body?: unknown) => call(method, path, { authorization: `Bearer ${owner}` }, body);
  const sessionCookie = async () => (await page.context().cookies(trellis.url)).find((cookie) => cookie.name === 'trellis_session');

  before(async () => {
    // Trellis's port is known only once it runs: the provider learns the callback URI by a restart (same issuer).
    provider = await startOidcProvider();
    trellis = await startTrellis({
      env: trellisOidcEnv(provider.issuer, audience),
    });
    await provider.restart({ redirectUris: [`${trellis.url}/auth/callback`] });
    owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
    for (const [path, body] of [
      ['/api/v1/principals', { name: 'alice', kind: 'user' }],
      ['/api/v1/role-assignments', { role: 'Reader', assignee: 'alice', scope: '/workspaces/default' }],
      ['/api/v1/principals', { name: 'reader-bot', kind: 'servicePrincipal' }],
      ['/api/v1/role-assignments', { role: 'Reader', assignee: 'reader-bot', scope: '/workspaces/default' }],
      // A role held through a group the provider's token lists (alice is in team-a): it applies in the studio session too.
      ['/api/v1/workspaces', { name: 'team-a' }],
      ['/api/v1/principals', { name: 'team-a', kind: 'group' }],
      ['/api/v1/role-assignments', { role: 'Reader', assignee: 'team-a', scope: '/workspaces/team-a' }],
    ] as const) {
      const answer = await asOwner('POST', path, body);
      assert.equal(answer.status, 201, `${path}: ${answer.text}`);
    }
    shots = await screenshotFolder();
    ({ browser, page } = await openBrowserPage());
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  after(async () => {
    await browser?.close();
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    await provider?.stop();
  });

  it('says, without a session, that nobody is signed in and that the OpenID sign-in is offered', async () => {
    const answer = await call('GET', '/auth/session');
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { signedIn: false, oidc: true, issuer: provider.issuer });
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const stray = await call('GET', '/auth/callback?code=abc&state=xyz');
    assert.equal(stray.status, 400, stray.text);
    assert.equal(stray.json.code, 'SignInExpired');
    assert.match(stray.headers.get('content-type') ?? '', /application\/problem\+json/);
  });

  it('sends a browser whose sign-in failed back to the sign-in page, saying why', async () => {
    for (const [query, reason] of [
      ['code=abc&state=xyz', /not started from this browser/],
      ['error=access_denied&error_description=the+user+said+no', /did not sign you in \(access_denied: the user said no\)/],
    ] as const) {
      await page.goto(`${trellis.url}/auth/callback?${query}`);
      await page.waitForURL(/\/studio\/\?sign_in_error=/);
      await page.getByRole('heading', { name: 'Sign in to Trellis' }).waitFor();
      assert.match((await page.getByRole('alert').textContent()) ?? '', reason);
    }
    assert.equal(await sessionCookie(), undefined);
  });

  it('shows the sign-in page, signs alice in through the provider, and lists her workspaces', async () => {
    await page.goto(`${trellis.url}/studio/`);
    await page.getByRole('heading', { name: 'Sign in to Trellis' }).waitFor();
    await page.screenshot({ path: join(shots, 'sign-in.png') });
    const host = new URL(provider.issuer).host;
    await page.getByRole('button', { name: `Sign in with ${host}` }).click();

    // The provider's own pages: its login form (any password), then its consent.
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.waitForURL(/\/studio\/w\/default\/experiments$/);
    await page.locator('.signed-in', { hasText: 'alice' }).waitFor();
    // The experiments page's first calls (MLflow searches are POSTs) went out with the CSRF token.
    await page.waitForLoadState('networkidle');
    assert.equal(await page.getByRole('alert').count(), 0, (await page.locator('main').textContent()) ?? '');
    const workspaces = await page.getByLabel('Workspace').locator('option').allTextContents();
    assert.deepEqual(workspaces, ['default', 'team-a'], 'team-a through the group the token listed');
    await page.screenshot({ path: join(shots, 'signed-in.png'), fullPage: true });

    const cookie = await sessionCookie();
    assert.ok(cookie, 'the session cookie is set');
    assert.match(cookie.value, /^trls_ses_/);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.secure, false, 'no Secure flag over plain http');
    assert.equal(cookie.path, '/');
    assert.equal(
      (await page.context().cookies(`${trellis.url}/auth/callback`)).find((item) => item.name === 'trellis_oidc'),
      undefined,
    );
  });

  it('refuses a change made with the session cookie but without its CSRF token, and takes it with the token', async () => {
    const cookie = await sessionCookie();
    assert.ok(cookie);
    const headers = { cookie: `trellis_session=${cookie.value}` };
    const whoami = await call('GET', '/api/v1/whoami', headers);
    assert.equal(whoami.status, 200, whoami.text);
    assert.equal(whoami.json.name, 'alice');
    assert.equal(whoami.json.via, 'session');

    const forged = await call('POST', '/api/v1/tokens', headers, { name: 'forged', expiresIn: '1d' });
    assert.equal(forged.status, 403, forged.text);
    assert.equal(forged.json.code, 'CsrfTokenMissing');

    const session = await call('GET', '/auth/session', headers);
    assert.equal(session.json.signedIn, true);
    assert.deepEqual(session.json.principal, { name: 'alice', kind: 'user', via: 'session' });
    const csrfToken = session.json.csrfToken as string;
    const made = await call('POST', '/api/v1/tokens', { ...headers, 'x-csrf-token': csrfToken }, { name: 'mine', expiresIn: '1d' });
    assert.equal(made.status, 201, made.text);
    const wrong = await call(
      'POST',
      '/api/v1/tokens',
      { ...headers, 'x-csrf-token': `${csrfToken.slice(1)}x` },
      { name: 'x', expiresIn: '1d' },
    );
    assert.equal(wrong.status, 403, wrong.text);

    const logoutWithout = await call('POST', '/auth/logout', headers);
    assert.equal(logoutWithout.status, 403, logoutWithout.text);
  });

  it('signs out: the session is revoked, the cookie cleared, the sign-in page shown', async () => {
    const cookie = await sessionCookie();
    assert.ok(cookie);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Trellis' }).waitFor();
    assert.equal(await sessionCookie(), undefined);
    const after = await call('GET', '/api/v1/whoami', { cookie: `trellis_session=${cookie.value}` });
    assert.equal(after.status, 401, after.text);
    assert.equal((await call('GET', '/auth/session', { cookie: `trellis_session=${cookie.value}` })).json.signedIn, false);
    // The sign-in and the sign-out are in the server's audit log, naming alice and never the session's token.
    const audit = await asOwner('GET', '/api/v1/audit');
    assert.equal(audit.status, 200, audit.text);
    const events = (audit.json.items as Array<{ actor: string; action: string; kind: string; summary: string }>).filter(
      (event) => event.kind === 'token' && event.actor === 'user:alice',
    );
    assert.ok(
      events.some((event) => event.action === 'create' && /signed in to the studio \(through the OpenID provider\)/.test(event.summary)),
      JSON.stringify(events),
    );
    assert.ok(
      events.some((event) => event.action === 'delete' && /revoked token 'studio session \(oidc\)'/.test(event.summary)),
      JSON.stringify(events),
    );
    assert.ok(!audit.text.includes(cookie.value));
  });

  it('signs in with a personal access token pasted into the token box, and refuses a wrong one', async () => {
    const issued = await asOwner('POST', '/api/v1/tokens', { name: 'studio', principal: 'reader-bot', expiresIn: '1d' });
    assert.equal(issued.status, 201, issued.text);
    await page.goto(`${trellis.url}/studio/`);
    const box = page.getByLabel('Personal access token');
    await box.fill('trls_pat_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /token/i);
    assert.equal(await sessionCookie(), undefined);

    await box.fill(issued.json.token as string);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.locator('.signed-in', { hasText: 'reader-bot' }).waitFor();
    assert.deepEqual(await page.getByLabel('Workspace').locator('option').allTextContents(), ['default']);
    const cookie = await sessionCookie();
    assert.ok(cookie);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    const bad = await call('POST', '/auth/session', {}, { token: 'not a token' });
    assert.equal(bad.status, 401, bad.text);
    assert.equal(bad.json.code, 'InvalidToken');
    assert.doesNotMatch(bad.text, /not a token/, 'the refusal does not echo the token');
  });

  it('ran without Content-Security-Policy violations', () => {
    assert.deepEqual(cspViolations, []);
  });
});
