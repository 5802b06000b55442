import type { components } from "../client/schema";

/**
 * The API's shapes as the UI reads them: the types generated from /openapi.json
 * (client/schema.d.ts, `npm run gen:client`), so the browser code cannot drift from the API.
 */
type Schemas = components["schemas"];

export type Webhook = Schemas["Webhook"];
export type Call = Schemas["Call"];
export type Stats = Schemas["DeliveryStats"];
export type Queue = Schemas["QueueStatus"];
export type Series = Schemas["DeliveryTimeseries"];
export type EventDetail = Schemas["EventDetail"];
export type Source = Schemas["Source"];
export type EventSummary = Schemas["Event"];
export type DeadLetter = Schemas["DeadLetter"];
export type Topic = Schemas["Topic"];
