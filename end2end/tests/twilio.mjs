// Webhooks as Twilio sends them to the test server: form posts signed with the auth token the
// server was started with (scripts/test.sh passes it to both).
import crypto from 'node:crypto';
import assert from 'node:assert/strict';

import { BASE_URL } from './browser.mjs';

export const ACCOUNT_SID = process.env.E2E_TWILIO_ACCOUNT_SID;
const AUTH_TOKEN = process.env.E2E_TWILIO_AUTH_TOKEN;

/** `X-Twilio-Signature`: HMAC-SHA1 over the URL and the sorted parameters, base64. */
function signature(url, params) {
  const data = Object.keys(params).sort().reduce((acc, key) => acc + key + params[key], url);
  return crypto.createHmac('sha1', AUTH_TOKEN).update(Buffer.from(data, 'utf8')).digest('base64');
}

export async function post(pathAndQuery, params) {
  assert.ok(AUTH_TOKEN, 'E2E_TWILIO_AUTH_TOKEN is set by scripts/test.sh');
  const url = `${BASE_URL}${pathAndQuery}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature(url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  assert.equal(response.status, 200, await response.text());
}

const sid = (prefix) => `${prefix}${crypto.randomBytes(16).toString('hex')}`;

/** A forwarded call nobody answered, with a recording of what the caller said. */
export async function missedCall(from, to) {
  const callSid = sid('CA');
  await post('/api/twilio/voice', {
    AccountSid: ACCOUNT_SID, CallSid: callSid, From: from, To: to, CallStatus: 'ringing', Direction: 'inbound',
  });
  const recordingSid = sid('RE');
  await post('/api/twilio/status?event=dial', {
    AccountSid: ACCOUNT_SID, CallSid: callSid, DialCallSid: sid('CA'), DialCallStatus: 'no-answer',
    DialCallDuration: '0', From: from, To: to, RecordingSid: recordingSid, RecordingStatus: 'completed',
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recordingSid}`,
    RecordingDuration: '12',
  });
}

export async function text(from, to, body) {
  await post('/api/twilio/sms', {
    AccountSid: ACCOUNT_SID, MessageSid: sid('SM'), From: from, To: to, Body: body, NumMedia: '0',
  });
}

/** `(512) 555-1000` → `+15125551000`. */
export const e164 = (display) => `+1${display.replace(/\D/g, '')}`;
