/**
 * Broker-wide subscription index. Exact filters sit in a Map (filter → subscribers), so routing a
 * topic that thousands of devices subscribed to exactly costs one lookup plus the matches.
 * Wildcard filters are grouped by filter string and scanned (cost grows with the number of
 * distinct wildcard filters, not with connections).
 */
import { hasWildcard, isDollarTopic, matchLevels, splitLevels } from './topic-rules.js';

export type GrantedQos = 0 | 1;

interface WildcardGroup<S> {
  levels: string[];
  subscribers: Map<S, GrantedQos>;
}

export class SubscriptionIndex<S> {
  private readonly exact = new Map<string, Map<S, GrantedQos>>();
  private readonly wildcard = new Map<string, WildcardGroup<S>>();

  /** Adds or replaces (new QoS) a subscription. */
  add(filter: string, subscriber: S, qos: GrantedQos): void {
    if (hasWildcard(filter)) {
      let group = this.wildcard.get(filter);
      if (!group) {
        group = { levels: splitLevels(filter), subscribers: new Map() };
        this.wildcard.set(filter, group);
      }
      group.subscribers.set(subscriber, qos);
      return;
    }
    let subs = this.exact.get(filter);
    if (!subs) {
      subs = new Map();
      this.exact.set(filter, subs);
    }
    subs.set(subscriber, qos);
  }

  remove(filter: string, subscriber: S): void {
    if (hasWildcard(filter)) {
      const group = this.wildcard.get(filter);
      if (group && group.subscribers.delete(subscriber) && group.subscribers.size === 0) this.wildcard.delete(filter);
      return;
    }
    const subs = this.exact.get(filter);
    if (subs && subs.delete(subscriber) && subs.size === 0) this.exact.delete(filter);
  }

  /**
   * Visits every subscriber whose filters match topic, once each, with the highest granted QoS
   * among its matching filters. Safe against removals made by the visitor.
   */
  forEachMatch(topic: string, visit: (subscriber: S, qos: GrantedQos) => void): void {
    const exact = this.exact.get(topic);
    let merged: Map<S, GrantedQos> | undefined;
    if (this.wildcard.size > 0) {
      const levels = splitLevels(topic);
      const dollar = isDollarTopic(topic);
      for (const group of this.wildcard.values()) {
        if (!matchLevels(group.levels, levels, dollar)) continue;
        merged ??= new Map(exact);
        for (const [subscriber, qos] of group.subscribers) {
          const prev = merged.get(subscriber);
          if (prev === undefined || qos > prev) merged.set(subscriber, qos);
        }
      }
    }
    const target = merged ?? exact;
    if (!target) return;
    for (const [subscriber, qos] of target) visit(subscriber, qos);
  }

  /** Number of distinct exact and wildcard filters (for diagnostics and tests). */
  countFilters(): { exact: number; wildcard: number } {
    return { exact: this.exact.size, wildcard: this.wildcard.size };
  }
}
