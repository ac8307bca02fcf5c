import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertAcceptablePassword, findPasswordProblem } from './password-policy.ts';
import { IdentityError } from './identity-error.ts';

const email = 'dana.ross@clinic.example';

describe('password policy', () => {
  it('accepts a long passphrase', () => {
    assert.equal(findPasswordProblem('violet kettle harbour 42', email), undefined);
  });

  it('refuses passwords shorter than 12 characters, counting characters rather than bytes', () => {
    assert.equal(findPasswordProblem('Sh0rt-pass!', email), 'Password must be at least 12 characters');
    assert.equal(findPasswordProblem('ééééé-ñ-ü-ö', email), 'Password must be at least 12 characters');
  });

  it('refuses absurdly long passwords', () => {
    assert.equal(findPasswordProblem('x'.repeat(300), email), 'Password must be at most 256 characters');
  });

  it('refuses the e-mail address or its local part, whatever the case', () => {
    assert.equal(findPasswordProblem('Dana.Ross@Clinic.Example', email), 'Password must not be the e-mail address');
    assert.equal(
      findPasswordProblem('dana.ross1234', 'dana.ross1234@x.org'),
      'Password must not be the e-mail address',
    );
  });

  it('refuses common passwords and common words padded to length', () => {
    for (const password of [
      'password1234',
      'Password2024!',
      '!!Welcome12345',
      '123456789012',
      'aaaaaaaaaaaaaa',
      'adminadminadmin',
    ]) {
      assert.equal(findPasswordProblem(password, email), 'Password is too common', password);
    }
  });

  it('throws ID_WEAK_PASSWORD with the rule as message', () => {
    assert.throws(
      () => assertAcceptablePassword('short', email),
      (error: unknown) =>
        error instanceof IdentityError && error.code === 'ID_WEAK_PASSWORD' && error.statusCode === 400,
    );
  });
});
