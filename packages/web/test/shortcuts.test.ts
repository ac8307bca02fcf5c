import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  groupShortcuts,
  isTypingTarget,
  matchSequence,
  parseKeys,
  pressKey,
  shortcutKeyOf,
  type Shortcut,
} from '../src/components/shortcuts/shortcut-keys.ts';

const noop = () => undefined;
const shortcut = (keys: string, group?: string): Shortcut => ({
  keys,
  description: `does ${keys}`,
  run: noop,
  ...(group ? { group } : {}),
});
const SHELL = [shortcut('/'), shortcut('?'), shortcut('g p'), shortcut('g h'), shortcut('1'), shortcut(']')];
const plain = { ctrlKey: false, altKey: false, metaKey: false };

describe('shortcut key matching', () => {
  it('splits a sequence on spaces', () => {
    assert.deepEqual(parseKeys('g p'), ['g', 'p']);
    assert.deepEqual(parseKeys('  ?  '), ['?']);
  });

  it('takes the typed character and leaves Ctrl, Alt and Meta combinations and lone modifiers to the browser', () => {
    assert.equal(shortcutKeyOf({ ...plain, key: '?' }), '?');
    assert.equal(shortcutKeyOf({ ...plain, key: '[' }), '[');
    assert.equal(shortcutKeyOf({ ...plain, key: 'Shift' }), undefined);
    assert.equal(shortcutKeyOf({ ...plain, ctrlKey: true, key: 'p' }), undefined);
    assert.equal(shortcutKeyOf({ ...plain, metaKey: true, key: '/' }), undefined);
  });

  it('runs a single key, waits after the first key of a sequence, and runs the sequence on its second', () => {
    assert.equal(matchSequence(['/'], SHELL).kind, 'run');
    assert.equal(matchSequence(['g'], SHELL).kind, 'wait');
    const sequence = matchSequence(['g', 'p'], SHELL);
    assert.equal(sequence.kind === 'run' && sequence.shortcut.keys, 'g p');
    assert.equal(matchSequence(['x'], SHELL).kind, 'none');
  });

  it('lets the latest registration win when two use the same keys', () => {
    const screen = shortcut('n', 'Review');
    const match = matchSequence(['n'], [shortcut('n', 'General'), screen]);
    assert.equal(match.kind === 'run' && match.shortcut, screen);
  });

  it('carries pending keys between presses and retries a key that breaks a sequence on its own', () => {
    const first = pressKey([], 'g', SHELL);
    assert.deepEqual(first, { pending: ['g'] });
    const second = pressKey(first.pending, 'h', SHELL);
    assert.equal(second.run?.keys, 'g h');
    assert.deepEqual(second.pending, []);
    // `g` then `/`: no `g /`, so `/` runs by itself.
    assert.equal(pressKey(['g'], '/', SHELL).run?.keys, '/');
    assert.deepEqual(pressKey(['g'], 'z', SHELL), { pending: [] });
  });

  it('treats text inputs, textareas, selects, comboboxes and editable text as typing, but not checkboxes or buttons', () => {
    const element = (tagName: string, extra: { type?: string; role?: string; isContentEditable?: boolean } = {}) => ({
      tagName,
      ...(extra.type ? { type: extra.type } : {}),
      isContentEditable: extra.isContentEditable ?? false,
      getAttribute: (name: string) => (name === 'role' ? (extra.role ?? null) : null),
    });
    assert.equal(isTypingTarget(element('INPUT', { type: 'text' })), true);
    assert.equal(isTypingTarget(element('INPUT', { type: 'search' })), true);
    assert.equal(isTypingTarget(element('input')), true);
    assert.equal(isTypingTarget(element('TEXTAREA')), true);
    assert.equal(isTypingTarget(element('SELECT')), true);
    assert.equal(isTypingTarget(element('DIV', { role: 'combobox' })), true);
    assert.equal(isTypingTarget(element('DIV', { isContentEditable: true })), true);
    assert.equal(isTypingTarget(element('INPUT', { type: 'radio' })), false);
    assert.equal(isTypingTarget(element('INPUT', { type: 'checkbox' })), false);
    assert.equal(isTypingTarget(element('BUTTON')), false);
    assert.equal(isTypingTarget(element('A')), false);
    assert.equal(isTypingTarget(null), false);
  });

  it('groups shortcuts for the help in registration order, listing replaced keys once', () => {
    const groups = groupShortcuts([
      shortcut('?', 'General'),
      shortcut('g p', 'Go to'),
      shortcut('j'),
      { ...shortcut('g p', 'Go to'), description: 'Go to patients' },
    ]);
    assert.deepEqual(
      groups.map((group) => [group.group, group.shortcuts.map((entry) => entry.description)]),
      [
        ['General', ['does ?']],
        ['Go to', ['Go to patients']],
        ['This page', ['does j']],
      ],
    );
  });
});
