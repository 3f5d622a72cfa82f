/**
 * Topic name / topic filter validation (MQTT rules plus AWS IoT limits) and filter matching.
 */

/** AWS IoT: topic and topic filter at most 256 bytes of UTF-8 */
export const MAX_TOPIC_BYTES = 256;
/** AWS IoT: at most 7 forward slashes (8 levels) */
export const MAX_TOPIC_SLASHES = 7;

export type TopicProblem = 'empty' | 'wildcard' | 'too-long' | 'too-many-levels' | 'null-char' | 'bad-wildcard';

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;

function checkCommon(topic: string): TopicProblem | null {
  if (topic.length === 0) return 'empty';
  if (topic.length * 3 > MAX_TOPIC_BYTES && Buffer.byteLength(topic, 'utf8') > MAX_TOPIC_BYTES) return 'too-long';
  let slashes = 0;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === SLASH) slashes++;
    else if (c === 0) return 'null-char';
  }
  return slashes > MAX_TOPIC_SLASHES ? 'too-many-levels' : null;
}

/** Validates a PUBLISH topic name; returns the problem or null when valid. */
export function validateTopicName(topic: string): TopicProblem | null {
  const common = checkCommon(topic);
  if (common) return common;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === PLUS || c === HASH) return 'wildcard';
  }
  return null;
}

/** Validates a SUBSCRIBE topic filter ('#' last and alone in its level, '+' alone in its level). */
export function validateTopicFilter(filter: string): TopicProblem | null {
  const common = checkCommon(filter);
  if (common) return common;
  const last = filter.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = filter.charCodeAt(i);
    if (c !== PLUS && c !== HASH) continue;
    const aloneBefore = i === 0 || filter.charCodeAt(i - 1) === SLASH;
    const aloneAfter = i === last || filter.charCodeAt(i + 1) === SLASH;
    if (!aloneBefore || !aloneAfter) return 'bad-wildcard';
    if (c === HASH && i !== last) return 'bad-wildcard';
  }
  return null;
}

/** True when the (already valid) filter contains + or #. */
export function hasWildcard(filter: string): boolean {
  for (let i = 0; i < filter.length; i++) {
    const c = filter.charCodeAt(i);
    if (c === PLUS || c === HASH) return true;
  }
  return false;
}

/** Splits a topic or filter into levels. */
export function splitLevels(topic: string): string[] {
  return topic.split('/');
}

/**
 * Matches topic levels against filter levels. A leading wildcard never matches a topic that
 * starts with '$' (MQTT-4.7.2-1).
 */
export function matchLevels(filter: readonly string[], topic: readonly string[], topicIsDollar: boolean): boolean {
  const first = filter[0];
  if (topicIsDollar && (first === '+' || first === '#')) return false;
  const n = filter.length;
  for (let i = 0; i < n; i++) {
    const f = filter[i]!;
    if (f === '#') return true; // '#' also matches the parent level (a/# matches a)
    if (i >= topic.length) return false;
    if (f !== '+' && f !== topic[i]) return false;
  }
  return n === topic.length;
}

/** Matches a topic string against a filter string (convenience form of matchLevels). */
export function matchTopic(filter: string, topic: string): boolean {
  if (!hasWildcard(filter)) return filter === topic;
  return matchLevels(splitLevels(filter), splitLevels(topic), topic.charCodeAt(0) === DOLLAR);
}

export function isDollarTopic(topic: string): boolean {
  return topic.charCodeAt(0) === DOLLAR;
}
