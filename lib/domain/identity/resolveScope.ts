import type { ChannelId } from "../../core/values/ChannelId";
import type { Scope } from "../../core/values/identifiers";

/** Which business portfolio (scope) each channel belongs to. */
export interface ScopeSettings {
  /** Scope used for channels without an entry in `scopeByChannel`. */
  defaultScope: Scope;
  /** Business-portfolio scope of each channel registration ID (lower case). */
  scopeByChannel: ReadonlyMap<ChannelId, Scope>;
}

/** The scope a channel's contacts live in. */
export function resolveScope(config: ScopeSettings, channel: ChannelId): Scope {
  return config.scopeByChannel.get(channel) ?? config.defaultScope;
}
