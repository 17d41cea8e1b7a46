// The release artifact (issue 11, operations.md §15), as the Dockerfile and a VM use it: the
// folder scripts/release.sh assembles is copied to a clean temporary folder and started from
// there with production settings and nothing else — no source tree, no cargo, no .env.
//
// ARTIFACT_DIR: the assembled folder. ARTIFACT_DATABASE_URL: a fresh, empty database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ORIGIN = 'https://app.example.com';
let folder;
const servers = [];

/** Production settings: https base URL, signatures on, keys pointing at a closed local port. */
function productionEnv(port) {
  return {
    PATH: process.env.PATH,
    HOME: folder,
    APP_ENV: 'production',
    DATABASE_URL: process.env.ARTIFACT_DATABASE_URL,
    PUBLIC_BASE_URL: ORIGIN,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    SESSION_SECRET: 'artifact-test-session-secret-artifact-test-session-secret-0123456789',
    DATA_ENCRYPTION_KEY: 'MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=',
    TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    TWILIO_AUTH_TOKEN: 'artifact-test-twilio-token',
    TWILIO_VALIDATE_SIGNATURE: 'true',
    TWILIO_API_BASE: 'https://127.0.0.1:9',
    TWILIO_MESSAGING_API_BASE: 'https://127.0.0.1:9',
    STRIPE_SECRET_KEY: 'sk_test_artifact',
    STRIPE_WEBHOOK_SECRET: 'whsec_artifact',
    STRIPE_PRICE_STARTER: 'price_starter',
    STRIPE_PRICE_PRO: 'price_pro',
    STRIPE_API_BASE: 'https://127.0.0.1:9',
    SUPPORT_EMAIL: 'support@example.com',
    RUST_LOG: 'warn',
  };
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One HTTP request with any headers (fetch would refuse to set Origin). */
function call(port, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function startInstance() {
  const port = await freePort();
  const child = spawn(join(folder, 'callbackcloser'), ['serve'], {
    cwd: folder,
    env: productionEnv(port),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (chunk) => { log += chunk; });
  child.stderr.on('data', (chunk) => { log += chunk; });
  const instance = { port, child, log: () => log };
  servers.push(instance);
  for (let i = 0; i < 600; i += 1) {
    const health = await call(port, 'GET', '/api/health').catch(() => null);
    if (health?.status === 200) return instance;
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the artifact did not become healthy:\n${log}`);
}

before(() => {
  assert.ok(process.env.ARTIFACT_DIR, 'ARTIFACT_DIR is set');
  assert.ok(process.env.ARTIFACT_DATABASE_URL, 'ARTIFACT_DATABASE_URL is set');
  folder = mkdtempSync(join(tmpdir(), 'callbackcloser-artifact-'));
  cpSync(process.env.ARTIFACT_DIR, folder, { recursive: true });
});

after(async () => {
  for (const { child } of servers) {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  if (folder) rmSync(folder, { recursive: true, force: true });
});

test('check-env names every missing production variable and exits 1', () => {
  const result = spawnSync(join(folder, 'callbackcloser'), ['check-env', '--env', 'production'], {
    cwd: folder,
    env: { PATH: process.env.PATH, HOME: folder },
    encoding: 'utf8',
  });
  assert.equal(result.status, 1, result.stdout + result.stderr);
  const required = [
    'DATABASE_URL', 'PUBLIC_BASE_URL', 'SESSION_SECRET', 'DATA_ENCRYPTION_KEY',
    'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET',
    'STRIPE_PRICE_STARTER', 'STRIPE_PRICE_PRO',
  ];
  for (const name of required) {
    assert.match(result.stdout, new RegExp(`^${name}\\s+missing\\s+required`, 'm'), name);
  }
  const verdict = result.stdout.split('\n').find((line) => line.startsWith('FAIL: ')) ?? '';
  for (const name of [...required, 'TWILIO_VALIDATE_SIGNATURE']) {
    assert.ok(verdict.includes(name), `${name} in "${verdict}"`);
  }

  const complete = spawnSync(join(folder, 'callbackcloser'), ['check-env'], {
    cwd: folder,
    env: productionEnv(3000),
    encoding: 'utf8',
  });
  assert.equal(complete.status, 0, complete.stdout + complete.stderr);
});

test('two instances from a clean folder: healthy, one session, shared rate limits, clean stop', async () => {
  const first = await startInstance(); // applies the embedded migrations to the empty database
  const second = await startInstance();

  for (const { port } of [first, second]) {
    const health = await call(port, 'GET', '/api/health');
    assert.equal(health.status, 200, health.body);
    const wasm = await call(port, 'GET', '/pkg/callbackcloser.wasm');
    assert.equal(wasm.status, 200, 'the site folder is served');
  }

  // Signed up on one instance, signed in on the other.
  const signUp = await call(first.port, 'POST', '/api/auth/sign-up', {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      origin: ORIGIN,
    },
    body: `email=artifact-${Date.now()}%40example.com&password=correct+horse+battery+staple`,
  });
  assert.equal(signUp.status, 200, signUp.body);
  const setCookie = signUp.headers['set-cookie']?.[0] ?? '';
  assert.match(setCookie, /Secure/, 'production cookies are Secure');
  const cookie = setCookie.split(';')[0];
  const signedIn = await call(second.port, 'GET', '/app', { headers: { cookie, accept: 'text/html' } });
  assert.equal(signedIn.status, 303);
  assert.equal(signedIn.headers.location, '/app/onboarding', 'the other instance knows the session');
  const anonymous = await call(second.port, 'GET', '/app', { headers: { accept: 'text/html' } });
  assert.match(anonymous.headers.location ?? '', /^\/sign-in/);

  // Unsigned Twilio requests from one address, alternating instances: the 41st is refused.
  const statuses = [];
  for (let i = 0; i < 41; i += 1) {
    const { port } = i % 2 === 0 ? first : second;
    const reply = await call(port, 'POST', '/api/twilio/voice', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'CallSid=CA00000000000000000000000000000000&From=%2B15125550100&To=%2B15125550199',
    });
    statuses.push(reply.status);
  }
  assert.deepEqual(statuses.slice(0, 40), Array(40).fill(401));
  assert.equal(statuses[40], 429, 'the limit is shared through Postgres');

  for (const instance of [first, second]) {
    const exited = new Promise((resolve) => instance.child.once('exit', (code) => resolve(code)));
    instance.child.kill('SIGTERM');
    assert.equal(await exited, 0, `graceful shutdown:\n${instance.log()}`);
  }
});
