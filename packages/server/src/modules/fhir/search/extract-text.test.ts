import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentText, decodeEntities, MAX_TEXT_LENGTH, narrativeText, xhtmlToText } from './extract-text.ts';

const div = (body: string) => `<div xmlns="http://www.w3.org/1999/xhtml">${body}</div>`;

describe('xhtmlToText', () => {
  it('removes tags, keeping words of inline elements together and separating blocks', () => {
    assert.equal(xhtmlToText(div('<p>Anna <b>Mül</b>ler</p><p>born 1980</p>')), 'Anna Müller born 1980');
    assert.equal(xhtmlToText(div('<table><tr><td>Weight</td><td>72<span>kg</span></td></tr></table>')), 'Weight 72kg');
    assert.equal(xhtmlToText(div('line one<br/>line two')), 'line one line two');
  });

  it('ignores attributes, including quoted ones holding > and entity-like text', () => {
    assert.equal(
      xhtmlToText(div('<a href="http://x.org/?a=1&amp;b=2" title="a > b">link</a> <img src="x.png" alt="photo"/>')),
      'link',
    );
  });

  it('drops comments, declarations, scripts and styles, and keeps CDATA text as written', () => {
    assert.equal(xhtmlToText('<?xml version="1.0"?><!-- note -->' + div('a<!-- hidden -->b')), 'ab');
    assert.equal(xhtmlToText(div('<script>alert(1)</script>x<style>p{}</style>y')), 'x y');
    assert.equal(xhtmlToText(div('<![CDATA[a &amp; <b>]]>')), 'a &amp; <b>');
  });

  it('decodes entities and collapses whitespace, including no-break spaces', () => {
    assert.equal(
      xhtmlToText(div('<p>\n  Fish &amp; chips&nbsp;&nbsp;&lt;3 &#233;t&#xE9;\t</p>')),
      'Fish & chips <3 été',
    );
  });

  it('keeps the text of malformed markup rather than losing it', () => {
    assert.equal(xhtmlToText('a < b and <b'), 'a < b and <b');
    assert.equal(xhtmlToText('<p>unclosed <!-- comment'), 'unclosed');
  });

  it('scans pathological markup without catastrophic backtracking', () => {
    // 450,000 characters of unclosed tags and quotes: a backtracking pattern needs minutes for them,
    // a linear scan well under a second. The bound only tells the two apart; it is no speed target,
    // and leaves room for a machine busy with other work (a 1 s bound once failed at 1.14 s there).
    const markup = '<a x="'.repeat(50_000) + '<a '.repeat(50_000);
    const started = performance.now();
    const text = xhtmlToText(markup);
    assert.ok(performance.now() - started < 15_000);
    // None of it is a complete tag: it is kept as text, as other malformed markup is.
    assert.equal(text, markup.trimEnd());
  });
});

describe('decodeEntities', () => {
  it('decodes the named entities narratives use and numeric references', () => {
    assert.equal(decodeEntities('&amp;&lt;&gt;&quot;&apos;&nbsp;'), '&<>"\'\u00a0');
    assert.equal(decodeEntities('&#77;&#xFC;&#x1F600;'), 'Mü😀');
  });

  it('decodes once, so an escaped entity stays an entity', () => {
    assert.equal(decodeEntities('&amp;lt;'), '&lt;');
  });

  it('leaves unknown entities, invalid code points and bare ampersands as written', () => {
    assert.equal(
      decodeEntities('&eacute; &#0; &#xD800; &#x110000; a & b &amp'),
      '&eacute; &#0; &#xD800; &#x110000; a & b &amp',
    );
  });
});

describe('narrativeText', () => {
  it('is the text of text.div, or empty without a narrative', () => {
    assert.equal(
      narrativeText({ resourceType: 'Patient', text: { status: 'generated', div: div('<p>Anna</p>') } }),
      'Anna',
    );
    assert.equal(narrativeText({ resourceType: 'Patient' }), '');
    assert.equal(narrativeText({ resourceType: 'Patient', text: { status: 'empty' } }), '');
  });
});

describe('contentText', () => {
  it('collects strings, markdown and codes, and appends the narrative', () => {
    const text = contentText({
      resourceType: 'Patient',
      id: 'p-123',
      meta: { versionId: '2', tag: [{ system: 'urn:tags', code: 'secret-tag', display: 'Tag display' }] },
      text: { status: 'generated', div: div('<p>Narrative words</p>') },
      identifier: [{ system: 'urn:mrn', value: 'MRN-77', type: { text: 'Medical record' } }],
      name: [{ family: 'Müller', given: ['Anna', 'Maria'] }],
      gender: 'female',
      birthDate: '1980-05-17',
      _birthDate: { extension: [{ url: 'http://example.org/ext', valueString: 'around noon' }] },
      photo: [
        { contentType: 'image/png', data: 'iVBORw0KGgo=', url: 'http://example.org/photo.png', title: 'Portrait' },
      ],
      generalPractitioner: [{ reference: 'Practitioner/dr-1', display: 'Dr Who' }],
      managingOrganization: { reference: 'Organization/org-1' },
      active: true,
      multipleBirthInteger: 2,
    });
    assert.equal(
      text,
      'MRN-77 Medical record Müller Anna Maria female around noon image/png Portrait Dr Who Narrative words',
    );
  });

  it('reads choice forms, backbone elements, extensions and contained resources', () => {
    const text = contentText({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      valueString: 'Resting pulse',
      component: [{ code: { text: 'Systolic' }, valueCodeableConcept: { text: 'High' } }],
      note: [{ text: 'Measured *twice*' }],
      extension: [{ url: 'http://example.org/ext', valueUri: 'http://not-words.org' }],
      contained: [
        { resourceType: 'Device', id: 'd1', deviceName: [{ name: 'Pulse meter', type: 'user-friendly-name' }] },
      ],
    });
    assert.equal(
      text,
      'final 8867-4 Heart rate Resting pulse Systolic High Measured *twice* Pulse meter user-friendly-name',
    );
  });

  it('skips elements its type does not define', () => {
    assert.equal(contentText({ resourceType: 'Patient', gender: 'male', shoeSize: 'large' }), 'male');
    assert.equal(contentText({ resourceType: 'Spaceship', name: 'x' }), '');
  });

  it('caps the text at MAX_TEXT_LENGTH, cutting at a word boundary', () => {
    const note = Array.from({ length: 2000 }, () => ({ text: 'word '.repeat(100) }));
    const text = contentText({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, note });
    assert.ok(text.length <= MAX_TEXT_LENGTH);
    assert.ok(text.length > MAX_TEXT_LENGTH - 10);
    assert.ok(text.endsWith('word'));
  });
});
