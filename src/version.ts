/** Sent as `user-agent: hookrelay/<version>` on deliveries; keep in step with package.json. */
export const VERSION = "0.1.0";
