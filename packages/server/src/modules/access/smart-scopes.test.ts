import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  filterAllowedScopes,
  formatResourceScope,
  isScopeCovered,
  parseResourceScope,
  parseScopes,
  reachOf,
  type ResourceScope,
} from './smart-scopes.ts';

function scope(text: string): ResourceScope {
  const parsed = parseResourceScope(text);
  assert.ok(parsed, `${text} should parse`);
  return parsed;
}

describe('SMART scopes', () => {
  it('parses v2 scopes into context, type and interactions', () => {
    const parsed = scope('patient/Observation.rs');
    assert.equal(parsed.context, 'patient');
    assert.equal(parsed.resourceType, 'Observation');
    assert.deepEqual([...parsed.interactions].sort(), ['r', 's']);
    assert.equal(formatResourceScope(scope('user/*.cruds')), 'user/*.cruds');
  });

  it('reads v1 read, write and * as their v2 equivalents', () => {
    assert.equal(formatResourceScope(scope('patient/*.read')), 'patient/*.rs');
    assert.equal(formatResourceScope(scope('user/Observation.write')), 'user/Observation.cud');
    assert.equal(formatResourceScope(scope('system/*.*')), 'system/*.cruds');
  });

  it('refuses letters out of order, repeated, unknown, and scopes with a query', () => {
    for (const text of [
      'patient/*.sr',
      'patient/*.rr',
      'patient/*.rx',
      'patient/*.',
      'patient/observation.rs',
      'admin/*.rs',
      'patient/Observation.rs?category=laboratory',
      'launch/patient',
    ]) {
      assert.equal(parseResourceScope(text), undefined, text);
    }
  });

  it('splits a scope string into resource scopes and the others', () => {
    const { resources, others } = parseScopes('openid fhirUser launch/patient patient/*.rs  offline_access');
    assert.deepEqual(resources.map(formatResourceScope), ['patient/*.rs']);
    assert.deepEqual(others, ['openid', 'fhirUser', 'launch/patient', 'offline_access']);
  });

  it('covers a scope with the same context, its type or the wildcard, and more interactions', () => {
    assert.equal(isScopeCovered(scope('patient/Observation.rs'), scope('patient/*.cruds')), true);
    assert.equal(isScopeCovered(scope('patient/Observation.r'), scope('patient/Observation.read')), true);
    assert.equal(isScopeCovered(scope('patient/Observation.c'), scope('patient/*.rs')), false);
    assert.equal(isScopeCovered(scope('user/Observation.rs'), scope('patient/*.cruds')), false);
    assert.equal(isScopeCovered(scope('patient/*.rs'), scope('patient/Observation.rs')), false);
  });

  it('keeps the requested scopes a client is registered for', () => {
    const registered = ['openid', 'fhirUser', 'launch/patient', 'patient/*.cruds', 'user/Observation.rs'];
    const requested = ['openid', 'profile', 'patient/*.rs', 'user/Observation.read', 'user/*.rs', 'system/*.*'];
    assert.deepEqual(filterAllowedScopes(requested, registered), ['openid', 'patient/*.rs', 'user/Observation.read']);
  });

  it('reaches everything through user or system scopes, the compartment through patient scopes', () => {
    const scopes = parseScopes('patient/*.rs user/Observation.cruds').resources;
    assert.equal(reachOf(scopes, 'Observation', 'c'), 'all');
    assert.equal(reachOf(scopes, 'Observation', 'r'), 'all');
    assert.equal(reachOf(scopes, 'Condition', 'r'), 'patient');
    assert.equal(reachOf(scopes, 'Condition', 'c'), 'none');
  });
});
