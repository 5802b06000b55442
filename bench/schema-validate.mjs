// Micro-measure (run: npx node bench/schema-validate.mjs): cost of one payload validation with @cfworker/json-schema (Node 22, not workerd).
import { Validator } from "@cfworker/json-schema";
const schema = { $schema: "https://json-schema.org/draft/2020-12/schema", anyOf: [
  { type: "object", properties: { aiContactId: { type: "string" }, data: { type: "object", properties: { fromNumber: { type: "string" }, message: { type: "string" }, messageId: { type: "string" }, messageType: { type: "string" }, name: { type: "string" }, stageId: { type: "string" }, toNumber: { type: "string" } }, required: ["fromNumber","message","messageId","messageType","name","stageId","toNumber"] }, type: { type: "string" } }, required: ["aiContactId","data","type"] },
] };
const payload = { aiContactId: "38f37371", data: { fromNumber: "56998389641", message: "Ok", messageId: "0f47", messageType: "text", name: "Waita", stageId: "3abb", toNumber: "56961210530" }, type: "message.received" };
const v = new Validator(schema, "2020-12", false);
for (let i = 0; i < 20000; i++) v.validate(payload);
const n = 200000, t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) v.validate(payload);
const perUs = Number(process.hrtime.bigint() - t0) / 1000 / n;
const m = new Map([["acc_x", { topics: new Map() }]]);
const t1 = process.hrtime.bigint();
for (let i = 0; i < n; i++) m.get("acc_x").topics.get("message.received");
console.log(JSON.stringify({ validateMicroseconds: +perUs.toFixed(2), noSchemaLookupMicroseconds: +(Number(process.hrtime.bigint() - t1) / 1000 / n).toFixed(3) }));
