/** One sample line of the Prometheus text format: `name{label="value",…} value [timestamp]`. */
export type PrometheusSample = { name: string; labels: Record<string, string>; value: number };

/**
 * Parses the Prometheus text exposition format (version 0.0.4,
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): `# HELP` and
 * `# TYPE` comments are skipped, label values are unescaped (`\\`, `\"`, `\n`), and `NaN`,
 * `+Inf` and `-Inf` become numbers. A line that does not parse is skipped, so one odd metric
 * cannot hide the rest.
 */
export function parsePrometheusText(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const sample = parseSampleLine(line);
    if (sample) {
      samples.push(sample);
    }
  }
  return samples;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseSampleLine(line: string): PrometheusSample | undefined {
  const name = NAME.exec(line)?.[0];
  if (!name) {
    return undefined;
  }
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (!parsed) {
      return undefined;
    }
    labels = parsed.labels;
    rest = rest.slice(parsed.length);
  }
  const [valueText] = rest.trim().split(/\s+/);
  const value = parseValue(valueText ?? '');
  return value === undefined ? undefined : { name, labels, value };
}

/** Reads `{a="1",b="x\"y"}` from the start of `text`; returns the labels and the characters read. */
function parseLabels(text: string): { labels: Record<string, string>; length: number } | undefined {
  const labels: Record<string, string> = {};
  let position = 1;
  for (;;) {
    position = skipSpaces(text, position);
    if (text[position] === '}') {
      return { labels, length: position + 1 };
    }
    const labelName = LABEL_NAME.exec(text.slice(position))?.[0];
    if (!labelName) {
      return undefined;
    }
    position = skipSpaces(text, position + labelName.length);
    if (text[position] !== '=' || text[skipSpaces(text, position + 1)] !== '"') {
      return undefined;
    }
    position = skipSpaces(text, position + 1) + 1;
    let value = '';
    while (position < text.length && text[position] !== '"') {
      if (text[position] === '\\') {
        const escaped = text[position + 1];
        value += escaped === 'n' ? '\n' : (escaped ?? '');
        position += 2;
      } else {
        value += text.charAt(position);
        position += 1;
      }
    }
    if (position >= text.length) {
      return undefined;
    }
    labels[labelName] = value;
    position = skipSpaces(text, position + 1);
    if (text[position] === ',') {
      position += 1;
    }
  }
}

function skipSpaces(text: string, position: number): number {
  let index = position;
  while (text[index] === ' ' || text[index] === '\t') {
    index += 1;
  }
  return index;
}

function parseValue(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    default: {
      if (text === '') {
        return undefined;
      }
      const value = Number(text);
      return Number.isNaN(value) ? undefined : value;
    }
  }
}
