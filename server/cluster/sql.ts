// Shared SQL fragments of the coordination tables (leases, instances): time is the database's clock in
// epoch milliseconds, so instances whose clocks disagree still agree on when a lease ran out.
export const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/** Channels of the coordination notifications. */
export const LEASES_CHANNEL = "presence_hub_leases";
export const LIVE_CHANNEL = "presence_hub_live";
